/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * p2pbuf: PCIe device memory (BAR regions) exported as dma-buf objects.
 *
 * Two kinds of character device:
 *
 *   /dev/p2pbuf/<provider>  one per region of device memory. Its only ioctl,
 *                           P2PBUF_IOCTL_ALLOC, is binary compatible with
 *                           DMA_HEAP_IOCTL_ALLOC: code written for dma-heaps
 *                           allocates from device memory unchanged.
 *   /dev/p2pbuf/ctl         lists providers, describes buffers and the route
 *                           each importer got, and asks whether a PCI device
 *                           can reach a provider by peer-to-peer DMA.
 *
 * Structures may grow at the end; the kernel takes the caller's struct size
 * from the ioctl number (_IOC_SIZE). The two nodes apply different rules:
 *
 *   provider node  the dma-heap core's rule (dma_heap_ioctl()), so that
 *                  dma-heap code sees the same results. The command is
 *                  matched by its number (_IOC_NR) alone; another number
 *                  fails with -EINVAL. _IOC_SIZE bytes are read if the
 *                  command has _IOC_WRITE and written back if it has
 *                  _IOC_READ. A shorter (older) struct is zero-extended:
 *                  the fields it lacks are taken as 0 (a zero length, so
 *                  size 0 or no _IOC_WRITE, fails with -EINVAL). The tail
 *                  of a longer (newer) struct is ignored, whatever it holds,
 *                  and written back unchanged; it must be readable (and
 *                  writable for _IOC_READ), else -EFAULT. The new fd is
 *                  installed even when the written-back part is too short to
 *                  hold it (as with dma-heaps: do not do that).
 *   ctl node       shorter than the first version of the struct: -EINVAL;
 *                  between that and the kernel's struct (an older caller of
 *                  a struct that grew): zero-extended. Longer: the
 *                  bytes the kernel does not know must be zero (-E2BIG
 *                  otherwise); only the kernel's struct is written back.
 *                  Another magic, an unknown number, or a direction
 *                  other than _IOWR (for P2PBUF_CTL_RESCAN: any command
 *                  but exactly _IO) fails with -ENOTTY.
 *
 * Every flags field must be 0 unless a flag is defined for it (-EINVAL).
 */
#ifndef _UAPI_LINUX_P2PBUF_H
#define _UAPI_LINUX_P2PBUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* ---- provider node: /dev/p2pbuf/<provider> ---- */

/* Same magic, number and layout as DMA_HEAP_IOCTL_ALLOC. */
#define P2PBUF_IOC_MAGIC		'H'

/*
 * Valid bits of fd_flags: O_CLOEXEC and the access mode (O_RDWR...), as
 * DMA_HEAP_VALID_FD_FLAGS; using it needs <fcntl.h> (<linux/fcntl.h> in
 * the kernel).
 */
#define P2PBUF_VALID_FD_FLAGS		(O_CLOEXEC | O_ACCMODE)

/**
 * struct p2pbuf_alloc_data - allocate a dma-buf from a provider
 * @len:	in: size in bytes; rounded up to the page size; != 0 (-EINVAL
 *		for 0 and for a length that rounds up past the largest size_t;
 *		-ENOMEM beyond the provider's size)
 * @fd:		in: must be 0 (-EINVAL); out: the new dma-buf file descriptor
 * @fd_flags:	in: O_CLOEXEC and/or O_RDWR/O_RDONLY/O_WRONLY, nothing else
 *		(-EINVAL)
 * @heap_flags:	in: must be 0 (-EINVAL)
 *
 * Sizes other than this struct's: see the provider node's rule at the top.
 */
struct p2pbuf_alloc_data {
	__u64 len;
	__u32 fd;
	__u32 fd_flags;
	__u64 heap_flags;
};

#define P2PBUF_IOCTL_ALLOC	_IOWR(P2PBUF_IOC_MAGIC, 0x0, struct p2pbuf_alloc_data)

/* ---- control node: /dev/p2pbuf/ctl ---- */

/* 0xB9: free in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define P2PBUF_CTL_MAGIC		0xB9

#define P2PBUF_NAME_LEN			64

/* Where the memory comes from and how struct pages are provided. */
enum p2pbuf_backend {
	P2PBUF_BACKEND_P2PDMA = 1,	/* CONFIG_PCI_P2PDMA: pages from the P2PDMA core */
	/*
	 * 2 was "devmem" (ZONE_DEVICE pages over the BAR): user mappings
	 * could be pinned and the memory reused under the pin. Not reported
	 * by this version.
	 */
	P2PBUF_BACKEND_DEVMEM = 2,
	/* no P2PDMA: no struct pages, PFN-map user mappings (cannot be
	 * pinned), DMA mappings by dma_map_resource()
	 */
	P2PBUF_BACKEND_PFNMAP = 3,
};

/* Provider kinds. */
enum p2pbuf_kind {
	P2PBUF_KIND_BAR = 1,		/* a BAR of a device bound to p2pbuf */
	P2PBUF_KIND_PUBLISHED = 2,	/* p2pmem another driver published (NVMe CMB) */
};

