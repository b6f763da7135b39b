// SPDX-License-Identifier: MIT
/*
 * p2pbuf describes how a PCI peer reaches the buffer behind any dma-buf:
 * its own buffers by its own rules, another exporter's by asking that
 * exporter (the module attaches the peer, maps once, unmaps).
 *
 *   vm-route-dmabuf SOURCE P2PBUF_CTL PEER=ROUTE...
 *     SOURCE: heap        a 1 MiB buffer of the system dma-heap (RAM)
 *             /dev/p2pbuf/NODE   a 1 MiB p2pbuf buffer
 *             vfio:BDF:BAR  the first 1 MiB of the BAR of a device bound to
 *                           vfio-pci, exported by vfio-pci itself
 *                           (VFIO_DEVICE_FEATURE_DMA_BUF, Linux 6.19+)
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
#include <limits.h>
#include <linux/dma-heap.h>
#include <linux/p2pbuf.h>
#include <linux/vfio.h>
#include <p2pbuf/p2pbuf.h>

#define LEN (1u << 20)

#ifndef VFIO_DEVICE_FEATURE_DMA_BUF	/* uapi of Linux 6.19; older headers here */
#define VFIO_DEVICE_FEATURE_DMA_BUF 11
struct vfio_region_dma_range {
	__u64 offset;
	__u64 length;
};

struct vfio_device_feature_dma_buf {
	__u32 region_index;
	__u32 open_flags;
	__u32 flags;
	__u32 nr_ranges;
	struct vfio_region_dma_range dma_ranges[];
};
#endif

/*
 * vfio-pci's own dma-buf of BAR's first LEN bytes: the device's IOMMU group
 * joined to a type1 container (the fds stay open: the device must stay
 * open while its dma-buf is used).
 */
static int vfio_export(const char *spec)
{
	char bdf[32], link[PATH_MAX], path[PATH_MAX + 16];
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf d;
		struct vfio_region_dma_range r;
	} req = { 0 };
	const char *group, *c;
	int container, grp, dev, bar, fd;
	ssize_t n;

	c = strrchr(spec, ':');		/* the BDF has colons: BAR after the last */
	if (c - spec <= 5 || c - spec - 5 >= (long)sizeof(bdf)) {
		fprintf(stderr, "vm-route-dmabuf: '%s' is not vfio:BDF:BAR\n", spec);
		return -EINVAL;
	}
	snprintf(bdf, sizeof(bdf), "%.*s", (int)(c - spec - 5), spec + 5);
	bar = atoi(c + 1);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fprintf(stderr, "vm-route-dmabuf: %s has no IOMMU group (%s): boot with an IOMMU\n",
			bdf, strerror(errno));
		return -errno;
	}
	link[n] = '\0';
	group = strrchr(link, '/') + 1;
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	grp = open(path, O_RDWR | O_CLOEXEC);
	if (container < 0 || grp < 0) {
		fprintf(stderr, "vm-route-dmabuf: cannot open /dev/vfio/vfio or %s: %s (is %s bound to vfio-pci?)\n",
			path, strerror(errno), bdf);
		return -errno;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(grp, VFIO_GROUP_GET_STATUS, &st) || !(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vm-route-dmabuf: IOMMU group %s is not viable (every device in it must be bound to vfio-pci)\n",
			group);
		return -EBUSY;
	}
	if (ioctl(grp, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		fprintf(stderr, "vm-route-dmabuf: joining group %s to a type1 container: %s\n",
			group, strerror(errno));
		return -errno;
	}
	dev = ioctl(grp, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (dev < 0) {
		fprintf(stderr, "vm-route-dmabuf: VFIO_GROUP_GET_DEVICE_FD %s: %s\n", bdf, strerror(errno));
		return -errno;
	}
	req.f.argsz = sizeof(req);
	req.f.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	req.d.region_index = VFIO_PCI_BAR0_REGION_INDEX + bar;
	req.d.open_flags = O_RDWR | O_CLOEXEC;
	req.d.nr_ranges = 1;
	req.r.length = LEN;
	fd = ioctl(dev, VFIO_DEVICE_FEATURE, &req);
	if (fd < 0) {
		fprintf(stderr, "vm-route-dmabuf: VFIO_DEVICE_FEATURE_DMA_BUF of %s BAR %d: %s\n",
			bdf, bar, strerror(errno));
		return -errno;
	}
	return fd;
}

static int alloc_from(const char *source, const char **what)
{
	int dev, ret;

	if (strncmp(source, "vfio:", 5) == 0) {
		*what = source;
		return vfio_export(source);
	}
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
		fprintf(stderr, "usage: %s heap|/dev/p2pbuf/NODE|vfio:BDF:BAR P2PBUF_CTL PEER=ROUTE...\n", argv[0]);
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
