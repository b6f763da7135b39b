#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Where the NVMe controllers' DMA went, from QEMU's trace (outside the VM).

verify-dma.py TRACE --begin B --end E [--direction write|read]
              [--bar NAME=START:SIZE]... [--ram START:SIZE] [--nsid N]...
              [--expect p2p|bounce --bytes N] [--json]

TRACE is the keep dir's nvme-dma.trace that tools/p2pbuf-vm run writes
(QEMU "log" trace backend). QEMU's NVMe model logs, for each command, in one
synchronous call on the thread that holds the big QEMU lock:

    pci_nvme_admin_cmd cid 7 sqid 0 opc 0x6 opname 'NVME_ADM_CMD_IDENTIFY'
    pci_nvme_io_cmd cid 13248 nsid 0x1 sqid 2 opc 0x2 opname 'NVME_NVM_CMD_READ'
    pci_nvme_read cid 13248 nsid 1 nlb 8 count 4096 lba 0x1ff838
    pci_nvme_write cid 4 opname 'NVME_NVM_CMD_WRITE' nsid 1 nlb 256 count 131072 lba 0x0
    pci_nvme_map_addr addr 0x7b1df000 len 4096         (one per PRP/SGL entry)
    pci_nvme_map_addr_cmb addr 0xf4000000 len 4096     (follows map_addr when
                                       the address is in this controller's own CMB)

(with "-msg timestamp=on" each line starts with "TID@SEC.USEC:"). Each
map_addr belongs to the command logged last before it (io_cmd/admin_cmd open
a command, read/write add its direction, nsid, LBA and length; a trace
without io_cmd lines falls back to read/write as the command boundary).
map_addr_cmb repeats the map_addr just before it and is not counted twice.
The trace does not name the controller: commands are told apart by nsid and
LBA (the storage controller has nsid 1 of 1 GiB and nsid 2; the CMB
controller only nsid 1 of 64 MiB).

The window: the commands after the marker read B and before the marker read
E. A marker (tests/vm/lib-dma.sh dma_mark ID) is a 4096-byte read on nsid 1
at byte 1023 MiB + ID*4096 (the last MiB of the storage namespace); markers'
own DMA is not counted. Each marker ID may occur only once per trace.

Bytes of the window's commands of the chosen direction (write: NVMe write
commands, the device reads memory; read: read commands) are split by
address into the named BAR ranges (--bar, repeatable; bus address =
guest-physical on this rig), guest RAM (--ram, default 0:2GiB) and
elsewhere. --expect p2p: BAR bytes >= 95% of --bytes; --expect bounce: RAM
bytes >= 95% and BAR bytes < 5% of --bytes. Exit status 0 ok (or no
--expect), 1 fail (also a missing or repeated marker), 2 usage or parse
error.

As a module (the file name has a dash):
    spec = importlib.util.spec_from_file_location("verify_dma", PATH)
    vd = importlib.util.module_from_spec(spec); spec.loader.exec_module(vd)
    r = vd.dma_split(trace, 4, 5, {"ivshmem": (0xf0000000, 64 << 20)},
                     (0, 2 << 30), "write")
    ok, why = vd.evaluate(r, "p2p", 221184000); print(vd.summary_line(r))
