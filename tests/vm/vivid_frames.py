# SPDX-License-Identifier: MIT
"""What vivid's frame with sequence number N looks like, computed from one
reference frame captured independently (v4l2-ctl --stream-mmap into system
RAM), and what a region of device memory or a file holds instead.

The VM checks set vivid's test pattern generator (drivers/media/common/
v4l2-tpg) to "100% Color Squares", "Move Right Fast" and "Move Down Slow",
with no OSD text. The TPG advances its movement counters once per sequence
number, also for frames nobody dequeued (vivid_thread_vid_cap_tick), so
a frame follows from its movement index m: frame(m) is the reference
frame rolled down by (m - r) * vstep lines and right by (m - r) * hstep
pixels, with r the reference's sequence, vstep = 1 and hstep =
((width + 319) // 320) * 4 (tpg_update_mv_step). m is the sequence number
give or take a step: when the first tick after STREAMON comes late, vivid
fills sequence 1 with the movement of sequence 0, and when a tick finds no
new frame period (dropped_bufs == 0) it hands out a sequence number twice
and its movement runs one step ahead from then on. The checks identify m
from the bytes, near the reported sequence, and require it to increase
strictly from frame to frame. The pattern has no shorter vertical
or horizontal period, so frames are distinct for lcm(height, width / hstep)
consecutive sequences (480 at 640x480, 720 at 1280x720).

The poison pattern is what the checks fill device memory and storage with
before they capture (tools/vm/poison.py), so that memory nobody wrote is seen.
"""
import importlib.util
import json
import os

# The pattern tools/vm/poison.py fills memory and images with; vivid's
# frames never contain it.
_spec = importlib.util.spec_from_file_location(
    "poison", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                           "tools", "vm", "poison.py"))
_poison = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_poison)
POISON = _poison.POISON


def load_reference(path):
    """A reference frame: PATH (raw bytes) and PATH.json (width, height,
    bytesperline, sequence, and "pattern": "educap" for the edu capture
    card, else vivid)."""
    meta = json.load(open(path + ".json"))
    cls = EducapPattern if meta.get("pattern") == "educap" else Pattern
    return cls(open(path, "rb").read(), meta)


