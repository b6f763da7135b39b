// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Storage I/O: O_DIRECT between files / block devices and buffers, through
 * io_uring with several requests in flight; and buffer-to-buffer copies.
 *
 * Device memory goes to storage by O_DIRECT only where the p2pbuf module
 * says the storage controller can reach it (a checked P2P route); anything
 * else fails with -EREMOTEIO and a reason unless the caller asked for the
 * bounce path. The library never falls back to a copy on its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#if __has_include(<liburing.h>)
#include <liburing.h>
#define HAVE_LIBURING 1
#endif

#include "io-private.h"

#define IO_VALID_FLAGS	(P2PBUF_IO_READ | P2PBUF_IO_WRITE | P2PBUF_IO_CREATE | \
			 P2PBUF_IO_TRUNCATE | P2PBUF_IO_BOUNCE |		\
			 P2PBUF_IO_BOUNCE_FALLBACK | P2PBUF_IO_ALLOW_UNCHECKED | \
			 P2PBUF_IO_SYNC | P2PBUF_IO_PAD)
#define IO_MAX_PCI	4
#define IO_RETRIES	4	/* resubmissions of an EAGAIN/EINTR request */

struct io_slot {
	bool busy;
	uint64_t chunk;		/* index of the chunk */
	uint64_t pos;		/* bytes of the chunk done (a short completion) */
	uint64_t len;		/* bytes of the chunk */
	unsigned int again;	/* EAGAIN/EINTR resubmissions */
	bool retried;		/* a short completion was resubmitted once */
};

struct p2pbuf_io {
	int fd;
	uint32_t flags;
	bool direct;
	bool blockdev;
	uint32_t align;
	uint32_t mem_align;
	uint64_t size;
	char path[PATH_MAX];
	char pci[IO_MAX_PCI][P2PBUF_PCI_ADDR_LEN];
	unsigned int npci;
#ifdef HAVE_LIBURING
	struct io_uring ring;
#endif
	bool uring;
	/* pread/pwrite mode: slots submitted, executed at reap, in order */
	unsigned int pending[P2PBUF_IO_DEPTH];
	unsigned int npending;

	struct io_slot slot[P2PBUF_IO_DEPTH];
	void *bounce[P2PBUF_IO_DEPTH];	/* P2PBUF_IO_CHUNK each, lazily */

	/* last route decision, per provider */
	char route_provider[P2PBUF_NAME_LEN];
	int route_path;			/* path or -errno */
	char route_why[640];

