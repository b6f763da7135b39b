/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pbuf: every kernel-version check in one place. The module builds from
 * one source on 6.12 LTS and on 7.x; where a newer kernel offers the
 * upstream mechanism, it is used there, and the 6.12 fallback is named.
 */
#ifndef _P2PBUF_COMPAT_H
#define _P2PBUF_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pci-p2pdma.h>
#include <linux/version.h>

/* The one version comparison; every check below goes through it. */
#define P2PBUF_KERNEL_AT_LEAST(major, minor) \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(major, minor, 0))

#if !P2PBUF_KERNEL_AT_LEAST(6, 17)
#include <linux/pfn_t.h>
#endif

/*
 * Symbol namespaces: from 6.13 MODULE_IMPORT_NS() takes a string literal
 * (MODULE_IMPORT_NS("DMA_BUF")); 6.12 stringifies a bare name itself.
 * Use as MODULE_IMPORT_NS(P2PBUF_NS(DMA_BUF)).
 */
#if P2PBUF_KERNEL_AT_LEAST(6, 13)
#define P2PBUF_NS(ns) #ns
#else
#define P2PBUF_NS(ns) ns
#endif

/*
 * The page map of a ZONE_DEVICE page: struct page lost its pgmap member
 * in 6.15 (it lives in the folio now), page_pgmap() reads it.
 */
static inline struct dev_pagemap *p2pbuf_page_pgmap(struct page *page)
{
#if P2PBUF_KERNEL_AT_LEAST(6, 15)
	return page_pgmap(page);
#else
	return page->pgmap;
#endif
}

/*
 * get_dev_pagemap(pfn, pgmap): 6.18 dropped the second argument (a page
 * map to reuse; p2pbuf passes NULL).
 */
static inline struct dev_pagemap *p2pbuf_get_dev_pagemap(unsigned long pfn)
{
#if P2PBUF_KERNEL_AT_LEAST(6, 18)
	return get_dev_pagemap(pfn);
#else
	return get_dev_pagemap(pfn, NULL);
#endif
}

#if IS_ENABLED(CONFIG_PCI_P2PDMA)
/*
 * Has @pdev's driver published its P2PDMA memory (pci_p2pmem_publish())?
 * 6.18 made pci_has_p2pmem() private to the P2PDMA core. Its one user
 * there, pci_p2pmem_find_many(), returns the closest device that has
 * published memory; a device is at distance 0 from itself and every other
 * device at 2 or more, so asking for the device itself as the only client
 * returns it exactly when it has published.
 */
static inline bool p2pbuf_pci_has_p2pmem(struct pci_dev *pdev)
{
#if P2PBUF_KERNEL_AT_LEAST(6, 18)
	struct device *client = &pdev->dev;
	struct pci_dev *found = pci_p2pmem_find_many(&client, 1);
	bool res = found == pdev;

	pci_dev_put(found);
	return res;
#else
	return pci_has_p2pmem(pdev);
#endif
}
#endif

/*
 * Map one page of a p2pdma-backend buffer into user space from the fault
 * handler (VM_MIXEDMAP), so that O_DIRECT (GUP with FOLL_PCI_P2PDMA) finds
 * its struct page.
 * Up to 6.16: a devmap PFN (pfn_t with PFN_DEV | PFN_MAP): GUP finds the
 * page through its page map, and the PTE takes the memory type registered
 * for the BAR (track_pfn_insert()).
 * From 6.17 pfn_t and devmap PTEs are gone (a PFN insert is now a special
 * PTE that GUP refuses): insert the page itself, a normal refcounted PTE,
 * as the P2PDMA core's p2pmem_alloc_mmap() (drivers/pci/p2pdma.c) does
 * with vm_insert_page(). The PTE then holds a page reference until it is
 * zapped, and takes vma->vm_page_prot as it is: p2pbuf_mmap() sets it to
 * the BAR's registered type.
 */
static inline vm_fault_t p2pbuf_vmf_insert_p2pdma(struct vm_fault *vmf,
						  unsigned long pfn)
{
#if P2PBUF_KERNEL_AT_LEAST(6, 17)
	return vmf_insert_page(vmf->vma, vmf->address, pfn_to_page(pfn));
#else
	return vmf_insert_mixed(vmf->vma, vmf->address,
				__pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP));
#endif
}

/*
 * Dynamic exporter (pin/unpin, map under the reservation lock).
 *
 * From 7.1 the dma-buf core maps only when the importer asks: static
 * importers (vb2) are pinned at map time, dynamic importers are told of a
 * revocation through invalidate_mappings and must map again, which then
 * fails. p2pbuf is a dynamic exporter there.
 *
 * 6.12 maps every attachment whose importer and exporter differ in kind at
 * attach time and caches that mapping: a dynamic exporter would have every
 * vb2 import mapped, and refused, at attach (vb2 leaks the dma-buf when
 * attach fails), so p2pbuf stays a static exporter on 6.12 and a dynamic
 * importer keeps the mapping the core cached for it until it detaches;
 * move_notify still tells it of the revocation.
 */
#define P2PBUF_DYNAMIC_EXPORTER P2PBUF_KERNEL_AT_LEAST(7, 1)

/* The importer callback 6.12 calls move_notify, 7.1+ invalidate_mappings. */
#if P2PBUF_DYNAMIC_EXPORTER
#define p2pbuf_importer_invalidate invalidate_mappings
#else
#define p2pbuf_importer_invalidate move_notify
#endif

static inline void p2pbuf_invalidate_mappings(struct dma_buf *dmabuf)
{
#if P2PBUF_DYNAMIC_EXPORTER
	dma_buf_invalidate_mappings(dmabuf);
#else
	dma_buf_move_notify(dmabuf);
#endif
}

/* Will the importer give its mapping back when told (a dynamic importer)? */
static inline bool p2pbuf_attach_revocable(struct dma_buf_attachment *attach)
{
#if P2PBUF_DYNAMIC_EXPORTER
	return dma_buf_attach_revocable(attach);
#else
	return dma_buf_attachment_is_dynamic(attach);
#endif
}

#endif /* _P2PBUF_COMPAT_H */
