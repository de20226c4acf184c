#!/usr/bin/env python3
"""docs/scoring.md works two capacity examples by hand (DESIGN §9.1). This
recomputes each from the figures `lmchoose estimate` prints now (prefill and
decode speeds, B_max), by the formula of the doc, and checks that

  - the program's instances, capacity and cost equal the hand formula;
  - the numbers the doc quotes are the ones the program prints today,

so the worked examples cannot go stale when the estimator is recalibrated.

usage: check_capacity_doc.py LMCHOOSE SCORING_MD SCENARIO_DIR
"""
import json
import math
import os
import re
import subprocess
import sys

lmchoose, doc_path, sdir = sys.argv[1:4]
doc = open(doc_path, encoding="utf-8").read()
failed = passed = 0

cases = [
    ("capacity-50m.yaml", ["--context", "1024", "--prompt", "300"], 50e6, 300, 5, 24, False),
    ("capacity-nightly.yaml", ["--context", "4096", "--prompt", "2000"], 200000, 2000, 200, 8, True),
]
printed = []
for name, extra, rpd, inp, out, window, s2z in cases:
    args = [lmchoose, "estimate", "llama-3.1-8b-instruct", "--hardware", "nvidia-l4", "--quant",
            "q4_k_m", "--placement", "cloud", "--scenario", os.path.join(sdir, name),
            "--format", "json"] + extra
    e = json.loads(subprocess.run(args, capture_output=True, check=True).stdout)["estimate"]
    # The hand formula of docs/scoring.md, from the printed (rounded) speeds.
    w = inp / e["prefill_tokens_per_s"] + out / (e["max_concurrency"] * e["decode_tokens_per_s"])
    c = 1 / w
    lam = rpd / (3600 * window)
    inst = max(1, math.ceil(lam / (0.7 * c)))
    rate = e["usd_per_month"] / (e["instances"] * (8 * 30.42 if s2z else 730))
    ok = (e["instances"] == inst and
          abs(e["capacity_requests_per_day"] - 0.7 * c * 3600 * window) <= 0.002 * e["capacity_requests_per_day"])
    printed.append((e["instances"], e["usd_per_month"]))
    if ok:
        passed += 1
        print(f"ok: {name}: {inst} instances, {e['usd_per_month']:.2f} USD at {rate:.4f} USD/h")
    else:
        failed += 1
        print(f"FAILED: {name}: program {e['instances']} instances / {e['capacity_requests_per_day']} a day; "
              f"hand formula {inst} / {0.7 * c * 3600 * window:.0f}")

m = re.search(r"prints (\d+) instances and\s+([\d ]+\.\d\d) USD, and the nightly case (\d+) and\s+([\d ]+\.\d\d) USD",
              doc)
if m is None:
    failed += 1
    print("FAILED: docs/scoring.md no longer quotes the two results")
else:
    quoted = [(int(m.group(1)), float(m.group(2).replace(" ", ""))),
              (int(m.group(3)), float(m.group(4).replace(" ", "")))]
    if all(q[0] == p[0] and abs(q[1] - p[1]) < 0.005 for q, p in zip(quoted, printed)):
        passed += 1
        print("ok: docs/scoring.md quotes what the program prints")
    else:
        failed += 1
        print(f"FAILED: docs/scoring.md quotes {quoted}, the program prints {printed}: rework the "
              "examples' table and sentence by hand")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
