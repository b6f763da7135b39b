// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Queue other dma-bufs into a V4L2 buffer slot. V4L2_MEMORY_DMABUF lets each
 * VIDIOC_QBUF of a slot name any dma-buf, so a capture can spread frames
 * over more device memory than the driver has slots (a ring of buffers).
 */
#include <errno.h>

#include "private.h"

int p2pbuf_stream_queue_buffer(struct p2pbuf_stream *stream, unsigned int index,
			       struct p2pbuf_buffer *const *planes,
			       unsigned int num_planes)
{
	struct p2pbuf_buffer *dups[P2PBUF_MAX_PLANES] = { NULL };
	struct p2pbuf_buffer **held;
	unsigned int n, p;
	int ret;

	if (!stream || !planes || num_planes == 0 || num_planes > P2PBUF_MAX_PLANES)
		return -EINVAL;
	held = p2pbuf__stream_held_planes(stream, index, &n);
	if (!held || num_planes != n)
		return -EINVAL;
	for (p = 0; p < n; p++) {
		if (!planes[p])
			return -EINVAL;
	}

	/* The stream keeps its own dups: the caller's buffers stay the caller's. */
	for (p = 0; p < n; p++) {
		int fd = p2pbuf_buffer_dup_fd(planes[p]);

		if (fd < 0) {
			ret = fd;
			goto err;
		}
		ret = p2pbuf__buffer_wrap(fd, p2pbuf_buffer_size(planes[p]), &dups[p]);
		if (ret)
			goto err;
		dups[p]->owned = true;
	}
	for (p = 0; p < n; p++) {
		p2pbuf__buffer_destroy(held[p]);
		held[p] = dups[p];
	}
	return p2pbuf__stream_requeue(stream, index);
err:
	for (p = 0; p < n; p++)
		p2pbuf__buffer_destroy(dups[p]);
	return ret;
}
