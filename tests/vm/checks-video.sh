# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The V4L2 memory nodes (kernel/video.c, p2pbuf_video.ko) with stock
# v4l2-ctl, v4l2-compliance and GStreamer, sourced by guest-suite.sh. The
# ivshmem BAR's pair: "<ivshmem>-bar2 output" and "... capture", a loopback
# in device memory. Nodes are created after vivid is loaded and removed
# after each check (other checks expect vivid at /dev/video0).

VFMT="width=1280,height=720,pixelformat=YUYV"
VFRAME=1843200
VN=60	# frames per v4l2-ctl stream

# video_load: p2pbuf_video loaded, the ivshmem BAR's pair created; VOUT and
# VCAP are its nodes
video_load() {
	local line
	modprobe videobuf2_v4l2 || return 1
	lsmod | grep -q '^p2pbuf_video ' ||
		insmod "$BUILD/kernel/p2pbuf_video-$KERNEL.ko" || { echo "insmod p2pbuf_video failed"; return 1; }
	"$CTL" video add "pci:$IVS/bar2" || return 1
	line=$("$CTL" --json video list | python3 -c "
import json, sys
print(*[(n['output'], n['capture']) for n in json.load(sys.stdin) if n['provider'] == '$IVS-bar2'][0])")
	read -r VOUT VCAP <<< "$line"
	for _ in $(seq 50); do [ -c "$VCAP" ] && [ -c "$VOUT" ] && break; sleep 0.1; done
	[ -c "$VCAP" ] && [ -c "$VOUT" ] || { echo "no device nodes for '$line'"; return 1; }
	echo "nodes of $IVS-bar2: output $VOUT ($(cat "/sys/class/video4linux/${VOUT#/dev/}/name")), capture $VCAP ($(cat "/sys/class/video4linux/${VCAP#/dev/}/name"))"
	v4l2-ctl -d "$VCAP" --set-fmt-video="$VFMT" || return 1
}

# The udev rule (kernel/60-p2pbuf.rules) names the nodes: what udevadm
# test computes for each (no udev daemon runs in the guest).
t_video_udev() {
	local n want link rc=0
	mkdir -p /run/udev/rules.d && cp "$SRC/kernel/60-p2pbuf.rules" /run/udev/rules.d/ || return 1
	for n in "$VCAP" "$VOUT"; do
		want=/dev/p2pbuf/video-$IVS-bar2
		[ "$n" = "$VOUT" ] && want=$want-out
		link=$(udevadm test --action=add "/sys/class/video4linux/${n#/dev/}" 2>&1 |
			grep -o "DEVLINKS=.*" | tr ' ' '\n' | sed 's/^DEVLINKS=//' | grep p2pbuf)
		echo "$n: udev links $link"
		[ "$link" = "$want" ] || { echo "$n: want the link $want"; rc=1; }
	done
	rm -f /run/udev/rules.d/60-p2pbuf.rules
	return $rc
}

# video_run FUNCTION: vivid (capture and output) and the nodes around FUNCTION
video_run() {
	local f=$1 rc
	vivid_load node_types=0x101 || return 1
	video_load || return 1
	"$f"
	rc=$?
	if grep -q "^$IVS-bar2 " /sys/class/p2pbuf_video/nodes; then
		"$CTL" video remove "$IVS-bar2" || rc=1
	fi
	rmmod p2pbuf_video || { echo "p2pbuf_video does not unload"; rc=1; }
	modprobe -r vivid
	return $rc
}

# node_buffers NODE FILE: the node's buffers (index, BAR offset, size, queues)
node_buffers() {
	cat "/sys/class/video4linux/${1#/dev/}/p2pbuf/buffers" > "$2"
}

# wait_frames LOG N: until v4l2-ctl's verbose LOG shows N dequeued buffers
wait_frames() {
	for _ in $(seq 300); do
		[ "$(grep -c 'dqbuf:' "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "no $2 frames in $1 after 30 s"; tail -5 "$1"; return 1
}

# Stock v4l2-ctl captures from vivid into buffers exported by the capture
# node (--stream-dmabuf -E): the host finds the frames in FILE and the
# last ones at the BAR offsets the node reports, over poisoned memory.
t_video_capture() {
	local FMT=$VFMT log=/tmp/vctl.log rc=0 p
	reference_frame "$OUT/vctl.ref" || return 1
	poison_ivshmem || return 1
	v4l2-ctl -d /dev/video0 --set-fmt-video="$VFMT" --stream-dmabuf -E "$VCAP" \
		--stream-count $VN --stream-to /tmp/vctl.yuv --verbose > "$log" 2>&1 &
	p=$!
	wait_frames "$log" 1 && node_buffers "$VCAP" "$OUT/vctl.buffers" || rc=1
	wait $p || { echo "v4l2-ctl failed:"; tail -20 "$log"; return 1; }
	[ $rc = 0 ] || return 1
	grep -E 'dqbuf:' "$log" > "$OUT/vctl.dqbuf"
	echo "v4l2-ctl: $(grep -c 'dqbuf:' "$log") buffers dequeued; the node's buffers:"
	cat "$OUT/vctl.buffers"
	[ "$(stat -c %s /tmp/vctl.yuv)" = $((VN * VFRAME)) ] ||
		{ echo "/tmp/vctl.yuv: $(stat -c %s /tmp/vctl.yuv) bytes, want $((VN * VFRAME))"; return 1; }
	cp /tmp/vctl.yuv "$OUT/vctl.yuv" || return 1
	host_check v4l2ctl vctl ivshmem.bin $VN
	# now: later checks reuse the BAR
	host_sync verify
}

# The other direction: v4l2-ctl plays frames from device memory (buffers
# exported by the node) to vivid's output, which vivid loops to its
# capture side; what comes back must be the frames played.
t_video_output() {
	local out p rc=0
	[ -s /tmp/vctl.yuv ] || { echo "no /tmp/vctl.yuv (video-v4l2ctl-capture failed?)"; return 1; }
	out=$(vivid_loop_720p "$VFMT") || return 1
	v4l2-ctl -d "$out" --stream-out-dmabuf -E "$VCAP" --stream-from /tmp/vctl.yuv \
		--stream-count 400 --verbose > /tmp/vout.log 2>&1 &
	p=$!
	wait_frames /tmp/vout.log 5 || rc=1
	node_buffers "$VCAP" "$OUT/vout.buffers"
	v4l2-ctl -d /dev/video0 --set-fmt-video="$VFMT" --stream-mmap --stream-count 20 \
		--stream-to /tmp/vloop.yuv > /tmp/vloop.log 2>&1 || { echo "capture of the loop failed"; cat /tmp/vloop.log; rc=1; }
	kill $p 2>/dev/null
	wait $p
	echo "played: $(grep -c 'dqbuf:' /tmp/vout.log) buffers from $VCAP's memory into $out; the node's buffers:"
	cat "$OUT/vout.buffers"
	[ $rc = 0 ] || return 1
	python3 "$SRC/tests/vm/verify-loop.py" /tmp/vctl.yuv /tmp/vloop.yuv $VFRAME 2560 20
}

# v4l2-compliance on both nodes, streaming: the output node alone (no
# reader: frames go back at the frame rate, counted as dropped), the
# capture node with a writer playing into the output node: 0 failures, 0
# warnings. Then vivid streaming DMABUF with the capture node as its
# exporter (-e): every DMABUF streaming test passes (vivid's own failures
# elsewhere, a 1.30 tool on a 6.12 vivid, are listed, not ours).
video_compliance() {
	local p rc=0 r log
	for r in "$@"; do
		log=$OUT/compliance-$(echo "$r" | tr -c 'a-z0-9\n' '_').log
		if [ "$r" = "-d $VCAP -s" ]; then
			v4l2-ctl -d "$VOUT" --stream-out-mmap --stream-count 100000 > /tmp/vwriter.log 2>&1 &
			p=$!
		fi
		# shellcheck disable=SC2086
		compliance $r > /tmp/vcomp.log 2>&1
		[ -n "${p:-}" ] && { kill "$p"; wait "$p" 2>/dev/null; p=; }
		cp /tmp/vcomp.log "$log"
		echo "v4l2-compliance $r:"
		grep -E "^Total for" /tmp/vcomp.log
		grep -E "fail:|warn:" /tmp/vcomp.log | head -10
		case $r in
		*" -e "*)
			grep -oE "test DMABUF \([a-z ]*\): [A-Za-z]*" /tmp/vcomp.log > /tmp/vcomp.dmabuf
			sort /tmp/vcomp.dmabuf | uniq -c
			[ "$(grep -c ': OK$' /tmp/vcomp.dmabuf)" -ge 2 ] && ! grep -qv ': OK$' /tmp/vcomp.dmabuf ||
				{ echo "vivid's DMABUF streaming with $VCAP as the exporter did not pass"; rc=1; } ;;
		*)
			grep -qE "^Total for .*Failed: 0, Warnings: 0" /tmp/vcomp.log ||
				{ echo "not 0 failures and 0 warnings"; tail -30 /tmp/vcomp.log; rc=1; } ;;
		esac
	done
	cat "/sys/class/video4linux/${VCAP#/dev/}/p2pbuf/stats"
	return $rc
}

t_video_compliance() { video_compliance "-d $VOUT -s" "-d $VCAP -s"; }
t_video_compliance_exporter() { video_compliance "-d /dev/video0 -s -e $VCAP"; }

# GStreamer reads from the capture node (io-mode=dmabuf: the node's
# exported buffers) the frames another process queues on the output node.
t_video_gst() {
	local p rc=0
	[ -s /tmp/vctl.yuv ] || { echo "no /tmp/vctl.yuv (video-v4l2ctl-capture failed?)"; return 1; }
	v4l2-ctl -d "$VOUT" --set-fmt-video-out="$VFMT" --stream-out-mmap --stream-from /tmp/vctl.yuv \
		--stream-loop --stream-count 100000 > /tmp/vgwriter.log 2>&1 &
	p=$!
	timeout 120 gst-launch-1.0 -q v4l2src device="$VCAP" io-mode=dmabuf num-buffers=30 ! \
		"video/x-raw,format=YUY2,width=1280,height=720" ! filesink location=/tmp/vgst.yuv \
		> /tmp/vgst.log 2>&1 || { echo "gst-launch-1.0 failed:"; tail -20 /tmp/vgst.log; rc=1; }
	kill $p 2>/dev/null
	wait $p 2>/dev/null
	cat "/sys/class/video4linux/${VCAP#/dev/}/p2pbuf/stats"
	[ $rc = 0 ] || return 1
	python3 - /tmp/vctl.yuv /tmp/vgst.yuv $VFRAME <<'PY'
import sys
played = open(sys.argv[1], "rb").read()
got = open(sys.argv[2], "rb").read()
size = int(sys.argv[3])
index = {played[i:i + size]: i // size for i in range(0, len(played), size)}
seq = [index.get(got[k:k + size]) for k in range(0, len(got), size)]
ok = len(got) == 30 * size and None not in seq and len(set(seq)) > 1
print(f"v4l2src read {len(got) // size} frames from the capture node: writer's frames {seq}: "
      f"{'each a frame the other process queued' if ok else 'NOT as expected'}")
sys.exit(0 if ok else 1)
PY
}

# Unbind the provider while v4l2-ctl streams through the node's buffers
# (vivid writes into buffers exported by the output node, v4l2-ctl reads
# them through its mappings) and while a second v4l2-ctl waits on the
# capture node: both stop with an error (v4l2-ctl exits 0 after a failed
# VIDIOC_DQBUF/QBUF, printing the error; a revoked mapping is SIGBUS), the
# nodes go away, and the kernel log stays clean (kernel-log).
ended_with_error() { # NAME EXIT LOG
	if [ "$2" -gt 128 ]; then
		echo "$1: killed by signal $(($2 - 128)) ($(kill -l $(($2 - 128)) 2>/dev/null))"
	elif grep -qE 'VIDIOC_[A-Z]*: failed' "$3"; then
		echo "$1: exit $2 after '$(grep -oE 'VIDIOC_[A-Z]*: failed.*' "$3" | head -1)'"
	else
		echo "$1: exit $2 without an error ($(tail -1 "$3" | cut -c1-100))"
		return 1
	fi
}

t_video_revoke() {
	local p1 p2 rc=0 t0 r1 r2
	v4l2-ctl -d /dev/video0 --set-fmt-video="$VFMT" --stream-dmabuf -E "$VOUT" \
		--stream-count 100000 --stream-to /dev/null --verbose > /tmp/vrev1.log 2>&1 &
	p1=$!
	v4l2-ctl -d "$VCAP" --stream-mmap --stream-count 100000 > /tmp/vrev2.log 2>&1 &
	p2=$!
	wait_frames /tmp/vrev1.log 3 || rc=1
	t0=$(date +%s%N)
	timeout 30 "$CTL" unbind "$IVS" > /dev/null || { echo "unbind failed or hung"; rc=1; }
	echo "unbind with v4l2-ctl streaming through the node: $((($(date +%s%N) - t0) / 1000000)) ms"
	for _ in $(seq 100); do kill -0 $p1 2>/dev/null || kill -0 $p2 2>/dev/null || break; sleep 0.1; done
	kill -0 $p1 2>/dev/null && { echo "v4l2-ctl (exported buffers) still runs 10 s after the unbind"; kill $p1; rc=1; }
	kill -0 $p2 2>/dev/null && { echo "v4l2-ctl (capture node) still runs 10 s after the unbind"; kill $p2; rc=1; }
	wait $p1; r1=$?
	wait $p2; r2=$?
	ended_with_error "v4l2-ctl through the exported buffers" $r1 /tmp/vrev1.log || rc=1
	ended_with_error "v4l2-ctl reading the capture node" $r2 /tmp/vrev2.log || rc=1
	grep -q "^$IVS-bar2 " /sys/class/p2pbuf_video/nodes && { echo "the nodes outlived the revoked provider"; rc=1; }
	[ -e "$VCAP" ] && { echo "$VCAP still exists"; rc=1; }
	"$CTL" bind "$IVS" > /dev/null || { echo "rebinding $IVS failed"; rc=1; }
	return $rc
}

check video-v4l2ctl-capture --only-kernel "stock|debug" --only-group switch --host -- video_run t_video_capture
check video-v4l2ctl-output --only-kernel "stock|debug" --only-group switch -- video_run t_video_output
check video-compliance --only-kernel "stock|debug" --only-group switch -- video_run t_video_compliance
# vivid importing from the node: the same kernel paths as video-v4l2ctl-capture
check video-compliance-exporter --only-kernel stock --only-group switch -- video_run t_video_compliance_exporter
check video-gst --only-kernel "stock|debug" --only-group switch -- video_run t_video_gst
check video-udev --only-kernel stock --only-group switch -- video_run t_video_udev
check video-revoke --only-kernel "stock|debug" --only-group switch -- video_run t_video_revoke
