#!/usr/bin/env python3
"""Hostile inputs that golden CLI cases cannot express (RELIABILITY §8, issue #5):
streams, pipes, devices, locales, argv bytes and sizes. Each case checks the exit
code and the exact stderr (or stdout property) a user relies on.

usage: check_hostile.py LMCHOOSE SOURCE_DIR
Prints one line per case and 'N passed, N failed' last; exits 1 on failure.
"""
import json
import os
import subprocess
import sys
import tempfile

lm = os.path.abspath(sys.argv[1])
src = os.path.abspath(sys.argv[2])
passed = failed = 0
env = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_HOST="nvidia-rtx-4090")
env.pop("LMCHOOSE_PROFILES", None)


def result(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {name}")
    else:
        failed += 1
        print(f"FAILED: {name}: {detail}")


def run(args, stdin=None, cwd=None, e=None, shell=False):
    return subprocess.run(args if not shell else args, input=stdin, capture_output=True,
                          cwd=cwd, env=e or env, shell=shell)


def expect(name, args, rc, err, stdin=None, cwd=None):
    p = run(args, stdin=stdin, cwd=cwd)
    got_err = p.stderr.decode("utf-8", "replace")
    result(name, p.returncode == rc and got_err == err,
           f"exit {p.returncode} (want {rc}), stderr {got_err!r} (want {err!r})")


tmp = tempfile.mkdtemp(prefix="lmchoose-hostile-")


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return name


# Sizes and nesting: rejected early, with the limit's name.
expect("stdin over --max-input-size (100 MB of 'y')",
       ["sh", "-c", f"yes | head -c 100000000 | '{lm}' validate -"], 3,
       "lmchoose: <stdin>: error: file exceeds --max-input-size (4 MiB)\n")
write("brackets.yaml", b"[" * 1000000)
expect("1 MB of '[' stops at the depth limit", [lm, "validate", "brackets.yaml"], 3,
       "lmchoose: brackets.yaml:1:65: error: nesting depth exceeds --max-depth (64)\n", cwd=tmp)
write("block.yaml", b"- " * 200000)
expect("200 000 nested block sequences", [lm, "validate", "block.yaml"], 3,
       "lmchoose: block.yaml:1:129: error: nesting depth exceeds --max-depth (64)\n", cwd=tmp)
write("flowmap.yaml", b"{a: " * 20000)
expect("20 000 nested flow mappings", [lm, "validate", "flowmap.yaml"], 3,
       "lmchoose: flowmap.yaml:1:257: error: nesting depth exceeds --max-depth (64)\n", cwd=tmp)
write("nodes.yaml", b"[" + b"1," * 150000 + b"1]\n")
expect("150 001 scalars exceed --max-nodes", [lm, "validate", "nodes.yaml"], 3,
       "lmchoose: nodes.yaml:1:200000: error: too many YAML nodes (more than --max-nodes 100000)\n",
       cwd=tmp)
write("scalar.yaml", b"name: " + b"x" * 70000 + b"\n")
expect("a 70 000-byte scalar exceeds --max-scalar", [lm, "validate", "scalar.yaml"], 3,
       "lmchoose: scalar.yaml:1:7: error: scalar exceeds --max-scalar (64 KiB)\n", cwd=tmp)
write("key.yaml", b"? " + b"k" * 2000 + b"\n: 1\n")
expect("a 2000-byte explicit key", [lm, "validate", "key.yaml"], 3,
       "lmchoose: key.yaml:1:3: error: key longer than 1 KiB\n", cwd=tmp)
laughs = b"a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + b"".join(
    b"a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n" % ((i, i) + (i - 1,) * 9)
    for i in range(1, 9))
write("laughs.yaml", laughs)
expect("billion laughs: the first anchor is refused", [lm, "validate", "laughs.yaml"], 3,
       "lmchoose: laughs.yaml:1:5: error: anchors and aliases are not allowed\n", cwd=tmp)
