#!/usr/bin/env python3
"""Each example scenario (profiles/scenarios/*.yaml) states the answer its header
comment argues for in a line `# expect: class=C model=M placement=P`. This runs
`lmchoose recommend FILE --format json` on each and checks the verdict's class and
the rank-1 recommendation's model and placement against it.

usage: check_expectations.py LMCHOOSE SCENARIO_DIR
Prints one line per scenario and 'N passed, N failed' last; exits 1 on failure.
"""
import glob
import json
import os
import re
import subprocess
import sys

lmchoose, sdir = sys.argv[1:3]
passed = failed = 0
for path in sorted(glob.glob(os.path.join(sdir, "*.yaml"))):
    with open(path) as f:
        m = re.search(r"^# expect: class=(\S+) model=(\S+) placement=(\S+)$", f.read(), re.M)
    name = os.path.basename(path)
    if m is None:
        failed += 1
        print(f"FAILED: {name}: no '# expect:' line")
        continue
    p = subprocess.run([lmchoose, path, "--format", "json", "--top", "1"], capture_output=True,
                       env=dict(os.environ, LC_ALL="C"))
    doc = json.loads(p.stdout)
    got = (doc["verdict"]["class"], doc["recommendations"][0]["model"] if doc["recommendations"] else None,
           doc["recommendations"][0]["placement"] if doc["recommendations"] else None)
    want = m.groups()
    if p.returncode == 0 and got == want:
        passed += 1
        print(f"ok: {name}: {' '.join(want)}")
    else:
        failed += 1
        print(f"FAILED: {name}: expected {want}, got {got} (exit {p.returncode})")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
