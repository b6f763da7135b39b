# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# A capture card that writes by DMA: QEMU's edu device driven by the
# test-only V4L2 driver tests/kmod/p2pbuf_educap.ko. Every byte of a frame
# is written by the device's DMA engine at the address the buffer's
# exporter handed out: peer to peer into the ivshmem BAR or the NVMe CMB
# behind the same switch (the route p2pbuf records: p2p, with the bus
# address), through the host on the stock kernel (no P2PDMA: host-unchecked),
# refused on the split topology (no P2P path), refused with ERANGE when the
# device's DMA mask cannot reach the BAR. Frames: YUYV 64x32, ~5 per second
# (the edu engine takes ~100 ms per 2 KiB transfer); their content follows
# from the sequence number (tests/vm/vivid_frames.py EducapPattern).

EDUCAP_FMT="width=64,height=32,pixelformat=YUYV"
EDUCAP_FRAMES=60

# educap_load [MODULE PARAMS]: the driver bound to edu, its node in $EDUCAP
educap_load() {
	local d
	rmmod p2pbuf_edu 2>/dev/null
	rmmod p2pbuf_educap 2>/dev/null
	# what it uses: insmod does not load dependencies
	modprobe -a videodev videobuf2-v4l2 videobuf2-dma-contig || return 1
	insmod "$BUILD/tests/kmod/p2pbuf_educap-$KERNEL.ko" "$@" || return 1
	EDUCAP=
	for _ in $(seq 50); do
		for d in /sys/class/video4linux/video*; do
			[ "$(cat "$d/name" 2>/dev/null)" = p2pbuf-educap ] && EDUCAP=/dev/${d##*/}
		done
		[ -n "$EDUCAP" ] && break
		sleep 0.1
	done
	[ -n "$EDUCAP" ] || { echo "no p2pbuf-educap video node: edu did not bind"; dmesg | tail -5; return 1; }
}

# educap_reference OUT: one frame captured by MMAP into RAM (by the device's
# DMA too), and OUT.json, for the verifier (which checks it follows the
# formula)
educap_reference() {
	local seq
	v4l2-ctl -d "$EDUCAP" --set-fmt-video="$EDUCAP_FMT" --stream-mmap --stream-count=1 \
		--stream-to="$1" --verbose > "$1.log" 2>&1 || { cat "$1.log"; return 1; }
	seq=$(grep -o 'seq: *[0-9]*' "$1.log" | tail -1 | grep -o '[0-9]*$')
	[ -n "$seq" ] || { echo "educap reference: no sequence in the log"; cat "$1.log"; return 1; }
	printf '{"pattern": "educap", "width": 64, "height": 32, "bytesperline": 128, "sequence": %d}\n' \
		"$seq" > "$1.json"
}

# educap_capture NAME SPEC: EDUCAP_FRAMES frames into SPEC, each in its own
# buffer; the summary (JSON) in NAME.summary
educap_capture() {
	local name=$1 spec=$2
	educap_reference "$OUT/$name.ref" || return 1
	timeout 120 "$CAP" -d "$EDUCAP" --set-fmt-video="$EDUCAP_FMT" --provider "$spec" \
		--buffers 4 --ring "$EDUCAP_FRAMES" --stream-count "$EDUCAP_FRAMES" --json --timeout 10 \
		--manifest "$OUT/$name.manifest" > "$OUT/$name.summary" 2> "$OUT/$name.err"
}

# route_is NAME WANT: the route the summary recorded for edu's attachment
route_is() {
	local route
	route=$(python3 -c "
import json,sys
s=[json.loads(l) for l in open('$OUT/$1.summary') if '\"summary\"' in l]
print(s[-1].get('route', '') if s else '')")
	echo "route: $route"
	case $route in
	*"$EDU_BDF (pci): $2"*) ;;
	*) echo "edu's route is not '$2'"; return 1 ;;
	esac
}