	struct p2pbuf_io_stats stats;
	char error[768];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int __attribute__((format(printf, 3, 4)))
fail(struct p2pbuf_io *io, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(io->error, sizeof(io->error), fmt, ap);
	va_end(ap);
	return err;
}

static int __attribute__((format(printf, 4, 5)))
why_fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---- pure decisions ---- */

int p2pbuf__io_check(uint32_t align, uint64_t buf_size, uint64_t buf_off,
		     uint64_t len, uint64_t file_off, uint64_t limit, bool write,
		     bool pad, struct p2pbuf__io_span *span, char *why, size_t whylen)
{
	uint64_t end, fend;

	if (align == 0)
		align = 1;
	if (len == 0)
		return why_fail(why, whylen, -EINVAL, "length 0");
	if (__builtin_add_overflow(buf_off, len, &end) || end > buf_size)
		return why_fail(why, whylen, -EINVAL,
				"range %llu+%llu is outside the %llu-byte buffer",
				(unsigned long long)buf_off, (unsigned long long)len,
				(unsigned long long)buf_size);
	if (buf_off % align)
		return why_fail(why, whylen, -EINVAL,
				"buffer offset %llu is not a multiple of the direct I/O alignment %u",
				(unsigned long long)buf_off, align);
	if (file_off % align)
		return why_fail(why, whylen, -EINVAL,
				"file offset %llu is not a multiple of the direct I/O alignment %u",
				(unsigned long long)file_off, align);
	if (len % align && !pad)
		return why_fail(why, whylen, -EINVAL,
				"length %llu is not a multiple of the direct I/O alignment %u (pad the last block only if asked: P2PBUF_IO_PAD)",
				(unsigned long long)len, align);
	if (__builtin_add_overflow(file_off, p2pbuf__round_up(len, align), &fend))
		return why_fail(why, whylen, -EINVAL, "file offset overflows");
	if (limit) {
		if (write && fend > limit)
			return why_fail(why, whylen, -ENOSPC,
					"bytes %llu..%llu are past the end of the %llu-byte device",
					(unsigned long long)file_off, (unsigned long long)fend,
					(unsigned long long)limit);
		if (!write && file_off + len > limit)
			return why_fail(why, whylen, -EINVAL,
					"bytes %llu..%llu are past the end of the %llu-byte target",
					(unsigned long long)file_off,
					(unsigned long long)(file_off + len),
					(unsigned long long)limit);
	}
	span->body = len / align * align;
	span->tail = len - span->body;
	return 0;
}

int p2pbuf__io_choose_path(uint32_t flags, bool device_mem, int route,
			   char *why, size_t whylen)
{
	const char *reason;

	if (why && whylen)
		why[0] = '\0';
	if (flags & P2PBUF_IO_BOUNCE)
		return P2PBUF_IO_PATH_BOUNCE;
	if (!device_mem)
		return P2PBUF_IO_PATH_HOST;
	switch (route) {
	case P2PBUF_ROUTE_P2P:
	case P2PBUF_ROUTE_HOST_BRIDGE:
		return P2PBUF_IO_PATH_P2P;
	case P2PBUF_ROUTE_HOST_UNCHECKED:
		if (flags & P2PBUF_IO_ALLOW_UNCHECKED)
			return P2PBUF_IO_PATH_P2P;
		reason = "kernel cannot verify a peer-to-peer route (no CONFIG_PCI_P2PDMA): use bounce mode";
		break;
	case P2PBUF_ROUTE_REFUSED:
		reason = "route refused by the PCI topology: use bounce mode";
		break;
	case P2PBUF__ROUTE_NO_PCI:
		reason = "the target is not behind a PCI device (tmpfs, network, virtual or stacked block device): no peer-to-peer DMA; use bounce mode";
		break;
	case P2PBUF__ROUTE_UNKNOWN:
		reason = "the p2pbuf module cannot tell the route to the target: use bounce mode";
		break;
	default:
		reason = "unknown route: use bounce mode";
		break;
	}
	if (flags & P2PBUF_IO_BOUNCE_FALLBACK)
		return P2PBUF_IO_PATH_BOUNCE;
	return why_fail(why, whylen, -EREMOTEIO, "%s", reason);
}

static bool is_bdf(const char *s, size_t n)
{
	/* dddd:bb:dd.f */
	static const char pat[] = "xxxx:xx:xx.x";
	size_t i;

	if (n != sizeof(pat) - 1)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (pat[i] == 'x') {
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				return false;
		} else if (c != pat[i]) {
			return false;
		}
	}
	return true;
}

int p2pbuf__io_pci_of_path(const char *syspath, char *out, size_t outlen)
{
	const char *end = syspath + strlen(syspath), *p = end, *found = NULL;

	/* Walk the components from the end: the nearest PCI device wins. */
	while (p > syspath) {
		const char *q = p;

		while (q > syspath && q[-1] != '/')
			q--;
		if (is_bdf(q, (size_t)(p - q))) {
			found = q;
			break;
		}
		p = q > syspath ? q - 1 : q;
	}
	if (!found || outlen < 13)
		return -ENOENT;
	memcpy(out, found, 12);
	out[12] = '\0';
	return 0;
}

/* ---- opening ---- */

static void add_pci_of(struct p2pbuf_io *io, const char *syspath)
{
	char real[PATH_MAX], bdf[P2PBUF_PCI_ADDR_LEN];
	unsigned int i;

	if (!realpath(syspath, real) || p2pbuf__io_pci_of_path(real, bdf, sizeof(bdf)))
		return;
	for (i = 0; i < io->npci; i++)
		if (!strcmp(io->pci[i], bdf))
			return;
	if (io->npci < IO_MAX_PCI)
		snprintf(io->pci[io->npci++], sizeof(io->pci[0]), "%s", bdf);
}

/* The PCI device(s) behind the block device @dev (of the target or its fs). */
static void find_pci(struct p2pbuf_io *io, dev_t dev)
{
	char sys[PATH_MAX], path[PATH_MAX + 300];
	struct stat st;
	DIR *d;
	struct dirent *e;

	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	snprintf(path, sizeof(path), "%s/partition", sys);
	if (stat(path, &st) == 0)
		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/..", major(dev), minor(dev));
	add_pci_of(io, sys);
	if (io->npci)
		return;
	/* NVMe native multipath: the namespace head is virtual, its paths
	 * (nvmeXcYnZ) sit under the controllers. Every path must be reachable. */
	snprintf(path, sizeof(path), "%s/multipath", sys);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[PATH_MAX + 600];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		add_pci_of(io, p);
	}
	closedir(d);
}

