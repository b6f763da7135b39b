#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The checks that run inside the emulated PCIe machine (tools/p2pbuf-vm),
# driven from the host by tests/vm/run-group.py (a TAP test of meson test).
#   guest-suite.sh --list KERNEL GROUP     print the manifest: the checks
#                                          this kernel and topology must run
#   guest-suite.sh BUILD_DIR GROUP [PATTERN]
# PATTERN (bash globs separated by |) runs only the checks whose names
# match, plus load and bind-ivshmem which the others need.
# GROUP is "switch" or "split" (the topology the rig booted). Each check
# appends "name<TAB>pass|fail|skip<TAB>seconds<TAB>note" to
# $P2PBUF_VM_OUT/results.tsv; a check whose dmesg excerpt shows a WARNING,
# BUG, KASAN, lockdep or other splat fails. What the host must verify from
# outside the VM (device backing files, disk images, QEMU's trace of the
# NVMe DMA) goes to $P2PBUF_VM_OUT/host-checks.tsv, one line per
# verification, named after the check; checks declared with --host fail on
# the host when they registered none. Benchmarks (bench) and set-up steps
# (setup) are not tests: a failed set-up step is reported as a failure.
set -u
if [ "${1:-}" = --list ]; then
	LIST=1 KERNEL=$2 GROUP=$3 ONLY='*'
	SRC=$(realpath "$(dirname "$0")/../..")
	# the checks' files set variables from these when sourced
	BUILD= OUT= IVS= CMB= STORE= CTL= CAP=
else
	LIST=0
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
	: > "$RES"
	: > "$HOSTCHK"
	. "$SRC/tests/vm/lib-dma.sh"
	. "$SRC/tests/vm/lib-vivid.sh"
fi
# The backend the kernel gives p2pbuf: p2pdma where CONFIG_PCI_P2PDMA is
# set (debug 6.12, newest 7.x), pfnmap on the stock 6.12 kernel.
case $KERNEL in stock) MEM=pfnmap ;; *) MEM=p2pdma ;; esac
W=640 H=480 NFRAMES=60
FMT="width=$W,height=$H,pixelformat=YUYV"
CUR=
SYNC_N=0
DMA_N=0

log() { echo "guest-suite: $*"; }

# run_logged NAME COMMAND...: run with the log and dmesg excerpt in $OUT;
# returns COMMAND's status (99 when dmesg shows a kernel splat)
run_logged() {
	local name=$1 base rc before
	shift
	base=$OUT/$name
	before=$(dmesg | wc -l)
	"$@" > "$base.log" 2>&1
	rc=$?
	dmesg | tail -n +"$((before + 1))" > "$base.dmesg"
	if ! "$SCAN" "$base.dmesg" >> "$base.log" 2>&1; then
		echo "kernel splat in dmesg (see ${base##*/}.dmesg)" >> "$base.log"
		rc=99
	fi
	return $rc
}

# selected_in WORD LIST: WORD is one of LIST (words separated by |)
selected_in() {
	local IFS='|' w
	for w in $2; do [ "$w" = "$1" ] && return 0; done
	return 1
}

# selected NAME: PATTERN (globs separated by |) matches NAME
selected() {
	local - p IFS='|'
	set -f	# the patterns are globs for case, not for file names
	for p in $ONLY; do
		# shellcheck disable=SC2254
		case $1 in $p) return 0 ;; esac
	done
	return 1
}

# filter KIND NAME [--only-kernel K] [--only-group G] [--host] -- ...:
# whether a check, bench or setup step runs here; sets FILTER_SHIFT (the
# options to shift, with the --) and FILTER_HOST. In --list mode a check
# prints its manifest line instead. Returns 1 for "do not run".
filter() {
	local kind=$1 name=$2 ok=1
	shift 2
	FILTER_HOST= FILTER_SHIFT=1
	while [ "$1" != "--" ]; do
		case $1 in
		--only-kernel) selected_in "$KERNEL" "$2" || ok=0; shift 2; FILTER_SHIFT=$((FILTER_SHIFT + 2)) ;;
		--only-backend) [ "$2" = "$MEM" ] || ok=0; shift 2; FILTER_SHIFT=$((FILTER_SHIFT + 2)) ;;
		--only-group) [ "$2" = "$GROUP" ] || ok=0; shift 2; FILTER_SHIFT=$((FILTER_SHIFT + 2)) ;;
		--host) FILTER_HOST=host; shift; FILTER_SHIFT=$((FILTER_SHIFT + 1)) ;;
		--only-named) [ "$ONLY" != '*' ] || ok=0; shift; FILTER_SHIFT=$((FILTER_SHIFT + 1)) ;;
		*) echo "guest-suite: bad option $1" >&2; exit 2 ;;
		esac
	done
	[ $ok = 1 ] || return 1
	if [ "$LIST" = 1 ]; then
		[ "$kind" = check ] && printf '%s\t%s\n' "$name" "$FILTER_HOST"
		return 1
	fi
	case $kind-$name in check-load|check-bind-ivshmem|setup-*) return 0 ;; esac
	selected "$name"
}

