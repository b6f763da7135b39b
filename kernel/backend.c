// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pbuf backends: where a provider's struct pages and allocator come from.
 *
 * p2pdma  CONFIG_PCI_P2PDMA kernels. The P2PDMA core creates the pages
 *         (MEMORY_DEVICE_PCI_P2PDMA) and the allocator; dma_map_sgtable()
 *         then routes peer-to-peer (bus address) where the topology allows.
 * pfnmap  kernels without P2PDMA. No struct pages: our own gen_pool over
 *         the BAR's mapping, PFN-map user mappings (cannot be pinned), DMA
 *         mappings by dma_map_resource() (CPU physical addresses through
 *         the host bridge, unchecked).
 *
 * The p2pdma backend's user mappings can be pinned by O_DIRECT I/O only
 * with FOLL_PCI_P2PDMA (short-term pins of block I/O; never long-term).
 * Both give vb2 importers a plain kernel address to vmap and unmap.
 */
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci-p2pdma.h>

#include "p2pbuf_priv.h"

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "Backend for BARs bound to p2pbuf: auto (p2pdma when the kernel has CONFIG_PCI_P2PDMA, else pfnmap), p2pdma or pfnmap");

const char *const p2pbuf_backend_names[] = {
	[P2PBUF_BACKEND_P2PDMA] = "p2pdma",
	[P2PBUF_BACKEND_DEVMEM] = "devmem",
	[P2PBUF_BACKEND_PFNMAP] = "pfnmap",
};

/*
 * Register the memory type the CPU must use for the BAR before its pages
 * exist: memremap_pages() adopts an existing registration for the kernel's
 * mapping, and vmf_insert_mixed() looks it up for user mappings, so kernel
 * and user agree (no write-back alias of device memory).
 */
static int p2pbuf_hold_memtype(struct p2pbuf_provider *prov)
{
	if (pci_resource_flags(prov->pdev, prov->bar) & IORESOURCE_PREFETCH) {
		prov->memtype_hold = ioremap_wc(prov->phys, prov->size);
		prov->memtype = P2PBUF_MEMTYPE_WC;
	} else {
		prov->memtype_hold = ioremap(prov->phys, prov->size);
		prov->memtype = P2PBUF_MEMTYPE_UC_MINUS;
	}
	if (!prov->memtype_hold) {
		pci_err(prov->pdev, "cannot map BAR %d (%pa, %llu bytes)\n",
			prov->bar, &prov->phys, prov->size);
		return -ENOMEM;
	}
	return 0;
}

/*
 * No struct pages: the kernel address is the BAR's own mapping of the
 * registered type (vb2 importers get it from vmap as a plain address, as
 * x86 allows for ioremap'd memory), buffers come from our gen_pool, user
 * mappings are PFN maps that get_user_pages() refuses (nothing can pin
 * them, so freed memory is never in use behind the allocator's back) and
 * importers get dma_map_resource() addresses. O_DIRECT from such a mapping
 * fails with EFAULT: storage goes through the explicit bounce path.
 */
static int p2pbuf_pfnmap_setup(struct p2pbuf_provider *prov)
{
	int nid = dev_to_node(&prov->pdev->dev);

	prov->kaddr = (void __force *)prov->memtype_hold;
	prov->pool = gen_pool_create(PAGE_SHIFT, nid);
	if (!prov->pool)
		return -ENOMEM;
	return gen_pool_add_virt(prov->pool, (unsigned long)prov->kaddr, prov->phys,
				 prov->size, nid);
}

#if IS_ENABLED(CONFIG_PCI_P2PDMA)
/*
 * pci_p2pdma_add_resource() is device-managed: the pages go away when p2pbuf
 * is unbound, and the P2PDMA core waits for every page to be freed first.
 * Our buffers hold page references, so unbinding completes once the last
 * buffer (already revoked) is released.
 */
static int p2pbuf_p2pdma_setup(struct p2pbuf_provider *prov)
{
	int ret;

	ret = pci_p2pdma_add_resource(prov->pdev, prov->bar, prov->size, 0);
	if (ret) {
		pci_err(prov->pdev, "P2PDMA core refused BAR %d: %d\n",
			prov->bar, ret);
		return ret;
	}
	pci_p2pmem_publish(prov->pdev, true);
	return 0;
}
#endif

static enum p2pbuf_backend p2pbuf_pick_backend(struct p2pbuf_provider *prov)
{
	if (prov->kind == P2PBUF_KIND_PUBLISHED)
		return P2PBUF_BACKEND_P2PDMA;
	if (!strcmp(backend, "pfnmap"))
		return P2PBUF_BACKEND_PFNMAP;
	if (!strcmp(backend, "p2pdma"))
		return P2PBUF_BACKEND_P2PDMA;
	return IS_ENABLED(CONFIG_PCI_P2PDMA) ? P2PBUF_BACKEND_P2PDMA :
					       P2PBUF_BACKEND_PFNMAP;
}

