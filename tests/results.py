#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The results of one `meson test` run, one line per test:
    NAME<TAB>pass|fail|skip<TAB>SECONDS<TAB>NOTE
A TAP test (the VM groups) gives one line per subtest, named
PREFIX/TEST/SUBTEST, from meson's JUnit log; its notes come from the TAP
diagnostics that follow the subtest's line. A test whose run as a whole
failed (timeout, crash, TAP error) with no failing subtest gets a line of
its own, so nothing that went wrong is lost.

results.py BUILD_DIR PREFIX STARTED_AT
Fails (exit 1) when meson wrote no log after STARTED_AT (a stale log from
an earlier run is never counted again).
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

OK = {"OK": "pass", "EXPECTEDFAIL": "pass", "SKIP": "skip"}


def tap_notes(stdout):
    """subtest name -> the diagnostic lines after its TAP line"""
    notes, cur = {}, None
    for line in (stdout or "").splitlines():
        m = re.match(r"(?:not )?ok\s+\d+\s*-?\s*([^#]*)", line)
        if m:
            cur = m.group(1).strip()
            notes[cur] = []
        elif line.startswith("#") and cur is not None:
            notes[cur].append(line[1:].strip())
    return notes


def main():
    build, prefix, started = sys.argv[1], sys.argv[2], float(sys.argv[3])
    logs = os.path.join(build, "meson-logs")
    jpath = os.path.join(logs, "testlog.json")
    xpath = os.path.join(logs, "testlog.junit.xml")
    for p in (jpath, xpath):
        if not os.path.exists(p) or os.path.getmtime(p) < started:
            print(f"{prefix}/meson-test\tfail\t0\tmeson test wrote no {os.path.basename(p)} "
                  "in this run")
            return 1
    # meson copies test output into the XML as it is: control characters
    # (colour escapes of GST_DEBUG, CR of progress lines) are not XML 1.0
    with open(xpath, "rb") as f:
        xml = re.sub(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", b"?", f.read())
    suites = {s.get("name"): s for s in ET.fromstring(xml).iter("testsuite")}
    for line in open(jpath):
        t = json.loads(line)
        full, res = t["name"], t["result"]
        # "p2pbuf:vm+vm-debug-split / vm-debug-split" -> "vm-debug-split"
        name = full.rsplit(" / ", 1)[-1]
        suite = suites.get(f"p2pbuf.{full}") or suites.get(f"p2pbuf.{name}")
        cases = suite.findall("testcase") if suite is not None else []
        if not cases:
            st = OK.get(res, "fail")
            note = "" if st == "pass" else res
            if st == "skip":
                note = "skipped: " + ((t.get("stdout") or "").strip().splitlines() or ["no reason given"])[-1]
            print(f"{prefix}/{name}\t{st}\t{t['duration']:.1f}\t{note}")
            continue
        notes = tap_notes(t.get("stdout"))
        any_fail = False
        for c in cases:
            sub = re.sub(r"^\d+\s*(-\s*)?", "", c.get("name", ""))
            if c.find("failure") is not None or c.find("error") is not None:
                st = "fail"
                any_fail = True
            elif c.find("skipped") is not None:
                st = "skip"
            else:
                st = "pass"
            note = " | ".join(notes.get(sub, [])[:3]) if st != "pass" else ""
            print(f"{prefix}/{name}/{sub}\t{st}\t0\t{note[:400]}")
        if res not in OK and not any_fail:
            print(f"{prefix}/{name}\tfail\t{t['duration']:.1f}\tthe test as a whole: {res}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
