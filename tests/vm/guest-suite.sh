#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The checks that run inside the emulated PCIe machine (tools/p2pbuf-vm).
#   guest-suite.sh BUILD_DIR GROUP [PATTERN]
# PATTERN (a bash glob) runs only the checks whose names match, plus load
# and bind-ivshmem which the others need.
# GROUP is "switch" or "split" (the topology the rig booted). Each check
# appends "name<TAB>pass|fail|skip<TAB>seconds<TAB>note" to
# $P2PBUF_VM_OUT/results.tsv; a check whose dmesg excerpt shows a WARNING,
# BUG, KASAN, lockdep or other splat fails. Frames to verify from outside
# the VM are listed in $P2PBUF_VM_OUT/host-checks.tsv for run-group.
set -u
BUILD=$(realpath "$1")
GROUP=$2
ONLY=${3:-*}
SRC=$(realpath "$(dirname "$0")/../..")
OUT=$P2PBUF_VM_OUT
KERNEL=$P2PBUF_VM_KERNEL
CTL=$BUILD/tools/p2pbuf-ctl
CAP=$BUILD/tools/p2pbuf-capture
SCAN=$SRC/tools/vm/scan-dmesg
KO=$BUILD/kernel/p2pbuf-$KERNEL.ko
IVS=$P2PBUF_VM_IVSHMEM_BDF
CMB=$P2PBUF_VM_CMB_BDF
STORE=$P2PBUF_VM_STORE_BDF
RES=$OUT/results.tsv
HOSTCHK=$OUT/host-checks.tsv
W=640 H=480 NFRAMES=60
FMT="width=$W,height=$H,pixelformat=YUYV"
: > "$RES"
: > "$HOSTCHK"

log() { echo "guest-suite: $*"; }

# check NAME [--only-kernel K] [--only-group G] -- COMMAND...
check() {
	local name=$1 st rc before t0 t1 note=""
	shift
	while [ "$1" != "--" ]; do
		case $1 in
		--only-kernel) [ "$2" = "$KERNEL" ] || return 0; shift 2 ;;
		--only-group) [ "$2" = "$GROUP" ] || return 0; shift 2 ;;
		*) echo "check: bad option $1" >&2; exit 2 ;;
		esac
	done
	shift
	case $name in load|bind-ivshmem) ;; $ONLY) ;; *) return 0 ;; esac
	name="$KERNEL-$GROUP/$name"
	before=$(dmesg | wc -l)
	t0=$(date +%s.%N)
	"$@" > "$OUT/${name//\//_}.log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	dmesg | tail -n +"$((before + 1))" > "$OUT/${name//\//_}.dmesg"
	case $rc in
	0) st=pass ;;
	77) st=skip; note=$(tail -1 "$OUT/${name//\//_}.log") ;;
	*) st=fail; note=$(tail -1 "$OUT/${name//\//_}.log") ;;
	esac
	if ! "$SCAN" "$OUT/${name//\//_}.dmesg" >> "$OUT/${name//\//_}.log" 2>&1; then
		st=fail
		note="kernel splat in dmesg (see ${name//\//_}.dmesg)"
	fi
	printf '%s\t%s\t%.1f\t%s\n' "$name" "$st" "$(echo "$t1 - $t0" | bc)" "$note" >> "$RES"
	echo "[$st] $name $note"
	[ "$st" = pass ] || sed 's/^/    | /' "$OUT/${name//\//_}.log" | tail -25
}

bar_base() { # BDF BAR -> CPU physical start of the BAR
	sed -n "$(( $2 + 1 ))p" "/sys/bus/pci/devices/$1/resource" | awk '{print $1}'
}

vivid_load() { # extra module parameters...
	modprobe -r vivid 2>/dev/null
	modprobe vivid n_devs=1 node_types=1 "$@" || return 1
	for _ in $(seq 50); do [ -e /dev/video0 ] && break; sleep 0.1; done
	# identical frames (no OSD text), 30 fps
	v4l2-ctl -d /dev/video0 -c osd_text_mode=2 -p 30 >/dev/null || return 1
}

