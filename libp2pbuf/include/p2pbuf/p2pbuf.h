/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libp2pbuf: allocate dma-bufs in PCIe device memory (and in the usual
 * host-memory dma-buf providers), describe where they live and who imports
 * them, and capture V4L2 frames straight into them.
 *
 * Conventions (as liburing):
 * - Every public symbol starts with p2pbuf_; handles are opaque.
 * - Functions return 0 (or a non-negative value where documented) on
 *   success and a negative errno on failure. errno is not part of the
 *   contract and may be clobbered.
 * - The library never prints. p2pbuf_error_hint() turns an error into advice
 *   for the user; tools print it.
 * - Every fd the library returns is new, O_CLOEXEC and owned by the caller,
 *   who must close() it. Fd arguments are borrowed: the caller keeps
 *   ownership, and a function that needs the fd after it returns keeps its
 *   own dup() (documented per function).
 * - Handles are not thread safe unless stated: serialize calls on one handle.
 *   Distinct handles may be used from distinct threads. Pools are the
 *   exception: acquire/release may be called concurrently.
 *
 * The kernel interface is <linux/p2pbuf.h> (kernel/include/uapi in the
 * source tree); its enums (enum p2pbuf_route, enum p2pbuf_backend, ...) and
 * flag values are used as is in the structures below.
 */
#ifndef P2PBUF_P2PBUF_H
#define P2PBUF_P2PBUF_H

#include <stddef.h>
#include <stdint.h>
#include <linux/p2pbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct p2pbuf_provider;
struct p2pbuf_buffer;
struct p2pbuf_pool;
struct p2pbuf_stream;

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

/**
 * p2pbuf_error_hint() - what the user can do about an error
 * @err:	a negative errno returned by this library (a positive errno is
 *		accepted too)
 * @op:		what failed, for more specific advice; may be NULL. Either a
 *		provider spec (or just its prefix: "pci:", "cmb:", "heap:",
 *		"udmabuf", "drm:", "fd:", "name:") or one of the operation
 *		names "open", "alloc", "import", "map", "info", "route", "pool",
 *		"stream", "bind", "unbind".
 *
 * Return: a static, NUL-terminated string such as
 * "p2pbuf module not loaded: modprobe p2pbuf"; the empty string when there
 * is no advice beyond strerror(-err). Never NULL. Thread safe.
 */
const char *p2pbuf_error_hint(int err, const char *op);

/* ------------------------------------------------------------------------
 * PCI addresses
 * ------------------------------------------------------------------------ */

/* Room for a normalized PCI address "dddd:bb:dd.f" and its NUL. */
#define P2PBUF_PCI_ADDR_LEN	32

/**
 * p2pbuf_pci_addr_normalize() - canonical form of a PCI address
 * @in:		"0000:03:00.0", "03:00.0" (domain 0) or upper-case hex
 * @out:	receives "dddd:bb:dd.f", lower case
 * @outlen:	size of @out; at least 13
 *
 * Return: 0, or -EINVAL if @in is not a PCI address (or @outlen too small).
 */
int p2pbuf_pci_addr_normalize(const char *in, char *out, size_t outlen);

/* ------------------------------------------------------------------------
 * Providers
 * ------------------------------------------------------------------------ */

/* Which kind of spec string opened a provider. */
enum p2pbuf_provider_kind {
	P2PBUF_SPEC_PCI = 1,	/* "pci:BDF[/barN]": a BAR bound to p2pbuf */
	P2PBUF_SPEC_CMB = 2,	/* "cmb:BDF": p2pmem another driver published */
	P2PBUF_SPEC_NAME = 3,	/* "name:NODE": /dev/p2pbuf/NODE */
	P2PBUF_SPEC_HEAP = 4,	/* "heap:NAME": /dev/dma_heap/NAME */
	P2PBUF_SPEC_UDMABUF = 5,/* "udmabuf": memfd + /dev/udmabuf */
	P2PBUF_SPEC_DRM = 6,	/* "drm:PATH": dumb buffers of a DRM device */
	P2PBUF_SPEC_FD = 7,	/* "fd:N": an existing dma-buf; cannot allocate */
	P2PBUF_SPEC_MEMFD = 8,	/* "memfd": sealed memfds, NOT dma-bufs (tests) */
};

/**
 * p2pbuf_provider_open() - open a provider of dma-buf memory
 * @spec:	one of
 *		"pci:BDF/barN"  BAR N of PCI device BDF bound to the p2pbuf
 *				driver: /dev/p2pbuf/BDF-barN (N in 0..5)
 *		"pci:BDF"       the single BAR provider of BDF
 *				(-ENOTUNIQ when it has several)
 *		"cmb:BDF"       p2pmem published by another driver (NVMe CMB):
 *				/dev/p2pbuf/BDF-p2pmem; when missing, asks the
 *				module to rescan (P2PBUF_CTL_RESCAN) once
 *		"name:NODE"     /dev/p2pbuf/NODE
 *		"heap:NAME"     /dev/dma_heap/NAME (e.g. heap:system)
 *		"udmabuf"       memfd-backed buffers through /dev/udmabuf
 *		"memfd"         sealed memfds of fixed size: NOT dma-bufs, for
 *				tests and CI machines without dma-heaps, udmabuf
 *				or the module. Allocation, p2pbuf_buffer_map()
 *				and file I/O work; importers (V4L2, GPUs,
 *				p2pbuf_buffer_import()) refuse them. Always opens.
 *		"drm:PATH"      dumb buffers of a DRM device, exported by PRIME
 *				(e.g. drm:/dev/dri/card0 with vgem)
 *		"fd:N"          a dma-buf fd N someone else exported: the
 *				provider keeps a dup of N (N stays the caller's);
 *				p2pbuf_alloc() fails with -EOPNOTSUPP, use
 *				p2pbuf_buffer_import() on the fd
 *		BDF is "dddd:bb:dd.f" or "bb:dd.f".
 * @out:	receives the provider; free with p2pbuf_provider_close()
 *
 * Return: 0, or
 * -EINVAL	malformed spec (or fd:N is not a dma-buf),
 * -ENODEV	a p2pbuf spec and /dev/p2pbuf/ctl is missing (module not loaded),
 * -ENOENT	the device node is missing (provider not bound / not published,
 *		no such heap, no udmabuf in this kernel),
 * -ENOTUNIQ	"pci:BDF" and the device has several BAR providers,
 * -EBADF	"fd:N" and N is not an open fd,
 * -EACCES	no permission to open the node, other -errno from open().
 */
int p2pbuf_provider_open(const char *spec, struct p2pbuf_provider **out);

/**
 * p2pbuf_provider_close() - close a provider
 * @prov:	provider, or NULL (no-op)
 *
 * Buffers allocated from @prov stay valid (a dma-buf lives on its own);
 * pools and streams using @prov must be destroyed first only if they still
 * need to allocate (they do not: they allocate at creation).
 */
void p2pbuf_provider_close(struct p2pbuf_provider *prov);

/** p2pbuf_provider_kind() - which kind of spec opened @prov */
enum p2pbuf_provider_kind p2pbuf_provider_kind(const struct p2pbuf_provider *prov);

/**
 * p2pbuf_provider_kind_name() - "pci", "cmb", "name", "heap", "udmabuf", "memfd",
 * "drm", "fd", or "unknown". Static string.
 */
const char *p2pbuf_provider_kind_name(enum p2pbuf_provider_kind kind);

/**
 * p2pbuf_provider_name() - name of the provider
 *
 * For p2pbuf nodes the node name under /dev/p2pbuf ("0000:05:00.0-bar2",
 * "0000:04:00.0-p2pmem"), the heap name for heaps, "udmabuf", the DRM device
 * path, or "fd:N". Valid until p2pbuf_provider_close().
 */
const char *p2pbuf_provider_name(const struct p2pbuf_provider *prov);

