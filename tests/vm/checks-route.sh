# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Routes to the buffer behind any dma-buf (P2PBUF_ROUTE_BY_DMABUF, the
# library's p2pbuf_route_query_dmabuf(), p2pbuf-ctl info --peer): another
# exporter's buffer (the system dma-heap: RAM, so the storage NVMe gets a
# plain host address) and p2pbuf's own (the same answer as route-pci-peer).

t_route_dmabuf() {
	local own
	case $MEM-$GROUP in
	p2pdma-switch) own=p2p ;;
	p2pdma-split) own=refused ;;
	*) own=host-unchecked ;;
	esac
	"$BUILD/tests/vm/vm-route-dmabuf" heap "$CTL" "$STORE=host-bridge" &&
		"$BUILD/tests/vm/vm-route-dmabuf" "/dev/p2pbuf/$IVS-bar2" "$CTL" "$STORE=$own"
}

check route-dmabuf -- t_route_dmabuf

# vfio-pci's own dma-buf of the ivshmem BAR (VFIO_DEVICE_FEATURE_DMA_BUF,
# Linux 6.19+), the upstream exporter of a PCI BAR: p2pbuf describes the
# route to it as it does for its own buffers (split topology: through the
# host bridge, which the P2PDMA rules refuse here, for both). vfio-pci needs
# an IOMMU group: the split group boots with an emulated IOMMU. The ivshmem
# device goes back to p2pbuf afterwards.
t_vfio_dmabuf() {
	local rc drv
	[ "${P2PBUF_VM_IOMMU:-0}" = 1 ] || { echo "no IOMMU in this boot: p2pbuf-vm run --iommu"; return 1; }
	# QEMU's IOMMU here has no interrupt remapping (intremap=off), which
	# type1 wants for MSI isolation; ivshmem-plain raises no interrupts
	modprobe vfio_iommu_type1 allow_unsafe_interrupts=1 &&
		modprobe vfio-pci || { echo "modprobe vfio_iommu_type1 / vfio-pci failed"; return 1; }
	"$CTL" unbind "$IVS" > /dev/null || return 1
	echo vfio-pci > "/sys/bus/pci/devices/$IVS/driver_override"
	echo "$IVS" > /sys/bus/pci/drivers_probe
	drv=$(basename "$(readlink "/sys/bus/pci/devices/$IVS/driver")")
	echo "$IVS: driver $drv, IOMMU group $(basename "$(readlink "/sys/bus/pci/devices/$IVS/iommu_group")")"
	if [ "$drv" = vfio-pci ]; then
		"$BUILD/tests/vm/vm-route-dmabuf" "vfio:$IVS:2" "$CTL" "$STORE=refused"
		rc=$?
	else
		echo "$IVS did not bind to vfio-pci"
		rc=1
	fi
	"$CTL" bind "$IVS" > /dev/null || { echo "binding $IVS back to p2pbuf failed"; rc=1; }
	return $rc
}

check vfio-dmabuf --only-kernel newest --only-group split -- t_vfio_dmabuf
