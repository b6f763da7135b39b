# SPDX-License-Identifier: MIT
# Storage checks, sourced by guest-suite.sh: frames from V4L2 into device
# memory and from there to the storage NVMe namespace with O_DIRECT
# (p2pbuf-capture --stream-to), a file range back into device memory, the
# refusals where the route cannot be checked, and pulling the plug.
#
# Layout of the 1 GiB storage namespace (each VM boot starts with it full of
# poison, tools/p2pbuf-vm --poison; a 1280x720 YUYV frame is 1843200 bytes,
# 1.76 MiB):
#   0        120 frames from the NVMe CMB (210.9 MiB)
#   530 MiB  60 frames from ivshmem (after the slot that follows the CMB's
#            frames, which must still be poison)
#   640 MiB  20 frames bounced (split topology, stock kernel)
#   680 MiB  8 MiB pattern read back into ivshmem
#   688 MiB  16 MiB scratch for p2pbuf-bench
#   704 MiB  16 frames at most while the provider goes away
#   736 MiB  16 frames at most while the disk goes away
#   768 MiB  the DVB check's (checks-dvb.sh)
#   1023 MiB markers for the DMA trace windows (tests/vm/lib-dma.sh)
# The host checks the image (run-group.py, verify-storage.py): "storage"
# records for frames, "bytes" records for the read; and QEMU's trace of
# the storage NVMe's DMA addresses (verify-dma.py): a p2p write must take
# >= 95% of its bytes from the provider's BAR, a bounced one from RAM.

SNS=${P2PBUF_VM_STORE_NS:-}
SFMT="width=1280,height=720,pixelformat=YUYV"
MIB=1048576
SLOCAL=/tmp/p2pbuf-storage

