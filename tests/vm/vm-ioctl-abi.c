// SPDX-License-Identifier: MIT
/*
 * The uapi of p2pbuf, checked inside the VM with the module loaded and a
 * provider bound:
 *
 *   vm-ioctl-abi /dev/p2pbuf/PROVIDER RESOURCE_FILE
 *
 * - The provider node's allocation ioctl is binary compatible with
 *   DMA_HEAP_IOCTL_ALLOC: one table of commands (struct sizes, directions,
 *   contents, bad memory) runs against /dev/dma_heap/system and the
 *   provider node, and every row must give the result the dma-heap core
 *   documents (dma_heap_ioctl()) on both: the same errno or success, the same
 *   fd flags, the same bytes written back, the same fds left open.
 * - A buffer's bytes are in device memory: a pattern written through the
 *   dma-buf mmap is read back through RESOURCE_FILE at the buffer's offset
 *   in the BAR, and the other way round. RESOURCE_FILE is the provider's PCI
 *   resource file (/sys/bus/pci/devices/BDF/resourceN, mapped), or a file
 *   holding the BAR's bytes at their BAR offsets (the VM's ivshmem.bin, read
 *   and written with pread/pwrite). Kernels with CONFIG_IO_STRICT_DEVMEM
 *   (Debian's) refuse to map the resource file of a BAR a driver has
 *   claimed unless booted with iomem=relaxed.
 * - Bad input to the ctl node gets the documented errno.
 *
 * Exit: 0 pass, 1 fail (each failed check printed on stderr), 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/magic.h>
#include <linux/p2pbuf.h>

_Static_assert(P2PBUF_IOCTL_ALLOC == DMA_HEAP_IOCTL_ALLOC, "alloc ioctl must be DMA_HEAP_IOCTL_ALLOC");
_Static_assert(sizeof(struct p2pbuf_alloc_data) == sizeof(struct dma_heap_allocation_data), "layout");
_Static_assert(offsetof(struct p2pbuf_alloc_data, fd) == offsetof(struct dma_heap_allocation_data, fd), "layout");
_Static_assert(offsetof(struct p2pbuf_alloc_data, fd_flags) == offsetof(struct dma_heap_allocation_data, fd_flags), "layout");
_Static_assert(offsetof(struct p2pbuf_alloc_data, heap_flags) == offsetof(struct dma_heap_allocation_data, heap_flags), "layout");
_Static_assert(P2PBUF_VALID_FD_FLAGS == DMA_HEAP_VALID_FD_FLAGS, "fd flags");

#define HEAP_NODE	"/dev/dma_heap/system"
#define ALLOC_SIZE	((unsigned int)sizeof(struct p2pbuf_alloc_data))
#define FD_OFF		offsetof(struct p2pbuf_alloc_data, fd)
#define MAX_FDS		4096

static long page_size;
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

static const char *errname(int ret)
{
	static char buf[4][32];
	static int i;

	i = (i + 1) % 4;
	if (!ret)
		return "ok";
	switch (-ret) {
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case ENOTTY: return "ENOTTY";
	case E2BIG: return "E2BIG";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	}
	snprintf(buf[i], sizeof(buf[i]), "errno %d", -ret);
	return buf[i];
}

static void expect(int fd, unsigned long cmd, void *arg, int want, const char *what)
{
	int ret = xioctl(fd, cmd, arg);

	CHECK(ret == want, "%s: got %s (%s), want %s", what, errname(ret),
	      strerror(-ret), errname(want));
}

static int alloc(int pfd, uint64_t len, uint32_t fd_flags, uint64_t heap_flags, int *out)
{
	struct p2pbuf_alloc_data d = { .len = len, .fd_flags = fd_flags, .heap_flags = heap_flags };
	int ret = xioctl(pfd, P2PBUF_IOCTL_ALLOC, &d);

	if (!ret)
		*out = (int)d.fd;
	return ret;
}

/* ---- the allocation ioctl against the system dma-heap ---- */

