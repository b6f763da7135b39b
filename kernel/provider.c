// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pbuf providers: lifetime, the /dev/p2pbuf/<name> node and its
 * DMA_HEAP_IOCTL_ALLOC compatible allocation ioctl, sysfs statistics.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "p2pbuf_priv.h"

static const char *const p2pbuf_memtype_names[] = {
	[P2PBUF_MEMTYPE_WB] = "write-back",
	[P2PBUF_MEMTYPE_WC] = "write-combining",
	[P2PBUF_MEMTYPE_UC_MINUS] = "uncached-minus",
	[P2PBUF_MEMTYPE_UC] = "uncached",
};

/* Told when a provider is revoked (P2PBUF_EVENT_REVOKE, data: the provider). */
static BLOCKING_NOTIFIER_HEAD(p2pbuf_notifier);

int p2pbuf_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&p2pbuf_notifier, nb);
}
EXPORT_SYMBOL_GPL(p2pbuf_register_notifier);

int p2pbuf_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&p2pbuf_notifier, nb);
}
EXPORT_SYMBOL_GPL(p2pbuf_unregister_notifier);

void p2pbuf_provider_get(struct p2pbuf_provider *prov)
{
	kref_get(&prov->ref);
}
EXPORT_SYMBOL_GPL(p2pbuf_provider_get);

static void p2pbuf_provider_free(struct kref *ref)
{
	struct p2pbuf_provider *prov = container_of(ref, struct p2pbuf_provider, ref);

	p2pbuf_backend_teardown(prov);
	pci_dev_put(prov->pdev);
	mutex_destroy(&prov->lock);
	kfree(prov);
}

void p2pbuf_provider_put(struct p2pbuf_provider *prov)
{
	kref_put(&prov->ref, p2pbuf_provider_free);
}
EXPORT_SYMBOL_GPL(p2pbuf_provider_put);

/* The live provider called @name, with a reference, or NULL. */
struct p2pbuf_provider *p2pbuf_provider_lookup(const char *name)
{
	struct p2pbuf_provider *prov, *found = NULL;

	mutex_lock(&p2pbuf_lock);
	list_for_each_entry(prov, &p2pbuf_providers, node) {
		if (!strcmp(prov->name, name) && !READ_ONCE(prov->going)) {
			p2pbuf_provider_get(prov);
			found = prov;
			break;
		}
	}
	mutex_unlock(&p2pbuf_lock);
	return found;
}
EXPORT_SYMBOL_GPL(p2pbuf_provider_lookup);

