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