"""
import argparse
import json
import re
import sys

MARKER_NSID = 1
MARKER_BASE = 1023 << 20        # byte offset of marker 0
MARKER_SIZE = 4096
MARKER_COUNT = 256
DEFAULT_RAM = (0, 2 << 30)
THRESHOLD = 0.95

_PREFIX = re.compile(r"^(?:\d+@\d+\.\d+:)?(pci_nvme_\w+)(?: (.*))?$")
_EVENTS = {
    "pci_nvme_io_cmd": re.compile(
        r"cid (\d+) nsid 0x([0-9a-fA-F]+) sqid (\d+) opc 0x([0-9a-fA-F]+) opname '(.*)'$"),
    "pci_nvme_admin_cmd": re.compile(
        r"cid (\d+) sqid (\d+) opc 0x([0-9a-fA-F]+) opname '(.*)'$"),
    "pci_nvme_read": re.compile(
        r"cid (\d+) nsid (\d+) nlb (\d+) count (\d+) lba 0x([0-9a-fA-F]+)$"),
    "pci_nvme_write": re.compile(
        r"cid (\d+) opname '(.*)' nsid (\d+) nlb (\d+) count (\d+) lba 0x([0-9a-fA-F]+)$"),
    "pci_nvme_map_addr": re.compile(r"addr 0x([0-9a-fA-F]+) len (\d+)$"),
    "pci_nvme_map_addr_cmb": re.compile(r"addr 0x([0-9a-fA-F]+) len (\d+)$"),
}


class TraceError(Exception):
    """The trace or the arguments cannot be used (CLI exit status 2)."""


class MarkerError(Exception):
    """A marker is missing or repeated (CLI exit status 1)."""


class _Cmd:
    __slots__ = ("line", "kind", "cid", "opname", "nsid", "direction", "nlb",
                 "count", "lba", "maps", "cmb_bytes")

    def __init__(self, line, kind, cid, opname=None, nsid=None):
        self.line = line
        self.kind = kind            # "io" or "admin"
        self.cid = cid
        self.opname = opname
        self.nsid = nsid
        self.direction = None       # "read" / "write" once the rw line is seen
        self.nlb = self.count = self.lba = None
        self.maps = []              # [(addr, len)]
        self.cmb_bytes = 0          # of them, in the controller's own CMB

    def byte_offset(self):
        if not self.nlb or self.count % self.nlb:
            return None
        return self.lba * (self.count // self.nlb)

    def marker_id(self):
        if self.direction != "read" or self.nsid != MARKER_NSID or self.count != MARKER_SIZE:
            return None
        off = self.byte_offset()
        if off is None or off < MARKER_BASE or (off - MARKER_BASE) % MARKER_SIZE:
            return None
        mid = (off - MARKER_BASE) // MARKER_SIZE
        return mid if mid < MARKER_COUNT else None


def marker_lba(mid, block=512):
    return (MARKER_BASE + mid * MARKER_SIZE) // block


def _commands(path, stats):
    """Yield the trace's commands, each with its mapped addresses."""
    try:
        f = open(path, "r", encoding="utf-8", errors="replace")
    except OSError as e:
        raise TraceError(f"cannot read {path}: {e.strerror}")
    with f:
        yield from _commands_in(f, path, stats)


def _commands_in(f, path, stats):
    cur = None
    have_io_cmd = False
    for n, raw in enumerate(f, 1):
        text = raw.rstrip("\n")
        m = _PREFIX.match(text)
        if not m or m.group(1) not in _EVENTS:
            stats["ignored_lines"] += 1
            continue
        ev, args = m.group(1), m.group(2) or ""
        a = _EVENTS[ev].match(args)
        if not a:
            if not raw.endswith("\n"):
                stats["truncated_last_line"] = True     # QEMU killed mid-line
                continue
            raise TraceError(f"{path}:{n}: cannot parse {ev} line: {text!r}")
        if ev == "pci_nvme_io_cmd" or ev == "pci_nvme_admin_cmd":
            have_io_cmd = True
            if cur is not None:
                yield cur
            if ev == "pci_nvme_io_cmd":
                cur = _Cmd(n, "io", int(a.group(1)), a.group(5), int(a.group(2), 16))
            else:
                cur = _Cmd(n, "admin", int(a.group(1)), a.group(4))
        elif ev in ("pci_nvme_read", "pci_nvme_write"):
            if ev == "pci_nvme_read":
                cid, opname, nsid, nlb, count, lba = (a.group(1), None) + a.groups()[1:]
            else:
                cid, opname, nsid, nlb, count, lba = a.groups()
            cid, nsid = int(cid), int(nsid)
            same = (have_io_cmd and cur is not None and cur.kind == "io"
                    and cur.direction is None and not cur.maps and cur.cid == cid)
            if not same:
                if have_io_cmd:
                    # io_cmd always precedes read/write: this should not happen.
                    stats["rw_without_io_cmd"] += 1
                if cur is not None:
                    yield cur
                cur = _Cmd(n, "io", cid, opname, nsid)
            cur.direction = "read" if ev == "pci_nvme_read" else "write"
            cur.nsid = nsid
            if opname is not None:
                cur.opname = opname
            cur.nlb, cur.count, cur.lba = int(nlb), int(count), int(lba, 16)
        elif ev == "pci_nvme_map_addr":
            addr, ln = int(a.group(1), 16), int(a.group(2))
            if cur is None:
                stats["unattributed_maps"] += 1
                continue
            cur.maps.append((addr, ln))
        else:  # pci_nvme_map_addr_cmb: repeats the map_addr just before it
            addr, ln = int(a.group(1), 16), int(a.group(2))
            if cur is None or not cur.maps or cur.maps[-1] != (addr, ln):
                stats["stray_cmb_maps"] += 1
                continue
            cur.cmb_bytes += ln
    if cur is not None:
        yield cur


