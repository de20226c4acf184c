#!/usr/bin/env python3
"""Validates lmchoose's JSON outputs against docs/schema/ (DESIGN §6.1), and
the shipped YAML profiles against the input schemas, so that the schemas, the
loader and the renderers cannot drift apart.

usage: check_json.py LMCHOOSE SCHEMA_DIR PROFILES_DIR
Prints one line per check and 'N passed, N failed' last; exits 1 on failure.
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema
import yaml

lmchoose, schema_dir, profiles_dir = sys.argv[1:4]


def schema(name):
    with open(os.path.join(schema_dir, name)) as f:
        return json.load(f)


passed = failed = 0


def check(label, instance, sch):
    global passed, failed
    try:
        jsonschema.validate(instance, sch)
        passed += 1
        print(f"ok: {label}")
    except jsonschema.ValidationError as e:
        failed += 1
        print(f"FAILED: {label}: {e.message} at {list(e.absolute_path)}")


def run(args, want_rc):
    env = dict(os.environ, LMCHOOSE_HOST="nvidia-rtx-4090", LC_ALL="C")
    p = subprocess.run([lmchoose] + args, capture_output=True, env=env)
    if want_rc is not None and p.returncode != want_rc:
        raise SystemExit(f"{args}: exit {p.returncode}, expected {want_rc}: {p.stderr!r}")
    return json.loads(p.stdout)


est = schema("estimate.schema.json")
for args, rc in [
    (["estimate", "llama-3.1-8b-instruct", "--hardware", "nvidia-rtx-4090", "--quant", "q4_k_m",
      "--context", "8192", "--format", "json"], 0),
    (["estimate", "mixtral-8x7b-instruct-v0.1", "--hardware", "nvidia-h100-sxm", "--placement",
      "cloud", "--quant", "f16", "--format", "json"], 0),
    (["estimate", "llama-3.1-405b-instruct", "--hardware", "apple-m1-8gb", "--format", "json"], 1),
    (["estimate", "gemma-2-9b-it", "--format", "json"], 0),
    (["estimate", "claude-haiku-4-5", "--format", "json"], 0),
    (["estimate", "gpt-4o", "--format", "json"], 0),
    (["estimate", "phi-4", "--profiles", "/nonexistent-dir", "--format", "json"], 3),
]:
    check(" ".join(args[:2] + args[3:4]), run(args, rc), est)

rec = schema("recommend.schema.json")
cli = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli")
for args, rc in [
    (["recommend", "--format", "json"], 0),
    (["recommend", "--format", "json", "--all", "--hardware", "nvidia-l4"], 1),
    (["recommend", os.path.join(cli, "recommend-rules-replace", "s.yaml"), "--format", "json"], 0),
    (["recommend", os.path.join(cli, "recommend-no-feasible-json", "s.yaml"), "--format", "json"], 1),
    (["recommend", os.path.join(cli, "bad-scenario-version", "s.yaml"), "--format", "json"], 3),
] + [(["recommend", path, "--format", "json", "--top", "3"], None)
     for path in sorted(glob.glob(os.path.join(profiles_dir, "scenarios", "*.yaml")))]:
    check(" ".join(os.path.basename(a) for a in args[:3]), run(args, rc), rec)

exp = schema("explain.schema.json")
for args, rc in [
    (["explain", "llama-3.1-8b-instruct", "--hardware", "nvidia-l4", "--format", "json"], 0),
    (["explain", "gpt-4o-mini", "--format", "json"], 0),
]:
    check(" ".join(args[:2]), run(args, rc), exp)

chk = schema("check.schema.json")
ex = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "check-example")
for args, rc in [
    (["check", os.path.join(ex, "deploy"), "--format", "json"], 1),
    (["check", os.path.join(ex, "deploy", "classifier.yaml"), "--format", "json"], 0),
    (["check", os.path.join(ex, "deploy", "support-bot.yaml"), "--format", "json", "--suggest"], None),
    (["check", os.path.join(ex, "cases", "bad-yaml.yaml"), os.path.join(ex, "deploy", "privacy.yaml"),
      "--format", "json", "--fail-on", "never"], 3),
    (["check", os.path.join(ex, "cases", "unknown-ids.yaml"), "--format", "json"], 3),
    (["check", os.path.join(ex, "nomatch", "*.yaml"), "--format", "json"], 3),
    # deployment files (issue 14): every format, .lmchoose.yaml found upward
    (["check", os.path.join(ex, "k8s"), os.path.join(ex, "kserve"), os.path.join(ex, "compose"),
      os.path.join(ex, "scripts"), os.path.join(ex, "docker"), os.path.join(ex, "vllm"),
      os.path.join(ex, "ollama"), os.path.join(ex, "litellm"), os.path.join(ex, "skypilot"),
      os.path.join(ex, "scenarios"), "--config", os.path.join(ex, ".lmchoose.yaml"),
      "--format", "json"], 1),
]:
    check(" ".join(os.path.relpath(a, ex) if a.startswith(ex) else a for a in args[:2] + args[4:]),
          run(args, rc), chk)
sce = schema("scenario.schema.json")


def dates_as_text(v):
    """PyYAML reads 2027-03-31 as a date; lmchoose reads it as text."""
    if isinstance(v, dict):
        return {k: dates_as_text(x) for k, x in v.items()}
    if isinstance(v, list):
        return [dates_as_text(x) for x in v]
    return v.isoformat() if hasattr(v, "isoformat") else v


for path in sorted(glob.glob(os.path.join(ex, "deploy", "*.yaml"))):
    with open(path) as f:
        doc = dates_as_text(yaml.safe_load(f))
    if "lmchoose" in doc:
        check(os.path.relpath(path, ex), doc, sce)

val = schema("validate.schema.json")
check("validate --format json", run(["validate", os.path.join(profiles_dir, "runtimes.yaml"),
                                     os.path.join(ex, "cases", "bad-yaml.yaml"), "--format", "json"], 3), val)
cfg = schema("lmchoose-config.schema.json")
with open(os.path.join(ex, ".lmchoose.yaml")) as f:
    check("tests/check-example/.lmchoose.yaml", yaml.safe_load(f), cfg)

lst = schema("list.schema.json")
for kind in ["models", "hardware", "quantizations", "runtimes", "rules"]:
    check(f"list {kind}", run(["list", kind, "--format", "json"], 0), lst)

for pattern, name in [("models/*.yaml", "model.schema.json"),
                      ("hardware/*.yaml", "hardware.schema.json"),
                      ("quantizations.yaml", "quantizations.schema.json"),
                      ("runtimes.yaml", "runtimes.schema.json"),
                      ("rules/*.yaml", "rules.schema.json"),
                      ("scenarios/*.yaml", "scenario.schema.json")]:
    sch = schema(name)
    for path in sorted(glob.glob(os.path.join(profiles_dir, pattern))):
        with open(path) as f:
            check(os.path.relpath(path, profiles_dir), yaml.safe_load(f), sch)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
