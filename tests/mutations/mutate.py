# SPDX-License-Identifier: MIT
"""Show that the VM checks can fail: put deliberate faults (mutations.py)
into a scratch copy of the tree, build it, run only the VM checks that
should catch each fault, and report per mutation which check caught it
(and its first failure line) or that none did. Not part of the normal test
run; started by tests/mutate.sh (see there for the options).

Before the mutations of a group, the unmutated copy runs the same checks
once (the baseline): a check that fails without any fault proves nothing
when it fails with one.
"""
import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import mutations  # noqa: E402

DEFAULT_DIR = "/var/cache/p2pbuf-mutate"


def say(msg):
    print(f"mutate: {msg}", flush=True)


def run(cmd, log=None, **kw):
    """Run CMD; its output goes to LOG (appended) or is returned."""
    if log:
        with open(log, "a") as f:
            f.write(f"$ {' '.join(cmd)}\n")
            f.flush()
            return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, **kw).returncode
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ------------------------------------------------------------ the scratch copy

def snapshot(repo, dest):
    """Git-tracked files as they are in the working tree (uncommitted changes
    included) plus untracked files git does not ignore; never build dirs."""
    r = run(["git", "-C", repo, "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"])
    if r.returncode:
        raise SystemExit(f"mutate: git ls-files failed in {repo}: {r.stderr.strip()}")
    if os.path.exists(dest):
        shutil.rmtree(dest)
    n = 0
    for rel in sorted(set(p for p in r.stdout.split("\0") if p)):
        src = os.path.join(repo, rel)
        if not os.path.lexists(src) or os.path.isdir(src):
            continue  # deleted in the working tree, or a submodule
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel), follow_symlinks=False)
        n += 1
    return n


def files_under(root):
    out = set()
    for d, _, fs in os.walk(root):
        for f in fs:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out


def same(a, b):
    if os.path.islink(a) or os.path.islink(b):
        return os.path.islink(a) and os.path.islink(b) and os.readlink(a) == os.readlink(b)
    if not os.path.exists(b) or os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def sync_tree(pristine, work):
    """Make WORK equal to PRISTINE. Only files whose content differs are
    copied, with a new mtime, so ninja rebuilds exactly what changed (a
    restored old mtime would leave a mutated object file in place)."""
    changed = []
    want = files_under(pristine)
    for rel in sorted(want):
        a, b = os.path.join(pristine, rel), os.path.join(work, rel)
        if same(a, b):
            continue
        os.makedirs(os.path.dirname(b), exist_ok=True)
        if os.path.lexists(b):
            os.unlink(b)
        if os.path.islink(a):
            os.symlink(os.readlink(a), b)
        else:
            shutil.copyfile(a, b)
            shutil.copymode(a, b)
        changed.append(rel)
    for rel in sorted(files_under(work) - want):
        os.unlink(os.path.join(work, rel))
        changed.append(rel)
    return changed


# ------------------------------------------------------------------ building

def kernel_ready(src, kernel):
    return run([os.path.join(src, "tools", "p2pbuf-vm"), "kernel-release", kernel]).returncode == 0


def build(src, bdir, log, kernels):
    """Configure (once) and build; reconfigure when a kernel's module is
    wanted but was not configured (the debug kernel appeared later).
    Returns None or why the build failed."""
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        if run(["meson", "setup", bdir, src, "-Dkernel_module=enabled",
                "-Dgstreamer=enabled"], log=log):
            return f"meson setup failed (see {log})"
    if run(["ninja", "-C", bdir], log=log):
        return f"ninja failed (see {log})"
    missing = [k for k in kernels
               if not os.path.exists(os.path.join(bdir, "kernel", f"p2pbuf-{k}.ko"))]
    if missing:
        if run(["meson", "setup", "--reconfigure", bdir, src], log=log) or \
                run(["ninja", "-C", bdir], log=log):
            return f"reconfigure/ninja failed (see {log})"
        missing = [k for k in missing
                   if not os.path.exists(os.path.join(bdir, "kernel", f"p2pbuf-{k}.ko"))]
        if missing:
            return f"p2pbuf-{missing[0]}.ko was not built (see {log})"
    return None


# ------------------------------------------------------------------ VM runs

def parse_tap(text):
    """[(name, ok, [diagnostic lines])] from run-group.py's TAP."""
    tests = []
    for line in text.splitlines():
        m = re.match(r"^(ok|not ok) \d+ - (.*?)( # SKIP.*)?$", line)
        if m:
            tests.append((m.group(2), m.group(1) == "ok", []))
        elif line.startswith("# ") and tests:
            tests[-1][2].append(line[2:])
    return tests


