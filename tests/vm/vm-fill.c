// SPDX-License-Identifier: MIT
/*
 * Allocate until the provider is full, then free everything: the
 * allocation that does not fit fails with ENOMEM (nothing else), the
 * buffers add up to the provider's size less at most one buffer, and once
 * all are closed the provider's sysfs "free" is its size again (no leak in
 * the allocator).
 *   vm-fill /dev/p2pbuf/PROVIDER /sys/class/misc/PROVIDER BUFFER_BYTES
 * Exit 0 pass, 1 fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/p2pbuf.h>

static int read_u64(const char *dir, const char *name, unsigned long long *v)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vm-fill: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	if (!ok)
		fprintf(stderr, "vm-fill: %s does not hold a number\n", path);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long long size, len, freeb, n = 0, i;
	int pfd, *fds;

	if (argc != 4) {
		fprintf(stderr, "usage: %s /dev/p2pbuf/PROVIDER /sys/class/misc/PROVIDER BUFFER_BYTES\n", argv[0]);
		return 2;
	}
	len = strtoull(argv[3], NULL, 0);
	pfd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (pfd < 0 || !len) {
		fprintf(stderr, "vm-fill: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (read_u64(argv[2], "size", &size) || read_u64(argv[2], "free", &freeb))
		return 1;
	if (freeb != size) {
		fprintf(stderr, "vm-fill: the provider is in use (free %llu of %llu)\n", freeb, size);
		return 1;
	}
	fds = calloc(size / len + 2, sizeof(*fds));
	if (!fds)
		return 1;
	for (;;) {
		struct p2pbuf_alloc_data a = { .len = len, .fd_flags = O_RDWR | O_CLOEXEC };

		if (ioctl(pfd, P2PBUF_IOCTL_ALLOC, &a)) {
			if (errno != ENOMEM) {
				fprintf(stderr, "FAIL: allocation %llu failed with %s, want ENOMEM\n",
					n + 1, strerror(errno));
				return 1;
			}
			break;
		}
		if (n > size / len) {
			fprintf(stderr, "FAIL: %llu buffers of %llu bytes from a %llu-byte provider\n",
				n + 1, len, size);
			return 1;
		}
		fds[n++] = (int)a.fd;
	}
	if (read_u64(argv[2], "free", &freeb))
		return 1;
	printf("%llu buffers of %llu bytes until ENOMEM (%llu of %llu bytes), free %llu\n",
	       n, len, n * len, size, freeb);
	if (n * len + len <= size || freeb >= len) {
		fprintf(stderr, "FAIL: ENOMEM with %llu bytes free: want fewer than %llu\n", freeb, len);
		return 1;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (read_u64(argv[2], "free", &freeb) || read_u64(argv[2], "allocated", &len))
		return 1;
	printf("after closing all: free %llu, allocated %llu\n", freeb, len);
	if (freeb != size || len != 0) {
		fprintf(stderr, "FAIL: free %llu, allocated %llu after all buffers were closed\n", freeb, len);
		return 1;
	}
	free(fds);
	return 0;
}
