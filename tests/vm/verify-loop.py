#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Frames that came back through vivid's HDMI loop must be frames played.

verify-loop.py PLAYED BACK SIZE BYTESPERLINE N
PLAYED  raw frames that were played to vivid's output
BACK    raw frames captured from vivid's input looped to that output
Every one of the N frames in BACK is byte for byte a frame of PLAYED, and
they come from at least two different played frames (the loop moves).
A frame that is not says which played frame is closest and how many of
its rows are equal.
"""
import sys
played = open(sys.argv[1], "rb").read()
back = open(sys.argv[2], "rb").read()
size, bpl, want = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
frames = [played[i:i + size] for i in range(0, len(played), size)]
index = {f: i for i, f in enumerate(frames)}
n = len(back) // size
found = []
for k in range(n):
    b = back[k * size:(k + 1) * size]
    if b in index:
        found.append(index[b])
        continue
    # the best match by rows, to say what differs
    best = max(range(len(frames)), key=lambda i: sum(
        b[r * bpl:(r + 1) * bpl] == frames[i][r * bpl:(r + 1) * bpl] for r in range(0, size // bpl, 16)))
    same = sum(b[r * bpl:(r + 1) * bpl] == frames[best][r * bpl:(r + 1) * bpl] for r in range(size // bpl))
    found.append(None)
    print(f"looped frame {k}: not a played frame (closest: played frame {best}, {same}/{size // bpl} rows equal)")
ok = n == want and None not in found and len(set(found)) >= 2
print(f"{n} frames came back through vivid's loop: played frames {found}: "
      f"{'each one of the frames played from device memory' if ok else 'NOT as expected'}")
sys.exit(0 if ok else 1)
