// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pbuf_edu: a test-only dynamic dma-buf importer with a real DMA engine.
 *
 * It binds QEMU's "edu" PCI device (1234:11e8), whose DMA engine copies up
 * to 4 KiB between a bus address and its own buffer. Each open file of
 * /dev/p2pbuf-edu can attach one dma-buf as a dynamic importer (peer2peer,
 * with an invalidation callback), map it, and read from it by DMA: the
 * device fetches the bytes from the address the exporter handed out, as a
 * GPU's copy engine would, then writes them to a coherent RAM buffer that
 * is copied to the caller.
 *
 * What a test sees through it: the DMA address and segment count of the
 * mapping, every invalidation the exporter sends, and whether a map after
 * a revocation fails. The invalidation callback drops the mapping at once
 * (under the reservation lock, as a dynamic importer must), so the next
 * READ needs a new MAP.
 *
 * QEMU must run the device with dma_mask=0xffffffffffffffff: its default
 * 28-bit mask silently clamps addresses above 256 MiB.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "edu_hw.h"
#include "p2pbuf_edu.h"

/* The one version comparison (as kernel/p2pbuf_compat.h does it). */
#define EDU_KERNEL_AT_LEAST(major, minor) \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(major, minor, 0))

struct edu_dev {
	struct kref ref;		/* the binding and each open file */
	struct pci_dev *pdev;		/* reference held */
	bool gone;			/* removed: under dma_lock */
	void __iomem *mmio;
	void *bounce;			/* coherent RAM the device writes back into */
	dma_addr_t bounce_dma;
	struct mutex dma_lock;		/* one transfer at a time */
	struct miscdevice misc;
};

struct edu_file {
	struct edu_dev *edu;
	struct mutex lock;		/* attach, detach */
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;		/* under the dma-buf's reservation lock */
	u32 invalidations;
	u32 dma_reads;
};

static struct edu_dev *edu_global;
static DEFINE_MUTEX(edu_global_lock);

static void edu_free(struct kref *ref)
{
	struct edu_dev *edu = container_of(ref, struct edu_dev, ref);

	pci_dev_put(edu->pdev);
	mutex_destroy(&edu->dma_lock);
	kfree(edu);
}

/* Called with the reservation lock held: give the mapping back now. */
static void edu_invalidate(struct dma_buf_attachment *attach)
{
	struct edu_file *ef = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	ef->invalidations++;
	if (ef->sgt) {
		dma_buf_unmap_attachment(attach, ef->sgt, DMA_BIDIRECTIONAL);
		ef->sgt = NULL;
	}
}

static const struct dma_buf_attach_ops edu_importer_ops = {
	.allow_peer2peer = true,
#if EDU_KERNEL_AT_LEAST(7, 1)
	.invalidate_mappings = edu_invalidate,
#else
	.move_notify = edu_invalidate,
#endif
};

/* The bus address of byte @off of the mapping, if one segment holds @len. */
static int edu_sg_addr(struct sg_table *sgt, u64 off, u64 len, dma_addr_t *addr)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 slen = sg_dma_len(sg);

		if (off < slen) {
			if (len > slen - off)
				return -EINVAL;	/* crosses a segment: not supported */
			*addr = sg_dma_address(sg) + off;
			return 0;
		}
		off -= slen;
	}
	return -EINVAL;
}

static long edu_attach(struct edu_file *ef, int __user *ufd)
{
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	int fd;

	if (get_user(fd, ufd))
		return -EFAULT;
	if (ef->dmabuf)
		return -EBUSY;
	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	attach = dma_buf_dynamic_attach(dmabuf, &ef->edu->pdev->dev,
					&edu_importer_ops, ef);
	if (IS_ERR(attach)) {
		dma_buf_put(dmabuf);
		return PTR_ERR(attach);
	}
	ef->dmabuf = dmabuf;
	ef->attach = attach;
	return 0;
}

