/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's "edu" PCI device (1234:11e8), as the test modules use it
 * (p2pbuf_edu.c, p2pbuf_educap.c): its registers in BAR 0, its 4 KiB
 * buffer and one DMA transfer between that buffer and a bus address.
 */
#ifndef _EDU_HW_H
#define _EDU_HW_H

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/pci.h>

#define EDU_PCI_VENDOR		0x1234
#define EDU_PCI_DEVICE		0x11e8

#define EDU_ID			0x00
#define EDU_ID_MAGIC		0xed
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2	/* else: from the bus address into the device */
#define EDU_BUF_ADDR		0x40000	/* the device's own 4 KiB buffer */
#define EDU_DMA_TIMEOUT_MS	5000

/* BAR 0 is an edu device's (its ID register), else -ENODEV and why. */
static inline int edu_hw_check_id(struct pci_dev *pdev, void __iomem *mmio)
{
	u32 id = readl(mmio + EDU_ID);

	if ((id & 0xff) == EDU_ID_MAGIC)
		return 0;
	dev_err(&pdev->dev, "not an edu device (id %#x)\n", id);
	return -ENODEV;
}

/*
 * One transfer of @len bytes (< 4096: QEMU 7.2's bounds check is off by
 * one) from @src to @dst; @cmd EDU_DMA_TO_RAM copies out of the device's
 * buffer. The device completes it ~100 ms (virtual time) later; the caller
 * serialises transfers.
 */
static inline int edu_hw_dma(void __iomem *mmio, u64 src, u64 dst, u32 len, u32 cmd)
{
	unsigned int waited = 0;

	writeq(src, mmio + EDU_DMA_SRC);
	writeq(dst, mmio + EDU_DMA_DST);
	writeq(len, mmio + EDU_DMA_CNT);
	writeq(cmd | EDU_DMA_RUN, mmio + EDU_DMA_CMD);
	while (readq(mmio + EDU_DMA_CMD) & EDU_DMA_RUN) {
		if (waited >= EDU_DMA_TIMEOUT_MS)
			return -ETIMEDOUT;
		usleep_range(5000, 10000);
		waited += 5;
	}
	return 0;
}

#endif /* _EDU_HW_H */
