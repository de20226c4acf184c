#!/usr/bin/env python3
"""Decision tests (issue 11 item 1): does lmchoose give the answer an experienced
engineer works out by hand?

Each situation is a directory tests/decisions/NN-name/ with
  scenario.yaml  the situation (DESIGN 3.2 and 9)
  expect         the expected answer, `key: value` lines; `#` lines are the reasoning
                 with the hand-computed numbers. Written before lmchoose was run on the
                 scenario and never edited to match its output.
  known_wrong    optional: one line, why today's binary gets it wrong (and the issue).
                 Strict: a marked situation that now passes FAILS the test, so that the
                 marker is removed ("fixed: remove known_wrong").

Expectation keys (all but exit and class optional; "a|b" is a set, "lo-hi" a closed
range, regexes are Python `re.search` patterns):
  exit           expected exit code of `lmchoose recommend --format json`
  class          slm | llm | none | any (verdict.class)
  placement      set of acceptable placements of the rank-1 candidate
  not_placement  set of placements it must not have
  hardware       regex its hardware id must match (an API winner fails)
  not_hardware   regex its hardware id must not match
  models         regex its model id must match
  not_models     regex its model id must not match
  api_models     regex the model id must match when the winner is an API candidate
  params_b       range of the winner's parameter count in billions (unknown fails)
  cost_usd       range of estimate.usd_per_month (unknown fails)
  gpus_min       self-hosted winner: devices x instances >= N
  gpus_max       self-hosted winner: devices x instances <= N
  ttft_ms_min    estimate.ttft_ms >= N (unknown fails)
  memory_max_gib estimate.memory_gib <= N (self-hosted winners)

usage: run_decisions.py LMCHOOSE DECISIONS_DIR
Prints a table and exits 1 unless every unmarked situation is right and every marked one
is still wrong.
"""
import json
import os
import re
import subprocess
import sys

KEYS = {"exit", "class", "placement", "not_placement", "hardware", "not_hardware", "models",
        "not_models", "api_models", "params_b", "cost_usd", "gpus_min", "gpus_max",
        "ttft_ms_min", "memory_max_gib"}


def parse_expect(path):
    exp = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if not sep or key not in KEYS or not value:
                raise ValueError(f"{path}:{n}: bad expectation line {line!r}")
            if key in exp:
                raise ValueError(f"{path}:{n}: duplicate key {key}")
            exp[key] = value
    for required in ("exit", "class"):
        if required not in exp:
            raise ValueError(f"{path}: missing {required}")
    return exp


def in_range(value, spec):
    lo, _, hi = spec.partition("-")
    return value is not None and float(lo) <= value <= float(hi)


def run(lmchoose, scenario):
    p = subprocess.run([lmchoose, "recommend", scenario, "--format", "json", "--top", "1"],
                       capture_output=True, env=dict(os.environ, LC_ALL="C"), timeout=300)
    try:
        doc = json.loads(p.stdout) if p.stdout.strip() else None
    except json.JSONDecodeError:
        doc = None
    err = p.stderr.decode("utf-8", "replace").strip().splitlines()
    return p.returncode, doc, (err[0] if err else "")


