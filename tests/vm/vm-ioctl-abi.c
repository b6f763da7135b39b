// SPDX-License-Identifier: MIT
/*
 * Bad input to every p2pbuf ioctl gets the documented errno, and the
 * allocation ioctl is the dma-heap one. Runs inside the VM with the module
 * loaded and at least one provider: vm-ioctl-abi /dev/p2pbuf/<provider>
 * Exit: 0 pass, 1 fail, 77 skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/p2pbuf.h>

_Static_assert(P2PBUF_IOCTL_ALLOC == DMA_HEAP_IOCTL_ALLOC, "alloc ioctl must be DMA_HEAP_IOCTL_ALLOC");
_Static_assert(sizeof(struct p2pbuf_alloc_data) == sizeof(struct dma_heap_allocation_data), "layout");
_Static_assert(offsetof(struct p2pbuf_alloc_data, fd) == offsetof(struct dma_heap_allocation_data, fd), "layout");
_Static_assert(offsetof(struct p2pbuf_alloc_data, heap_flags) == offsetof(struct dma_heap_allocation_data, heap_flags), "layout");

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* ioctl returning -errno (0 on success). */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

#define IOWR_SIZE(magic, nr, size) _IOC(_IOC_READ | _IOC_WRITE, (magic), (nr), (size))

static void expect(int fd, unsigned long cmd, void *arg, int want, const char *what)
{
	int ret = xioctl(fd, cmd, arg);

	CHECK(ret == want, "%s: got %d (%s), want %d (%s)", what, ret,
	      strerror(-ret), want, strerror(-want));
}

static int alloc(int pfd, uint64_t len, uint32_t fd_flags, uint64_t heap_flags, int *out)
{
	struct p2pbuf_alloc_data d = { .len = len, .fd_flags = fd_flags, .heap_flags = heap_flags };
	int ret = xioctl(pfd, P2PBUF_IOCTL_ALLOC, &d);

	if (!ret)
		*out = (int)d.fd;
	return ret;
}