# check NAME [--only-kernel K[|K..]] [--only-backend p2pdma|pfnmap] [--only-group G] [--host] -- COMMAND...
# --host: the check's data is verified from the host; it fails when it
# registered no host verification.
check() {
	local name=$1 st rc t0 t1 note=""
	shift
	filter check "$name" "$@" || return 0
	shift $FILTER_SHIFT
	CUR=$name
	t0=$(date +%s.%N)
	run_logged "$name" "$@"
	rc=$?
	t1=$(date +%s.%N)
	case $rc in
	0) st=pass ;;
	77) st=skip; note=$(tail -1 "$OUT/$name.log") ;;
	*) st=fail; note=$(tail -1 "$OUT/$name.log") ;;
	esac
	printf '%s\t%s\t%.1f\t%s\n' "$name" "$st" "$(echo "$t1 - $t0" | bc)" "$note" >> "$RES"
	sync "$RES" "$OUT/$name.log" 2>/dev/null
	echo "[$st] $name $note"
	[ "$st" = pass ] || sed 's/^/    | /' "$OUT/$name.log" | tail -25
	CUR=
}

# bench NAME [--only-kernel K] [--only-group G] [--only-named] -- COMMAND...:
# numbers for the log, never a test result. --only-named: only when the
# run names it (guest-suite.sh BUILD GROUP NAME), never in a full run.
bench() {
	local name=$1
	shift
	filter bench "$name" "$@" || return 0
	shift $FILTER_SHIFT
	run_logged "bench-$name" "$@"
	echo "[bench, not a test: exit $?] $name (log: bench-$name.log)"
	sed 's/^/    | /' "$OUT/bench-$name.log" | tail -30
}

# setup NAME [--only-kernel K] [--only-group G] -- COMMAND...: a step the
# checks need; not a test, but its failure is reported as one
setup() {
	local name=$1
	shift
	filter setup "$name" "$@" || return 0
	shift $FILTER_SHIFT
	run_logged "setup-$name" "$@" && return 0
	printf 'setup-%s\tfail\t0\t%s\n' "$name" "$(tail -1 "$OUT/setup-$name.log")" >> "$RES"
	echo "[fail] set-up step $name"
	sed 's/^/    | /' "$OUT/setup-$name.log" | tail -25
}

# host_sync WHAT: ask the host (run-group.py, watching $OUT) to act now
# and wait for it: "poison-ivshmem" fills the ivshmem BAR's backing file
# with poison; "verify" runs the host checks registered so far that look
# at device memory (which later checks reuse). Fails when the host says so.
host_sync() {
	local req ack
	SYNC_N=$((SYNC_N + 1))
	req=$OUT/host-sync.req.$SYNC_N ack=$OUT/host-sync.ack.$SYNC_N
	echo "$1" > "$req.tmp" && mv "$req.tmp" "$req" && sync "$OUT" 2>/dev/null
	for _ in $(seq 1200); do
		if [ -e "$ack" ]; then
			[ "$(cat "$ack")" = ok ] && return 0
			echo "host: $1: $(cat "$ack")"
			return 1
		fi
		sleep 0.1
	done
	echo "the host did not answer '$1' within 120 s (is tests/vm/run-group.py watching $OUT?)"
	return 1
}

# host_check KIND BASE IMAGE [ARGS...]: the host verifies this check's
# data (run-group.py: frames, bytes, storage, gst, dvb, dma, v4l2ctl, sample)
host_check() {
	local IFS=$'\t'
	echo "$CUR	$*" >> "$HOSTCHK"
	sync "$HOSTCHK" 2>/dev/null
}

bar_base() { # BDF BAR -> CPU physical start of the BAR
	sed -n "$(( $2 + 1 ))p" "/sys/bus/pci/devices/$1/resource" | awk '{print $1}'
}