/* The open fds, as a set. */
static void fd_set_now(unsigned char *set)
{
	struct dirent *e;
	DIR *d;

	memset(set, 0, MAX_FDS);
	d = opendir("/proc/self/fd");
	if (!d) {
		CHECK(0, "opendir /proc/self/fd: %s", strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		int n = atoi(e->d_name);

		if (e->d_name[0] != '.' && n != dirfd(d) && n >= 0 && n < MAX_FDS)
			set[n] = 1;
	}
	closedir(d);
}

enum mem {
	MEM_RW,		/* the command's bytes and 64 more are readable and writable */
	MEM_TAIL_NONE,	/* the struct ends at a page boundary; the tail is PROT_NONE */
	MEM_TAIL_RO,	/* the struct ends at a page boundary; the tail is read-only */
	MEM_BAD,	/* the argument is the address 16 */
};

struct row {
	const char *what;
	unsigned int dir;	/* _IOC_READ, _IOC_WRITE */
	unsigned char magic;
	unsigned char nr;
	unsigned int size;	/* _IOC_SIZE */
	/* the 24 bytes at the argument, whatever the command's size */
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
	uint64_t heap_flags;
	unsigned char fill;	/* every byte after those 24 */
	enum mem mem;
	int want;		/* 0 or -errno, from dma_heap_ioctl() */
};

#define RW		(_IOC_READ | _IOC_WRITE)
#define GARBAGE32	0xa5a5a5a5u
#define GARBAGE64	0xa5a5a5a5a5a5a5a5ull
#define CX		(O_RDWR | O_CLOEXEC)

static const struct row rows[] = {
	/* the command dma-heap users send */
	{ "DMA_HEAP_IOCTL_ALLOC, O_RDWR|O_CLOEXEC", RW, 'H', 0, 24, 4096, 0, CX, 0, 0, MEM_RW, 0 },
	{ "DMA_HEAP_IOCTL_ALLOC, fd_flags 0", RW, 'H', 0, 24, 4096, 0, 0, 0, 0, MEM_RW, 0 },
	{ "DMA_HEAP_IOCTL_ALLOC, O_WRONLY", RW, 'H', 0, 24, 4096, 0, O_WRONLY, 0, 0, MEM_RW, 0 },
	{ "len 4097 (rounds up)", RW, 'H', 0, 24, 4097, 0, CX, 0, 0, MEM_RW, 0 },
	{ "len 0", RW, 'H', 0, 24, 0, 0, CX, 0, 0, MEM_RW, -EINVAL },
	{ "len 2^64-1 (rounding overflows)", RW, 'H', 0, 24, UINT64_MAX, 0, CX, 0, 0, MEM_RW, -EINVAL },
	{ "len 2^64-4095 (rounds to 2^64)", RW, 'H', 0, 24, UINT64_MAX - 4094, 0, CX, 0, 0, MEM_RW, -EINVAL },
	{ "fd set on input", RW, 'H', 0, 24, 4096, 7, CX, 0, 0, MEM_RW, -EINVAL },
	{ "heap_flags 1", RW, 'H', 0, 24, 4096, 0, CX, 1, 0, MEM_RW, -EINVAL },
	{ "fd_flags O_NONBLOCK", RW, 'H', 0, 24, 4096, 0, CX | O_NONBLOCK, 0, 0, MEM_RW, -EINVAL },
	{ "fd_flags bit 31", RW, 'H', 0, 24, 4096, 0, CX | 0x80000000u, 0, 0, MEM_RW, -EINVAL },
	/* shorter (older) structs: zero-extended, bytes past _IOC_SIZE not read */
	{ "size 0", RW, 'H', 0, 0, 4096, 0, CX, 0, 0, MEM_RW, -EINVAL },
	{ "size 8 (len only; fd not written back)", RW, 'H', 0, 8, 4096, GARBAGE32, GARBAGE32, GARBAGE64, 0xa5, MEM_RW, 0 },
	{ "size 12 (fd_flags, heap_flags not read)", RW, 'H', 0, 12, 4096, 0, GARBAGE32, GARBAGE64, 0xa5, MEM_RW, 0 },
	{ "size 16 (heap_flags not read)", RW, 'H', 0, 16, 8192, 0, CX, GARBAGE64, 0xa5, MEM_RW, 0 },
	{ "size 16, fd set on input", RW, 'H', 0, 16, 4096, 7, CX, 0, 0, MEM_RW, -EINVAL },
	{ "size 8, fd set past the size", RW, 'H', 0, 8, 4096, 7, 0, 0, 0, MEM_RW, 0 },
	{ "size 0, bad pointer (nothing read)", RW, 'H', 0, 0, 0, 0, 0, 0, 0, MEM_BAD, -EINVAL },
	/* longer (newer) structs: the unknown tail is ignored and written back */
	{ "size 32, zero tail", RW, 'H', 0, 32, 4096, 0, CX, 0, 0, MEM_RW, 0 },
	{ "size 32, non-zero tail", RW, 'H', 0, 32, 4096, 0, CX, 0, 0xa5, MEM_RW, 0 },
	{ "size 4096, non-zero tail", RW, 'H', 0, 4096, 4096, 0, CX, 0, 0x5a, MEM_RW, 0 },
	{ "size 16383 (largest), non-zero tail", RW, 'H', 0, 16383, 4096, 0, CX, 0, 0xff, MEM_RW, 0 },
	{ "size 32, non-zero tail, fd set", RW, 'H', 0, 32, 4096, 7, CX, 0, 0xa5, MEM_RW, -EINVAL },
	{ "size 32, tail unreadable", RW, 'H', 0, 32, 4096, 0, CX, 0, 0, MEM_TAIL_NONE, -EFAULT },
	{ "size 32, tail read-only", RW, 'H', 0, 32, 4096, 0, CX, 0, 0, MEM_TAIL_RO, -EFAULT },
	{ "size 24, read-only page after (not touched)", RW, 'H', 0, 24, 4096, 0, CX, 0, 0, MEM_TAIL_RO, 0 },
	{ "size 24, bad pointer", RW, 'H', 0, 24, 4096, 0, CX, 0, 0, MEM_BAD, -EFAULT },
	/* directions, magics, numbers */
	{ "_IOW (nothing written back)", _IOC_WRITE, 'H', 0, 24, 4096, 0, CX, 0, 0, MEM_RW, 0 },
	{ "_IOR (nothing read: len 0)", _IOC_READ, 'H', 0, 24, 4096, 0, CX, 0, 0, MEM_RW, -EINVAL },
	{ "_IO, size 24 (nothing read)", _IOC_NONE, 'H', 0, 24, 4096, 0, CX, 0, 0, MEM_RW, -EINVAL },
	{ "_IO('X', 0)", _IOC_NONE, 'X', 0, 0, 4096, 0, CX, 0, 0, MEM_RW, -EINVAL },
	{ "magic 'X', nr 0, _IOWR, size 24", RW, 'X', 0, 24, 4096, 0, CX, 0, 0, MEM_RW, 0 },
	{ "nr 1", RW, 'H', 1, 24, 4096, 0, CX, 0, 0, MEM_RW, -EINVAL },
	{ "P2PBUF_CTL_RESCAN (nr 4)", _IOC_NONE, P2PBUF_CTL_MAGIC, 4, 0, 0, 0, 0, 0, 0, MEM_RW, -EINVAL },
	{ "nr 255", RW, 'H', 255, 24, 4096, 0, CX, 0, 0, MEM_RW, -EINVAL },
};

/* What one node did with one row. */
struct result {
	int ret;
	int nnew;		/* fds the call left open */
	int fd;			/* the new fd, or -1 */
	long long size;		/* its size (lseek), -1 if none */
	int fdflags;		/* F_GETFD */
	int accmode;		/* F_GETFL & O_ACCMODE */
	unsigned char *after;	/* the argument's bytes after the call */
	unsigned int span;	/* how many of them */
};

/* Memory for one call: a private mapping, so a row cannot see another's bytes. */
struct arg_mem {
	unsigned char *map;
	size_t maplen;
	unsigned char *arg;
	unsigned int span;	/* bytes at arg that are ours to look at */
};

static int arg_setup(const struct row *r, struct arg_mem *m)
{
	struct p2pbuf_alloc_data d = {
		.len = r->len, .fd = r->fd, .fd_flags = r->fd_flags, .heap_flags = r->heap_flags,
	};
	size_t need = ALLOC_SIZE + (r->size > ALLOC_SIZE ? r->size - ALLOC_SIZE : 0) + 64;
	size_t pages = (need + page_size - 1) / page_size;

	memset(m, 0, sizeof(*m));
	if (r->mem == MEM_BAD) {
		m->arg = (unsigned char *)16;
		return 0;
	}
	m->maplen = (pages + 1) * page_size;
	m->map = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->map == MAP_FAILED) {
		CHECK(0, "mmap: %s", strerror(errno));
		m->map = NULL;
		return -1;
	}
	if (r->mem == MEM_RW) {
		m->arg = m->map;
		m->span = (unsigned int)need;
	} else {
		/* the kernel's 24 bytes end at the boundary, the tail is beyond */
		m->arg = m->map + pages * page_size - ALLOC_SIZE;
		m->span = ALLOC_SIZE;
	}
	memset(m->map, r->fill, m->maplen);
	memcpy(m->arg, &d, sizeof(d));
	if (r->mem != MEM_RW &&
	    mprotect(m->map + pages * page_size, page_size,
		     r->mem == MEM_TAIL_NONE ? PROT_NONE : PROT_READ)) {
		CHECK(0, "mprotect: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void arg_free(struct arg_mem *m)
{
	if (m->map)
		munmap(m->map, m->maplen);
}

static void run_row(int node, const struct row *r, struct result *res)
{
	static unsigned char before[MAX_FDS], after[MAX_FDS];
	unsigned long cmd = _IOC(r->dir, r->magic, r->nr, r->size);
	struct arg_mem m;
	int i;

	memset(res, 0, sizeof(*res));
	res->fd = -1;
	res->size = -1;
	if (arg_setup(r, &m)) {
		res->ret = 1;
		arg_free(&m);
		return;
	}
	fd_set_now(before);
	res->ret = xioctl(node, cmd, m.arg);
	fd_set_now(after);
	for (i = 0; i < MAX_FDS; i++) {
		if (after[i] && !before[i]) {
			res->nnew++;
			res->fd = i;
		}
	}
	if (m.span) {
		res->span = m.span;
		res->after = malloc(m.span);
		if (res->after)
			memcpy(res->after, m.arg, m.span);
	}
	if (res->fd >= 0) {
		res->size = lseek(res->fd, 0, SEEK_END);
		res->fdflags = fcntl(res->fd, F_GETFD);
		res->accmode = fcntl(res->fd, F_GETFL) & O_ACCMODE;
	}
	for (i = 0; i < MAX_FDS; i++)
		if (after[i] && !before[i])
			close(i);
	arg_free(&m);
}

/*
 * The dma-heap core's rule, as a model: _IOC_SIZE bytes in if _IOC_WRITE
 * (the rest zero), the same bytes out if _IOC_READ, on success.
 */
static void model(const struct row *r, struct p2pbuf_alloc_data *k,
		  unsigned int *in, unsigned int *out)
{
	struct p2pbuf_alloc_data d = {
		.len = r->len, .fd = r->fd, .fd_flags = r->fd_flags, .heap_flags = r->heap_flags,
	};

	*in = (r->dir & _IOC_WRITE) ? r->size : 0;
	*out = (r->dir & _IOC_READ) ? r->size : 0;
	memset(k, 0, sizeof(*k));
	memcpy(k, &d, *in < sizeof(d) ? *in : sizeof(d));
}

/* One node's result against the model. */
static void check_result(const char *name, const struct row *r, const struct result *res)
{
	struct p2pbuf_alloc_data k;
	unsigned int in, out, i;
	uint32_t fd_out;

	model(r, &k, &in, &out);
	CHECK(res->ret == r->want, "%s on %s: got %s, want %s", r->what, name,
	      errname(res->ret), errname(r->want));
	if (res->ret != r->want)
		return;
	if (res->ret) {
		CHECK(res->nnew == 0, "%s on %s: failed but left %d fds open", r->what, name, res->nnew);
	} else {
		long long want_size = (long long)((k.len + page_size - 1) & ~(uint64_t)(page_size - 1));

		CHECK(res->nnew == 1, "%s on %s: %d new fds, want 1", r->what, name, res->nnew);
		CHECK(res->size == want_size, "%s on %s: buffer of %lld bytes, want %lld",
		      r->what, name, res->size, want_size);
		CHECK(!!(res->fdflags & FD_CLOEXEC) == !!(k.fd_flags & O_CLOEXEC),
		      "%s on %s: FD_CLOEXEC %d, fd_flags as read %#x", r->what, name,
		      !!(res->fdflags & FD_CLOEXEC), k.fd_flags);
		CHECK(res->accmode == (int)(k.fd_flags & O_ACCMODE),
		      "%s on %s: access mode %d, fd_flags as read %#x", r->what, name,
		      res->accmode, k.fd_flags);
		if (out >= FD_OFF + sizeof(fd_out) && res->after) {
			memcpy(&fd_out, res->after + FD_OFF, sizeof(fd_out));
			CHECK((int)fd_out == res->fd, "%s on %s: fd %u written back, new fd is %d",
			      r->what, name, fd_out, res->fd);
		}
	}
	/* Every byte but a written-back fd is as the caller left it. */
	if (res->after) {
		struct arg_mem m;

		if (!arg_setup(r, &m)) {
			for (i = 0; i < res->span; i++) {
				if (!res->ret && out >= FD_OFF + 4 && i >= FD_OFF && i < FD_OFF + 4)
					continue;
				if (res->ret && i >= FD_OFF && i < FD_OFF + 4)
					continue;	/* a partial write-back before -EFAULT */
				if (res->after[i] != m.arg[i]) {
					CHECK(0, "%s on %s: byte %u of the argument changed from %#x to %#x",
					      r->what, name, i, m.arg[i], res->after[i]);
					break;
				}
			}
		}
		arg_free(&m);
	}
}

static void test_heap_compat(int pfd)
{
	struct result h, p;
	size_t i;
	int hfd;

	hfd = open(HEAP_NODE, O_RDONLY | O_CLOEXEC);
	CHECK(hfd >= 0, "cannot open %s (CONFIG_DMABUF_HEAPS_SYSTEM): %s", HEAP_NODE,
	      strerror(errno));
	if (hfd < 0)
		return;
	printf("%-48s %-8s %-8s %-8s\n", "DMA_HEAP_IOCTL_ALLOC row", "want", "heap", "p2pbuf");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		run_row(hfd, r, &h);
		run_row(pfd, r, &p);
		printf("%-48s %-8s %-8s %-8s%s\n", r->what, errname(r->want), errname(h.ret),
		       errname(p.ret), h.ret == p.ret ? "" : "  DIFFERENT");
		check_result("dma-heap", r, &h);
		check_result("p2pbuf", r, &p);
		/* Whatever the model says, the two must agree. */
		CHECK(h.ret == p.ret, "%s: dma-heap %s, p2pbuf %s", r->what, errname(h.ret),
		      errname(p.ret));
		if (!h.ret && !p.ret)
			CHECK(h.nnew == p.nnew && h.size == p.size &&
			      (h.fdflags & FD_CLOEXEC) == (p.fdflags & FD_CLOEXEC) &&
			      h.accmode == p.accmode,
			      "%s: dma-heap: %d fds, %lld bytes, fdflags %d, mode %d; p2pbuf: %d fds, %lld bytes, fdflags %d, mode %d",
			      r->what, h.nnew, h.size, h.fdflags, h.accmode, p.nnew, p.size,
			      p.fdflags, p.accmode);
		if (h.after && p.after && h.span == p.span) {
			size_t j;

			for (j = 0; j < h.span; j++) {
				if (j >= FD_OFF && j < FD_OFF + 4)
					continue;
				if (h.after[j] != p.after[j]) {
					CHECK(0, "%s: byte %zu written back: dma-heap %#x, p2pbuf %#x",
					      r->what, j, h.after[j], p.after[j]);
					break;
				}
			}
		}
		free(h.after);
		free(p.after);
	}
	close(hfd);
}

/* Provider-only cases: the system heap would try to allocate these. */
static void test_alloc_limits(int pfd, uint64_t region)
{
	int fd = -1;

	CHECK(alloc(pfd, UINT64_MAX - 4095, O_RDWR, 0, &fd) == -ENOMEM, "page-aligned len of 2^64 - 4096");
	CHECK(alloc(pfd, region + 4096, O_RDWR, 0, &fd) == -ENOMEM, "len beyond the region");
	CHECK(alloc(pfd, 1ULL << 62, O_RDWR, 0, &fd) == -ENOMEM, "huge len");
}

/* ---- the bytes are in device memory ---- */

static int find_provider(int cfd, const char *node, struct p2pbuf_provider_info *pi)
{
	const char *name = strrchr(node, '/') ? strrchr(node, '/') + 1 : node;
	uint32_t i;

	for (i = 0; i < 1024; i++) {
		memset(pi, 0, sizeof(*pi));
		pi->index = i;
		if (ioctl(cfd, P2PBUF_CTL_PROVIDER_INFO, pi))
			break;
		if (!strcmp(pi->name, name))
			return 0;
	}
	CHECK(0, "no provider named %s in P2PBUF_CTL_PROVIDER_INFO", name);
	return -1;
}

/* Start and length of BAR @bar of @pci_dev, from sysfs. */
static int bar_range(const char *pci_dev, uint32_t bar, uint64_t *start, uint64_t *len)
{
	unsigned long long s, e, f;
	char path[PATH_MAX], line[256];
	uint32_t i;
	FILE *fp;
	int ok = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", pci_dev);
	fp = fopen(path, "re");
	if (!fp) {
		CHECK(0, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i <= bar && fgets(line, sizeof(line), fp); i++)
		if (i == bar && sscanf(line, "%llx %llx %llx", &s, &e, &f) == 3 && e > s)
			ok = 1;
	fclose(fp);
	CHECK(ok, "%s: no line for BAR %u", path, bar);
	if (!ok)
		return -1;
	*start = s;
	*len = e - s + 1;
	return 0;
}

/* RESOURCE_FILE, at one buffer's offset in the BAR. */
struct window {
	int fd;
	unsigned char *map;	/* sysfs resource file: a mapping */
	off_t off;		/* else: pread/pwrite at this offset */
	size_t len;
};

static int window_open(struct window *w, const char *file, const struct p2pbuf_provider_info *pi,
		       uint64_t bar_len, uint64_t off, size_t len)
{
	char want[PATH_MAX], copy[PATH_MAX], dir[PATH_MAX], dev[PATH_MAX], rn[32], rwc[32];
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	struct statfs sfs;
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->off = (off_t)off;
	w->len = len;
	w->fd = open(file, O_RDWR | O_SYNC | O_CLOEXEC);
	if (w->fd < 0 || fstatfs(w->fd, &sfs) || fstat(w->fd, &st)) {
		CHECK(0, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (sfs.f_type != SYSFS_MAGIC) {
		/* a file holding the BAR's bytes (the VM's ivshmem.bin) */
		CHECK((uint64_t)st.st_size == bar_len,
		      "%s: %lld bytes, the BAR has %llu: not this BAR's backing file",
		      file, (long long)st.st_size, (unsigned long long)bar_len);
		return (uint64_t)st.st_size == bar_len ? 0 : -1;
	}

	/* The provider's own BAR, not another device's. */
	snprintf(want, sizeof(want), "/sys/bus/pci/devices/%s", pi->pci_dev);
	snprintf(copy, sizeof(copy), "%s", file);
	snprintf(rn, sizeof(rn), "resource%u", pi->bar);
	snprintf(rwc, sizeof(rwc), "resource%u_wc", pi->bar);
	if (!realpath(dirname(copy), dir) || !realpath(want, dev) || strcmp(dir, dev) ||
	    (strcmp(base, rn) && strcmp(base, rwc))) {
		CHECK(0, "%s is not BAR %u of %s (the provider's): want %s/%s",
		      file, pi->bar, pi->pci_dev, want, rn);
		return -1;
	}
	w->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd, (off_t)off);
	if (w->map == MAP_FAILED) {
		int err = errno;

		w->map = NULL;
		CHECK(0, "mmap %s at %#llx: %s%s", file, (unsigned long long)off, strerror(err),
		      err == EINVAL ?
		      " (the kernel does not map a claimed BAR's resource file: CONFIG_IO_STRICT_DEVMEM; boot with iomem=relaxed, or pass the BAR's backing file)" :
		      "");
		return -1;
	}
	return 0;
}

static int window_read(struct window *w, unsigned char *dst)
{
	if (w->map) {
		size_t i;

		/* byte by byte: device memory, no string instructions */
		for (i = 0; i < w->len; i++)
			dst[i] = ((volatile unsigned char *)w->map)[i];
		return 0;
	}
	return pread(w->fd, dst, w->len, w->off) == (ssize_t)w->len ? 0 : -1;
}

static int window_write(struct window *w, const unsigned char *src)
{
	if (w->map) {
		size_t i;

		for (i = 0; i < w->len; i++)
			((volatile unsigned char *)w->map)[i] = src[i];
		__sync_synchronize();
		return 0;
	}
	return pwrite(w->fd, src, w->len, w->off) == (ssize_t)w->len ? 0 : -1;
}

static void window_close(struct window *w)
{
	if (w->map)
		munmap(w->map, w->len);
	if (w->fd >= 0)
		close(w->fd);
}

static void pattern(unsigned char *p, size_t len, uint32_t seed)
{
	uint32_t x = seed | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x >> 24);
	}
}

static void compare(const unsigned char *got, const unsigned char *want, size_t len,
		    const char *what)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < len; i++) {
		if (got[i] != want[i]) {
			if (!bad++)
				first = i;
		}
	}
	CHECK(!bad, "%s: %zu of %zu bytes differ, first at +%#zx: %#x, want %#x",
	      what, bad, len, first, got[first], want[first]);
}

