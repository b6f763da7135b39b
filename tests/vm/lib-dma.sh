# SPDX-License-Identifier: MIT
# Markers in the NVMe DMA trace, for guest bash scripts (source this file).
#
# tools/p2pbuf-vm run records, outside the guest, every command of QEMU's
# NVMe controllers and each address they DMA to or from in the keep dir's
# nvme-dma.trace. dma_mark ID puts a recognisable command in that trace: one
# O_DIRECT 4096-byte read from $P2PBUF_VM_STORE_NS (the storage controller's
# namespace 1, 1 GiB) at byte 1023 MiB + ID*4096. The last MiB of that
# namespace is reserved for markers; nothing else may use it. On the host,
#   tests/vm/verify-dma.py KEEP/nvme-dma.trace --begin A --end B ...
# splits the DMA of the commands between marker A and marker B by address
# (device BARs, guest RAM, elsewhere).
#
#   dma_mark 4
#   ... the I/O under test (O_DIRECT, or fsync'ed before the next marker) ...
#   dma_mark 5
#
# A command is in the window when the NVMe model took it between the two
# marker reads: I/O that completed before dma_mark returned is inside, I/O
# still in the page cache is not. Use each marker ID once per VM run.

DMA_MARK_BASE=$((1023 << 20))
DMA_MARK_SIZE=4096

# dma_mark ID: ID is an integer 0..255. Returns 0, or prints why and
# returns 1 (2 for a bad ID).
dma_mark() {
	local id=${1-} dev=${P2PBUF_VM_STORE_NS-} size off out
	if [ $# -ne 1 ] || ! [[ $id =~ ^[0-9]{1,3}$ ]] || [ $((10#$id)) -gt 255 ]; then
		echo "dma_mark: usage: dma_mark ID (an integer 0..255), got '$*'" >&2
		return 2
	fi
	id=$((10#$id))
	if [ -z "$dev" ]; then
		echo "dma_mark: P2PBUF_VM_STORE_NS is not set (not in a p2pbuf-vm guest?)" >&2
		return 1
	fi
	if [ ! -b "$dev" ]; then
		echo "dma_mark: marker $id: $dev (P2PBUF_VM_STORE_NS) is not a block device" >&2
		return 1
	fi
	size=$(blockdev --getsize64 "$dev" 2>&1) || {
		echo "dma_mark: marker $id: cannot get the size of $dev: $size" >&2
		return 1
	}
	off=$((DMA_MARK_BASE + id * DMA_MARK_SIZE))
	if [ "$size" -lt $((DMA_MARK_BASE + (1 << 20))) ]; then
		echo "dma_mark: marker $id: $dev has $size bytes; markers need the last MiB of 1 GiB" >&2
		return 1
	fi
	if ! out=$(LC_ALL=C dd if="$dev" of=/dev/null bs=$DMA_MARK_SIZE count=1 \
			skip=$((off / DMA_MARK_SIZE)) iflag=direct 2>&1); then
		echo "dma_mark: marker $id: the O_DIRECT read of $DMA_MARK_SIZE bytes from $dev at byte $off failed: ${out//$'\n'/; }" >&2
		return 1
	fi
	if ! [[ $out == *"1+0 records in"* ]]; then
		echo "dma_mark: marker $id: the O_DIRECT read from $dev at byte $off read less than $DMA_MARK_SIZE bytes: ${out//$'\n'/; }" >&2
		return 1
	fi
	return 0
}