reference_frame() { # OUTFILE: one frame captured by MMAP into system RAM
	v4l2-ctl -d /dev/video0 --set-fmt-video="$FMT" --stream-mmap --stream-skip=2 \
		--stream-count=1 --stream-to="$1" >/dev/null 2>&1
}

t_load() {
	insmod "$KO" || return 1
	test -c /dev/p2pbuf/ctl || { echo "no /dev/p2pbuf/ctl after insmod"; return 1; }
}

t_bind() {
	"$CTL" bind "$IVS" || return 1
	local node=/dev/p2pbuf/$IVS-bar2 sys=/sys/class/misc/$IVS-bar2
	test -c "$node" || { echo "no $node after bind"; return 1; }
	[ "$(cat "$sys/size")" = 67108864 ] || { echo "size $(cat "$sys/size") != 64 MiB"; return 1; }
	for f in free allocated buffers attachments peak backend memtype; do
		echo "$f=$(cat "$sys/$f")" || return 1
	done
	"$CTL" list
}

# capture_into NAME SPEC BDF BAR: NFRAMES frames, each in its own buffer
capture_into() {
	local name=$1 spec=$2 bdf=$3 bar=$4
	vivid_load || return 1
	reference_frame "$OUT/$name.ref" || { echo "reference MMAP capture failed"; return 1; }
	"$CAP" -d /dev/video0 --set-fmt-video="$FMT" --provider "$spec" \
		--buffers 4 --ring "$NFRAMES" --stream-count "$NFRAMES" --stream-skip 2 \
		--manifest "$OUT/$name.manifest" || return 1
	[ "$(wc -l < "$OUT/$name.manifest")" = "$NFRAMES" ] || { echo "manifest has $(wc -l < "$OUT/$name.manifest") frames"; return 1; }
	echo "$(bar_base "$bdf" "$bar")" > "$OUT/$name.barbase"
}

t_capture_ivshmem() {
	capture_into capture-ivshmem-$KERNEL "pci:$IVS/bar2" "$IVS" 2 || return 1
	# verified from the host, in the BAR's backing file
	printf 'capture-ivshmem\t%s\tivshmem.bin\n' "capture-ivshmem-$KERNEL" >> "$HOSTCHK"
}

t_capture_cmb() {
	local prov bar
	"$CTL" list
	capture_into capture-cmb "cmb:$CMB" "$CMB" 2 || return 1
	# QEMU keeps the CMB in its own memory: read it through the PCI
	# resource file (the kernel's sysfs mapping, not our module's).
	bar=$("$CTL" list --json | python3 -c "import json,sys; d=json.load(sys.stdin); print([p['bar'] for p in d if p['name']=='$CMB-p2pmem'][0])") || return 1
	python3 "$SRC/tests/vm/verify-frames.py" --distinct --bar-base "$(bar_base "$CMB" "$bar")" \
		"$OUT/capture-cmb.manifest" "/sys/bus/pci/devices/$CMB/resource$bar" "$OUT/capture-cmb.ref"
}

t_abi() {
	"$BUILD/tests/vm/vm-ioctl-abi" "/dev/p2pbuf/$IVS-bar2"
}

# The route a PCI peer (the storage NVMe) gets to the ivshmem provider.
t_route_peer() {
	local want got
	"$CTL" list
	got=$("$CTL" list --json | python3 -c "
import json,sys
d=json.load(sys.stdin)
p=[p for p in d if p['name']=='$IVS-bar2'][0]
print([r['route'] for r in p['peers'] if r['pci_dev']=='$STORE'][0])") || return 1
	case $KERNEL-$GROUP in
	debug-switch) want=p2p ;;
	debug-split) want=refused ;;
	stock-*) want=host-unchecked ;;
	esac
	echo "route $IVS -> $STORE: $got (want $want)"
	[ "$got" = "$want" ]
}

