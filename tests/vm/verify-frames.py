#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check, from outside the code under test, that captured frames are in a
device-memory image byte for byte.

verify-frames.py MANIFEST IMAGE REFERENCE [--bar-base PHYS] [--expect N]

MANIFEST  JSON lines written by p2pbuf-capture --manifest (one per frame,
          with "phys_addr" and "bytes").
IMAGE     the bytes of the BAR: the host file backing ivshmem's BAR, or a
          guest's /sys/bus/pci/devices/BDF/resourceN (mmap'ed).
REFERENCE a frame of the same vivid pattern captured independently (by
          v4l2-ctl --stream-mmap into system RAM).
--bar-base CPU physical address of the BAR start (file offset 0).
--expect  number of frames that must be found (default: manifest lines).
"""
import argparse
import json
import mmap
import os
import sys


def open_image(path):
    f = open(path, "rb")
    size = os.fstat(f.fileno()).st_size
    if size == 0:  # sysfs resource files report their size via st_size too
        size = os.path.getsize(path)
    return mmap.mmap(f.fileno(), size, prot=mmap.PROT_READ)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("image")
    ap.add_argument("reference")
    ap.add_argument("--bar-base", type=lambda s: int(s, 0), default=None)
    ap.add_argument("--expect", type=int, default=None)
    ap.add_argument("--distinct", action="store_true",
                    help="every frame must sit at its own offset")
    a = ap.parse_args()

    frames = [json.loads(l) for l in open(a.manifest) if l.strip()]
    ref = open(a.reference, "rb").read()
    img = open_image(a.image)
    expect = a.expect if a.expect is not None else len(frames)
    ok, bad, places = 0, [], set()
    for fr in frames:
        n = fr["bytes"]
        if a.bar_base is not None:
            off = fr["phys_addr"] - a.bar_base
        else:
            off = fr["offset"]
        if n > len(ref):
            bad.append((fr["frame"], off, "frame longer than reference"))
            continue
        if off < 0 or off + n > len(img):
            bad.append((fr["frame"], off, "outside the image"))
            continue
        if img[off:off + n] != ref[:n]:
            bad.append((fr["frame"], off, "bytes differ"))
            continue
        ok += 1
        places.add(off)
    for fnum, off, why in bad[:10]:
        print(f"frame {fnum} at image offset {off:#x}: {why}", file=sys.stderr)
    print(f"verified {ok}/{len(frames)} frames byte for byte in {a.image} "
          f"({len(places)} distinct offsets; expected {expect})")
    if a.distinct and len(places) != ok:
        print("verify-frames: frames share offsets (later ones overwrote "
              "earlier ones)", file=sys.stderr)
        return 1
    if bad or ok != expect or len(frames) != expect:
        print("verify-frames: FAILED", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
