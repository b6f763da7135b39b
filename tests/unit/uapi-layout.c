// SPDX-License-Identifier: MIT
/*
 * Pin the uapi layout (the kernel pins the same with BUILD_BUG_ON) and the
 * dma-heap compatibility of the allocation ioctl. A mismatch fails the
 * build; the runtime checks repeat the ioctl numbers for the log.
 */
#include <fcntl.h>
#include <stddef.h>
#include <linux/dma-heap.h>
#include <linux/p2pbuf.h>

#include "test.h"

#define SIZE(t, n)	_Static_assert(sizeof(struct t) == (n), "sizeof " #t)
#define OFF(t, f, n)	_Static_assert(offsetof(struct t, f) == (n), #t "." #f)

/* P2PBUF_IOCTL_ALLOC is DMA_HEAP_IOCTL_ALLOC, same struct layout. */
_Static_assert(P2PBUF_IOCTL_ALLOC == DMA_HEAP_IOCTL_ALLOC, "alloc ioctl");
_Static_assert(sizeof(struct p2pbuf_alloc_data) == sizeof(struct dma_heap_allocation_data), "alloc size");
_Static_assert(offsetof(struct p2pbuf_alloc_data, len) == offsetof(struct dma_heap_allocation_data, len), "len");
_Static_assert(offsetof(struct p2pbuf_alloc_data, fd) == offsetof(struct dma_heap_allocation_data, fd), "fd");
_Static_assert(offsetof(struct p2pbuf_alloc_data, fd_flags) == offsetof(struct dma_heap_allocation_data, fd_flags), "fd_flags");
_Static_assert(offsetof(struct p2pbuf_alloc_data, heap_flags) == offsetof(struct dma_heap_allocation_data, heap_flags), "heap_flags");
_Static_assert(P2PBUF_VALID_FD_FLAGS == DMA_HEAP_VALID_FD_FLAGS, "fd flags");

SIZE(p2pbuf_alloc_data, 24);
OFF(p2pbuf_alloc_data, len, 0);
OFF(p2pbuf_alloc_data, fd, 8);
OFF(p2pbuf_alloc_data, fd_flags, 12);
OFF(p2pbuf_alloc_data, heap_flags, 16);

SIZE(p2pbuf_provider_info, 184);
OFF(p2pbuf_provider_info, index, 0);
OFF(p2pbuf_provider_info, flags, 4);
OFF(p2pbuf_provider_info, name, 8);
OFF(p2pbuf_provider_info, pci_dev, 72);
OFF(p2pbuf_provider_info, backend, 104);
OFF(p2pbuf_provider_info, kind, 108);
OFF(p2pbuf_provider_info, bar, 112);
OFF(p2pbuf_provider_info, memtype, 116);
OFF(p2pbuf_provider_info, bus_addr, 120);
OFF(p2pbuf_provider_info, phys_addr, 128);
OFF(p2pbuf_provider_info, size, 136);
OFF(p2pbuf_provider_info, free, 144);
OFF(p2pbuf_provider_info, allocated, 152);
OFF(p2pbuf_provider_info, peak, 160);
OFF(p2pbuf_provider_info, buffers, 168);
OFF(p2pbuf_provider_info, attachments, 176);

SIZE(p2pbuf_attach_info, 112);
OFF(p2pbuf_attach_info, importer, 0);
OFF(p2pbuf_attach_info, bus, 64);
OFF(p2pbuf_attach_info, route, 80);
OFF(p2pbuf_attach_info, error, 84);
OFF(p2pbuf_attach_info, mapped, 88);
OFF(p2pbuf_attach_info, flags, 92);
OFF(p2pbuf_attach_info, dma_addr, 96);
OFF(p2pbuf_attach_info, dma_mask, 104);

