// SPDX-License-Identifier: LGPL-2.1-or-later
/* Buffers: a dma-buf fd, its size, and a cached CPU mapping. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/magic.h>

#include "private.h"

int p2pbuf__is_dmabuf(int fd)
{
	char link[64], target[64];
	struct statfs sfs;
	ssize_t n;

	if (fd < 0)
		return -EBADF;
	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	if (sfs.f_type == DMA_BUF_MAGIC)
		return 0;
	/* Kernels before the dmabuf pseudo file system: an anon inode. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -EINVAL;
	target[n] = '\0';
	return strcmp(target, "anon_inode:dmabuf") ? -EINVAL : 0;
}

int p2pbuf__buffer_wrap(int fd, uint64_t size_hint, struct p2pbuf_buffer **out)
{
	struct p2pbuf_buffer *buf = calloc(1, sizeof(*buf));
	off_t end;

	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	buf->fd = fd;
	/* dma-bufs report their size at SEEK_END (and only accept offset 0). */
	end = lseek(fd, 0, SEEK_END);
	if (end > 0) {
		buf->size = (uint64_t)end;
		lseek(fd, 0, SEEK_SET);
	} else {
		buf->size = size_hint;
	}
	*out = buf;
	return 0;
}

int p2pbuf_alloc(struct p2pbuf_provider *prov, uint64_t size, uint32_t flags,
		 struct p2pbuf_buffer **out)
{
	int fd = -1, ret;

	if (!prov || !out || size == 0 || flags)
		return -EINVAL;
	*out = NULL;
	if (!prov->alloc)
		return -EOPNOTSUPP;
	ret = prov->alloc(prov, size, &fd);
	if (ret)
		return ret;
	return p2pbuf__buffer_wrap(fd, size, out);
}

int p2pbuf_buffer_import(int fd, uint32_t flags, struct p2pbuf_buffer **out)
{
	int ret, dfd;

	if (!out || flags)
		return -EINVAL;
	*out = NULL;
	ret = p2pbuf__is_dmabuf(fd);
	if (ret)
		return ret;
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return -errno;
	return p2pbuf__buffer_wrap(dfd, 0, out);
}

void p2pbuf__buffer_destroy(struct p2pbuf_buffer *buf)
{
	if (!buf)
		return;
	if (buf->map_flags)
		p2pbuf_buffer_unmap(buf);
	if (buf->map)
		munmap(buf->map, buf->size);
	close(buf->fd);
	free(buf);
}

int p2pbuf_buffer_fd(const struct p2pbuf_buffer *buf)
{
	return buf->fd;
}

int p2pbuf_buffer_dup_fd(const struct p2pbuf_buffer *buf)
{
	int fd = fcntl(buf->fd, F_DUPFD_CLOEXEC, 3);

	return fd < 0 ? -errno : fd;
}

/* Buffers of pools and streams are theirs: ignore a stray free. */
void p2pbuf_buffer_free(struct p2pbuf_buffer *buf)
{
	if (buf && !buf->owned)
		p2pbuf__buffer_destroy(buf);
}

uint64_t p2pbuf_buffer_size(const struct p2pbuf_buffer *buf)
{
	return buf->size;
}

static int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };
	int ret;

	do {
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret < 0 ? -errno : 0;
}

int p2pbuf_buffer_map(struct p2pbuf_buffer *buf, unsigned int flags, void **addr)
{
	const unsigned int valid = P2PBUF_MAP_READ | P2PBUF_MAP_WRITE;
	int ret;

	if (!buf || !addr || !flags || (flags & ~valid))
		return -EINVAL;
	if (buf->map_flags)
		return -EBUSY;
	if (buf->size == 0 || buf->size > SIZE_MAX)
		return -EINVAL;

	if (!buf->map) {
		void *p = mmap(NULL, buf->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       buf->fd, 0);
		int prot = PROT_READ | PROT_WRITE;

		if (p == MAP_FAILED && errno == EACCES) {
			p = mmap(NULL, buf->size, PROT_READ, MAP_SHARED, buf->fd, 0);
			prot = PROT_READ;
		}
		if (p == MAP_FAILED)
			return -errno;
		buf->map = p;
		buf->map_prot = prot;
	}
	if ((flags & P2PBUF_MAP_WRITE) && !(buf->map_prot & PROT_WRITE))
		return -EACCES;

	ret = dmabuf_sync(buf->fd, DMA_BUF_SYNC_START |
			  ((flags & P2PBUF_MAP_READ) ? DMA_BUF_SYNC_READ : 0) |
			  ((flags & P2PBUF_MAP_WRITE) ? DMA_BUF_SYNC_WRITE : 0));
	/* Not every fd has begin_cpu_access (memfd in tests): ENOTTY is fine. */
	if (ret && ret != -ENOTTY)
		return ret;
	buf->map_flags = flags;
	*addr = buf->map;
	return 0;
}

int p2pbuf_buffer_unmap(struct p2pbuf_buffer *buf)
{
	unsigned int flags;
	int ret;

	if (!buf || !buf->map_flags)
		return -EINVAL;
	flags = buf->map_flags;
	buf->map_flags = 0;
	ret = dmabuf_sync(buf->fd, DMA_BUF_SYNC_END |
			  ((flags & P2PBUF_MAP_READ) ? DMA_BUF_SYNC_READ : 0) |
			  ((flags & P2PBUF_MAP_WRITE) ? DMA_BUF_SYNC_WRITE : 0));
	return ret == -ENOTTY ? 0 : ret;
}