bar_range() { # NAME BDF BAR -> NAME=START:SIZE (for verify-dma.py)
	local s e
	read -r s e _ < <(sed -n "$(( $3 + 1 ))p" "/sys/bus/pci/devices/$2/resource")
	echo "$1=$s:$((e - s + 1))"
}

# The CMB provider's BAR number (p2pbuf-ctl list --json)
cmb_bar() {
	"$CTL" list --json | python3 -c "
import json,sys
d=json.load(sys.stdin)
print([p['bar'] for p in d if p['name']=='$CMB-p2pmem'][0])"
}

# Poison device memory before a check that verifies data in it, through a
# path p2pbuf does not use: the host writes the ivshmem BAR's backing
# file; the CMB (memory inside QEMU's NVMe model) is written through the
# kernel's sysfs mapping of the BAR.
poison_ivshmem() { host_sync poison-ivshmem; }
poison_cmb() {
	local bar
	bar=$(cmb_bar) || { echo "no CMB provider in p2pbuf-ctl list"; return 1; }
	python3 "$SRC/tools/vm/poison.py" "/sys/bus/pci/devices/$CMB/resource$bar" ||
		{ echo "cannot poison the CMB through /sys/bus/pci/devices/$CMB/resource$bar"; return 1; }
}

# dma_begin / dma_end EXPECT DIRECTION BYTES BARSPEC: a window of QEMU's
# NVMe DMA trace around this check's I/O; the host checks where BYTES went
# (verify-dma.py: p2p = in the BAR of BARSPEC, bounce = in guest RAM).
dma_begin() {
	DMA_N=$((DMA_N + 1))
	dma_mark $((2 * DMA_N))
}
dma_end() {
	dma_mark $((2 * DMA_N + 1)) || return 1
	host_check dma - nvme-dma.trace $((2 * DMA_N)) $((2 * DMA_N + 1)) "$@"
}

t_load() {
	insmod "$KO" || return 1
	test -c /dev/p2pbuf/ctl || { echo "no /dev/p2pbuf/ctl after insmod"; return 1; }
}

# sysfs_is FILE VALUE
sysfs_is() {
	local got
	got=$(cat "$1") || { echo "cannot read $1"; return 1; }
	[ "$got" = "$2" ] || { echo "$1 is '$got', want '$2'"; return 1; }
	echo "$1 = $got"
}

t_bind() {
	local node=/dev/p2pbuf/$IVS-bar2 sys=/sys/class/misc/$IVS-bar2 backend memtype
	"$CTL" bind "$IVS" || return 1
	test -c "$node" || { echo "no $node after bind"; return 1; }
	backend=$MEM
	# ivshmem's BAR 2 is prefetchable: mapped write-combining
	memtype=write-combining
	sysfs_is "$sys/size" 67108864 && sysfs_is "$sys/free" 67108864 &&
		sysfs_is "$sys/allocated" 0 && sysfs_is "$sys/buffers" 0 &&
		sysfs_is "$sys/attachments" 0 && sysfs_is "$sys/peak" 0 &&
		sysfs_is "$sys/bar" 2 && sysfs_is "$sys/backend" $backend &&
		sysfs_is "$sys/memtype" $memtype && sysfs_is "$sys/pci_dev" "$IVS" || return 1
	"$CTL" list
}

# capture_into NAME SPEC BDF BAR: NFRAMES frames, each in its own buffer,
# into memory poisoned before
capture_into() {
	local name=$1 spec=$2 bdf=$3 bar=$4
	vivid_load || return 1
	reference_frame "$OUT/$name.ref" || { echo "reference MMAP capture failed"; return 1; }
	"$CAP" -d /dev/video0 --set-fmt-video="$FMT" --provider "$spec" \
		--buffers 4 --ring "$NFRAMES" --stream-count "$NFRAMES" --stream-skip 2 \
		--manifest "$OUT/$name.manifest" || return 1
	[ "$(wc -l < "$OUT/$name.manifest")" = "$NFRAMES" ] || { echo "manifest has $(wc -l < "$OUT/$name.manifest") frames"; return 1; }
	bar_base "$bdf" "$bar" > "$OUT/$name.barbase"
}

# Verified by the host in the BAR's backing file, at once (later checks
# reuse the memory).
t_capture_ivshmem() {
	poison_ivshmem || return 1
	capture_into capture-ivshmem "pci:$IVS/bar2" "$IVS" 2 || return 1
	host_check frames capture-ivshmem ivshmem.bin
	host_sync verify
}