write("cycle.yaml", b"a: &a [*a]\n")
expect("self-referential alias", [lm, "validate", "cycle.yaml"], 3,
       "lmchoose: cycle.yaml:1:4: error: anchors and aliases are not allowed\n", cwd=tmp)
expect("--max-input-size 0 is a usage error", [lm, "validate", "--max-input-size", "0", "x.yaml"], 2,
       "lmchoose: error: --max-input-size needs a whole number from 1 to 1000000000000000, got '0'\n"
       "Try 'lmchoose validate --help'.\n")

# Files that are not regular files never hang and never crash.
fifo = os.path.join(tmp, "fifo.yaml")
os.mkfifo(fifo)
expect("a FIFO", [lm, "validate", "fifo.yaml"], 3,
       "lmchoose: fifo.yaml: error: cannot read: not a regular file\n", cwd=tmp)
os.symlink("nowhere.yaml", os.path.join(tmp, "dangling.yaml"))
expect("a dangling symlink", [lm, "validate", "dangling.yaml"], 3,
       "lmchoose: dangling.yaml: error: cannot read: no such file or directory\n", cwd=tmp)
expect("/dev/null (empty)", [lm, "validate", "/dev/null"], 3,
       "lmchoose: /dev/null: error: cannot read: not a regular file\n")

# Output that cannot be written: exit 4, no crash, no half-written file.
expect("--output /dev/full", [lm, "list", "models", "--output", "/dev/full"], 4,
       "lmchoose: error: cannot write /dev/full: no space left on device\n")
r, w = os.pipe()
os.close(r)
p = subprocess.run([lm, "list", "models", "--format", "json"], stdout=w, stderr=subprocess.PIPE, env=env)
os.close(w)
result("closed stdout pipe: exit 4, no message", p.returncode == 4 and p.stderr == b"",
       f"exit {p.returncode}, stderr {p.stderr!r}")
keep = os.path.join(tmp, "keep.txt")
with open(keep, "w") as f:
    f.write("the user's file\n")
p = run([lm, "recommend", "--output", keep, "--profiles", "/nonexistent"])
with open(keep) as f:
    kept = f.read()
result("a failed run leaves --output untouched", p.returncode == 3 and kept == "the user's file\n",
       f"exit {p.returncode}, file now {kept!r}")

# Locales: a comma-decimal locale changes nothing (DESIGN §7 "Deterministic").
locales = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
if "de_de.utf8" not in locales and "de_de.utf-8" not in locales:
    result("de_DE.UTF-8 locale available", False, "generate it: localedef -i de_DE -f UTF-8 de_DE.UTF-8")
else:
    for args in (["estimate", "llama-3.1-8b-instruct", "--hardware", "nvidia-rtx-4090", "--format", "json"],
                 ["recommend", "--format", "json"],
                 ["list", "quantizations"],
                 ["validate", os.path.join(src, "profiles", "runtimes.yaml")]):
        c = run([lm] + args)
        d = run([lm] + args, e=dict(env, LC_ALL="de_DE.UTF-8"))
        result(f"LC_ALL=de_DE.UTF-8 identical: {args[0]} {args[1]}",
               c.stdout == d.stdout and c.returncode == d.returncode and c.returncode in (0, 1),
               f"exit {c.returncode}/{d.returncode}, stdout differs: {c.stdout != d.stdout}")

# JSON output stays valid UTF-8 whatever bytes argv carries.
p = run([lm, "recommend", os.fsdecode(b"bad\xff\xfe.yaml"), "--format", "json"], cwd=tmp)
try:
    doc = json.loads(p.stdout.decode("utf-8", "strict"))
    ok = p.returncode == 3 and doc["errors"][0]["file"] == "bad\ufffd\ufffd.yaml"
except (ValueError, KeyError, IndexError) as exc:
    ok = False
