#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check, from outside the VM, what the storage checks wrote or read.

verify-storage.py frames BASE IMAGE
    Frames written to storage. BASE.manifest has one JSON line per frame the
    writer reported as written ("sequence", "file_offset", "bytes");
    BASE.ref (+ .json) is a frame captured independently (v4l2-ctl
    --stream-mmap into system RAM); BASE.summary, when there, is the
    writer's JSON summary ("written_frames"); BASE.expect the number of frames the check
    asked for. Every reported frame must be the vivid frame of its own
    sequence at its offset, in order, none duplicated; the offsets follow
    each other in steps of one frame; the slot after the last reported
    frame must still hold the poison the image was filled with (a frame
    there was written but not reported), unless BASE.extra-ok exists (the
    disk went away mid-write).
verify-storage.py bytes BASE IMAGE
    Bytes read from storage into device memory: BASE.pattern must be in
    IMAGE at offset BASE.json "phys_addr" - BASE.barbase.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vivid_frames  # noqa: E402


def json_lines(path, out, want=None):
    """The JSON objects of PATH, one per line (only lines containing WANT
    if given), or None after saying in OUT which line is not JSON."""
    res = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            line = raw.decode("utf-8", "replace").strip()
            if not line or (want and want not in line):
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                what = ("NUL bytes: data the guest wrote did not reach the host file"
                        if "\0" in line else f"{e}")
                out.append(f"{os.path.basename(path)} line {n} is not JSON ({what}): {line[:80]!r}")
                return None
            if not isinstance(obj, dict):
                out.append(f"{os.path.basename(path)} line {n} is not a JSON object: {line[:80]!r}")
                return None
            res.append(obj)
    return res


def frames(base, image, out):
    rep = json_lines(base + ".manifest", out)
    if rep is None:
        return False
    if not rep:
        out.append("the manifest lists no frame")
        return False
    pat = vivid_frames.load_reference(base + ".ref")
    img = vivid_frames.open_image(image)
    for key in ("frame", "sequence", "file_offset", "bytes"):
        if any(key not in f for f in rep):
            out.append(f"a manifest line has no {key}")
            return False
    expect = len(rep)
    ok = True
    if os.path.exists(base + ".expect"):
        expect = int(open(base + ".expect").read())
    fr = [dict(f, off=f["file_offset"]) for f in rep]
    ok = vivid_frames.check_frames(pat, img, fr, expect, out) and ok
    offs = [f["off"] for f in fr]
    steps = {b - a for a, b in zip(offs, offs[1:])}
    if len(steps) > 1 or (steps and min(steps) < pat.size):
        out.append(f"frames are not back to back in file order: steps {sorted(steps)[:5]}")
        ok = False
    step = steps.pop() if steps else pat.size
    nxt = offs[-1] + step
    if nxt + pat.size <= len(img) and not os.path.exists(base + ".extra-ok"):
        slot = img[nxt:nxt + pat.size]
        if not vivid_frames.is_poison(slot):
            out.append(f"the slot after the last reported frame ({nxt:#x}) is not poison: "
                       f"{pat.describe(slot, rep[-1]['sequence'] + 1)}; a frame was written "
                       "but not reported, or the image was not poisoned")
            ok = False
    if not os.path.exists(base + ".summary"):
        out.append("no writer summary to compare with (BASE.summary absent)")
        return ok
    s = json_lines(base + ".summary", out, '"summary"')
    if s is None:
        return False
    if not s:
        out.append("no summary line from the writer")
        ok = False
    elif s[-1].get("written_frames") != len(rep):
        out.append(f"summary says {s[-1].get('written_frames')} frames written, "
                   f"manifest lists {len(rep)}")
        ok = False
    else:
        out.append(f"summary: {len(rep)} frames written, path {s[-1].get('write_path')}, "
                   f"{s[-1].get('dropped', '?')} dropped")
    return ok


def read_bytes(base, image, out):
    info = json.loads(open(base + ".json").read())
    barbase = int(open(base + ".barbase").read().strip(), 0)
    pat = open(base + ".pattern", "rb").read()
    img = vivid_frames.open_image(image)
    off = info["phys_addr"] - barbase
    got = img[off:off + len(pat)]
    same = got == pat
    why = ""
    if not same:
        why = " (still poison: nothing was read there)" if vivid_frames.is_poison(got) else ""
    out.append(f"{len(pat)} bytes at {os.path.basename(image)} offset {off:#x} "
               f"(path {info['path']}): {'identical' if same else 'DIFFERENT' + why}")
    return same


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("frames", "bytes"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, base, image = sys.argv[1:]
    out = []
    ok = (frames if mode == "frames" else read_bytes)(base, image, out)
    print("\n".join(out))
    print("verify-storage: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
