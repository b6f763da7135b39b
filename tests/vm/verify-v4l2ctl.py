#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check, from outside the guest, a stock v4l2-ctl capture into buffers
exported by a p2pbuf V4L2 memory node (v4l2-ctl --stream-dmabuf -E NODE
--stream-to FILE --verbose).

verify-v4l2ctl.py BASE IMAGE FRAMES
BASE.yuv      the file v4l2-ctl wrote
BASE.dqbuf    v4l2-ctl's verbose lines "cap dqbuf: INDEX seq: SEQ ..."
BASE.buffers  the node's buffers while it streamed (sysfs p2pbuf/buffers:
              index, BAR offset, size, queues)
BASE.ref      a reference vivid frame (and BASE.ref.json)
IMAGE         the BAR's bytes (ivshmem.bin), poisoned before the capture

FILE must hold FRAMES frames, each the vivid frame of its own sequence
(tests/vm/vivid_frames.py: none stale, duplicated or out of order). The
BAR, at the offset the node reported for buffer i, must hold the last
frame v4l2-ctl dequeued from buffer i (byte for byte, the same as in
FILE), or a later vivid frame vivid wrote there before the stream stopped
(queued, never dequeued): never poison, never an older frame.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vivid_frames  # noqa: E402


def main():
    base, image, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pat = vivid_frames.load_reference(base + ".ref")
    data = vivid_frames.open_image(base + ".yuv")
    img = vivid_frames.open_image(image)
    deq = []
    for line in open(base + ".dqbuf"):
        m = re.search(r"cap dqbuf:\s*(\d+)\s+seq:\s*(\d+)", line)
        if m:
            deq.append((int(m.group(1)), int(m.group(2))))
    deq = deq[:len(data) // pat.size]
    out = []
    ok = True
    if len(data) != want * pat.size:
        out.append(f"{base}.yuv: {len(data)} bytes, want {want} frames of {pat.size}")
        ok = False
    frames = []
    prev = None
    for k, (idx, seq) in enumerate(deq):
        gap = 0 if prev is None else max(seq - prev - 1, 0)
        frames.append({"frame": k, "sequence": seq, "off": k * pat.size, "bytes": pat.size,
                       "dropped_before": gap})
        prev = seq
    ok = vivid_frames.check_frames(pat, data, frames, want, out) and ok
    out[-1] = out[-1].replace("distinct offsets", "frames in the file")

    bufs = []
    for line in open(base + ".buffers"):
        f = line.split()
        if len(f) >= 3:
            bufs.append((int(f[0]), int(f[1], 16), int(f[2])))
    if not bufs:
        out.append("the node reported no buffers")
        ok = False
    last = {}
    for k, (idx, seq) in enumerate(deq):
        last[idx] = k
    exact = later = 0
    for idx, off, size in bufs:
        got = img[off:off + pat.size]
        if idx not in last:
            out.append(f"buffer {idx} at BAR offset {off:#x}: v4l2-ctl never dequeued it")
            ok = False
            continue
        k = last[idx]
        mine = data[k * pat.size:(k + 1) * pat.size]
        if got == mine:
            exact += 1
            continue
        # a frame vivid wrote after the last one v4l2-ctl took from it
        m = pat.identify(got, deq[k][1] + 1, deq[-1][1] + 8)
        if m is not None:
            later += 1
            continue
        out.append(f"buffer {idx} at BAR offset {off:#x}: not v4l2-ctl's last frame from it "
                   f"(file frame {k}, sequence {deq[k][1]}) nor a later vivid frame: "
                   f"{pat.describe(got, deq[k][1])}")
        ok = False
    out.append(f"BAR: {len(bufs)} buffers at the offsets the node reported: {exact} hold "
               f"v4l2-ctl's last frame from them byte for byte, {later} a later vivid frame "
               f"(queued when the stream stopped)")
    if exact == 0:
        out.append("no buffer holds a frame v4l2-ctl wrote to the file")
        ok = False
    print("\n".join(out))
    print(f"verify-v4l2ctl: {os.path.basename(image)}: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
