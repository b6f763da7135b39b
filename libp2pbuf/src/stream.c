// SPDX-License-Identifier: LGPL-2.1-or-later
/* V4L2 capture into dma-bufs (V4L2_MEMORY_DMABUF), single and multi-planar. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include "private.h"

_Static_assert(P2PBUF_MAX_PLANES == VIDEO_MAX_PLANES, "plane count mismatch");

#define STREAM_MAX_BUFFERS	32
#define STREAM_ATTACH_CAP	16

enum buf_state {
	BUF_IDLE,	/* ours, not queued (after setup failure or a stop) */
	BUF_QUEUED,	/* the driver's */
	BUF_USER,	/* dequeued, the caller's until p2pbuf_stream_queue() */
};

struct stream_buf {
	struct p2pbuf_buffer *planes[P2PBUF_MAX_PLANES];
	uint32_t loc_valid;
	uint64_t offset[P2PBUF_MAX_PLANES];
	uint64_t bus_addr[P2PBUF_MAX_PLANES];
	uint64_t phys_addr[P2PBUF_MAX_PLANES];
	enum buf_state state;
};

struct p2pbuf_stream {
	int fd;
	int ctl;		/* /dev/p2pbuf/ctl, opened at the first p2pbuf frame */
	uint32_t type;
	bool mplane;
	bool streaming;
	bool requested;		/* VIDIOC_REQBUFS granted buffers */
	unsigned int num_planes;
	struct stream_buf *bufs;
	unsigned int nbufs;
	struct p2pbuf__seq seq;
	struct p2pbuf_stream_stats stats;
	char error[512];
};

