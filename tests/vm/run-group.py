#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One VM group as one TAP test of meson test: boot the emulated PCIe
machine once (tools/p2pbuf-vm), run the guest checks (guest-suite.sh),
verify from the host what they claim (device backing files, disk images,
QEMU's trace of the NVMe DMA), and print TAP with one line per check of
the group's manifest.

run-group.py BUILD_DIR KERNEL TOPOLOGY [--keep DIR] [--only PATTERN]
PATTERN: globs separated by | (the checks to run; load and bind-ivshmem
always run).

The manifest is `guest-suite.sh --list KERNEL TOPOLOGY`. A check that did
not run (the VM crashed or timed out, the kernel or the module is
missing) is "not ok" with the reason; so is a check declared --host that
registered no host verification. "kernel-log" is the boot as a whole:
p2pbuf-vm's own verdict, which includes the final dmesg and kmemleak scan.
While the guest runs, this script answers its requests (host_sync in
guest-suite.sh): poison the ivshmem BAR's backing file, or verify now the
device memory that later checks reuse.
"""
import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
VM = os.path.join(SRC, "tools", "p2pbuf-vm")
POISON = os.path.join(SRC, "tools", "vm", "poison.py")

VM_EXIT = {
    90: "the kernel log has reports (WARNING, BUG, KASAN, lockdep, kmemleak)",
    91: "timeout: the VM did not finish",
    92: "the guest stopped without reporting a status (panic or init failure)",
    93: "QEMU failed",
    77: "the kernel is missing (debug: tools/p2pbuf-vm build-kernel; newest: tools/p2pbuf-vm fetch-newest)",
    2: "p2pbuf-vm usage error",
}
IMMEDIATE = ("frames", "bytes", "v4l2ctl", "sample")  # device memory that later checks reuse


def log(msg):
    print(f"run-group: {msg}", file=sys.stderr, flush=True)


def manifest(kernel, topo):
    r = subprocess.run(["bash", os.path.join(HERE, "guest-suite.sh"), "--list", kernel, topo],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"run-group: guest-suite.sh --list failed: {r.stderr.strip()}")
    out = []
    for line in r.stdout.splitlines():
        name, _, flags = line.partition("\t")
        out.append((name, "host" in flags.split()))
    return out


class HostChecks:
    """The host verifications the guest registered in host-checks.tsv."""

    def __init__(self, keep):
        self.keep = keep
        self.done = {}  # line index -> (ok, output lines)
        self.lock = threading.Lock()

    def lines(self):
        path = os.path.join(self.keep, "host-checks.tsv")
        if not os.path.exists(path):
            return []
        return [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]

    def command(self, f):
        k = self.keep
        check, kind, base = f[0], f[1], f[2]
        rest = f[3:]
        py = [sys.executable]
        if kind == "frames":
            return py + [os.path.join(HERE, "verify-frames.py"), "--bar-base",
                         open(os.path.join(k, base + ".barbase")).read().strip(),
                         os.path.join(k, base + ".manifest"), os.path.join(k, rest[0]),
                         os.path.join(k, base + ".ref")]
        if kind in ("bytes", "storage"):
            return py + [os.path.join(HERE, "verify-storage.py"),
                         "bytes" if kind == "bytes" else "frames",
                         os.path.join(k, base), os.path.join(k, rest[0])]
        if kind == "gst":
            return py + [os.path.join(HERE, "verify-gst.py"), os.path.join(k, base),
                         os.path.join(k, rest[0])]
        if kind == "dvb":
            return py + [os.path.join(HERE, "verify-ts.py"), "--offset", rest[1],
                         "--length", rest[2], os.path.join(k, rest[0])]
        if kind == "sample":
            return py + [os.path.join(HERE, "verify-sample.py"), "bar", os.path.join(k, base),
                         os.path.join(k, rest[0]), os.path.join(k, "sample.ref")]
        if kind == "v4l2ctl":
            return py + [os.path.join(HERE, "verify-v4l2ctl.py"), os.path.join(k, base),
                         os.path.join(k, rest[0]), rest[1]]
        if kind == "dma":
            trace, begin, end, expect, direction, nbytes, bar = rest
            return py + [os.path.join(HERE, "verify-dma.py"),
                         os.path.join(k, trace), "--begin", begin, "--end", end,
                         "--expect", expect, "--direction", direction,
                         "--bytes", nbytes, "--bar", bar]
        raise ValueError(f"unknown host check kind {kind!r} (check {check})")

    def run(self, kinds=None):
        """Run the registered checks not run yet (only KINDS if given);
        returns False when one of them failed."""
        ok = True
        with self.lock:
            for i, f in enumerate(self.lines()):
                if i in self.done or len(f) < 4 or (kinds and f[1] not in kinds):
                    continue
                try:
                    cmd = self.command(f)
                    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
                    out = (r.stdout + r.stderr).strip().splitlines()
                    good = r.returncode == 0
                    if any(x.startswith("Traceback") for x in out):
                        # the summary shows the first lines: lead with the exception
                        out.insert(0, f"{out[-1]} (a Python exception in the verifier; "
                                   "its traceback follows in the log)")
                except (OSError, ValueError, IndexError, subprocess.TimeoutExpired) as e:
                    out, good = [f"cannot run the {f[1]} verification: {e}"], False
                self.done[i] = (good, [f"host {f[1]} {f[2] if f[2] != '-' else ''}".rstrip()
                                       + (": ok" if good else ": FAILED")] + out)
                for line in self.done[i][1]:
                    log(f"[{f[0]}] {line}")
                ok = ok and good
        return ok

    def for_check(self, name):
        res = []
        for i, f in enumerate(self.lines()):
            if f[0] == name:
                res.append(self.done.get(i, (False, [f"host {f[1]}: not run"])))
        return res


def watch(keep, checks, stop):
    """Answer the guest's host_sync requests until STOP is set."""
    n = 1
    while not stop.is_set():
        req = os.path.join(keep, f"host-sync.req.{n}")
        if not os.path.exists(req):
            time.sleep(0.1)
            continue
        what = open(req).read().strip()
        answer = "ok"
        if what == "poison-ivshmem":
            r = subprocess.run([sys.executable, POISON, os.path.join(keep, "ivshmem.bin")],
                               capture_output=True, text=True)
            if r.returncode != 0:
                answer = "poisoning ivshmem.bin failed: " + r.stderr.strip()
        elif what == "verify":
            if not checks.run(IMMEDIATE):
                answer = "fail: the host found the data wrong (see the check's host lines)"
        else:
            answer = f"unknown request {what!r}"
        tmp = os.path.join(keep, f".host-sync.ack.{n}")
        with open(tmp, "w") as f:
            f.write(answer + "\n")
        os.rename(tmp, os.path.join(keep, f"host-sync.ack.{n}"))
        n += 1


def guest_results(keep):
    res = {}
    path = os.path.join(keep, "results.tsv")
    if os.path.exists(path):
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            if len(f) >= 2:
                res[f[0]] = (f[1], f[2] if len(f) > 2 else "", f[3] if len(f) > 3 else "")
    return res


def tap_line(n, ok, name, skip=None):
    s = f"{'ok' if ok else 'not ok'} {n} - {name}"
    if skip:
        s += f" # SKIP {skip}"
    print(s, flush=True)


def diag(lines):
    for line in lines:
        print(f"# {line}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("kernel")
    ap.add_argument("topology")
    ap.add_argument("--keep", default=None)
    ap.add_argument("--only", default="*")
    ap.add_argument("--timeout", type=int, default=1500)
    a = ap.parse_args()
    build = os.path.realpath(a.build)
    group = f"{a.kernel}-{a.topology}"
    keep = a.keep or f"/var/tmp/p2pbuf-vm-{group}"
    mf = [(n, h) for n, h in manifest(a.kernel, a.topology)
          if n in ("load", "bind-ivshmem") or
          any(fnmatch.fnmatch(n, p) for p in a.only.split("|"))]
    print("TAP version 13", flush=True)
    print(f"# {group}: {len(mf)} checks + kernel-log; backing files and logs in {keep}", flush=True)

    # What the group needs before it can run at all
    why_not = None
    ko = os.path.join(build, "kernel", f"p2pbuf-{a.kernel}.ko")
    r = subprocess.run([VM, "kernel-release", a.kernel], capture_output=True, text=True)
    if r.returncode != 0:
        why_not = f"no {a.kernel} kernel: {r.stderr.strip()}"
    elif not os.path.exists(ko):
        why_not = (f"{ko} was not built (meson found no {a.kernel} kernel tree at "
                   "configure time; run tools/p2pbuf-vm build-kernel or fetch-newest, then reconfigure)")
    if why_not:
        n = 0
        for name, _ in mf + [("kernel-log", False)]:
            n += 1
            tap_line(n, False, name)
            diag([f"did not run: {why_not}"])
        print(f"1..{n}")
        return 1

    if os.path.isdir(keep):
        shutil.rmtree(keep)
    os.makedirs(keep)
    checks = HostChecks(keep)
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(keep, checks, stop), daemon=True)
    watcher.start()
    # split: no P2P path between the devices, and an IOMMU as on a server
    # (each root port its own IOMMU group: vfio-pci can take one device)
    iommu = ["--iommu"] if a.topology == "split" else []
    cmd = [VM, "run", "--poison", "--kernel", a.kernel, "--topology", a.topology, *iommu,
           "--keep", keep, "--timeout", str(a.timeout), "--",
           os.path.join(HERE, "guest-suite.sh"), build, a.topology]
    if a.only != "*":
        cmd.append(a.only)
    t0 = time.time()
    with open(os.path.join(keep, "suite.log"), "w") as logf:
        # from the source root: p2pbuf-vm shares the working directory with
        # the guest, which needs all of it (tools/vm, tests/vm), also when
        # the checkout is under /tmp, /var/tmp or /root (tmpfs in the guest)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             cwd=SRC)
        for line in p.stdout:
            logf.write(line)
            sys.stderr.write(line)
        rc = p.wait()
    stop.set()
    watcher.join()
    dt = time.time() - t0
    log(f"p2pbuf-vm exit {rc} after {dt:.0f} s")
    checks.run()
    res = guest_results(keep)
    if rc == 0:
        vm_why = None
    elif rc in VM_EXIT:
        vm_why = f"p2pbuf-vm exit {rc}: {VM_EXIT[rc]}"
    else:
        vm_why = f"guest-suite.sh exit {rc}"

    n = 0
    failed = 0
    for name, needs_host in mf:
        n += 1
        notes = []
        if name not in res:
            ok = False
            notes.append(f"did not run: {vm_why or 'the guest suite ended before it'} "
                         f"(see {keep}/suite.log, console.log)")
            st = None
        else:
            st, secs, note = res[name]
            ok = st in ("pass", "skip")
            notes.append(f"guest: {st} in {secs} s" + (f": {note}" if note else ""))
            if st == "fail":
                logp = os.path.join(keep, name + ".log")
                if os.path.exists(logp):
                    notes += [l.rstrip() for l in open(logp).readlines()[-15:]]
        hosts = checks.for_check(name)
        if st == "pass" and needs_host and not hosts:
            ok = False
            notes.append("no host verification registered: the data was never checked from outside")
        for good, lines in hosts:
            ok = ok and good
            notes += lines
        skip = (res[name][2] or "no reason given") if st == "skip" and ok else None
        tap_line(n, ok, name, skip)
        diag(notes)
        failed += not ok
    # set-up steps that failed are reported as failures too
    for name, (st, _, note) in res.items():
        if name.startswith("setup-") and st != "pass":
            n += 1
            tap_line(n, False, name)
            diag([f"set-up step failed: {note}"])
            failed += 1
    n += 1
    tap_line(n, rc == 0, "kernel-log")
    diag([f"boot, checks and the final dmesg/kmemleak scan: {vm_why or 'clean'} ({dt:.0f} s)"])
    failed += rc != 0
    print(f"1..{n}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
