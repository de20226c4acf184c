#!/usr/bin/env python3
"""Checks `lmchoose check` across formats (DESIGN §6.3, RELIABILITY §6.2-6.4):

- every exit path gives the same exit code for every --format;
- SARIF is parsed and checked for the fields GitHub code scanning needs;
- JUnit is parsed with xml.etree and its counts are checked;
- GitHub annotations and JUnit are escaped (a rule message with % : , < & >);
- --output writes the same bytes as stdout;
- docs/ci.md's commands and waiver example run against tests/check-example.

usage: check_formats.py LMCHOOSE EXAMPLE_DIR CI_MD
Prints one line per check and 'N passed, N failed' last; exits 1 on failure.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

lmchoose, example, ci_md = sys.argv[1:4]
FORMATS = ["text", "json", "markdown", "sarif", "junit", "github"]
passed = failed = 0


def ok(label, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok: {label}")
    else:
        failed += 1
        print(f"FAILED: {label} {detail}")


def run(args, cwd=example, stdin=None):
    env = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_HOST="nvidia-rtx-4090",
               SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", "1798675200"),
               LMCHOOSE_PROFILES="")
    p = subprocess.run([lmchoose] + args, cwd=cwd, capture_output=True, env=env, input=stdin)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def check_sarif(label, text, rc):
    """The fields GitHub code scanning requires (and a few it uses)."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        ok(f"{label}: SARIF parses", False, str(e))
        return None
    errs = []
    if doc.get("version") != "2.1.0":
        errs.append("version")
    if "sarif" not in doc.get("$schema", ""):
        errs.append("$schema")
    runs = doc.get("runs")
    if not isinstance(runs, list) or len(runs) != 1:
        ok(f"{label}: SARIF runs", False)
        return None
    r = runs[0]
    drv = r.get("tool", {}).get("driver", {})
    if drv.get("name") != "lmchoose" or not drv.get("version"):
        errs.append("tool.driver name/version")
    rules = drv.get("rules", [])
    ids = [x.get("id") for x in rules]
    if len(set(ids)) != len(ids):
        errs.append("duplicate rule ids")
    for x in rules:
        for k in ("shortDescription", "fullDescription", "help"):
            if not isinstance(x.get(k), dict) or not x[k].get("text"):
                errs.append(f"rule {x.get('id')} {k}")
        if x.get("defaultConfiguration", {}).get("level") not in ("error", "warning", "note"):
            errs.append(f"rule {x.get('id')} level")
    if r.get("columnKind") != "unicodeCodePoints":
        errs.append("columnKind")
    inv = r.get("invocations", [])
    if not inv or inv[0].get("exitCode") != rc or \
            inv[0].get("executionSuccessful") is not (rc in (0, 1)):
        errs.append("invocations")
    for res in r.get("results", []):
        ri = res.get("ruleIndex")
        if not isinstance(ri, int) or ri < 0 or ri >= len(rules) or rules[ri]["id"] != res.get("ruleId"):
            errs.append(f"ruleIndex of {res.get('ruleId')}")
        if res.get("level") not in ("error", "warning", "note"):
            errs.append("result level")
        if not res.get("message", {}).get("text"):
            errs.append("message.text")
        locs = res.get("locations", [])
        if len(locs) != 1:
            errs.append("locations")
            continue
        pl = locs[0].get("physicalLocation", {})
        if not pl.get("artifactLocation", {}).get("uri"):
            errs.append("artifactLocation.uri")
        reg = pl.get("region", {})
        if not (isinstance(reg.get("startLine"), int) and reg["startLine"] >= 1 and
                isinstance(reg.get("startColumn"), int) and reg["startColumn"] >= 1):
            errs.append("region")
        for s in res.get("suppressions", []):
            if s.get("kind") != "external" or not s.get("justification"):
                errs.append("suppression")
    ok(f"{label}: SARIF fields", not errs, "; ".join(sorted(set(errs))[:8]))
    return doc


def check_junit(label, text, fail_on_failures):
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as e:
        ok(f"{label}: JUnit parses", False, str(e))
        return None
    errs = []
    if root.tag != "testsuites":
        errs.append("root")
    tot = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for ts in root.findall("testsuite"):
        cases = ts.findall("testcase")
        n = {"tests": len(cases),
             "failures": sum(1 for c in cases if c.find("failure") is not None),
             "errors": sum(1 for c in cases if c.find("error") is not None),
             "skipped": sum(1 for c in cases if c.find("skipped") is not None)}
        for k, v in n.items():
            tot[k] += v
            if ts.get(k) != str(v):
                errs.append(f"{ts.get('name')} {k}")
        for c in cases:
            if c.get("classname") != ts.get("name") or not c.get("name"):
                errs.append("testcase names")
    for k, v in tot.items():
        if root.get(k) != str(v):
            errs.append(f"testsuites {k}")
    ok(f"{label}: JUnit structure", not errs, "; ".join(errs[:8]))
    return root


