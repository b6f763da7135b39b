#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check what a C sample (samples/c) reported against the memory or file
its frames went to.

verify-sample.py KIND LOG IMAGE REFERENCE
LOG        the sample's output: lines "frame K: sequence S, N bytes[ at
           offset 0xO]"
REFERENCE  a reference vivid frame (and REFERENCE.json)
KIND bar:  IMAGE is the BAR (the ivshmem backing file, poisoned before):
           at each offset the log names, the buffer holds vivid's frame of
           the last sequence reported there, or a later one (the buffer
           was queued again and vivid may have filled it before the
           stream stopped); never poison, never an older frame.
KIND file: IMAGE is the file the sample wrote: frame K at K * size, each
           the vivid frame of its sequence, in order, nothing else.
"""
import os
import re
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vivid_frames  # noqa: E402
kind, log, image, ref = sys.argv[1:5]
pat = vivid_frames.load_reference(ref)
img = vivid_frames.open_image(image)
rows = [re.match(r"frame (\d+): sequence (\d+), (\d+) bytes(?: at offset (0x[0-9a-f]+))?", l)
        for l in open(log)]
rows = [m for m in rows if m]
out = []
if kind == "file":
    frames, prev = [], None
    for m in rows:
        k, seq = int(m.group(1)), int(m.group(2))
        frames.append({"frame": k, "sequence": seq, "off": k * pat.size, "bytes": int(m.group(3)),
                       "dropped_before": 0 if prev is None else max(seq - prev - 1, 0)})
        prev = seq
    ok = vivid_frames.check_frames(pat, img, frames, len(rows), out) and len(img) == len(rows) * pat.size
    out.append(f"{image}: {len(img)} bytes for {len(rows)} frames of {pat.size}")
else:
    last = {}
    for m in rows:
        last[int(m.group(4), 16)] = int(m.group(2))
    ok = bool(last)
    for off, seq in sorted(last.items()):
        m = pat.identify(img[off:off + pat.size], seq, seq + 12)
        out.append(f"offset {off:#x}: last reported sequence {seq}: "
                   + (f"holds vivid's frame {m}" if m is not None else pat.describe(img[off:off + pat.size], seq)))
        ok = ok and m is not None
print("\n".join(out))
sys.exit(0 if ok else 1)