def first_failure(diag):
    """The most telling line of a failed check's diagnostics: the first
    line of a host verification that failed, else the guest's note."""
    for i, line in enumerate(diag):
        if re.match(r"^host \w+.*: FAILED$", line):
            nxt = diag[i + 1] if i + 1 < len(diag) else ""
            return f"{line.split(':')[0]}: {nxt}" if nxt else line
    for line in diag:
        if line.startswith("guest: fail") or line.startswith("did not run"):
            return line
    return diag[0] if diag else "(no diagnostics)"


def vm_run(src, bdir, kernel, topo, only, label, dirs, keep_vm):
    keep = os.path.join(dirs["vm"], label)
    tap_path = os.path.join(dirs["logs"], label + ".tap")
    log_path = os.path.join(dirs["logs"], label + ".log")
    cmd = [sys.executable, os.path.join(src, "tests", "vm", "run-group.py"), bdir,
           kernel, topo, "--only", only, "--keep", keep]
    t0 = time.time()
    with open(tap_path, "w") as tap, open(log_path, "w") as log:
        log.write(f"$ {' '.join(cmd)}\n")
        log.flush()
        rc = subprocess.run(cmd, stdout=tap, stderr=log).returncode
    secs = time.time() - t0
    tests = parse_tap(open(tap_path).read())
    # the small files of the run survive the keep dir
    for f in ("suite.log", "results.tsv", "host-checks.tsv"):
        p = os.path.join(keep, f)
        if os.path.exists(p):
            shutil.copy(p, os.path.join(dirs["logs"], f"{label}.{f}"))
    if not keep_vm and os.path.isdir(keep):
        shutil.rmtree(keep, ignore_errors=True)
    return rc, tests, secs


# ------------------------------------------------------------------ results

def md_cell(s):
    return s.replace("|", "\\|")


def write_results(path_tsv, path_md, rows, header):
    with open(path_tsv, "w") as f:
        f.write("mutation\tgroup\tchecks run\tresult\tdetail\tseconds\n")
        for r in rows:
            f.write("\t".join([r["mutation"], r["group"], r["checks"], r["result"],
                               r["detail"], f"{r['secs']:.0f}"]) + "\n")
    with open(path_md, "w") as f:
        f.write(header + "\n\n")
        f.write("| mutation | group | checks run | result |\n|---|---|---|---|\n")
        for r in rows:
            res = r["result"] + (f": {r['detail']}" if r["detail"] else "")
            f.write(f"| {md_cell(r['mutation'])} | {r['group']} | {md_cell(r['checks'])} "
                    f"| {md_cell(res)} |\n")


def print_table(rows):
    w = [max(len(r[k]) for r in rows + [dict(mutation="mutation", group="group",
                                               checks="checks run")])
         for k in ("mutation", "group", "checks")]
    print(f"{'mutation':<{w[0]}}  {'group':<{w[1]}}  {'checks run':<{w[2]}}  result")
    for r in rows:
        res = r["result"] + (f": {r['detail']}" if r["detail"] else "")
        print(f"{r['mutation']:<{w[0]}}  {r['group']:<{w[1]}}  {r['checks']:<{w[2]}}  {res}")


def is_setup(name):
    """guest-suite.sh set-up steps (reported as "setup-NAME") are not checks,
    and run-group.py --only does not filter them: one whose work only the
    filtered-out checks needed can fail in a --only run (setup-gst-umount:
    "/mnt not mounted" when the gst checks that mount /mnt did not run).
    They are listed, never counted as the check that caught a mutation."""
    return name.startswith("setup-")


