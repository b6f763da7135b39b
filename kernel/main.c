// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pbuf: PCIe BAR memory (NVMe CMB, FPGA/SDI/GPU apertures, any BAR) as
 * dma-buf objects, so capture drivers import device memory directly.
 *
 * This file: module init/exit, the /dev/p2pbuf/ctl node, and the providers
 * for regions other drivers published (pci_p2pmem_publish).
 */
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "p2pbuf_priv.h"

/* Protects p2pbuf_providers (the list, not the providers). */
DEFINE_MUTEX(p2pbuf_lock);
LIST_HEAD(p2pbuf_providers);
/* Serialises scans and drops of published regions against each other. */
DEFINE_MUTEX(p2pbuf_scan_lock);

static struct p2pbuf_provider *p2pbuf_provider_by_index(u32 index)
{
	struct p2pbuf_provider *prov;

	lockdep_assert_held(&p2pbuf_lock);
	list_for_each_entry(prov, &p2pbuf_providers, node)
		if (!index--)
			return prov;
	return NULL;
}

static struct p2pbuf_provider *p2pbuf_provider_by_name(const char *name, u32 *index)
{
	struct p2pbuf_provider *prov;
	u32 i = 0;

	lockdep_assert_held(&p2pbuf_lock);
	list_for_each_entry(prov, &p2pbuf_providers, node) {
		if (!strcmp(prov->name, name)) {
			*index = i;
			return prov;
		}
		i++;
	}
	return NULL;
}

/* A NUL-terminated name field, or -EINVAL. */
static int p2pbuf_name_valid(const char *name, size_t len)
{
	return strnlen(name, len) < len ? 0 : -EINVAL;
}

/*
 * Physical, bus and DMA addresses tell where device memory and the kernel's
 * mappings are: only for an opener with CAP_SYS_ADMIN (the opener's
 * credentials, as for %pK, so a passed fd does not gain them).
 */
static bool p2pbuf_ctl_show_addrs(struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
}

static int p2pbuf_ctl_provider_info(struct p2pbuf_provider_info *info, bool addrs)
{
	struct p2pbuf_provider *prov;
	char name[P2PBUF_NAME_LEN];
	u32 index = info->index;
	bool by_name = info->flags & P2PBUF_PROVIDER_BY_NAME;

	if (info->flags & ~P2PBUF_PROVIDER_BY_NAME)
		return -EINVAL;
	if (by_name) {
		if (p2pbuf_name_valid(info->name, sizeof(info->name)))
			return -EINVAL;
		strscpy(name, info->name, sizeof(name));
	}
	memset(info, 0, sizeof(*info));
	mutex_lock(&p2pbuf_lock);
	if (by_name)
		prov = p2pbuf_provider_by_name(name, &index);
	else
		prov = p2pbuf_provider_by_index(index);
	if (prov)
		p2pbuf_provider_fill_info(prov, info);
	mutex_unlock(&p2pbuf_lock);
	info->index = index;
	if (prov && !addrs) {
		info->bus_addr = 0;
		info->phys_addr = 0;
		info->flags |= P2PBUF_PROVIDER_ADDRS_HIDDEN;
	}
	return prov ? 0 : -ENOENT;
}

static int p2pbuf_ctl_buffer_info(struct p2pbuf_buffer_info *info, bool addrs)
{
	struct dma_buf *dmabuf;
	int ret;

	dmabuf = dma_buf_get(info->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	ret = p2pbuf_is_ours(dmabuf) ? p2pbuf_buffer_fill_info(dmabuf, info, addrs) : -EINVAL;
	dma_buf_put(dmabuf);
	return ret;
}

static int p2pbuf_ctl_route(struct p2pbuf_route_query *q, bool privileged)
{
	struct p2pbuf_provider *prov;
	struct device *dev;
	int error, distance, ret;

	u32 index = q->index;
	bool by_name = q->flags & P2PBUF_ROUTE_BY_NAME;
	bool by_dmabuf = q->flags & P2PBUF_ROUTE_BY_DMABUF;

	if ((q->flags & ~(P2PBUF_ROUTE_BY_NAME | P2PBUF_ROUTE_BY_DMABUF)) ||
	    (by_name && by_dmabuf) || q->reserved)
		return -EINVAL;
	if (p2pbuf_name_valid(q->client, sizeof(q->client)) ||
	    p2pbuf_name_valid(q->provider, sizeof(q->provider)))
		return -EINVAL;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, q->client);
	if (!dev)
		return -ENOENT;

	if (by_dmabuf) {
		ret = p2pbuf_route_dmabuf((int)q->index, dev, privileged, &q->route,
					  &error, &distance, q->provider,
					  sizeof(q->provider));
		q->error = error;
		q->distance = distance;
		put_device(dev);
		return ret;
	}

	mutex_lock(&p2pbuf_lock);
	if (by_name)
		prov = p2pbuf_provider_by_name(q->provider, &index);
	else
		prov = p2pbuf_provider_by_index(index);
	q->index = index;
	if (prov) {
		q->route = p2pbuf_route_for(prov, dev, &error, &distance);
		q->error = error;
		q->distance = distance;
	}
	mutex_unlock(&p2pbuf_lock);
	put_device(dev);
	return prov ? 0 : -ENOENT;
}

