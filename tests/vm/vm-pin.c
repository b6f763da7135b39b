// SPDX-License-Identifier: MIT
/*
 * Can a process pin a p2pbuf buffer's memory for longer than the buffer
 * lives? io_uring's registered buffers (IORING_REGISTER_BUFFERS) pin user
 * memory long-term, as RDMA does. Register a buffer's mapping, free the
 * buffer (munmap, close), allocate again: the new buffer must never be
 * memory that is still pinned, else the pinning process reads and writes
 * the next user's frames. The kernel must refuse the pin (the pfnmap
 * backend's PFN maps cannot be pinned; P2PDMA pages refuse long-term
 * pins), or, if it pins, never hand the pinned range out again.
 *   vm-pin /dev/p2pbuf/PROVIDER [READY_FILE SECONDS]
 * With READY_FILE: if the pin succeeded, create READY_FILE and hold the
 * registration SECONDS (the caller unbinds the provider meanwhile).
 * Exit 0 pass, 1 fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/p2pbuf.h>

#define LEN (1u << 20)

static int alloc_buf(int pfd, int *fd)
{
	struct p2pbuf_alloc_data a = { .len = LEN, .fd_flags = O_RDWR | O_CLOEXEC };

	if (ioctl(pfd, P2PBUF_IOCTL_ALLOC, &a))
		return -errno;
	*fd = (int)a.fd;
	return 0;
}

static int phys_of(int cfd, int fd, unsigned long long *phys)
{
	struct p2pbuf_buffer_info bi = { .fd = fd };

	if (ioctl(cfd, P2PBUF_CTL_BUFFER_INFO, &bi))
		return -errno;
	*phys = bi.phys_addr;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long pa, pb;
	struct io_uring ring;
	struct iovec iov;
	int cfd, pfd, fa, fb, ret;
	void *p;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: %s /dev/p2pbuf/PROVIDER [READY_FILE SECONDS]\n", argv[0]);
		return 2;
	}
	cfd = open("/dev/p2pbuf/ctl", O_RDWR | O_CLOEXEC);
	pfd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (cfd < 0 || pfd < 0) {
		fprintf(stderr, "vm-pin: cannot open /dev/p2pbuf/ctl or %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (alloc_buf(pfd, &fa) || phys_of(cfd, fa, &pa)) {
		fprintf(stderr, "vm-pin: first allocation failed\n");
		return 1;
	}
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fa, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "vm-pin: mmap: %s\n", strerror(errno));
		return 1;
	}
	memset(p, 0xa5, LEN);
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret) {
		fprintf(stderr, "vm-pin: io_uring_queue_init: %s\n", strerror(-ret));
		return 1;
	}
	iov.iov_base = p;
	iov.iov_len = LEN;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret) {
		printf("vm-pin: pinning the mapping (IORING_REGISTER_BUFFERS) refused: %s; nothing can keep the memory past the buffer\n",
		       strerror(-ret));
		io_uring_queue_exit(&ring);
		munmap(p, LEN);
		close(fa);
		return 0;
	}
	/* The pin holds: the buffer's memory must not be handed out again. */
	munmap(p, LEN);
	close(fa);
	if (alloc_buf(pfd, &fb) || phys_of(cfd, fb, &pb)) {
		fprintf(stderr, "vm-pin: second allocation failed\n");
		return 1;
	}
	if (pb < pa + LEN && pa < pb + LEN) {
		fprintf(stderr, "vm-pin: FAIL: a buffer pinned by io_uring (phys %#llx) was freed and handed out again (new buffer at %#llx): the pinning process sees the next user's data\n",
			pa, pb);
		return 1;
	}
	printf("vm-pin: the pin held the first buffer's memory (%#llx); the next buffer got other memory (%#llx)\n",
	       pa, pb);
	close(fb);
	if (argc == 4) {
		FILE *f = fopen(argv[2], "w");

		if (f)
			fclose(f);
		sleep((unsigned int)atoi(argv[3]));
	}
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	return 0;
}
