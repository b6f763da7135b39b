// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "memfd" provider: buffers are sealed memfds, not dma-bufs.
 *
 * For tests and CI machines without dma-heaps, udmabuf or the p2pbuf module:
 * everything that only needs an fd of fixed size that mmap()s (allocation,
 * p2pbuf_buffer_map(), file I/O through the mapping, the GStreamer pool)
 * works. No device can import these buffers (V4L2 DMABUF import, GPUs,
 * p2pbuf_buffer_import() all refuse a memfd), and the memory is plain RAM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "private.h"

static int memfd_alloc(struct p2pbuf_provider *prov, uint64_t size, int *fd)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	int mfd, ret;

	(void)prov;
	if (size > (uint64_t)INT64_MAX - page)
		return -EINVAL;
	size = (size + page - 1) & ~(page - 1);
	mfd = memfd_create("p2pbuf-memfd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	/* A dma-buf never changes size: neither does this one. */
	if (ftruncate(mfd, (off_t)size) < 0 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		ret = -errno;
		close(mfd);
		return ret;
	}
	*fd = mfd;
	return 0;
}

int p2pbuf__memfd_open(struct p2pbuf_provider **out)
{
	return p2pbuf__provider_new(P2PBUF_SPEC_MEMFD, -1, "memfd", memfd_alloc, out);
}