static void test_alloc(int pfd, uint64_t region)
{
	struct dma_heap_allocation_data h = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC };
	unsigned char big[sizeof(struct p2pbuf_alloc_data) + 16];
	struct p2pbuf_alloc_data *d = (void *)big;
	int fd = -1, ret;
	off_t sz;

	/* dma-heap code works unchanged */
	expect(pfd, DMA_HEAP_IOCTL_ALLOC, &h, 0, "DMA_HEAP_IOCTL_ALLOC");
	CHECK(fcntl((int)h.fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC not honoured");
	close((int)h.fd);

	CHECK(alloc(pfd, 0, O_RDWR, 0, &fd) == -EINVAL, "len 0");
	CHECK(alloc(pfd, UINT64_MAX, O_RDWR, 0, &fd) == -EINVAL, "len overflowing the page rounding");
	CHECK(alloc(pfd, UINT64_MAX - 4094, O_RDWR, 0, &fd) == -EINVAL, "len rounding up to 2^64");
	CHECK(alloc(pfd, UINT64_MAX - 4095, O_RDWR, 0, &fd) == -ENOMEM, "page-aligned len of 2^64 - 4096");
	CHECK(alloc(pfd, region + 4096, O_RDWR, 0, &fd) == -ENOMEM, "len beyond the region");
	CHECK(alloc(pfd, 1ULL << 62, O_RDWR, 0, &fd) == -ENOMEM, "huge len");
	CHECK(alloc(pfd, 4096, O_RDWR, 1, &fd) == -EINVAL, "heap_flags != 0");
	CHECK(alloc(pfd, 4096, O_RDWR | O_NONBLOCK, 0, &fd) == -EINVAL, "unknown fd_flags");
	CHECK(alloc(pfd, 4096, O_RDWR | 0x80000000u, 0, &fd) == -EINVAL, "unknown fd_flags high bit");

	/* unaligned sizes round up to the page size */
	ret = alloc(pfd, 4097, O_RDWR, 0, &fd);
	CHECK(ret == 0, "len 4097: %s", strerror(-ret));
	if (!ret) {
		sz = lseek(fd, 0, SEEK_END);
		CHECK(sz == 8192, "len 4097 gave %lld bytes, want 8192", (long long)sz);
		CHECK(fcntl(fd, F_GETFD) == 0, "no O_CLOEXEC asked, but set");
		close(fd);
	}

	/* struct sizes: truncated -> EINVAL, future with zero tail -> ok,
	 * future with non-zero tail -> E2BIG */
	memset(big, 0, sizeof(big));
	d->len = 4096;
	d->fd_flags = O_RDWR | O_CLOEXEC;
	expect(pfd, IOWR_SIZE('H', 0, 16), big, -EINVAL, "truncated alloc struct");
	expect(pfd, IOWR_SIZE('H', 0, sizeof(big)), big, 0, "larger alloc struct, zero tail");
	if (d->fd)
		close((int)d->fd);
	memset(big, 0, sizeof(big));
	d->len = 4096;
	big[sizeof(big) - 1] = 1;
	expect(pfd, IOWR_SIZE('H', 0, sizeof(big)), big, -E2BIG, "larger alloc struct, non-zero tail");
	d->fd = 7;
	big[sizeof(big) - 1] = 0;
	expect(pfd, P2PBUF_IOCTL_ALLOC, big, -EINVAL, "fd field set on input");

	/* bad pointers, unknown commands */
	expect(pfd, P2PBUF_IOCTL_ALLOC, (void *)16, -EFAULT, "alloc with bad pointer");
	expect(pfd, _IOWR('H', 1, struct p2pbuf_alloc_data), &h, -ENOTTY, "unknown nr");
	expect(pfd, _IOR('H', 0, struct p2pbuf_alloc_data), &h, -ENOTTY, "wrong direction");
	expect(pfd, _IO('X', 0), NULL, -ENOTTY, "unknown magic");
	expect(pfd, P2PBUF_CTL_RESCAN, NULL, -ENOTTY, "ctl ioctl on provider node");
}

static void test_mmap(int pfd)
{
	int fd = -1;
	void *p;

	if (alloc(pfd, 8192, O_RDWR | O_CLOEXEC, 0, &fd))
		return;
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "private mapping must fail with EINVAL");
	p = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mapping beyond the buffer must fail with EINVAL");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 2 * 4096);
	CHECK(p == MAP_FAILED && errno == EINVAL, "offset beyond the buffer must fail with EINVAL");
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "shared mapping: %s", strerror(errno));
	if (p != MAP_FAILED) {
		struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };

		CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) == 0, "sync start: %s", strerror(errno));
		memset(p, 0x5a, 8192);
		CHECK(((unsigned char *)p)[8191] == 0x5a, "read back");
		s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) == 0, "sync end: %s", strerror(errno));
		munmap(p, 8192);
	}
	close(fd);
}