/* struct p2pbuf_provider_stats.valid */
#define P2PBUF_STATS_NODE	(1U << 0)	/* a p2pbuf node: all fields below
						 * come from P2PBUF_CTL_PROVIDER_INFO */
#define P2PBUF_STATS_SIZE	(1U << 1)	/* @size is known */

/**
 * struct p2pbuf_provider_stats - what is known about a provider
 * @valid:	P2PBUF_STATS_* telling which fields are meaningful; fields not
 *		covered are 0 (strings empty)
 * @kind:	enum p2pbuf_provider_kind (P2PBUF_SPEC_NAME for entries of
 *		p2pbuf_provider_list())
 * @index:	index for P2PBUF_CTL_PROVIDER_INFO / p2pbuf_route_query();
 *		-1 if not a p2pbuf node
 * @name:	as p2pbuf_provider_name()
 * @pci_dev:	PCI address of the device owning the memory
 * @flags:	P2PBUF_PROVIDER_* of <linux/p2pbuf.h> (REVOKED)
 * @backend:	enum p2pbuf_backend
 * @region_kind: enum p2pbuf_kind (BAR or PUBLISHED)
 * @bar:	BAR number
 * @memtype:	enum p2pbuf_memtype
 * @bus_addr:	PCI bus address of the region start
 * @phys_addr:	CPU physical address of the region start
 * @size:	bytes managed (for "udmabuf": the module's size limit per buffer;
 *		for "fd:N": the dma-buf's size)
 * @free, @allocated, @peak: bytes
 * @buffers:	live buffers
 * @attachments: live importer attachments
 */
struct p2pbuf_provider_stats {
	uint32_t valid;
	uint32_t kind;
	int32_t index;
	uint32_t flags;
	char name[P2PBUF_NAME_LEN];
	char pci_dev[P2PBUF_PCI_ADDR_LEN];
	uint32_t backend;
	uint32_t region_kind;
	uint32_t bar;
	uint32_t memtype;
	uint64_t bus_addr;
	uint64_t phys_addr;
	uint64_t size;
	uint64_t free;
	uint64_t allocated;
	uint64_t peak;
	uint64_t buffers;
	uint64_t attachments;
	uint64_t reserved[8];
};

/**
 * p2pbuf_provider_info() - current statistics of @prov
 * @prov:	provider
 * @stats:	filled (fresh numbers from the kernel for p2pbuf nodes)
 *
 * Return: 0; -ENODEV if @prov is a p2pbuf node and /dev/p2pbuf/ctl is gone;
 * -ENOENT if the provider disappeared (device unbound).
 */
int p2pbuf_provider_info(const struct p2pbuf_provider *prov,
			 struct p2pbuf_provider_stats *stats);

/**
 * p2pbuf_provider_list() - list every p2pbuf provider the module knows
 * @stats:	array of @cap entries, filled in index order (may be NULL if
 *		@cap is 0)
 * @cap:	entries in @stats
 * @count:	receives the number of providers (may exceed @cap: call again
 *		with a larger array)
 *
 * Only p2pbuf nodes are listed (not heaps, udmabuf or DRM devices).
 *
 * Return: 0, -ENODEV if /dev/p2pbuf/ctl is missing, other -errno from the
 * ioctl.
 */
int p2pbuf_provider_list(struct p2pbuf_provider_stats *stats, unsigned int cap,
			 unsigned int *count);

/**
 * struct p2pbuf_route_result - can a PCI device DMA into a provider?
 * @route:	enum p2pbuf_route: P2PBUF_ROUTE_P2P, _HOST_BRIDGE,
 *		_HOST_UNCHECKED or _REFUSED
 * @error:	negative errno explaining REFUSED, else 0
 * @distance:	P2PDMA distance, 0 when the kernel cannot tell
 */
struct p2pbuf_route_result {
	uint32_t route;
	int32_t error;
	uint32_t distance;
	uint32_t reserved[5];
};

/**
 * p2pbuf_route_query() - ask the module how @client would reach a provider
 * @index:	provider index (struct p2pbuf_provider_stats.index)
 * @client:	PCI address of the would-be importer (any form accepted by
 *		p2pbuf_pci_addr_normalize())
 * @result:	filled
 *
 * Return: 0 (also when the route is REFUSED: see @result), -EINVAL for a
 * malformed @client, -ENOENT for no such provider or PCI device, -ENODEV
 * if /dev/p2pbuf/ctl is missing.
 */
int p2pbuf_route_query(unsigned int index, const char *client,
		       struct p2pbuf_route_result *result);

/**
 * p2pbuf_route_query_name() - p2pbuf_route_query() by provider node name
 * @provider:	node name under /dev/p2pbuf ("0000:05:00.0-bar2")
 *
 * Return: as p2pbuf_route_query(); -ENOENT if no provider has that name.
 */
int p2pbuf_route_query_name(const char *provider, const char *client,
			    struct p2pbuf_route_result *result);

/**
 * p2pbuf_route_query_dmabuf() - how would @client reach the buffer behind
 * a dma-buf of any exporter?
 * @dmabuf_fd:	the dma-buf (p2pbuf's own, or e.g. vfio-pci's BAR export)
 * @client:	PCI address of the would-be importer
 * @result:	filled: P2P when the exporter hands @client a PCI bus
 *		address, HOST_BRIDGE for another address, REFUSED with the
 *		exporter's error
 * @exporter:	if not NULL, receives the exporter's name ("vfio_pci")
 * @exporter_len: its size
 *
 * Another exporter's buffer is probed by the module (attach, map, unmap):
 * that needs CAP_SYS_ADMIN.
 *
 * Return: 0, -EPERM (probe without CAP_SYS_ADMIN), -EBADF/-EINVAL for no
 * dma-buf, -ENOENT for no such PCI device, -ENODEV without /dev/p2pbuf/ctl.
 */
int p2pbuf_route_query_dmabuf(int dmabuf_fd, const char *client,
			      struct p2pbuf_route_result *result,
			      char *exporter, size_t exporter_len);

/**
 * p2pbuf_route_name() - "none", "p2p", "host-bridge", "host-unchecked",
 * "refused", or "unknown" for values this library does not know.
 * Static string.
 */
const char *p2pbuf_route_name(uint32_t route);

/** p2pbuf_backend_name() - "p2pdma", "devmem" or "unknown". Static string. */
const char *p2pbuf_backend_name(uint32_t backend);

/** p2pbuf_memtype_name() - "wb", "wc", "uc-", "uc" or "unknown". Static. */
const char *p2pbuf_memtype_name(uint32_t memtype);

/* ------------------------------------------------------------------------
 * Buffers
 * ------------------------------------------------------------------------ */

/**
 * p2pbuf_alloc() - allocate a dma-buf from a provider
 * @prov:	provider
 * @size:	bytes, > 0; the provider rounds up (to the page size at least):
 *		p2pbuf_buffer_size() tells the real size
 * @flags:	must be 0
 * @out:	receives the buffer; free with p2pbuf_buffer_free()
 *
 * The buffer owns its dma-buf fd (O_RDWR, O_CLOEXEC).
 *
 * Return: 0, -EINVAL (size 0, unknown flags), -EOPNOTSUPP for "fd:N"
 * providers, -ENOMEM/-ENOSPC when the provider is full, -ENODEV when the
 * provider's device went away, other -errno from the kernel.
 */
int p2pbuf_alloc(struct p2pbuf_provider *prov, uint64_t size, uint32_t flags,
		 struct p2pbuf_buffer **out);

/**
 * p2pbuf_buffer_import() - wrap a dma-buf fd exported by someone else
 * @fd:		dma-buf fd; borrowed: the buffer keeps its own dup (O_CLOEXEC)
 *		and the caller still owns and closes @fd
 * @flags:	must be 0
 * @out:	receives the buffer; free with p2pbuf_buffer_free()
 *
 * Return: 0, -EBADF if @fd is not open, -EINVAL if it is not a dma-buf (or
 * flags are set), other -errno.
 */
int p2pbuf_buffer_import(int fd, uint32_t flags, struct p2pbuf_buffer **out);