static void edu_detach(struct edu_file *ef)
{
	if (!ef->dmabuf)
		return;
	dma_resv_lock(ef->dmabuf->resv, NULL);
	if (ef->sgt)
		dma_buf_unmap_attachment(ef->attach, ef->sgt, DMA_BIDIRECTIONAL);
	ef->sgt = NULL;
	dma_resv_unlock(ef->dmabuf->resv);
	dma_buf_detach(ef->dmabuf, ef->attach);
	dma_buf_put(ef->dmabuf);
	ef->dmabuf = NULL;
	ef->attach = NULL;
}

static long edu_map(struct edu_file *ef, struct p2pedu_map __user *umap)
{
	struct p2pedu_map m = {};
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;

	if (!ef->dmabuf)
		return -ENOENT;
	dma_resv_lock(ef->dmabuf->resv, NULL);
	if (!ef->sgt) {
		sgt = dma_buf_map_attachment(ef->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt)) {
			dma_resv_unlock(ef->dmabuf->resv);
			return PTR_ERR(sgt);
		}
		ef->sgt = sgt;
	}
	sgt = ef->sgt;
	m.dma_addr = sg_dma_address(sgt->sgl);
	m.nents = sgt->nents;
	for_each_sgtable_dma_sg(sgt, sg, i)
		m.length += sg_dma_len(sg);
	dma_resv_unlock(ef->dmabuf->resv);
	return copy_to_user(umap, &m, sizeof(m)) ? -EFAULT : 0;
}

/*
 * The transfer runs with the reservation lock held, so an invalidation
 * waits for it to finish: the device never reads a mapping it was told
 * to give back. The bytes reach the caller after the lock is dropped
 * (user copies may fault, and mmap_lock ranks above the reservation lock).
 */
static long edu_read(struct edu_file *ef, struct p2pedu_read __user *ureq)
{
	struct edu_dev *edu = ef->edu;
	struct p2pedu_read r;
	dma_addr_t src;
	void *data;
	long ret;

	if (copy_from_user(&r, ureq, sizeof(r)))
		return -EFAULT;
	if (!r.length || r.length > P2PEDU_MAX_READ)
		return -EINVAL;
	if (!ef->dmabuf)
		return -ENOENT;
	data = kmalloc(r.length, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	dma_resv_lock(ef->dmabuf->resv, NULL);
	if (!ef->sgt) {
		ret = -ESTALE;		/* invalidated or never mapped: MAP first */
		goto out_unlock;
	}
	ret = edu_sg_addr(ef->sgt, r.offset, r.length, &src);
	if (ret)
		goto out_unlock;
	mutex_lock(&edu->dma_lock);
	if (edu->gone) {
		ret = -ENODEV;
	} else {
		ret = edu_hw_dma(edu->mmio, src, EDU_BUF_ADDR, r.length, 0);
		if (!ret)
			ret = edu_hw_dma(edu->mmio, EDU_BUF_ADDR, edu->bounce_dma,
					 r.length, EDU_DMA_TO_RAM);
		if (!ret)
			memcpy(data, edu->bounce, r.length);
	}
	mutex_unlock(&edu->dma_lock);
out_unlock:
	dma_resv_unlock(ef->dmabuf->resv);
	if (!ret && copy_to_user(u64_to_user_ptr(r.data), data, r.length))
		ret = -EFAULT;
	if (!ret)
		ef->dma_reads++;
	kfree(data);
	return ret;
}

static long edu_status(struct edu_file *ef, struct p2pedu_status __user *ust)
{
	struct p2pedu_status st = {};

	if (ef->dmabuf) {
		dma_resv_lock(ef->dmabuf->resv, NULL);
		st.mapped = !!ef->sgt;
		st.invalidations = ef->invalidations;
		dma_resv_unlock(ef->dmabuf->resv);
	}
	st.dma_reads = ef->dma_reads;
	return copy_to_user(ust, &st, sizeof(st)) ? -EFAULT : 0;
}

static long edu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edu_file *ef = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	mutex_lock(&ef->lock);
	switch (cmd) {
	case P2PEDU_ATTACH:
		ret = edu_attach(ef, uarg);
		break;
	case P2PEDU_MAP:
		ret = edu_map(ef, uarg);
		break;
	case P2PEDU_READ:
		ret = edu_read(ef, uarg);
		break;
	case P2PEDU_STATUS:
		ret = edu_status(ef, uarg);
		break;
	case P2PEDU_DETACH:
		ret = ef->dmabuf ? 0 : -ENOENT;
		edu_detach(ef);
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&ef->lock);
	return ret;
}