int p2pbuf_backend_setup(struct p2pbuf_provider *prov)
{
	int ret;

	if (strcmp(backend, "auto") && strcmp(backend, "pfnmap") &&
	    strcmp(backend, "p2pdma")) {
		pci_err(prov->pdev, "unknown backend=%s: use auto, p2pdma or pfnmap\n",
			backend);
		return -EINVAL;
	}
	prov->backend = p2pbuf_pick_backend(prov);

	if (prov->kind == P2PBUF_KIND_PUBLISHED) {
		/*
		 * Another driver owns the BAR and its pages; the P2PDMA core
		 * maps them with pgprot_noncached() (memremap_pages() for
		 * MEMORY_DEVICE_PCI_P2PDMA): uncached-minus on x86.
		 */
		prov->memtype = P2PBUF_MEMTYPE_UC_MINUS;
		return 0;
	}

	ret = pci_request_region(prov->pdev, prov->bar, "p2pbuf");
	if (ret) {
		pci_err(prov->pdev, "BAR %d is busy (buffers of an earlier binding still alive, or another user)\n",
			prov->bar);
		return ret;
	}
	prov->region_requested = true;

	ret = p2pbuf_hold_memtype(prov);
	if (ret)
		return ret;

	if (prov->backend == P2PBUF_BACKEND_PFNMAP)
		return p2pbuf_pfnmap_setup(prov);
#if IS_ENABLED(CONFIG_PCI_P2PDMA)
	return p2pbuf_p2pdma_setup(prov);
#else
	pci_err(prov->pdev, "backend=p2pdma needs a kernel with CONFIG_PCI_P2PDMA\n");
	return -EOPNOTSUPP;
#endif
}

/*
 * Revocation of a bound BAR: take its pool off the P2PDMA core's list of
 * published memory before the buffers give their pages back, so no other
 * driver allocates pages that a revoked buffer's vmap may still write.
 */
void p2pbuf_backend_revoke(struct p2pbuf_provider *prov)
{
#if IS_ENABLED(CONFIG_PCI_P2PDMA)
	if (prov->kind != P2PBUF_KIND_PUBLISHED &&
	    prov->backend == P2PBUF_BACKEND_P2PDMA)
		pci_p2pmem_publish(prov->pdev, false);
#endif
}

/* Called with the last reference: no buffer, no mapping is left. */
void p2pbuf_backend_teardown(struct p2pbuf_provider *prov)
{
	if (prov->pool)
		gen_pool_destroy(prov->pool);
	if (prov->memtype_hold)
		iounmap(prov->memtype_hold);
	if (prov->region_requested)
		pci_release_region(prov->pdev, prov->bar);
}

static void *p2pbuf_backend_alloc_raw(struct p2pbuf_provider *prov, size_t size)
{
	void *kaddr;

	if (prov->backend == P2PBUF_BACKEND_PFNMAP)
		return (void *)gen_pool_alloc(prov->pool, size);

#if IS_ENABLED(CONFIG_PCI_P2PDMA)
	kaddr = pci_alloc_p2pmem(prov->pdev, size);
	if (kaddr) {
		struct percpu_ref *ref = &p2pbuf_page_pgmap(virt_to_page(kaddr))->ref;
		size_t off;

		/*
		 * Turn the one allocation reference into a reference per
		 * page, as the P2PDMA core does for its own user mappings:
		 * the pages go back to the pool when their count drops to
		 * zero, so pages pinned by in-flight O_DIRECT I/O outlive
		 * the buffer instead of being reused under the DMA.
		 */
		for (off = 0; off < size; off += PAGE_SIZE) {
			set_page_count(virt_to_page(kaddr + off), 1);
			percpu_ref_get(ref);
		}
		percpu_ref_put(ref);
	}
#else
	kaddr = NULL;
#endif
	return kaddr;
}

/*
 * A new buffer reads as zeros, as from every dma-heap: device memory keeps
 * the previous user's frames otherwise. Cleared at allocation rather than
 * at free because on the P2PDMA backend pages go back to the pool when
 * their last reference drops (possibly from an I/O completion), which the
 * exporter does not see.
 */
void *p2pbuf_backend_alloc(struct p2pbuf_provider *prov, size_t size)
{
	void *kaddr = p2pbuf_backend_alloc_raw(prov, size);

	if (kaddr)
		memset(kaddr, 0, size);
	return kaddr;
}

void p2pbuf_backend_free(struct p2pbuf_provider *prov, void *kaddr, size_t size)
{
	size_t off;

	if (prov->backend == P2PBUF_BACKEND_PFNMAP) {
		gen_pool_free(prov->pool, (unsigned long)kaddr, size);
		return;
	}
	for (off = 0; off < size; off += PAGE_SIZE)
		put_page(virt_to_page(kaddr + off));
}