/**
 * p2pbuf_buffer_free() - unmap, close the fd, free the handle
 * @buf:	buffer, or NULL (no-op). Buffers owned by a pool or a stream
 *		are theirs: freeing one is ignored.
 *
 * The memory itself is freed by the kernel when the last reference (fd,
 * mapping or importer) to the dma-buf goes away.
 */
void p2pbuf_buffer_free(struct p2pbuf_buffer *buf);

/**
 * p2pbuf_buffer_fd() - the buffer's dma-buf fd
 *
 * Borrowed: owned by @buf, valid until p2pbuf_buffer_free() (or the
 * owning pool/stream is destroyed). Do not close it; use
 * p2pbuf_buffer_dup_fd() to keep one.
 */
int p2pbuf_buffer_fd(const struct p2pbuf_buffer *buf);

/**
 * p2pbuf_buffer_dup_fd() - a new fd for the dma-buf
 *
 * Return: a new O_CLOEXEC fd owned by the caller, or -errno (-EMFILE...).
 */
int p2pbuf_buffer_dup_fd(const struct p2pbuf_buffer *buf);

/** p2pbuf_buffer_size() - size of the dma-buf in bytes */
uint64_t p2pbuf_buffer_size(const struct p2pbuf_buffer *buf);

/* p2pbuf_buffer_map() flags; the same bits as DMA_BUF_SYNC_READ/WRITE. */
#define P2PBUF_MAP_READ		(1U << 0)
#define P2PBUF_MAP_WRITE	(1U << 1)

/**
 * p2pbuf_buffer_map() - begin CPU access
 * @buf:	buffer
 * @flags:	P2PBUF_MAP_READ and/or P2PBUF_MAP_WRITE (at least one)
 * @addr:	receives the address of the whole buffer
 *
 * The first call mmap()s the buffer (read-write if the fd allows, else
 * read-only); the mapping is cached and stays at the same address until
 * p2pbuf_buffer_free(). Every call issues DMA_BUF_IOCTL_SYNC(START) with
 * @flags; end the access with p2pbuf_buffer_unmap(). Accesses are nestable
 * only as pairs: a second map before unmap fails with -EBUSY.
 *
 * Device memory is often uncached or write-combined: read it in large
 * sequential chunks (memcpy), not byte by byte.
 *
 * Return: 0, -EINVAL (bad flags), -EBUSY (already mapped), -EACCES (WRITE
 * on a read-only dma-buf), -ENODEV (buffer revoked: its device went
 * away), other -errno from mmap or the sync ioctl.
 */
int p2pbuf_buffer_map(struct p2pbuf_buffer *buf, unsigned int flags, void **addr);

/**
 * p2pbuf_buffer_unmap() - end CPU access begun by p2pbuf_buffer_map()
 *
 * Issues DMA_BUF_IOCTL_SYNC(END) with the flags given to the map; the
 * mapping itself stays cached.
 *
 * Return: 0, -EINVAL if not mapped, other -errno from the sync ioctl.
 */
int p2pbuf_buffer_unmap(struct p2pbuf_buffer *buf);

/**
 * struct p2pbuf_attachment - one importer of a p2pbuf buffer (a device that
 * attached to it, or tried to and was refused)
 * @importer:	device name of the importer ("0000:04:00.0", "vivid-000")
 * @bus:	its bus ("pci", "platform")
 * @route:	enum p2pbuf_route
 * @error:	negative errno when @route is P2PBUF_ROUTE_REFUSED, else 0
 * @mapped:	current DMA mappings
 * @flags:	P2PBUF_ATTACH_REVOCABLE (a dynamic importer, told of a
 *		revocation), P2PBUF_ATTACH_PINNED (a static importer's pinned
 *		mapping); 0 from kernels before these flags
 * @dma_addr:	first DMA address handed to the importer (0 if none)
 * @dma_mask:	the importer's DMA mask
 */
struct p2pbuf_attachment {
	char importer[P2PBUF_NAME_LEN];
	char bus[16];
	uint32_t route;
	int32_t error;
	uint32_t mapped;
	uint32_t flags;
	uint64_t dma_addr;
	uint64_t dma_mask;
	uint64_t reserved[4];
};

/**
 * struct p2pbuf_buffer_desc - where a p2pbuf buffer lives
 * @provider:	provider node name
 * @flags:	P2PBUF_BUFFER_* of <linux/p2pbuf.h> (REVOKED)
 * @attach_count: attachments plus refused attempts the kernel recorded (may
 *		exceed the array given)
 * @size:	bytes
 * @offset:	offset of the buffer in the provider's region
 * @bus_addr:	PCI bus address of the buffer
 * @phys_addr:	CPU physical address of the buffer
 * @vmaps:	current kernel mappings
 * @mmaps:	current user mappings
 */
struct p2pbuf_buffer_desc {
	char provider[P2PBUF_NAME_LEN];
	uint32_t flags;
	uint32_t attach_count;
	uint64_t size;
	uint64_t offset;
	uint64_t bus_addr;
	uint64_t phys_addr;
	uint64_t vmaps;
	uint64_t mmaps;
	uint64_t reserved[4];
};

/**
 * p2pbuf_buffer_info() - describe a buffer and its importers
 * @buf:	buffer (allocated from a p2pbuf provider, or imported from a
 *		p2pbuf dma-buf)
 * @desc:	filled
 * @att:	array of @cap entries filled with the first attachments; may be
 *		NULL when @cap is 0
 * @cap:	entries in @att
 *
 * Wraps P2PBUF_CTL_BUFFER_INFO. desc->attach_count tells how many the
 * kernel has; min(attach_count, cap) entries of @att are valid.
 *
 * Return: 0, -EINVAL if the dma-buf was not exported by p2pbuf (heap,
 * udmabuf, GPU...), -ENODEV if /dev/p2pbuf/ctl is missing.
 */
int p2pbuf_buffer_info(const struct p2pbuf_buffer *buf,
		       struct p2pbuf_buffer_desc *desc,
		       struct p2pbuf_attachment *att, unsigned int cap);

/**
 * p2pbuf_fd_info() - p2pbuf_buffer_info() for any dma-buf fd
 * @fd:		borrowed; not kept
 *
 * Return: as p2pbuf_buffer_info(); -EBADF if @fd is not open.
 */
int p2pbuf_fd_info(int fd, struct p2pbuf_buffer_desc *desc,
		   struct p2pbuf_attachment *att, unsigned int cap);

/* ------------------------------------------------------------------------
 * Pools: a fixed number of equal-size buffers from one provider
 * ------------------------------------------------------------------------ */

/**
 * p2pbuf_pool_create() - allocate @count buffers of @size bytes
 * @prov:	provider; not kept after return
 * @count:	number of buffers, 1..1024
 * @size:	bytes per buffer, > 0
 * @flags:	must be 0
 * @out:	receives the pool; destroy with p2pbuf_pool_destroy()
 *
 * All buffers are allocated up front (all or nothing) and start free. The
 * pool owns them: never p2pbuf_buffer_free() one.
 *
 * Return: 0, -EINVAL, or the error of the failing p2pbuf_alloc().
 */
int p2pbuf_pool_create(struct p2pbuf_provider *prov, unsigned int count,
		       uint64_t size, uint32_t flags, struct p2pbuf_pool **out);

/**
 * p2pbuf_pool_destroy() - free every buffer and the pool
 * @pool:	pool, or NULL (no-op)
 *
 * Buffers still acquired are freed too: the caller must be done with them.
 * Fds duplicated from them keep the memory alive in the kernel.
 */
void p2pbuf_pool_destroy(struct p2pbuf_pool *pool);

/**
 * p2pbuf_pool_acquire() - take a free buffer, without blocking
 * @pool:	pool
 * @buf:	receives the buffer (owned by the pool); may be NULL
 *
 * Thread safe. Buffers are handed out in least-recently-released order.
 *
 * Return: the buffer's index (>= 0), or -EAGAIN when every buffer is taken.
 */
