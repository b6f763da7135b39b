// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pbuf dma-buf exporter: buffers carved out of a provider's device memory.
 *
 * Lock order: prov->lock -> dma_resv -> buf->lock; mmap_lock -> buf->lock.
 */
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "p2pbuf_priv.h"

static const struct dma_buf_ops p2pbuf_dmabuf_ops;

bool p2pbuf_is_ours(struct dma_buf *dmabuf)
{
	return dmabuf->ops == &p2pbuf_dmabuf_ops;
}

/*
 * A BAR bound to p2pbuf is p2pbuf's until the provider's last reference,
 * which every buffer holds and every importer holds through its buffer:
 * the region stays requested (no new binding, no other driver can take
 * it) and p2pbuf's own mapping of it (memtype_hold) stays mapped. So what
 * importers get refers to the BAR's addresses, never to the P2PDMA pages:
 * a vmap is an address in that mapping, a DMA mapping the BAR's bus
 * address (peer to peer) or a dma_map_resource() of its CPU address (host
 * bridge, pfnmap). An importer that never lets go (a vb2 queue holding a
 * buffer, a stream nobody stops) holds no page, so the memory goes back at
 * revocation and unbinding does not wait for it; its accesses until it
 * lets go land in that range, which nobody else can be given meanwhile.
 * A region another driver published (the NVMe CMB) goes back to that
 * driver at its unbind, and it would reuse the memory: there importers
 * get the pages (their kernel address, a dma_map_sgtable() of them), which
 * stay allocated until the last vunmap and unmap.
 */
static bool p2pbuf_owns_bar(const struct p2pbuf_provider *prov)
{
	return prov->memtype_hold;
}

/*
 * Give a buffer's device memory back as soon as it is revoked and no kernel
 * user holds it (only importers of published memory can: see
 * p2pbuf_owns_bar()); else at their last unmap / vunmap, or at release.
 * User mappings were zapped by the revoke and fault with SIGBUS, so an
 * open fd or a stale mmap holds nothing: on P2PDMA kernels, where
 * unbinding waits for every page of the region to come back, unbind does
 * not wait for processes that keep buffer fds.
 */
static void p2pbuf_buffer_put_memory(struct p2pbuf_buffer *buf)
{
	struct p2pbuf_provider *prov = buf->prov;
	bool free_now;

	mutex_lock(&buf->lock);
	free_now = buf->revoked && !buf->mem_freed &&
		   (p2pbuf_owns_bar(prov) || (!buf->vmaps && !buf->dma_maps));
	if (free_now)
		buf->mem_freed = true;
	mutex_unlock(&buf->lock);
	if (!free_now)
		return;
	p2pbuf_backend_free(prov, buf->kaddr, buf->size);
	mutex_lock(&prov->lock);
	prov->allocated -= buf->size;
	mutex_unlock(&prov->lock);
}

static void p2pbuf_dev_names(struct device *dev, char *name, size_t nlen,
			     char *bus, size_t blen)
{
	strscpy(name, dev_name(dev), nlen);
	strscpy(bus, dev->bus ? dev->bus->name : "none", blen);
}

/*
 * The route is decided here, at attach, and an unreachable importer is
 * refused with the reason recorded. Attach itself never fails for a
 * refused route or a revoked buffer: the first map does. vb2 (6.12) leaks
 * the dma-buf reference when attach fails (__prepare_dmabuf only puts the
 * planes it stored), and a leaked reference keeps the buffer alive for
 * good. Importers that never map (vmap users) need no route.
 */