/* Kernel (and user) mapping memory type of the region. */
enum p2pbuf_memtype {
	P2PBUF_MEMTYPE_WB = 1,
	P2PBUF_MEMTYPE_WC = 2,
	P2PBUF_MEMTYPE_UC_MINUS = 3,
	P2PBUF_MEMTYPE_UC = 4,
};

/* Provider flags (output). */
#define P2PBUF_PROVIDER_REVOKED		0x1U	/* device going away */
/* Addresses are 0: the caller (the opener of ctl) lacks CAP_SYS_ADMIN. */
#define P2PBUF_PROVIDER_ADDRS_HIDDEN	0x2U
/* Input: look the provider up by @name, not by @index. */
#define P2PBUF_PROVIDER_BY_NAME		0x80000000U

/**
 * struct p2pbuf_provider_info - describe provider number @index, or the
 *		provider called @name (stable across hotplug)
 * @index:	in: 0, 1, ... ; -ENOENT past the last provider. Indexes move
 *		when providers come and go: use P2PBUF_PROVIDER_BY_NAME to
 *		address one provider. out: the provider's current index
 * @flags:	in: 0 or P2PBUF_PROVIDER_BY_NAME; out: P2PBUF_PROVIDER_*
 * @name:	node name under /dev/p2pbuf/, NUL terminated (in, with
 *		P2PBUF_PROVIDER_BY_NAME: -ENOENT if no provider has it)
 * @pci_dev:	PCI address of the device owning the memory ("0000:03:00.0")
 * @backend:	enum p2pbuf_backend
 * @kind:	enum p2pbuf_kind
 * @bar:	BAR number
 * @memtype:	enum p2pbuf_memtype
 * @bus_addr:	PCI bus address of the start of the region (0 without
 *		CAP_SYS_ADMIN, with P2PBUF_PROVIDER_ADDRS_HIDDEN)
 * @phys_addr:	CPU physical address of the start of the region (likewise)
 * @size:	bytes managed by the provider
 * @free:	bytes not allocated
 * @allocated:	bytes allocated
 * @peak:	highest @allocated seen
 * @buffers:	live buffers
 * @attachments: live importer attachments
 */
struct p2pbuf_provider_info {
	__u32 index;
	__u32 flags;
	char name[P2PBUF_NAME_LEN];
	char pci_dev[32];
	__u32 backend;
	__u32 kind;
	__u32 bar;
	__u32 memtype;
	__u64 bus_addr;
	__u64 phys_addr;
	__u64 size;
	__u64 free;
	__u64 allocated;
	__u64 peak;
	__u64 buffers;
	__u64 attachments;
};

/* How an importer reaches the memory. */
enum p2pbuf_route {
	P2PBUF_ROUTE_NONE = 0,		/* attached, never mapped for DMA */
	P2PBUF_ROUTE_P2P = 1,		/* PCI bus address through a switch */
	P2PBUF_ROUTE_HOST_BRIDGE = 2,	/* through the host bridge (allow-listed) */
	/* CPU physical address: a kernel without P2PDMA cannot check the path */
	P2PBUF_ROUTE_HOST_UNCHECKED = 3,
	P2PBUF_ROUTE_REFUSED = 4,	/* attach refused, see @error */
};

/**
 * struct p2pbuf_attach_info - one importer of a buffer
 * @importer:	device name of the importer (dev_name), NUL terminated
 * @bus:	bus of the importer ("pci", "platform", ...)
 * @route:	enum p2pbuf_route
 * @error:	negative errno when @route is P2PBUF_ROUTE_REFUSED, else 0
 * @mapped:	number of current DMA mappings
 * @flags:	P2PBUF_ATTACH_* (was reserved, always 0, before v1.1)
 * @dma_addr:	first DMA address handed to the importer (0 if none, or
 *		without CAP_SYS_ADMIN)
 * @dma_mask:	the importer's DMA mask
 */
struct p2pbuf_attach_info {
	char importer[P2PBUF_NAME_LEN];
	char bus[16];
	__u32 route;
	__s32 error;
	__u32 mapped;
	__u32 flags;
	__u64 dma_addr;
	__u64 dma_mask;
};

/*
 * Attachment flags (output). REVOCABLE: a dynamic importer, told of a
 * revocation (move_notify / invalidate_mappings) and expected to map again.
 * PINNED: a static importer holds a pinned mapping (kernels with a dynamic
 * exporter, 7.1+); such a mapping outlives a revocation until the importer
 * unmaps it (see the README's "After revocation").
 */
#define P2PBUF_ATTACH_REVOCABLE		0x1U
#define P2PBUF_ATTACH_PINNED		0x2U

/* Buffer flags (output). */
#define P2PBUF_BUFFER_REVOKED		0x1U
/* Addresses are 0: the caller (the opener of ctl) lacks CAP_SYS_ADMIN. */
#define P2PBUF_BUFFER_ADDRS_HIDDEN	0x2U

