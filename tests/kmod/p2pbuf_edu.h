/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * p2pbuf_edu: test-only dma-buf importer driving QEMU's "edu" PCI device.
 * Interface between tests/kmod/p2pbuf_edu.c and tests/vm/vm-edu-import.c.
 */
#ifndef _P2PBUF_EDU_H
#define _P2PBUF_EDU_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Largest read: the edu device's buffer is 4 KiB, but QEMU 7.2's bounds
 * check is off by one and aborts QEMU on a transfer of the whole buffer.
 */
#define P2PEDU_MAX_READ		2048

struct p2pedu_map {
	__u64 dma_addr;		/* out: DMA address of the first segment */
	__u64 length;		/* out: bytes mapped */
	__u32 nents;		/* out: DMA segments */
	__u32 pad;
};

struct p2pedu_read {
	__u64 offset;		/* in: offset in the dma-buf */
	__u64 length;		/* in: 1..P2PEDU_MAX_READ */
	__u64 data;		/* in: user pointer, receives the bytes */
};

struct p2pedu_status {
	__u32 invalidations;	/* move_notify / invalidate_mappings calls */
	__u32 mapped;		/* 1 while the importer holds a mapping */
	__u32 dma_reads;	/* completed peer reads */
	__u32 pad;
};

#define P2PEDU_IOC_MAGIC	0xBA
#define P2PEDU_ATTACH		_IOW(P2PEDU_IOC_MAGIC, 1, __s32)
#define P2PEDU_MAP		_IOR(P2PEDU_IOC_MAGIC, 2, struct p2pedu_map)
#define P2PEDU_READ		_IOW(P2PEDU_IOC_MAGIC, 3, struct p2pedu_read)
#define P2PEDU_STATUS		_IOR(P2PEDU_IOC_MAGIC, 4, struct p2pedu_status)
#define P2PEDU_DETACH		_IO(P2PEDU_IOC_MAGIC, 5)

#endif /* _P2PBUF_EDU_H */
