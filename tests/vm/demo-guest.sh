#!/bin/bash
# SPDX-License-Identifier: MIT
# Inside the emulated machine: bind ivshmem's BAR to p2pbuf, capture frames
# into it by V4L2 DMABUF import (written by the edu capture card's DMA, then
# by vivid with the CPU), print where each landed; then
# capture into device memory and on to the storage NVMe with O_DIRECT.
#   demo-guest.sh BUILD_DIR FRAMES WIDTH HEIGHT
set -euo pipefail
BUILD=$(realpath "$1") N=$2 W=$3 H=$4
OUT=$P2PBUF_VM_OUT
IVS=$P2PBUF_VM_IVSHMEM_BDF
FMT="width=$W,height=$H,pixelformat=YUYV"
PATH=$BUILD/tools:$PATH
SRC=$(realpath "$(dirname "$0")/../..")
. "$SRC/tests/vm/lib-vivid.sh"
. "$SRC/tests/vm/lib-dma.sh"

insmod "$BUILD/kernel/p2pbuf-$P2PBUF_VM_KERNEL.ko"
p2pbuf-ctl bind "$IVS"
p2pbuf-ctl list

# A capture card that writes by DMA: QEMU's edu device
# (tests/kmod/p2pbuf_educap.ko) writes each frame with its own DMA engine
# at the bus address p2pbuf handed out, through the PCIe switch.
echo
echo "capture card -> device memory, by the card's DMA (QEMU edu, YUYV 32x32, ~10 fps):"
educap_load
educap_reference "$OUT/demo-edu.ref"
p2pbuf-capture -d "$EDUCAP" --set-fmt-video="$EDUCAP_FMT" --provider "pci:$IVS/bar2" \
	--buffers 4 --ring "$N" --stream-count "$N" --manifest "$OUT/demo-edu.manifest"
echo "check of $OUT/ivshmem.bin (the BAR's backing file on the host), frame by frame:"
python3 "$SRC/tests/vm/verify-frames.py" --bar-base "$(sed -n "3p" "/sys/bus/pci/devices/$IVS/resource" | awk '{print $1}')" \
	"$OUT/demo-edu.manifest" "$OUT/ivshmem.bin" "$OUT/demo-edu.ref"
rmmod p2pbuf_educap

# vivid, a software driver: it writes with the CPU through the buffer's
# vmap (route: vmap (cpu)); every frame differs and follows from its
# sequence number
echo
echo "vivid -> device memory, written by the CPU (640x480):"
vivid_load
# an independent reference: one frame by MMAP into system RAM
reference_frame "$OUT/demo.ref"
p2pbuf-capture -d /dev/video0 --set-fmt-video="$FMT" --provider "pci:$IVS/bar2" \
	--buffers 4 --ring "$N" --stream-count "$N" --stream-skip 2 --manifest "$OUT/demo.manifest"
sed -n "3p" "/sys/bus/pci/devices/$IVS/resource" | awk '{print $1}' > "$OUT/demo.barbase"
echo "where the frames landed (provider, offset in the BAR, bus address):"
python3 - "$OUT/demo.manifest" <<'PY'
import json, sys
fr = [json.loads(l) for l in open(sys.argv[1])]
for f in fr[:3] + ([{"frame": "..."}] if len(fr) > 6 else []) + fr[-3:]:
    if "offset" in f:
        print(f"  frame {f['frame']:>3} seq {f['sequence']:>4}: {f['bytes']} bytes in {f['provider']} at offset {f['offset']:#010x}, bus {f['bus_addr']:#x}")
    else:
        print("  ...")
PY

echo
# Checked now, before the next capture reuses the memory: in the BAR's
# backing file on the host (QEMU's ivshmem.bin, read over the 9p share),
# not through p2pbuf.
echo "check of $OUT/ivshmem.bin (the BAR's backing file on the host) against an MMAP capture:"
python3 "$SRC/tests/vm/verify-frames.py" --bar-base "$(cat "$OUT/demo.barbase")" \
	"$OUT/demo.manifest" "$OUT/ivshmem.bin" "$OUT/demo.ref"

echo
echo "vivid -> device memory -> NVMe ($P2PBUF_VM_STORE_NS) with O_DIRECT:"
if [ "$P2PBUF_VM_KERNEL" != stock ]; then
	SPEC="cmb:$P2PBUF_VM_CMB_BDF" PATHOPT=()
else
	# Without CONFIG_PCI_P2PDMA the kernel cannot check a peer-to-peer
	# route: p2pbuf refuses it, and bouncing must be asked for.
	SPEC="pci:$IVS/bar2" PATHOPT=(--bounce)
	echo "(stock kernel: no P2PDMA, so the write goes through a bounce buffer; use --kernel newest or debug for peer-to-peer)"
fi
reference_frame "$OUT/demo-store.ref"
# QEMU traces the storage NVMe's DMA between these two markers
dma_mark 0
p2pbuf-capture -d /dev/video0 --set-fmt-video="$FMT" --provider "$SPEC" \
	--buffers 4 --stream-count "$N" --stream-skip 2 --fsync "${PATHOPT[@]}" \
	--stream-to "$P2PBUF_VM_STORE_NS" --manifest "$OUT/demo-store.manifest"
dma_mark 1
echo "$N" > "$OUT/demo-store.expect"
# the BAR the frames were written from, for the host's look at the trace
if [ "$P2PBUF_VM_KERNEL" != stock ]; then
	bdf=$P2PBUF_VM_CMB_BDF
	bar=$(p2pbuf-ctl list --json | python3 -c "
import json,sys
print([p['bar'] for p in json.load(sys.stdin) if p['name']=='$bdf-p2pmem'][0])")
else
	bdf=$IVS bar=2
fi
read -r s e _ < <(sed -n "$((bar + 1))p" "/sys/bus/pci/devices/$bdf/resource")
echo "$s:$((e - s + 1))" > "$OUT/demo-store.bar"