t_capture_cmb() {
	local bar
	"$CTL" list
	# the P2PDMA core maps published regions uncached (pgprot_noncached)
	sysfs_is "/sys/class/misc/$CMB-p2pmem/memtype" uncached-minus || return 1
	bar=$(cmb_bar) || return 1
	poison_cmb || return 1
	capture_into capture-cmb "cmb:$CMB" "$CMB" "$bar" || return 1
	# QEMU keeps the CMB in its own memory: read it through the PCI
	# resource file (the kernel's sysfs mapping, not our module's).
	python3 "$SRC/tests/vm/verify-frames.py" --bar-base "$(bar_base "$CMB" "$bar")" \
		"$OUT/capture-cmb.manifest" "/sys/bus/pci/devices/$CMB/resource$bar" "$OUT/capture-cmb.ref"
}

# The bytes a buffer holds are checked in the BAR's backing file on the
# host (through the 9p share; the stock kernel's IO_STRICT_DEVMEM refuses
# sysfs mappings of a claimed BAR), not through p2pbuf's own mapping.
t_abi() {
	"$BUILD/tests/vm/vm-ioctl-abi" "/dev/p2pbuf/$IVS-bar2" "$OUT/ivshmem.bin"
}

# A new buffer never shows the previous user's data (dma-heap semantics).
t_zeroed() {
	"$BUILD/tests/vm/vm-ioctl-abi" "/dev/p2pbuf/$IVS-bar2" "$OUT/ivshmem.bin" --zeroed
}

# A long-term pin (io_uring registered buffer) on a buffer's mapping is
# refused, or keeps the memory from the next user; unbinding while it is
# held is clean (no KASAN report, bounded time).
t_pin() {
	local pid t0 t1
	rm -f "$OUT/pin.ready"
	"$BUILD/tests/vm/vm-pin" "/dev/p2pbuf/$IVS-bar2" "$OUT/pin.ready" 5 &
	pid=$!
	for _ in $(seq 50); do [ -e "$OUT/pin.ready" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	t0=$(date +%s%N)
	timeout 60 "$CTL" unbind "$IVS" > /dev/null || { echo "unbind failed or hung while pinned"; kill $pid; return 1; }
	t1=$(date +%s%N)
	echo "unbind while the pin was held took $(((t1 - t0) / 1000000)) ms"
	wait $pid || return 1
	"$CTL" bind "$IVS" > /dev/null
}

# The NVMe driver unbound and rebound 8 times while one process rescans
# for published regions as fast as it can and another allocates from the
# CMB provider: a rescan during nvme's remove must not re-create the
# provider over the dying pool (it would never be revoked); KASAN and
# lockdep stay quiet; afterwards the provider exists once while nvme is
# bound and not at all while it is unbound.
t_rescan_race() {
	local i rp cp n node=/dev/p2pbuf/$CMB-p2pmem drv=/sys/bus/pci/drivers/nvme
	python3 -c "
import fcntl, os, signal, time
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
fd = os.open('/dev/p2pbuf/ctl', os.O_RDWR)
end, n = time.time() + 300, 0
while not stop and time.time() < end:
    fcntl.ioctl(fd, 0xb904)  # P2PBUF_CTL_RESCAN
    n += 1
print(f'{n} rescans')" > "$OUT/rescan.out" 2>&1 &
	rp=$!
	"$BUILD/tests/vm/vm-alloc-churn" "$node" 300 > "$OUT/rescan-churn.out" 2>&1 &
	cp=$!
	for i in $(seq 8); do
		sleep 0.3
		echo "$CMB" > $drv/unbind || { echo "cycle $i: nvme unbind failed"; kill $rp $cp; return 1; }
		sleep 0.2
		echo "$CMB" > $drv/bind || { echo "cycle $i: nvme bind failed"; kill $rp $cp; return 1; }
		for _ in $(seq 100); do [ -e "$node" ] && break; sleep 0.1; done
	done
	kill -TERM $rp $cp
	wait $rp || { cat "$OUT/rescan.out"; return 1; }
	wait $cp || { cat "$OUT/rescan-churn.out"; return 1; }
	cat "$OUT/rescan.out" "$OUT/rescan-churn.out"
	n=$("$CTL" list --json | python3 -c "import json,sys; print(sum(p['name']=='$CMB-p2pmem' for p in json.load(sys.stdin)))")
	[ "$n" = 1 ] || { echo "after the cycles: $n providers for $CMB, want 1"; "$CTL" list; return 1; }
	echo "$CMB" > $drv/unbind
	python3 -c "import fcntl, os; fcntl.ioctl(os.open('/dev/p2pbuf/ctl', os.O_RDWR), 0xb904)"
	n=$("$CTL" list --json | python3 -c "import json,sys; print(sum(p['name']=='$CMB-p2pmem' for p in json.load(sys.stdin)))")
	echo "$CMB" > $drv/bind
	[ "$n" = 0 ] || { echo "nvme unbound, yet $n providers for $CMB after a rescan"; return 1; }
	for _ in $(seq 100); do [ -e "$node" ] && break; sleep 0.1; done
	[ -e "$node" ] || { echo "no $node after nvme was bound again"; return 1; }
	echo "8 nvme unbind/bind cycles under rescans and allocation: one provider while bound, none while unbound"
}

# Random, structure-aware ioctls on both nodes: every one answered with
# success or an errno, nothing in dmesg (FUZZ_CALLS, default 100000).
t_fuzz() {
	local t0 t1
	t0=$(date +%s)
	"$BUILD/tests/vm/vm-ioctl-fuzz" "/dev/p2pbuf/$IVS-bar2" "${FUZZ_CALLS:-100000}" || return 1
	t1=$(date +%s)
	echo "in $((t1 - t0)) s; provider after the fuzzer:"
	sysfs_is "/sys/class/misc/$IVS-bar2/buffers" 0 && sysfs_is "/sys/class/misc/$IVS-bar2/allocated" 0
}

# Without CAP_SYS_ADMIN: no addresses, no rescan (root keeps its uid, so
# the 0660 nodes open; only the capability is dropped).
t_privilege() {
	setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin -- \
		"$BUILD/tests/vm/vm-ioctl-abi" "/dev/p2pbuf/$IVS-bar2" "$OUT/ivshmem.bin" --unprivileged || return 1
	[ "$(stat -c %a /dev/p2pbuf/ctl)" = 660 ] || { echo "/dev/p2pbuf/ctl is mode $(stat -c %a /dev/p2pbuf/ctl), want 660"; return 1; }
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
	case $MEM-$GROUP in
	p2pdma-switch) want=p2p ;;
	p2pdma-split) want=refused ;;
	pfnmap-*) want=host-unchecked ;;
	esac
	echo "route $IVS -> $STORE: $got (want $want)"
	[ "$got" = "$want" ]
}