static void find_alignment(struct p2pbuf_io *io, const struct stat *st)
{
	struct statx sx;
	int lbs = 0;

	io->align = io->mem_align = 0;
	memset(&sx, 0, sizeof(sx));
	if (statx(io->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
	    (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align) {
		io->align = sx.stx_dio_offset_align;
		io->mem_align = sx.stx_dio_mem_align;
	}
	if (!io->align && S_ISBLK(st->st_mode) && ioctl(io->fd, BLKSSZGET, &lbs) == 0 && lbs > 0)
		io->align = io->mem_align = (uint32_t)lbs;
	if (!io->align)
		io->align = io->mem_align = 4096;
	if (!io->mem_align)
		io->mem_align = io->align;
}

int p2pbuf_io_open(const char *path, uint32_t flags, struct p2pbuf_io **out)
{
	struct p2pbuf_io *io;
	struct stat st;
	int oflags = O_CLOEXEC, ret;

	if (!path || !out || (flags & ~IO_VALID_FLAGS) ||
	    !(flags & (P2PBUF_IO_READ | P2PBUF_IO_WRITE)) ||
	    ((flags & P2PBUF_IO_BOUNCE) && (flags & P2PBUF_IO_BOUNCE_FALLBACK)))
		return -EINVAL;
	*out = NULL;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->fd = -1;
	io->flags = flags;
	snprintf(io->path, sizeof(io->path), "%s", path);

	if ((flags & P2PBUF_IO_READ) && (flags & P2PBUF_IO_WRITE))
		oflags |= O_RDWR;
	else
		oflags |= (flags & P2PBUF_IO_WRITE) ? O_WRONLY : O_RDONLY;
	if (flags & P2PBUF_IO_CREATE)
		oflags |= O_CREAT;
	if (flags & P2PBUF_IO_TRUNCATE)
		oflags |= O_TRUNC;
	io->fd = open(path, oflags | O_DIRECT, 0644);
	io->direct = io->fd >= 0;
	if (io->fd < 0 && errno == EINVAL &&
	    (flags & (P2PBUF_IO_BOUNCE | P2PBUF_IO_BOUNCE_FALLBACK)))
		io->fd = open(path, oflags, 0644);	/* no O_DIRECT here: buffered */
	if (io->fd < 0) {
		ret = -errno;
		free(io);
		return ret;
	}
	if (fstat(io->fd, &st) < 0) {
		ret = -errno;
		goto err;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto err;
	}
	io->blockdev = S_ISBLK(st.st_mode);
	if (io->blockdev) {
		uint64_t sz = 0;

		if (ioctl(io->fd, BLKGETSIZE64, &sz) == 0)
			io->size = sz;
		find_pci(io, st.st_rdev);
	} else {
		io->size = (uint64_t)st.st_size;
		find_pci(io, st.st_dev);
	}
	if (io->direct) {
		find_alignment(io, &st);
	} else {
		io->align = io->mem_align = 1;
	}
	/* Bounce chunks are whole blocks: a chunk must be a multiple. */
	if (io->align > P2PBUF_IO_CHUNK || P2PBUF_IO_CHUNK % io->align ||
	    io->mem_align > 4096 * 16) {
		ret = -EINVAL;
		goto err;
	}
#ifdef HAVE_LIBURING
	io->uring = io_uring_queue_init(P2PBUF_IO_DEPTH, &io->ring, 0) == 0;
#endif
	io->stats.align = io->align;
	io->stats.mem_align = io->mem_align;
	io->stats.direct = io->direct;
	io->stats.uring = io->uring;
	io->stats.size = io->size;
	if (io->npci)
		snprintf(io->stats.pci_dev, sizeof(io->stats.pci_dev), "%s", io->pci[0]);
	*out = io;
	return 0;
err:
	close(io->fd);
	free(io);
	return ret;
}

int p2pbuf_io_fd(const struct p2pbuf_io *io)
{
	return io->fd;
}

const char *p2pbuf_io_error(const struct p2pbuf_io *io)
{
	return io ? io->error : "";
}

int p2pbuf_io_stats(const struct p2pbuf_io *io, struct p2pbuf_io_stats *stats)
{
	if (!io || !stats)
		return -EINVAL;
	*stats = io->stats;
	return 0;
}

const char *p2pbuf_io_path_name(uint32_t path)
{
	switch (path) {
	case P2PBUF_IO_PATH_NONE:	return "none";
	case P2PBUF_IO_PATH_P2P:	return "p2p";
	case P2PBUF_IO_PATH_BOUNCE:	return "bounce";
	case P2PBUF_IO_PATH_HOST:	return "host";
	default:			return "unknown";
	}
}

/* ---- submission: io_uring, or pread/pwrite executed at reap ---- */

struct xfer {
	bool write;
	int path;		/* enum p2pbuf_io_path */
	char *mem;		/* the buffer's mapping at the start of the range */
	uint64_t len;		/* bytes of the range (whole blocks) */
	uint64_t file_off;
	uint64_t nchunks;
	uint64_t next;		/* next chunk to submit */
	unsigned char *done;	/* per chunk: complete */
	uint64_t prefix;	/* chunks complete from the start */
	unsigned int inflight;
	unsigned int requests;
	int err;
};

static uint64_t chunk_len(const struct xfer *x, uint64_t c)
{
	uint64_t off = c * P2PBUF_IO_CHUNK;

	return x->len - off < P2PBUF_IO_CHUNK ? x->len - off : P2PBUF_IO_CHUNK;
}

/* Memory the request of slot @s moves from/to. */
static char *slot_mem(struct p2pbuf_io *io, struct xfer *x, unsigned int s)
{
	struct io_slot *sl = &io->slot[s];

	if (x->path == P2PBUF_IO_PATH_BOUNCE)
		return (char *)io->bounce[s] + sl->pos;
	return x->mem + sl->chunk * P2PBUF_IO_CHUNK + sl->pos;
}

static int submit_slot(struct p2pbuf_io *io, struct xfer *x, unsigned int s)
{
	struct io_slot *sl = &io->slot[s];
	uint64_t off = x->file_off + sl->chunk * P2PBUF_IO_CHUNK + sl->pos;
	unsigned int n = (unsigned int)(sl->len - sl->pos);
	char *mem = slot_mem(io, x, s);

	x->requests++;
#ifdef HAVE_LIBURING
	if (io->uring) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);

		if (!sqe) {
			io_uring_submit(&io->ring);
			sqe = io_uring_get_sqe(&io->ring);
			if (!sqe)
				return -EBUSY;
		}
		if (x->write)
			io_uring_prep_write(sqe, io->fd, mem, n, off);
		else
			io_uring_prep_read(sqe, io->fd, mem, n, off);
		io_uring_sqe_set_data64(sqe, s);
		return 0;
	}
#endif
	(void)off;
	(void)n;
	(void)mem;
	io->pending[io->npending++] = s;
	return 0;
}