phys_addr_t p2pbuf_backend_phys(struct p2pbuf_provider *prov, void *kaddr)
{
	if (prov->backend == P2PBUF_BACKEND_PFNMAP)
		return gen_pool_virt_to_phys(prov->pool, (unsigned long)kaddr);
	return page_to_phys(virt_to_page(kaddr)) + offset_in_page(kaddr);
}

u64 p2pbuf_backend_bus(struct p2pbuf_provider *prov, void *kaddr)
{
	return p2pbuf_backend_phys(prov, kaddr) - prov->phys + prov->bus;
}

/*
 * Find the region another driver published with pci_p2pmem_publish(): the
 * first P2PDMA page map in one of its memory BARs. Called with the
 * device's lock held (p2pbuf_scan_published()), so its driver cannot be
 * unbound meanwhile; the page map is looked up with a reference
 * (get_dev_pagemap() fails for one being torn down), never through a
 * struct page that may be going away.
 */
int p2pbuf_published_lookup(struct pci_dev *pdev, int *bar, phys_addr_t *start,
			    u64 *size)
{
#if IS_ENABLED(CONFIG_PCI_P2PDMA)
	int i;

	if (!p2pbuf_pci_has_p2pmem(pdev))
		return -ENOENT;
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		resource_size_t s = pci_resource_start(pdev, i);
		resource_size_t e = s + pci_resource_len(pdev, i);
		unsigned long pfn;

		if (!(pci_resource_flags(pdev, i) & IORESOURCE_MEM) || !s)
			continue;
		for (pfn = PHYS_PFN(s); pfn < PHYS_PFN(e); pfn++) {
			struct dev_pagemap *pgmap = p2pbuf_get_dev_pagemap(pfn);
			bool p2p;

			if (!pgmap)
				continue;
			p2p = pgmap->type == MEMORY_DEVICE_PCI_P2PDMA;
			if (p2p) {
				*bar = i;
				*start = pgmap->range.start;
				*size = range_len(&pgmap->range);
			}
			put_dev_pagemap(pgmap);
			if (p2p)
				return 0;
		}
	}
#endif
	return -ENOENT;
}

#if IS_ENABLED(CONFIG_PCI_P2PDMA)
static struct pci_dev *p2pbuf_pci_of(struct device *dev)
{
	for (; dev; dev = dev->parent)
		if (dev_is_pci(dev))
			return to_pci_dev(dev);
	return NULL;
}

/* Do @a and @b sit below a common PCI bridge (a switch or root port)? */
static bool p2pbuf_share_bridge(struct pci_dev *a, struct pci_dev *b)
{
	struct pci_dev *x, *y;

	if (a == b)
		return true;
	for (x = pci_upstream_bridge(a); x; x = pci_upstream_bridge(x))
		for (y = pci_upstream_bridge(b); y; y = pci_upstream_bridge(y))
			if (x == y)
				return true;
	return false;
}
#endif

/*
 * Decide how @dev reaches @prov's memory, before any mapping exists, so an
 * unreachable importer is refused at attach with a reason instead of being
 * warned about (or bounced) by the DMA layer.
 */
enum p2pbuf_route p2pbuf_route_for(struct p2pbuf_provider *prov,
				   struct device *dev, int *error, int *distance)
{
	enum p2pbuf_route route = P2PBUF_ROUTE_HOST_UNCHECKED;
	u64 mask = dev->dma_mask ? dma_get_mask(dev) : 0;
	u64 last;

	*error = 0;
	*distance = 0;
	if (prov->backend == P2PBUF_BACKEND_P2PDMA) {
#if IS_ENABLED(CONFIG_PCI_P2PDMA)
		struct pci_dev *client = p2pbuf_pci_of(dev);
		int dist;

		if (!client) {
			/* P2PDMA can only route to PCI devices. */
			*error = -EREMOTEIO;
			return P2PBUF_ROUTE_REFUSED;
		}
		dist = pci_p2pdma_distance(prov->pdev, dev, false);
		if (dist < 0) {
			*error = -EREMOTEIO;
			return P2PBUF_ROUTE_REFUSED;
		}
		*distance = dist;
		route = p2pbuf_share_bridge(prov->pdev, client) ?
			P2PBUF_ROUTE_P2P : P2PBUF_ROUTE_HOST_BRIDGE;
#endif
	}

	last = (route == P2PBUF_ROUTE_P2P ? prov->bus : prov->phys) + prov->size - 1;
	if (!mask || last > mask) {
		/*
		 * The importer cannot address the region: refuse instead of
		 * letting dma-direct overflow or bounce through RAM.
		 */
		*error = -ERANGE;
		return P2PBUF_ROUTE_REFUSED;
	}
	return route;
}