/* Allocate @len bytes into *@fd and describe the buffer in *@bi. */
static int alloc_info(int cfd, int pfd, size_t len, int *fd, struct p2pbuf_buffer_info *bi,
		      const char *what)
{
	if (alloc(pfd, len, O_RDWR | O_CLOEXEC, 0, fd)) {
		CHECK(0, "%s: cannot allocate %zu bytes", what, len);
		return -1;
	}
	memset(bi, 0, sizeof(*bi));
	bi->fd = *fd;
	if (xioctl(cfd, P2PBUF_CTL_BUFFER_INFO, bi)) {
		CHECK(0, "%s: BUFFER_INFO: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

static int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

static void test_device_memory(int cfd, int pfd, const char *node, const char *resfile)
{
	const size_t len = 3 * 4096;
	struct p2pbuf_provider_info pi;
	struct p2pbuf_buffer_info bi = { 0 };
	unsigned char *want = NULL, *got = NULL;
	uint64_t bar_start, bar_len, off;
	struct window w = { .fd = -1 };
	int first = -1, fd = -1;
	unsigned char *p = MAP_FAILED;

	if (find_provider(cfd, node, &pi) || bar_range(pi.pci_dev, pi.bar, &bar_start, &bar_len))
		return;
	/* a first buffer, so that the one checked is not at offset 0 */
	CHECK(!alloc(pfd, 4096, O_RDWR | O_CLOEXEC, 0, &first), "first buffer");
	if (alloc_info(cfd, pfd, len, &fd, &bi, "device memory"))
		goto out;
	CHECK(bi.phys_addr >= bar_start && bi.phys_addr + len <= bar_start + bar_len,
	      "buffer at %#llx, not in BAR %u of %s (%#llx+%#llx)",
	      (unsigned long long)bi.phys_addr, pi.bar, pi.pci_dev,
	      (unsigned long long)bar_start, (unsigned long long)bar_len);
	if (bi.phys_addr < bar_start || bi.phys_addr + len > bar_start + bar_len)
		goto out;
	off = bi.phys_addr - bar_start;
	CHECK(bi.phys_addr == pi.phys_addr + bi.offset,
	      "BUFFER_INFO: phys %#llx != provider %#llx + offset %#llx",
	      (unsigned long long)bi.phys_addr, (unsigned long long)pi.phys_addr,
	      (unsigned long long)bi.offset);
	printf("device memory: %zu-byte buffer at BAR %u offset %#llx (phys %#llx), checked through %s\n",
	       len, pi.bar, (unsigned long long)off, (unsigned long long)bi.phys_addr, resfile);

	if (window_open(&w, resfile, &pi, bar_len, off, len))
		goto out;
	want = malloc(len);
	got = malloc(len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap of the buffer: %s", strerror(errno));
	if (!want || !got || p == MAP_FAILED)
		goto out;

	/* dma-buf mapping -> device memory */
	pattern(want, len, (uint32_t)getpid() * 2654435761u);
	CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), "sync start");
	memcpy(p, want, len);
	CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), "sync end");
	CHECK(!window_read(&w, got), "read %s: %s", resfile, strerror(errno));
	compare(got, want, len, "written through the dma-buf mmap, read from the BAR");

	/* device memory -> dma-buf mapping */
	pattern(want, len, (uint32_t)getpid() * 2246822519u);
	CHECK(!window_write(&w, want), "write %s: %s", resfile, strerror(errno));
	CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), "sync start");
	memcpy(got, p, len);
	CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), "sync end");
	compare(got, want, len, "written into the BAR, read through the dma-buf mmap");