/* The name of the provider at @index of the list, or -ENOENT. */
int p2pbuf_provider_name(u32 index, char *name)
{
	struct p2pbuf_provider *prov;
	int ret = -ENOENT;

	mutex_lock(&p2pbuf_lock);
	list_for_each_entry(prov, &p2pbuf_providers, node) {
		if (!index--) {
			strscpy(name, prov->name, P2PBUF_NAME_LEN);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&p2pbuf_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(p2pbuf_provider_name);

static int p2pbuf_provider_open(struct inode *inode, struct file *file)
{
	/*
	 * misc_open() holds misc_mtx: the provider cannot be deregistered
	 * and freed before the reference is taken.
	 */
	struct miscdevice *misc = file->private_data;
	struct p2pbuf_provider *prov = container_of(misc, struct p2pbuf_provider, misc);

	p2pbuf_provider_get(prov);
	file->private_data = prov;
	return 0;
}

static int p2pbuf_provider_release(struct inode *inode, struct file *file)
{
	p2pbuf_provider_put(file->private_data);
	return 0;
}

/*
 * As dma_heap_ioctl_allocate(): the same checks in the same order, then the
 * buffer, then the fd. One difference, on 32-bit kernels only: a length
 * beyond SIZE_MAX is refused here where dma-heap truncates it.
 */
static long p2pbuf_ioctl_alloc(struct p2pbuf_provider *prov,
			       struct p2pbuf_alloc_data *data,
			       struct dma_buf **dmabufp)
{
	struct dma_buf *dmabuf;
	size_t size;
	int fd;

	if (data->fd)
		return -EINVAL;
	if (data->fd_flags & ~P2PBUF_VALID_FD_FLAGS)
		return -EINVAL;
	if (data->heap_flags)
		return -EINVAL;
	/* dma-heap: PAGE_ALIGN(len) == 0 (len 0, or rounding past 2^64) */
	if (!data->len || data->len > SIZE_MAX - PAGE_SIZE + 1)
		return -EINVAL;
	size = PAGE_ALIGN(data->len);
	if (size > prov->size)
		return -ENOMEM;

	dmabuf = p2pbuf_buffer_export(prov, size, data->fd_flags);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = get_unused_fd_flags(data->fd_flags & O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	data->fd = fd;
	*dmabufp = dmabuf;
	return 0;
}

/*
 * DMA_HEAP_IOCTL_ALLOC as the dma-heap core takes it (dma_heap_ioctl() in
 * drivers/dma-buf/dma-heap.c), so that code written for dma-heaps sees the
 * same results here:
 *  - the command is matched by _IOC_NR() alone (another number: -EINVAL);
 *  - _IOC_SIZE(cmd) bytes are read if the command has _IOC_WRITE and
 *    written back if it has _IOC_READ; what the kernel does not read is
 *    zero (a shorter, older struct is zero-extended), bytes past the
 *    kernel's struct are ignored and written back as they were read;
 *  - the fd is installed once the write-back succeeded, even when the
 *    written-back part is too short to hold it.
 * The ctl node keeps the stricter copy_struct_from_user() rule.
 */
static long p2pbuf_provider_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	struct p2pbuf_provider *prov = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct p2pbuf_alloc_data stack_data;
	struct p2pbuf_alloc_data *data = &stack_data;
	unsigned int in_size = 0, out_size = 0, ksize;
	struct dma_buf *dmabuf;
	long ret;

	if (_IOC_NR(cmd) != _IOC_NR(P2PBUF_IOCTL_ALLOC))
		return -EINVAL;
	if (_IOC_DIR(cmd) & _IOC_WRITE)
		in_size = _IOC_SIZE(cmd);
	if (_IOC_DIR(cmd) & _IOC_READ)
		out_size = _IOC_SIZE(cmd);
	ksize = max3(in_size, out_size, (unsigned int)sizeof(*data));
	if (ksize > sizeof(*data)) {
		data = kmalloc(ksize, GFP_KERNEL);
		if (!data)
			return -ENOMEM;
	}
	if (copy_from_user(data, uarg, in_size)) {
		ret = -EFAULT;
		goto out;
	}
	memset((char *)data + in_size, 0, ksize - in_size);

	ret = p2pbuf_ioctl_alloc(prov, data, &dmabuf);
	if (ret)
		goto out;
	if (copy_to_user(uarg, data, out_size)) {
		put_unused_fd(data->fd);
		dma_buf_put(dmabuf);
		ret = -EFAULT;
		goto out;
	}
	fd_install(data->fd, dmabuf->file);
out:
	if (data != &stack_data)
		kfree(data);
	return ret;
}

static const struct file_operations p2pbuf_provider_fops = {
	.owner = THIS_MODULE,
	.open = p2pbuf_provider_open,
	.release = p2pbuf_provider_release,
	.unlocked_ioctl = p2pbuf_provider_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

void p2pbuf_provider_fill_info(struct p2pbuf_provider *prov,
			       struct p2pbuf_provider_info *info)
{
	strscpy(info->name, prov->name, sizeof(info->name));
	strscpy(info->pci_dev, pci_name(prov->pdev), sizeof(info->pci_dev));
	info->backend = prov->backend;
	info->kind = prov->kind;
	info->bar = prov->bar;
	info->memtype = prov->memtype;
	info->bus_addr = prov->bus;
	info->phys_addr = prov->phys;
	info->size = prov->size;
	mutex_lock(&prov->lock);
	info->flags = prov->revoked ? P2PBUF_PROVIDER_REVOKED : 0;
	info->allocated = prov->allocated;
	info->free = prov->size - prov->allocated;
	info->peak = prov->peak;
	info->buffers = prov->nbuffers;
	info->attachments = prov->nattach;
	mutex_unlock(&prov->lock);
}

static struct p2pbuf_provider *p2pbuf_dev_provider(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct p2pbuf_provider, misc);
}

/* One show function for the numeric statistics, by attribute name. */
static ssize_t p2pbuf_stat_show(struct device *dev, struct device_attribute *attr,
				char *buf)
{
	struct p2pbuf_provider_info info = {};
	const char *name = attr->attr.name;
	u64 v;

	p2pbuf_provider_fill_info(p2pbuf_dev_provider(dev), &info);
	if (!strcmp(name, "size"))
		v = info.size;
	else if (!strcmp(name, "free"))
		v = info.free;
	else if (!strcmp(name, "allocated"))
		v = info.allocated;
	else if (!strcmp(name, "peak"))
		v = info.peak;
	else if (!strcmp(name, "buffers"))
		v = info.buffers;
	else if (!strcmp(name, "attachments"))
		v = info.attachments;
	else
		v = info.bar;
	return sysfs_emit(buf, "%llu\n", (unsigned long long)v);
}

static struct device_attribute dev_attr_size = __ATTR(size, 0444, p2pbuf_stat_show, NULL);
static struct device_attribute dev_attr_free = __ATTR(free, 0444, p2pbuf_stat_show, NULL);
static struct device_attribute dev_attr_allocated = __ATTR(allocated, 0444, p2pbuf_stat_show, NULL);
static struct device_attribute dev_attr_peak = __ATTR(peak, 0444, p2pbuf_stat_show, NULL);
static struct device_attribute dev_attr_buffers = __ATTR(buffers, 0444, p2pbuf_stat_show, NULL);
static struct device_attribute dev_attr_attachments =
	__ATTR(attachments, 0444, p2pbuf_stat_show, NULL);
static struct device_attribute dev_attr_bar = __ATTR(bar, 0444, p2pbuf_stat_show, NULL);

static ssize_t backend_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  p2pbuf_backend_names[p2pbuf_dev_provider(dev)->backend]);
}
static DEVICE_ATTR_RO(backend);

static ssize_t memtype_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  p2pbuf_memtype_names[p2pbuf_dev_provider(dev)->memtype]);
}
static DEVICE_ATTR_RO(memtype);

