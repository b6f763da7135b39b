// SPDX-License-Identifier: LGPL-2.1-or-later
/* Advice for errors, and names of the uapi enums. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

static bool op_is(const char *op, const char *prefix)
{
	return op && !strncmp(op, prefix, strlen(prefix));
}

const char *p2pbuf_error_hint(int err, const char *op)
{
	if (err > 0)
		err = -err;

	switch (err) {
	case -ENODEV:
		if (op_is(op, "video"))
			return "p2pbuf_video not loaded (modprobe p2pbuf_video), or no such provider ('p2pbuf-ctl list'; 'p2pbuf-ctl video list' shows the nodes)";
		if (op_is(op, "heap:"))
			return "this kernel has no dma-heaps (CONFIG_DMABUF_HEAPS)";
		if (op_is(op, "map") || op_is(op, "stream") || op_is(op, "alloc"))
			return "the device went away (unbound or unplugged): its buffers are revoked";
		return "p2pbuf module not loaded: modprobe p2pbuf (or insmod p2pbuf.ko)";
	case -ENOENT:
		if (op_is(op, "pci:") || op_is(op, "name:"))
			return "no such p2pbuf provider: bind the device with 'p2pbuf-ctl bind BDF [--bar N]'; 'p2pbuf-ctl list' shows the providers";
		if (op_is(op, "cmb:"))
			return "no published p2pmem for this device: needs a kernel with CONFIG_PCI_P2PDMA and a driver that publishes it (NVMe with a CMB); 'p2pbuf-ctl list' shows the providers";
		if (op_is(op, "heap:"))
			return "no such dma-heap: see ls /dev/dma_heap (heap:system needs CONFIG_DMABUF_HEAPS_SYSTEM)";
		if (op_is(op, "udmabuf"))
			return "no /dev/udmabuf: modprobe udmabuf (needs CONFIG_UDMABUF)";
		if (op_is(op, "drm:"))
			return "no such DRM device: see ls /dev/dri (modprobe vgem for a virtual one)";
		if (op_is(op, "route") || op_is(op, "bind") || op_is(op, "unbind"))
			return "no such provider or PCI device: see 'p2pbuf-ctl list' and lspci -D";
		if (op_is(op, "stream"))
			return "no such video device: see ls /dev/video* (modprobe vivid for a virtual one)";
		if (op_is(op, "video"))
			return "the provider has no V4L2 memory nodes: create them with 'p2pbuf-ctl video add PROVIDER'";
		return "no such device node";
	case -ENOTUNIQ:
		return "the device has several p2pbuf providers: name one with pci:BDF/barN";
	case -EINVAL:
		if (op && strchr(op, ':'))
			return "malformed provider spec: use pci:DDDD:BB:DD.F[/barN], cmb:BDF, name:NODE, heap:NAME, udmabuf, drm:PATH, fd:N or memfd";
		if (op_is(op, "info") || op_is(op, "import"))
			return "not a dma-buf exported by p2pbuf";
		return "";
	case -EACCES:
	case -EPERM:
		if (op_is(op, "video"))
			return "creating and removing V4L2 memory nodes is for root (it writes /sys/class/p2pbuf_video)";
		return "permission denied: run as root or install the p2pbuf udev rule (group video)";
	case -ENOMEM:
	case -ENOSPC:
		if (op_is(op, "alloc") || op_is(op, "pool") || op_is(op, "stream"))
			return "the provider is out of memory: free buffers or ask for less; 'p2pbuf-ctl stats' shows usage";
		return "";
	case -EOPNOTSUPP:
		if (op_is(op, "alloc") || op_is(op, "pool") || op_is(op, "fd:"))
			return "this provider cannot allocate (fd:N wraps an existing dma-buf): use another provider";
		if (op_is(op, "stream"))
			return "the device cannot capture into imported dma-bufs (V4L2_MEMORY_DMABUF) or lacks the requested API";
		return "";
	case -EREMOTEIO:
		return "the importing device cannot reach this device memory by DMA (the reason says why: no peer-to-peer path, or a DMA mask narrower than the memory's address): put both under one PCIe switch, use a device whose DMA mask covers the memory, or capture into host memory (heap:system, udmabuf)";
	case -EAGAIN:
		if (op_is(op, "pool"))
			return "the pool is empty: release a buffer first";
		return "";
	case -ETIMEDOUT:
		return "no frame in time: is the device streaming (input, signal, frame rate)?";
	case -EPIPE:
		return "the driver has no buffer to fill: queue buffers back with p2pbuf_stream_queue()";
	case -ENOTTY:
		return "wrong kind of device for this request (not a p2pbuf node, dma-heap or V4L2 device?)";
	case -E2BIG:
		return "the loaded p2pbuf module is older than this library: rebuild or update the module";
	case -EBUSY:
		if (op_is(op, "map"))
			return "the buffer is already mapped: unmap it first";
		if (op_is(op, "bind") || op_is(op, "unbind"))
			return "the device is in use (open buffers or another driver)";
		return "busy: stop streaming or close users first";
	case -EBADF:
		return "not an open file descriptor";
	case -EMFILE:
	case -ENFILE:
		return "too many open files: raise the limit (ulimit -n) or close buffers";
	default:
		return "";
	}
}

const char *p2pbuf_route_name(uint32_t route)
{
	switch (route) {
	case P2PBUF_ROUTE_NONE:		return "none";
	case P2PBUF_ROUTE_P2P:		return "p2p";
	case P2PBUF_ROUTE_HOST_BRIDGE:	return "host-bridge";
	case P2PBUF_ROUTE_HOST_UNCHECKED: return "host-unchecked";
	case P2PBUF_ROUTE_REFUSED:	return "refused";
	default:			return "unknown";
	}
}

const char *p2pbuf_backend_name(uint32_t backend)
{
	switch (backend) {
	case P2PBUF_BACKEND_P2PDMA:	return "p2pdma";
	case P2PBUF_BACKEND_DEVMEM:	return "devmem";
	case P2PBUF_BACKEND_PFNMAP:	return "pfnmap";
	default:			return "unknown";
	}
}

const char *p2pbuf_memtype_name(uint32_t memtype)
{
	switch (memtype) {
	case P2PBUF_MEMTYPE_WB:		return "wb";
	case P2PBUF_MEMTYPE_WC:		return "wc";
	case P2PBUF_MEMTYPE_UC_MINUS:	return "uc-";
	case P2PBUF_MEMTYPE_UC:		return "uc";
	default:			return "unknown";
	}
}

const char *p2pbuf_provider_kind_name(enum p2pbuf_provider_kind kind)
{
	switch (kind) {
	case P2PBUF_SPEC_PCI:		return "pci";
	case P2PBUF_SPEC_CMB:		return "cmb";
	case P2PBUF_SPEC_NAME:		return "name";
	case P2PBUF_SPEC_HEAP:		return "heap";
	case P2PBUF_SPEC_UDMABUF:	return "udmabuf";
	case P2PBUF_SPEC_DRM:		return "drm";
	case P2PBUF_SPEC_FD:		return "fd";
	case P2PBUF_SPEC_MEMFD:		return "memfd";
	default:			return "unknown";
	}
}

const char *p2pbuf__strerror(int err, char *buf, size_t len)
{
	if (err < 0)
		err = -err;
	/* GNU strerror_r: may return a static string instead of filling buf. */
	return strerror_r(err, buf, len);
}