out:
	if (p != MAP_FAILED)
		munmap(p, len);
	window_close(&w);
	free(want);
	free(got);
	if (fd >= 0)
		close(fd);
	if (first >= 0)
		close(first);
}

/*
 * A new buffer reads as zeros, as from every dma-heap: fill the BAR range
 * of a buffer with a pattern through RESOURCE_FILE (a path p2pbuf does not
 * use), free the buffer, allocate again (the allocator hands out the same
 * range first), and read the new buffer both through its mmap and in the
 * BAR: no byte of the previous user's data may show.
 */
static void test_zeroed(int cfd, int pfd, const char *node, const char *resfile)
{
	static const size_t sizes[] = { 4096, 3 * 4096, 1 << 20, 1843200 };
	struct p2pbuf_provider_info pi;
	uint64_t bar_start, bar_len;
	unsigned int i, round;
	int before = failures;

	if (find_provider(cfd, node, &pi) || bar_range(pi.pci_dev, pi.bar, &bar_start, &bar_len))
		return;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i], alen = (len + page_size - 1) & ~(size_t)(page_size - 1);
		uint64_t prev_off = UINT64_MAX;

		for (round = 0; round < 2; round++) {
			struct p2pbuf_buffer_info bi = { 0 };
			struct window w = { .fd = -1 };
			unsigned char *got = calloc(1, alen), *fill = malloc(alen), *p = MAP_FAILED;
			size_t k, nz = 0;
			int fd = -1;

			CHECK(got && fill, "zeroed: out of memory");
			if (!got || !fill || alloc_info(cfd, pfd, len, &fd, &bi, "zeroed"))
				goto next;
			if (window_open(&w, resfile, &pi, bar_len, bi.phys_addr - bar_start, alen))
				goto next;
			/* what the device memory holds, seen from outside */
			CHECK(!window_read(&w, got), "zeroed: read %s: %s", resfile, strerror(errno));
			for (k = 0; k < alen; k++)
				nz += got[k] != 0;
			CHECK(!nz, "zeroed: new %zu-byte buffer at BAR offset %#llx (round %u%s): %zu of %zu bytes in the BAR are not zero",
			      len, (unsigned long long)(bi.phys_addr - bar_start), round,
			      prev_off == bi.phys_addr - bar_start ? ", the range the previous buffer had" : "",
			      nz, alen);
			p = mmap(NULL, alen, PROT_READ, MAP_SHARED, fd, 0);
			CHECK(p != MAP_FAILED, "zeroed: mmap: %s", strerror(errno));
			if (p != MAP_FAILED) {
				CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), "sync start");
				for (k = 0, nz = 0; k < alen; k++)
					nz += p[k] != 0;
				CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), "sync end");
				CHECK(!nz, "zeroed: new %zu-byte buffer: %zu bytes of its mmap are not zero", len, nz);
				munmap(p, alen);
			}
			/* the previous user's data, for the next round to find */
			pattern(fill, alen, 0x5eed0000u + round);
			CHECK(!window_write(&w, fill), "zeroed: write %s: %s", resfile, strerror(errno));
			prev_off = bi.phys_addr - bar_start;