# vivid with allocators=1 imports through vb2-dma-contig as a platform
# device: the P2PDMA backend must refuse it, name it and say why; the
# devmem backend gives it the CPU physical address and frames land.
t_dma_contig() {
	local rc
	vivid_load allocators=1 || return 1
	"$CAP" -d /dev/video0 --set-fmt-video="$FMT" --provider "pci:$IVS/bar2" \
		--buffers 2 --stream-count 0 > "$OUT/contig.out" 2> "$OUT/contig.err" &
	local pid=$!
	sleep 4
	"$CTL" info --all > "$OUT/contig.info" 2>&1
	cat "$OUT/contig.info"
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	cat "$OUT/contig.err"
	if [ "$MEM" = p2pdma ]; then
		[ $rc != 0 ] || { echo "capture succeeded, but P2PDMA cannot route to a platform device"; return 1; }
		grep -q "vivid" "$OUT/contig.err" && grep -qi "refused" "$OUT/contig.err" ||
			{ echo "the capture error does not name the importer (vivid) and the refusal"; return 1; }
		grep -qi "no P2P path\|EREMOTEIO\|Remote I/O" "$OUT/contig.err" ||
			{ echo "the capture error does not give the reason (no P2P path)"; return 1; }
		# the refusal is recorded where an administrator looks
		dmesg | grep -q "refusing importer vivid.0: no peer-to-peer route" ||
			{ echo "the kernel log does not record the refused importer"; return 1; }
	else
		[ $rc = 0 ] || { echo "capture failed with the devmem backend"; return 1; }
		grep -q "frames" "$OUT/contig.out" "$OUT/contig.err" ||
			{ echo "no frame counters: nothing was captured"; return 1; }
		grep -q "host-unchecked" "$OUT/contig.info" || { echo "p2pbuf-ctl info does not show the route"; return 1; }
	fi
}

