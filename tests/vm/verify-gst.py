#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check, from outside the VM, the files the GStreamer checks wrote to ext4.

verify-gst.py BASE IMAGE

BASE.gst  JSON: {"file": path in the file system, "same_as": another path
          or "", "frame_bytes": N}
IMAGE     the ext4 image (nvme-fs.img), unmounted by the guest.

The file is extracted with debugfs (e2fsprogs, independent of the code
under test) to BASE.out; it must be exactly as long as the frames listed in
BASE.manifest, and every frame must equal BASE.ref, the frame v4l2-ctl
captured by MMAP (the check of verify-storage.py "frames"). With same_as,
that file is extracted too and must be byte-identical.
"""
import importlib.util
import json
import os
import subprocess
import sys


def load_verify_storage():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify-storage.py")
    spec = importlib.util.spec_from_file_location("verify_storage", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


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


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    base, image = sys.argv[1:]
    spec = json.load(open(base + ".gst"))
    out = base + ".out"
    if not dump(image, spec["file"], out):
        return 1
    nframes = sum(1 for l in open(base + ".manifest") if l.strip())
    size = os.path.getsize(out)
    want = nframes * spec["frame_bytes"]
    print(f"{spec['file']}: {size} bytes in {os.path.basename(image)} (debugfs), "
          f"{nframes} frames of {spec['frame_bytes']} = {want}")
    rc = 0
    if size != want:
        print(f"verify-gst: {spec['file']} is {size} bytes, want {want}", file=sys.stderr)
        rc = 1
    if load_verify_storage().frames(base, out) != 0:
        rc = 1
    if spec.get("same_as"):
        other = base + ".same.out"
        if not dump(image, spec["same_as"], other):
            return 1
        same = open(out, "rb").read() == open(other, "rb").read()
        print(f"{spec['file']} and {spec['same_as']}: {'identical' if same else 'DIFFERENT'}")
        os.unlink(other)
        rc = rc or (0 if same else 1)
    os.unlink(out)  # large; the image keeps it
    print("verify-gst: " + ("ok" if rc == 0 else "FAILED"))
    return rc


if __name__ == "__main__":
    sys.exit(main())