int p2pbuf_pool_acquire(struct p2pbuf_pool *pool, struct p2pbuf_buffer **buf);

/**
 * p2pbuf_pool_release() - give back buffer number @index
 *
 * Thread safe.
 *
 * Return: 0, -EINVAL if @index is out of range, -EALREADY if the buffer is
 * not acquired (double release).
 */
int p2pbuf_pool_release(struct p2pbuf_pool *pool, unsigned int index);

/**
 * p2pbuf_pool_buffer() - buffer number @index, acquired or not
 *
 * Return: the buffer (owned by the pool), or NULL if @index >= count.
 */
struct p2pbuf_buffer *p2pbuf_pool_buffer(const struct p2pbuf_pool *pool,
					 unsigned int index);

/**
 * p2pbuf_pool_index() - index of @buf in @pool
 *
 * Return: the index, or -EINVAL if @buf does not belong to @pool.
 */
int p2pbuf_pool_index(const struct p2pbuf_pool *pool,
		      const struct p2pbuf_buffer *buf);

/** p2pbuf_pool_count() - number of buffers in the pool */
unsigned int p2pbuf_pool_count(const struct p2pbuf_pool *pool);

/** p2pbuf_pool_available() - number of free buffers now. Thread safe. */
unsigned int p2pbuf_pool_available(struct p2pbuf_pool *pool);

/* ------------------------------------------------------------------------
 * V4L2 capture into dma-bufs (V4L2_MEMORY_DMABUF)
 * ------------------------------------------------------------------------ */

/* VIDEO_MAX_PLANES of <linux/videodev2.h> */
#define P2PBUF_MAX_PLANES	8

/* p2pbuf_stream_open*() flags */
#define P2PBUF_STREAM_MPLANE	(1U << 0)	/* use the multi-planar API even
						 * if the device also has the
						 * single-planar one */

/**
 * struct p2pbuf_format - capture format
 * @width, @height:	pixels
 * @pixelformat:	V4L2 fourcc (V4L2_PIX_FMT_YUYV, ...)
 * @field:		enum v4l2_field (V4L2_FIELD_ANY = 0 lets the driver pick)
 * @num_planes:		out: memory planes (1 for single-planar)
 * @bytesperline:	per plane; in: requested stride of plane 0 (0 = driver's
 *			choice), out: the driver's strides
 * @sizeimage:		out: bytes per plane; each plane gets a dma-buf of
 *			this size
 * @colorspace:		out: enum v4l2_colorspace
 * @buf_type:		out: V4L2_BUF_TYPE_VIDEO_CAPTURE or _CAPTURE_MPLANE
 */
struct p2pbuf_format {
	uint32_t width;
	uint32_t height;
	uint32_t pixelformat;
	uint32_t field;
	uint32_t num_planes;
	uint32_t bytesperline[P2PBUF_MAX_PLANES];
	uint32_t sizeimage[P2PBUF_MAX_PLANES];
	uint32_t colorspace;
	uint32_t buf_type;
	uint32_t reserved[8];
};

/**
 * struct p2pbuf_frame - a captured frame, owned by the caller until it is
 * given back with p2pbuf_stream_queue(@index)
 * @index:	V4L2 buffer index
 * @num_planes:	planes
 * @planes:	the dma-buf of each plane; owned by the stream, valid until
 *		p2pbuf_stream_close() (or the next p2pbuf_stream_setup())
 * @bytesused:	bytes of data per plane
 * @data_offset: offset of the data in each plane (mplane drivers may set it)
 * @sequence:	V4L2 frame sequence number
 * @flags:	V4L2_BUF_FLAG_* (V4L2_BUF_FLAG_ERROR: data may be corrupt)
 * @field:	enum v4l2_field
 * @timestamp_ns: V4L2 timestamp in ns (CLOCK_MONOTONIC for most drivers)
 * @dropped:	frames lost just before this one (gap in @sequence)
 * @location_valid: bit p set when @offset[p], @bus_addr[p], @phys_addr[p]
 *		are known (p2pbuf providers only)
 * @offset:	offset of plane p's buffer in the provider's region
 * @bus_addr:	its PCI bus address
 * @phys_addr:	its CPU physical address
 */
struct p2pbuf_frame {
	uint32_t index;
	uint32_t num_planes;
	struct p2pbuf_buffer *planes[P2PBUF_MAX_PLANES];
	uint32_t bytesused[P2PBUF_MAX_PLANES];
	uint32_t data_offset[P2PBUF_MAX_PLANES];
	uint32_t sequence;
	uint32_t flags;
	uint32_t field;
	uint32_t dropped;
	uint64_t timestamp_ns;
	uint32_t location_valid;
	uint32_t reserved0;
	uint64_t offset[P2PBUF_MAX_PLANES];
	uint64_t bus_addr[P2PBUF_MAX_PLANES];
	uint64_t phys_addr[P2PBUF_MAX_PLANES];
	uint64_t reserved[4];
};

/**
 * struct p2pbuf_stream_stats - counters since p2pbuf_stream_setup()
 * @frames:	frames dequeued
 * @bytes:	sum of bytesused of every plane of every frame
 * @dropped:	frames lost (gaps in the sequence numbers)
 * @errors:	frames dequeued with V4L2_BUF_FLAG_ERROR
 * @queued:	buffers now queued in the driver
 * @buffers:	buffers in the stream
 */
struct p2pbuf_stream_stats {
	uint64_t frames;
	uint64_t bytes;
	uint64_t dropped;
	uint64_t errors;
	uint32_t queued;
	uint32_t buffers;
	uint64_t reserved[4];
};

/**
 * p2pbuf_stream_open() - open a V4L2 capture device
 * @path:	"/dev/video0"; opened O_RDWR | O_NONBLOCK | O_CLOEXEC
 * @flags:	0 or P2PBUF_STREAM_MPLANE
 * @out:	receives the stream; close with p2pbuf_stream_close()
 *
 * Return: 0, -ENOENT (no such device), -ENOTTY (not a V4L2 device),
 * -EOPNOTSUPP (no streaming video capture, or no multi-planar API with
 * P2PBUF_STREAM_MPLANE), -EINVAL (flags), other -errno.
 */
int p2pbuf_stream_open(const char *path, uint32_t flags, struct p2pbuf_stream **out);

/**
 * p2pbuf_stream_open_fd() - p2pbuf_stream_open() on an open V4L2 fd
 * @fd:		borrowed: the stream keeps its own dup (O_CLOEXEC); the caller
 *		still owns @fd. The stream uses poll() on it; it need not be
 *		O_NONBLOCK.
 */
int p2pbuf_stream_open_fd(int fd, uint32_t flags, struct p2pbuf_stream **out);

/**
 * p2pbuf_stream_fd() - the stream's V4L2 fd, for controls (VIDIOC_S_CTRL,
 * S_INPUT, S_PARM...). Borrowed: valid until p2pbuf_stream_close(); do not
 * close it and do not issue buffer ioctls on it.
 */
int p2pbuf_stream_fd(const struct p2pbuf_stream *stream);

/**
 * p2pbuf_stream_set_format() - VIDIOC_S_FMT
 * @fmt:	in: width, height, pixelformat, field, bytesperline[0];
 *		out: everything the driver chose (it may adjust any field)
 *
 * -EBUSY while streaming. After p2pbuf_stream_stop() it frees the stream's
 * buffers (drivers refuse a new format while buffers exist): frames held
 * become invalid and p2pbuf_stream_setup() must be called again.
 */
int p2pbuf_stream_set_format(struct p2pbuf_stream *stream, struct p2pbuf_format *fmt);

/** p2pbuf_stream_get_format() - VIDIOC_G_FMT into @fmt */
int p2pbuf_stream_get_format(struct p2pbuf_stream *stream, struct p2pbuf_format *fmt);

