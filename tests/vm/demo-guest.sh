#!/bin/bash
# SPDX-License-Identifier: MIT
# Inside the emulated machine: bind ivshmem's BAR to p2pbuf, capture vivid
# frames into it by V4L2 DMABUF import, print where each landed; then
# capture into device memory and on to the storage NVMe with O_DIRECT.
#   demo-guest.sh BUILD_DIR FRAMES WIDTH HEIGHT
set -euo pipefail
BUILD=$(realpath "$1") N=$2 W=$3 H=$4
OUT=$P2PBUF_VM_OUT
IVS=$P2PBUF_VM_IVSHMEM_BDF
FMT="width=$W,height=$H,pixelformat=YUYV"
PATH=$BUILD/tools:$PATH

insmod "$BUILD/kernel/p2pbuf-$P2PBUF_VM_KERNEL.ko"
p2pbuf-ctl bind "$IVS"
p2pbuf-ctl list
modprobe vivid n_devs=1 node_types=1
for _ in $(seq 50); do [ -e /dev/video0 ] && break; sleep 0.1; done
v4l2-ctl -d /dev/video0 -c osd_text_mode=2 -p 30 > /dev/null
# an independent reference: one frame by MMAP into system RAM
v4l2-ctl -d /dev/video0 --set-fmt-video="$FMT" --stream-mmap --stream-skip=2 \
	--stream-count=1 --stream-to="$OUT/demo.ref" > /dev/null 2>&1
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
echo "vivid -> device memory -> NVMe ($P2PBUF_VM_STORE_NS) with O_DIRECT:"
if [ "$P2PBUF_VM_KERNEL" = debug ]; then
	SPEC="cmb:$P2PBUF_VM_CMB_BDF" PATHOPT=()
else
	# Without CONFIG_PCI_P2PDMA the kernel cannot check a peer-to-peer
	# route: p2pbuf refuses it, and bouncing must be asked for.
	SPEC="pci:$IVS/bar2" PATHOPT=(--bounce)
	echo "(stock kernel: no P2PDMA, so the write goes through a bounce buffer; use --kernel debug for peer-to-peer)"
fi
v4l2-ctl -d /dev/video0 --set-fmt-video="$FMT" --stream-mmap --stream-skip=2 \
	--stream-count=1 --stream-to="$OUT/demo-store.ref" > /dev/null 2>&1
p2pbuf-capture -d /dev/video0 --set-fmt-video="$FMT" --provider "$SPEC" \
	--buffers 4 --stream-count "$N" --stream-skip 2 --fsync "${PATHOPT[@]}" \
	--stream-to "$P2PBUF_VM_STORE_NS" --manifest "$OUT/demo-store.manifest"