result("invalid UTF-8 in a file name becomes U+FFFD in JSON", ok, f"exit {p.returncode}, {p.stdout[:200]!r}")
write("q.yaml", 'lmchoose: 1\ntask: {kind: chat}\nrules: {disable: ["\\u2028 \\" \\\\ \\t"]}\n'.encode())
p = run([lm, "recommend", "q.yaml", "--format", "json"], cwd=tmp)
try:
    doc = json.loads(p.stdout.decode("utf-8", "strict"))
    # Diagnostics show control and separator characters as visible escapes
    # (issue 15); quotes and backslashes are kept, and the JSON is strict.
    ok = p.returncode == 3 and '\\u2028 " \\ \\t' in doc["errors"][0]["message"]
except (ValueError, KeyError, IndexError):
    ok = False
result("quotes, backslashes, tabs and U+2028 survive into strict JSON (escaped visibly)", ok,
       f"exit {p.returncode}, {p.stdout[:200]!r}")

# Text encodings and line endings.
write("crlf.yaml", b"lmchoose: 1\r\ntask:\r\n  kind: chat\r\n  breadth: bogus\r\n")
expect("CRLF: line numbers as with LF", [lm, "validate", "crlf.yaml"], 3,
       "lmchoose: crlf.yaml:4:12: error: 'breadth' must be one of narrow, broad; got 'bogus'\n", cwd=tmp)
write("bomcrlf.yaml", b"\xef\xbb\xbflmchoose: 1\r\ntask: {kind: chat}\r\n")
expect("UTF-8 BOM and CRLF accepted", [lm, "validate", "bomcrlf.yaml"], 0, "", cwd=tmp)
write("utf16be.yaml", "lmchoose: 1\n".encode("utf-16-be").join([b"\xfe\xff", b""]))
expect("UTF-16BE with BOM refused", [lm, "validate", "utf16be.yaml"], 3,
       "lmchoose: utf16be.yaml:1:1: error: file is UTF-16; lmchoose reads UTF-8\n", cwd=tmp)
write("ctrl.yaml", b"lmchoose: 1\ntask: {kind: \x07chat}\n")
expect("a control character", [lm, "validate", "ctrl.yaml"], 3,
       "lmchoose: ctrl.yaml:2:14: error: control characters are not allowed (U+0007)\n", cwd=tmp)
write("helm.yaml", b"replicas: {{ .Values.replicas }}\n")
expect("an unrendered Helm template", [lm, "validate", "--kind", "scenario", "helm.yaml"], 3,
       "lmchoose: helm.yaml:1:12: error: mapping keys must be scalars, not a mapping; this looks like an unrendered template (run helm template first)\n",
       cwd=tmp)

# LMCHOOSE_PROFILES adds layers (colon-separated) before --profiles.
layer = os.path.join(src, "tests", "cli", "profiles-layer", "p")
p = run([lm, "estimate", "tiny-1b", "--hardware", "nvidia-rtx-3060-12gb", "--quant", "q8_0"],
        e=dict(env, LMCHOOSE_PROFILES="/nonexistent-first:" + layer))
result("LMCHOOSE_PROFILES: a layer that is not a directory is an input error (exit 3)",
       p.returncode == 3 and b"/nonexistent-first: error: cannot read profiles directory" in p.stderr,
       f"exit {p.returncode}, stderr {p.stderr!r}")
p = run([lm, "estimate", "tiny-1b", "--hardware", "nvidia-rtx-3060-12gb", "--quant", "q8_0"],
        e=dict(env, LMCHOOSE_PROFILES=layer))
result("LMCHOOSE_PROFILES adds a model", p.returncode == 0 and b"Tiny 1B" in p.stdout,
       f"exit {p.returncode}, stderr {p.stderr!r}")

# --output keeps its promises (issue 15).
import stat as _stat
outdir = tempfile.mkdtemp(prefix="lmchoose-output-")
o600 = os.path.join(outdir, "private.txt")
with open(o600, "w") as f:
    f.write("old\n")
os.chmod(o600, 0o600)
p = run([lm, "list", "models", "--output", o600])
result("--output keeps an existing file's mode (0600 stays 0600)",
       p.returncode == 0 and _stat.S_IMODE(os.stat(o600).st_mode) == 0o600
       and open(o600).read() != "old\n", f"exit {p.returncode}, mode {oct(os.stat(o600).st_mode)}")
