#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check, from outside the VM, what the storage checks wrote or read.

verify-storage.py frames BASE IMAGE
    Frames written to storage. BASE.manifest has one JSON line per frame the
    writer reported as written ("file_offset", "bytes"); BASE.ref is a frame
    captured independently (v4l2-ctl --stream-mmap into system RAM); the
    optional BASE.summary is the writer's JSON summary ("written_frames").
    Every reported frame must be in IMAGE byte for byte at its offset, at N
    distinct offsets; walking IMAGE from the first frame in steps of one
    frame must find exactly as many copies back to back (more only if
    BASE.extra-ok exists).
verify-storage.py bytes BASE IMAGE
    Bytes read from storage into device memory: BASE.pattern must be in
    IMAGE at offset BASE.json "phys_addr" - BASE.barbase.
"""
import json
import mmap
import os
import sys


def open_image(path):
    f = open(path, "rb")
    return mmap.mmap(f.fileno(), os.fstat(f.fileno()).st_size, prot=mmap.PROT_READ)


def frames(base, image):
    rep = [json.loads(l) for l in open(base + ".manifest") if l.strip()]
    ref = open(base + ".ref", "rb").read()
    img = open_image(image)
    if not rep:
        print("verify-storage: the manifest lists no frame", file=sys.stderr)
        return 1
    bad = []
    offs = []
    n = None
    for fr in rep:
        off, nb = fr.get("file_offset"), fr["bytes"]
        if off is None:
            bad.append((fr["frame"], "no file_offset in the manifest"))
            continue
        n = nb if n is None else n
        if nb != n or nb > len(ref):
            bad.append((fr["frame"], f"{nb} bytes, reference has {len(ref)}"))
        elif img[off:off + nb] != ref[:nb]:
            bad.append((fr["frame"], f"bytes at {off:#x} differ from the reference"))
        offs.append(off)
    for fnum, why in bad[:10]:
        print(f"frame {fnum}: {why}", file=sys.stderr)
    ok = len(rep) - len(bad)
    distinct = len(set(offs))
    print(f"{ok}/{len(rep)} reported frames byte for byte in {os.path.basename(image)}, "
          f"{distinct} distinct offsets")
    rc = 0 if not bad and distinct == len(rep) else 1
    # Independent of the offsets: walk the image from the first frame in
    # steps of one frame and count the copies of the reference back to back.
    # (vivid's bars are the same on every row, so a free search would match
    # at every row; the walk is what can be checked.)
    lo = min(offs)
    step = sorted(set(offs))[1] - lo if len(set(offs)) > 1 else n
    walked, pos = 0, lo
    while pos + n <= len(img) and img[pos:pos + n] == ref[:n]:
        walked += 1
        pos += step
    print(f"walk: {walked} frames back to back from {lo:#x} in steps of {step} bytes")
    if walked < len(rep):
        print("verify-storage: fewer frames back to back than reported", file=sys.stderr)
        rc = 1
    elif walked > len(rep) and not os.path.exists(base + ".extra-ok"):
        print(f"verify-storage: {walked - len(rep)} frames on disk that were not reported",
              file=sys.stderr)
        rc = 1
    if os.path.exists(base + ".summary"):
        s = [json.loads(l) for l in open(base + ".summary") if '"summary"' in l]
        if not s:
            print("verify-storage: no summary line", file=sys.stderr)
            rc = 1
        elif s[-1].get("written_frames") != len(rep):
            print(f"verify-storage: summary says {s[-1].get('written_frames')} frames written, "
                  f"manifest lists {len(rep)}", file=sys.stderr)
            rc = 1
        else:
            print(f"summary: {len(rep)} frames written, path {s[-1].get('write_path')}")
    if os.path.exists(base + ".expect"):
        want = int(open(base + ".expect").read())
        if want != len(rep):
            print(f"verify-storage: expected {want} frames, manifest lists {len(rep)}",
                  file=sys.stderr)
            rc = 1
    print("verify-storage: " + ("ok" if rc == 0 else "FAILED"))
    return rc


def read_bytes(base, image):
    info = json.loads(open(base + ".json").read())
    barbase = int(open(base + ".barbase").read().strip(), 0)
    pat = open(base + ".pattern", "rb").read()
    img = open_image(image)
    off = info["phys_addr"] - barbase
    same = img[off:off + len(pat)] == pat
    print(f"{len(pat)} bytes at {os.path.basename(image)} offset {off:#x} "
          f"(path {info['path']}): {'identical' if same else 'DIFFERENT'}")
    return 0 if same else 1


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("frames", "bytes"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, base, image = sys.argv[1:]
    return frames(base, image) if mode == "frames" else read_bytes(base, image)


if __name__ == "__main__":
    sys.exit(main())