/**
 * p2pbuf_stream_setup() - allocate and queue the capture buffers
 * @stream:	stream, not streaming
 * @prov:	provider for the buffers; not kept after return
 * @count:	buffers wanted (1..32); the driver may grant more or fewer,
 *		see struct p2pbuf_stream_stats.buffers
 * @flags:	must be 0
 *
 * VIDIOC_REQBUFS(V4L2_MEMORY_DMABUF, @count), then allocates one dma-buf
 * per plane per buffer from @prov, sized from the current format's
 * sizeimage, and queues every buffer (VIDIOC_QBUF). The stream owns the
 * buffers. Calling it again frees the previous buffers first. Resets the
 * statistics.
 *
 * Return: 0; -EREMOTEIO when the driver could not import a p2pbuf buffer
 * because the exporter refused the attachment (the importing device cannot
 * reach the device memory): p2pbuf_stream_error() names the importer, the
 * provider and the reason; -EOPNOTSUPP if the driver has no DMABUF import;
 * -EBUSY while streaming; the p2pbuf_alloc() error; other -errno.
 */
int p2pbuf_stream_setup(struct p2pbuf_stream *stream, struct p2pbuf_provider *prov,
			unsigned int count, uint32_t flags);

/**
 * p2pbuf_stream_start() - VIDIOC_STREAMON
 *
 * Buffers not held by the caller are queued first (after a stop, all of
 * them are requeued).
 *
 * Return: 0, -EINVAL before setup, -EREMOTEIO as for setup, other -errno.
 */
int p2pbuf_stream_start(struct p2pbuf_stream *stream);

/**
 * p2pbuf_stream_dequeue() - wait for the next frame
 * @frame:	filled; the buffer @frame->index belongs to the caller until
 *		p2pbuf_stream_queue()
 * @timeout_ms:	-1 waits forever, 0 does not wait
 *
 * poll() + VIDIOC_DQBUF. Counts frames, bytes and dropped frames (from gaps
 * in the sequence numbers).
 *
 * Return: 0, -ETIMEDOUT when no frame came in time (-EAGAIN with 0),
 * -EINVAL when not streaming, -EPIPE when the driver has no buffer queued
 * (queue some back), -EIO on a device error, -ENODEV if the device went
 * away, other -errno.
 */
int p2pbuf_stream_dequeue(struct p2pbuf_stream *stream, struct p2pbuf_frame *frame,
			  int timeout_ms);

/**
 * p2pbuf_stream_queue() - give buffer @index back to the driver
 *
 * When not streaming, the buffer is queued by the next p2pbuf_stream_start().
 *
 * Return: 0, -EINVAL if @index is out of range or not held by the caller,
 * -EREMOTEIO as for setup, other -errno from VIDIOC_QBUF.
 */
int p2pbuf_stream_queue(struct p2pbuf_stream *stream, unsigned int index);

/**
 * p2pbuf_stream_stop() - VIDIOC_STREAMOFF
 *
 * The driver gives back every queued buffer; the buffers stay allocated.
 * Buffers the caller holds stay valid. No-op when not streaming.
 */
int p2pbuf_stream_stop(struct p2pbuf_stream *stream);

/** p2pbuf_stream_stats() - counters, see struct p2pbuf_stream_stats */
int p2pbuf_stream_stats(const struct p2pbuf_stream *stream,
			struct p2pbuf_stream_stats *stats);

/**
 * p2pbuf_stream_buffer() - the dma-buf of plane @plane of buffer @index
 *
 * Return: owned by the stream, valid until p2pbuf_stream_close() or the
 * next p2pbuf_stream_setup(); NULL if out of range.
 */
struct p2pbuf_buffer *p2pbuf_stream_buffer(const struct p2pbuf_stream *stream,
					   unsigned int index, unsigned int plane);

/**
 * p2pbuf_stream_error() - human-readable reason of the last failure
 *
 * E.g. "vivid-000 (platform) cannot reach 0000:05:00.0-bar2: route refused:
 * Remote I/O error". Empty string when the last call succeeded or left no
 * detail. Valid until the next call on @stream.
 */
const char *p2pbuf_stream_error(const struct p2pbuf_stream *stream);

/**
 * p2pbuf_stream_close() - stop, free the buffers, close the device fd
 * @stream:	stream, or NULL (no-op)
 */
void p2pbuf_stream_close(struct p2pbuf_stream *stream);

/**
 * p2pbuf_stream_queue_buffer() - give buffer @index back to the driver with
 * other dma-bufs
 * @stream:	stream
 * @index:	a buffer held by the caller (dequeued and not queued back)
 * @planes:	one buffer per plane of the stream's format, each at least as
 *		large as the plane's sizeimage (the driver checks: -EINVAL
 *		from VIDIOC_QBUF otherwise). Borrowed: the stream keeps its own
 *		dup of each fd; the caller still owns and frees @planes.
 * @num_planes:	the stream's number of planes
 *
 * As p2pbuf_stream_queue(), but the frame goes to @planes: V4L2_MEMORY_DMABUF
 * lets every VIDIOC_QBUF of a slot name any dma-buf, so frames can be spread
 * over more memory than the driver has slots (a ring of buffers), each frame
 * staying where it landed. The slot's previous buffers are released (frames
 * dequeued from @index before this call lose their @planes pointers); the
 * next dequeue of @index reports @planes' dups in struct p2pbuf_frame
 * planes, with their location. p2pbuf_stream_queue(@index) afterwards
 * queues the same dma-bufs again.
 *
 * Return: 0, -EINVAL if @index is not held by the caller or @num_planes is
 * not the stream's, -EMFILE or -ENOMEM (dup of an fd), or as
 * p2pbuf_stream_queue() (-EREMOTEIO with p2pbuf_stream_error() when the
 * driver cannot reach @planes).
 */
int p2pbuf_stream_queue_buffer(struct p2pbuf_stream *stream, unsigned int index,
			       struct p2pbuf_buffer *const *planes,
			       unsigned int num_planes);

/* ------------------------------------------------------------------------
 * Storage I/O (O_DIRECT / io_uring between files and device memory)
 *
 * A struct p2pbuf_io is one open target: a regular file or a block device.
 * Writes move bytes of a buffer to the target, reads bring a range of the
 * target into a buffer. Each call is split into requests of at most
 * P2PBUF_IO_CHUNK bytes, several in flight (io_uring), and returns when
 * every request completed.
 *
 * Paths (struct p2pbuf_io_result.path):
 * - "p2p": O_DIRECT straight between the target and the buffer's mapping;
 *   for device memory the storage controller DMAs to/from the BAR. Used
 *   for p2pbuf buffers only where the module reports a checked route from
 *   the provider to the target's PCI device (P2PBUF_ROUTE_P2P or
 *   _HOST_BRIDGE); see P2PBUF_IO_ALLOW_UNCHECKED for kernels without
 *   CONFIG_PCI_P2PDMA.
 * - "host": O_DIRECT between the target and a buffer in system RAM (heap,
 *   udmabuf, memfd).
 * - "bounce": the CPU copies between the buffer and aligned system RAM,
 *   which moves by O_DIRECT (or buffered I/O where the target has no
 *   O_DIRECT). Only when the caller asks (P2PBUF_IO_BOUNCE,
 *   P2PBUF_IO_BOUNCE_FALLBACK): the library never bounces silently.
 *
 * Alignment: buffer offsets, file offsets and lengths must be multiples of
 * the target's direct I/O alignment (statx STATX_DIOALIGN; else the
 * logical block size of a block device; else 4096), see
 * p2pbuf_io_stats().align. -EINVAL otherwise, with the reason in
 * p2pbuf_io_error(), unless P2PBUF_IO_PAD allows an unaligned length.
 * ------------------------------------------------------------------------ */

struct p2pbuf_io;

/* Largest request the library submits; longer calls are split. */
#define P2PBUF_IO_CHUNK		(1U << 20)
/* Requests in flight per handle. */
#define P2PBUF_IO_DEPTH		8

