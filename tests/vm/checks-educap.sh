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
# device's DMA mask cannot reach the BAR. Frames: YUYV 32x32, ~10 per second
# (the edu engine takes ~100 ms per 2 KiB transfer); their content follows
# from the sequence number (tests/vm/vivid_frames.py EducapPattern).

EDUCAP_FRAMES=60

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

# Revocation while the device's DMA streams into a buffer its vb2 queue
# keeps (a capture application that knows nothing of revocation:
# vm-vb2-hold): unbind returns; the DMA goes on into the old range, which
# no new binding may claim meanwhile (bind refused); once the application
# stops, a new binding's buffer over the whole BAR reads as zeros and
# stays so (checked in the BAR's backing file): no late write lands in
# another user's memory.
educap_revoke() {
	local vp hp rc=0 t0 t1
	rm -f "$OUT/ready-educap"
	"$BUILD/tests/vm/vm-vb2-hold" "$EDUCAP" "/dev/p2pbuf/$IVS-bar2" "$OUT/ready-educap" 60 \
		> "$OUT/educap-hold.out" 2>&1 &
	vp=$!
	for _ in $(seq 100); do [ -e "$OUT/ready-educap" ] && break; sleep 0.1; done
	[ -e "$OUT/ready-educap" ] || { echo "edu streamed no frame"; kill $vp; wait $vp; cat "$OUT/educap-hold.out"; return 1; }
	t0=$(date +%s%N)
	timeout 20 "$CTL" unbind "$IVS" > /dev/null || { echo "unbind under edu's DMA failed or hung"; rc=1; }
	t1=$(date +%s%N)
	echo "unbind while edu's DMA streams into a buffer its queue keeps: $(((t1 - t0) / 1000000)) ms"
	sleep 1
	if "$CTL" bind "$IVS" > "$OUT/educap-rebind.out" 2>&1; then
		echo "rebind succeeded while edu still writes into the old range"
		rc=1
	else
		echo "rebind while edu streams: refused ($(tail -1 "$OUT/educap-rebind.out"))"
	fi
	kill -INT $vp 2>/dev/null
	wait $vp || { echo "the vb2 holder failed"; rc=1; }
	cat "$OUT/educap-hold.out"
	"$CTL" bind "$IVS" > /dev/null || { echo "rebind after edu stopped failed"; return 1; }
	"$CTL" alloc "pci:$IVS/bar2" 64m --hold 0 > "$OUT/educap-new.out" 2>&1 &
	hp=$!
	for _ in $(seq 50); do grep -q holding "$OUT/educap-new.out" && break; sleep 0.1; done
	sleep 1
	python3 -c "
import sys
d = open('$OUT/ivshmem.bin', 'rb').read()
nz = len(d) - d.count(0)
print(f'new 64 MiB buffer over the whole BAR, 1 s after allocation: {nz} non-zero bytes in ivshmem.bin')
sys.exit(1 if nz else 0)" || rc=1
	kill -INT $hp 2>/dev/null
	wait $hp
	return $rc
}

# v4l2-compliance (trixie's), streaming included (-s 10: MMAP, 10 frames
# per test at ~10 fps): 0 failures and 0 warnings
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
check educap-revoke --only-kernel "stock|debug" --only-group switch -- educap_run educap_revoke
check educap-dma-mask --only-group switch -- educap_run educap_mask dma_bits=28
check educap-compliance --only-kernel newest --only-group switch -- educap_run educap_compliance