next:
			window_close(&w);
			free(got);
			free(fill);
			if (fd >= 0)
				close(fd);
		}
	}
	if (failures == before)
		printf("zeroed: new buffers of 4 sizes read as zeros in the BAR and through mmap, also where the previous buffer's data was\n");
}

static void test_mmap(int pfd)
{
	int fd = -1;
	void *p;

	if (alloc(pfd, 8192, O_RDWR | O_CLOEXEC, 0, &fd)) {
		CHECK(0, "allocation for the mmap checks failed");
		return;
	}
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "private mapping must fail with EINVAL");
	p = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mapping beyond the buffer must fail with EINVAL");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 2 * 4096);
	CHECK(p == MAP_FAILED && errno == EINVAL, "offset beyond the buffer must fail with EINVAL");
	close(fd);

	/* A read-only dma-buf (O_RDONLY) maps shared and read-only. */
	if (alloc(pfd, 8192, O_RDONLY | O_CLOEXEC, 0, &fd)) {
		CHECK(0, "O_RDONLY allocation failed");
		return;
	}
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "read-only shared mapping of an O_RDONLY dma-buf: %s",
	      p == MAP_FAILED ? strerror(errno) : "ok");
	if (p != MAP_FAILED) {
		CHECK(((volatile unsigned char *)p)[4096] == 0, "read-only mapping reads as zeros");
		munmap(p, 8192);
	}
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EACCES,
	      "writable mapping of an O_RDONLY dma-buf must fail with EACCES");
	close(fd);
}