# ------------------------------------------------ exit paths x formats
paths = [
    ("violations", ["deploy"], 1),
    ("pass", ["deploy/classifier.yaml"], 0),
    ("warning --fail-on warning", ["cases/warning.yaml", "--fail-on", "warning"], 1),
    ("warning --fail-on error", ["cases/warning.yaml"], 0),
    ("--fail-on never", ["deploy", "--fail-on", "never"], 0),
    ("waived", ["deploy/support-bot.yaml"], 0),
    ("expired waiver", ["deploy/legacy-rag.yaml"], 1),
    ("unknown waiver rule", ["cases/unknown-waiver.yaml", "deploy/classifier.yaml"], 3),
    ("bad YAML among good", ["cases/bad-yaml.yaml", "deploy/classifier.yaml", "deploy/memory.yaml"], 3),
    ("bad YAML --fail-on never", ["cases/bad-yaml.yaml", "deploy/classifier.yaml", "--fail-on", "never"], 3),
    ("no match", ["nomatch/*.yaml"], 3),
    ("all skipped", ["deploy/values.yaml"], 3),
    # deployment files and .lmchoose.yaml (issue 14)
    ("repository", ["."], 1),
    ("deployment files only", ["k8s", "compose", "scripts", "docker", "vllm", "ollama"], 0),
    ("malformed foreign YAML", ["cases/broken-compose.yaml"], 0),
    ("malformed foreign YAML --fail-on warning", ["cases/broken-compose.yaml", "--fail-on", "warning"], 1),
    ("waiver comment for an unknown rule", ["cases/bad-waiver/Dockerfile"], 3),
]
for label, args, want in paths:
    codes = {}
    for fmt in FORMATS:
        rc, out, err = run(["check"] + args + ["--format", fmt])
        codes[fmt] = rc
        if fmt == "json":
            doc = json.loads(out)
            ok(f"{label}: json exit_code", doc["exit_code"] == rc)
        elif fmt == "sarif":
            check_sarif(label, out, rc)
        elif fmt == "junit":
            check_junit(label, out, True)
    ok(f"{label}: exit {want} for every format", set(codes.values()) == {want}, str(codes))

# The waived finding is a suppressed SARIF result and a skipped JUnit case.
rc, out, _ = run(["check", "deploy/support-bot.yaml", "--format", "sarif"])
res = json.loads(out)["runs"][0]["results"]
sup = [r for r in res if r.get("suppressions")]
ok("waived: SARIF suppression", len(sup) == 1 and sup[0]["ruleId"] == "budget.monthly" and
   "FIN-142" in sup[0]["suppressions"][0]["justification"])
rc, out, _ = run(["check", "deploy/support-bot.yaml", "--format", "junit"])
root = ET.fromstring(out.encode())
sk = [c for c in root.iter("testcase") if c.find("skipped") is not None]
ok("waived: JUnit skipped", [c.get("name") for c in sk] == ["budget.monthly"])
rc, out, _ = run(["check", "deploy/support-bot.yaml", "--format", "github"])
ok("waived: no annotation", "budget.monthly" not in out and rc == 0)
rc, out, _ = run(["check", "deploy/legacy-rag.yaml", "--format", "junit"])
fl = [c for c in ET.fromstring(out.encode()).iter("testcase") if c.find("failure") is not None]
ok("expired: JUnit failure", [c.get("name") for c in fl] == ["budget.monthly"] and
   "waiver expired 2026-06-30" in fl[0].find("failure").get("message"))
rc, out, _ = run(["check", "cases/bad-yaml.yaml", "deploy/classifier.yaml", "--format", "junit"])
er = [c for c in ET.fromstring(out.encode()).iter("testcase") if c.find("error") is not None]
ok("bad YAML: JUnit error case", [c.get("name") for c in er] == ["lmchoose.input"])
rc, out, _ = run(["check", "cases/bad-yaml.yaml", "deploy/classifier.yaml", "--format", "sarif"])
inv = json.loads(out)["runs"][0]["invocations"][0]
ok("bad YAML: SARIF notification", inv["executionSuccessful"] is False and
   inv["toolExecutionNotifications"][0]["level"] == "error")