/* p2pbuf_io_open() flags */
#define P2PBUF_IO_READ		(1U << 0)	/* p2pbuf_io_read() allowed */
#define P2PBUF_IO_WRITE		(1U << 1)	/* p2pbuf_io_write() allowed */
#define P2PBUF_IO_CREATE	(1U << 2)	/* create a missing regular file (0644) */
#define P2PBUF_IO_TRUNCATE	(1U << 3)	/* truncate a regular file to 0 */
#define P2PBUF_IO_BOUNCE	(1U << 4)	/* always copy through system RAM */
#define P2PBUF_IO_BOUNCE_FALLBACK (1U << 5)	/* p2p where the route allows,
						 * else bounce (result tells) */
#define P2PBUF_IO_ALLOW_UNCHECKED (1U << 6)	/* O_DIRECT from device memory
						 * even when the kernel cannot
						 * check the route (no P2PDMA) */
#define P2PBUF_IO_SYNC		(1U << 7)	/* fdatasync in p2pbuf_io_close() */
#define P2PBUF_IO_PAD		(1U << 8)	/* unaligned length: write the
						 * last block zero-padded / read
						 * the whole last block */

/* enum for struct p2pbuf_io_result.path */
enum p2pbuf_io_path {
	P2PBUF_IO_PATH_NONE = 0,	/* nothing moved */
	P2PBUF_IO_PATH_P2P = 1,		/* O_DIRECT straight from/to device memory */
	P2PBUF_IO_PATH_BOUNCE = 2,	/* CPU copy through system RAM */
	P2PBUF_IO_PATH_HOST = 3,	/* O_DIRECT from/to a system-RAM buffer */
};

/**
 * struct p2pbuf_io_result - what one p2pbuf_io_write()/_read() did
 * @path:	enum p2pbuf_io_path: how the bytes moved
 * @requests:	I/O requests submitted (io_uring SQEs or syscalls)
 * @bytes:	bytes moved, counted from the start of the range without a
 *		gap; on failure, the bytes known to be complete (a writer
 *		may trust the target up to @bytes)
 * @padded:	zero bytes written after the data (P2PBUF_IO_PAD), or bytes
 *		read past it
 * @ns:		wall time of the call
 */
struct p2pbuf_io_result {
	uint32_t path;
	uint32_t requests;
	uint64_t bytes;
	uint64_t padded;
	uint64_t ns;
	uint64_t reserved[4];
};

/**
 * struct p2pbuf_io_stats - counters of a handle and what it found out
 * @align:	direct I/O alignment of offsets and lengths (bytes)
 * @mem_align:	direct I/O alignment of memory addresses
 * @direct:	1 if the target is open with O_DIRECT, 0 if buffered (bounce
 *		mode on a target without O_DIRECT)
 * @uring:	1 if requests go through io_uring, 0 if pread/pwrite
 * @size:	size of the target at open (block device size, file size)
 * @pci_dev:	PCI device behind the target ("" if none was found: tmpfs,
 *		network and stacked devices)
 * @bytes_written, @bytes_read: by all calls
 * @p2p_bytes, @host_bytes, @bounce_bytes: by path
 * @calls:	successful read/write calls
 * @requests:	I/O requests submitted
 * @ns:		time spent in read/write calls
 */
struct p2pbuf_io_stats {
	uint32_t align;
	uint32_t mem_align;
	uint32_t direct;
	uint32_t uring;
	uint64_t size;
	char pci_dev[P2PBUF_PCI_ADDR_LEN];
	uint64_t bytes_written;
	uint64_t bytes_read;
	uint64_t p2p_bytes;
	uint64_t host_bytes;
	uint64_t bounce_bytes;
	uint64_t calls;
	uint64_t requests;
	uint64_t ns;
	uint64_t reserved[8];
};

/**
 * p2pbuf_io_open() - open a file or block device for direct I/O
 * @path:	regular file or block device
 * @flags:	P2PBUF_IO_READ and/or P2PBUF_IO_WRITE (at least one), plus
 *		P2PBUF_IO_CREATE, _TRUNCATE (regular files), _BOUNCE or
 *		_BOUNCE_FALLBACK, _ALLOW_UNCHECKED, _SYNC, _PAD
 * @out:	receives the handle; close with p2pbuf_io_close()
 *
 * Opens @path with O_DIRECT | O_CLOEXEC, finds its alignment and the PCI
 * device behind it, and sets up an io_uring of P2PBUF_IO_DEPTH entries
 * (pread/pwrite when io_uring is unavailable). In bounce mode a target
 * without O_DIRECT (9p, some FUSE) is opened for buffered I/O instead.
 *
 * Return: 0, -EINVAL (flags; a target without O_DIRECT and no bounce
 * mode), -ENOENT, -EACCES, -EISDIR, other -errno from open().
 */
int p2pbuf_io_open(const char *path, uint32_t flags, struct p2pbuf_io **out);

/**
 * p2pbuf_io_write() - write a range of a buffer to the target
 * @io:		handle opened with P2PBUF_IO_WRITE
 * @buf:	source buffer (any provider); if the caller holds it mapped
 *		(p2pbuf_buffer_map) its mapping is used as is, else the call
 *		maps it for the duration
 * @buf_off:	offset in @buf, aligned to stats.align
 * @len:	bytes, > 0, a multiple of stats.align (or any with
 *		P2PBUF_IO_PAD: the last block is completed with zeros)
 * @file_off:	offset in the target, aligned to stats.align
 * @result:	filled (also on failure); may be NULL
 *
 * Return: 0 when all @len bytes are on the target (not yet durable: see
 * P2PBUF_IO_SYNC, p2pbuf_io_sync()), or
 * -EINVAL	misaligned offset or length, range outside @buf, handle not
 *		open for writing (p2pbuf_io_error() says which),
 * -EREMOTEIO	device memory and no checked peer-to-peer route to the
 *		target (refused by the PCI topology, kernel without
 *		CONFIG_PCI_P2PDMA, target not behind a PCI device): use bounce
 *		mode; also when the kernel refuses the DMA,
 * -EFAULT	the buffer's mapping has no struct pages for O_DIRECT,
 * -EIO		a short write that a retry did not complete, or a device error,
 * -ENOSPC	past the end of a block device, or the file system is full,
 * -ENODEV	the buffer was revoked (its device went away),
 * other -errno from the kernel.
 */
int p2pbuf_io_write(struct p2pbuf_io *io, struct p2pbuf_buffer *buf,
		    uint64_t buf_off, uint64_t len, uint64_t file_off,
		    struct p2pbuf_io_result *result);

/**
 * p2pbuf_io_read() - read a range of the target into a buffer
 * @io:		handle opened with P2PBUF_IO_READ
 * @buf, @buf_off, @len, @file_off, @result: as p2pbuf_io_write(); with
 *		P2PBUF_IO_PAD an unaligned @len reads the whole last block
 *		but stores only @len bytes in @buf
 *
 * The range must lie within the target (-EINVAL past its end: a read never
 * comes back short by design). Errors as p2pbuf_io_write().
 */
int p2pbuf_io_read(struct p2pbuf_io *io, struct p2pbuf_buffer *buf,
		   uint64_t buf_off, uint64_t len, uint64_t file_off,
		   struct p2pbuf_io_result *result);

/**
 * p2pbuf_io_sync() - make what was written durable
 *
 * IORING_OP_FSYNC with IORING_FSYNC_DATASYNC (fdatasync without io_uring).
 * For a block device this flushes the device's volatile write cache.
 *
 * Return: 0 or -errno (-EIO: data written before may be lost).
 */
int p2pbuf_io_sync(struct p2pbuf_io *io);

/** p2pbuf_io_stats() - counters and properties of @io */
int p2pbuf_io_stats(const struct p2pbuf_io *io, struct p2pbuf_io_stats *stats);

/**
 * p2pbuf_io_error() - human-readable reason of the last failure on @io
 *
 * E.g. "0000:05:00.0-bar2 -> 0000:04:00.0 (/dev/nvme1n1): kernel cannot
 * verify a peer-to-peer route (no CONFIG_PCI_P2PDMA): use bounce mode".
 * Empty when the last call succeeded. Valid until the next call on @io.
 */
