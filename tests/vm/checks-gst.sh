# SPDX-License-Identifier: MIT
# GStreamer checks, sourced by guest-suite.sh: the p2p plugin (p2psink,
# p2psrc) with vivid and the storage NVMe, files on ext4.
#
# The storage controller's second namespace ($P2PBUF_VM_FS_NS, 2 GiB,
# nvme-fs.img on the host) gets an ext4 (made once per boot) on /mnt; gst-umount
# (last) unmounts it so that the image is consistent for the host, which
# extracts the files with debugfs (e2fsprogs, not our code) and compares
# every frame with an independent v4l2-ctl MMAP capture (run-group record
# "gst NAME IMAGE", verify-gst.py): every frame must be the vivid frame of
# a later sequence than the one before it. QEMU's trace of the storage
# NVMe's DMA shows where the written (and read) bytes came from
# (verify-dma.py). Files on /mnt:
#   out-cmb.yuv      $GN frames 1280x720 YUY2: vivid -> NVMe CMB -> O_DIRECT
#   out-ivshmem.yuv  $GN frames: vivid -> ivshmem BAR -> O_DIRECT
#   copy.yuv         out-cmb.yuv -> p2psrc (ivshmem) -> p2psink (ivshmem) -> file
#   copy-b.yuv       out-cmb.yuv -> p2psrc (ivshmem) -> p2psink (CMB) -> file
#   out-mmap.yuv     60 frames: vivid MMAP (system RAM) copied into ivshmem

GNS=${P2PBUF_VM_FS_NS:-}
GFMT="width=1280,height=720,pixelformat=YUYV"
GCAPS="video/x-raw,format=YUY2,width=1280,height=720"
GFRAME=1843200
GN=60	# frames per pipeline
export GST_PLUGIN_PATH=$BUILD/gst-plugin
export GST_REGISTRY=/tmp/gstreg.bin

gst_mount() {
	[ -n "$GNS" ] && [ -b "$GNS" ] || { echo "no file system namespace '$GNS' (P2PBUF_VM_FS_NS): the rig did not find the storage NVMe's second namespace"; return 1; }
	mountpoint -q /mnt && return 0
	# the file system of an earlier check of this boot is kept: the host
	# reads its files from the image at the end
	if mount -t ext4 "$GNS" /mnt 2>/dev/null; then
		echo "$GNS: ext4 on /mnt (kept)"
		return 0
	fi
	mkfs.ext4 -q -F "$GNS" || return 1
	mount -t ext4 "$GNS" /mnt || return 1
	echo "$GNS: ext4 on /mnt"
}

# gst_stat LOG FIELD: a field of the last p2psink-stats message of
# `gst-launch-1.0 -m` (e.g. frames=(guint64)120 -> 120)
gst_stat() {
	grep 'p2psink-stats' "$1" | tail -1 | grep -o "[ ,]$2=([a-z0-9]*)[^,;]*" |
		sed 's/.*)//; s/"//g' | head -1
}

# gst_run NAME PIPELINE...: gst-launch-1.0 -m, log in $OUT/NAME.gst.log,
# prints the stats and the frame rate over the whole run
gst_run() {
	local name=$1 t0 t1 rc
	shift
	t0=$(date +%s.%N)
	timeout 300 gst-launch-1.0 -m "$@" > "$OUT/$name.gst.log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	sync "$OUT/$name.gst.log" 2>/dev/null
	grep -E 'ERROR|WARNING|p2psink-stats|Execution ended' "$OUT/$name.gst.log" | cut -c1-600
	GST_SECONDS=$(echo "$t1 - $t0" | bc)
	# the pipeline's own time (PLAYING to EOS), for the frame rate
	GST_EXEC=$(grep -o 'Execution ended after [0-9:.]*' "$OUT/$name.gst.log" |
		awk '{ split($4, a, ":"); printf "%.2f", a[1] * 3600 + a[2] * 60 + a[3] }')
	[ $rc = 0 ] || { echo "gst-launch-1.0 exit $rc"; tail -20 "$OUT/$name.gst.log"; return 1; }
	grep -q "ERROR" "$OUT/$name.gst.log" && { echo "error message in the log"; return 1; }
	return 0
}

