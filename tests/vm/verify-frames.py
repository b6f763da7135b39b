#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check, from outside the code under test, that captured frames are in a
device-memory image: every frame the tool reported is the vivid frame of
its own sequence number, at the place the tool recorded, in order, none
missing or duplicated (tests/vm/vivid_frames.py says how a frame follows
from its sequence).

verify-frames.py MANIFEST IMAGE REFERENCE --bar-base PHYS [--expect N]
MANIFEST  JSON lines written by p2pbuf-capture --manifest (one per frame,
          with "sequence", "phys_addr" and "bytes").
IMAGE     the bytes of the BAR: the host file backing ivshmem's BAR, or a
          guest's /sys/bus/pci/devices/BDF/resourceN.
REFERENCE a frame captured independently (v4l2-ctl --stream-mmap into
          system RAM) and REFERENCE.json (its size and sequence).
--bar-base CPU physical address of the BAR start (file offset 0).
--expect  number of frames that must be there (default: manifest lines).
The image was poisoned before the capture, so memory nobody wrote shows.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vivid_frames  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("image")
    ap.add_argument("reference")
    ap.add_argument("--bar-base", type=lambda s: int(s, 0), required=True)
    ap.add_argument("--expect", type=int, default=None)
    a = ap.parse_args()
    rep = [json.loads(line) for line in open(a.manifest) if line.strip()]
    pat = vivid_frames.load_reference(a.reference)
    img = vivid_frames.open_image(a.image)
    frames = [dict(f, off=f["phys_addr"] - a.bar_base) for f in rep]
    expect = a.expect if a.expect is not None else len(rep)
    out = []
    ok = vivid_frames.check_frames(pat, img, frames, expect, out)
    print("\n".join(out))
    print(f"verify-frames: {os.path.basename(a.image)}: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
