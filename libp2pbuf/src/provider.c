// SPDX-License-Identifier: LGPL-2.1-or-later
/* Providers: open by spec string, describe, allocate. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#ifdef HAVE_LIBDRM
#include <drm.h>
#endif

#include "private.h"

/* ---- allocators ---- */

/* p2pbuf nodes: P2PBUF_IOCTL_ALLOC. */
static int node_alloc(struct p2pbuf_provider *prov, uint64_t size, int *fd)
{
	struct p2pbuf_alloc_data d = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int ret = p2pbuf__ioctl(prov->fd, P2PBUF_IOCTL_ALLOC, &d);

	if (ret)
		return ret;
	*fd = (int)d.fd;
	return 0;
}

static int heap_alloc(struct p2pbuf_provider *prov, uint64_t size, int *fd)
{
	struct dma_heap_allocation_data d = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int ret = p2pbuf__ioctl(prov->fd, DMA_HEAP_IOCTL_ALLOC, &d);

	if (ret)
		return ret;
	*fd = (int)d.fd;
	return 0;
}

static int udmabuf_alloc(struct p2pbuf_provider *prov, uint64_t size, int *fd)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct udmabuf_create c = { 0 };
	int memfd, ret;

	if (size > UINT64_MAX - page || size > (uint64_t)INT64_MAX)
		return -EINVAL;
	size = (size + page - 1) & ~(page - 1);
	memfd = memfd_create("p2pbuf-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, (off_t)size) < 0 ||
	    /* udmabuf insists the backing file cannot shrink under it. */
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		ret = -errno;
		goto out;
	}
	c.memfd = (uint32_t)memfd;
	c.flags = UDMABUF_FLAGS_CLOEXEC;
	c.offset = 0;
	c.size = size;
	do {
		ret = ioctl(prov->fd, UDMABUF_CREATE, &c);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	*fd = ret;
	ret = 0;
out:
	close(memfd);
	return ret;
}

#ifdef HAVE_LIBDRM
/* A dumb buffer exported through PRIME (vgem, KMS drivers). */
static int drm_alloc(struct p2pbuf_provider *prov, uint64_t size, int *fd)
{
	struct drm_mode_create_dumb create = { 0 };
	struct drm_prime_handle prime = { 0 };
	struct drm_gem_close gclose = { 0 };
	uint64_t rows = (size + 4095) / 4096;
	int ret;

	if (size > UINT64_MAX - 4095 || rows > UINT32_MAX)
		return -EINVAL;
	create.width = 4096;
	create.height = (uint32_t)rows;
	create.bpp = 8;
	ret = p2pbuf__ioctl(prov->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	if (ret)
		return ret;
	prime.handle = create.handle;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	ret = p2pbuf__ioctl(prov->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime);
	/* The dma-buf holds its own reference to the object. */
	gclose.handle = create.handle;
	p2pbuf__ioctl(prov->fd, DRM_IOCTL_GEM_CLOSE, &gclose);
	if (ret)
		return ret;
	*fd = prime.fd;
	return 0;
}
#endif

/* ---- opening ---- */

int p2pbuf__provider_new(enum p2pbuf_provider_kind kind, int fd, const char *name,
			 p2pbuf__alloc_fn alloc, struct p2pbuf_provider **out)
{
	struct p2pbuf_provider *prov = calloc(1, sizeof(*prov));

	if (!prov) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	prov->kind = kind;
	prov->fd = fd;
	snprintf(prov->name, sizeof(prov->name), "%s", name);
	prov->alloc = alloc;
	*out = prov;
	return 0;
}

/* Open /dev/p2pbuf/@name: -ENODEV when the module is not loaded at all. */
static int open_node(const char *name)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = p2pbuf__node_path(path, sizeof(path), name);
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return -errno;
	return p2pbuf__ctl_present() ? -ENOENT : -ENODEV;
}

/* "pci:BDF": the one node BDF-barN. */
static int find_single_bar(const char *bdf, char *name, size_t len)
{
	char dir[PATH_MAX], prefix[P2PBUF_PCI_ADDR_LEN + 8];
	struct dirent *de;
	unsigned int found = 0;
	size_t plen;
	DIR *d;
	int ret;

	if (!p2pbuf__ctl_present())
		return -ENODEV;
	ret = p2pbuf__node_path(dir, sizeof(dir), "");
	if (ret)
		return ret;
	d = opendir(dir);
	if (!d)
		return -errno;
	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s-bar", bdf);
	while ((de = readdir(d))) {
		const char *n = de->d_name;

		if (strncmp(n, prefix, plen) || n[plen] < '0' || n[plen] > '5' ||
		    n[plen + 1] != '\0')
			continue;
		if (found++ == 0)
			snprintf(name, len, "%s", n);
	}
	closedir(d);
	if (found == 0)
		return -ENOENT;
	return found == 1 ? 0 : -ENOTUNIQ;
}