def checks_run(tests, only):
    names = [n for n, _, _ in tests if not is_setup(n)]
    extra = [n for n in names if n != only]
    if only in names:
        return f"{only} (+{', '.join(extra)})" if extra else only
    return ", ".join(names) or "(none)"


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(
        prog="tests/mutate.sh",
        description="Apply deliberate faults to a scratch copy of the tree and check "
                    "that the VM checks catch each one.")
    ap.add_argument("--dir", default=os.environ.get("P2PBUF_MUTATE_DIR", DEFAULT_DIR),
                    help=f"scratch directory (default {DEFAULT_DIR}; must be visible "
                         "to the VM guest: not under /tmp, /var/tmp, /run, /root)")
    ap.add_argument("--only", action="append", default=[], metavar="MUTATION[,...]",
                    help="run only these mutations (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--keep-dir", action="store_true",
                    help="keep the scratch sources, build and VM keep dirs afterwards")
    ap.add_argument("--results", default=None, metavar="PREFIX",
                    help="write PREFIX.tsv and PREFIX.md (default DIR/results)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the runs of the unmutated tree (the table says so)")
    ap.add_argument("--wait-debug", type=int, default=0, metavar="MINUTES",
                    help="wait up to MINUTES for the debug kernel (tools/p2pbuf-vm "
                         "build-kernel running elsewhere), polling once a minute")
    a = ap.parse_args()

    ms = mutations.MUTATIONS
    if a.list:
        for m in ms:
            print(f"{m['name']:<26} {m['kernel']}-{m['topology']:<7} {m['check']:<18} {m['what']}"
                  + (" [probe: only with --only]" if m["probe"] else ""))
        return 0
    want = [n for o in a.only for n in o.split(",") if n]
    unknown = [n for n in want if n not in {m["name"] for m in ms}]
    if unknown:
        print(f"mutate: unknown mutation(s): {', '.join(unknown)} (see --list)", file=sys.stderr)
        return 2
    if want:
        ms = [m for m in ms if m["name"] in want]
    else:
        ms = [m for m in ms if not m["probe"]]
    d = os.path.realpath(a.dir)
    for hidden in ("/tmp", "/var/tmp", "/run", "/root"):
        if d == hidden or d.startswith(hidden + "/"):
            print(f"mutate: {d} is under {hidden}, a tmpfs in the VM guest: choose "
                  "another --dir", file=sys.stderr)
            return 2
    if d == REPO or d.startswith(REPO + "/"):
        print(f"mutate: --dir {d} is inside the repository", file=sys.stderr)
        return 2
    dirs = {k: os.path.join(d, k) for k in ("orig", "src", "build", "vm", "logs")}
    prefix = a.results or os.path.join(d, "results")
    os.makedirs(d, exist_ok=True)
    if os.path.isdir(dirs["logs"]):
        shutil.rmtree(dirs["logs"])
    for k in ("vm", "logs"):
        os.makedirs(dirs[k], exist_ok=True)
    t_start = time.time()

    n = snapshot(REPO, dirs["orig"])
    head = run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).stdout.strip()
    dirty = run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=normal"]).stdout
    say(f"snapshot of {REPO} ({head}{', with uncommitted changes' if dirty.strip() else ''}): "
        f"{n} files in {dirs['orig']}")
    os.makedirs(dirs["src"], exist_ok=True)
    sync_tree(dirs["orig"], dirs["src"])
    src, bdir = dirs["src"], dirs["build"]
    build_log = os.path.join(dirs["logs"], "build.log")

    # stock groups first, then debug (the debug kernel may still be building)
    ms = sorted(ms, key=lambda m: (m["kernel"] != "stock",))
    rows = []
    kernels_seen = {}
    baselines = {}
    all_ok = True
    for m in ms:
        group = f"{m['kernel']}-{m['topology']}"
        row = dict(mutation=m["name"], group=group, checks=m["check"], result="", detail="",
                   secs=0.0)
        if m["kernel"] not in kernels_seen:
            if not kernel_ready(src, m["kernel"]) and a.wait_debug and m["kernel"] == "debug":
                say(f"waiting up to {a.wait_debug} min for the debug kernel")
                for _ in range(a.wait_debug):
                    time.sleep(60)
                    if kernel_ready(src, m["kernel"]):
                        break
            r = run([os.path.join(src, "tools", "p2pbuf-vm"), "kernel-release", m["kernel"]])
            kernels_seen[m["kernel"]] = r.stdout.strip() if r.returncode == 0 else None
        if not kernels_seen[m["kernel"]]:
            row.update(result="NOT RUN", detail=f"no {m['kernel']} kernel "
                       "(tools/p2pbuf-vm build-kernel; --wait-debug MINUTES)")
            rows.append(row)
            all_ok = False
            say(f"{m['name']}: not run: no {m['kernel']} kernel")
            continue
        built = [k for k, v in kernels_seen.items() if v]

        # the unmutated tree, once per group and pattern
        key = (m["kernel"], m["topology"], m["check"])
        if not a.no_baseline and key not in baselines:
            sync_tree(dirs["orig"], src)
            say(f"baseline {group} --only {m['check']}: building")
            why = build(src, bdir, build_log, built)
            brow = dict(mutation="baseline (unmutated)", group=group, checks=m["check"],
                        result="", detail="", secs=0.0)
            if why:
                brow.update(result="BUILD FAILED", detail=why)
            else:
                say(f"baseline {group} --only {m['check']}: running")
                rc, tests, secs = vm_run(src, bdir, m["kernel"], m["topology"], m["check"],
                                         f"baseline-{group}-{m['check']}", dirs, a.keep_dir)
                bad = [(nm, dg) for nm, ok, dg in tests if not ok and not is_setup(nm)]
                setup_bad = [(nm, dg) for nm, ok, dg in tests if not ok and is_setup(nm)]
                real = [nm for nm, _, _ in tests if not is_setup(nm)]
                brow.update(checks=checks_run(tests, m["check"]), secs=secs)
                if m["check"] in real and not bad:
                    brow.update(result="PASS", detail=f"all {len(real)} checks ok")
                    if setup_bad:
                        brow["detail"] += "; " + "; ".join(
                            f"{nm} failed ({first_failure(dg)}), a set-up step --only "
                            "does not filter" for nm, dg in setup_bad)
                else:
                    nm, dg = bad[0] if bad else (m["check"], ["not in the TAP output"])
                    brow.update(result="FAIL", detail=f"{nm}: {first_failure(dg)}")
            baselines[key] = brow["result"] == "PASS"
            all_ok = all_ok and baselines[key]
            rows.append(brow)
            say(f"baseline {group} --only {m['check']}: {brow['result']} {brow['detail']}")

        # the mutation
        sync_tree(dirs["orig"], src)
        try:
            mutations.apply(src, m)
        except (ValueError, OSError) as e:
            row.update(result="NOT CAUGHT", detail=f"mutation does not apply: {e}")
            rows.append(row)
            all_ok = False
            say(f"{m['name']}: {row['detail']}")
            continue
        diff = run(["diff", "-ru", dirs["orig"], src]).stdout
        with open(os.path.join(dirs["logs"], f"{m['name']}.diff"), "w") as f:
            f.write(diff)
        say(f"{m['name']}: applied ({len(m['edits'])} edits), building")
        why = build(src, bdir, build_log, built)
        if why:
            row.update(result="NOT CAUGHT", detail=f"the mutated tree does not build: {why}")
            rows.append(row)
            all_ok = False
            say(f"{m['name']}: {row['detail']}")
            continue
        say(f"{m['name']}: running {group} --only {m['check']}")
        rc, tests, secs = vm_run(src, bdir, m["kernel"], m["topology"], m["check"],
                                 m["name"], dirs, a.keep_dir)
        row.update(checks=checks_run(tests, m["check"]), secs=secs)
        failed = {nm: dg for nm, ok, dg in tests if not ok and not is_setup(nm)}
        if m["check"] in failed:
            dg = failed[m["check"]]
            if any(re.search(m["expect"], line) for line in dg):
                row.update(result="CAUGHT", detail=f"{m['check']}: {first_failure(dg)}")
            else:
                row.update(result="NOT CAUGHT",
                           detail=f"{m['check']} failed, but not with /{m['expect']}/: "
                                  f"{first_failure(dg)}")
        elif failed:
            nm = next(iter(failed))
            row.update(result="NOT CAUGHT",
                       detail=f"{m['check']} passed; {nm} failed: {first_failure(failed[nm])}")
        else:
            row.update(result="NOT CAUGHT",
                       detail=f"every check passed (run-group.py exit {rc})")
        if row["result"] == "CAUGHT" and not baselines.get(key, True):
            row.update(result="NOT CAUGHT", detail="the baseline failed too: " + row["detail"])
        all_ok = all_ok and row["result"] == "CAUGHT"
        rows.append(row)
        say(f"{m['name']}: {row['result']}: {row['detail']} ({secs:.0f} s)")
    if sync_tree(dirs["orig"], src) and a.keep_dir:
        # the kept build must be the unmutated tree's, like the kept src/
        why = build(src, bdir, build_log, [k for k, v in kernels_seen.items() if v])
        if why:
            say(f"rebuilding the unmutated tree in {bdir}: {why}")

    total = time.time() - t_start
    kern = ", ".join(f"{k} {v}" for k, v in kernels_seen.items() if v) or "none"
    header = (f"Mutation run of {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} "
              f"(tree {head}{' + uncommitted changes' if dirty.strip() else ''}; kernels: {kern}; "
              f"{total / 60:.0f} min)")
    write_results(prefix + ".tsv", prefix + ".md", rows, header)
    print()
    print(header)
    print_table(rows)
    caught = sum(r["result"] == "CAUGHT" for r in rows)
    nmut = sum(r["mutation"] != "baseline (unmutated)" for r in rows)
    print(f"\n{caught} of {nmut} mutations caught; results: {prefix}.tsv, {prefix}.md; "
          f"logs: {dirs['logs']}")
    if not a.keep_dir:
        for k in ("orig", "src", "build", "vm"):
            shutil.rmtree(dirs[k], ignore_errors=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