const char *p2pbuf_io_error(const struct p2pbuf_io *io);

/**
 * p2pbuf_io_fd() - the target's fd (borrowed; valid until p2pbuf_io_close())
 */
int p2pbuf_io_fd(const struct p2pbuf_io *io);

/**
 * p2pbuf_io_close() - (with P2PBUF_IO_SYNC: sync,) close and free
 * @io:		handle, or NULL (no-op: returns 0)
 *
 * Return: 0, or the -errno of the sync or close (the handle is freed
 * anyway).
 */
int p2pbuf_io_close(struct p2pbuf_io *io);

/** p2pbuf_io_path_name() - "none", "p2p", "bounce", "host" or "unknown" */
const char *p2pbuf_io_path_name(uint32_t path);

/* ------------------------------------------------------------------------
 * Device memory to device memory
 * ------------------------------------------------------------------------ */

/* enum for struct p2pbuf_copy_result.method */
enum p2pbuf_copy_method {
	P2PBUF_COPY_NONE = 0,
	P2PBUF_COPY_CPU = 1,		/* memcpy between the two mappings */
};

/**
 * struct p2pbuf_copy_result - what p2pbuf_copy() did
 * @method:	enum p2pbuf_copy_method
 * @bytes:	bytes copied
 * @ns:		wall time of the copy, CPU access brackets included
 */
struct p2pbuf_copy_result {
	uint32_t method;
	uint32_t reserved0;
	uint64_t bytes;
	uint64_t ns;
	uint64_t reserved[4];
};

/**
 * p2pbuf_copy() - copy bytes between two buffers (device memory or not)
 * @dst, @dst_off: destination buffer and offset
 * @src, @src_off: source buffer and offset (@src may be @dst: overlapping
 *		ranges are handled)
 * @len:	bytes, > 0
 * @flags:	must be 0
 * @result:	filled; may be NULL
 *
 * Uses the best mechanism available; today that is the CPU (memcpy between
 * the mappings, in large chunks, inside DMA_BUF_IOCTL_SYNC brackets):
 * "cpu-memcpy". A DMA engine path would be another method. Buffers the
 * caller holds mapped are used through their mapping without new brackets.
 *
 * Return: 0, -EINVAL (range outside a buffer, flags), -EACCES (@dst
 * read-only), -ENODEV (a buffer was revoked), other -errno from the map.
 */
int p2pbuf_copy(struct p2pbuf_buffer *dst, uint64_t dst_off,
		struct p2pbuf_buffer *src, uint64_t src_off, uint64_t len,
		uint32_t flags, struct p2pbuf_copy_result *result);

/** p2pbuf_copy_method_name() - "none", "cpu-memcpy" or "unknown" */
const char *p2pbuf_copy_method_name(uint32_t method);

/* ------------------------------------------------------------------------
 * DVB: an MPEG transport stream from a DVB adapter into device memory
 *
 * DVB has no DMABUF import: p2pbuf_dvb_read() read()s the adapter's dvr
 * device straight into the mapping of a buffer (p2pbuf_buffer_map()), no
 * intermediate buffer in system RAM. The adapter is tuned with
 * p2pbuf_dvb_tune() (or by another program, e.g. dvbv5-zap), the demux
 * routes the wanted PIDs to the dvr device (p2pbuf_dvb_set_pids()).
 * Symbols and structures use <linux/dvb/frontend.h> values as is
 * (enum fe_delivery_system, FE_HAS_LOCK...).
 * ------------------------------------------------------------------------ */

struct p2pbuf_dvb;

/* Bytes per transport stream packet; reads move whole packets. */
#define P2PBUF_DVB_PACKET	188
/* The pseudo PID that selects the whole transport stream (every PID). */
#define P2PBUF_DVB_ALL_PIDS	0x2000
/* Most PIDs p2pbuf_dvb_set_pids() takes at once. */
#define P2PBUF_DVB_MAX_PIDS	32

/**
 * p2pbuf_dvb_open() - open a DVB adapter's demux and dvr devices
 * @adapter:	"/dev/dvb/adapterN", or just "N"
 * @frontend:	frontend number (opened by p2pbuf_dvb_tune() only)
 * @demux:	demux number (/dev/dvb/adapterN/demuxM)
 * @dvr:	dvr number (/dev/dvb/adapterN/dvrM)
 * @flags:	must be 0
 * @out:	receives the handle; close with p2pbuf_dvb_close()
 *
 * The demux and dvr devices are opened O_NONBLOCK | O_CLOEXEC and owned by
 * the handle. Nothing streams until p2pbuf_dvb_set_pids().
 *
 * Return: 0, -EINVAL (flags, malformed @adapter), -ENOENT (no such
 * adapter or device), -EBUSY (the dvr device is open by another reader),
 * -EACCES, other -errno from open().
 */
int p2pbuf_dvb_open(const char *adapter, unsigned int frontend, unsigned int demux,
		    unsigned int dvr, uint32_t flags, struct p2pbuf_dvb **out);

/**
 * p2pbuf_dvb_close() - stop the demux filter and close every device
 * @dvb:	handle, or NULL (no-op)
 */
void p2pbuf_dvb_close(struct p2pbuf_dvb *dvb);

/**
 * struct p2pbuf_dvb_tuning - what p2pbuf_dvb_tune() asks the frontend for
 * @delivery_system: enum fe_delivery_system (SYS_DVBT, SYS_DVBC_ANNEX_A...);
 *		0 (SYS_UNDEFINED): the first one the frontend lists
 *		(DTV_ENUM_DELSYS)
 * @frequency:	as DTV_FREQUENCY: Hz, kHz for satellite (the intermediate
 *		frequency after the LNB)
 * @bandwidth_hz: DTV_BANDWIDTH_HZ; 0: the driver's default
 * @symbol_rate: DTV_SYMBOL_RATE in symbols/s (cable, satellite); 0: unset
 */
struct p2pbuf_dvb_tuning {
	uint32_t delivery_system;
	uint32_t frequency;
	uint32_t bandwidth_hz;
	uint32_t symbol_rate;
	uint32_t reserved[8];
};

/**
 * struct p2pbuf_dvb_frontend - what the frontend says about itself
 * @name:	FE_GET_INFO's name ("Dummy demod for DVB-T/T2/C/S/S2" ...)
 * @num_delsys:	entries of @delsys
 * @delsys:	the delivery systems it supports (enum fe_delivery_system)
 * @delivery_system: the one in use (DTV_DELIVERY_SYSTEM)
 * @frequency:	tuned frequency (DTV_FREQUENCY)
 * @status:	FE_READ_STATUS bits (FE_HAS_LOCK...)
 */
struct p2pbuf_dvb_frontend {
	char name[128];
	uint32_t num_delsys;
	uint32_t delsys[16];
	uint32_t delivery_system;
	uint32_t frequency;
	uint32_t status;
	uint32_t reserved[8];
};

/**
 * p2pbuf_dvb_tune() - tune the frontend and wait for the lock
 * @dvb:	handle
 * @tuning:	delivery system and frequency
 * @timeout_ms:	how long to wait for FE_HAS_LOCK; 0: do not wait
 *
 * Opens the frontend (O_RDWR; it stays open, and tuned, until
 * p2pbuf_dvb_close()), sets DTV_CLEAR, the delivery system, the frequency
 * (and bandwidth / symbol rate if given, the rest automatic), DTV_TUNE, and
 * polls FE_READ_STATUS.
 *
 * Return: 0 with the lock (or with @timeout_ms 0); -ETIMEDOUT without a
 * lock in time (p2pbuf_dvb_frontend_info() tells how far it got); -EINVAL
 * (the frontend refused the parameters: frequency out of range, delivery
 * system not supported); -EBUSY (another program holds the frontend
 * read-write); -ENOENT (no such frontend); other -errno.
 */