# educap_run FUNCTION [MODULE PARAMS]: the driver loaded around FUNCTION
# (unloaded after: other checks expect vivid at /dev/video0)
educap_run() {
	local f=$1 rc
	shift
	educap_load "$@" || return 1
	EDU_BDF=$(basename "$(readlink -f "/sys/class/video4linux/${EDUCAP#/dev/}/device")")
	"$f"
	rc=$?
	rmmod p2pbuf_educap || { echo "p2pbuf_educap does not unload"; rc=1; }
	return $rc
}

educap_ivshmem() {
	local want
	case $MEM-$GROUP in
	p2pdma-switch) want=p2p ;;
	pfnmap-*) want=host-unchecked ;;
	p2pdma-split) want=refused ;;
	esac
	poison_ivshmem || return 1
	if [ "$want" = refused ]; then
		if educap_capture educap-ivshmem "pci:$IVS/bar2"; then
			echo "capture by edu across root ports succeeded: it must be refused"
			return 1
		fi
		cat "$OUT/educap-ivshmem.err"
		grep -q "$EDU_BDF" "$OUT/educap-ivshmem.err" && grep -qi "refused\|no peer-to-peer route" "$OUT/educap-ivshmem.err" ||
			{ echo "the error does not name edu and the refusal"; return 1; }
		return 0
	fi
	educap_capture educap-ivshmem "pci:$IVS/bar2" || { cat "$OUT/educap-ivshmem.err"; return 1; }
	tail -1 "$OUT/educap-ivshmem.summary"
	route_is educap-ivshmem "$want" || return 1
	[ "$(wc -l < "$OUT/educap-ivshmem.manifest")" = "$EDUCAP_FRAMES" ] ||
		{ echo "manifest has $(wc -l < "$OUT/educap-ivshmem.manifest") frames"; return 1; }
	bar_base "$IVS" 2 > "$OUT/educap-ivshmem.barbase"
	host_check frames educap-ivshmem ivshmem.bin
	host_sync verify
}

educap_cmb() {
	local bar
	bar=$(cmb_bar) || return 1
	poison_cmb || return 1
	educap_capture educap-cmb "cmb:$CMB" || { cat "$OUT/educap-cmb.err"; return 1; }
	tail -1 "$OUT/educap-cmb.summary"
	route_is educap-cmb p2p || return 1
	python3 "$SRC/tests/vm/verify-frames.py" --bar-base "$(bar_base "$CMB" "$bar")" \
		"$OUT/educap-cmb.manifest" "/sys/bus/pci/devices/$CMB/resource$bar" "$OUT/educap-cmb.ref"
}

# A device whose DMA mask cannot address the BAR (28 bits; the BAR sits
# above 256 MiB): refused at attach with ERANGE, and the tool says so.
educap_mask() {
	local rc=0
	if educap_capture educap-mask "pci:$IVS/bar2"; then
		echo "a 28-bit DMA mask reached the BAR: the capture must be refused"
		rc=1
	fi
	cat "$OUT/educap-mask.err"
	grep -q "Numerical result out of range\|DMA mask" "$OUT/educap-mask.err" ||
		{ echo "the error does not give the DMA mask (ERANGE) as the reason"; rc=1; }
	return $rc
}

# v4l2-compliance (trixie's), streaming included (-s 10: MMAP, 10 frames
# per test at ~5 fps): 0 failures and 0 warnings
educap_compliance() {
	local rc=0
	compliance -d "$EDUCAP" -s 10 > "$OUT/educap-compliance.txt" 2>&1 || rc=1
	head -3 "$OUT/educap-compliance.txt"
	grep -E "^Total|fail|warn" "$OUT/educap-compliance.txt" | tail -15
	grep -q "Failed: 0, Warnings: 0" "$OUT/educap-compliance.txt" || { echo "v4l2-compliance reports failures or warnings"; rc=1; }
	return $rc
}

check capture-educap-ivshmem --only-kernel "stock|debug" --only-group switch --host -- educap_run educap_ivshmem
check educap-refused --only-group split --only-backend p2pdma -- educap_run educap_ivshmem
check capture-educap-cmb --only-kernel debug --only-group switch -- educap_run educap_cmb
check educap-dma-mask --only-group switch -- educap_run educap_mask dma_bits=28
check educap-compliance --only-kernel newest --only-group switch -- educap_run educap_compliance