static int p2pbuf_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct p2pbuf_buffer *buf = dmabuf->priv;
	struct p2pbuf_provider *prov = buf->prov;
	struct p2pbuf_attachment *a;
	int distance;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->route = p2pbuf_route_for(prov, attach->dev, &a->error, &distance);
	a->revocable = p2pbuf_attach_revocable(attach);
	a->dma_mask = attach->dev->dma_mask ? dma_get_mask(attach->dev) : 0;
	p2pbuf_dev_names(attach->dev, a->importer, sizeof(a->importer),
			 a->bus, sizeof(a->bus));

	mutex_lock(&buf->lock);
	if (a->route == P2PBUF_ROUTE_REFUSED) {
		struct p2pbuf_refusal *r = &buf->refused[buf->nrefused % P2PBUF_MAX_REFUSED];

		strscpy(r->importer, a->importer, sizeof(r->importer));
		strscpy(r->bus, a->bus, sizeof(r->bus));
		r->error = a->error;
		r->dma_mask = a->dma_mask;
		buf->nrefused++;
	}
	a->dev = get_device(attach->dev);
	list_add_tail(&a->node, &buf->attachments);
	mutex_unlock(&buf->lock);
	attach->priv = a;

	if (a->route == P2PBUF_ROUTE_REFUSED)
		pci_info_ratelimited(prov->pdev, "%s: refusing importer %s: %s\n",
				     prov->name, dev_name(attach->dev),
				     a->error == -ERANGE ?
				     "its DMA mask cannot address the region" :
				     "no peer-to-peer route to it");

	mutex_lock(&prov->lock);
	prov->nattach++;
	mutex_unlock(&prov->lock);
	return 0;
}

static void p2pbuf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct p2pbuf_buffer *buf = dmabuf->priv;
	struct p2pbuf_attachment *a = attach->priv;

	mutex_lock(&buf->lock);
	list_del(&a->node);
	mutex_unlock(&buf->lock);
	put_device(a->dev);
	kfree(a);

	mutex_lock(&buf->prov->lock);
	buf->prov->nattach--;
	mutex_unlock(&buf->prov->lock);
}

/*
 * A bound BAR (see p2pbuf_owns_bar()): no pages. The buffer is contiguous:
 * its bus address where the route is peer to peer (the switch routes it,
 * as the P2PDMA core's PCI_P2PDMA_MAP_BUS_ADDR does), else one
 * dma_map_resource() of its CPU address; cut into segments the importer
 * accepts. The table has no pages, as dma-buf importers must not use them
 * anyway.
 */
static struct sg_table *p2pbuf_map_range(struct p2pbuf_buffer *buf,
					 struct p2pbuf_attachment *a,
					 struct device *dev,
					 enum dma_data_direction dir)
{
	unsigned int seg = dma_get_max_seg_size(dev) & PAGE_MASK;
	struct scatterlist *sg;
	struct sg_table *sgt;
	dma_addr_t addr;
	size_t off = 0;
	unsigned int i, n;
	int ret;