/*
 * Offer a region @pdev's driver published (e.g. the NVMe CMB) as a
 * provider, leaving that driver bound. Called with @pdev's device lock
 * held: its driver can be neither unbound nor bound meanwhile, so a
 * provider created here is revoked by the BUS_NOTIFY_UNBIND_DRIVER that
 * must come later, never created over a pool already being torn down.
 */
static void p2pbuf_scan_one(struct pci_dev *pdev)
{
	struct p2pbuf_provider *prov;
	phys_addr_t start;
	u64 size;
	int bar;

	device_lock_assert(&pdev->dev);
	if (!pdev->dev.driver || pdev->driver == &p2pbuf_pci_driver ||
	    p2pbuf_published_lookup(pdev, &bar, &start, &size))
		return;
	mutex_lock(&p2pbuf_lock);
	prov = p2pbuf_provider_find_pdev(pdev, P2PBUF_KIND_PUBLISHED);
	mutex_unlock(&p2pbuf_lock);
	if (prov)
		return;

	prov = p2pbuf_provider_create(pdev, P2PBUF_KIND_PUBLISHED, bar);
	if (!prov)
		return;
	prov->phys = start;
	prov->bus = pci_bus_address(pdev, bar) + (start - pci_resource_start(pdev, bar));
	prov->size = size;
	if (p2pbuf_backend_setup(prov) || p2pbuf_provider_register(prov))
		p2pbuf_provider_put(prov);
}

/*
 * Scan every PCI device. @locked is a device whose lock the caller holds
 * (the one a bus notification is about); the others are only tried: a
 * device whose lock is busy is being probed or removed, and a probe ends
 * with BUS_NOTIFY_BOUND_DRIVER, which scans it again.
 */
void p2pbuf_scan_published(struct pci_dev *locked)
{
	struct pci_dev *pdev = NULL;

	lockdep_assert_held(&p2pbuf_scan_lock);
	for_each_pci_dev(pdev) {
		if (pdev == locked) {
			p2pbuf_scan_one(pdev);
			continue;
		}
		if (!device_trylock(&pdev->dev))
			continue;
		p2pbuf_scan_one(pdev);
		device_unlock(&pdev->dev);
	}
}

static void p2pbuf_drop_published(struct pci_dev *pdev)
{
	struct p2pbuf_provider *prov;

	mutex_lock(&p2pbuf_lock);
	prov = p2pbuf_provider_find_pdev(pdev, P2PBUF_KIND_PUBLISHED);
	mutex_unlock(&p2pbuf_lock);
	if (!prov)
		return;
	p2pbuf_provider_revoke(prov);
	p2pbuf_provider_put(prov);
}

