// SPDX-License-Identifier: MIT
/*
 * Allocate, map, touch and free buffers of a provider in a loop while the
 * provider comes and goes (the caller unbinds and rebinds it): the race
 * between revocation and release that used to touch a dying file's
 * mapping. Errors a vanishing provider explains (the node gone, -ENODEV,
 * SIGBUS on a revoked mapping) are counted, anything else fails.
 *   vm-alloc-churn /dev/p2pbuf/PROVIDER SECONDS
 * Runs SECONDS at most, or until SIGTERM/SIGINT. Prints one line:
 * operations, revoked, gone; exit 0 pass, 1 fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/p2pbuf.h>

static sigjmp_buf bus_jmp;
/* file scope: kept across siglongjmp */
static unsigned long ops, revoked, gone, sigbus;
static unsigned int seed;
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	double end;

	if (argc != 3) {
		fprintf(stderr, "usage: %s /dev/p2pbuf/PROVIDER SECONDS\n", argv[0]);
		return 2;
	}
	end = now() + atof(argv[2]);
	seed = (unsigned int)getpid();
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop && now() < end) {
		struct p2pbuf_alloc_data a = { 0 };
		volatile unsigned char *p;
		size_t len;
		int pfd;

		pfd = open(argv[1], O_RDWR | O_CLOEXEC);
		if (pfd < 0) {
			if (errno != ENOENT && errno != ENODEV && errno != ENXIO) {
				fprintf(stderr, "vm-alloc-churn: open %s: %s\n", argv[1], strerror(errno));
				return 1;
			}
			gone++;
			usleep(1000);
			continue;
		}
		len = 4096 * (1 + rand_r(&seed) % 64);
		a.len = len;
		a.fd_flags = O_RDWR | O_CLOEXEC;
		if (ioctl(pfd, P2PBUF_IOCTL_ALLOC, &a)) {
			int e = errno;

			close(pfd);
			if (e == ENODEV || e == ENOMEM) {
				revoked++;
				continue;
			}
			fprintf(stderr, "vm-alloc-churn: alloc %zu bytes: %s\n", len, strerror(e));
			return 1;
		}
		close(pfd);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)a.fd, 0);
		if (p == MAP_FAILED) {
			if (errno != ENODEV) {
				fprintf(stderr, "vm-alloc-churn: mmap: %s\n", strerror(errno));
				return 1;
			}
			revoked++;
		} else {
			if (!sigsetjmp(bus_jmp, 1)) {
				p[0] = 1;
				p[len - 1] = p[0];
			} else {
				sigbus++;
			}
			munmap((void *)p, len);
		}
		close((int)a.fd);
		ops++;
	}
	printf("vm-alloc-churn: %lu buffers allocated, mapped and freed; %lu refused as revoked, %lu SIGBUS on revoked mappings, %lu opens while the provider was gone\n",
	       ops, revoked, sigbus, gone);
	return ops ? 0 : 1;
}
