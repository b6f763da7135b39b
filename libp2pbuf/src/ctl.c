// SPDX-License-Identifier: LGPL-2.1-or-later
/* /dev/p2pbuf/ctl: provider list, route queries; shared node helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

char p2pbuf__dev_root[PATH_MAX] = "/dev";

int p2pbuf__ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && errno == EINTR);
	return ret == -1 ? -errno : 0;
}

int p2pbuf__node_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/p2pbuf/%s", p2pbuf__dev_root, name);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

bool p2pbuf__ctl_present(void)
{
	char path[PATH_MAX];
	struct stat st;

	if (p2pbuf__node_path(path, sizeof(path), "ctl"))
		return false;
	return stat(path, &st) == 0;
}

int p2pbuf__ctl_open(void)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = p2pbuf__node_path(path, sizeof(path), "ctl");
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	return fd;
}

void p2pbuf__copy_str(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Provider @index, or the provider called @name when it is not NULL. */
static int ctl_provider(int ctl, unsigned int index, const char *name,
			struct p2pbuf_provider_stats *stats)
{
	struct p2pbuf_provider_info pi;
	int ret;

	memset(&pi, 0, sizeof(pi));
	pi.index = index;
	if (name) {
		if (strlen(name) >= sizeof(pi.name))
			return -ENOENT;
		strcpy(pi.name, name);
		pi.flags = P2PBUF_PROVIDER_BY_NAME;
	}
	ret = p2pbuf__ioctl(ctl, P2PBUF_CTL_PROVIDER_INFO, &pi);
	if (ret)
		return ret;
	index = pi.index;

	memset(stats, 0, sizeof(*stats));
	stats->valid = P2PBUF_STATS_NODE | P2PBUF_STATS_SIZE;
	stats->kind = P2PBUF_SPEC_NAME;
	stats->index = (int32_t)index;
	stats->flags = pi.flags;
	p2pbuf__copy_str(stats->name, sizeof(stats->name), pi.name, sizeof(pi.name));
	p2pbuf__copy_str(stats->pci_dev, sizeof(stats->pci_dev), pi.pci_dev, sizeof(pi.pci_dev));
	stats->backend = pi.backend;
	stats->region_kind = pi.kind;
	stats->bar = pi.bar;
	stats->memtype = pi.memtype;
	stats->bus_addr = pi.bus_addr;
	stats->phys_addr = pi.phys_addr;
	stats->size = pi.size;
	stats->free = pi.free;
	stats->allocated = pi.allocated;
	stats->peak = pi.peak;
	stats->buffers = pi.buffers;
	stats->attachments = pi.attachments;
	return 0;
}

int p2pbuf__ctl_provider(int ctl, unsigned int index,
			 struct p2pbuf_provider_stats *stats)
{
	return ctl_provider(ctl, index, NULL, stats);
}

/* By name in the kernel: indexes move when providers come and go. */
int p2pbuf__ctl_find(int ctl, const char *name, struct p2pbuf_provider_stats *stats)
{
	return ctl_provider(ctl, 0, name, stats);
}

int p2pbuf_provider_list(struct p2pbuf_provider_stats *stats, unsigned int cap,
			 unsigned int *count)
{
	struct p2pbuf_provider_stats tmp;
	unsigned int i;
	int ctl, ret;

	if (!count || (cap && !stats))
		return -EINVAL;
	ctl = p2pbuf__ctl_open();
	if (ctl < 0)
		return ctl;
	for (i = 0;; i++) {
		ret = p2pbuf__ctl_provider(ctl, i, i < cap ? &stats[i] : &tmp);
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		if (ret)
			break;
	}
	close(ctl);
	if (!ret)
		*count = i;
	return ret;
}

/*
 * Provider @index, or the provider called @name when it is not NULL, or
 * (P2PBUF_ROUTE_BY_DMABUF in @flags) the buffer behind dma-buf fd @index,
 * whose exporter's name goes to @exporter.
 */
static int route_query(unsigned int index, const char *name, uint32_t flags,
		       const char *client, struct p2pbuf_route_result *result,
		       char *exporter, size_t exporter_len)
{
	struct p2pbuf_route_query q;
	int ctl, ret;

	if (!client || !result)
		return -EINVAL;
	memset(&q, 0, sizeof(q));
	q.index = index;
	q.flags = flags;
	if (name) {
		if (strlen(name) >= sizeof(q.provider))
			return -ENOENT;
		strcpy(q.provider, name);
		q.flags |= P2PBUF_ROUTE_BY_NAME;
	}
	ret = p2pbuf_pci_addr_normalize(client, q.client, sizeof(q.client));
	if (ret)
		return ret;
	ctl = p2pbuf__ctl_open();
	if (ctl < 0)
		return ctl;
	ret = p2pbuf__ioctl(ctl, P2PBUF_CTL_ROUTE, &q);
	close(ctl);
	if (ret)
		return ret;
	memset(result, 0, sizeof(*result));
	result->route = q.route;
	result->error = q.error;
	result->distance = q.distance;
	if (exporter && exporter_len)
		snprintf(exporter, exporter_len, "%.*s", (int)sizeof(q.provider), q.provider);
	return 0;
}

int p2pbuf_route_query(unsigned int index, const char *client,
		       struct p2pbuf_route_result *result)
{
	return route_query(index, NULL, 0, client, result, NULL, 0);
}

int p2pbuf_route_query_name(const char *provider, const char *client,
			    struct p2pbuf_route_result *result)
{
	if (!provider)
		return -EINVAL;
	return route_query(0, provider, 0, client, result, NULL, 0);
}

int p2pbuf_route_query_dmabuf(int dmabuf_fd, const char *client,
			      struct p2pbuf_route_result *result,
			      char *exporter, size_t exporter_len)
{
	if (dmabuf_fd < 0)
		return -EBADF;
	return route_query((unsigned int)dmabuf_fd, NULL, P2PBUF_ROUTE_BY_DMABUF,
			   client, result, exporter, exporter_len);
}