	if (!seg)
		seg = PAGE_SIZE;
	n = DIV_ROUND_UP(buf->size, seg);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, n, GFP_KERNEL);
	if (ret)
		goto err_free;
	if (a->route == P2PBUF_ROUTE_P2P) {
		addr = buf->bus;
	} else {
		addr = dma_map_resource(dev, buf->phys, buf->size, dir,
					DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(dev, addr)) {
			ret = -EIO;
			goto err_table;
		}
	}
	for_each_sgtable_dma_sg(sgt, sg, i) {
		size_t len = min_t(size_t, seg, buf->size - off);

		sg_dma_address(sg) = addr + off;
		sg_dma_len(sg) = len;
		off += len;
	}
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void p2pbuf_unmap_table(struct p2pbuf_buffer *buf, struct p2pbuf_attachment *a,
			       struct device *dev, struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	if (!p2pbuf_owns_bar(buf->prov))
		dma_unmap_sgtable(dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	else if (a->route != P2PBUF_ROUTE_P2P)
		dma_unmap_resource(dev, sg_dma_address(sgt->sgl), buf->size,
				   dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
}

static struct sg_table *p2pbuf_map(struct dma_buf_attachment *attach,
				   enum dma_data_direction dir)
{
	struct p2pbuf_buffer *buf = attach->dmabuf->priv;
	struct p2pbuf_attachment *a = attach->priv;
	unsigned long i, npages = buf->size >> PAGE_SHIFT;
	unsigned long pfn = PHYS_PFN(buf->phys);
	struct page **pages = NULL;
	struct sg_table *sgt;
	bool revoked;
	int ret;

	/*
	 * A dynamic exporter is called with the reservation lock held, and
	 * revocation sets the flag under it: no map can slip past a revoke.
	 * A static exporter (6.12) is not: the mapping counts as a user of
	 * the memory from here (a revoke cannot give published pages back
	 * under it), and the flag is checked again once it is made.
	 */
	if (P2PBUF_DYNAMIC_EXPORTER)
		dma_resv_assert_held(attach->dmabuf->resv);
	if (a->route == P2PBUF_ROUTE_REFUSED)
		return ERR_PTR(a->error);
	mutex_lock(&buf->lock);
	revoked = buf->revoked;
	if (!revoked)
		buf->dma_maps++;
	mutex_unlock(&buf->lock);
	if (revoked)
		return ERR_PTR(-ENODEV);

	if (p2pbuf_owns_bar(buf->prov)) {
		sgt = p2pbuf_map_range(buf, a, attach->dev, dir);
		if (IS_ERR(sgt)) {
			ret = PTR_ERR(sgt);
			sgt = NULL;
			goto err_free;
		}
		goto mapped;
	}

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!pages || !sgt) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < npages; i++)
		pages[i] = pfn_to_page(pfn + i);
	ret = sg_alloc_table_from_pages_segment(sgt, pages, npages, 0, buf->size,
						dma_get_max_seg_size(attach->dev),
						GFP_KERNEL);
	if (ret)
		goto err_free;
	kvfree(pages);
	pages = NULL;

	/* Device memory has no CPU cache lines to sync through the DMA API. */
	ret = dma_map_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_table;

mapped:
	mutex_lock(&buf->lock);
	revoked = buf->revoked;
	if (!revoked) {
		a->mapped++;
		if (a->revocable)
			buf->revocable_maps++;
		a->dma_addr = sg_dma_address(sgt->sgl);
		if (sg_dma_is_bus_address(sgt->sgl))
			a->route = P2PBUF_ROUTE_P2P;
	}
	mutex_unlock(&buf->lock);
	if (!revoked)
		return sgt;
	p2pbuf_unmap_table(buf, a, attach->dev, sgt, dir);
	sgt = NULL;
	ret = -ENODEV;
	goto err_free;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	kvfree(pages);
	mutex_lock(&buf->lock);
	buf->dma_maps--;
	mutex_unlock(&buf->lock);
	p2pbuf_buffer_put_memory(buf);
	return ERR_PTR(ret);
}

static void p2pbuf_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
			 enum dma_data_direction dir)
{
	struct p2pbuf_buffer *buf = attach->dmabuf->priv;
	struct p2pbuf_attachment *a = attach->priv;

	p2pbuf_unmap_table(buf, a, attach->dev, sgt, dir);
	mutex_lock(&buf->lock);
	a->mapped--;
	buf->dma_maps--;
	if (a->revocable && !--buf->revocable_maps)
		wake_up_all(&buf->unmapped);
	mutex_unlock(&buf->lock);
	p2pbuf_buffer_put_memory(buf);
}

#if P2PBUF_DYNAMIC_EXPORTER
/*
 * Static importers (vb2) are pinned by the core when they map. Device
 * memory never moves, so a pin only records that this importer will not
 * give its mapping back when told: revocation cannot take it away (see
 * p2pbuf_buffer_revoke()). A revoked buffer refuses new pins.
 */
static int p2pbuf_pin(struct dma_buf_attachment *attach)
{
	struct p2pbuf_buffer *buf = attach->dmabuf->priv;
	struct p2pbuf_attachment *a = attach->priv;
	int ret = 0;

	dma_resv_assert_held(attach->dmabuf->resv);
	mutex_lock(&buf->lock);
	if (buf->revoked)
		ret = -ENODEV;
	else
		a->pinned++;
	mutex_unlock(&buf->lock);
	return ret;
}