static ssize_t pci_dev_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", pci_name(p2pbuf_dev_provider(dev)->pdev));
}
static DEVICE_ATTR_RO(pci_dev);

static struct attribute *p2pbuf_provider_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_free.attr,
	&dev_attr_allocated.attr,
	&dev_attr_peak.attr,
	&dev_attr_buffers.attr,
	&dev_attr_attachments.attr,
	&dev_attr_bar.attr,
	&dev_attr_backend.attr,
	&dev_attr_memtype.attr,
	&dev_attr_pci_dev.attr,
	NULL,
};

static const struct attribute_group p2pbuf_provider_group = {
	.attrs = p2pbuf_provider_attrs,
};

const struct attribute_group *p2pbuf_provider_groups[] = {
	&p2pbuf_provider_group,
	NULL,
};

struct p2pbuf_provider *p2pbuf_provider_create(struct pci_dev *pdev,
					       enum p2pbuf_kind kind, int bar)
{
	struct p2pbuf_provider *prov;

	prov = kzalloc(sizeof(*prov), GFP_KERNEL);
	if (!prov)
		return NULL;
	kref_init(&prov->ref);
	INIT_LIST_HEAD(&prov->node);
	INIT_LIST_HEAD(&prov->buffers);
	mutex_init(&prov->lock);
	prov->pdev = pci_dev_get(pdev);
	prov->kind = kind;
	prov->bar = bar;
	if (kind == P2PBUF_KIND_BAR)
		snprintf(prov->name, sizeof(prov->name), "%s-bar%d",
			 pci_name(pdev), bar);
	else
		snprintf(prov->name, sizeof(prov->name), "%s-p2pmem",
			 pci_name(pdev));
	snprintf(prov->nodename, sizeof(prov->nodename), "p2pbuf/%s", prov->name);
	return prov;
}