/* Wait for one completion: slot in *@s, result (bytes or -errno) in *@res. */
static int reap(struct p2pbuf_io *io, struct xfer *x, unsigned int *s, int *res)
{
#ifdef HAVE_LIBURING
	if (io->uring) {
		struct io_uring_cqe *cqe;
		int ret;

		/* The requests are in flight: a signal must not abandon them. */
		do {
			ret = io_uring_submit_and_wait(&io->ring, 1);
		} while (ret == -EINTR);
		if (ret < 0)
			return ret;
		do {
			ret = io_uring_wait_cqe(&io->ring, &cqe);
		} while (ret == -EINTR);
		if (ret < 0)
			return ret;
		*s = (unsigned int)io_uring_cqe_get_data64(cqe);
		*res = cqe->res;
		io_uring_cqe_seen(&io->ring, cqe);
		return 0;
	}
#endif
	{
		unsigned int i = io->pending[0];
		struct io_slot *sl = &io->slot[i];
		uint64_t off = x->file_off + sl->chunk * P2PBUF_IO_CHUNK + sl->pos;
		size_t n = (size_t)(sl->len - sl->pos);
		char *mem = slot_mem(io, x, i);
		ssize_t r;

		memmove(io->pending, io->pending + 1, --io->npending * sizeof(io->pending[0]));
		r = x->write ? pwrite(io->fd, mem, n, (off_t)off) : pread(io->fd, mem, n, (off_t)off);
		*s = i;
		*res = r < 0 ? -errno : (int)r;
		return 0;
	}
}

static int bounce_alloc(struct p2pbuf_io *io)
{
	unsigned int i;

	for (i = 0; i < P2PBUF_IO_DEPTH; i++) {
		if (io->bounce[i])
			continue;
		if (posix_memalign(&io->bounce[i], io->mem_align > 4096 ? io->mem_align : 4096,
				   P2PBUF_IO_CHUNK))
			return -ENOMEM;
	}
	return 0;
}

/* Start chunk x->next in free slot @s. */
static int start_chunk(struct p2pbuf_io *io, struct xfer *x, unsigned int s)
{
	struct io_slot *sl = &io->slot[s];

	memset(sl, 0, sizeof(*sl));
	sl->busy = true;
	sl->chunk = x->next++;
	sl->len = chunk_len(x, sl->chunk);
	if (x->write && x->path == P2PBUF_IO_PATH_BOUNCE)
		memcpy(io->bounce[s], x->mem + sl->chunk * P2PBUF_IO_CHUNK, sl->len);
	x->inflight++;
	return submit_slot(io, x, s);
}