static void p2pbuf_unpin(struct dma_buf_attachment *attach)
{
	struct p2pbuf_buffer *buf = attach->dmabuf->priv;
	struct p2pbuf_attachment *a = attach->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	mutex_lock(&buf->lock);
	a->pinned--;
	mutex_unlock(&buf->lock);
}
#endif

/*
 * A plain kernel address (see p2pbuf_owns_bar()): vb2
 * importers rebuild the iosys_map from the vaddr when unmapping, so an
 * I/O-memory map would be unmapped as the wrong kind.
 */
static int p2pbuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct p2pbuf_buffer *buf = dmabuf->priv;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (buf->revoked)
		ret = -ENODEV;
	else
		buf->vmaps++;
	mutex_unlock(&buf->lock);
	if (ret)
		return ret;
	if (p2pbuf_owns_bar(buf->prov))
		iosys_map_set_vaddr(map, (void __force *)buf->prov->memtype_hold +
				    (buf->phys - buf->prov->phys));
	else
		iosys_map_set_vaddr(map, buf->kaddr);
	return 0;
}

static void p2pbuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct p2pbuf_buffer *buf = dmabuf->priv;

	mutex_lock(&buf->lock);
	buf->vmaps--;
	mutex_unlock(&buf->lock);
	p2pbuf_buffer_put_memory(buf);
}

static void p2pbuf_vm_open(struct vm_area_struct *vma)
{
	struct p2pbuf_buffer *buf = vma->vm_private_data;

	mutex_lock(&buf->lock);
	buf->mmaps++;
	mutex_unlock(&buf->lock);
}

static void p2pbuf_vm_close(struct vm_area_struct *vma)
{
	struct p2pbuf_buffer *buf = vma->vm_private_data;

	mutex_lock(&buf->lock);
	buf->mmaps--;
	mutex_unlock(&buf->lock);
}

/*
 * p2pdma: insert the page as a devmap PFN, as the P2PDMA core's own
 * allocator does: O_DIRECT finds its struct page (GUP with
 * FOLL_PCI_P2PDMA; long-term pins are refused).
 * pfnmap: a plain PFN in a VM_PFNMAP mapping, which GUP refuses.
 * Either PTE takes the memory type registered for the BAR, the same as
 * the kernel's mapping. After revocation, access gets SIGBUS.
 */
static vm_fault_t p2pbuf_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct p2pbuf_buffer *buf = vma->vm_private_data;
	unsigned long pfn = PHYS_PFN(buf->phys) + vmf->pgoff;
	vm_fault_t ret;

	if (vmf->pgoff >= buf->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	mutex_lock(&buf->lock);
	if (buf->revoked)
		ret = VM_FAULT_SIGBUS;
	else if (buf->prov->backend == P2PBUF_BACKEND_PFNMAP)
		ret = vmf_insert_pfn(vma, vmf->address, pfn);
	else
		ret = p2pbuf_vmf_insert_p2pdma(vmf, pfn);
	mutex_unlock(&buf->lock);
	return ret;
}

static const struct vm_operations_struct p2pbuf_vm_ops = {
	.open = p2pbuf_vm_open,
	.close = p2pbuf_vm_close,
	.fault = p2pbuf_vm_fault,
};

static int p2pbuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct p2pbuf_buffer *buf = dmabuf->priv;

	/*
	 * A private (copy-on-write) view of device memory makes no sense.
	 * VM_MAYSHARE, not VM_SHARED: a shared mapping of an O_RDONLY
	 * dma-buf has VM_SHARED cleared.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (READ_ONCE(buf->revoked))
		return -ENODEV;
	if (buf->prov->backend == P2PBUF_BACKEND_PFNMAP)
		vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	else
		vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP);
	/*
	 * The BAR's registered type, for both backends: PFN inserts would
	 * look it up anyway, but a page insert (p2pdma from 6.17, see
	 * p2pbuf_vmf_insert_p2pdma()) takes vm_page_prot as it is.
	 */
	vma->vm_page_prot = buf->prov->memtype == P2PBUF_MEMTYPE_WC ?
			    pgprot_writecombine(vma->vm_page_prot) :
			    pgprot_noncached(vma->vm_page_prot);
	vma->vm_ops = &p2pbuf_vm_ops;
	vma->vm_private_data = buf;
	p2pbuf_vm_open(vma);
	return 0;
}