def judge(exp, rc, doc, params):
    """Returns (got: str, problems: list of str)."""
    problems = []
    if rc != int(exp["exit"]):
        problems.append(f"exit {rc}, expected {exp['exit']}")
    if doc is None:
        return f"exit {rc}, no JSON", problems or ["no JSON output"]
    verdict_class = doc.get("verdict", {}).get("class") or "none"
    if exp["class"] != "any" and verdict_class != exp["class"]:
        problems.append(f"class {verdict_class}, expected {exp['class']}")
    recs = doc.get("recommendations") or []
    if not recs:
        got = f"exit {rc} {verdict_class}"
        winner_keys = KEYS - {"exit", "class"}
        if any(k in exp for k in winner_keys):
            problems.append("no rank-1 candidate to check")
        return got, problems
    w = recs[0]
    est = w.get("estimate") or {}
    model, placement, hw = w.get("model"), w.get("placement"), w.get("hardware")
    self_hosted = placement != "api"
    gpus = None
    if self_hosted:
        gpus = (w.get("devices") or 1) * (est.get("instances") or 1)
    cost = est.get("usd_per_month")
    p_b = params.get(model)
    where = f"{placement}" + (f" {hw} x{gpus}" if self_hosted else f" {w.get('provider')}")
    got = (f"exit {rc} {verdict_class} {model}"
           + (f" {w.get('quantization')}" if self_hosted else "")
           + f" {where} ${cost}")

    def bad(msg):
        problems.append(msg)

    if "placement" in exp and placement not in exp["placement"].split("|"):
        bad(f"placement {placement} not in {exp['placement']}")
    if "not_placement" in exp and placement in exp["not_placement"].split("|"):
        bad(f"placement {placement} is excluded")
    if "hardware" in exp and (hw is None or not re.search(exp["hardware"], hw)):
        bad(f"hardware {hw} !~ {exp['hardware']}")
    if "not_hardware" in exp and hw is not None and re.search(exp["not_hardware"], hw):
        bad(f"hardware {hw} is excluded")
    if "models" in exp and not re.search(exp["models"], model):
        bad(f"model {model} !~ {exp['models']}")
    if "not_models" in exp and re.search(exp["not_models"], model):
        bad(f"model {model} is excluded")
    if "api_models" in exp and not self_hosted and not re.search(exp["api_models"], model):
        bad(f"API model {model} !~ {exp['api_models']}")
    if "params_b" in exp and not in_range(p_b, exp["params_b"]):
        bad(f"params {p_b} B not in {exp['params_b']}")
    if "cost_usd" in exp and not in_range(cost, exp["cost_usd"]):
        bad(f"cost {cost} not in {exp['cost_usd']}")
    if "gpus_min" in exp and self_hosted and gpus < int(exp["gpus_min"]):
        bad(f"{gpus} GPU(s) < {exp['gpus_min']}")
    if "gpus_max" in exp and self_hosted and gpus > int(exp["gpus_max"]):
        bad(f"{gpus} GPU(s) > {exp['gpus_max']}")
    if "ttft_ms_min" in exp:
        ttft = est.get("ttft_ms")
        if ttft is None or ttft < float(exp["ttft_ms_min"]):
            bad(f"ttft {ttft} ms < {exp['ttft_ms_min']}")
    if "memory_max_gib" in exp and self_hosted:
        mem = est.get("memory_gib")
        if mem is None or mem > float(exp["memory_max_gib"]):
            bad(f"memory {mem} GiB > {exp['memory_max_gib']}")
    return got, problems


def expected_summary(exp):
    parts = [f"exit {exp['exit']}", exp["class"]]
    for k in ("placement", "hardware", "params_b", "cost_usd", "gpus_min"):
        if k in exp:
            parts.append(f"{k}={exp[k]}")
    return " ".join(parts)


def main():
    lmchoose, ddir = sys.argv[1:3]
    listed = subprocess.run([lmchoose, "list", "models", "--format", "json"],
                            capture_output=True, check=True)
    params = {m["id"]: m.get("params_b") for m in json.loads(listed.stdout)}
    rows, failures = [], 0
    counts = {"ok": 0, "known-wrong": 0, "FAIL": 0, "FIXED": 0}
    for name in sorted(os.listdir(ddir)):
        d = os.path.join(ddir, name)
        if not os.path.isdir(d):
            continue
        if not (os.path.isfile(os.path.join(d, "scenario.yaml"))
                and os.path.isfile(os.path.join(d, "expect"))):
            rows.append((name, "-", "missing scenario.yaml or expect", "FAIL", ""))
            counts["FAIL"] += 1
            continue
        exp = parse_expect(os.path.join(d, "expect"))
        marker = None
        kw = os.path.join(d, "known_wrong")
        if os.path.isfile(kw):
            with open(kw) as f:
                marker = f.read().strip()
            if not marker:
                raise ValueError(f"{kw}: empty known_wrong marker (say why)")
        rc, doc, err = run(lmchoose, os.path.join(d, "scenario.yaml"))
        got, problems = judge(exp, rc, doc, params)
        if doc is None and err:
            got += f" ({err[:70]})"
        if not problems:
            status = "FIXED" if marker else "ok"
            note = "fixed: remove known_wrong" if marker else ""
        else:
            status = "known-wrong" if marker else "FAIL"
            note = "; ".join(problems) + (f" [known wrong: {marker}]" if marker else "")
        counts[status] += 1
        rows.append((name, expected_summary(exp), got, status, note))
    w0 = max(len(r[0]) for r in rows)
    print(f"{'situation':{w0}}  {'status':11}  expected  ->  got")
    for name, want, got, status, note in rows:
        print(f"{name:{w0}}  {status:11}  {want}  ->  {got}")
        if note:
            print(f"{'':{w0}}  {'':11}  {note}")
    print(f"{len(rows)} situations: {counts['ok']} ok, {counts['known-wrong']} known wrong, "
          f"{counts['FAIL']} failed, {counts['FIXED']} fixed (remove known_wrong)")
    failures = counts["FAIL"] + counts["FIXED"]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