/* ---- the ctl node: the stricter copy_struct_from_user() rule ---- */

/*
 * Providers by name (stable across hotplug, where indexes move), and the
 * route query's v1 size (56 bytes, before it grew the provider name).
 */
static void test_ctl_names(int cfd)
{
	struct p2pbuf_provider_info pi = { 0 }, byname = { 0 };
	struct p2pbuf_route_query rq = { 0 }, rn = { 0 };

	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &pi, 0, "provider 0");
	strcpy(byname.name, pi.name);
	byname.index = 77;
	byname.flags = P2PBUF_PROVIDER_BY_NAME;
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &byname, 0, "provider by name");
	CHECK(byname.index == 0 && !strcmp(byname.name, pi.name) && byname.size == pi.size &&
	      byname.phys_addr == pi.phys_addr,
	      "provider by name '%s': index %u size %llu, want index 0 size %llu",
	      pi.name, byname.index, (unsigned long long)byname.size, (unsigned long long)pi.size);
	memset(&byname, 0, sizeof(byname));
	strcpy(byname.name, "no-such-provider");
	byname.flags = P2PBUF_PROVIDER_BY_NAME;
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &byname, -ENOENT, "provider by unknown name");
	memset(byname.name, 'x', sizeof(byname.name));
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &byname, -EINVAL, "provider name not NUL terminated");
	byname.flags = P2PBUF_PROVIDER_BY_NAME | 1;
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &byname, -EINVAL, "provider info unknown flag");

	strcpy(rq.client, "0000:00:00.0");
	expect(cfd, P2PBUF_CTL_ROUTE, &rq, 0, "route to provider 0");
	strcpy(rn.client, "0000:00:00.0");
	strcpy(rn.provider, pi.name);
	rn.index = 55;
	rn.flags = P2PBUF_ROUTE_BY_NAME;
	expect(cfd, P2PBUF_CTL_ROUTE, &rn, 0, "route by provider name");
	CHECK(rn.route == rq.route && rn.error == rq.error && rn.index == 0,
	      "route by name: route %u error %d index %u, by index: route %u error %d",
	      rn.route, rn.error, rn.index, rq.route, rq.error);
	strcpy(rn.provider, "no-such-provider");
	expect(cfd, P2PBUF_CTL_ROUTE, &rn, -ENOENT, "route by unknown provider name");
	/* a v1 caller: 56 bytes, zero-extended, 56 bytes written back */
	memset(&rn, 0xa5, sizeof(rn));
	memset(&rn, 0, P2PBUF_ROUTE_QUERY_SIZE_V1);
	strcpy(rn.client, "0000:00:00.0");
	expect(cfd, IOWR_SIZE(P2PBUF_CTL_MAGIC, 3, P2PBUF_ROUTE_QUERY_SIZE_V1), &rn, 0,
	       "route query, v1 size");
	CHECK(rn.route == rq.route && (unsigned char)rn.provider[0] == 0xa5,
	      "route query v1: route %u (want %u), bytes past 56 %s",
	      rn.route, rq.route, (unsigned char)rn.provider[0] == 0xa5 ? "untouched" : "written");
	expect(cfd, IOWR_SIZE(P2PBUF_CTL_MAGIC, 3, P2PBUF_ROUTE_QUERY_SIZE_V1 - 4), &rn, -EINVAL,
	       "route query shorter than v1");
}