target = os.path.join(outdir, "target.txt")
with open(target, "w") as f:
    f.write("old\n")
link = os.path.join(outdir, "link.txt")
os.symlink("target.txt", link)
p = run([lm, "list", "models", "--output", link])
result("--output through a symbolic link: the link stays a link, its target is written",
       p.returncode == 0 and os.path.islink(link) and open(target).read().startswith("ID"),
       f"exit {p.returncode}, islink {os.path.islink(link)}, {open(target).read()[:20]!r}")
dangling = os.path.join(outdir, "dangling.txt")
os.symlink("created-through.txt", dangling)
p = run([lm, "list", "models", "--output", dangling])
result("--output through a dangling symbolic link creates its target",
       p.returncode == 0 and os.path.islink(dangling)
       and open(os.path.join(outdir, "created-through.txt")).read().startswith("ID"),
       f"exit {p.returncode}, stderr {p.stderr!r}")
redirected = os.path.join(outdir, "redirected.txt")
p = run(["sh", "-c", f"'{lm}' list models --output /dev/stdout > '{redirected}'"])
still_link = os.path.islink("/dev/stdout")
if not still_link:
    # The bug this guards against replaces /dev/stdout (as root): put it back.
    try:
        os.remove("/dev/stdout")
        os.symlink("/proc/self/fd/1", "/dev/stdout")
    except OSError:
        pass
result("--output /dev/stdout with stdout redirected to a file: written in place, /dev/stdout still a link",
       p.returncode == 0 and still_link and open(redirected).read().startswith("ID"),
       f"exit {p.returncode}, stderr {p.stderr!r}")
p = run([lm, "list", "models", "--output", "/dev/stdout"])
result("--output /dev/stdout into a pipe", p.returncode == 0 and p.stdout.startswith(b"ID"),
       f"exit {p.returncode}, stderr {p.stderr!r}")
longname = os.path.join(outdir, "n" * 250 + ".json")
p = run([lm, "list", "models", "--format", "json", "--output", longname])
result("--output with a 255-byte file name (NAME_MAX)", p.returncode == 0 and os.path.exists(longname),
       f"exit {p.returncode}, stderr {p.stderr!r}")
leftovers = [n for n in os.listdir(outdir) if n.startswith(".lmc.")]
result("--output leaves no temporary file behind", leftovers == [], f"{leftovers}")
kept = os.path.join(outdir, "kept.json")
with open(kept, "w") as f:
    f.write("the user's file\n")
write("broken.yaml", b"lmchoose: 1\ntask: {kind: bogus}\n")
p = run([lm, "recommend", os.path.join(tmp, "broken.yaml"), "--format", "json", "--output", kept])
result("a failed JSON run does not replace an existing --output (and says so)",
       p.returncode == 3 and open(kept).read() == "the user's file\n"
       and f"lmchoose: {kept}: warning: not replaced, because the run failed".encode() in p.stderr,
       f"exit {p.returncode}, stderr {p.stderr!r}")
fresh = os.path.join(outdir, "fresh.json")
p = run([lm, "recommend", os.path.join(tmp, "broken.yaml"), "--format", "json", "--output", fresh])
try:
    doc = json.load(open(fresh))
    ok = p.returncode == 3 and doc["exit_code"] == 3 and doc["errors"]
except (OSError, ValueError, KeyError):
    ok = False
result("a failed JSON run writes its error document to a new --output", ok,
       f"exit {p.returncode}, stderr {p.stderr!r}")

# Usage errors quote argv: escaped like every diagnostic (issue 15).
expect("a usage error quoting an argument with a newline and ESC stays one visible line",
       [lm, "list", "mod\nels\x1b[31m"], 2,
       "lmchoose: error: unknown kind 'mod\\nels\\e[31m'\nTry 'lmchoose list --help'.\n")