# vivid with allocators=1 imports through vb2-dma-contig as a platform
# device: the P2PDMA backend must refuse it with a reason; the devmem
# backend gives it the CPU physical address.
t_dma_contig() {
	local rc
	vivid_load allocators=1 || return 1
	"$CAP" -d /dev/video0 --set-fmt-video="$FMT" --provider "pci:$IVS/bar2" \
		--buffers 2 --stream-count 0 > "$OUT/contig.out" 2> "$OUT/contig.err" &
	local pid=$!
	sleep 4
	"$CTL" info --all | tee "$OUT/contig.info"
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	cat "$OUT/contig.err"
	if [ "$KERNEL" = debug ]; then
		[ $rc != 0 ] || { echo "capture succeeded, but P2PDMA cannot route to a platform device"; return 1; }
		grep -qi "refused" "$OUT/contig.err" || { echo "error does not say the route was refused"; return 1; }
	else
		[ $rc = 0 ] || { echo "capture failed with the devmem backend"; return 1; }
		grep -q "host-unchecked" "$OUT/contig.info" || { echo "p2pbuf-ctl info does not show the route"; return 1; }
	fi
}

# Unbind the provider under a streaming capture and a live mmap, 20 times.
t_revoke_loop() {
	local i cap_pid map_pid rc
	vivid_load || return 1
	for i in $(seq 20); do
		rm -f "$OUT/ready"
		"$CAP" -d /dev/video0 --set-fmt-video="$FMT" --provider "pci:$IVS/bar2" \
			--buffers 4 --stream-count 0 --quiet > /dev/null 2> "$OUT/revoke-cap.err" &
		cap_pid=$!
		"$BUILD/tests/vm/vm-revoke-mmap" "/dev/p2pbuf/$IVS-bar2" "$OUT/ready" 60 &
		map_pid=$!
		for _ in $(seq 100); do [ -e "$OUT/ready" ] && break; sleep 0.1; done
		sleep 1
		# Unbinding waits for the last page reference on P2PDMA kernels:
		# a hang here is a leak. Show who is stuck instead of hanging too.
		"$CTL" unbind "$IVS" &
		local ub=$!
		for _ in $(seq 600); do kill -0 $ub 2>/dev/null || break; sleep 0.1; done
		if kill -0 $ub 2>/dev/null; then
			echo "iteration $i: unbind still blocked after 60 s"
			ps -eo pid,stat,wchan:32,args | grep -v ' \[' | tail -20
			echo w > /proc/sysrq-trigger
			dmesg | tail -80
			return 1
		fi
		wait $ub || { echo "iteration $i: unbind failed"; return 1; }
		wait $map_pid || { echo "iteration $i: mmap holder did not get SIGBUS"; return 1; }
		timeout 30 tail --pid=$cap_pid -f /dev/null || { echo "iteration $i: capture did not stop after revocation"; kill -9 $cap_pid; return 1; }
		wait $cap_pid
		rc=$?
		[ $rc != 0 ] || { echo "iteration $i: capture exited 0 after its memory was revoked"; return 1; }
		grep -qi "revoked\|went away\|No such device" "$OUT/revoke-cap.err" ||
			{ echo "iteration $i: capture error does not say why:"; cat "$OUT/revoke-cap.err"; return 1; }
		"$CTL" bind "$IVS" > /dev/null || { echo "iteration $i: rebind failed"; return 1; }
	done
	echo "20 revocations under streaming and mmap: ok; last capture error:"
	cat "$OUT/revoke-cap.err"
	"$CTL" unbind "$IVS" || return 1
	modprobe -r vivid
	rmmod p2pbuf || { echo "module does not unload after revocations"; return 1; }
	insmod "$KO" && "$CTL" bind "$IVS" > /dev/null
}

log "kernel $KERNEL, topology $GROUP, ivshmem $IVS, cmb $CMB, storage $STORE"
check load -- t_load
check bind-ivshmem -- t_bind
check capture-cmb --only-group switch --only-kernel debug -- t_capture_cmb
check ioctl-abi --only-group switch -- t_abi
check route-pci-peer -- t_route_peer
check vivid-dma-contig --only-group switch -- t_dma_contig
check revoke-under-load --only-group switch -- t_revoke_loop
# More checks, one file per topic: tests/vm/checks-*.sh define functions
# and call check themselves.
for f in "$SRC"/tests/vm/checks-*.sh; do
	[ -e "$f" ] && . "$f"
done
# Last: later checks would reuse the memory the host check looks at.
check capture-ivshmem -- t_capture_ivshmem
exit 0