static int edu_open(struct inode *inode, struct file *file)
{
	struct edu_file *ef;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;
	mutex_lock(&edu_global_lock);
	if (!edu_global) {
		mutex_unlock(&edu_global_lock);
		kfree(ef);
		return -ENODEV;
	}
	ef->edu = edu_global;
	kref_get(&ef->edu->ref);
	mutex_unlock(&edu_global_lock);
	mutex_init(&ef->lock);
	file->private_data = ef;
	return 0;
}

static int edu_release(struct inode *inode, struct file *file)
{
	struct edu_file *ef = file->private_data;

	mutex_lock(&ef->lock);
	edu_detach(ef);
	mutex_unlock(&ef->lock);
	kref_put(&ef->edu->ref, edu_free);
	mutex_destroy(&ef->lock);
	kfree(ef);
	return 0;
}

static const struct file_operations edu_fops = {
	.owner = THIS_MODULE,
	.open = edu_open,
	.release = edu_release,
	.unlocked_ioctl = edu_ioctl,
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_dev *edu;
	int ret;

	if (edu_global)
		return -EBUSY;		/* one device is all the tests need */
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	kref_init(&edu->ref);
	mutex_init(&edu->dma_lock);
	edu->pdev = pci_dev_get(pdev);
	edu->mmio = pcim_iomap(pdev, 0, 0);
	if (!edu->mmio) {
		ret = -ENOMEM;
		goto err_put;
	}
	ret = edu_hw_check_id(pdev, edu->mmio);
	if (ret)
		goto err_put;
	edu->bounce = dma_alloc_coherent(&pdev->dev, P2PEDU_MAX_READ,
					 &edu->bounce_dma, GFP_KERNEL);
	if (!edu->bounce) {
		ret = -ENOMEM;
		goto err_put;
	}
	pci_set_master(pdev);
	edu->misc.minor = MISC_DYNAMIC_MINOR;
	edu->misc.name = "p2pbuf-edu";
	edu->misc.fops = &edu_fops;
	edu->misc.parent = &pdev->dev;
	ret = misc_register(&edu->misc);
	if (ret)
		goto err_free;
	pci_set_drvdata(pdev, edu);
	mutex_lock(&edu_global_lock);
	edu_global = edu;
	mutex_unlock(&edu_global_lock);
	dev_info(&pdev->dev, "p2pbuf test importer: /dev/p2pbuf-edu\n");
	return 0;

err_free:
	dma_free_coherent(&pdev->dev, P2PEDU_MAX_READ, edu->bounce, edu->bounce_dma);
err_put:
	kref_put(&edu->ref, edu_free);
	return ret;
}

/*
 * Open files keep @edu (a reference) but lose the device: their reads
 * fail with -ENODEV once it is gone.
 */
static void edu_remove(struct pci_dev *pdev)
{
	struct edu_dev *edu = pci_get_drvdata(pdev);

	mutex_lock(&edu_global_lock);
	edu_global = NULL;
	mutex_unlock(&edu_global_lock);
	misc_deregister(&edu->misc);
	mutex_lock(&edu->dma_lock);
	edu->gone = true;
	dma_free_coherent(&pdev->dev, P2PEDU_MAX_READ, edu->bounce, edu->bounce_dma);
	mutex_unlock(&edu->dma_lock);
	kref_put(&edu->ref, edu_free);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_PCI_VENDOR, EDU_PCI_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "p2pbuf_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("p2pbuf test importer: dynamic dma-buf importer on QEMU's edu device");
MODULE_LICENSE("GPL");
#if EDU_KERNEL_AT_LEAST(6, 13)
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif
