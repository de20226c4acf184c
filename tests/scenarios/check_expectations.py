#!/usr/bin/env python3
"""Each example scenario (profiles/scenarios/*.yaml) states the answer its header
comment argues for in a line `# expect: KEY=VALUE ...`, written from the domain
before running lmchoose. This runs `lmchoose recommend FILE --format json` on each
and checks the rank-1 recommendation against it.

Keys (all but class optional):
  class=slm|llm|none      the verdict's class (none: nothing feasible); alternatives
                          with |, e.g. class=slm|llm
  model=ID|*              the rank-1 model (* any)
  placement=P[|P...]      the rank-1 placement, one of the alternatives
  hardware=ID             the rank-1 hardware
  cost=LO..HI             the rank-1 estimate.usd_per_month, inclusive
  instances>=N            the rank-1 estimate.instances × devices (self-hosted)
  ttft>=N                 the rank-1 estimate.ttft_ms
  exit=N                  the exit code (default 0, or 1 with class=none)
  relaxations>=N          the number of nearest feasible candidates listed
  covers=volume           instances × capacity_requests_per_day ≥ requests_per_day
                          (the rank-1 self-hosted candidate serves the daily volume)
  api_ttft>=N             every API candidate's estimate.ttft_ms (feasible or not) ≥ N

A line `# known-wrong: WHY` beside `# expect:` marks an expectation the tool does not meet
yet: it is reported, not failed, and a known-wrong scenario that passes FAILS ("remove
known-wrong"), so the marker cannot outlive the defect.

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


def check(want, doc, rc):
    """The list of mismatches between the expectation and the document."""
    bad = []
    top = doc["recommendations"][0] if doc["recommendations"] else None
    est = top["estimate"] if top else {}
    cls = doc["verdict"]["class"] or "none"
    exit_want = int(want.get("exit", "1" if want.get("class") == "none" else "0"))
    if "api_ttft>" in want:
        low = want.get("_api_ttft_min")
        if low is None or low < float(want["api_ttft>"]):
            bad.append(f"fastest API TTFT {low} ms, expected >= {want['api_ttft>']}")
    if rc != exit_want:
        bad.append(f"exit {rc}, expected {exit_want}")
    if "class" in want and cls not in want["class"].split("|"):
        bad.append(f"class {cls}, expected {want['class']}")
    if want.get("model", "*") != "*" and (top is None or top["model"] != want["model"]):
        bad.append(f"model {top and top['model']}, expected {want['model']}")
    if "placement" in want and (top is None or top["placement"] not in want["placement"].split("|")):
        bad.append(f"placement {top and top['placement']}, expected {want['placement']}")
    if "hardware" in want and (top is None or top["hardware"] != want["hardware"]):
        bad.append(f"hardware {top and top['hardware']}, expected {want['hardware']}")
    if "cost" in want:
        lo, hi = (float(x) for x in want["cost"].split(".."))
        usd = est.get("usd_per_month")
        if usd is None or not lo <= usd <= hi:
            bad.append(f"cost {usd}, expected {lo}..{hi}")
    if "instances>" in want:
        n = (est.get("instances") or 0) * (top.get("devices") or 0 if top else 0)
        if n < float(want["instances>"]):
            bad.append(f"instances x devices {n}, expected >= {want['instances>']}")
    if "ttft>" in want:
        t = est.get("ttft_ms")
        if t is None or t < float(want["ttft>"]):
            bad.append(f"ttft {t}, expected >= {want['ttft>']}")
    if want.get("covers") == "volume":
        rpd = doc["scenario"]["workload"]["requests_per_day"]
        cap = (est.get("capacity_requests_per_day") or 0) * (est.get("instances") or 0)
        if cap < rpd:
            bad.append(f"capacity {cap} a day, below the {rpd} asked")
    if "relaxations>" in want:
        n = len(doc["verdict"]["relaxations"])
        if n < int(want["relaxations>"]):
            bad.append(f"{n} relaxations, expected >= {want['relaxations>']}")
    return bad


for path in sorted(glob.glob(os.path.join(sdir, "*.yaml"))):
    with open(path) as f:
        text = f.read()
    m = re.search(r"^# expect: (.+)$", text, re.M)
    known = re.search(r"^# known-wrong: (.+)$", text, re.M)
    name = os.path.basename(path)
    if m is None:
        failed += 1
        print(f"FAILED: {name}: no '# expect:' line")
        continue
    want = {}
    for item in m.group(1).split():
        k, v = re.split(r"=", item, maxsplit=1)
        want[k] = v  # "instances>=2" is stored as "instances>": "2"
    p = subprocess.run([lmchoose, path, "--format", "json", "--top", "1"], capture_output=True,
                       env=dict(os.environ, LC_ALL="C"))
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        failed += 1
        print(f"FAILED: {name}: no JSON (exit {p.returncode}): {p.stderr.decode()[:300]}")
        continue
    if "api_ttft>" in want:
        # Every API model of the run, estimated with the scenario's workload and
        # its prompt length (rejected entries carry no estimate).
        a = subprocess.run([lmchoose, path, "--format", "json", "--all"], capture_output=True,
                           env=dict(os.environ, LC_ALL="C"))
        alld = json.loads(a.stdout)
        ids = sorted({c["candidate"].split("/")[0] for c in alld["recommendations"] + alld["rejected"]
                      if "/api/" in c["candidate"]})
        prompt = str(alld["scenario"]["workload"]["input_tokens"])
        ttfts = []
        for mid in ids:
            e = subprocess.run([lmchoose, "estimate", mid, "--scenario", path, "--prompt", prompt,
                                "--context", str(alld["scenario"]["task"]["context_tokens"]),
                                "--format", "json"], capture_output=True, env=dict(os.environ, LC_ALL="C"))
            t = json.loads(e.stdout)["estimate"]["ttft_ms"]
            if t is not None:
                ttfts.append(t)
        want["_api_ttft_min"] = min(ttfts) if ttfts else None
    bad = check(want, doc, p.returncode)
    if known and bad:
        passed += 1
        print(f"known-wrong: {name}: {'; '.join(bad)} ({known.group(1)})")
    elif known:
        failed += 1
        print(f"FAILED: {name}: meets its expectation now: remove its known-wrong line")
    elif bad:
        failed += 1
        print(f"FAILED: {name}: {'; '.join(bad)}")
    else:
        passed += 1
        print(f"ok: {name}: {m.group(1)}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