static void test_ctl(int cfd, int pfd)
{
	unsigned char big[sizeof(struct p2pbuf_provider_info) + 8];
	struct p2pbuf_provider_info pi = { 0 };
	struct p2pbuf_buffer_info bi = { 0 };
	struct p2pbuf_route_query rq = { 0 };
	struct p2pbuf_attach_info att[2];
	int fd = -1, nullfd;

	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &pi, 0, "provider 0");
	CHECK(pi.size > 0 && pi.name[0], "provider 0 has no size or name");
	pi.index = 1000;
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &pi, -ENOENT, "provider index past the end");
	memset(&pi, 0, sizeof(pi));
	pi.flags = 1;
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &pi, -EINVAL, "provider info flags != 0");
	memset(big, 0, sizeof(big));
	expect(cfd, IOWR_SIZE(P2PBUF_CTL_MAGIC, 1, sizeof(big)), big, 0, "future provider_info, zero tail");
	big[sizeof(big) - 1] = 1;
	expect(cfd, IOWR_SIZE(P2PBUF_CTL_MAGIC, 1, sizeof(big)), big, -E2BIG, "future provider_info, non-zero tail");
	expect(cfd, IOWR_SIZE(P2PBUF_CTL_MAGIC, 1, 8), big, -EINVAL, "truncated provider_info");
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, (void *)8, -EFAULT, "provider_info bad pointer");
	expect(cfd, _IOWR(P2PBUF_CTL_MAGIC, 0x7f, struct p2pbuf_provider_info), &pi, -ENOTTY, "unknown ctl nr");
	expect(cfd, _IOR(P2PBUF_CTL_MAGIC, 1, struct p2pbuf_provider_info), &pi, -ENOTTY, "ctl wrong direction");
	expect(cfd, _IOW(P2PBUF_CTL_MAGIC, 4, int), &pi, -ENOTTY, "rescan with a size");
	expect(cfd, DMA_HEAP_IOCTL_ALLOC, &pi, -ENOTTY, "alloc on ctl node");
	expect(cfd, P2PBUF_CTL_RESCAN, NULL, 0, "rescan");

	bi.fd = -1;
	expect(cfd, P2PBUF_CTL_BUFFER_INFO, &bi, -EBADF, "buffer info fd -1");
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	bi.fd = nullfd;
	expect(cfd, P2PBUF_CTL_BUFFER_INFO, &bi, -EINVAL, "buffer info of /dev/null");
	close(nullfd);

	if (!alloc(pfd, 4096, O_RDWR | O_CLOEXEC, 0, &fd)) {
		memset(&bi, 0, sizeof(bi));
		bi.fd = fd;
		expect(cfd, P2PBUF_CTL_BUFFER_INFO, &bi, 0, "buffer info");
		CHECK(bi.size == 4096 && bi.provider[0] && bi.attach_count == 0,
		      "buffer info: size %llu provider '%s' attachments %u",
		      (unsigned long long)bi.size, bi.provider, bi.attach_count);
		bi.flags = 1;
		expect(cfd, P2PBUF_CTL_BUFFER_INFO, &bi, -EINVAL, "buffer info flags != 0");
		bi.flags = 0;
		bi.reserved = 1;
		expect(cfd, P2PBUF_CTL_BUFFER_INFO, &bi, -EINVAL, "buffer info reserved != 0");
		bi.reserved = 0;
		bi.attach_cap = 2;
		bi.attach_size = 8;
		bi.attach_ptr = (uintptr_t)att;
		expect(cfd, P2PBUF_CTL_BUFFER_INFO, &bi, -EINVAL, "attach_size too small");
		bi.attach_size = sizeof(att[0]);
		expect(cfd, P2PBUF_CTL_BUFFER_INFO, &bi, 0, "attachments, none");
		close(fd);
	}

	memset(&rq, 0, sizeof(rq));
	memset(rq.client, 'x', sizeof(rq.client));
	expect(cfd, P2PBUF_CTL_ROUTE, &rq, -EINVAL, "route client not NUL terminated");
	strcpy(rq.client, "0000:ff:1f.7");
	expect(cfd, P2PBUF_CTL_ROUTE, &rq, -ENOENT, "route to no such PCI device");
	rq.flags = 2;
	expect(cfd, P2PBUF_CTL_ROUTE, &rq, -EINVAL, "route flags != 0");
	rq.flags = 0;
	rq.index = 999;
	strcpy(rq.client, "0000:00:00.0");
	expect(cfd, P2PBUF_CTL_ROUTE, &rq, -ENOENT, "route to provider index past the end");
	rq.index = 0;
	expect(cfd, P2PBUF_CTL_ROUTE, &rq, 0, "route to the host bridge device");
}

int main(int argc, char **argv)
{
	struct p2pbuf_provider_info pi = { 0 };
	int cfd, pfd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/p2pbuf/PROVIDER\n", argv[0]);
		return 2;
	}
	cfd = open("/dev/p2pbuf/ctl", O_RDONLY | O_CLOEXEC);
	pfd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (cfd < 0 || pfd < 0) {
		fprintf(stderr, "cannot open /dev/p2pbuf/ctl or %s: %s (load p2pbuf and bind a device first)\n",
			argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(cfd, P2PBUF_CTL_PROVIDER_INFO, &pi)) {
		fprintf(stderr, "PROVIDER_INFO 0: %s\n", strerror(errno));
		return 1;
	}
	test_alloc(pfd, pi.size);
	test_mmap(pfd);
	test_ctl(cfd, pfd);
	close(pfd);
	close(cfd);
	if (failures)
		fprintf(stderr, "vm-ioctl-abi: %d checks failed\n", failures);
	else
		printf("vm-ioctl-abi: all checks passed\n");
	return failures ? 1 : 0;
}