static void __attribute__((format(printf, 4, 5)))
xfer_fail(struct p2pbuf_io *io, struct xfer *x, int err, const char *fmt, ...)
{
	va_list ap;

	if (x->err)
		return;		/* the first error is the one to report */
	x->err = err;
	va_start(ap, fmt);
	vsnprintf(io->error, sizeof(io->error), fmt, ap);
	va_end(ap);
}

static void complete(struct p2pbuf_io *io, struct xfer *x, unsigned int s, int res)
{
	struct io_slot *sl = &io->slot[s];
	const char *what = x->write ? "write" : "read";
	uint64_t off = x->file_off + sl->chunk * P2PBUF_IO_CHUNK + sl->pos;
	int ret;

	if ((res == -EAGAIN || res == -EINTR) && sl->again < IO_RETRIES && !x->err) {
		sl->again++;
		ret = submit_slot(io, x, s);
		if (!ret)
			return;
		res = ret;
	}
	if (res < 0) {
		xfer_fail(io, x, res, "%s of %llu bytes at offset %llu of %s failed: %s", what,
			  (unsigned long long)(sl->len - sl->pos), (unsigned long long)off,
			  io->path, strerror(-res));
		goto done;
	}
	if ((uint64_t)res < sl->len - sl->pos) {
		/* A short transfer: one retry of the rest, if it can be aligned. */
		uint64_t got = (uint64_t)res;

		if (res > 0 && !sl->retried && !x->err && (sl->pos + got) % io->align == 0) {
			sl->pos += got;
			sl->retried = true;
			ret = submit_slot(io, x, s);
			if (!ret)
				return;
		}
		xfer_fail(io, x, -EIO, "short %s at offset %llu of %s: %llu of %llu bytes%s", what,
			  (unsigned long long)off, io->path, (unsigned long long)got,
			  (unsigned long long)(sl->len - sl->pos),
			  x->write ? " (device or file system full?)" : " (end of file?)");
		goto done;
	}
	if (!x->write && x->path == P2PBUF_IO_PATH_BOUNCE)
		memcpy(x->mem + sl->chunk * P2PBUF_IO_CHUNK, io->bounce[s], sl->len);
	x->done[sl->chunk] = 1;
	while (x->prefix < x->nchunks && x->done[x->prefix])
		x->prefix++;
done:
	sl->busy = false;
	x->inflight--;
}

/* Move x->len bytes (whole blocks) with up to P2PBUF_IO_DEPTH requests. */
static int run_xfer(struct p2pbuf_io *io, struct xfer *x)
{
	unsigned int s, depth = io->uring ? P2PBUF_IO_DEPTH : 1;
	int res, ret;

	x->nchunks = (x->len + P2PBUF_IO_CHUNK - 1) / P2PBUF_IO_CHUNK;
	x->done = calloc(x->nchunks ? x->nchunks : 1, 1);
	if (!x->done)
		return fail(io, -ENOMEM, "out of memory");
	for (;;) {
		for (s = 0; s < depth && !x->err && x->next < x->nchunks; s++) {
			if (io->slot[s].busy)
				continue;
			ret = start_chunk(io, x, s);
			if (ret) {
				io->slot[s].busy = false;
				x->inflight--;
				xfer_fail(io, x, ret, "cannot submit I/O to %s: %s", io->path,
					  strerror(-ret));
			}
		}
		if (!x->inflight)
			break;
		ret = reap(io, x, &s, &res);
		if (ret) {
			/* The ring itself failed: requests may still be in flight
			 * and their memory in use; nothing safe is left to do. */
			xfer_fail(io, x, ret, "waiting for I/O on %s failed: %s", io->path,
				  strerror(-ret));
			break;
		}
		if (s >= depth || !io->slot[s].busy) {
			xfer_fail(io, x, -EIO, "stray completion on %s", io->path);
			continue;
		}
		complete(io, x, s, res);
	}
	free(x->done);
	return x->err;
}

/* ---- the route ---- */

struct bufinfo {
	bool device_mem;
	bool revoked;
	char provider[P2PBUF_NAME_LEN];
};

static void buffer_kind(struct p2pbuf_buffer *buf, struct bufinfo *bi)
{
	struct p2pbuf_buffer_desc d;

	memset(bi, 0, sizeof(*bi));
	/* Not ours (heap, udmabuf, memfd, a GPU's) or no module: not device
	 * memory as far as the library can tell. */
	if (p2pbuf_buffer_info(buf, &d, NULL, 0))
		return;
	bi->device_mem = true;
	bi->revoked = d.flags & P2PBUF_BUFFER_REVOKED;
	snprintf(bi->provider, sizeof(bi->provider), "%s", d.provider);
}