/* Make the provider visible: list it and create its node. */
int p2pbuf_provider_register(struct p2pbuf_provider *prov)
{
	int ret;

	prov->misc.minor = MISC_DYNAMIC_MINOR;
	prov->misc.name = prov->nodename + strlen("p2pbuf/");
	prov->misc.nodename = prov->nodename;
	prov->misc.fops = &p2pbuf_provider_fops;
	prov->misc.parent = &prov->pdev->dev;
	prov->misc.groups = p2pbuf_provider_groups;
	prov->misc.mode = 0660;
	ret = misc_register(&prov->misc);
	if (ret) {
		pci_err(prov->pdev, "cannot create /dev/%s: %d\n", prov->nodename, ret);
		return ret;
	}
	prov->misc_registered = true;

	mutex_lock(&p2pbuf_lock);
	list_add_tail(&prov->node, &p2pbuf_providers);
	mutex_unlock(&p2pbuf_lock);
	pci_info(prov->pdev, "%s: %llu MiB of BAR %d (%s backend, %s) as /dev/%s\n",
		 prov->name, prov->size >> 20, prov->bar,
		 p2pbuf_backend_names[prov->backend],
		 p2pbuf_memtype_names[prov->memtype], prov->nodename);
	return 0;
}

/*
 * The device is going away (unbind, hot-unplug, module unload): no new
 * buffers, every exported buffer revoked. Memory is released later, with
 * the last reference.
 */
void p2pbuf_provider_revoke(struct p2pbuf_provider *prov)
{
	struct p2pbuf_buffer *buf, *tmp;
	LIST_HEAD(live);
	u64 n = 0;

	/*
	 * Users of the provider that hold buffers of their own (the V4L2
	 * memory nodes of p2pbuf_video.ko) stop first and let go of them.
	 */
	WRITE_ONCE(prov->going, true);
	blocking_notifier_call_chain(&p2pbuf_notifier, P2PBUF_EVENT_REVOKE, prov);

	mutex_lock(&p2pbuf_lock);
	list_del_init(&prov->node);
	mutex_unlock(&p2pbuf_lock);
	if (prov->misc_registered) {
		misc_deregister(&prov->misc);
		prov->misc_registered = false;
	}

	/*
	 * Take a reference to each live buffer's file under prov->lock (the
	 * buffer cannot leave the list meanwhile), then revoke without it. A
	 * file already on its way out (get_file_active() fails) has no user
	 * mapping and no importer left; its release waits for prov->lock and
	 * unlists it. Without the reference, its mapping could be freed
	 * while we zap it.
	 */
	mutex_lock(&prov->lock);
	if (prov->revoked) {
		mutex_unlock(&prov->lock);
		return;
	}
	prov->revoked = true;
	p2pbuf_backend_revoke(prov);
	list_for_each_entry(buf, &prov->buffers, node) {
		struct file *file;

		rcu_read_lock();
		file = get_file_active(&buf->dmabuf->file);
		rcu_read_unlock();
		if (!file)
			continue;
		list_add_tail(&buf->revoke_node, &live);
		n++;
	}
	mutex_unlock(&prov->lock);

	list_for_each_entry_safe(buf, tmp, &live, revoke_node) {
		struct file *file = buf->dmabuf->file;

		list_del(&buf->revoke_node);
		p2pbuf_buffer_revoke(buf);
		/*
		 * Synchronously: if ours was the last reference, a deferred
		 * fput() would release the buffer only when this task returns
		 * to user space, while the unbind we are part of waits (in
		 * the P2PDMA core) for that buffer's pages: a deadlock.
		 */
		__fput_sync(file);
	}
	if (n)
		pci_info(prov->pdev, "%s: revoked %llu live buffers\n", prov->name, n);
}

struct p2pbuf_provider *p2pbuf_provider_find_pdev(struct pci_dev *pdev,
						  enum p2pbuf_kind kind)
{
	struct p2pbuf_provider *prov;

	lockdep_assert_held(&p2pbuf_lock);
	list_for_each_entry(prov, &p2pbuf_providers, node)
		if (prov->pdev == pdev && prov->kind == kind)
			return prov;
	return NULL;
}