/**
 * struct p2pbuf_buffer_info - describe a p2pbuf dma-buf
 * @fd:		in: the dma-buf (-EINVAL if not one of ours, -EBADF if no fd)
 * @flags:	in: must be 0; out: P2PBUF_BUFFER_*
 * @attach_cap:	in: room in @attach_ptr, in entries; at most 256 are
 *		filled in (a larger value is taken as 256)
 * @attach_count: out: attachments plus refused attempts recorded (may
 *		exceed @attach_cap; only @attach_cap are copied)
 * @attach_ptr:	in: user pointer to struct p2pbuf_attach_info[@attach_cap]
 * @attach_size: in: sizeof(struct p2pbuf_attach_info) as the caller knows
 *		it: at least the v1 size (112) when @attach_cap != 0, at most
 *		4096 (-EINVAL); bytes past the kernel's struct are zeroed
 * @reserved:	must be 0
 * @provider:	out: provider name
 * @size:	out: buffer size
 * @offset:	out: offset of the buffer in the provider's region
 * @bus_addr:	out: PCI bus address of the buffer (0 without CAP_SYS_ADMIN)
 * @phys_addr:	out: CPU physical address of the buffer (likewise)
 * @vmaps:	out: current kernel mappings (vmap)
 * @mmaps:	out: current user mappings
 */
struct p2pbuf_buffer_info {
	__s32 fd;
	__u32 flags;
	__u32 attach_cap;
	__u32 attach_count;
	__u64 attach_ptr;
	__u32 attach_size;
	__u32 reserved;
	char provider[P2PBUF_NAME_LEN];
	__u64 size;
	__u64 offset;
	__u64 bus_addr;
	__u64 phys_addr;
	__u64 vmaps;
	__u64 mmaps;
};

/* Input: the provider is @provider (its name), not @index. */
#define P2PBUF_ROUTE_BY_NAME		0x80000000U
/* @index is a dma-buf fd (of any exporter): see below. */
#define P2PBUF_ROUTE_BY_DMABUF		0x40000000U

/**
 * struct p2pbuf_route_query - can PCI device @client reach provider @index
 *		(or the provider called @provider)?
 * @index:	in: provider index as in struct p2pbuf_provider_info
 * @flags:	in: 0, P2PBUF_ROUTE_BY_NAME or P2PBUF_ROUTE_BY_DMABUF
 * @client:	in: PCI address of the would-be importer ("0000:04:00.0")
 * @route:	out: enum p2pbuf_route (P2PBUF_ROUTE_REFUSED if not reachable)
 * @error:	out: negative errno with REFUSED
 * @distance:	out: P2PDMA distance (0 when the kernel cannot tell)
 * @reserved:	must be 0
 * @provider:	in, with P2PBUF_ROUTE_BY_NAME: the provider's name (v2; a
 *		v1 caller's struct ends before it and is zero-extended);
 *		out, with P2PBUF_ROUTE_BY_DMABUF: the buffer's exporter
 *		("p2pbuf", "vfio_pci", ...)
 *
 * With P2PBUF_ROUTE_BY_DMABUF, @index is a dma-buf fd of any exporter: the
 * route is how @client would reach that buffer. For a p2pbuf buffer it is
 * p2pbuf's own decision; for another exporter's (vfio-pci's BAR export,
 * say) the module attaches @client as a peer-to-peer capable dynamic
 * importer, maps once and unmaps: P2PBUF_ROUTE_P2P when the exporter hands
 * out a PCI bus address, P2PBUF_ROUTE_HOST_BRIDGE for any other address,
 * P2PBUF_ROUTE_REFUSED with the exporter's error when it refuses. Probing
 * another exporter needs CAP_SYS_ADMIN (-EPERM). Needs v2 (-EINVAL for v1).
 */
struct p2pbuf_route_query {
	__u32 index;
	__u32 flags;
	char client[32];
	__u32 route;
	__s32 error;
	__u32 distance;
	__u32 reserved;
	char provider[P2PBUF_NAME_LEN];
};

/* Size of the first version of struct p2pbuf_route_query. */
#define P2PBUF_ROUTE_QUERY_SIZE_V1	56

#define P2PBUF_CTL_PROVIDER_INFO _IOWR(P2PBUF_CTL_MAGIC, 0x1, struct p2pbuf_provider_info)
#define P2PBUF_CTL_BUFFER_INFO	_IOWR(P2PBUF_CTL_MAGIC, 0x2, struct p2pbuf_buffer_info)
#define P2PBUF_CTL_ROUTE	_IOWR(P2PBUF_CTL_MAGIC, 0x3, struct p2pbuf_route_query)
/*
 * Look again for regions other drivers published (pci_p2pmem_publish).
 * Needs CAP_SYS_ADMIN (-EPERM).
 */
#define P2PBUF_CTL_RESCAN	_IO(P2PBUF_CTL_MAGIC, 0x4)

#endif /* _UAPI_LINUX_P2PBUF_H */