# storage_capture NAME SPEC OFFSET COUNT [capture options...]
# Capture COUNT 720p frames into SPEC (poisoned first when it is the
# ivshmem BAR) and write them to the namespace at OFFSET, inside a window
# of the DMA trace; NAME.{ref,manifest,summary,err} in $OUT.
storage_capture() {
	local name=$1 spec=$2 off=$3 count=$4 FMT=$SFMT rc
	shift 4
	vivid_load || return 1
	# SFPS: a slower source, for checks that act in the middle of a capture
	[ -z "${SFPS:-}" ] || v4l2-ctl -d /dev/video0 -p "$SFPS" > /dev/null || return 1
	reference_frame "$OUT/$name.ref" || { echo "reference MMAP capture failed"; return 1; }
	case $spec in
	pci:$IVS/*) poison_ivshmem || return 1 ;;
	cmb:*) poison_cmb || return 1 ;;
	esac
	dma_begin || return 1
	# The tool writes its files to the guest's tmpfs; they are copied to
	# the host share ($OUT, 9p) once it has ended: lines appended to a 9p
	# file while the host reads it have shown up there as NUL bytes.
	mkdir -p "$SLOCAL"
	timeout 600 "$CAP" -d /dev/video0 --set-fmt-video="$FMT" --provider "$spec" \
		--buffers 4 --stream-count "$count" --stream-skip 2 --json --timeout 20 \
		--stream-to "$SNS" --stream-offset "$off" --manifest "$SLOCAL/$name.manifest" "$@" \
		> "$SLOCAL/$name.summary" 2> "$SLOCAL/$name.err"
	rc=$?
	cp "$SLOCAL/$name.manifest" "$SLOCAL/$name.summary" "$SLOCAL/$name.err" "$OUT/" 2>/dev/null
	sync "$OUT/$name.manifest" "$OUT/$name.summary" "$OUT/$name.err" 2>/dev/null
	DMA_BYTES=$(summary_field "$name" written_bytes)
	return $rc
}

# storage_dma NAME EXPECT(p2p|bounce) BARSPEC: close the check's DMA
# window; the host checks that the written bytes came from BARSPEC's BAR
# (p2p) or from guest RAM (bounce)
storage_dma() {
	[ -n "$DMA_BYTES" ] && [ "$DMA_BYTES" -gt 0 ] || { echo "$1: no written_bytes in the summary"; return 1; }
	dma_end "$2" write "$DMA_BYTES" "$3"
}

summary_field() { # NAME FIELD
	python3 -c "
import json,sys
s=[json.loads(l) for l in open('$OUT/$1.summary') if '\"summary\"' in l]
print(s[-1].get('$2', '') if s else '')"
}

need_store() {
	[ -n "$SNS" ] && [ -b "$SNS" ] || { echo "no storage namespace '$SNS' (P2PBUF_VM_STORE_NS): the rig did not find the storage NVMe"; return 1; }
}

# 120 frames: vivid -> NVMe CMB buffers -> O_DIRECT -> storage NVMe.
t_storage_cmb() {
	need_store || return
	storage_capture storage-cmb "cmb:$CMB" 0 120 --fsync || { cat "$OUT/storage-cmb.err"; return 1; }
	cat "$OUT/storage-cmb.err"
	tail -1 "$OUT/storage-cmb.summary"
	[ "$(summary_field storage-cmb written_frames)" = 120 ] || { echo "not 120 frames written"; return 1; }
	[ "$(summary_field storage-cmb write_path)" = p2p ] || { echo "path is not p2p"; return 1; }
	echo 120 > "$OUT/storage-cmb.expect"
	storage_dma storage-cmb p2p "$(bar_range cmb "$CMB" "$(cmb_bar)")" || return 1
	host_check storage storage-cmb nvme-store.img
}

t_storage_ivshmem() {
	need_store || return
	storage_capture storage-ivshmem "pci:$IVS/bar2" $((530 * MIB)) 60 || { cat "$OUT/storage-ivshmem.err"; return 1; }
	tail -1 "$OUT/storage-ivshmem.summary"
	[ "$(summary_field storage-ivshmem written_frames)" = 60 ] || { echo "not 60 frames written"; return 1; }
	[ "$(summary_field storage-ivshmem write_path)" = p2p ] || { echo "path is not p2p"; return 1; }
	echo 60 > "$OUT/storage-ivshmem.expect"
	storage_dma storage-ivshmem p2p "$(bar_range ivshmem "$IVS" 2)" || return 1
	host_check storage storage-ivshmem nvme-store.img
}

# Where the route cannot be checked (split topology: refused; stock kernel:
# no P2PDMA) the writer refuses with the documented reason, and --bounce
# works and says so.
t_storage_refused() {
	local rc want
	need_store || return
	case $MEM-$GROUP in
	p2pdma-split) want="route refused by the PCI topology" ;;
	pfnmap-*) want="no CONFIG_PCI_P2PDMA" ;;
	*) echo "storage-refused is not registered for $KERNEL-$GROUP"; return 1 ;;
	esac
	storage_capture storage-refused "pci:$IVS/bar2" $((640 * MIB)) 5
	rc=$?
	cat "$OUT/storage-refused.err"
	[ $rc != 0 ] || { echo "capture to storage succeeded without a checked route"; return 1; }
	grep -q "$want" "$OUT/storage-refused.err" || { echo "error does not say: $want"; return 1; }
	grep -q -- "--bounce" "$OUT/storage-refused.err" || { echo "error does not point to --bounce"; return 1; }
	storage_capture storage-bounce "pci:$IVS/bar2" $((640 * MIB)) 20 --bounce ||
		{ cat "$OUT/storage-bounce.err"; return 1; }
	tail -1 "$OUT/storage-bounce.summary"
	[ "$(summary_field storage-bounce write_path)" = bounce ] || { echo "path is not bounce"; return 1; }
	[ "$(summary_field storage-bounce written_frames)" = 20 ] || { echo "not 20 frames written"; return 1; }
	echo 20 > "$OUT/storage-bounce.expect"
	storage_dma storage-bounce bounce "$(bar_range ivshmem "$IVS" 2)" || return 1
	host_check storage storage-bounce nvme-store.img
}

# A file region on the NVMe read with O_DIRECT into ivshmem memory.
t_storage_read() {
	local path=p2p
	need_store || return
	case $MEM-$GROUP in p2pdma-switch) ;; *) path=bounce ;; esac
	head -c $((8 * MIB)) /dev/urandom > "$OUT/storage-read.pattern" || return 1
	dd if="$OUT/storage-read.pattern" of="$SNS" bs=1M seek=680 oflag=direct conv=fsync status=none || return 1
	poison_ivshmem || return 1
	dma_begin || return 1
	"$BUILD/tests/vm/vm-storage-read" "pci:$IVS/bar2" "$SNS" $((680 * MIB)) $((8 * MIB)) $path \
		$((52 * MIB)) > "$OUT/storage-read.json" || return 1
	dma_end "$path" read $((8 * MIB)) "$(bar_range ivshmem "$IVS" 2)" || return 1
	cat "$OUT/storage-read.json"
	grep -q "\"path\":\"$path\"" "$OUT/storage-read.json" || { echo "path is not $path"; return 1; }
	bar_base "$IVS" 2 > "$OUT/storage-read.barbase"
	host_check bytes storage-read ivshmem.bin
	host_sync verify
}

# Not a test: the numbers, in the log.
t_storage_bench() {
	local allow=
	need_store || return
	[ "$MEM" = pfnmap ] && allow=--allow-unchecked
	"$BUILD/tools/p2pbuf-bench" --provider "pci:$IVS/bar2" --size 16m --iterations 3 \
		--file "$SNS" --offset $((688 * MIB)) $allow || return 1
	if [ "$MEM-$GROUP" = p2pdma-switch ]; then
		"$BUILD/tools/p2pbuf-bench" --provider "cmb:$CMB" --dst-provider "pci:$IVS/bar2" \
			--size 16m --iterations 3 --file "$SNS" --offset $((688 * MIB)) || return 1
	fi
}

# pull_plug NAME OFFSET COMMAND...: capture to the namespace, run COMMAND
# once 3 frames are written, expect an error exit in time and every frame
# reported as written to be on the disk (checked by the host).
pull_plug() {
	local name=$1 off=$2 pid rc n=0
	shift 2
	need_store || return
	local bounce=
	case $MEM-$GROUP in p2pdma-switch) ;; *) bounce=--bounce ;; esac
	SFPS=2 storage_capture "$name" "pci:$IVS/bar2" "$off" 16 $bounce &
	pid=$!
	for _ in $(seq 600); do
		n=$(cat "$SLOCAL/$name.manifest" 2>/dev/null | wc -l)
		[ "$n" -ge 3 ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $pid 2>/dev/null || { wait $pid; cat "$OUT/$name.err"; echo "capture ended before the plug was pulled"; return 1; }
	echo "after $n frames in the manifest: $*"
	"$@" || { echo "could not pull the plug"; kill $pid; wait $pid; return 1; }
	timeout 60 tail --pid=$pid -f /dev/null || { echo "capture hangs after the plug was pulled"; kill -9 $pid; return 1; }
	wait $pid
	rc=$?
	cat "$OUT/$name.err"
	tail -1 "$OUT/$name.summary"
	[ $rc != 0 ] || { echo "capture exited 0 after losing its device"; return 1; }
	[ -s "$OUT/$name.err" ] || { echo "no error message"; return 1; }
	[ "$(wc -l < "$OUT/$name.manifest")" -ge 1 ] || { echo "no frame written before the plug was pulled"; return 1; }
	grep -q "$PLUG_MSG" "$OUT/$name.err" || { echo "the error does not say '$PLUG_MSG'"; return 1; }
	host_check storage "$name" nvme-store.img
}

t_storage_unplug_provider() {
	local rc
	PLUG_MSG="revoked" pull_plug storage-unplug-provider $((704 * MIB)) timeout 60 "$CTL" unbind "$IVS"
	rc=$?
	if [ ! -e "/dev/p2pbuf/$IVS-bar2" ]; then
		"$CTL" bind "$IVS" > /dev/null || { echo "rebind of $IVS failed"; return 1; }
	fi
	return $rc
}

t_storage_unplug_disk() {
	local rc
	# a frame may reach the disk and the writer not learn it: extra-ok
	: > "$OUT/storage-unplug-disk.extra-ok"
	PLUG_MSG="storage device went away" pull_plug storage-unplug-disk $((736 * MIB)) \
		sh -c "echo $STORE > /sys/bus/pci/drivers/nvme/unbind"
	rc=$?
	if [ ! -e "/sys/bus/pci/drivers/nvme/$STORE" ]; then
		echo "$STORE" > /sys/bus/pci/drivers/nvme/bind || { echo "rebind of $STORE failed"; return 1; }
	fi
	for _ in $(seq 100); do [ -b "$SNS" ] && break; sleep 0.1; done
	return $rc
}

check storage-cmb --only-backend p2pdma --only-group switch --host -- t_storage_cmb
check storage-ivshmem --only-backend p2pdma --only-group switch --host -- t_storage_ivshmem
# Where the route is p2p (P2PDMA kernel, switch) there is nothing to refuse:
# storage-cmb and storage-ivshmem cover that case.
[ "$MEM-$GROUP" = p2pdma-switch ] || check storage-refused --host -- t_storage_refused
check storage-read --host -- t_storage_read
bench storage -- t_storage_bench
check storage-unplug-provider --host -- t_storage_unplug_provider
check storage-unplug-disk --host -- t_storage_unplug_disk
