// SPDX-License-Identifier: MIT
/*
 * Storage -> PCIe device memory -> a V4L2 output device: frames are read
 * from a file into provider buffers by direct I/O (the storage controller
 * writes them into device memory; peer to peer where the kernel reports a
 * route, else through RAM, and the program says which), then queued to the
 * output device as dma-bufs (V4L2_MEMORY_DMABUF): no CPU copy of a frame.
 *
 *   p2pbuf-sample-file-to-output DEVICE PROVIDER FILE [TIMES]
 *
 * FILE holds raw frames in the output device's current format
 * (v4l2-ctl --set-fmt-video-out first); they are played in order, TIMES
 * times over (default once; 0: until ^C, then what is queued plays out).
 * Build: cc file-to-output.c $(pkg-config --cflags --libs libp2pbuf)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <p2pbuf/p2pbuf.h>

#define NBUF 4

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT };
	struct v4l2_requestbuffers req = { 0 };
	struct p2pbuf_buffer *bufs[NBUF] = { NULL };
	struct p2pbuf_provider *prov = NULL;
	struct p2pbuf_io_stats ist;
	struct p2pbuf_io *io = NULL;
	uint64_t frames, total, k, played = 0;
	long times = 1;
	int fd, ret, type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	unsigned int i, queued = 0;

	if ((argc != 4 && argc != 5) || (argc == 5 && (times = strtol(argv[4], NULL, 0)) < 0)) {
		fprintf(stderr, "usage: %s DEVICE PROVIDER FILE [TIMES]\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || xioctl(fd, VIDIOC_G_FMT, &fmt)) {
		fprintf(stderr, "file-to-output: %s is not a V4L2 output device: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	ret = p2pbuf_provider_open(argv[2], &prov);
	if (!ret)
		ret = p2pbuf_io_open(argv[3], P2PBUF_IO_READ | P2PBUF_IO_BOUNCE_FALLBACK, &io);
	for (i = 0; !ret && i < NBUF; i++)
		ret = p2pbuf_alloc(prov, fmt.fmt.pix.sizeimage, 0, &bufs[i]);
	if (ret) {
		fprintf(stderr, "file-to-output: cannot set up %s -> %s: %s\n", argv[3], argv[2],
			p2pbuf_error_hint(ret, "alloc"));
		return 1;
	}
	p2pbuf_io_stats(io, &ist);
	frames = ist.size / fmt.fmt.pix.sizeimage;
	total = times ? frames * (uint64_t)times : UINT64_MAX;
	signal(SIGINT, on_sigint);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* a line per frame, also into a pipe */
	req.count = NBUF;
	req.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	req.memory = V4L2_MEMORY_DMABUF;
	ret = xioctl(fd, VIDIOC_REQBUFS, &req);
	printf("%ux%u, %u bytes per frame, %llu frames in %s, through %s\n", fmt.fmt.pix.width,
	       fmt.fmt.pix.height, fmt.fmt.pix.sizeimage, (unsigned long long)frames, argv[3],
	       p2pbuf_provider_name(prov));

	for (k = 0; !ret && k < total && !stop; k++) {
		struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT,
					 .memory = V4L2_MEMORY_DMABUF };
		struct p2pbuf_io_result r;

		if (queued == NBUF) {	/* wait until the device gives one back */
			ret = xioctl(fd, VIDIOC_DQBUF, &b);
			if (ret)
				break;
			played++;
		} else {
			b.index = queued++;
		}
		/* the next frame from the file into that buffer's device memory */
		ret = p2pbuf_io_read(io, bufs[b.index], 0, fmt.fmt.pix.sizeimage,
				     (k % frames) * fmt.fmt.pix.sizeimage, &r);
		if (ret) {
			fprintf(stderr, "file-to-output: %s\n", p2pbuf_io_error(io));
			break;
		}
		if (!k)
			printf("reading with path %s\n", p2pbuf_io_path_name(r.path));
		b.m.fd = p2pbuf_buffer_fd(bufs[b.index]);
		b.bytesused = fmt.fmt.pix.sizeimage;
		b.length = (unsigned int)p2pbuf_buffer_size(bufs[b.index]);
		b.field = V4L2_FIELD_NONE;
		ret = xioctl(fd, VIDIOC_QBUF, &b);
		if (!ret && k + 1 == NBUF)
			ret = xioctl(fd, VIDIOC_STREAMON, &type);
		if (!ret)
			printf("frame %llu queued in buffer %u\n", (unsigned long long)k, b.index);
	}
	total = k;	/* queued: all of them, or up to ^C */
	if (!ret && total && total < NBUF)
		ret = xioctl(fd, VIDIOC_STREAMON, &type);
	for (; !ret && played < total; played++) {	/* the last ones out */
		struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT,
					 .memory = V4L2_MEMORY_DMABUF };

		ret = xioctl(fd, VIDIOC_DQBUF, &b);
	}
	if (ret)
		fprintf(stderr, "file-to-output: stopped after %llu frames: %s\n",
			(unsigned long long)played, strerror(-ret));
	xioctl(fd, VIDIOC_STREAMOFF, &type);
	printf("%llu of %llu frames played from %s to %s\n", (unsigned long long)played,
	       (unsigned long long)total, argv[3], argv[1]);
	for (i = 0; i < NBUF; i++)
		p2pbuf_buffer_free(bufs[i]);
	p2pbuf_io_close(io);
	p2pbuf_provider_close(prov);
	close(fd);
	return ret ? 1 : 0;
}
