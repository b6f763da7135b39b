#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check an MPEG transport stream independently of p2pbuf's code.

    verify-ts.py [--offset N] [--length N] [--pid PID] [--min-seconds S] FILE

Every 188-byte packet must start with 0x47. The checked PID is --pid, or
the first video stream of the first program (PAT -> PMT), or, when the
program has no video (vidtv sends SMPTE 302M audio only), its first
elementary stream. Its continuity counters must have no gap (ISO/IEC
13818-1 2.4.3.3: packets without payload do not advance the counter, one
duplicate is allowed, the discontinuity indicator restarts it). The PCRs
on the program's PCR PID must span at least --min-seconds (27 MHz clock).
Exit 0 when all holds, 1 otherwise; the last line is the verdict.
"""
import argparse
import sys

PKT = 188
VIDEO_TYPES = {0x01, 0x02, 0x10, 0x1B, 0x24, 0x42, 0xEA}
PCR_WRAP = (1 << 33) * 300


def section(payload):
    """The section starting in a payload_unit_start payload."""
    ptr = payload[0]
    return payload[1 + ptr:]


def parse_pat(sec):
    if len(sec) < 8 or sec[0] != 0x00:
        return []
    length = ((sec[1] & 0x0F) << 8) | sec[2]
    body = sec[8:3 + length - 4]
    out = []
    for i in range(0, len(body) - 3, 4):
        prog = (body[i] << 8) | body[i + 1]
        pid = ((body[i + 2] & 0x1F) << 8) | body[i + 3]
        if prog != 0:
            out.append(pid)
    return out


def parse_pmt(sec):
    if len(sec) < 12 or sec[0] != 0x02:
        return None
    length = ((sec[1] & 0x0F) << 8) | sec[2]
    end = 3 + length - 4
    pcr_pid = ((sec[8] & 0x1F) << 8) | sec[9]
    info_len = ((sec[10] & 0x0F) << 8) | sec[11]
    i = 12 + info_len
    streams = []
    while i + 5 <= end and i + 5 <= len(sec):
        stype = sec[i]
        pid = ((sec[i + 1] & 0x1F) << 8) | sec[i + 2]
        es_len = ((sec[i + 3] & 0x0F) << 8) | sec[i + 4]
        streams.append((stype, pid))
        i += 5 + es_len
    return pcr_pid, streams


def packets(data):
    for off in range(0, len(data) - len(data) % PKT, PKT):
        yield off, data[off:off + PKT]


def header(p):
    pid = ((p[1] & 0x1F) << 8) | p[2]
    afc = (p[3] >> 4) & 3
    cc = p[3] & 0x0F
    af_len = p[4] if afc & 2 else 0
    payload_at = 4 + (1 + af_len if afc & 2 else 0)
    return pid, afc, cc, af_len, payload_at


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--length", type=int, default=-1)
    ap.add_argument("--pid", type=lambda s: int(s, 0))
    ap.add_argument("--min-seconds", type=float, default=10.0)
    a = ap.parse_args()

    with open(a.file, "rb") as f:
        f.seek(a.offset)
        data = f.read(a.length) if a.length >= 0 else f.read()
    fails = []
    if a.length >= 0 and len(data) != a.length:
        fails.append(f"short file: {len(data)} of {a.length} bytes")
    if not data:
        print("FAIL: no data")
        return 1
    if len(data) % PKT:
        fails.append(f"{len(data)} bytes is not a whole number of packets")
    n = len(data) // PKT

    bad_sync = [off for off, p in packets(data) if p[0] != 0x47]
    if bad_sync:
        fails.append(f"{len(bad_sync)} packets without sync byte, first at +{bad_sync[0]}")

    # PAT -> first program's PMT
    pmt_pids, pmt = [], None
    for _, p in packets(data):
        if p[0] != 0x47 or not (p[1] & 0x40):
            continue
        pid, afc, _, _, at = header(p)
        if not afc & 1:
            continue
        if pid == 0 and not pmt_pids:
            pmt_pids = parse_pat(section(p[at:]))
        elif pmt_pids and pid == pmt_pids[0]:
            pmt = parse_pmt(section(p[at:]))
            if pmt:
                break
    pcr_pid, streams = pmt if pmt else (None, [])
    pid = a.pid
    how = "--pid"
    if pid is None:
        video = [s for s in streams if s[0] in VIDEO_TYPES]
        if video:
            pid, how = video[0][1], f"video (stream type 0x{video[0][0]:02x})"
        elif streams:
            pid, how = streams[0][1], f"no video in the PMT: first stream (type 0x{streams[0][0]:02x})"
        else:
            print(f"FAIL: no PMT found in {n} packets (PAT programs at PIDs {pmt_pids}); give --pid")
            return 1
    if pcr_pid is None or pcr_pid == 0x1FFF:
        pcr_pid = pid

    # continuity on the checked PID; PCRs on the PCR PID
    last, dup, gaps, seen = None, False, 0, 0
    first_pcr = prev_pcr = None
    span = 0
    for off, p in packets(data):
        if p[0] != 0x47:
            continue
        ppid, afc, cc, af_len, _ = header(p)
        disc = bool(afc & 2 and af_len > 0 and p[5] & 0x80)
        if ppid == pcr_pid and afc & 2 and af_len >= 7 and p[5] & 0x10:
            base = (p[6] << 25) | (p[7] << 17) | (p[8] << 9) | (p[9] << 1) | (p[10] >> 7)
            ext = ((p[10] & 1) << 8) | p[11]
            pcr = base * 300 + ext
            if first_pcr is None:
                first_pcr = pcr
            elif disc:
                pass
            else:
                span += (pcr - prev_pcr) % PCR_WRAP
            prev_pcr = pcr
        if ppid != pid or p[1] & 0x80:
            continue
        seen += 1
        if disc:
            last, dup = cc, False
            continue
        if not afc & 1:
            continue
        if last is None:
            last = cc
        elif cc == last:
            if dup:
                gaps += 1
            dup = True
        else:
            if cc != (last + 1) & 0x0F:
                gaps += 1
            last, dup = cc, False
    seconds = span / 27e6
    if not seen:
        fails.append(f"no packet on PID 0x{pid:x}")
    if gaps:
        fails.append(f"{gaps} continuity gaps on PID 0x{pid:x}")
    if first_pcr is None:
        fails.append(f"no PCR on PID 0x{pcr_pid:x}")
    elif seconds < a.min_seconds:
        fails.append(f"PCRs span {seconds:.2f} s < {a.min_seconds} s")

    print(f"{n} packets ({len(data)} bytes); PID 0x{pid:x} [{how}]: {seen} packets, "
          f"{gaps} CC gaps; PCR PID 0x{pcr_pid:x}: {seconds:.2f} s")
    if fails:
        print("FAIL: " + "; ".join(fails))
        return 1
    print(f"PASS: {n} packets all in sync, PID 0x{pid:x} continuous over {seen} packets, "
          f"{seconds:.2f} s of PCR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