# revoke_cycle I: unbind the provider under a streaming capture and a live
# mmap, check that both saw the revocation, rebind. Sets UNBIND_MS.
revoke_cycle() {
	local i=$1 cap_pid map_pid rc ub t0 t1
	rm -f "$OUT/ready"
	"$CAP" -d /dev/video0 --set-fmt-video="$FMT" --provider "pci:$IVS/bar2" \
		--buffers 4 --stream-count 0 --quiet > /dev/null 2> "$OUT/revoke-cap.err" &
	cap_pid=$!
	"$BUILD/tests/vm/vm-revoke-mmap" "/dev/p2pbuf/$IVS-bar2" "$OUT/ready" 60 &
	map_pid=$!
	for _ in $(seq 100); do [ -e "$OUT/ready" ] && break; sleep 0.1; done
	sleep 1
	# A hang here is a leak: show who is stuck instead of hanging too.
	t0=$(date +%s%N)
	"$CTL" unbind "$IVS" &
	ub=$!
	for _ in $(seq 600); do kill -0 $ub 2>/dev/null || break; sleep 0.1; done
	if kill -0 $ub 2>/dev/null; then
		echo "iteration $i: unbind still blocked after 60 s"
		ps -eo pid,stat,wchan:32,args | grep -v ' \[' | tail -20
		echo w > /proc/sysrq-trigger
		dmesg | tail -80
		return 1
	fi
	wait $ub || { echo "iteration $i: unbind failed"; return 1; }
	t1=$(date +%s%N)
	UNBIND_MS=$(((t1 - t0) / 1000000))
	wait $map_pid || { echo "iteration $i: mmap holder did not get SIGBUS"; return 1; }
	timeout 30 tail --pid=$cap_pid -f /dev/null || { echo "iteration $i: capture did not stop after revocation"; kill -9 $cap_pid; return 1; }
	wait $cap_pid
	rc=$?
	[ $rc != 0 ] || { echo "iteration $i: capture exited 0 after its memory was revoked"; return 1; }
	grep -q "device memory revoked" "$OUT/revoke-cap.err" ||
		{ echo "iteration $i: the capture error does not say 'device memory revoked':"; cat "$OUT/revoke-cap.err"; return 1; }
	"$CTL" bind "$IVS" > /dev/null || { echo "iteration $i: rebind failed"; return 1; }
}

# Unbind the provider under a streaming capture and a live mmap, 8 times.
t_revoke_loop() {
	local i times=
	vivid_load || return 1
	for i in $(seq 8); do
		revoke_cycle "$i" || return 1
		times="$times $UNBIND_MS"
	done
	echo "8 revocations under streaming and mmap: ok; unbind took (ms):$times; last capture error:"
	cat "$OUT/revoke-cap.err"
	"$CTL" unbind "$IVS" || return 1
	modprobe -r vivid
	rmmod p2pbuf || { echo "module does not unload after revocations"; return 1; }
	insmod "$KO" && "$CTL" bind "$IVS" > /dev/null
}

# Unbind and rebind the provider 10 times while two processes allocate,
# map and free buffers as fast as they can (revocation racing release; a
# use-after-free shows as a KASAN report on the debug kernel).
t_revoke_churn() {
	local i p1 p2 t0 t1 ub=
	"$BUILD/tests/vm/vm-alloc-churn" "/dev/p2pbuf/$IVS-bar2" 300 > "$OUT/churn1.out" 2>&1 &
	p1=$!
	"$BUILD/tests/vm/vm-alloc-churn" "/dev/p2pbuf/$IVS-bar2" 300 > "$OUT/churn2.out" 2>&1 &
	p2=$!
	for i in $(seq 10); do
		sleep 0.5
		t0=$(date +%s%N)
		timeout 30 "$CTL" unbind "$IVS" > /dev/null || { echo "cycle $i: unbind failed or hung"; kill $p1 $p2; return 1; }
		t1=$(date +%s%N)
		ub="$ub $(((t1 - t0) / 1000000))"
		"$CTL" bind "$IVS" > /dev/null || { echo "cycle $i: rebind failed"; kill $p1 $p2; return 1; }
	done
	kill -TERM $p1 $p2
	wait $p1 || { cat "$OUT/churn1.out"; return 1; }
	wait $p2 || { cat "$OUT/churn2.out"; return 1; }
	cat "$OUT/churn1.out" "$OUT/churn2.out"
	echo "10 unbind/rebind cycles under allocation churn; unbind took (ms):$ub"
}