static int p2pbuf_bus_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	switch (action) {
	case BUS_NOTIFY_BOUND_DRIVER:
		mutex_lock(&p2pbuf_scan_lock);
		p2pbuf_scan_published(pdev);
		mutex_unlock(&p2pbuf_scan_lock);
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		/* Before the owner's remove(): revoke while the memory exists. */
		mutex_lock(&p2pbuf_scan_lock);
		p2pbuf_drop_published(pdev);
		mutex_unlock(&p2pbuf_scan_lock);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block p2pbuf_bus_nb = {
	.notifier_call = p2pbuf_bus_notify,
};

static long p2pbuf_ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	union {
		struct p2pbuf_provider_info provider;
		struct p2pbuf_buffer_info buffer;
		struct p2pbuf_route_query route;
	} k;
	void __user *uarg = (void __user *)arg;
	size_t ksize, minsize, usize = _IOC_SIZE(cmd);
	bool addrs = p2pbuf_ctl_show_addrs(file);
	int ret;

	if (_IOC_TYPE(cmd) != P2PBUF_CTL_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(P2PBUF_CTL_PROVIDER_INFO):
		ksize = sizeof(k.provider);
		minsize = ksize;
		break;
	case _IOC_NR(P2PBUF_CTL_BUFFER_INFO):
		ksize = sizeof(k.buffer);
		minsize = ksize;
		break;
	case _IOC_NR(P2PBUF_CTL_ROUTE):
		ksize = sizeof(k.route);
		minsize = P2PBUF_ROUTE_QUERY_SIZE_V1;
		break;
	case _IOC_NR(P2PBUF_CTL_RESCAN):
		if (cmd != P2PBUF_CTL_RESCAN)
			return -ENOTTY;
		if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
			return -EPERM;
		mutex_lock(&p2pbuf_scan_lock);
		p2pbuf_scan_published(NULL);
		mutex_unlock(&p2pbuf_scan_lock);
		return 0;
	default:
		return -ENOTTY;
	}
	if (_IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;
	/* Shorter than v1: -EINVAL; an older version: zero-extended. */
	if (usize < minsize)
		return -EINVAL;
	ret = copy_struct_from_user(&k, ksize, uarg, usize);
	if (ret)
		return ret;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(P2PBUF_CTL_PROVIDER_INFO):
		ret = p2pbuf_ctl_provider_info(&k.provider, addrs);
		break;
	case _IOC_NR(P2PBUF_CTL_BUFFER_INFO):
		ret = p2pbuf_ctl_buffer_info(&k.buffer, addrs);
		break;
	default:
		/* the dma-buf fd lives in @index: a v1 struct has no room to answer */
		if ((k.route.flags & P2PBUF_ROUTE_BY_DMABUF) && usize < ksize)
			return -EINVAL;
		ret = p2pbuf_ctl_route(&k.route, addrs);
		break;
	}
	if (ret)
		return ret;
	return copy_to_user(uarg, &k, min(ksize, usize)) ? -EFAULT : 0;
}

static const struct file_operations p2pbuf_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = p2pbuf_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice p2pbuf_ctl = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "p2pbuf-ctl",
	.nodename = "p2pbuf/ctl",
	.fops = &p2pbuf_ctl_fops,
	/* Listing is for the video group (udev rule); addresses and rescans
	 * need CAP_SYS_ADMIN on top.
	 */
	.mode = 0660,
};

static int __init p2pbuf_init(void)
{
	int ret;

	/* The uapi layout is ABI: pin it. */
	BUILD_BUG_ON(sizeof(struct p2pbuf_alloc_data) != 24);
	BUILD_BUG_ON(sizeof(struct p2pbuf_provider_info) != 184);
	BUILD_BUG_ON(sizeof(struct p2pbuf_attach_info) != 112);
	BUILD_BUG_ON(sizeof(struct p2pbuf_buffer_info) != 144);
	BUILD_BUG_ON(sizeof(struct p2pbuf_route_query) != 120);
	BUILD_BUG_ON(offsetof(struct p2pbuf_route_query, provider) !=
		     P2PBUF_ROUTE_QUERY_SIZE_V1);

	ret = misc_register(&p2pbuf_ctl);
	if (ret)
		return ret;
	ret = bus_register_notifier(&pci_bus_type, &p2pbuf_bus_nb);
	if (ret)
		goto err_ctl;
	ret = pci_register_driver(&p2pbuf_pci_driver);
	if (ret)
		goto err_nb;
	mutex_lock(&p2pbuf_scan_lock);
	p2pbuf_scan_published(NULL);
	mutex_unlock(&p2pbuf_scan_lock);
	return 0;

err_nb:
	bus_unregister_notifier(&pci_bus_type, &p2pbuf_bus_nb);
err_ctl:
	misc_deregister(&p2pbuf_ctl);
	return ret;
}

static void __exit p2pbuf_exit(void)
{
	struct p2pbuf_provider *prov;

	/* Every buffer holds a module reference: none is left here. */
	pci_unregister_driver(&p2pbuf_pci_driver);
	bus_unregister_notifier(&pci_bus_type, &p2pbuf_bus_nb);
	mutex_lock(&p2pbuf_scan_lock);
	for (;;) {
		mutex_lock(&p2pbuf_lock);
		prov = list_first_entry_or_null(&p2pbuf_providers,
						struct p2pbuf_provider, node);
		mutex_unlock(&p2pbuf_lock);
		if (!prov)
			break;
		p2pbuf_provider_revoke(prov);
		p2pbuf_provider_put(prov);
	}
	mutex_unlock(&p2pbuf_scan_lock);
	misc_deregister(&p2pbuf_ctl);
}

module_init(p2pbuf_init);
module_exit(p2pbuf_exit);

MODULE_DESCRIPTION("PCIe device memory (BARs, NVMe CMB) as dma-buf objects");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(P2PBUF_NS(DMA_BUF));