class Pattern:
    name = "vivid"

    def __init__(self, ref, meta):
        self.geometry(meta)
        if len(ref) < self.size:
            raise ValueError(f"reference has {len(ref)} bytes, {self.w}x{self.h} "
                             f"needs {self.size}")
        self.rows = [ref[r * self.bpl:(r + 1) * self.bpl] for r in range(self.h)]
        self.hstep = ((self.w + 319) // 320) * 4  # pixels per sequence
        self.bpp = self.bpl // self.w  # bytes per pixel (2 for YUYV)
        self.hperiod = self.w // self.hstep

    def geometry(self, meta):
        """Size and reference sequence from the reference's META."""
        self.w = int(meta["width"])
        self.h = int(meta["height"])
        self.bpl = int(meta["bytesperline"])
        self.seq0 = int(meta["sequence"])
        self.size = self.bpl * self.h
        self.cache = {}

    def shift(self, seq):
        d = seq - self.seq0
        return d % self.h, (d * self.hstep) % self.w * self.bpp

    def row(self, seq, r):
        dy, dxb = self.shift(seq)
        src = self.rows[(r - dy) % self.h]
        return src[-dxb:] + src[:-dxb] if dxb else src

    def frame(self, seq):
        f = self.cache.get(seq)
        if f is None:
            f = self.build(seq)
            if len(self.cache) > 64:
                self.cache.clear()
            self.cache[seq] = f
        return f

    def build(self, seq):
        return b"".join(self.row(seq, r) for r in range(self.h))

    def matches(self, seq, data):
        return data[:self.size] == self.frame(seq)

    def identify(self, data, lo, hi):
        """The sequence in [lo, hi) whose frame DATA is, or None. Rows are
        compared first, so a miss costs a few short comparisons."""
        first = data[:self.bpl]
        for seq in range(max(lo, 0), hi):
            if self.row(seq, 0) == first and self.matches(seq, data):
                return seq
        return None

    def describe(self, data, want=None, near=720):
        """Why DATA is not the frame it should be: poison (nothing was
        written), zeros, another sequence's frame (stale or misplaced), or
        other bytes."""
        data = bytes(data[:self.size])
        if len(data) < self.size:
            return f"only {len(data)} of {self.size} bytes"
        if is_poison(data):
            return "still poison: nothing was written there"
        if data.count(0) == len(data):
            return "all zeros: nothing was written there"
        if want is not None:
            other = self.identify(data, want - near, want + near)
            if other is not None:
                return f"the frame of sequence {other}, not {want}"
        poisoned = sum(1 for i in range(0, self.size, 4096)
                       if is_poison(data[i:i + 4096]))
        if poisoned:
            return f"partly written: {poisoned} of {(self.size + 4095) // 4096} pages still poison"
        return "bytes differ from every vivid frame near that sequence"


def is_poison(data):
    """True when DATA, at any offset into the pattern, is poison."""
    n = len(POISON)
    if len(data) < n:
        return False
    k = data.find(POISON, 0, 2 * n)
    if k < 0 or data[:k] != POISON[n - k:]:
        return False
    body = data[k:]
    return body == (POISON * (len(body) // n + 1))[:len(body)]


def open_image(path):
    """IMAGE as a read-only buffer: a host backing file, an extracted file,
    or a guest's PCI resource file (sysfs gives its size in st_size)."""
    import mmap
    import os
    f = open(path, "rb")
    size = os.fstat(f.fileno()).st_size
    return mmap.mmap(f.fileno(), size, prot=mmap.PROT_READ)


def check_frames(pat, img, frames, expect, out):
    """Every frame of FRAMES (dicts: frame, sequence, off, bytes and
    optionally dropped_before) must be a vivid frame at OFF in IMG whose
    movement index follows its sequence: the first within two steps of it
    (vivid's counter can start a step behind), each next one ahead of the
    one before by at least the sequence difference and at most twice that
    plus two (vivid moves a step ahead each time it hands out a sequence
    number twice). So nothing duplicated, swapped, stale or missing
    unreported passes; offsets distinct, EXPECT frames in all; the reported
    sequences must not go backwards and their gaps must be what the tool
    reported as dropped. Prints what it found to OUT (a list of lines);
    returns True when all of it holds."""
    ok = True
    bad = []
    good = 0
    prev = None
    prev_m = None
    delta = 0
    deltas = set()
    gaps = 0
    misreported = []
    offs = set()
    for fr in frames:
        seq, off, n = fr["sequence"], fr["off"], fr["bytes"]
        if n != pat.size:
            bad.append(f"frame {fr['frame']} (seq {seq}): {n} bytes, a frame has {pat.size}")
        elif off < 0 or off + n > len(img):
            bad.append(f"frame {fr['frame']} (seq {seq}) at {off:#x}: outside the image")
        else:
            data = img[off:off + n]
            if prev_m is None or prev is None or seq < prev:
                lo, hi = seq - 2, seq + 3
            else:
                # vivid moves its pattern by max(dropped, 1) per tick and
                # the sequence by dropped: the movement advances at least
                # as far as the sequence, and at most one extra step per
                # frame period (a repeated sequence number)
                step = max(seq - prev, 1)
                lo, hi = prev_m + step, prev_m + 2 * step + 2
            m = pat.identify(data, lo, hi)
            if m is None:
                why = pat.describe(data, seq + delta)
                if prev_m is not None and pat.matches(prev_m, data):
                    why = "the same frame as the one before it (duplicated)"
                bad.append(f"frame {fr['frame']} (seq {seq}) at {off:#x}: {why}")
            else:
                good += 1
                prev_m = m
                delta = m - seq
                deltas.add(delta)
        if prev is not None:
            if seq < prev:
                bad.append(f"frame {fr['frame']}: sequence {seq} after {prev} (out of order)")
            else:
                gap = max(seq - prev - 1, 0)
                gaps += gap
                if gap != fr.get("dropped_before", 0):
                    misreported.append(f"frame {fr['frame']}: {gap} sequences missing "
                                       f"before it, tool reported {fr.get('dropped_before', 0)}")
        prev = seq
        if off in offs:
            bad.append(f"frame {fr['frame']} (seq {seq}) shares offset {off:#x} with an earlier frame")
        offs.add(off)
    for line in bad[:12]:
        out.append(line)
    if len(bad) > 12:
        out.append(f"... and {len(bad) - 12} more")
    for line in misreported[:5]:
        out.append(line)
    seqs = [f["sequence"] for f in frames]
    drift = (f"{min(deltas):+d}" if len(deltas) == 1 else
             f"{min(deltas):+d} to {max(deltas):+d}") if deltas else "-"
    out.append(f"{good}/{len(frames)} frames are the {pat.name} frame of their own sequence"
               f" (movement at sequence {drift};"
               f" sequences {seqs[0] if seqs else '-'}..{seqs[-1] if seqs else '-'}, "
               f"{gaps} dropped in between, {len(offs)} distinct offsets; expected {expect} frames)")
    if bad or misreported or good != expect or len(frames) != expect:
        ok = False
    return ok


class EducapPattern(Pattern):
    """Frames of tests/kmod/p2pbuf_educap.ko (QEMU's edu device as a capture
    card): the device's 4 KiB buffer holds TEMPLATE xorshift32 bytes, and
    chunk k of the frame of sequence n is the CHUNK bytes of that buffer
    from offset (n * 97 + k * 1009) % (TEMPLATE - CHUNK), copied by the
    device's DMA. Distinct for 2016 consecutive sequences. The reference
    frame (captured by MMAP into RAM) must follow the formula too; without
    one (ref None), META gives the size only."""
    CHUNK = 2048
    TEMPLATE = 4064
    name = "edu DMA"

    def __init__(self, ref, meta):
        self.geometry(meta)
        x, t = 0x2545F491, bytearray()
        for _ in range(self.TEMPLATE):
            x ^= (x << 13) & 0xFFFFFFFF
            x ^= x >> 17
            x ^= (x << 5) & 0xFFFFFFFF
            t.append(x & 0xFF)
        self.template = bytes(t)
        if self.size % self.CHUNK:
            raise ValueError(f"a {self.size}-byte frame is not whole {self.CHUNK}-byte chunks")
        if ref is not None and bytes(ref[:self.size]) != self.frame(self.seq0):
            raise ValueError(f"the reference frame (sequence {self.seq0}, captured by MMAP) "
                             "does not follow the educap formula: driver and verifier disagree")

    def build(self, seq):
        span = self.TEMPLATE - self.CHUNK
        return b"".join(self.template[o:o + self.CHUNK] for o in
                        ((seq * 97 + k * 1009) % span for k in range(self.size // self.CHUNK)))

    def identify(self, data, lo, hi):
        data = bytes(data[:self.size])
        for seq in range(max(lo, 0), hi):
            if data == self.frame(seq):
                return seq
        return None
