#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fill device memory or storage with the poison pattern, through a path
the code under test does not use: the host file behind a BAR or a disk
image, a guest's PCI resource file (the kernel's sysfs mapping of the BAR),
or a raw block device.

poison.py FILE [OFFSET LENGTH]     (default: the whole file)
The pattern's phase follows the absolute offset, so any part of it is
recognised (tests/vm/vivid_frames.py is_poison).
"""
import mmap
import os
import sys

# 16 bytes repeated from offset 0 of the device memory or image;
# tests/vm/vivid_frames.py recognises it (is_poison) and imports it from here.
POISON = b"P2PBUF-POISON-\xde\xad"

CHUNK = 1 << 20


def size_of(path, fd):
    st = os.fstat(fd)
    if st.st_size:
        return st.st_size
    return os.lseek(fd, 0, os.SEEK_END)  # block devices


def main():
    if len(sys.argv) not in (2, 4):
        print(__doc__, file=sys.stderr)
        return 2
    path = sys.argv[1]
    fd = os.open(path, os.O_RDWR)
    total = size_of(path, fd)
    off, length = (0, total) if len(sys.argv) == 2 else (int(sys.argv[2], 0), int(sys.argv[3], 0))
    if off < 0 or length <= 0 or off + length > total:
        print(f"poison: range {off:#x}+{length:#x} is outside {path} ({total} bytes)", file=sys.stderr)
        return 1
    n = len(POISON)
    unit = (POISON * (CHUNK // n + 2))
    if path.startswith("/sys/"):
        # resource files only support mmap
        m = mmap.mmap(fd, total, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        pos = off
        while pos < off + length:
            k = min(CHUNK, off + length - pos)
            ph = pos % n
            m[pos:pos + k] = unit[ph:ph + k]
            pos += k
        m.close()
    else:
        pos = off
        while pos < off + length:
            k = min(CHUNK, off + length - pos)
            ph = pos % n
            if os.pwrite(fd, unit[ph:ph + k], pos) != k:
                print(f"poison: short write to {path} at {pos:#x}", file=sys.stderr)
                return 1
            pos += k
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