/*
 * Every mapping of device memory, kernel and user, is write-combined or
 * uncached (the type registered for the BAR, or the P2PDMA core's
 * uncached map of a published region): no cache maintenance to do.
 */
static int p2pbuf_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct p2pbuf_buffer *buf = dmabuf->priv;

	return READ_ONCE(buf->revoked) ? -ENODEV : 0;
}

static void p2pbuf_release(struct dma_buf *dmabuf)
{
	struct p2pbuf_buffer *buf = dmabuf->priv;
	struct p2pbuf_provider *prov = buf->prov;

	mutex_lock(&prov->lock);
	list_del(&buf->node);
	if (!buf->mem_freed)
		prov->allocated -= buf->size;
	prov->nbuffers--;
	mutex_unlock(&prov->lock);

	if (!buf->mem_freed)
		p2pbuf_backend_free(prov, buf->kaddr, buf->size);
	mutex_destroy(&buf->lock);
	kfree(buf);
	p2pbuf_provider_put(prov);
}

static const struct dma_buf_ops p2pbuf_dmabuf_ops = {
	.attach = p2pbuf_attach,
	.detach = p2pbuf_detach,
#if P2PBUF_DYNAMIC_EXPORTER
	.pin = p2pbuf_pin,
	.unpin = p2pbuf_unpin,
#endif
	.map_dma_buf = p2pbuf_map,
	.unmap_dma_buf = p2pbuf_unmap,
	.release = p2pbuf_release,
	.begin_cpu_access = p2pbuf_cpu_access,
	.end_cpu_access = p2pbuf_cpu_access,
	.mmap = p2pbuf_mmap,
	.vmap = p2pbuf_vmap,
	.vunmap = p2pbuf_vunmap,
};

struct dma_buf *p2pbuf_buffer_export(struct p2pbuf_provider *prov, size_t size,
				     int fd_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct p2pbuf_buffer *buf;
	struct dma_buf *dmabuf;
	bool revoked;
	char *name;

	if (READ_ONCE(prov->revoked))
		return ERR_PTR(-ENODEV);
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	name = kstrdup(prov->name, GFP_KERNEL);
	if (!buf || !name)
		goto err_nomem;
	mutex_init(&buf->lock);
	init_waitqueue_head(&buf->unmapped);
	INIT_LIST_HEAD(&buf->attachments);
	INIT_LIST_HEAD(&buf->node);
	buf->size = size;
	buf->kaddr = p2pbuf_backend_alloc(prov, size);
	if (!buf->kaddr)
		goto err_nomem;
	buf->phys = p2pbuf_backend_phys(prov, buf->kaddr);
	buf->bus = p2pbuf_backend_bus(prov, buf->kaddr);
	p2pbuf_provider_get(prov);
	buf->prov = prov;

	exp_info.exp_name = "p2pbuf";
	exp_info.owner = THIS_MODULE;
	exp_info.ops = &p2pbuf_dmabuf_ops;
	exp_info.size = size;
	exp_info.flags = fd_flags;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		p2pbuf_backend_free(prov, buf->kaddr, size);
		p2pbuf_provider_put(prov);
		kfree(name);
		kfree(buf);
		return dmabuf;
	}
	buf->dmabuf = dmabuf;
	/* Shown in /sys/kernel/debug/dma_buf/bufinfo and fdinfo. */
	spin_lock(&dmabuf->name_lock);
	dmabuf->name = name;
	spin_unlock(&dmabuf->name_lock);

	mutex_lock(&prov->lock);
	list_add_tail(&buf->node, &prov->buffers);
	prov->allocated += size;
	prov->peak = max(prov->peak, prov->allocated);
	prov->nbuffers++;
	revoked = prov->revoked;
	mutex_unlock(&prov->lock);
	if (revoked) {
		dma_buf_put(dmabuf);
		return ERR_PTR(-ENODEV);
	}
	return dmabuf;