def _norm_bars(bars):
    if bars is None:
        return []
    items = bars.items() if hasattr(bars, "items") else bars
    out = []
    for item in items:
        if len(item) == 2:
            name, (start, size) = item
        else:
            name, start, size = item
        out.append((str(name), int(start), int(size)))
    return out


def _split(addr, ln, ranges):
    """[(index or None, bytes)] of [addr, addr+ln) over ranges [(start, end)],
    the first matching range winning where ranges overlap."""
    pieces = [(addr, addr + ln)]
    out = []
    for i, (s, e) in enumerate(ranges):
        rest = []
        for a, b in pieces:
            lo, hi = max(a, s), min(b, e)
            if lo < hi:
                out.append((i, hi - lo))
                if a < lo:
                    rest.append((a, lo))
                if hi < b:
                    rest.append((hi, b))
            else:
                rest.append((a, b))
        pieces = rest
        if not pieces:
            break
    out.extend((None, b - a) for a, b in pieces)
    return out


def dma_split(trace_path, begin, end, bars, ram=DEFAULT_RAM, direction="write", nsids=None):
    """Split the DMA of the window's commands by address.

    bars: {name: (start, size)} or [(name, start, size)]; ram: (start, size);
    direction: "write" (NVMe write commands: the device reads memory) or
    "read"; nsids: None for all, else an iterable of nsids to count.
    Raises TraceError (unusable trace/arguments) or MarkerError.
    """
    if direction not in ("write", "read"):
        raise TraceError(f"direction must be write or read, not {direction!r}")
    for mid in (begin, end):
        if not isinstance(mid, int) or not 0 <= mid < MARKER_COUNT:
            raise TraceError(f"marker IDs are integers 0..{MARKER_COUNT - 1}, not {mid!r}")
    if begin == end:
        raise TraceError("the begin and end markers must differ")
    bars = _norm_bars(bars)
    for name, start, size in bars:
        if start < 0 or size <= 0:
            raise TraceError(f"BAR {name}: bad range {start:#x}+{size}")
    ram_start, ram_size = int(ram[0]), int(ram[1])
    if ram_start < 0 or ram_size <= 0:
        raise TraceError(f"bad RAM range {ram_start:#x}+{ram_size}")
    nsid_set = None if nsids is None else {int(x) for x in nsids}
    ranges = [(s, s + z) for _, s, z in bars] + [(ram_start, ram_start + ram_size)]
    ram_idx = len(bars)

    stats = {"ignored_lines": 0, "truncated_last_line": False, "rw_without_io_cmd": 0,
             "unattributed_maps": 0, "stray_cmb_maps": 0}
    bar_bytes = [0] * len(bars)
    res = {
        "trace": str(trace_path), "begin": begin, "end": end, "direction": direction,
        "nsids": None if nsid_set is None else sorted(nsid_set),
        "bars": [{"name": n, "start": s, "size": z} for n, s, z in bars],
        "ram": {"start": ram_start, "size": ram_size},
        "commands": 0,              # commands of the direction counted
        "command_bytes": 0,         # the bytes those commands asked to move
        "bytes": {"bar": {}, "bar_total": 0, "ram": 0, "elsewhere": 0, "total": 0},
        "own_cmb_bytes": 0,         # of the counted, in the controller's own CMB
        "incomplete_commands": 0,   # mapped bytes != count (failed mapping)
        "not_counted": {"other_direction": {"commands": 0, "bytes": 0},
                        "other_nsid": {"commands": 0, "bytes": 0},
                        "other_commands": {"commands": 0, "bytes": 0},
                        "markers_inside": []},
        "per_nsid": {},
    }
    seen = {}                       # marker id -> [line, ...]
    state = 0                       # 0 before begin, 1 inside, 2 after end
    for cmd in _commands(trace_path, stats):
        mid = cmd.marker_id()
        if mid is not None:
            seen.setdefault(mid, []).append(cmd.line)
            if state == 0 and mid == begin:
                state = 1
                res["begin_line"] = cmd.line
            elif state == 1 and mid == end:
                state = 2
                res["end_line"] = cmd.line
            elif state == 1:
                res["not_counted"]["markers_inside"].append(mid)
            continue
        if state != 1:
            continue
        mapped = sum(ln for _, ln in cmd.maps)
        if cmd.direction is None:
            nc = res["not_counted"]["other_commands"]
        elif cmd.direction != direction:
            nc = res["not_counted"]["other_direction"]
        elif nsid_set is not None and cmd.nsid not in nsid_set:
            nc = res["not_counted"]["other_nsid"]
        else:
            nc = None
        if nc is not None:
            nc["commands"] += 1
            nc["bytes"] += mapped
            continue
        res["commands"] += 1
        res["command_bytes"] += cmd.count
        pn = res["per_nsid"].setdefault(str(cmd.nsid), {"commands": 0, "bytes": 0})
        pn["commands"] += 1
        pn["bytes"] += mapped
        if cmd.maps and mapped != cmd.count:
            res["incomplete_commands"] += 1
        for addr, ln in cmd.maps:
            for idx, nbytes in _split(addr, ln, ranges):
                if idx is None:
                    res["bytes"]["elsewhere"] += nbytes
                elif idx == ram_idx:
                    res["bytes"]["ram"] += nbytes
                else:
                    bar_bytes[idx] += nbytes
        res["own_cmb_bytes"] += cmd.cmb_bytes
    for mid in (begin, end):
        lines = seen.get(mid, [])
        if len(lines) > 1:
            raise MarkerError(f"marker {mid} occurs {len(lines)} times in {trace_path} "
                              f"(lines {', '.join(map(str, lines[:5]))}); marker IDs "
                              "must be unique per VM run")
    if begin not in seen:
        raise MarkerError(f"marker {begin} (begin; 4096-byte read on nsid {MARKER_NSID} at "
                          f"lba {marker_lba(begin):#x}) is not in {trace_path}")
    if end not in seen:
        raise MarkerError(f"marker {end} (end; 4096-byte read on nsid {MARKER_NSID} at "
                          f"lba {marker_lba(end):#x}) is not in {trace_path}")
    if state != 2:
        raise MarkerError(f"marker {end} (end, line {seen[end][0]}) comes before marker "
                          f"{begin} (begin, line {seen[begin][0]}) in {trace_path}")
    for (name, _, _), nb in zip(bars, bar_bytes):
        res["bytes"]["bar"][name] = res["bytes"]["bar"].get(name, 0) + nb
    b = res["bytes"]
    b["bar_total"] = sum(bar_bytes)
    b["total"] = b["bar_total"] + b["ram"] + b["elsewhere"]
    res["trace_stats"] = stats
    return res