SIZE(p2pbuf_buffer_info, 144);
OFF(p2pbuf_buffer_info, fd, 0);
OFF(p2pbuf_buffer_info, flags, 4);
OFF(p2pbuf_buffer_info, attach_cap, 8);
OFF(p2pbuf_buffer_info, attach_count, 12);
OFF(p2pbuf_buffer_info, attach_ptr, 16);
OFF(p2pbuf_buffer_info, attach_size, 24);
OFF(p2pbuf_buffer_info, reserved, 28);
OFF(p2pbuf_buffer_info, provider, 32);
OFF(p2pbuf_buffer_info, size, 96);
OFF(p2pbuf_buffer_info, offset, 104);
OFF(p2pbuf_buffer_info, bus_addr, 112);
OFF(p2pbuf_buffer_info, phys_addr, 120);
OFF(p2pbuf_buffer_info, vmaps, 128);
OFF(p2pbuf_buffer_info, mmaps, 136);

SIZE(p2pbuf_route_query, 120);
OFF(p2pbuf_route_query, index, 0);
OFF(p2pbuf_route_query, flags, 4);
OFF(p2pbuf_route_query, client, 8);
OFF(p2pbuf_route_query, route, 40);
OFF(p2pbuf_route_query, error, 44);
OFF(p2pbuf_route_query, distance, 48);
OFF(p2pbuf_route_query, reserved, 52);
OFF(p2pbuf_route_query, provider, 56);
_Static_assert(P2PBUF_ROUTE_QUERY_SIZE_V1 == 56, "route query v1 size");

/* The ioctl numbers are ABI too: direction, magic, number, size. */
_Static_assert(P2PBUF_IOCTL_ALLOC == 0xc0184800, "P2PBUF_IOCTL_ALLOC");
/* magic 0xB9: free in the kernel's ioctl-number.rst (0xB7 is nsfs') */
_Static_assert(P2PBUF_CTL_PROVIDER_INFO == 0xc0b8b901, "P2PBUF_CTL_PROVIDER_INFO");
_Static_assert(P2PBUF_CTL_BUFFER_INFO == 0xc090b902, "P2PBUF_CTL_BUFFER_INFO");
_Static_assert(P2PBUF_CTL_ROUTE == 0xc078b903, "P2PBUF_CTL_ROUTE");
_Static_assert(P2PBUF_CTL_RESCAN == 0xb904, "P2PBUF_CTL_RESCAN");

/* Enum values are ABI. */
_Static_assert(P2PBUF_ROUTE_NONE == 0 && P2PBUF_ROUTE_P2P == 1 &&
	       P2PBUF_ROUTE_HOST_BRIDGE == 2 && P2PBUF_ROUTE_HOST_UNCHECKED == 3 &&
	       P2PBUF_ROUTE_REFUSED == 4, "enum p2pbuf_route");
_Static_assert(P2PBUF_BACKEND_P2PDMA == 1 && P2PBUF_BACKEND_DEVMEM == 2 &&
	       P2PBUF_BACKEND_PFNMAP == 3, "backend");
_Static_assert(P2PBUF_KIND_BAR == 1 && P2PBUF_KIND_PUBLISHED == 2, "kind");
_Static_assert(P2PBUF_MEMTYPE_WB == 1 && P2PBUF_MEMTYPE_WC == 2 &&
	       P2PBUF_MEMTYPE_UC_MINUS == 3 && P2PBUF_MEMTYPE_UC == 4, "memtype");
_Static_assert(P2PBUF_NAME_LEN == 64, "name length");

int main(void)
{
	CHECK_EQ(P2PBUF_IOCTL_ALLOC, DMA_HEAP_IOCTL_ALLOC);
	CHECK_EQ(sizeof(struct p2pbuf_alloc_data), sizeof(struct dma_heap_allocation_data));
	printf("P2PBUF_IOCTL_ALLOC       %#lx\n", (unsigned long)P2PBUF_IOCTL_ALLOC);
	printf("P2PBUF_CTL_PROVIDER_INFO %#lx\n", (unsigned long)P2PBUF_CTL_PROVIDER_INFO);
	printf("P2PBUF_CTL_BUFFER_INFO   %#lx\n", (unsigned long)P2PBUF_CTL_BUFFER_INFO);
	printf("P2PBUF_CTL_ROUTE         %#lx\n", (unsigned long)P2PBUF_CTL_ROUTE);
	printf("P2PBUF_CTL_RESCAN        %#lx\n", (unsigned long)P2PBUF_CTL_RESCAN);
	return T_RESULT();
}
