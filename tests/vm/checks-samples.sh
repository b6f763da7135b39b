# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The C samples (samples/c) run as a user runs them, their output checked:
# the frames they report are vivid's frames of those sequences, read back
# from where the samples say they are (the BAR's backing file on the host,
# the file on ext4 on the storage NVMe), with tests/vm/verify-sample.py.

SAMPLES=$BUILD/samples/c
SFMT_720="width=1280,height=720,pixelformat=YUYV"

# sample_frames_check KIND LOG IMAGE: tests/vm/verify-sample.py
sample_frames_check() {
	python3 "$SRC/tests/vm/verify-sample.py" "$1" "$2" "$3" "$OUT/sample.ref"
}

# (a) the minimal capture loop: 30 frames from vivid into the ivshmem BAR
t_sample_capture() {
	local FMT=$SFMT_720 n
	vivid_load || return 1
	reference_frame "$OUT/sample.ref" || return 1
	poison_ivshmem || return 1
	v4l2-ctl -d /dev/video0 --set-fmt-video="$FMT" || return 1
	timeout 60 "$SAMPLES/p2pbuf-sample-capture" /dev/video0 "pci:$IVS/bar2" 30 > "$OUT/sample-capture.out" 2>&1 ||
		{ cat "$OUT/sample-capture.out"; return 1; }
	head -3 "$OUT/sample-capture.out"; echo ...; tail -2 "$OUT/sample-capture.out"
	n=$(grep -c '^frame ' "$OUT/sample-capture.out")
	[ "$n" = 30 ] || { echo "$n frame lines, want 30"; return 1; }
	grep -q "^30 frames, $((30 * 1843200)) bytes, [0-9]* dropped$" "$OUT/sample-capture.out" ||
		{ echo "no summary of 30 frames"; return 1; }
	# the host reads the BAR's backing file (now: later checks reuse it)
	host_check sample sample-capture.out ivshmem.bin
	host_sync verify
}

# (b) capture with a writer thread: 60 frames to a file on ext4 (the
# storage NVMe), written from device memory by direct I/O
t_sample_capture_to_file() {
	local FMT=$SFMT_720 rc=0
	gst_mount || return 1
	vivid_load || return 1
	reference_frame "$OUT/sample.ref" || return 1
	v4l2-ctl -d /dev/video0 --set-fmt-video="$FMT" || return 1
	timeout 120 "$SAMPLES/p2pbuf-sample-capture-to-file" /dev/video0 "pci:$IVS/bar2" 60 \
		/mnt/sample.yuv > "$OUT/sample-file.out" 2>&1 || rc=1
	head -2 "$OUT/sample-file.out"; echo ...; tail -1 "$OUT/sample-file.out"
	[ $rc = 0 ] || { cat "$OUT/sample-file.out"; return 1; }
	grep -q "^writing with path $SAMPLE_PATH$" "$OUT/sample-file.out" ||
		{ echo "want the write path $SAMPLE_PATH on this kernel"; return 1; }
	grep -q "^60 frames captured, [0-9]* dropped by the driver, 60 written to /mnt/sample.yuv$" \
		"$OUT/sample-file.out" || { echo "no summary of 60 frames written"; return 1; }
	sample_frames_check file "$OUT/sample-file.out" /mnt/sample.yuv || rc=1
	rm -f /mnt/sample.yuv
	umount /mnt
	return $rc
}

# (c) a frame captured into the ivshmem BAR, imported by vgem (PRIME): p2pbuf
# records vgem as an importer, and the handle exported back is the same
# dma-buf with the captured bytes
t_sample_frame_to_drm() {
	local FMT=$SFMT_720 card rc=0
	modprobe vgem || { echo "modprobe vgem failed"; return 1; }
	for _ in $(seq 50); do ls /dev/dri/card* > /dev/null 2>&1 && break; sleep 0.1; done
	card=$(ls /dev/dri/card* 2>/dev/null | tail -1)
	[ -n "$card" ] || { echo "no /dev/dri/card* after modprobe vgem"; return 1; }
	vivid_load || return 1
	v4l2-ctl -d /dev/video0 --set-fmt-video="$FMT" || return 1
	timeout 60 "$SAMPLES/p2pbuf-sample-frame-to-drm" /dev/video0 "pci:$IVS/bar2" "$card" \
		> "$OUT/sample-drm.out" 2>&1 || rc=1
	cat "$OUT/sample-drm.out"
	grep -q "^importer .*: route " "$OUT/sample-drm.out" || { echo "p2pbuf recorded no importer"; rc=1; }
	grep -q ": the same frame$" "$OUT/sample-drm.out" || rc=1
	modprobe -r vivid
	rmmod vgem || { echo "vgem does not unload"; rc=1; }
	return $rc
}

# (d) a DVB transport stream (vidtv, debug kernel) through device memory to
# a file on ext4: every packet in sync, every PID continuous
t_sample_dvb() {
	local len rc=0
	modprobe dvb-vidtv-bridge || { echo "modprobe dvb-vidtv-bridge failed"; return 1; }
	for _ in $(seq 50); do [ -e /dev/dvb/adapter0/dvr0 ] && break; sleep 0.1; done
	gst_mount || return 1
	timeout 60 "$SAMPLES/p2pbuf-sample-dvb-to-file" /dev/dvb/adapter0 474000000 5 \
		"pci:$IVS/bar2" /mnt/sample.ts > "$OUT/sample-dvb.out" 2>&1 || rc=1
	cat "$OUT/sample-dvb.out"
	[ $rc = 0 ] || return 1
	grep -q "^writing with path $SAMPLE_PATH$" "$OUT/sample-dvb.out" ||
		{ echo "want the write path $SAMPLE_PATH on this kernel"; return 1; }
	grep -qE "^[1-9][0-9]* packets, 0 continuity gaps, 0 overflows, 0 sync losses; [0-9]+ bytes in /mnt/sample.ts$" \
		"$OUT/sample-dvb.out" || { echo "packets lost or none read"; return 1; }
	len=$(stat -c %s /mnt/sample.ts)
	python3 "$SRC/tests/vm/verify-ts.py" --offset 0 --length "$len" --min-seconds 3 /mnt/sample.ts || rc=1
	rm -f /mnt/sample.ts
	umount /mnt
	return $rc
}

# peer to peer where the kernel checks the route (P2PDMA), else bounce
case $MEM in p2pdma) SAMPLE_PATH=p2p ;; *) SAMPLE_PATH=bounce ;; esac

check sample-capture --only-kernel stock --only-group switch -- t_sample_capture
check sample-capture-to-file --only-kernel stock --only-group switch -- t_sample_capture_to_file
check sample-frame-to-drm --only-kernel stock --only-group switch -- t_sample_frame_to_drm
# Debian's kernels have no vidtv: the debug kernel
check sample-dvb-to-file --only-kernel debug --only-group switch -- t_sample_dvb