/* Worst route from @provider to every PCI device behind the target. */
static int target_route(struct p2pbuf_io *io, const char *provider)
{
	static const int rank[] = {
		[P2PBUF_ROUTE_P2P] = 0, [P2PBUF_ROUTE_HOST_BRIDGE] = 1,
		[P2PBUF_ROUTE_HOST_UNCHECKED] = 2, [P2PBUF_ROUTE_REFUSED] = 3,
	};
	struct p2pbuf_route_result r;
	int worst = -100;
	unsigned int i;

	if (!io->npci)
		return P2PBUF__ROUTE_NO_PCI;
	for (i = 0; i < io->npci; i++) {
		if (p2pbuf_route_query_name(provider, io->pci[i], &r) ||
		    r.route < P2PBUF_ROUTE_P2P || r.route > P2PBUF_ROUTE_REFUSED)
			return P2PBUF__ROUTE_UNKNOWN;
		if (worst < 0 || rank[r.route] > rank[worst])
			worst = (int)r.route;
	}
	return worst;
}

static int choose(struct p2pbuf_io *io, const struct bufinfo *bi)
{
	char why[256];
	int route, path;

	if (!bi->device_mem || (io->flags & P2PBUF_IO_BOUNCE))
		return p2pbuf__io_choose_path(io->flags, bi->device_mem, 0, NULL, 0);
	if (!strcmp(io->route_provider, bi->provider))
		goto cached;
	route = target_route(io, bi->provider);
	path = p2pbuf__io_choose_path(io->flags, true, route, why, sizeof(why));
	snprintf(io->route_provider, sizeof(io->route_provider), "%s", bi->provider);
	io->route_path = path;
	snprintf(io->route_why, sizeof(io->route_why), "%s -> %s (%.200s): %.256s", bi->provider,
		 io->npci ? io->pci[0] : "no PCI device", io->path, why);
cached:
	if (io->route_path < 0)
		return fail(io, io->route_path, "%s", io->route_why);
	return io->route_path;
}

/* ---- read / write ---- */

/* A removed disk keeps its node open with size 0 (errors read ENOSPC/EIO). */
static bool block_gone(struct p2pbuf_io *io)
{
	uint64_t sz = 0;

	return io->size && ioctl(io->fd, BLKGETSIZE64, &sz) == 0 && sz == 0;
}

/* CPU access to @buf for the call: the caller's mapping, or one of ours. */
static int hold(struct p2pbuf_buffer *buf, unsigned int flags, char **addr, bool *ours)
{
	void *a;
	int ret;

	if (buf->map_flags) {
		*addr = buf->map;
		*ours = false;
		return 0;
	}
	ret = p2pbuf_buffer_map(buf, flags, &a);
	if (ret)
		return ret;
	*addr = a;
	*ours = true;
	return 0;
}

/* The last partial block of a padded request, through one bounce block. */
static int do_tail(struct p2pbuf_io *io, bool write, char *mem, uint64_t tail,
		   uint64_t file_off, struct p2pbuf_io_result *res)
{
	char *blk;
	ssize_t n;
	int ret;

	ret = bounce_alloc(io);
	if (ret)
		return fail(io, ret, "out of memory for the bounce buffer");
	blk = io->bounce[0];
	res->requests++;
	if (write) {
		memcpy(blk, mem, tail);
		memset(blk + tail, 0, io->align - tail);
		do {
			n = pwrite(io->fd, blk, io->align, (off_t)file_off);
		} while (n < 0 && errno == EINTR);
	} else {
		do {
			n = pread(io->fd, blk, io->align, (off_t)file_off);
		} while (n < 0 && errno == EINTR);
	}
	if (n < 0)
		return fail(io, -errno, "%s of the last block at offset %llu of %s failed: %s",
			    write ? "write" : "read", (unsigned long long)file_off, io->path,
			    strerror(errno));
	if ((uint64_t)n < (write ? io->align : tail))
		return fail(io, -EIO, "short %s of the last block at offset %llu of %s: %zd bytes",
			    write ? "write" : "read", (unsigned long long)file_off, io->path, n);
	if (!write)
		memcpy(mem, blk, tail);
	res->padded = io->align - tail;
	return 0;
}

static int rw(struct p2pbuf_io *io, bool write, struct p2pbuf_buffer *buf,
	      uint64_t buf_off, uint64_t len, uint64_t file_off,
	      struct p2pbuf_io_result *result)
{
	struct p2pbuf_io_result res = { 0 };
	struct p2pbuf__io_span span;
	struct bufinfo bi;
	struct xfer x;
	uint64_t t0 = now_ns(), limit;
	char why[256], *addr = NULL;
	bool ours = false;
	int path, ret;