/*
 * Without CAP_SYS_ADMIN (run under setpriv --bounding-set=-sys_admin):
 * listing works, physical/bus/DMA addresses read as 0 with the HIDDEN
 * flag, rescans are refused.
 */
static void test_unprivileged(int cfd, int pfd)
{
	struct p2pbuf_provider_info pi = { 0 };
	struct p2pbuf_buffer_info bi = { 0 };
	int fd = -1;

	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &pi, 0, "provider 0, unprivileged");
	CHECK(pi.size > 0 && pi.name[0], "provider 0 has no size or name");
	CHECK((pi.flags & P2PBUF_PROVIDER_ADDRS_HIDDEN) && !pi.phys_addr && !pi.bus_addr,
	      "unprivileged provider info: flags %#x phys %#llx bus %#llx, want hidden",
	      pi.flags, (unsigned long long)pi.phys_addr, (unsigned long long)pi.bus_addr);
	expect(cfd, P2PBUF_CTL_RESCAN, NULL, -EPERM, "rescan without CAP_SYS_ADMIN");
	if (alloc(pfd, 4096, O_RDWR | O_CLOEXEC, 0, &fd)) {
		CHECK(0, "allocation failed");
		return;
	}
	bi.fd = fd;
	expect(cfd, P2PBUF_CTL_BUFFER_INFO, &bi, 0, "buffer info, unprivileged");
	CHECK((bi.flags & P2PBUF_BUFFER_ADDRS_HIDDEN) && !bi.phys_addr && !bi.bus_addr &&
	      bi.size == 4096,
	      "unprivileged buffer info: flags %#x phys %#llx bus %#llx size %llu, want hidden",
	      bi.flags, (unsigned long long)bi.phys_addr, (unsigned long long)bi.bus_addr,
	      (unsigned long long)bi.size);
	close(fd);
	if (!failures)
		printf("unprivileged: providers and buffers listed, addresses hidden, rescan refused\n");
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
	CHECK(big[sizeof(big) - 1] == 1, "the ctl node wrote past its struct");
	expect(cfd, IOWR_SIZE(P2PBUF_CTL_MAGIC, 1, 8), big, -EINVAL, "truncated provider_info");
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, (void *)8, -EFAULT, "provider_info bad pointer");
	expect(cfd, _IOWR(P2PBUF_CTL_MAGIC, 0x7f, struct p2pbuf_provider_info), &pi, -ENOTTY, "unknown ctl nr");
	expect(cfd, _IOR(P2PBUF_CTL_MAGIC, 1, struct p2pbuf_provider_info), &pi, -ENOTTY, "ctl wrong direction");
	expect(cfd, _IOW(P2PBUF_CTL_MAGIC, 4, int), &pi, -ENOTTY, "rescan with a size");
	expect(cfd, DMA_HEAP_IOCTL_ALLOC, &pi, -ENOTTY, "alloc on ctl node");
	expect(cfd, P2PBUF_CTL_RESCAN, NULL, 0, "rescan");
	memset(&pi, 0, sizeof(pi));
	expect(cfd, P2PBUF_CTL_PROVIDER_INFO, &pi, 0, "provider 0");
	CHECK(!(pi.flags & P2PBUF_PROVIDER_ADDRS_HIDDEN) && pi.phys_addr && pi.bus_addr,
	      "privileged provider info: flags %#x phys %#llx, want addresses", pi.flags,
	      (unsigned long long)pi.phys_addr);

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
		CHECK(!(bi.flags & P2PBUF_BUFFER_ADDRS_HIDDEN) && bi.phys_addr,
		      "privileged buffer info: flags %#x phys %#llx, want the address",
		      bi.flags, (unsigned long long)bi.phys_addr);
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
	} else {
		CHECK(0, "allocation for the buffer info checks failed");
	}

	test_ctl_names(cfd);

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
	struct p2pbuf_provider_info pi;
	int cfd, pfd;

	if (argc != 3 && !(argc == 4 && (!strcmp(argv[3], "--zeroed") ||
					 !strcmp(argv[3], "--unprivileged")))) {
		fprintf(stderr, "usage: %s /dev/p2pbuf/PROVIDER RESOURCE_FILE [--zeroed|--unprivileged]\n"
			"  RESOURCE_FILE: /sys/bus/pci/devices/BDF/resourceN of the provider's BAR,\n"
			"  or a file holding the BAR's bytes (the VM's ivshmem.bin)\n"
			"  --zeroed: only check that new buffers read as zeros\n"
			"  --unprivileged: only check what a caller without CAP_SYS_ADMIN sees\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	cfd = open("/dev/p2pbuf/ctl", O_RDONLY | O_CLOEXEC);
	pfd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (cfd < 0 || pfd < 0) {
		fprintf(stderr, "cannot open /dev/p2pbuf/ctl or %s: %s (load p2pbuf and bind a device first)\n",
			argv[1], strerror(errno));
		return 1;
	}
	if (find_provider(cfd, argv[1], &pi))
		return 1;
	if (argc == 4) {
		if (!strcmp(argv[3], "--zeroed"))
			test_zeroed(cfd, pfd, argv[1], argv[2]);
		else
			test_unprivileged(cfd, pfd);
		goto out;
	}
	test_heap_compat(pfd);
	test_alloc_limits(pfd, pi.size);
	test_mmap(pfd);
	test_device_memory(cfd, pfd, argv[1], argv[2]);
	test_ctl(cfd, pfd);
out:
	close(pfd);
	close(cfd);
	if (failures)
		fprintf(stderr, "vm-ioctl-abi: %d checks failed\n", failures);
	else
		printf("vm-ioctl-abi: all checks passed\n");
	return failures ? 1 : 0;
}
