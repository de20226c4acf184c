#!/usr/bin/env python3
"""Hostile deployment files for `lmchoose check` (issue 14, RELIABILITY §8): every
format check reads (Kubernetes, helm output, compose, LiteLLM, SkyPilot, vLLM
config, shell scripts, Dockerfiles, Modelfiles) in huge, deep, alias-bomb and
binary versions. Someone else's file that cannot be read is a located warning
(`ops.unreadable`), never a crash, a hang or exit 3; the time stays bounded.

usage: check_deploy_files.py LMCHOOSE
Prints one line per case and 'N passed, N failed' last; exits 1 on failure.
"""
import os
import random
import subprocess
import sys
import tempfile
import time

lm = os.path.abspath(sys.argv[1])
passed = failed = 0
env = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_HOST="nvidia-rtx-4090",
           SOURCE_DATE_EPOCH="1798675200")
env.pop("LMCHOOSE_PROFILES", None)
tmp = tempfile.mkdtemp(prefix="lmchoose-deploy-hostile-")
rng = random.Random(14)  # fixed seed: the same bytes on every run


def result(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {name}")
    else:
        failed += 1
        print(f"FAILED: {name}: {detail}")


def write(name, data):
    path = os.path.join(tmp, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return name


def check(name, path, rc, out_has=(), err="", seconds=10.0):
    # The bound catches blow-ups (minutes), not speed: 2 shared cores,
    # sanitizer builds.
    t0 = time.monotonic()
    p = subprocess.run([lm, "check", path, "--no-config"], cwd=tmp, env=env,
                       capture_output=True, timeout=60)
    dt = time.monotonic() - t0
    out = p.stdout.decode("utf-8", "replace")
    got_err = p.stderr.decode("utf-8", "replace")
    missing = [s for s in out_has if s not in out]
    result(name, p.returncode == rc and not missing and got_err == err and dt < seconds,
           f"exit {p.returncode} (want {rc}), {dt:.2f} s, missing {missing!r} in {out[-400:]!r}, "
           f"stderr {got_err!r}")


def binary(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


# Alias bombs: expansion is counted against --max-nodes, nothing is copied.
laughs = b"x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + b"".join(
    b"x-a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n" % ((i, i) + (i - 1,) * 9)
    for i in range(1, 9))
write("bomb/docker-compose.yaml", laughs + b"services:\n  s:\n    image: vllm/vllm-openai\n    command: *a8\n")
check("compose: billion laughs", "bomb/docker-compose.yaml", 0,
      ["bomb/docker-compose.yaml:6:12: warning: not read: alias 'a4' expands past --max-nodes 100000 [ops.unreadable]"])
write("bomb/k8s.yaml", b"apiVersion: v1\nkind: List\n" + laughs.replace(b"x-a", b"a") + b"items: *a8\n")
check("kubernetes List: billion laughs", "bomb/k8s.yaml", 0, ["[ops.unreadable]", "expands past --max-nodes"])
write("bomb/litellm.yaml", laughs + b"model_list: *a8\n")
check("litellm: billion laughs", "bomb/litellm.yaml", 0, ["expands past --max-nodes"])
write("bomb/cycle.yaml", b"services: &s\n  a: *s\n")
check("compose: alias cycle", "bomb/cycle.yaml", 0,
      ["bomb/cycle.yaml:2:6: warning: not read: alias 's' refers to an enclosing node (cycle) [ops.unreadable]"])
write("bomb/undefined.yaml", b"model_list: *nope\n")
check("litellm: undefined alias", "bomb/undefined.yaml", 0,
      ["bomb/undefined.yaml:1:13: warning: not read: undefined alias 'nope' [ops.unreadable]"])

# Deep nesting in each YAML format stops at --max-depth.
for name, head in (("deep/k8s.yaml", b"apiVersion: v1\nkind: Pod\nspec: "),
                   ("deep/compose.yaml", b"services: "),
                   ("deep/skypilot.yaml", b"resources:\n  accelerators: "),
                   ("deep/vllm.yaml", b"model: "),
                   ("deep/litellm.yaml", b"model_list: ")):
    write(name, head + b"[" * 1000000 + b"\n")
    check(f"deep nesting: {name}", name, 0, ["nesting depth exceeds --max-depth (64) [ops.unreadable]"])

# Huge files: over --max-input-size is an input error (every reader stops
# before parsing); within it, bounded work.
write("huge/k8s.yaml", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + b"x" * (5 << 20) + b"\n")
check("kubernetes over --max-input-size", "huge/k8s.yaml", 3, [],
      "lmchoose: huge/k8s.yaml: error: file exceeds --max-input-size (4 MiB)\n")
many = b"".join(b"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\n" % i for i in range(12000))
write("huge/helm-output.yaml", many)
check("helm output: 12 000 documents", "huge/helm-output.yaml", 0, ["[ops.unreadable]", "too many YAML nodes"])
write("huge/serve.sh", b"vllm serve meta-llama/Llama-3.1-8B-Instruct --max-model-len 4096\n" * 50000)
check("shell script: 50 000 vllm serve lines, 64 judged", "huge/serve.sh", 0,
      ["huge/serve.sh:65:1: warning: 50000 deployments in one file; the first 64 are judged [ops.unreadable]"])
write("huge/Dockerfile", b"FROM vllm/vllm-openai\n" + b"ENV A=" + b"b" * (3 << 20) + b"\n" +
      b"CMD [\"--model\", \"Qwen/Qwen2.5-7B-Instruct\"]\n")
check("Dockerfile: a 3 MiB ENV line", "huge/Dockerfile", 0, ["cannot tell which GPU"])
write("huge/field.Modelfile", b"FROM llama3.2:3b-instruct-q4_K_M\n" + b"SYSTEM \"\"\"\n" +
      b"x" * (3 << 20) + b"\n")
check("Modelfile: an unterminated 3 MiB block", "huge/field.Modelfile", 0, ["cannot tell which GPU"])

# Binary files under every name check reads.
for name in ("bin/k8s.yaml", "bin/Dockerfile", "bin/run.sh", "bin/x.Modelfile", "bin/docker-compose.yml"):
    write(name, b"\x7fELF\x02\x01\x01\x00" + binary(20000))
    p = subprocess.run([lm, "check", name, "--no-config"], cwd=tmp, env=env, capture_output=True,
                       timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    ok = (p.returncode == 0 and "[ops.unreadable]" in out) or \
         (p.returncode == 3 and "skipped" in out)
    result(f"binary file: {name}", ok, f"exit {p.returncode}, stdout {out[-300:]!r}")

# Malformed but harmless: a fractional GPU and GPU requests without limits.
write("k8s/gpu.yaml", b"""apiVersion: apps/v1
kind: Deployment
metadata: {name: half}
spec:
  template:
    spec:
      nodeSelector: {nvidia.com/gpu.product: NVIDIA-L4}
      containers:
        - name: vllm
          image: vllm/vllm-openai
          args: ["--model", "Qwen/Qwen2.5-7B-Instruct"]
          resources:
            limits: {nvidia.com/gpu: "0.5"}
""")
check("kubernetes: nvidia.com/gpu 0.5", "k8s/gpu.yaml", 0,
      ["k8s/gpu.yaml:13:38: warning: GPU count must be a whole number, got '0.5' (a fraction of a GPU cannot be requested) [ops.unreadable]"])
write("k8s/unrendered.yaml", b"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n")
check("kubernetes: an unrendered helm template", "k8s/unrendered.yaml", 0,
      ["k8s/unrendered.yaml:4:14: warning: not read: mapping keys must be scalars, not a mapping; "
       "this looks like an unrendered template (run helm template first) [ops.unreadable]"])

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