# Deployment files: findings are located in the deployment file itself.
rc, out, err = run(["check", "."])
ok("repository: no input error for a deployment file", rc == 1 and err == "", err)
rc, out, _ = run(["check", "k8s/chat-vllm.yaml", "scenarios/chat.yaml", "--format", "sarif"])
res = json.loads(out)["runs"][0]["results"]
uris = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in res})
ok("SARIF physicalLocation in the Kubernetes file", uris == ["k8s/chat-vllm.yaml", "scenarios/chat.yaml"], uris)
drift = [r for r in res if r["ruleId"] == "ops.drift"]
ok("ops.drift located at the stale copy", len(drift) == 1 and
   drift[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "scenarios/chat.yaml" and
   drift[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 17, "startColumn": 17})
rc, out, _ = run(["check", "docker", "--format", "sarif"])
sup = [r for r in json.loads(out)["runs"][0]["results"] if r.get("suppressions")]
ok("waiver comment: SARIF suppression", len(sup) == 1 and sup[0]["ruleId"] == "ops.self-hosting" and
   "we run TGI" in sup[0]["suppressions"][0]["justification"])
rc, out, _ = run(["check", "docker", "--format", "json"])
w = [v for f in json.loads(out)["files"] for v in f["violations"] if v["waived"]]
ok("waiver comment: waived in JSON", len(w) == 1 and w[0]["waiver"]["expires"] == "2027-06-30")

# ------------------------------------------------ escaping
tmp = tempfile.mkdtemp(prefix="lmchoose-check-")
try:
    rules = os.path.join(tmp, "rules.yaml")
    with open(rules, "w") as f:
        f.write("rules:\n"
                "  - id: ops.escape-test\n"
                "    dimension: ops\n"
                "    severity: warning\n"
                "    when: candidate.devices >= 1\n"
                "    message: '100% sure: a, b <&> \"q\" {model.id}'\n"
                "    rationale: tests escaping\n")
    odd = os.path.join(tmp, "a,b:c.yaml")
    shutil.copy(os.path.join(example, "deploy", "classifier.yaml"), odd)
    rc, out, _ = run(["check", "a,b:c.yaml", "--rules", rules, "--format", "github"], cwd=tmp)
    line = [l for l in out.splitlines() if "ops.escape-test" in l]
    ok("github: escaped properties and data",
       len(line) == 1 and line[0].startswith("::warning file=a%2Cb%3Ac.yaml,line=") and
       line[0].endswith("::100%25 sure: a, b <&> \"q\" llama-3.1-8b-instruct"), repr(line))
    rc2, out, _ = run(["check", "a,b:c.yaml", "--rules", rules, "--format", "junit",
                       "--fail-on", "warning"], cwd=tmp)
    root = check_junit("escaping", out, True)
    fl = [c for c in root.iter("testcase") if c.get("name") == "ops.escape-test"] if root is not None else []
    ok("junit: escaped message round-trips",
       len(fl) == 1 and fl[0].find("failure").get("message") ==
       '100% sure: a, b <&> "q" llama-3.1-8b-instruct' and rc2 == 1)
    rc3, out, _ = run(["check", "a,b:c.yaml", "--rules", rules, "--format", "sarif"], cwd=tmp)
    doc = check_sarif("escaping", out, rc3)
    ok("sarif: uri as given", doc is not None and
       doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a,b:c.yaml")

    # --------------------------------------------- --output
    for fmt in FORMATS:
        rc_a, out_a, _ = run(["check", "deploy", "--format", fmt])
        dest = os.path.join(tmp, "out." + fmt)
        rc_b, out_b, _ = run(["check", "deploy", "--format", fmt, "--output", dest])
        with open(dest, encoding="utf-8") as f:
            content = f.read()
        ok(f"--output {fmt}", rc_a == rc_b == 1 and out_b == "" and content == out_a)

    # --------------------------------------------- docs/ci.md
    with open(ci_md, encoding="utf-8") as f:
        md = f.read()
    blocks = re.findall(r"```yaml\n(.*?)```", md, re.S)
    try:
        import yaml
        for i, b in enumerate(blocks):
            yaml.safe_load(b)
        ok("docs/ci.md: YAML blocks parse", len(blocks) >= 3)
    except ImportError:
        print("skip: python3-yaml missing, YAML blocks not parsed")
    cmds = re.findall(r"^\s*(?:- )?(?:run: )?(lmchoose check [^\n#]*)$", md, re.M)
    cmds = [c.strip() for c in cmds]
    ok("docs/ci.md: commands found", len(cmds) >= 3, repr(cmds))
    repo = os.path.join(tmp, "repo")
    shutil.copytree(example, repo)
    for c in cmds:
        argv = shlex.split(c)[1:]
        rc, out, err = run(argv, cwd=repo)
        want = 0 if "never" in argv else 1
        ok(f"docs/ci.md: `{c}` exits {want}", rc == want, f"got {rc}: {err}")
        if "--output" in argv:
            path = os.path.join(repo, argv[argv.index("--output") + 1])
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if "sarif" in argv:
                check_sarif("docs/ci.md", text, rc)
            elif "junit" in argv:
                check_junit("docs/ci.md", text, True)
    waiver = [b for b in blocks if b.startswith("lmchoose: 1") and "waive:" in b]
    ok("docs/ci.md: waiver example found", len(waiver) == 1)
    if waiver:
        with open(os.path.join(repo, "deploy", "waived-example.yaml"), "w") as f:
            f.write(waiver[0])
        rc, out, err = run(["check", "deploy/waived-example.yaml", "--format", "json"], cwd=repo)
        doc = json.loads(out)
        v = [x for x in doc["files"][0]["violations"] if x["waived"]]
        ok("docs/ci.md: waiver example is waived", rc == 0 and len(v) == 1 and
           v[0]["rule"] == "budget.monthly", f"rc {rc} {err}")
finally:
    shutil.rmtree(tmp)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
