// SPDX-License-Identifier: MIT
/*
 * Structure-aware ioctl fuzzer for p2pbuf's nodes: random commands (the
 * real numbers with random directions, sizes and numbers), structs with
 * random fields, flags, fds (ours, foreign, closed, negative), names
 * without NUL, truncated and oversized structs, bad and read-only
 * pointers, attachment arrays of random size. The kernel must answer each
 * with success or an errno; the caller scans dmesg for splats. Buffers it
 * gets are mapped, touched and closed.
 *   vm-ioctl-fuzz /dev/p2pbuf/PROVIDER CALLS [SEED]
 * Prints a histogram of results; exit 0 unless the fuzzer itself failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/p2pbuf.h>

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[rnd() % n];
}

#define PICK(a) pick(a, sizeof(a) / sizeof((a)[0]))

static const uint64_t lens[] = {
	0, 1, 4095, 4096, 4097, 8192, 1843200, 1 << 20, 64ull << 20, (64ull << 20) + 4096,
	1ull << 40, UINT64_MAX, UINT64_MAX - 4095, UINT64_MAX - 4096, 1ull << 62,
};
static const uint64_t flagv[] = {
	0, 1, 2, 0x80000000u, 0xffffffffu, O_RDWR, O_RDONLY, O_WRONLY, O_CLOEXEC,
	O_RDWR | O_CLOEXEC, O_NONBLOCK, O_ACCMODE, 1u << 31 | 1,
};

static int fds[8];

/* one of ours (ctl, provider, buffers), /dev/null, closed or negative */
static int some_fd(void)
{
	if (rnd() % 3)
		return fds[rnd() % 8];
	return rnd() % 2 ? -1 : 1000 + (int)(rnd() % 100);
}

static void randomize(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = rnd() % 4 ? 0 : (unsigned char)rnd();
}

static void fill_name(char *s, size_t n)
{
	switch (rnd() % 4) {
	case 0:
		memset(s, 'x', n);	/* no NUL */
		break;
	case 1:
		snprintf(s, n, "0000:%02x:%02x.%x", (unsigned)(rnd() % 8), (unsigned)(rnd() % 4),
			 (unsigned)(rnd() % 2));
		break;
	default:
		memset(s, 0, n);
		break;
	}
}

