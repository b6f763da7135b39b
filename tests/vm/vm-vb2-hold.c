// SPDX-License-Identifier: MIT
/*
 * A kernel importer that never lets go: one p2pbuf buffer queued to a
 * vivid capture queue (vb2-vmalloc: the driver writes through the
 * buffer's vmap), streaming and re-queued after every frame, until
 * SIGINT/SIGTERM or TIMEOUT_SECS. It knows nothing of revocation, as a
 * stock V4L2 application would not, so while it runs the vmap stays held.
 *   vm-vb2-hold /dev/videoN /dev/p2pbuf/PROVIDER READY_FILE TIMEOUT_SECS
 * READY_FILE is created once a frame came back through the buffer. Prints
 * the frames it received; exit 0 when it streamed and stopped cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/p2pbuf.h>
#include <linux/videodev2.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int fail(const char *what)
{
	fprintf(stderr, "vm-vb2-hold: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers rb = {
		.count = 1, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF,
	};
	struct p2pbuf_alloc_data d = { .fd_flags = O_RDWR | O_CLOEXEC };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long frames = 0;
	int vfd, pfd, type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	time_t deadline;

	if (argc != 5) {
		fprintf(stderr, "usage: %s /dev/videoN /dev/p2pbuf/PROVIDER READY_FILE TIMEOUT_SECS\n",
			argv[0]);
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	vfd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (vfd < 0)
		return fail(argv[1]);
	fmt.fmt.pix.width = 640;
	fmt.fmt.pix.height = 480;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	if (ioctl(vfd, VIDIOC_S_FMT, &fmt))
		return fail("VIDIOC_S_FMT 640x480 YUYV");
	pfd = open(argv[2], O_RDWR | O_CLOEXEC);
	d.len = fmt.fmt.pix.sizeimage;
	if (pfd < 0 || ioctl(pfd, P2PBUF_IOCTL_ALLOC, &d))
		return fail("allocating from the provider");
	if (ioctl(vfd, VIDIOC_REQBUFS, &rb) || rb.count < 1)
		return fail("VIDIOC_REQBUFS DMABUF");
	deadline = time(NULL) + atoi(argv[4]);
	for (int queued = 0; !stop && time(NULL) < deadline;) {
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF,
		};
		struct pollfd p = { .fd = vfd, .events = POLLIN };

		if (!queued) {
			b.index = 0;
			b.m.fd = (int)d.fd;
			b.length = d.len;
			if (ioctl(vfd, VIDIOC_QBUF, &b))
				return fail("VIDIOC_QBUF of the p2pbuf buffer");
			if (!frames && ioctl(vfd, VIDIOC_STREAMON, &type))
				return fail("VIDIOC_STREAMON");
			queued = 1;
		}
		if (poll(&p, 1, 200) <= 0)
			continue;
		if (ioctl(vfd, VIDIOC_DQBUF, &b)) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return fail("VIDIOC_DQBUF");
		}
		queued = 0;
		if (++frames == 1)
			close(open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	}
	if (ioctl(vfd, VIDIOC_STREAMOFF, &type))
		return fail("VIDIOC_STREAMOFF");
	printf("vm-vb2-hold: %lu frames through one p2pbuf buffer queued to %s\n", frames, argv[1]);
	close(vfd);
	close((int)d.fd);
	close(pfd);
	return frames ? 0 : 1;
}