	if (!io || !buf) {
		ret = -EINVAL;
		goto out_noio;
	}
	io->error[0] = '\0';
	if (!(io->flags & (write ? P2PBUF_IO_WRITE : P2PBUF_IO_READ))) {
		ret = fail(io, -EINVAL, "%s is not open for %s", io->path, write ? "writing" : "reading");
		goto out;
	}
	limit = write ? (io->blockdev ? io->size : 0) : io->size;
	if (!write && !io->blockdev) {
		struct stat st;

		if (fstat(io->fd, &st) == 0)
			limit = (uint64_t)st.st_size;
		if (!limit) {
			ret = fail(io, -EINVAL, "%s is empty", io->path);
			goto out;
		}
	}
	ret = p2pbuf__io_check(io->align, buf->size, buf_off, len, file_off, limit, write,
			       io->flags & P2PBUF_IO_PAD, &span, why, sizeof(why));
	if (ret) {
		fail(io, ret, "%s: %s", io->path, why);
		goto out;
	}
	buffer_kind(buf, &bi);
	if (bi.revoked) {
		ret = fail(io, -ENODEV, "the buffer was revoked: its device (%s) went away",
			   bi.provider);
		goto out;
	}
	path = choose(io, &bi);
	if (path < 0) {
		ret = path;
		goto out;
	}
	ret = hold(buf, write ? P2PBUF_MAP_READ : P2PBUF_MAP_WRITE, &addr, &ours);
	if (ret) {
		fail(io, ret, "cannot map the buffer: %s%s", strerror(-ret),
		     ret == -ENODEV ? " (revoked: its device went away)" : "");
		goto out;
	}
	if (path != P2PBUF_IO_PATH_BOUNCE && ((uintptr_t)(addr + buf_off) % io->mem_align)) {
		ret = fail(io, -EINVAL, "buffer address is not aligned to %u for direct I/O",
			   io->mem_align);
		goto out;
	}
	if (path == P2PBUF_IO_PATH_BOUNCE && (ret = bounce_alloc(io))) {
		fail(io, ret, "out of memory for the bounce buffers");
		goto out;
	}
	res.path = (uint32_t)path;
	if (span.body) {
		memset(&x, 0, sizeof(x));
		x.write = write;
		x.path = path;
		x.mem = addr + buf_off;
		x.len = span.body;
		x.file_off = file_off;
		ret = run_xfer(io, &x);
		res.requests += x.requests;
		res.bytes = x.prefix * P2PBUF_IO_CHUNK < span.body ? x.prefix * P2PBUF_IO_CHUNK
								     : span.body;
		if (ret) {
			if (ret == -EFAULT)
				snprintf(io->error + strlen(io->error),
					 sizeof(io->error) - strlen(io->error),
					 " (the buffer's memory cannot be pinned for O_DIRECT: no struct pages, or revoked; use bounce mode)");
			else if (ret == -EREMOTEIO || ret == -EOPNOTSUPP)
				snprintf(io->error + strlen(io->error),
					 sizeof(io->error) - strlen(io->error),
					 " (the kernel refused peer-to-peer DMA for this pair: use bounce mode)");
			else if (io->blockdev && block_gone(io))
				snprintf(io->error + strlen(io->error),
					 sizeof(io->error) - strlen(io->error),
					 " (the storage device went away: its size is now 0)");
			goto out;
		}
	}
	if (span.tail) {
		ret = do_tail(io, write, addr + buf_off + span.body, span.tail,
			      file_off + span.body, &res);
		if (ret)
			goto out;
		res.bytes += span.tail;
	}
	ret = 0;
out:
	if (ours)
		p2pbuf_buffer_unmap(buf);
	res.ns = now_ns() - t0;
	io->stats.requests += res.requests;
	io->stats.ns += res.ns;
	if (write)
		io->stats.bytes_written += res.bytes;
	else
		io->stats.bytes_read += res.bytes;
	if (res.path == P2PBUF_IO_PATH_P2P)
		io->stats.p2p_bytes += res.bytes;
	else if (res.path == P2PBUF_IO_PATH_HOST)
		io->stats.host_bytes += res.bytes;
	else if (res.path == P2PBUF_IO_PATH_BOUNCE)
		io->stats.bounce_bytes += res.bytes;
	if (!ret)
		io->stats.calls++;
out_noio:
	if (result)
		*result = res;
	return ret;
}

