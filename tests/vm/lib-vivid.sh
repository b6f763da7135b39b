# SPDX-License-Identifier: MIT
# The capture sources of the VM checks and the demo, vivid and QEMU's edu as
# a capture card (source this
# file in guest bash scripts; FMT is the v4l2-ctl --set-fmt-video value).

# vivid frames that differ per sequence number and can be computed from
# one reference frame (tests/vm/vivid_frames.py): "100% Color Squares"
# moving right fast and down slowly, no OSD text, 30 fps.
vivid_load() { # extra module parameters...
	modprobe -r vivid 2>/dev/null
	modprobe vivid n_devs=1 node_types=1 "$@" || return 1
	for _ in $(seq 50); do [ -e /dev/video0 ] && break; sleep 0.1; done
	v4l2-ctl -d /dev/video0 -c osd_text_mode=2 -c test_pattern=4 \
		-c horizontal_movement=6 -c vertical_movement=4 -p 30 >/dev/null || return 1
}

# reference_frame OUTFILE: one frame captured by MMAP into system RAM (not
# our code), and OUTFILE.json with its size and V4L2 sequence number
reference_frame() {
	local seq w h bpl
	v4l2-ctl -d /dev/video0 --set-fmt-video="$FMT" --stream-mmap --stream-skip=2 \
		--stream-count=1 --stream-to="$1" --verbose > "$1.log" 2>&1 || { cat "$1.log"; return 1; }
	seq=$(grep -o 'seq: *[0-9]*' "$1.log" | tail -1 | grep -o '[0-9]*$')
	read -r w h bpl < <(v4l2-ctl -d /dev/video0 --get-fmt-video | awk -F: '
		/Width\/Height/ { split($2, a, "/"); w = a[1] + 0; h = a[2] + 0 }
		/Bytes per Line/ { b = $2 + 0 } END { print w, h, b }')
	[ -n "$seq" ] && [ "${bpl:-0}" -gt 0 ] || { echo "reference: no sequence or format"; cat "$1.log"; return 1; }
	printf '{"width": %d, "height": %d, "bytesperline": %d, "sequence": %d}\n' \
		"$w" "$h" "$bpl" "$seq" > "$1.json"
}

# compliance ARGS...: v4l2-compliance from Debian trixie's v4l-utils (the
# chroot tools/p2pbuf-vm fetch-newest lays out), run through that chroot's
# own dynamic loader: bookworm's 1.22 predates the uapi of 6.8+ kernels
# and reports their CREATE_BUFS max_num_buffers field as a failure.
compliance() {
	local r
	r=$(readlink -f "${P2PBUF_CACHE:-/var/cache/p2pbuf}/latest-newest")/root
	[ -x "$r/usr/bin/v4l2-compliance" ] ||
		{ echo "no v4l2-compliance in $r (run tools/p2pbuf-vm fetch-newest)"; return 1; }
	timeout 600 "$r/lib64/ld-linux-x86-64.so.2" --library-path "$r/lib/x86_64-linux-gnu:$r/usr/lib/x86_64-linux-gnu" \
		"$r/usr/bin/v4l2-compliance" "$@"
}

# QEMU's edu device as a capture card that writes by DMA
# (tests/kmod/p2pbuf_educap.ko; tests/vm/checks-educap.sh)
EDUCAP_FMT="width=32,height=32,pixelformat=YUYV"

# educap_load [MODULE PARAMS]: the driver bound to edu, its node in $EDUCAP
educap_load() {
	local d
	rmmod p2pbuf_edu 2>/dev/null || true
	rmmod p2pbuf_educap 2>/dev/null || true
	# what it uses: insmod does not load dependencies
	modprobe -a videodev videobuf2-v4l2 videobuf2-dma-contig || return 1
	insmod "$BUILD/tests/kmod/p2pbuf_educap-$P2PBUF_VM_KERNEL.ko" "$@" || return 1
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
	printf '{"pattern": "educap", "width": 32, "height": 32, "bytesperline": 64, "sequence": %d}\n' \
		"$seq" > "$1.json"
}

# vivid_output_720p NODE: vivid's HDMI output at 1280x720
vivid_output_720p() {
	local idx
	v4l2-ctl -d "$1" --set-output=1 || return 1
	idx=$(v4l2-ctl -d "$1" --list-dv-timings | awk '
		/Index:/ { i = $2 } /Active width: 1280$/ { w = 1 }
		/Active height: 720$/ { if (w && !done) { print i; done = 1 } } /^[[:space:]]*$/ { w = 0 }')
	[ -n "$idx" ] || { echo "no 1280x720 DV timings on $1"; return 1; }
	v4l2-ctl -d "$1" --set-dv-bt-timings=index="$idx" || return 1
}

# vivid_loop_720p FMT: vivid's HDMI output at 720p in FMT, looped to its first
# HDMI input on /dev/video0 (menu item 2 of "HDMI 000-0 Is Connected To":
# items 0 and 1 are the test pattern and "none"); prints the output node
vivid_loop_720p() {
	local out hin
	out=$(vivid_out_node) || return 1
	vivid_output_720p "$out" >&2 || return 1
	hin=$(v4l2-ctl -d /dev/video0 --list-inputs | awk '/Input/ { i = $3 } /Name.*HDMI/ { print i; exit }')
	[ -n "$hin" ] || { echo "vivid has no HDMI input" >&2; return 1; }
	v4l2-ctl -d /dev/video0 --set-input="$hin" -c hdmi_000_0_is_connected_to=2 >&2 || return 1
	v4l2-ctl -d /dev/video0 --set-dv-bt-timings=query >&2 || return 1
	v4l2-ctl -d "$out" --set-fmt-video-out="$1" >&2 || return 1
	echo "$out"
}

vivid_out_node() {
	local d
	for d in /sys/class/video4linux/video*; do
		case $(cat "$d/name") in *vid-out*) echo "/dev/$(basename "$d")"; return 0 ;; esac
	done
	echo "vivid has no video output node" >&2
	return 1
}
