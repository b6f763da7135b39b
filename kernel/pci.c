// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pbuf PCI driver: a BAR of a device bound to p2pbuf becomes a provider.
 * There is no id table; bind a device with driver_override, as with
 * vfio-pci:
 *   echo p2pbuf > /sys/bus/pci/devices/BDF/driver_override
 *   echo BDF > /sys/bus/pci/drivers_probe
 */
#include <linux/module.h>

#include "p2pbuf_priv.h"

static int bar = -1;
module_param(bar, int, 0644);
MODULE_PARM_DESC(bar, "BAR to export from devices bound later (-1: the largest memory BAR, prefetchable first)");

static int p2pbuf_pick_bar(struct pci_dev *pdev)
{
	int i, best = -1;
	bool best_pf = false;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		unsigned long flags = pci_resource_flags(pdev, i);
		bool pf = flags & IORESOURCE_PREFETCH;

		if (!(flags & IORESOURCE_MEM) || pci_resource_len(pdev, i) < PAGE_SIZE)
			continue;
		if (best < 0 || (pf && !best_pf) ||
		    (pf == best_pf &&
		     pci_resource_len(pdev, i) > pci_resource_len(pdev, best))) {
			best = i;
			best_pf = pf;
		}
	}
	return best;
}

static int p2pbuf_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct p2pbuf_provider *prov;
	int b = READ_ONCE(bar);
	int ret;

	if (b < 0)
		b = p2pbuf_pick_bar(pdev);
	if (b < 0 || b >= PCI_STD_NUM_BARS ||
	    !(pci_resource_flags(pdev, b) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, b) < PAGE_SIZE ||
	    !PAGE_ALIGNED(pci_resource_start(pdev, b))) {
		pci_err(pdev, "no usable memory BAR (bar=%d): set /sys/module/p2pbuf/parameters/bar to a page-aligned memory BAR\n",
			b);
		return -EINVAL;
	}

	ret = pci_enable_device_mem(pdev);
	if (ret) {
		pci_err(pdev, "cannot enable device: %d\n", ret);
		return ret;
	}

	prov = p2pbuf_provider_create(pdev, P2PBUF_KIND_BAR, b);
	if (!prov) {
		ret = -ENOMEM;
		goto err_disable;
	}
	prov->phys = pci_resource_start(pdev, b);
	prov->bus = pci_bus_address(pdev, b);
	prov->size = pci_resource_len(pdev, b);

	ret = p2pbuf_backend_setup(prov);
	if (ret)
		goto err_put;
	ret = p2pbuf_provider_register(prov);
	if (ret)
		goto err_put;
	pci_set_drvdata(pdev, prov);
	return 0;

err_put:
	p2pbuf_provider_put(prov);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

static void p2pbuf_pci_remove(struct pci_dev *pdev)
{
	struct p2pbuf_provider *prov = pci_get_drvdata(pdev);

	p2pbuf_provider_revoke(prov);
	p2pbuf_provider_put(prov);
	pci_disable_device(pdev);
}

struct pci_driver p2pbuf_pci_driver = {
	.name = "p2pbuf",
	.id_table = NULL,
	.probe = p2pbuf_pci_probe,
	.remove = p2pbuf_pci_remove,
	.driver_managed_dma = true,
};