# Time and locations (issue 15).
import time as _time
big = ["lmchoose: 1", "task: {kind: chat}", "constraints:", "  hardware:"]
big += [f"  - hw-{i}" for i in range(99000)]
write("big-hardware.yaml", ("\n".join(big) + "\n").encode())
# (Not timed: 99 000 "did you mean" searches take 1.5 s, and 25 s under ASan.)
p = run([lm, "validate", "big-hardware.yaml"], cwd=tmp)
last = p.stderr.decode().splitlines()[-1] if p.stderr else ""
result("line numbers above 65 535 do not wrap",
       p.returncode == 3 and
       last == "lmchoose: big-hardware.yaml:99004:5: error: unknown hardware 'hw-98999'", last)
dup = ["lmchoose: 1", "task: {kind: chat}", "constraints:", "  hardware:"]
dup += [f"  - hw-{i}" for i in range(99000)] + ["  - hw-5"]
write("dup-hardware.yaml", ("\n".join(dup) + "\n").encode())
t0 = _time.monotonic()
p = run([lm, "validate", "dup-hardware.yaml"], cwd=tmp)
took = _time.monotonic() - t0
# Linear: under 1 s (1.6 s under ASan); the quadratic check took 62 s.
result("a duplicate at the end of a 99 001-entry list is found in linear time (< 10 s)",
       p.returncode == 3 and took < 10 and
       p.stderr == b"lmchoose: dup-hardware.yaml:99005:5: error: 'hardware' lists 'hw-5' twice\n",
       f"exit {p.returncode}, {took:.1f} s, {p.stderr[-200:]!r}")

manydir = tempfile.mkdtemp(prefix="lmchoose-many-")
os.makedirs(os.path.join(manydir, "models"))
for i in range(20001):
    open(os.path.join(manydir, "models", f"m{i:05d}.yaml"), "w").close()
t0 = _time.monotonic()
p = run([lm, "list", "models", "--profiles", manydir, "--max-files", "20000"])
took = _time.monotonic() - t0
result("a profile directory over --max-files stops while listing (20 001 files, < 5 s)",
       p.returncode == 3 and took < 5 and
       f"lmchoose: {manydir}/models: error: more than --max-files (20000) profile files; none was read\n".encode() == p.stderr,
       f"exit {p.returncode}, {took:.1f} s, {p.stderr!r}")

hang = tempfile.mkdtemp(prefix="lmchoose-hang-")
with open(os.path.join(hang, "nvidia-smi"), "w") as f:
    f.write("#!/bin/sh\nsleep 60\n")
os.chmod(os.path.join(hang, "nvidia-smi"), 0o755)
henv = dict(env, PATH=hang + ":" + env.get("PATH", "/usr/bin:/bin"))
henv.pop("LMCHOOSE_HOST", None)
t0 = _time.monotonic()
p = run([lm, "estimate", "gemma-2-2b-it", "-q"], e=henv)
took = _time.monotonic() - t0
result("a hanging nvidia-smi is stopped after 5 s, with a warning, and detection falls back",
       p.returncode == 0 and 4.5 < took < 15 and p.stderr ==
       b"lmchoose: warning: nvidia-smi did not answer within 5 s and was stopped; host detection went on without it\n",
       f"exit {p.returncode}, {took:.1f} s, {p.stderr!r}")

for bad in ("12x", "-5", "1e9", " 1", "99999999999999999999"):
    p = run([lm, "check", os.path.join(src, "tests", "check-example", "deploy", "privacy.yaml")],
            e=dict(env, SOURCE_DATE_EPOCH=bad))
    result(f"a malformed SOURCE_DATE_EPOCH ({bad!r}) is a usage error, not the clock",
           p.returncode == 2 and p.stdout == b"" and
           f"lmchoose: error: SOURCE_DATE_EPOCH '{bad}' must be a non-negative decimal integer".encode() in p.stderr,
           f"exit {p.returncode}, {p.stderr!r}")

import shutil
for d in (outdir, manydir, hang):
    shutil.rmtree(d, ignore_errors=True)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