def evaluate(res, expect, nbytes):
    """(ok, reason) for expect "p2p" or "bounce" against nbytes frame bytes."""
    if expect not in ("p2p", "bounce"):
        raise TraceError(f"expect must be p2p or bounce, not {expect!r}")
    if not isinstance(nbytes, int) or nbytes <= 0:
        raise TraceError("the frame byte count must be a positive integer")
    b = res["bytes"]
    need = THRESHOLD * nbytes
    if expect == "p2p":
        if not res["bars"]:
            return False, "no BAR range given (--bar)"
        if b["bar_total"] >= need:
            return True, "ok"
        return False, (f"FAIL: {b['bar_total']} bytes in the BAR(s), fewer than "
                       f"{THRESHOLD:.0%} of {nbytes}")
    why = []
    if b["ram"] < need:
        why.append(f"{b['ram']} bytes in RAM, fewer than {THRESHOLD:.0%} of {nbytes}")
    if b["bar_total"] >= (1 - THRESHOLD) * nbytes:
        why.append(f"{b['bar_total']} bytes in the BAR(s), not under "
                   f"{1 - THRESHOLD:.0%} of {nbytes}")
    return (not why), ("ok" if not why else "FAIL: " + "; ".join(why))


def summary_line(res, expect=None, nbytes=None, verdict=None):
    b = res["bytes"]

    def pct(x):
        return f" ({100.0 * x / nbytes:.1f}% of {nbytes} frame bytes)" if nbytes else ""

    parts = [f"{nb} bytes in BAR {name}{pct(nb)}" for name, nb in b["bar"].items()]
    if parts and expect != "bounce":
        parts.append(f"{b['ram']} in RAM")
    else:
        parts.append(f"{b['ram']} bytes in RAM{pct(b['ram'])}")
    head = ", ".join(parts)
    nc = res["commands"]
    s = (f"dma ({res['direction']}, window {res['begin']}-{res['end']}, "
         f"{nc} command{'' if nc == 1 else 's'}): {head}, {b['elsewhere']} elsewhere")
    notes = []
    if res["incomplete_commands"]:
        notes.append(f"{res['incomplete_commands']} commands mapped a length other than "
                     "their own (failed?)")
    if res["own_cmb_bytes"]:
        notes.append(f"{res['own_cmb_bytes']} bytes in the controller's own CMB")
    odd = {k: v for k, v in res.get("trace_stats", {}).items()
           if k in ("rw_without_io_cmd", "unattributed_maps", "stray_cmb_maps") and v}
    if odd:
        notes.append("the trace is not in the expected order: "
                     + ", ".join(f"{k} {v}" for k, v in odd.items()))
    if notes:
        s += " [" + "; ".join(notes) + "]"
    if expect:
        s += f"; expect {expect}: {verdict}"
    return s