/* "cmb:BDF": the module notices published p2pmem when asked to rescan. */
static int open_cmb(const char *name)
{
	int fd = open_node(name);
	int ctl, i;

	if (fd != -ENOENT)
		return fd;
	ctl = p2pbuf__ctl_open();
	if (ctl < 0)
		return ctl;
	p2pbuf__ioctl(ctl, P2PBUF_CTL_RESCAN, NULL);
	close(ctl);
	/* devtmpfs creates the node before the ioctl returns; allow udev a moment. */
	for (i = 0; i < 5; i++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		fd = open_node(name);
		if (fd != -ENOENT)
			return fd;
		nanosleep(&ts, NULL);
	}
	return fd;
}

static int open_dev(const char *sub, int flags)
{
	char path[PATH_MAX];
	int n, fd;

	n = snprintf(path, sizeof(path), "%s/%s", p2pbuf__dev_root, sub);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int p2pbuf_provider_open(const char *spec, struct p2pbuf_provider **out)
{
	struct p2pbuf__spec s;
	p2pbuf__alloc_fn alloc = node_alloc;
	char name[256];
	int fd, ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	ret = p2pbuf__spec_parse(spec, &s);
	if (ret)
		return ret;

	switch (s.kind) {
	case P2PBUF_SPEC_PCI:
		if (s.bar >= 0) {
			snprintf(name, sizeof(name), "%s-bar%d", s.bdf, s.bar);
		} else {
			ret = find_single_bar(s.bdf, name, sizeof(name));
			if (ret)
				return ret;
		}
		fd = open_node(name);
		break;
	case P2PBUF_SPEC_CMB:
		snprintf(name, sizeof(name), "%s-p2pmem", s.bdf);
		fd = open_cmb(name);
		break;
	case P2PBUF_SPEC_NAME:
		snprintf(name, sizeof(name), "%s", s.arg);
		fd = open_node(name);
		break;
	case P2PBUF_SPEC_HEAP: {
		char sub[sizeof(s.arg) + 16];

		snprintf(name, sizeof(name), "%s", s.arg);
		snprintf(sub, sizeof(sub), "dma_heap/%s", s.arg);
		fd = open_dev(sub, O_RDONLY);
		alloc = heap_alloc;
		break;
	}
	case P2PBUF_SPEC_UDMABUF:
		snprintf(name, sizeof(name), "udmabuf");
		fd = open_dev("udmabuf", O_RDWR);
		alloc = udmabuf_alloc;
		break;
	case P2PBUF_SPEC_DRM:
		snprintf(name, sizeof(name), "%s", s.arg);
#ifdef HAVE_LIBDRM
		fd = open(s.arg, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		alloc = drm_alloc;
#else
		fd = -EOPNOTSUPP;
#endif
		break;
	case P2PBUF_SPEC_MEMFD:
		return p2pbuf__memfd_open(out);
	case P2PBUF_SPEC_FD:
		snprintf(name, sizeof(name), "fd:%d", s.fd);
		ret = p2pbuf__is_dmabuf(s.fd);
		if (ret)
			return ret;
		fd = fcntl(s.fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			fd = -errno;
		alloc = NULL;
		break;
	default:
		return -EINVAL;
	}
	if (fd < 0)
		return fd;
	return p2pbuf__provider_new(s.kind, fd, name, alloc, out);
}

void p2pbuf_provider_close(struct p2pbuf_provider *prov)
{
	if (!prov)
		return;
	if (prov->fd >= 0)
		close(prov->fd);
	free(prov);
}

enum p2pbuf_provider_kind p2pbuf_provider_kind(const struct p2pbuf_provider *prov)
{
	return prov->kind;
}

const char *p2pbuf_provider_name(const struct p2pbuf_provider *prov)
{
	return prov->name;
}

static uint64_t read_u64_file(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

int p2pbuf_provider_info(const struct p2pbuf_provider *prov,
			 struct p2pbuf_provider_stats *stats)
{
	int ctl, ret;

	if (!prov || !stats)
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	stats->index = -1;

	switch (prov->kind) {
	case P2PBUF_SPEC_PCI:
	case P2PBUF_SPEC_CMB:
	case P2PBUF_SPEC_NAME:
		ctl = p2pbuf__ctl_open();
		if (ctl < 0)
			return ctl;
		ret = p2pbuf__ctl_find(ctl, prov->name, stats);
		close(ctl);
		if (ret)
			return ret;
		break;
	case P2PBUF_SPEC_UDMABUF:
		stats->size = read_u64_file("/sys/module/udmabuf/parameters/size_limit_mb") << 20;
		if (stats->size)
			stats->valid |= P2PBUF_STATS_SIZE;
		break;
	case P2PBUF_SPEC_FD: {
		off_t end = lseek(prov->fd, 0, SEEK_END);

		if (end >= 0) {
			stats->size = (uint64_t)end;
			stats->valid |= P2PBUF_STATS_SIZE;
			lseek(prov->fd, 0, SEEK_SET);
		}
		break;
	}
	default:
		break;
	}
	stats->kind = prov->kind;
	p2pbuf__copy_str(stats->name, sizeof(stats->name), prov->name, sizeof(prov->name));
	return 0;
}