int main(int argc, char **argv)
{
	unsigned long calls, i, ok = 0, hist[160] = { 0 };
	static unsigned char page[3 * 8192] __attribute__((aligned(8192)));
	unsigned char *ro, *buf = page;
	int cfd, pfd, k;

	if (argc < 3) {
		fprintf(stderr, "usage: %s /dev/p2pbuf/PROVIDER CALLS [SEED]\n", argv[0]);
		return 2;
	}
	calls = strtoul(argv[2], NULL, 0);
	rng_state = argc > 3 ? strtoull(argv[3], NULL, 0) : (uint64_t)getpid() * 2654435761u + 1;
	cfd = open("/dev/p2pbuf/ctl", O_RDWR | O_CLOEXEC);
	pfd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (cfd < 0 || pfd < 0) {
		fprintf(stderr, "vm-ioctl-fuzz: cannot open /dev/p2pbuf/ctl or %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		return 1;
	for (k = 0; k < 8; k++)
		fds[k] = -1;
	fds[0] = cfd;
	fds[1] = pfd;
	fds[2] = open("/dev/null", O_RDONLY | O_CLOEXEC);

	for (i = 0; i < calls; i++) {
		unsigned int nr, dir, size, type;
		unsigned long cmd;
		void *arg;
		int fd = rnd() % 2 ? cfd : pfd, r;

		/* a command: mostly real ones, with mutations */
		switch (rnd() % 6) {
		case 0:
			cmd = P2PBUF_IOCTL_ALLOC;
			break;
		case 1:
			cmd = P2PBUF_CTL_PROVIDER_INFO;
			break;
		case 2:
			cmd = P2PBUF_CTL_BUFFER_INFO;
			break;
		case 3:
			cmd = P2PBUF_CTL_ROUTE;
			break;
		case 4:
			cmd = P2PBUF_CTL_RESCAN;
			break;
		default:
			cmd = (unsigned long)rnd();
			break;
		}
		type = _IOC_TYPE(cmd);
		nr = _IOC_NR(cmd);
		dir = _IOC_DIR(cmd);
		size = _IOC_SIZE(cmd);
		if (rnd() % 4 == 0)
			size = (unsigned int)(rnd() % 3 ? rnd() % 256 : rnd() % 16384);
		if (rnd() % 8 == 0)
			dir = (unsigned int)(rnd() % 4);
		if (rnd() % 16 == 0)
			nr = (unsigned int)(rnd() % 256);
		cmd = _IOC(dir, type, nr, size & _IOC_SIZEMASK);

		/* an argument: a random struct of the right kind in a buffer,
		 * at the end of a page, read-only, or a bad pointer
		 */
		memset(page, 0, sizeof(page));
		randomize(buf, 256);
		if (type == P2PBUF_IOC_MAGIC) {
			struct p2pbuf_alloc_data *a = (void *)buf;

			a->len = PICK(lens);
			a->fd = rnd() % 4 ? 0 : (uint32_t)rnd();
			a->fd_flags = (uint32_t)PICK(flagv);
			a->heap_flags = rnd() % 4 ? 0 : rnd();
		} else if (nr == 1) {
			struct p2pbuf_provider_info *p = (void *)buf;

			p->index = (uint32_t)(rnd() % 3 ? rnd() % 4 : rnd());
			p->flags = (uint32_t)PICK(flagv) | (rnd() % 2 ? P2PBUF_PROVIDER_BY_NAME : 0);
			fill_name(p->name, sizeof(p->name));
		} else if (nr == 2) {
			struct p2pbuf_buffer_info *b = (void *)buf;

			b->fd = some_fd();
			b->flags = rnd() % 4 ? 0 : (uint32_t)rnd();
			b->attach_cap = (uint32_t)(rnd() % 3 ? rnd() % 4 : rnd());
			b->attach_size = (uint32_t)(rnd() % 2 ? sizeof(struct p2pbuf_attach_info) : rnd() % 8192);
			b->attach_ptr = rnd() % 3 ? (uintptr_t)(page + 8192) : rnd() % 2 ? (uintptr_t)ro : rnd();
			b->reserved = rnd() % 8 ? 0 : 1;
		} else if (nr == 3) {
			struct p2pbuf_route_query *q = (void *)buf;

			q->index = (uint32_t)(rnd() % 3 ? rnd() % 4 : rnd());
			q->flags = rnd() % 2 ? 0 : (uint32_t)PICK(flagv) | P2PBUF_ROUTE_BY_NAME;
			fill_name(q->client, sizeof(q->client));
			fill_name(q->provider, sizeof(q->provider));
			q->reserved = rnd() % 8 ? 0 : 1;
		}
		switch (rnd() % 8) {
		case 0:
			arg = NULL;
			break;
		case 1:
			arg = (void *)(uintptr_t)rnd();
			break;
		case 2:
			/* a read-only page: -EFAULT on write-back */
			arg = ro + 8192 - (rnd() % 2 ? 24 : 64);
			break;
		case 3:
			/* the struct ends where the buffer ends: oversized reads fault */
			memmove(page + sizeof(page) - 256, buf, 256);
			arg = page + sizeof(page) - (size < 256 ? 256 : size % 256 + 1);
			break;
		default:
			arg = buf;
			break;
		}
		r = ioctl(fd, cmd, arg);
		if (!r) {
			ok++;
			if (type == P2PBUF_IOC_MAGIC && arg == buf) {
				struct p2pbuf_alloc_data *a = (void *)buf;
				int nfd = (int)a->fd;

				if (nfd > 2 && fcntl(nfd, F_GETFD) >= 0) {
					size_t len = a->len < (16 << 20) ? (size_t)a->len : 4096;
					void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, nfd, 0);

					if (m != MAP_FAILED) {
						((volatile char *)m)[0] = 1;
						munmap(m, len);
					}
					k = 3 + (int)(rnd() % 5);
					if (fds[k] >= 0)
						close(fds[k]);
					fds[k] = nfd;
				}
			}
		} else if (errno < 160) {
			hist[errno]++;
		}
	}
	printf("vm-ioctl-fuzz: %lu calls, %lu succeeded;", calls, ok);
	for (k = 0; k < 160; k++)
		if (hist[k])
			printf(" errno %d (%s) %lu,", k, strerror(k), hist[k]);
	printf("\n");
	for (k = 3; k < 8; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	return 0;
}