int p2pbuf_io_write(struct p2pbuf_io *io, struct p2pbuf_buffer *buf,
		    uint64_t buf_off, uint64_t len, uint64_t file_off,
		    struct p2pbuf_io_result *result)
{
	return rw(io, true, buf, buf_off, len, file_off, result);
}

int p2pbuf_io_read(struct p2pbuf_io *io, struct p2pbuf_buffer *buf,
		   uint64_t buf_off, uint64_t len, uint64_t file_off,
		   struct p2pbuf_io_result *result)
{
	return rw(io, false, buf, buf_off, len, file_off, result);
}

int p2pbuf_io_sync(struct p2pbuf_io *io)
{
	int ret;

	if (!io)
		return -EINVAL;
	io->error[0] = '\0';
#ifdef HAVE_LIBURING
	if (io->uring) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
		struct io_uring_cqe *cqe;

		if (sqe) {
			io_uring_prep_fsync(sqe, io->fd, IORING_FSYNC_DATASYNC);
			do {
				ret = io_uring_submit_and_wait(&io->ring, 1);
			} while (ret == -EINTR);
			if (ret >= 0) {
				do {
					ret = io_uring_wait_cqe(&io->ring, &cqe);
				} while (ret == -EINTR);
			}
			if (ret < 0)
				return fail(io, ret, "sync of %s: %s", io->path, strerror(-ret));
			ret = cqe->res;
			io_uring_cqe_seen(&io->ring, cqe);
			if (ret < 0)
				return fail(io, ret, "sync of %s failed: %s", io->path, strerror(-ret));
			return 0;
		}
	}
#endif
	do {
		ret = fdatasync(io->fd);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return fail(io, -errno, "sync of %s failed: %s", io->path, strerror(errno));
	return 0;
}

int p2pbuf_io_close(struct p2pbuf_io *io)
{
	unsigned int i;
	int ret = 0;

	if (!io)
		return 0;
	if (io->flags & P2PBUF_IO_SYNC)
		ret = p2pbuf_io_sync(io);
#ifdef HAVE_LIBURING
	if (io->uring)
		io_uring_queue_exit(&io->ring);
#endif
	if (close(io->fd) && !ret)
		ret = -errno;
	for (i = 0; i < P2PBUF_IO_DEPTH; i++)
		free(io->bounce[i]);
	free(io);
	return ret;
}

/* ---- buffer to buffer ---- */

const char *p2pbuf_copy_method_name(uint32_t method)
{
	switch (method) {
	case P2PBUF_COPY_NONE:	return "none";
	case P2PBUF_COPY_CPU:	return "cpu-memcpy";
	default:		return "unknown";
	}
}

int p2pbuf_copy(struct p2pbuf_buffer *dst, uint64_t dst_off,
		struct p2pbuf_buffer *src, uint64_t src_off, uint64_t len,
		uint32_t flags, struct p2pbuf_copy_result *result)
{
	struct p2pbuf_copy_result res = { 0 };
	uint64_t t0 = now_ns(), end, done;
	char *d = NULL, *s = NULL;
	bool d_ours = false, s_ours = false;
	int ret;

	if (!dst || !src || flags || len == 0 ||
	    __builtin_add_overflow(dst_off, len, &end) || end > dst->size ||
	    __builtin_add_overflow(src_off, len, &end) || end > src->size || len > SIZE_MAX) {
		ret = -EINVAL;
		goto out;
	}
	if (dst == src) {
		ret = hold(dst, P2PBUF_MAP_READ | P2PBUF_MAP_WRITE, &d, &d_ours);
		s = d;
	} else {
		ret = hold(src, P2PBUF_MAP_READ, &s, &s_ours);
		if (!ret)
			ret = hold(dst, P2PBUF_MAP_WRITE, &d, &d_ours);
	}
	if (ret)
		goto out;
	if (!(dst->map_prot & PROT_WRITE)) {
		ret = -EACCES;
		goto out;
	}
	res.method = P2PBUF_COPY_CPU;
	if (dst == src) {
		memmove(d + dst_off, s + src_off, len);
	} else {
		/* Large chunks: device memory is uncached or write-combined. */
		for (done = 0; done < len; done += P2PBUF_IO_CHUNK) {
			size_t n = len - done < P2PBUF_IO_CHUNK ? len - done : P2PBUF_IO_CHUNK;

			memcpy(d + dst_off + done, s + src_off + done, n);
		}
	}
	res.bytes = len;
	ret = 0;
out:
	if (d_ours)
		p2pbuf_buffer_unmap(dst);
	if (s_ours)
		p2pbuf_buffer_unmap(src);
	res.ns = now_ns() - t0;
	if (result)
		*result = res;
	return ret;
}