err_nomem:
	kfree(name);
	kfree(buf);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(p2pbuf_buffer_export);

/*
 * The caller holds a reference to the dma-buf's file (taken with
 * get_file_active() while the buffer was listed), so the file, its
 * mapping and the reservation object stay valid here. The flag is set
 * under the reservation lock, as vfio-pci's revoke does: a map that holds
 * the lock sees it, and importers told by move_notify / invalidate_mappings
 * fail to map again.
 *
 * Bounded: fences are waited for at most P2PBUF_REVOKE_WAIT, and so are
 * dynamic importers giving their mappings back (7.1+; on 6.12 the core
 * keeps their mapping until detach). Pinned (static) importers are not
 * waited for: nothing makes vb2 unmap before its queue is freed.
 */
#define P2PBUF_REVOKE_WAIT	(5 * HZ)

void p2pbuf_buffer_revoke(struct p2pbuf_buffer *buf)
{
	struct dma_buf *dmabuf = buf->dmabuf;
	long left;

	dma_resv_lock(dmabuf->resv, NULL);
	mutex_lock(&buf->lock);
	buf->revoked = true;
	mutex_unlock(&buf->lock);
	p2pbuf_invalidate_mappings(dmabuf);
	left = dma_resv_wait_timeout(dmabuf->resv, DMA_RESV_USAGE_BOOKKEEP, false,
				     P2PBUF_REVOKE_WAIT);
	dma_resv_unlock(dmabuf->resv);
	if (left <= 0)
		pci_warn(buf->prov->pdev, "%s: revoke: importers' fences still pending after %d s\n",
			 buf->prov->name, P2PBUF_REVOKE_WAIT / HZ);

	/* User mappings: later access faults and gets SIGBUS. */
	unmap_mapping_range(dmabuf->file->f_mapping, 0, 0, 1);

	if (P2PBUF_DYNAMIC_EXPORTER &&
	    !wait_event_timeout(buf->unmapped, !READ_ONCE(buf->revocable_maps),
				P2PBUF_REVOKE_WAIT))
		pci_warn(buf->prov->pdev, "%s: revoke: a dynamic importer kept its mapping for %d s\n",
			 buf->prov->name, P2PBUF_REVOKE_WAIT / HZ);

	p2pbuf_buffer_put_memory(buf);
}