def _num(text):
    text = text.strip()
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|\d+)\s*(?:([kKmMgGtT])(?:i?B)?)?", text)
    if not m:
        raise ValueError(text)
    v = int(m.group(1), 16 if m.group(1)[:2] in ("0x", "0X") else 10)
    if m.group(2):
        v <<= {"k": 10, "m": 20, "g": 30, "t": 40}[m.group(2).lower()]
    return v


def _range(text):
    start, sep, size = text.partition(":")
    if not sep:
        raise ValueError(text)
    return _num(start), _num(size)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="verify-dma.py",
        description="Split the storage NVMe's DMA in a marker window of "
                    "nvme-dma.trace by address: device BARs, guest RAM, elsewhere.")
    ap.add_argument("trace", help="the keep dir's nvme-dma.trace")
    ap.add_argument("--begin", required=True, type=int, help="marker ID opening the window")
    ap.add_argument("--end", required=True, type=int, help="marker ID closing the window")
    ap.add_argument("--direction", choices=("write", "read"), default="write",
                    help="write: NVMe write commands (device reads memory, "
                         "data to storage; default); read: read commands")
    ap.add_argument("--bar", action="append", default=[], metavar="NAME=START:SIZE",
                    help="a named bus-address range (hex or decimal; a size may "
                         "end in k, m, g, optionally followed by iB); repeatable")
    ap.add_argument("--ram", default=None, metavar="START:SIZE",
                    help="guest RAM (default 0:2GiB: 2048 MB on q35, all below 4 GiB)")
    ap.add_argument("--nsid", action="append", type=int, default=None,
                    help="count only commands on this nsid (repeatable; default all)")
    ap.add_argument("--expect", choices=("p2p", "bounce"))
    ap.add_argument("--bytes", type=str, default=None, metavar="N",
                    help="the frame bytes the check says it moved")
    ap.add_argument("--json", action="store_true", help="print a JSON object")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2

    def usage(msg):
        print(f"verify-dma: {msg}", file=sys.stderr)
        if args.json:
            print(json.dumps({"ok": False, "error": msg}))
        return 2

    bars = []
    for spec in args.bar:
        name, sep, rng = spec.partition("=")
        if not sep or not name:
            return usage(f"--bar {spec!r}: expected NAME=START:SIZE")
        try:
            start, size = _range(rng)
        except ValueError:
            return usage(f"--bar {spec!r}: expected NAME=START:SIZE (hex or decimal)")
        if any(n == name for n, _, _ in bars):
            return usage(f"--bar {name} given twice")
        bars.append((name, start, size))
    ram = DEFAULT_RAM
    if args.ram is not None:
        try:
            ram = _range(args.ram)
        except ValueError:
            return usage(f"--ram {args.ram!r}: expected START:SIZE")
    nbytes = None
    if args.bytes is not None:
        try:
            nbytes = _num(args.bytes)
        except ValueError:
            return usage(f"--bytes {args.bytes!r}: expected a byte count")
        if nbytes <= 0:
            return usage("--bytes must be positive")
    if args.expect and nbytes is None:
        return usage("--expect needs --bytes N")
    if args.expect == "p2p" and not bars:
        return usage("--expect p2p needs at least one --bar")

    try:
        res = dma_split(args.trace, args.begin, args.end, bars, ram, args.direction,
                        args.nsid)
    except TraceError as e:
        return usage(str(e))
    except MarkerError as e:
        msg = f"dma ({args.direction}, window {args.begin}-{args.end}): FAIL: {e}"
        print(msg, file=sys.stderr if args.json else sys.stdout)
        if args.json:
            print(json.dumps({"ok": False, "error": str(e), "begin": args.begin,
                              "end": args.end, "direction": args.direction}))
        return 1
    ok, verdict = True, None
    if args.expect:
        ok, verdict = evaluate(res, args.expect, nbytes)
    res["frame_bytes"] = nbytes
    res["expect"] = args.expect
    res["ok"] = ok
    res["verdict"] = verdict
    line = summary_line(res, args.expect, nbytes, verdict)
    res["summary"] = line
    if args.json:
        print(json.dumps(res))
    else:
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
