#!/usr/bin/env python3
"""`lmchoose show` prints a complete profile: for every builtin model and
hardware entry, the output of `show` written into a layer loads to exactly
the builtin entry (list --format json, origin aside).

usage: check_show_roundtrip.py LMCHOOSE
"""
import json
import os
import subprocess
import sys
import tempfile

LM = os.path.abspath(sys.argv[1])
ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_PROFILES="")


def run(*args):
    p = subprocess.run([LM, *args], capture_output=True, text=True, env=ENV)
    return p.returncode, p.stdout, p.stderr


failures = 0
with tempfile.TemporaryDirectory() as tmp:
    for kind, plural in (("model", "models"), ("hardware", "hardware")):
        rc, out, _ = run("list", plural, "--format", "json")
        builtin = {e["id"]: e for e in json.loads(out)}
        os.makedirs(os.path.join(tmp, plural))
        for eid in builtin:
            rc, out, err = run("show", kind, eid)
            if rc != 0 or err:
                print(f"FAIL: show {kind} {eid}: {rc} {err}")
                failures += 1
            with open(os.path.join(tmp, plural, eid + ".yaml"), "w") as f:
                f.write(out)
        rc, out, err = run("list", plural, "--format", "json", "--profiles", tmp)
        if rc != 0 or err:
            print(f"FAIL: the shown {plural} do not load: {rc} {err}")
            failures += 1
            continue
        for e in json.loads(out):
            want = dict(builtin[e["id"]])
            if not e["origin"].startswith(tmp):
                print(f"FAIL: {e['id']} not from the layer")
                failures += 1
            e.pop("origin"), want.pop("origin")
            if e != want:
                print(f"FAIL: {kind} {e['id']} differs after show:\n{e}\n{want}")
                failures += 1
        print(f"{len(builtin)} {plural} round-trip")
sys.exit(1 if failures else 0)