int p2pbuf_dvb_tune(struct p2pbuf_dvb *dvb, const struct p2pbuf_dvb_tuning *tuning,
		    int timeout_ms);

/**
 * p2pbuf_dvb_frontend_info() - name, delivery systems and status of the
 * frontend
 *
 * Works without p2pbuf_dvb_tune() (opens the frontend read-only for the
 * call). Return: 0, -ENOENT (no such frontend), other -errno.
 */
int p2pbuf_dvb_frontend_info(struct p2pbuf_dvb *dvb, struct p2pbuf_dvb_frontend *fe);

/**
 * p2pbuf_dvb_set_buffer_size() - size of the kernel's dvr ring
 * @bytes:	DMX_SET_BUFFER_SIZE on the dvr device. The default (a few
 *		hundred KiB) overflows when the reader stalls for a fraction of
 *		a second; several MiB absorb a slow storage write.
 *
 * Call before p2pbuf_dvb_set_pids(). Return: 0, -EINVAL, -ENOMEM, -EBUSY
 * (while streaming on some kernels), other -errno.
 */
int p2pbuf_dvb_set_buffer_size(struct p2pbuf_dvb *dvb, uint64_t bytes);

/**
 * p2pbuf_dvb_set_pids() - route PIDs to the dvr device and start
 * @pids:	PIDs (0..0x1fff), or the one entry P2PBUF_DVB_ALL_PIDS for the
 *		whole transport stream; NULL with @count 0 means the same
 * @count:	entries in @pids, at most P2PBUF_DVB_MAX_PIDS
 *
 * DMX_SET_PES_FILTER (DMX_OUT_TS_TAP, DMX_PES_OTHER, started at once) on
 * the first PID, DMX_ADD_PID for the others. Replaces earlier PIDs. Resets
 * the continuity tracking (not the counters).
 *
 * Return: 0, -EINVAL (bad PID, too many), other -errno of the demux.
 */
int p2pbuf_dvb_set_pids(struct p2pbuf_dvb *dvb, const uint16_t *pids, unsigned int count);

/**
 * p2pbuf_dvb_read() - read transport stream packets into a buffer
 * @dvb:	handle, after p2pbuf_dvb_set_pids()
 * @buf:	destination; must not be mapped by the caller at the time
 *		(the call brackets its own P2PBUF_MAP_WRITE access)
 * @off:	where in @buf the packets go
 * @len:	room at @off; only whole packets are read (@len is rounded down
 *		to a multiple of P2PBUF_DVB_PACKET; less than one packet:
 *		-EINVAL)
 * @timeout_ms:	the longest the call waits for data; -1: until @len is
 *		full; 0: take what is there
 *
 * read()s the dvr device straight into the buffer's mapping until @len is
 * full or @timeout_ms passed, and returns what it has then: always whole
 * packets (a packet begun when the time runs out is completed first). Every
 * packet is checked as it lands: sync byte 0x47, continuity counters per
 * PID (see struct p2pbuf_dvb_stats). When the kernel's dvr ring overflowed
 * (EOVERFLOW: packets were lost before this read), the loss is counted in
 * @stats.overflows and the read goes on.
 *
 * Return: bytes read (> 0, a multiple of P2PBUF_DVB_PACKET), -ETIMEDOUT
 * when nothing came in time (-EAGAIN with @timeout_ms 0), -EINVAL (bad
 * range, no PIDs set), -ENODEV (the buffer was revoked or the adapter went
 * away), other -errno from read() or p2pbuf_buffer_map().
 */
int64_t p2pbuf_dvb_read(struct p2pbuf_dvb *dvb, struct p2pbuf_buffer *buf, uint64_t off,
			uint64_t len, int timeout_ms);

/**
 * struct p2pbuf_dvb_stats - counters since p2pbuf_dvb_open()
 * @bytes:	bytes read into buffers (whole packets)
 * @packets:	packets read
 * @reads:	read() calls that returned data
 * @sync_losses: packets that did not start with the sync byte 0x47 (data
 *		is misaligned or corrupt)
 * @cc_errors:	continuity counter gaps: packets lost (or repeated twice)
 *		on some PID, outside the overflows below
 * @overflows:	times the kernel's dvr ring overflowed (read() failed with
 *		EOVERFLOW): packets were dropped there, how many is unknown.
 *		Continuity tracking restarts after each.
 * @transport_errors: packets with transport_error_indicator set (the
 *		frontend could not correct them)
 */
struct p2pbuf_dvb_stats {
	uint64_t bytes;
	uint64_t packets;
	uint64_t reads;
	uint64_t sync_losses;
	uint64_t cc_errors;
	uint64_t overflows;
	uint64_t transport_errors;
	uint64_t reserved[8];
};

/** p2pbuf_dvb_stats() - counters, see struct p2pbuf_dvb_stats */
int p2pbuf_dvb_stats(const struct p2pbuf_dvb *dvb, struct p2pbuf_dvb_stats *stats);

/**
 * p2pbuf_dvb_fd() - the dvr fd, for poll() in an event loop. Borrowed:
 * owned by @dvb; do not read from it or close it.
 */
int p2pbuf_dvb_fd(const struct p2pbuf_dvb *dvb);

/* ------------------------------------------------------------------------
 * V4L2 memory nodes (p2pbuf_video.ko): a loopback pair per provider whose
 * buffers are the provider's memory, exported by VIDIOC_EXPBUF as p2pbuf
 * dma-bufs. Any V4L2 application can take buffers from them (v4l2-ctl
 * --stream-dmabuf -E NODE, GStreamer io-mode=dmabuf).
 * ------------------------------------------------------------------------ */

enum p2pbuf_video_dir {
	P2PBUF_VIDEO_OUTPUT = 0,	/* frames are queued here (the writer) */
	P2PBUF_VIDEO_CAPTURE = 1,	/* and dequeued here, in place (the reader) */
};

/**
 * p2pbuf_video_find() - the V4L2 memory nodes of a provider
 * @provider:	a provider name as under /dev/p2pbuf ("0000:05:00.0-bar2")
 *		or a spec naming a p2pbuf provider ("pci:...", "cmb:...",
 *		"name:...")
 * @output:	where to store the output node's path ("/dev/video1"), or NULL
 * @capture:	where to store the capture node's path, or NULL
 * @len:	size of each of @output and @capture
 *
 * Return: 0; -ENOENT when the provider has no nodes (create them with
 * p2pbuf_video_create()); -ENODEV when p2pbuf_video.ko is not loaded;
 * -ENAMETOOLONG when @len is too small; errors of p2pbuf_provider_open()
 * for a spec.
 */
int p2pbuf_video_find(const char *provider, char *output, char *capture, size_t len);

/**
 * p2pbuf_video_open() - open a provider's output or capture node
 * @provider:	as for p2pbuf_video_find()
 * @dir:	P2PBUF_VIDEO_OUTPUT or P2PBUF_VIDEO_CAPTURE
 * @flags:	open(2) flags (O_RDWR, O_NONBLOCK); O_CLOEXEC is added
 *
 * Return: an fd the caller owns and closes, or -errno as
 * p2pbuf_video_find(), -EINVAL for another @dir, or open(2)'s error.
 */
int p2pbuf_video_open(const char *provider, enum p2pbuf_video_dir dir, int flags);

/**
 * p2pbuf_video_create() - create a provider's node pair
 * p2pbuf_video_remove() - remove it (open files get -ENODEV; their buffers
 *			   are freed)
 * @provider:	as for p2pbuf_video_find()
 *
 * Writes /sys/class/p2pbuf_video/add or remove: root only.
 * Return: 0; -EEXIST (create: it has nodes); -ENODEV (no such provider,
 * none to remove, or p2pbuf_video.ko not loaded); -EACCES.
 */
int p2pbuf_video_create(const char *provider);
int p2pbuf_video_remove(const char *provider);

#ifdef __cplusplus
}
#endif

#endif /* P2PBUF_P2PBUF_H */