int p2pbuf_buffer_fill_info(struct dma_buf *dmabuf, struct p2pbuf_buffer_info *info,
			    bool addrs)
{
	struct p2pbuf_buffer *buf = dmabuf->priv;
	struct p2pbuf_attach_info *out = NULL;
	struct p2pbuf_attachment *a;
	size_t usize = info->attach_size;
	unsigned int cap = min_t(u32, info->attach_cap, 256), n = 0, i, nref;
	void __user *uptr = u64_to_user_ptr(info->attach_ptr);
	int ret = 0;

	if (info->flags || info->reserved)
		return -EINVAL;
	if (cap && (usize < sizeof(*out) || usize > SZ_4K))
		return -EINVAL;
	if (cap) {
		out = kcalloc(cap, sizeof(*out), GFP_KERNEL);
		if (!out)
			return -ENOMEM;
	}

	mutex_lock(&buf->lock);
	list_for_each_entry(a, &buf->attachments, node) {
		if (n < cap) {
			strscpy(out[n].importer, a->importer, sizeof(out[n].importer));
			strscpy(out[n].bus, a->bus, sizeof(out[n].bus));
			out[n].route = a->route;
			out[n].error = a->error;
			out[n].mapped = a->mapped;
			out[n].flags = (a->revocable ? P2PBUF_ATTACH_REVOCABLE : 0) |
				       (a->pinned ? P2PBUF_ATTACH_PINNED : 0);
			out[n].dma_addr = addrs ? a->dma_addr : 0;
			out[n].dma_mask = a->dma_mask;
		}
		n++;
	}
	nref = min_t(unsigned int, buf->nrefused, P2PBUF_MAX_REFUSED);
	for (i = 0; i < nref; i++, n++) {
		struct p2pbuf_refusal *r = &buf->refused[i];

		if (n >= cap)
			continue;
		strscpy(out[n].importer, r->importer, sizeof(out[n].importer));
		strscpy(out[n].bus, r->bus, sizeof(out[n].bus));
		out[n].route = P2PBUF_ROUTE_REFUSED;
		out[n].error = r->error;
		out[n].dma_mask = r->dma_mask;
	}
	info->flags = buf->revoked ? P2PBUF_BUFFER_REVOKED : 0;
	if (!addrs)
		info->flags |= P2PBUF_BUFFER_ADDRS_HIDDEN;
	info->vmaps = buf->vmaps;
	info->mmaps = buf->mmaps;
	mutex_unlock(&buf->lock);

	info->attach_count = n;
	strscpy(info->provider, buf->prov->name, sizeof(info->provider));
	info->size = buf->size;
	info->offset = buf->phys - buf->prov->phys;
	info->bus_addr = addrs ? buf->bus : 0;
	info->phys_addr = addrs ? buf->phys : 0;

	for (i = 0; i < min(n, cap); i++) {
		void __user *dst = uptr + (size_t)i * usize;

		if (copy_to_user(dst, &out[i], sizeof(*out)) ||
		    (usize > sizeof(*out) &&
		     clear_user(dst + sizeof(*out), usize - sizeof(*out)))) {
			ret = -EFAULT;
			break;
		}
	}
	kfree(out);
	return ret;
}

/*
 * How would @dev reach another exporter's buffer? Ask the exporter: attach
 * @dev as a peer-to-peer capable dynamic importer, map once under the
 * reservation lock and give the mapping straight back. The invalidation
 * callback has nothing to do: the mapping never outlives the lock.
 */
static void p2pbuf_probe_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops p2pbuf_probe_ops = {
	.allow_peer2peer = true,
	.p2pbuf_importer_invalidate = p2pbuf_probe_invalidate,
};

static u32 p2pbuf_probe_route(struct dma_buf *dmabuf, struct device *dev, int *error)
{
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	u32 route;

	attach = dma_buf_dynamic_attach(dmabuf, dev, &p2pbuf_probe_ops, NULL);
	if (IS_ERR(attach)) {
		*error = PTR_ERR(attach);
		return P2PBUF_ROUTE_REFUSED;
	}
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		*error = PTR_ERR(sgt);
		route = P2PBUF_ROUTE_REFUSED;
	} else {
		route = sg_dma_is_bus_address(sgt->sgl) ? P2PBUF_ROUTE_P2P :
			P2PBUF_ROUTE_HOST_BRIDGE;
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	}
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, attach);
	return route;
}

/*
 * The route from @dev to the buffer behind dma-buf @fd, for
 * P2PBUF_CTL_ROUTE with P2PBUF_ROUTE_BY_DMABUF. p2pbuf's own buffers get
 * p2pbuf's decision; other exporters are probed (@privileged only).
 */
int p2pbuf_route_dmabuf(int fd, struct device *dev, bool privileged,
			u32 *route, int *error, int *distance, char *exporter,
			size_t len)
{
	struct dma_buf *dmabuf = dma_buf_get(fd);
	int ret = 0;

	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	*error = 0;
	*distance = 0;
	strscpy(exporter, dmabuf->exp_name, len);
	if (p2pbuf_is_ours(dmabuf)) {
		struct p2pbuf_buffer *buf = dmabuf->priv;

		*route = p2pbuf_route_for(buf->prov, dev, error, distance);
	} else if (!privileged) {
		ret = -EPERM;
	} else {
		*route = p2pbuf_probe_route(dmabuf, dev, error);
	}
	dma_buf_put(dmabuf);
	return ret;
}