# Unbind must not wait for processes: one holds a buffer fd (and nothing
# else) for as long as it likes, another a live mapping, a third streams
# vivid into a buffer it keeps queued (a kernel vmap that is never given
# back: a V4L2 application that knows nothing of revocation). On P2PDMA
# kernels unbinding waits for every page of the region; the buffers'
# memory goes back at revocation and the vmap is of p2pbuf's own mapping
# of the BAR, so no holder delays it. While the vmap lives, the BAR stays
# p2pbuf's: a new binding is refused until the holder lets go.
t_unbind_holders() {
	local hp mp vp ub t0 t1 rc=0
	vivid_load || return 1
	"$CTL" alloc "pci:$IVS/bar2" 4m --hold 0 > "$OUT/holder.out" 2>&1 &
	hp=$!
	rm -f "$OUT/ready" "$OUT/ready-vb2"
	"$BUILD/tests/vm/vm-revoke-mmap" "/dev/p2pbuf/$IVS-bar2" "$OUT/ready" 60 &
	mp=$!
	"$BUILD/tests/vm/vm-vb2-hold" /dev/video0 "/dev/p2pbuf/$IVS-bar2" "$OUT/ready-vb2" 90 \
		> "$OUT/vb2-hold.out" 2>&1 &
	vp=$!
	for _ in $(seq 150); do
		[ -e "$OUT/ready" ] && [ -e "$OUT/ready-vb2" ] && grep -q holding "$OUT/holder.out" && break
		sleep 0.1
	done
	[ -e "$OUT/ready-vb2" ] || { echo "the vb2 holder streamed no frame"; cat "$OUT/vb2-hold.out"; rc=1; }
	t0=$(date +%s%N)
	# in the background: a blocked unbind is uninterruptible; the holders
	# are what would release it
	"$CTL" unbind "$IVS" > /dev/null &
	ub=$!
	for _ in $(seq 200); do kill -0 $ub 2>/dev/null || break; sleep 0.1; done
	t1=$(date +%s%N)
	if kill -0 $ub 2>/dev/null; then
		echo "unbind blocked for 20 s by a process holding a buffer"
		rc=1
	else
		wait $ub || { echo "unbind failed"; rc=1; }
		echo "unbind with one process holding a buffer fd, one a live mapping and one a vb2 queue streaming into a buffer: $(((t1 - t0) / 1000000)) ms"
	fi
	kill -0 $hp 2>/dev/null || { echo "the fd holder is gone: the check proves nothing"; rc=1; }
	kill -INT $hp 2>/dev/null
	wait $hp
	wait $mp || { echo "the mapping holder did not get SIGBUS"; rc=1; }
	if kill -0 $vp 2>/dev/null; then
		if "$CTL" bind "$IVS" > "$OUT/rebind.out" 2>&1; then
			echo "rebind succeeded while a revoked buffer's vmap was still written to"
			rc=1
		else
			echo "rebind while the vb2 holder streams: refused ($(tail -1 "$OUT/rebind.out"))"
		fi
	else
		echo "the vb2 holder is gone: the check proves nothing"; cat "$OUT/vb2-hold.out"; rc=1
	fi
	kill -INT $vp 2>/dev/null
	wait $vp || { echo "the vb2 holder failed:"; rc=1; }
	cat "$OUT/vb2-hold.out"
	wait $ub
	modprobe -r vivid
	[ -e "/dev/p2pbuf/$IVS-bar2" ] || "$CTL" bind "$IVS" > /dev/null || { echo "rebind after the holders ended failed"; rc=1; }
	[ "$MEM" = p2pdma ] || return $rc
	unbind_cmb_holders || rc=1
	return $rc
}

# The published region: nvme's unbind revokes the CMB provider; a process
# holding a buffer fd and one holding a live mapping must not delay it.
# (A kernel vmap of the CMB does: see the README, "After revocation".)
unbind_cmb_holders() {
	local hp mp t0 t1 rc=0 node=/dev/p2pbuf/$CMB-p2pmem
	"$CTL" alloc "cmb:$CMB" 4m --hold 0 > "$OUT/cmb-holder.out" 2>&1 &
	hp=$!
	rm -f "$OUT/ready-cmb"
	"$BUILD/tests/vm/vm-revoke-mmap" "$node" "$OUT/ready-cmb" 60 > "$OUT/cmb-mmap.out" 2>&1 &
	mp=$!
	for _ in $(seq 100); do [ -e "$OUT/ready-cmb" ] && grep -q holding "$OUT/cmb-holder.out" && break; sleep 0.1; done
	t0=$(date +%s%N)
	timeout 20 sh -c "echo $CMB > /sys/bus/pci/drivers/nvme/unbind" || { echo "nvme unbind of $CMB failed or took over 20 s"; rc=1; }
	t1=$(date +%s%N)
	[ $rc != 0 ] || echo "nvme unbind of the CMB's controller with one process holding a CMB buffer fd and one a live mapping: $(((t1 - t0) / 1000000)) ms"
	kill -0 $hp 2>/dev/null || { echo "the CMB fd holder is gone: the check proves nothing"; rc=1; }
	kill -INT $hp 2>/dev/null
	wait $hp
	wait $mp || { echo "the CMB mapping holder did not get SIGBUS:"; rc=1; }
	cat "$OUT/cmb-mmap.out"
	[ -e "/sys/bus/pci/drivers/nvme/$CMB" ] || echo "$CMB" > /sys/bus/pci/drivers/nvme/bind || { echo "nvme bind of $CMB failed"; rc=1; }
	for _ in $(seq 100); do [ -e "$node" ] && break; sleep 0.1; done
	[ -e "$node" ] || { echo "no $node after nvme was bound again"; rc=1; }
	return $rc
}