static void set_error(struct p2pbuf_stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct p2pbuf_stream *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

/* Fail with @err and "what: strerror". */
static int fail(struct p2pbuf_stream *s, int err, const char *what)
{
	char eb[128];

	set_error(s, "%s: %s", what, p2pbuf__strerror(err, eb, sizeof(eb)));
	return err;
}

static int stream_init(int fd, uint32_t flags, struct p2pbuf_stream **out)
{
	struct v4l2_capability cap;
	struct p2pbuf_stream *s;
	uint32_t caps;
	int ret;

	memset(&cap, 0, sizeof(cap));
	ret = p2pbuf__ioctl(fd, VIDIOC_QUERYCAP, &cap);
	if (ret)
		goto err;
	caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps
							   : cap.capabilities;
	ret = -EOPNOTSUPP;
	if (!(caps & V4L2_CAP_STREAMING))
		goto err;
	s = calloc(1, sizeof(*s));
	if (!s) {
		ret = -ENOMEM;
		goto err;
	}
	if (flags & P2PBUF_STREAM_MPLANE) {
		if (!(caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE)) {
			free(s);
			goto err;
		}
		s->mplane = true;
	} else if (caps & V4L2_CAP_VIDEO_CAPTURE) {
		s->mplane = false;
	} else if (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE) {
		s->mplane = true;
	} else {
		free(s);
		goto err;
	}
	s->type = s->mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
			    : V4L2_BUF_TYPE_VIDEO_CAPTURE;
	s->fd = fd;
	s->ctl = -1;
	s->num_planes = 1;
	p2pbuf__seq_reset(&s->seq);
	*out = s;
	return 0;
err:
	close(fd);
	return ret;
}

int p2pbuf_stream_open(const char *path, uint32_t flags, struct p2pbuf_stream **out)
{
	int fd;

	if (!path || !out || (flags & ~P2PBUF_STREAM_MPLANE))
		return -EINVAL;
	*out = NULL;
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return stream_init(fd, flags, out);
}

int p2pbuf_stream_open_fd(int fd, uint32_t flags, struct p2pbuf_stream **out)
{
	int dfd;

	if (!out || (flags & ~P2PBUF_STREAM_MPLANE))
		return -EINVAL;
	*out = NULL;
	if (fd < 0)
		return -EBADF;
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return -errno;
	return stream_init(dfd, flags, out);
}

int p2pbuf_stream_fd(const struct p2pbuf_stream *stream)
{
	return stream->fd;
}

/* ---- formats ---- */

static void fmt_from_v4l2(const struct p2pbuf_stream *s, const struct v4l2_format *vf,
			  struct p2pbuf_format *f)
{
	unsigned int p;

	memset(f, 0, sizeof(*f));
	f->buf_type = s->type;
	if (s->mplane) {
		const struct v4l2_pix_format_mplane *mp = &vf->fmt.pix_mp;

		f->width = mp->width;
		f->height = mp->height;
		f->pixelformat = mp->pixelformat;
		f->field = mp->field;
		f->colorspace = mp->colorspace;
		f->num_planes = mp->num_planes;
		if (f->num_planes > P2PBUF_MAX_PLANES)
			f->num_planes = P2PBUF_MAX_PLANES;
		for (p = 0; p < f->num_planes; p++) {
			f->bytesperline[p] = mp->plane_fmt[p].bytesperline;
			f->sizeimage[p] = mp->plane_fmt[p].sizeimage;
		}
	} else {
		const struct v4l2_pix_format *pix = &vf->fmt.pix;

		f->width = pix->width;
		f->height = pix->height;
		f->pixelformat = pix->pixelformat;
		f->field = pix->field;
		f->colorspace = pix->colorspace;
		f->num_planes = 1;
		f->bytesperline[0] = pix->bytesperline;
		f->sizeimage[0] = pix->sizeimage;
	}
}

static int g_fmt(struct p2pbuf_stream *s, struct p2pbuf_format *f)
{
	struct v4l2_format vf;
	int ret;

	memset(&vf, 0, sizeof(vf));
	vf.type = s->type;
	ret = p2pbuf__ioctl(s->fd, VIDIOC_G_FMT, &vf);
	if (ret)
		return fail(s, ret, "VIDIOC_G_FMT");
	fmt_from_v4l2(s, &vf, f);
	return 0;
}

int p2pbuf_stream_get_format(struct p2pbuf_stream *stream, struct p2pbuf_format *fmt)
{
	if (!stream || !fmt)
		return -EINVAL;
	stream->error[0] = '\0';
	return g_fmt(stream, fmt);
}

static void release_buffers(struct p2pbuf_stream *s)
{
	struct v4l2_requestbuffers rb;
	unsigned int i, p;

	/* Drop the driver's references (attachments) before our fds. */
	if (s->requested) {
		memset(&rb, 0, sizeof(rb));
		rb.count = 0;
		rb.type = s->type;
		rb.memory = V4L2_MEMORY_DMABUF;
		p2pbuf__ioctl(s->fd, VIDIOC_REQBUFS, &rb);
		s->requested = false;
	}
	if (!s->bufs)
		return;
	for (i = 0; i < s->nbufs; i++) {
		for (p = 0; p < P2PBUF_MAX_PLANES; p++)
			p2pbuf__buffer_destroy(s->bufs[i].planes[p]);
	}
	free(s->bufs);
	s->bufs = NULL;
	s->nbufs = 0;
	s->stats.queued = 0;
	s->stats.buffers = 0;
}

int p2pbuf_stream_set_format(struct p2pbuf_stream *stream, struct p2pbuf_format *fmt)
{
	struct v4l2_format vf;
	int ret;

	if (!stream || !fmt)
		return -EINVAL;
	stream->error[0] = '\0';
	if (stream->streaming)
		return fail(stream, -EBUSY, "cannot change the format while streaming");
	/* The driver refuses S_FMT while buffers exist (vb2_is_busy). */
	release_buffers(stream);

	memset(&vf, 0, sizeof(vf));
	vf.type = stream->type;
	if (stream->mplane) {
		vf.fmt.pix_mp.width = fmt->width;
		vf.fmt.pix_mp.height = fmt->height;
		vf.fmt.pix_mp.pixelformat = fmt->pixelformat;
		vf.fmt.pix_mp.field = fmt->field;
		vf.fmt.pix_mp.plane_fmt[0].bytesperline = fmt->bytesperline[0];
	} else {
		vf.fmt.pix.width = fmt->width;
		vf.fmt.pix.height = fmt->height;
		vf.fmt.pix.pixelformat = fmt->pixelformat;
		vf.fmt.pix.field = fmt->field;
		vf.fmt.pix.bytesperline = fmt->bytesperline[0];
	}
	ret = p2pbuf__ioctl(stream->fd, VIDIOC_S_FMT, &vf);
	if (ret)
		return fail(stream, ret, "VIDIOC_S_FMT");
	fmt_from_v4l2(stream, &vf, fmt);
	return 0;
}

/* ---- buffers ---- */

/*
 * After VIDIOC_QBUF or STREAMON failed with @err, look for the reason in the
 * exporter's records: an importer whose attachment p2pbuf refused. Only
 * p2pbuf buffers have records; others keep @err.
 */
static int diagnose(struct p2pbuf_stream *s, unsigned int first, unsigned int last,
		    int err, const char *what)
{
	struct p2pbuf_attachment att[STREAM_ATTACH_CAP];
	struct p2pbuf_buffer_desc desc;
	unsigned int i, p, n, a;
	char eb[128];

	for (i = first; i <= last && i < s->nbufs; i++) {
		for (p = 0; p < s->num_planes; p++) {
			if (!s->bufs[i].planes[p] ||
			    p2pbuf_buffer_info(s->bufs[i].planes[p], &desc, att,
					       STREAM_ATTACH_CAP))
				continue;
			n = desc.attach_count < STREAM_ATTACH_CAP ?
				desc.attach_count : STREAM_ATTACH_CAP;
			/* The newest refusal is the one this call hit. */
			for (a = n; a-- > 0;) {
				if (att[a].route != P2PBUF_ROUTE_REFUSED)
					continue;
				set_error(s, "%s (%s) cannot reach %s: route refused: %s",
					  att[a].importer, att[a].bus, desc.provider,
					  att[a].error ? p2pbuf__strerror(att[a].error, eb, sizeof(eb))
						       : "no reason given");
				return -EREMOTEIO;
			}
		}
	}
	if (first == last)
		set_error(s, "%s buffer %u: %s", what, first,
			  p2pbuf__strerror(err, eb, sizeof(eb)));
	else
		set_error(s, "%s: %s", what, p2pbuf__strerror(err, eb, sizeof(eb)));
	return err;
}

static int qbuf(struct p2pbuf_stream *s, unsigned int index)
{
	struct v4l2_plane planes[P2PBUF_MAX_PLANES];
	struct stream_buf *b = &s->bufs[index];
	struct v4l2_buffer vb;
	unsigned int p;
	int ret;

	memset(&vb, 0, sizeof(vb));
	memset(planes, 0, sizeof(planes));
	vb.type = s->type;
	vb.memory = V4L2_MEMORY_DMABUF;
	vb.index = index;
	if (s->mplane) {
		for (p = 0; p < s->num_planes; p++) {
			planes[p].m.fd = p2pbuf_buffer_fd(b->planes[p]);
			planes[p].length = (uint32_t)p2pbuf_buffer_size(b->planes[p]);
		}
		vb.m.planes = planes;
		vb.length = s->num_planes;
	} else {
		vb.m.fd = p2pbuf_buffer_fd(b->planes[0]);
		vb.length = (uint32_t)p2pbuf_buffer_size(b->planes[0]);
	}
	ret = p2pbuf__ioctl(s->fd, VIDIOC_QBUF, &vb);
	if (ret)
		return diagnose(s, index, index, ret, "VIDIOC_QBUF");
	b->state = BUF_QUEUED;
	s->stats.queued++;
	return 0;
}

static void locate(struct stream_buf *b, unsigned int p)
{
	struct p2pbuf_buffer_desc desc;

	if (p2pbuf_buffer_info(b->planes[p], &desc, NULL, 0))
		return;
	b->loc_valid |= 1U << p;
	b->offset[p] = desc.offset;
	b->bus_addr[p] = desc.bus_addr;
	b->phys_addr[p] = desc.phys_addr;
}

int p2pbuf_stream_setup(struct p2pbuf_stream *stream, struct p2pbuf_provider *prov,
			unsigned int count, uint32_t flags)
{
	struct v4l2_requestbuffers rb;
	struct p2pbuf_format f;
	unsigned int i, p;
	char eb[128];
	int ret;

	if (!stream || !prov || count == 0 || count > STREAM_MAX_BUFFERS || flags)
		return -EINVAL;
	stream->error[0] = '\0';
	if (stream->streaming)
		return fail(stream, -EBUSY, "stop streaming before setting up buffers");
	release_buffers(stream);

	ret = g_fmt(stream, &f);
	if (ret)
		return ret;
	if (f.num_planes == 0)
		return fail(stream, -EINVAL, "the driver reports 0 planes");
	for (p = 0; p < f.num_planes; p++) {
		if (f.sizeimage[p] == 0)
			return fail(stream, -EINVAL, "the driver reports sizeimage 0");
	}
	stream->num_planes = f.num_planes;

	memset(&rb, 0, sizeof(rb));
	rb.count = count;
	rb.type = stream->type;
	rb.memory = V4L2_MEMORY_DMABUF;
	ret = p2pbuf__ioctl(stream->fd, VIDIOC_REQBUFS, &rb);
	if (ret == -EINVAL)
		return fail(stream, -EOPNOTSUPP,
			    "VIDIOC_REQBUFS(V4L2_MEMORY_DMABUF): the driver cannot import dma-bufs");
	if (ret)
		return fail(stream, ret, "VIDIOC_REQBUFS");
	if (rb.count == 0)
		return fail(stream, -ENOMEM, "VIDIOC_REQBUFS granted no buffers");
	stream->requested = true;

	stream->bufs = calloc(rb.count, sizeof(*stream->bufs));
	if (!stream->bufs) {
		ret = -ENOMEM;
		goto err;
	}
	stream->nbufs = rb.count;
	for (i = 0; i < stream->nbufs; i++) {
		struct stream_buf *b = &stream->bufs[i];

		b->state = BUF_IDLE;
		for (p = 0; p < stream->num_planes; p++) {
			ret = p2pbuf_alloc(prov, f.sizeimage[p], 0, &b->planes[p]);
			if (ret) {
				set_error(stream, "allocating buffer %u plane %u (%u bytes) from %s: %s",
					  i, p, f.sizeimage[p], p2pbuf_provider_name(prov),
					  p2pbuf__strerror(ret, eb, sizeof(eb)));
				goto err;
			}
			b->planes[p]->owned = true;
			locate(b, p);
		}
	}
	for (i = 0; i < stream->nbufs; i++) {
		ret = qbuf(stream, i);
		if (ret)
			goto err;
	}
	memset(&stream->stats, 0, sizeof(stream->stats));
	stream->stats.buffers = stream->nbufs;
	stream->stats.queued = stream->nbufs;
	p2pbuf__seq_reset(&stream->seq);
	return 0;
err:
	release_buffers(stream);
	return ret;
}

int p2pbuf_stream_start(struct p2pbuf_stream *stream)
{
	uint32_t type;
	unsigned int i;
	int ret;

	if (!stream)
		return -EINVAL;
	stream->error[0] = '\0';
	if (!stream->nbufs)
		return fail(stream, -EINVAL, "no buffers: call p2pbuf_stream_setup() first");
	if (stream->streaming)
		return 0;
	for (i = 0; i < stream->nbufs; i++) {
		if (stream->bufs[i].state != BUF_IDLE)
			continue;
		ret = qbuf(stream, i);
		if (ret)
			return ret;
	}
	type = stream->type;
	ret = p2pbuf__ioctl(stream->fd, VIDIOC_STREAMON, &type);
	if (ret)
		return diagnose(stream, 0, stream->nbufs - 1, ret, "VIDIOC_STREAMON");
	stream->streaming = true;
	p2pbuf__seq_reset(&stream->seq);
	return 0;
}

int p2pbuf_stream_stop(struct p2pbuf_stream *stream)
{
	uint32_t type;
	unsigned int i;
	int ret;

	if (!stream)
		return -EINVAL;
	stream->error[0] = '\0';
	if (!stream->streaming)
		return 0;
	type = stream->type;
	ret = p2pbuf__ioctl(stream->fd, VIDIOC_STREAMOFF, &type);
	if (ret)
		return fail(stream, ret, "VIDIOC_STREAMOFF");
	stream->streaming = false;
	/* STREAMOFF hands every queued buffer back. */
	for (i = 0; i < stream->nbufs; i++) {
		if (stream->bufs[i].state == BUF_QUEUED)
			stream->bufs[i].state = BUF_IDLE;
	}
	stream->stats.queued = 0;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dqbuf(struct p2pbuf_stream *s, struct v4l2_buffer *vb,
		 struct v4l2_plane *planes)
{
	memset(vb, 0, sizeof(*vb));
	memset(planes, 0, sizeof(*planes) * P2PBUF_MAX_PLANES);
	vb->type = s->type;
	vb->memory = V4L2_MEMORY_DMABUF;
	if (s->mplane) {
		vb->m.planes = planes;
		vb->length = P2PBUF_MAX_PLANES;
	}
	return p2pbuf__ioctl(s->fd, VIDIOC_DQBUF, vb);
}

static void fill_frame(struct p2pbuf_stream *s, const struct v4l2_buffer *vb,
		       const struct v4l2_plane *planes, struct p2pbuf_frame *frame)
{
	struct stream_buf *b = &s->bufs[vb->index];
	unsigned int p;

	memset(frame, 0, sizeof(*frame));
	frame->index = vb->index;
	frame->num_planes = s->num_planes;
	for (p = 0; p < s->num_planes; p++) {
		frame->planes[p] = b->planes[p];
		if (s->mplane) {
			frame->bytesused[p] = planes[p].bytesused;
			frame->data_offset[p] = planes[p].data_offset;
		} else {
			frame->bytesused[p] = vb->bytesused;
		}
		frame->offset[p] = b->offset[p];
		frame->bus_addr[p] = b->bus_addr[p];
		frame->phys_addr[p] = b->phys_addr[p];
		s->stats.bytes += frame->bytesused[p];
	}
	frame->location_valid = b->loc_valid;
	frame->sequence = vb->sequence;
	frame->flags = vb->flags;
	frame->field = vb->field;
	frame->timestamp_ns = (uint64_t)vb->timestamp.tv_sec * 1000000000u +
			      (uint64_t)vb->timestamp.tv_usec * 1000u;
	frame->dropped = p2pbuf__seq_next(&s->seq, vb->sequence);
	s->stats.dropped += frame->dropped;
	s->stats.frames++;
	if (vb->flags & V4L2_BUF_FLAG_ERROR)
		s->stats.errors++;
}

/*
 * Importers that only vmap device memory (vb2-vmalloc, e.g. vivid) are not
 * told when the provider goes away: they keep filling memory that is
 * still allocated but no longer the device's. Ask the exporter about every
 * frame's buffer, and end the stream when it was revoked. The frame stays
 * dequeued (held by the caller) so nothing more lands in it.
 */
static int check_revoked(struct p2pbuf_stream *s, struct p2pbuf_frame *frame)
{
	struct p2pbuf_buffer_info bi;
	unsigned int p;
	int ret;

	if (!frame->location_valid)
		return 0;
	if (s->ctl < 0) {
		s->ctl = p2pbuf__ctl_open();
		if (s->ctl < 0) /* module gone: its buffers cannot be alive */
			return fail(s, -ENODEV, "device memory revoked: p2pbuf control node gone");
	}
	for (p = 0; p < frame->num_planes; p++) {
		if (!(frame->location_valid & (1u << p)) || !frame->planes[p])
			continue;
		memset(&bi, 0, sizeof(bi));
		bi.fd = frame->planes[p]->fd;
		ret = p2pbuf__ioctl(s->ctl, P2PBUF_CTL_BUFFER_INFO, &bi);
		if (ret)
			return fail(s, ret, "P2PBUF_CTL_BUFFER_INFO on a captured frame");
		if (bi.flags & P2PBUF_BUFFER_REVOKED) {
			set_error(s, "device memory revoked: provider %.64s went away "
				  "(device unbound or removed) after %llu frames",
				  bi.provider, (unsigned long long)s->stats.frames);
			return -ENODEV;
		}
	}
	return 0;
}

int p2pbuf_stream_dequeue(struct p2pbuf_stream *stream, struct p2pbuf_frame *frame,
			  int timeout_ms)
{
	struct v4l2_plane planes[P2PBUF_MAX_PLANES];
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct v4l2_buffer vb;
	int ret;

	if (!stream || !frame)
		return -EINVAL;
	stream->error[0] = '\0';
	if (!stream->streaming)
		return fail(stream, -EINVAL, "not streaming: call p2pbuf_stream_start()");

	for (;;) {
		struct pollfd pfd = { .fd = stream->fd, .events = POLLIN };
		int wait = timeout_ms;

		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		ret = poll(&pfd, 1, wait);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return fail(stream, -errno, "poll");
		}
		if (ret == 0) {
			if (timeout_ms == 0)
				return -EAGAIN;
			set_error(stream, "no frame within %d ms", timeout_ms);
			return -ETIMEDOUT;
		}
		if (pfd.revents & POLLNVAL)
			return fail(stream, -EBADF, "poll");
		if (!(pfd.revents & POLLIN) && stream->stats.queued == 0)
			return fail(stream, -EPIPE, "no buffer queued in the driver");
		/* POLLIN, or POLLERR: DQBUF tells the real error. */
		ret = dqbuf(stream, &vb, planes);
		if (ret == -EAGAIN) {
			if (pfd.revents & POLLIN)
				continue;
			return fail(stream, -EIO, "the device reports an error (POLLERR)");
		}
		if (ret == -EPIPE)
			return fail(stream, -EPIPE, "the driver returned its last buffer");
		if (ret)
			return fail(stream, ret, "VIDIOC_DQBUF");
		break;
	}
	if (vb.index >= stream->nbufs)
		return fail(stream, -EIO, "VIDIOC_DQBUF returned an unknown buffer");
	stream->bufs[vb.index].state = BUF_USER;
	stream->stats.queued--;
	fill_frame(stream, &vb, planes, frame);
	return check_revoked(stream, frame);
}

int p2pbuf_stream_queue(struct p2pbuf_stream *stream, unsigned int index)
{
	if (!stream)
		return -EINVAL;
	stream->error[0] = '\0';
	if (index >= stream->nbufs || stream->bufs[index].state != BUF_USER)
		return fail(stream, -EINVAL, "buffer not held by the caller");
	if (!stream->streaming) {
		/* Requeued by p2pbuf_stream_start(). */
		stream->bufs[index].state = BUF_IDLE;
		return 0;
	}
	return qbuf(stream, index);
}

int p2pbuf_stream_stats(const struct p2pbuf_stream *stream,
			struct p2pbuf_stream_stats *stats)
{
	if (!stream || !stats)
		return -EINVAL;
	*stats = stream->stats;
	return 0;
}

struct p2pbuf_buffer *p2pbuf_stream_buffer(const struct p2pbuf_stream *stream,
					   unsigned int index, unsigned int plane)
{
	if (!stream || index >= stream->nbufs || plane >= stream->num_planes)
		return NULL;
	return stream->bufs[index].planes[plane];
}

const char *p2pbuf_stream_error(const struct p2pbuf_stream *stream)
{
	return stream ? stream->error : "";
}

void p2pbuf_stream_close(struct p2pbuf_stream *stream)
{
	if (!stream)
		return;
	p2pbuf_stream_stop(stream);
	release_buffers(stream);
	if (stream->ctl >= 0)
		close(stream->ctl);
	close(stream->fd);
	free(stream);
}

/* ---- slot access for p2pbuf_stream_queue_buffer() (stream-slot.c) ---- */

struct p2pbuf_buffer **p2pbuf__stream_held_planes(struct p2pbuf_stream *s,
						  unsigned int index,
						  unsigned int *num_planes)
{
	if (index >= s->nbufs || s->bufs[index].state != BUF_USER)
		return NULL;
	*num_planes = s->num_planes;
	return s->bufs[index].planes;
}

int p2pbuf__stream_requeue(struct p2pbuf_stream *s, unsigned int index)
{
	struct stream_buf *b = &s->bufs[index];
	unsigned int p;

	/* The planes changed: the next frame reports where they live. */
	b->loc_valid = 0;
	for (p = 0; p < s->num_planes; p++)
		locate(b, p);
	return p2pbuf_stream_queue(s, index);
}