# gst_expect NAME FIELD VALUE
gst_expect() {
	local got
	got=$(gst_stat "$OUT/$1.gst.log" "$2")
	[ "$got" = "$3" ] || { echo "$1: $2=$got, want $3"; return 1; }
}

# gst_host_check NAME FILE FRAMES [SAME_AS]: the host checks FILE (on
# /mnt): FRAMES vivid frames in increasing sequence order, the gaps as
# many as the sink's reported drops (with SAME_AS: byte-identical to that
# file, whose capture the gaps come from)
gst_host_check() {
	local name=$1 file=$2 n=$3 same=${4:-} drops=
	[ -n "$same" ] || drops=$(gst_stat "$OUT/$name.gst.log" drops)
	printf '{"file": "%s", "same_as": "%s", "frames": %d, "drops": %s}\n' \
		"$file" "$same" "$n" "${drops:-null}" > "$OUT/$name.gst"
	sync "$OUT/$name.gst" 2>/dev/null
	host_check gst "$name" nvme-fs.img
}

# gst_capture NAME SPEC IOMODE FRAMES: vivid 720p -> p2psink -> /mnt/NAME.yuv
gst_capture() {
	local name=$1 spec=$2 iomode=$3 n=$4 FMT=$GFMT fps
	gst_mount || return
	vivid_load || return 1
	reference_frame "$OUT/$name.ref" || { echo "reference MMAP capture failed"; return 1; }
	case $spec in
	pci:$IVS/*) poison_ivshmem || return 1 ;;
	cmb:*) poison_cmb || return 1 ;;
	esac
	dma_begin || return 1
	gst_run "$name" v4l2src device=/dev/video0 io-mode="$iomode" num-buffers="$n" ! \
		"$GCAPS" ! p2psink provider="$spec" location="/mnt/$name.yuv" || return 1
	dma_end p2p write $((n * GFRAME)) "$GBAR" || return 1
	fps=$(echo "scale=1; $n / $GST_EXEC" | bc)
	echo "$name: $n frames in $GST_EXEC s PLAYING to EOS: $fps fps"
	[ "$(stat -c %s "/mnt/$name.yuv")" = $((n * GFRAME)) ] ||
		{ echo "/mnt/$name.yuv has $(stat -c %s "/mnt/$name.yuv") bytes, want $((n * GFRAME))"; return 1; }
	# drops: gaps in vivid's sequence while the emulated machine (TCG)
	# could not keep up with 30 fps; reported, not a failure (the frames
	# written are checked whole by the host).
	echo "$name: drops=$(gst_stat "$OUT/$name.gst.log" drops) (V4L2 sequence gaps)"
	gst_expect "$name" frames "$n" && gst_expect "$name" bytes $((n * GFRAME))
}

# GN frames captured by DMABUF import into the NVMe CMB, written with
# O_DIRECT by the storage NVMe reading the CMB (peer to peer).
t_gst_cmb() {
	GBAR=$(bar_range cmb "$CMB" "$(cmb_bar)")
	gst_capture out-cmb "cmb:$CMB" dmabuf-import $GN || return
	gst_expect out-cmb imports $GN && gst_expect out-cmb copies 0 &&
		gst_expect out-cmb output o-direct && gst_expect out-cmb io-path p2p || return 1
	gst_host_check out-cmb /out-cmb.yuv $GN
}

t_gst_ivshmem() {
	GBAR=$(bar_range ivshmem "$IVS" 2)
	gst_capture out-ivshmem "pci:$IVS/bar2" dmabuf-import $GN || return
	gst_expect out-ivshmem imports $GN && gst_expect out-ivshmem copies 0 &&
		gst_expect out-ivshmem output o-direct && gst_expect out-ivshmem io-path p2p || return 1
	gst_host_check out-ivshmem /out-ivshmem.yuv $GN
}

# gst_file_copy NAME SINK_PROVIDER SINK_BAR WANT_IMPORTS WANT_COPIES: storage
# -> ivshmem (p2psrc, O_DIRECT read) -> p2psink at SINK_PROVIDER -> storage;
# QEMU's trace: the reads land in ivshmem, the writes come from SINK_BAR
gst_file_copy() {
	local name=$1 sink=$2 sbar=$3 imports=$4 copies=$5 log
	gst_mount || return
	[ -s /mnt/out-cmb.yuv ] || { echo "no /mnt/out-cmb.yuv (gst-cmb failed?)"; return 1; }
	poison_ivshmem || return 1
	dma_begin || return 1
	GST_DEBUG=p2psrc:4 gst_run "$name" p2psrc provider="pci:$IVS/bar2" location=/mnt/out-cmb.yuv \
		caps="$GCAPS,framerate=30/1" ! p2psink provider="$sink" location="/mnt/$name.yuv" || return 1
	dma_end p2p read $((GN * GFRAME)) "$(bar_range ivshmem "$IVS" 2)" || return 1
	host_check dma - nvme-dma.trace $((2 * DMA_N)) $((2 * DMA_N + 1)) \
		p2p write $((GN * GFRAME)) "$sbar"
	log=$OUT/$name.gst.log
	grep -o 'reading .*' "$log" | head -1
	grep -o '[0-9]* buffers, [0-9]* bytes, [0-9]* loops.*' "$log" | tail -1
	grep -q " $GN buffers, .*path o-direct, io-path p2p" "$log" ||
		{ echo "p2psrc did not read $GN frames by O_DIRECT peer to peer"; return 1; }
	echo "$name: $GN frames in $GST_EXEC s PLAYING to EOS: $(echo "scale=1; $GN / $GST_EXEC" | bc) fps"
	gst_expect "$name" frames $GN && gst_expect "$name" imports "$imports" &&
		gst_expect "$name" copies "$copies" && gst_expect "$name" output o-direct &&
		gst_expect "$name" io-path p2p || return 1
	cmp /mnt/out-cmb.yuv "/mnt/$name.yuv" || return 1
	echo "guest: $name.yuv and out-cmb.yuv identical"
	cp "$OUT/out-cmb.ref" "$OUT/$name.ref" && cp "$OUT/out-cmb.ref.json" "$OUT/$name.ref.json" || return 1
	gst_host_check "$name" "/$name.yuv" $GN /out-cmb.yuv
}

# the same provider on both sides: p2psink imports p2psrc's dma-bufs and
# writes them from ivshmem, no copy
t_gst_file_to_file() {
	local ivs
	ivs=$(bar_range ivshmem "$IVS" 2)
	gst_file_copy copy "pci:$IVS/bar2" "$ivs" $GN 0
}

# p2psrc provider=A ! p2psink provider=B: the frames are copied into B (the
# CMB) and written from there (QEMU's trace: the writes come from the CMB)
t_gst_provider_b() {
	local cmb
	cmb=$(bar_range cmb "$CMB" "$(cmb_bar)")
	gst_file_copy copy-b "cmb:$CMB" "$cmb" 0 $GN
}

# storage -> ivshmem -> vivid's video output, which imports the dma-bufs
t_gst_v4l2sink() {
	local out
	gst_mount || return
	[ -s /mnt/out-cmb.yuv ] || { echo "no /mnt/out-cmb.yuv (gst-cmb failed?)"; return 1; }
	vivid_load node_types=0x101 || return 1
	out=$(vivid_out_node) || return 1
	echo "vivid output: $out"
	# 1280x720 needs the HDMI output (1; S-Video is SDTV only) at 720p
	vivid_output_720p "$out" || return 1
	v4l2-ctl -d "$out" --get-output --get-dv-timings | grep -E 'Output|Active|fps' | head -5
	GST_DEBUG=p2psrc:4,v4l2sink:3 gst_run v4l2sink p2psrc provider="pci:$IVS/bar2" \
		location=/mnt/out-cmb.yuv num-buffers=60 caps="$GCAPS,framerate=30/1" ! \
		v4l2sink device="$out" io-mode=dmabuf-import || return 1
	grep -o '[0-9]* buffers, [0-9]* bytes, [0-9]* loops.*' "$OUT/v4l2sink.gst.log" | tail -1
	grep -q ' 60 buffers, ' "$OUT/v4l2sink.gst.log" || { echo "p2psrc did not push 60 buffers"; return 1; }
	grep -q 'Got EOS' "$OUT/v4l2sink.gst.log" || { echo "no EOS"; return 1; }
	echo "60 frames from storage through ivshmem into $out (dmabuf-import), EOS, no error; not byte-checked"
}

# The capture card that writes by DMA (QEMU's edu, p2pbuf_educap.ko) into
# p2psink's buffers (ivshmem), written to a file with O_DIRECT peer to
# peer: 20 frames, each the frame of a later sequence than the one before.
t_gst_educap() {
	local rc=0
	gst_mount || return
	educap_load || return 1
	poison_ivshmem || return 1
	gst_run educap v4l2src device="$EDUCAP" io-mode=dmabuf-import num-buffers=20 ! \
		video/x-raw,format=YUY2,width=32,height=32 ! \
		p2psink provider="pci:$IVS/bar2" location=/mnt/educap.yuv || rc=1
	[ $rc = 0 ] && { gst_expect educap imports 20 && gst_expect educap copies 0 &&
		gst_expect educap io-path p2p || rc=1; }
	if [ $rc = 0 ]; then
		python3 - "$SRC/tests/vm" /mnt/educap.yuv 20 <<'PY' || rc=1
import sys
sys.path.insert(0, sys.argv[1])
import vivid_frames
pat = vivid_frames.EducapPattern(None, {"width": 32, "height": 32, "bytesperline": 64,
                                        "sequence": 0})
data = open(sys.argv[2], "rb").read()
want = int(sys.argv[3])
n = len(data) // pat.size
seqs = [pat.identify(data[i * pat.size:(i + 1) * pat.size], 0, 2016) for i in range(n)]
ok = n == want and len(data) == n * pat.size and None not in seqs and \
    all(a < b for a, b in zip(seqs, seqs[1:]))
print(f"{sys.argv[2]}: {n} frames of {pat.size} bytes, sequences {seqs}: "
      f"{'each a later edu DMA frame than the one before' if ok else 'NOT as expected'} "
      f"(want {want})")
sys.exit(0 if ok else 1)
PY
	fi
	rmmod p2pbuf_educap || rc=1
	return $rc
}

# MMAP capture (system RAM): every frame is copied into device memory.
t_gst_mmap() {
	GBAR=$(bar_range ivshmem "$IVS" 2)
	gst_capture out-mmap "pci:$IVS/bar2" mmap 60 || return
	gst_expect out-mmap imports 0 && gst_expect out-mmap copies 60 &&
		gst_expect out-mmap path copy+o-direct || return 1
	gst_host_check out-mmap /out-mmap.yuv 60
}

# (nothing to do when no GStreamer check ran: a run of other checks only)
t_gst_umount() {
	mountpoint -q /mnt || { echo "/mnt not mounted: no GStreamer check mounted it"; return 0; }
	ls -l /mnt
	umount /mnt
}

check gst-cmb --only-kernel debug --only-group switch --host -- t_gst_cmb
check gst-ivshmem --only-kernel debug --only-group switch --host -- t_gst_ivshmem
check gst-file-to-file --only-kernel debug --only-group switch --host -- t_gst_file_to_file
check gst-provider-b --only-kernel debug --only-group switch --host -- t_gst_provider_b
check gst-v4l2sink --only-kernel debug --only-group switch -- t_gst_v4l2sink
check gst-educap --only-kernel debug --only-group switch -- t_gst_educap
check gst-mmap-copies --only-kernel debug --only-group switch --host -- t_gst_mmap
# the host reads the files from the image once it is unmounted
setup gst-umount --only-kernel debug --only-group switch -- t_gst_umount