# Allocate 1 MiB buffers until ENOMEM, then free all: the provider's free
# bytes come back to its size.
t_fill() {
	"$BUILD/tests/vm/vm-fill" "/dev/p2pbuf/$IVS-bar2" "/sys/class/misc/$IVS-bar2" 1048576
}

# A peer device (QEMU's edu, tests/kmod/p2pbuf_edu.ko: a dynamic importer)
# reads a buffer by DMA at the address p2pbuf handed out, then the provider
# is unbound: the importer is told and loses its mapping; a new importer
# of the revoked buffer cannot map it (vm-edu-import.c says what each
# kernel guarantees). Rebinds the provider afterwards.
t_edu_import() {
	local want rc
	case $MEM-$GROUP in
	pfnmap-*) want=host ;;
	p2pdma-switch) want=p2p ;;
	p2pdma-split) want=refused ;;
	esac
	lsmod | grep -q '^p2pbuf_edu ' || insmod "$BUILD/tests/kmod/p2pbuf_edu-$KERNEL.ko" || return 1
	for _ in $(seq 50); do [ -c /dev/p2pbuf-edu ] && break; sleep 0.1; done
	test -c /dev/p2pbuf-edu || { echo "no /dev/p2pbuf-edu: the edu device did not bind"; lspci -nn; return 1; }
	timeout 120 "$BUILD/tests/vm/vm-edu-import" "$IVS" "/dev/p2pbuf/$IVS-bar2" $want
	rc=$?
	if [ $rc = 124 ]; then
		echo "vm-edu-import hung for 120 s; blocked tasks:"
		echo w > /proc/sysrq-trigger
		dmesg | tail -150
	fi
	if [ ! -e "/dev/p2pbuf/$IVS-bar2" ]; then
		"$CTL" bind "$IVS" > /dev/null || { echo "rebinding $IVS failed"; return 1; }
	fi
	rmmod p2pbuf_edu || { echo "p2pbuf_edu does not unload"; return 1; }
	return $rc
}

[ "$LIST" = 1 ] || log "kernel $KERNEL, topology $GROUP, ivshmem $IVS, cmb $CMB, storage $STORE"
check load -- t_load
check bind-ivshmem -- t_bind
check capture-ivshmem --host -- t_capture_ivshmem
check capture-cmb --only-group switch --only-backend p2pdma -- t_capture_cmb
check ioctl-abi --only-group switch -- t_abi
check alloc-zeroed --only-group switch -- t_zeroed
check alloc-fill --only-group switch -- t_fill
check unbind-holders --only-group switch -- t_unbind_holders
check ctl-privilege --only-group switch -- t_privilege
check pin-reuse --only-group switch -- t_pin
check ioctl-fuzz --only-group switch -- t_fuzz
check rescan-race --only-kernel debug --only-group switch -- t_rescan_race
check route-pci-peer -- t_route_peer
check edu-import -- t_edu_import
check vivid-dma-contig --only-group switch -- t_dma_contig
check revoke-under-load --only-group switch -- t_revoke_loop
# pfnmap only for now: on the debug kernel it hung in unbind, which the
# revoke's deferred fput (now __fput_sync) explains; enable it there once
# a run confirms it
check revoke-churn --only-kernel stock --only-group switch -- t_revoke_churn
# More checks, one file per topic: tests/vm/checks-*.sh define functions
# and call check, bench and setup themselves.
for f in "$SRC"/tests/vm/checks-*.sh; do
	. "$f"
done
exit 0
