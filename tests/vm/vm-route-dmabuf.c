// SPDX-License-Identifier: MIT
/*
 * p2pbuf describes how a PCI peer reaches the buffer behind any dma-buf:
 * its own buffers by its own rules, another exporter's by asking that
 * exporter (the module attaches the peer, maps once, unmaps).
 *
 *   vm-route-dmabuf SOURCE P2PBUF_CTL PEER=ROUTE...
 *     SOURCE: heap        a 1 MiB buffer of the system dma-heap (RAM)
 *             /dev/p2pbuf/NODE   a 1 MiB p2pbuf buffer
 *
 * For each PEER the route p2pbuf_route_query_dmabuf() reports must be
 * ROUTE, and `P2PBUF_CTL info --pid SELF --fd N --peer PEER` must say the
 * same. Exit 0 pass, 1 fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/dma-heap.h>
#include <linux/p2pbuf.h>
#include <p2pbuf/p2pbuf.h>

#define LEN (1u << 20)

static int alloc_from(const char *source, const char **what)
{
	int dev, ret;

	if (strcmp(source, "heap") == 0) {
		struct dma_heap_allocation_data a = { .len = LEN, .fd_flags = O_RDWR | O_CLOEXEC };

		*what = "/dev/dma_heap/system";
		dev = open(*what, O_RDWR | O_CLOEXEC);
		if (dev < 0)
			return -errno;
		ret = ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &a) ? -errno : (int)a.fd;
	} else {
		struct p2pbuf_alloc_data a = { .len = LEN, .fd_flags = O_RDWR | O_CLOEXEC };

		*what = source;
		dev = open(source, O_RDWR | O_CLOEXEC);
		if (dev < 0)
			return -errno;
		ret = ioctl(dev, P2PBUF_IOCTL_ALLOC, &a) ? -errno : (int)a.fd;
	}
	close(dev);
	return ret;
}

int main(int argc, char **argv)
{
	const char *what;
	int fd, i, rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: %s heap|/dev/p2pbuf/NODE P2PBUF_CTL PEER=ROUTE...\n", argv[0]);
		return 2;
	}
	fd = alloc_from(argv[1], &what);
	if (fd < 0) {
		fprintf(stderr, "vm-route-dmabuf: allocating 1 MiB from %s failed: %s\n", what, strerror(-fd));
		return 1;
	}
	for (i = 3; i < argc; i++) {
		struct p2pbuf_route_result r;
		char peer[64], *want, exporter[64], cmd[512];
		int ret;

		snprintf(peer, sizeof(peer), "%s", argv[i]);
		want = strchr(peer, '=');
		if (!want) {
			fprintf(stderr, "vm-route-dmabuf: '%s' is not PEER=ROUTE\n", argv[i]);
			return 2;
		}
		*want++ = '\0';
		ret = p2pbuf_route_query_dmabuf(fd, peer, &r, exporter, sizeof(exporter));
		if (ret) {
			fprintf(stderr, "FAIL: p2pbuf_route_query_dmabuf(%s): %s\n", peer, strerror(-ret));
			return 1;
		}
		printf("library: buffer from %s (exporter %s): %s reaches it by route %s%s%s\n",
		       what, exporter, peer, p2pbuf_route_name(r.route), r.error ? ": " : "",
		       r.error ? strerror(-r.error) : "");
		if (strcmp(p2pbuf_route_name(r.route), want) != 0) {
			fprintf(stderr, "FAIL: %s: route %s, want %s\n", peer, p2pbuf_route_name(r.route), want);
			rc = 1;
		}
		snprintf(cmd, sizeof(cmd), "%s info --pid %d --fd %d --peer %s", argv[2], (int)getpid(), fd, peer);
		if (system(cmd) != 0) {
			fprintf(stderr, "FAIL: %s\n", cmd);
			rc = 1;
		}
	}
	close(fd);
	return rc;
}
