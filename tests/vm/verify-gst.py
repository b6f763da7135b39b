#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check, from outside the VM, the files the GStreamer checks wrote to ext4.

verify-gst.py BASE IMAGE
BASE.gst  JSON: {"file": path in the file system, "same_as": another path
          or "", "frames": N, "drops": the sink's reported drops or null}
BASE.ref  (+ .json) a frame v4l2-ctl captured by MMAP into system RAM.
IMAGE     the ext4 image (nvme-fs.img), unmounted by the guest.
The file is extracted with debugfs (e2fsprogs, independent of the code
under test). It must be N frames back to back, each the vivid frame of
some sequence, the sequences strictly increasing (nothing duplicated, out
of order, stale or poison), and the gaps between them must match the
drops the sink reported (within 2 or 5%: v4l2src renumbers a sequence
number vivid hands out twice). With same_as, that file is extracted too and must
be byte-identical.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vivid_frames  # noqa: E402


def dump(image, path, out):
    if os.path.exists(out):
        os.unlink(out)
    r = subprocess.run(["debugfs", "-R", f"dump {path} {out}", image],
                       capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(out):
        print(f"verify-gst: debugfs could not dump {path} from {image}: {r.stderr.strip()}",
              file=sys.stderr)
        return False
    return True


def check_file(pat, data, nframes, drops, out):
    """DATA is NFRAMES vivid frames in increasing sequence order."""
    ok = True
    size = len(data)
    want = nframes * pat.size
    if size != want:
        out.append(f"{size} bytes, want {nframes} frames of {pat.size} = {want}")
        ok = False
    seqs = []
    prev = -1
    # a sequence gap longer than the pattern's period would be ambiguous;
    # look a whole period ahead (720 sequences at 1280x720)
    span = pat.h * pat.hperiod
    for i in range(min(nframes, size // pat.size)):
        fr = data[i * pat.size:(i + 1) * pat.size]
        seq = pat.identify(fr, prev + 1, prev + 1 + span)
        if seq is None:
            out.append(f"frame {i} at file offset {i * pat.size:#x}: "
                       f"{pat.describe(fr, prev + 1)} (no vivid frame after sequence {prev})")
            ok = False
            break
        seqs.append(seq)
        prev = seq
    gaps = sum(b - a - 1 for a, b in zip(seqs, seqs[1:]))
    if seqs:
        out.append(f"{len(seqs)}/{nframes} frames identified, sequences {seqs[0]}..{seqs[-1]} "
                   f"in increasing order, {gaps} dropped in between")
    # The sink counts gaps in v4l2src's buffer offsets, which v4l2src
    # renumbers when vivid repeats a sequence number: a step or two apart
    # from the gaps in the movement; more is a miscount.
    if ok and drops is not None:
        out.append(f"the sink reported {drops} drops; the file has {gaps} sequences missing")
        if abs(gaps - drops) > max(2, gaps // 20) or (gaps and not drops):
            out.append("verify-gst: the sink's drop count does not match the frames missing")
            ok = False
    return ok


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    base, image = sys.argv[1:]
    spec = json.load(open(base + ".gst"))
    out = base + ".out"
    if not dump(image, spec["file"], out):
        return 1
    pat = vivid_frames.load_reference(base + ".ref")
    lines = [f"{spec['file']}: {os.path.getsize(out)} bytes in {os.path.basename(image)} (debugfs)"]
    data = open(out, "rb").read()
    ok = check_file(pat, data, spec["frames"], spec.get("drops"), lines)
    if spec.get("same_as"):
        other = base + ".same.out"
        if not dump(image, spec["same_as"], other):
            return 1
        same = data == open(other, "rb").read()
        lines.append(f"{spec['file']} and {spec['same_as']}: {'identical' if same else 'DIFFERENT'}")
        os.unlink(other)
        ok = ok and same
    os.unlink(out)  # large; the image keeps it
    print("\n".join(lines))
    print("verify-gst: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
