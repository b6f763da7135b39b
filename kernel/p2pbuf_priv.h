/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pbuf: PCIe BAR memory as dma-buf objects. Private definitions.
 */
#ifndef _P2PBUF_PRIV_H
#define _P2PBUF_PRIV_H

#include <linux/dma-buf.h>
#include <linux/genalloc.h>
#include <linux/kref.h>
#include <linux/memremap.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/wait.h>
#include <linux/pci.h>
#include <uapi/linux/p2pbuf.h>

#include "p2pbuf_compat.h"

/* Refused attach attempts kept per buffer for P2PBUF_CTL_BUFFER_INFO. */
#define P2PBUF_MAX_REFUSED	4

/**
 * struct p2pbuf_provider - one region of PCIe device memory
 *
 * Lifetime: a kref. The owner (PCI driver binding or the published-region
 * scan) holds one reference, every buffer and every open file of the
 * provider node one each. Revocation (device going away) happens while
 * references are still held; the region's pages and kernel mapping are
 * released only with the last reference, so nothing is freed under a live
 * mapping.
 */
struct p2pbuf_provider {
	struct kref ref;
	struct list_head node;		/* in p2pbuf_providers, under p2pbuf_lock */
	struct pci_dev *pdev;		/* reference held */
	char name[P2PBUF_NAME_LEN];
	char nodename[P2PBUF_NAME_LEN + 8];
	enum p2pbuf_kind kind;
	enum p2pbuf_backend backend;
	enum p2pbuf_memtype memtype;
	int bar;
	phys_addr_t phys;		/* CPU physical start of the region */
	u64 bus;			/* PCI bus address of the start */
	u64 size;

	/*
	 * Bound BARs: p2pbuf's mapping of the BAR (registers WC/UC- before
	 * any other mapping; what vmap hands out). pfnmap backend: also the
	 * allocator's kernel address.
	 */
	void __iomem *memtype_hold;
	void *kaddr;
	struct gen_pool *pool;
	bool region_requested;

	struct miscdevice misc;
	bool misc_registered;

	struct mutex lock;		/* buffers list, stats, revoked */
	struct list_head buffers;
	bool revoked;
	bool going;			/* set before revocation tells its users */
	u64 allocated;
	u64 peak;
	u64 nbuffers;
	u64 nattach;
};

struct p2pbuf_attachment {
	struct list_head node;
	struct device *dev;		/* importer, reference held */
	char importer[P2PBUF_NAME_LEN];
	char bus[16];
	enum p2pbuf_route route;
	int error;			/* with P2PBUF_ROUTE_REFUSED */
	u64 dma_mask;
	unsigned int mapped;
	unsigned int pinned;		/* dma_buf_pin() by a static importer */
	bool revocable;			/* a dynamic importer: it maps again */
	dma_addr_t dma_addr;
};

struct p2pbuf_refusal {
	char importer[P2PBUF_NAME_LEN];
	char bus[16];
	int error;
	u64 dma_mask;
};

struct p2pbuf_buffer {
	struct p2pbuf_provider *prov;	/* reference held */
	struct list_head node;		/* in prov->buffers, under prov->lock */
	struct list_head revoke_node;	/* p2pbuf_provider_revoke()'s list */
	struct dma_buf *dmabuf;
	void *kaddr;
	phys_addr_t phys;
	u64 bus;
	size_t size;

	struct mutex lock;		/* attachments, refused, counters, revoked */
	struct list_head attachments;
	struct p2pbuf_refusal refused[P2PBUF_MAX_REFUSED];
	unsigned int nrefused;
	unsigned int vmaps;
	unsigned int mmaps;
	unsigned int revocable_maps;	/* mappings held by dynamic importers */
	unsigned int dma_maps;		/* all importers' current mappings */
	bool mem_freed;			/* memory returned (after revocation) */
	wait_queue_head_t unmapped;	/* woken when revocable_maps drops */
	bool revoked;
};

extern struct mutex p2pbuf_lock;
extern struct list_head p2pbuf_providers;
extern const struct attribute_group *p2pbuf_provider_groups[];

/* provider.c */
struct p2pbuf_provider *p2pbuf_provider_create(struct pci_dev *pdev,
					       enum p2pbuf_kind kind, int bar);
int p2pbuf_provider_register(struct p2pbuf_provider *prov);
void p2pbuf_provider_revoke(struct p2pbuf_provider *prov);
void p2pbuf_provider_put(struct p2pbuf_provider *prov);
void p2pbuf_provider_get(struct p2pbuf_provider *prov);
struct p2pbuf_provider *p2pbuf_provider_find_pdev(struct pci_dev *pdev,
						  enum p2pbuf_kind kind);
void p2pbuf_provider_fill_info(struct p2pbuf_provider *prov,
			       struct p2pbuf_provider_info *info);
struct p2pbuf_provider *p2pbuf_provider_lookup(const char *name);
int p2pbuf_provider_name(u32 index, char *name);
/* Notifier events; data is the provider. */
#define P2PBUF_EVENT_REVOKE	1
int p2pbuf_register_notifier(struct notifier_block *nb);
int p2pbuf_unregister_notifier(struct notifier_block *nb);

/* backend.c */
int p2pbuf_backend_setup(struct p2pbuf_provider *prov);
void p2pbuf_backend_teardown(struct p2pbuf_provider *prov);
void *p2pbuf_backend_alloc(struct p2pbuf_provider *prov, size_t size);
void p2pbuf_backend_free(struct p2pbuf_provider *prov, void *kaddr, size_t size);
void p2pbuf_backend_revoke(struct p2pbuf_provider *prov);
phys_addr_t p2pbuf_backend_phys(struct p2pbuf_provider *prov, void *kaddr);
u64 p2pbuf_backend_bus(struct p2pbuf_provider *prov, void *kaddr);
int p2pbuf_published_lookup(struct pci_dev *pdev, int *bar, phys_addr_t *start,
			    u64 *size);
enum p2pbuf_route p2pbuf_route_for(struct p2pbuf_provider *prov,
				   struct device *dev, int *error, int *distance);
extern const char *const p2pbuf_backend_names[];

/* dmabuf.c */
struct dma_buf *p2pbuf_buffer_export(struct p2pbuf_provider *prov, size_t size,
				     int fd_flags);
void p2pbuf_buffer_revoke(struct p2pbuf_buffer *buf);
bool p2pbuf_is_ours(struct dma_buf *dmabuf);
int p2pbuf_route_dmabuf(int fd, struct device *dev, bool privileged,
			u32 *route, int *error, int *distance, char *exporter,
			size_t len);
int p2pbuf_buffer_fill_info(struct dma_buf *dmabuf,
			    struct p2pbuf_buffer_info *info, bool addrs);

/* pci.c */
extern struct pci_driver p2pbuf_pci_driver;

/* main.c */
extern struct mutex p2pbuf_scan_lock;
void p2pbuf_scan_published(struct pci_dev *locked);

#endif /* _P2PBUF_PRIV_H */
