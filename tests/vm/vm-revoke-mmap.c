// SPDX-License-Identifier: MIT
/*
 * Holds a live mapping of a p2pbuf buffer and writes to it until the
 * provider is revoked (device unbound by another process). Passes when the
 * access gets SIGBUS (not a crash, not silence), and afterwards the buffer
 * and the provider refuse new work with ENODEV.
 *   vm-revoke-mmap /dev/p2pbuf/PROVIDER READY_FILE TIMEOUT_SECS
 * Exit: 0 pass, 1 fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/p2pbuf.h>

#define LEN (1 << 20)

static sigjmp_buf jb;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

int main(int argc, char **argv)
{
	struct p2pbuf_alloc_data d = { .len = LEN, .fd_flags = O_RDWR | O_CLOEXEC };
	struct sigaction sa = { .sa_handler = on_sigbus };
	volatile unsigned long writes = 0;
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	volatile unsigned char *p;
	time_t deadline;
	volatile int ok = 1;
	int pfd, fd;
	void *q;

	if (argc != 4) {
		fprintf(stderr, "usage: %s /dev/p2pbuf/PROVIDER READY_FILE TIMEOUT_SECS\n", argv[0]);
		return 2;
	}
	pfd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (pfd < 0 || ioctl(pfd, P2PBUF_IOCTL_ALLOC, &d)) {
		fprintf(stderr, "vm-revoke-mmap: cannot allocate from %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	fd = (int)d.fd;
	q = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (q == MAP_FAILED) {
		fprintf(stderr, "vm-revoke-mmap: mmap: %s\n", strerror(errno));
		return 1;
	}
	p = q;
	sigaction(SIGBUS, &sa, NULL);
	deadline = time(NULL) + atoi(argv[3]);
	close(open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644));

	if (sigsetjmp(jb, 1) == 0) {
		while (time(NULL) < deadline) {
			for (size_t off = 0; off < LEN; off += 4096)
				p[off] = (unsigned char)writes;
			writes = writes + 1;
		}
		fprintf(stderr, "vm-revoke-mmap: no SIGBUS within %s s (%lu passes)\n", argv[3], writes);
		return 1;
	}
	printf("vm-revoke-mmap: SIGBUS after %lu passes over the mapping\n", writes);

	/* After revocation: no new mapping, no CPU access, no allocation. */
	if (mmap(NULL, LEN, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED || errno != ENODEV) {
		fprintf(stderr, "vm-revoke-mmap: new mmap after revoke: want ENODEV, got %s\n", strerror(errno));
		ok = 0;
	}
	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) == 0 || errno != ENODEV) {
		fprintf(stderr, "vm-revoke-mmap: DMA_BUF_IOCTL_SYNC after revoke: want ENODEV, got %s\n", strerror(errno));
		ok = 0;
	}
	d.fd = 0;
	if (ioctl(pfd, P2PBUF_IOCTL_ALLOC, &d) == 0 || errno != ENODEV) {
		fprintf(stderr, "vm-revoke-mmap: alloc after revoke: want ENODEV, got %s\n", strerror(errno));
		ok = 0;
	}
	munmap(q, LEN);
	close(fd);
	close(pfd);
	return ok ? 0 : 1;
}
