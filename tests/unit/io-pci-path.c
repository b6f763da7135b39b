// SPDX-License-Identifier: MIT
/* The PCI device behind a block device's sysfs path (p2pbuf__io_pci_of_path). */
#include <errno.h>

#include "io-private.h"
#include "test.h"

int main(void)
{
	char out[P2PBUF_PCI_ADDR_LEN];

	/* NVMe behind a switch: the nearest PCI device, not the ports above. */
	CHECK_EQ(p2pbuf__io_pci_of_path("/sys/devices/pci0000:00/0000:00:10.0/0000:01:00.0/0000:02:01.0/0000:04:00.0/nvme/nvme1/nvme1n1",
					out, sizeof(out)), 0);
	CHECK_STR(out, "0000:04:00.0");
	/* A multipath controller path. */
	CHECK_EQ(p2pbuf__io_pci_of_path("/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/nvme/nvme0/nvme0c0n1",
					out, sizeof(out)), 0);
	CHECK_STR(out, "0000:03:00.0");
	/* virtio-blk: the PCI function owns virtioN. */
	CHECK_EQ(p2pbuf__io_pci_of_path("/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda", out, sizeof(out)), 0);
	CHECK_STR(out, "0000:00:04.0");
	/* Virtual devices and look-alikes. */
	CHECK_EQ(p2pbuf__io_pci_of_path("/sys/devices/virtual/block/loop0", out, sizeof(out)), -ENOENT);
	CHECK_EQ(p2pbuf__io_pci_of_path("/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1", out, sizeof(out)), -ENOENT);
	CHECK_EQ(p2pbuf__io_pci_of_path("/sys/devices/pci0000:00", out, sizeof(out)), -ENOENT);
	CHECK_EQ(p2pbuf__io_pci_of_path("/x/0000:00:1F.0/y", out, sizeof(out)), -ENOENT);
	CHECK_EQ(p2pbuf__io_pci_of_path("", out, sizeof(out)), -ENOENT);
	CHECK_EQ(p2pbuf__io_pci_of_path("0000:00:1f.0", out, sizeof(out)), 0);
	CHECK_STR(out, "0000:00:1f.0");
	CHECK_EQ(p2pbuf__io_pci_of_path("/a/0000:00:1f.0", out, 5), -ENOENT);
	return T_RESULT();
}
