#!/usr/bin/env python3
"""`lmchoose import hf-config` on Hugging Face configs.

tests/import/hf/*/config.json hold the architecture values of the published
configs as transcribed in shared/data/catalog-facts.md (mlc-llm
python/mlc_llm/model/model_preset.py @01ced331, which embeds copies of the HF
config.json files): Llama-3.1-8B, Qwen2.5-0.5B, Mixtral-8x7B-v0.1. The expected
parameter counts are the exact counts catalog-facts.md gives (keras-hub's
published `params`): 8,030,261,248; 494,032,768; 46,702,792,704.

usage: check_import_hfconfig.py LMCHOOSE
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

LM = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
BLESS = os.environ.get("LM_BLESS") == "1"
ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_PROFILES="",
           SOURCE_DATE_EPOCH="1798675200")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, cwd):
    p = subprocess.run([LM, *args], capture_output=True, text=True, env=ENV, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory() as tmp:
    shutil.copytree(os.path.join(HERE, "hf"), os.path.join(tmp, "hf"))

    # 1. The formula reproduces the published exact counts.
    cases = (("llama-3.1-8b", "llama-3.1-8b-instruct", 8030261248, None),
             ("qwen2.5-0.5b", "qwen2.5-0.5b-instruct", 494032768, None),
             ("mixtral-8x7b", "mixtral-8x7b-v0.1", 46702792704, 12879925248))
    for d, mid, total, active in cases:
        rc, out, err = run("import", "hf-config", "hf/" + d, "--out", "layer", cwd=tmp)
        check(rc == 0 and err == "", f"{d}: {rc} {err!r}")
        check(f"  total       {total} " in out, f"{d}: total {total} in the summary:\n{out}")
        text = open(os.path.join(tmp, "layer", "models", mid + ".yaml")).read()
        check(f"params_b: {total / 1e9:.12g}  # [1] {total} parameters (the decoder formula)" in text,
              f"{d}: params_b:\n{text}")
        if active:
            check(f"active_params_b: {active / 1e9:.12g}" in text, f"{d}: active_params_b")
        for name, content in (("summary.out", out), ("yaml", text)):
            path = os.path.join(HERE, f"hf.{d}.{name}")
            if BLESS:
                open(path, "w").write(content)
            check(content == open(path).read(), f"hf.{d}.{name} differs:\n{content}")
    # Qwen2.5-0.5B and Llama-3.1-8B are catalog models: partial overrides
    # (size and architecture), merged over the builtin; Mixtral's id is new.
    rc, out, err = run("validate", "--profiles", "layer", cwd=tmp)
    check(rc == 0, f"the layer validates: {out} {err}")
    check("layer/models/qwen2.5-0.5b-instruct.yaml: ok (model, merged over <builtin>/models/qwen2.5-0.5b-instruct.yaml)" in out
          and "layer/models/mixtral-8x7b-v0.1.yaml: ok (model)\n" in out, out)
    rc, out, _ = run("list", "models", "--format", "json", "--profiles", "layer", cwd=tmp)
    m = {e["id"]: e for e in json.loads(out)}
    check(m["qwen2.5-0.5b-instruct"]["params_b"] == 0.494032768 and
          m["qwen2.5-0.5b-instruct"]["architecture"]["tied_embeddings"] is True, "qwen merged")
    rc, out, _ = run("show", "model", "mixtral-8x7b-v0.1", "--profiles", "layer", cwd=tmp)
    check("  experts: 8  " in out and "  experts_per_token: 2  " in out, "mixtral experts")

    # 2. Exact counts from the weights' metadata: the safetensors index
    # (total_size / 2 bytes of bfloat16), and a single model.safetensors
    # whose header shapes are summed.
    shutil.copytree(os.path.join(tmp, "hf", "llama-3.1-8b"), os.path.join(tmp, "idx"))
    json.dump({"metadata": {"total_size": 2 * 8030261248}, "weight_map": {}},
              open(os.path.join(tmp, "idx", "model.safetensors.index.json"), "w"))
    rc, out, err = run("import", "hf-config", "idx", "--id", "idx-model", "--out", "l2", cwd=tmp)
    text = open(os.path.join(tmp, "l2", "models", "idx-model.yaml")).read()
    check(rc == 0 and "exact from model.safetensors.index.json: metadata.total_size / bytes of torch_dtype: 8030261248\n" in out
          and "params_b: 8.030261248  # [1] 8030261248 parameters (exact, from the weights' metadata)" in text,
          f"index: {out} {text}")
    shutil.copytree(os.path.join(tmp, "hf", "qwen2.5-0.5b"), os.path.join(tmp, "st"))
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "a": {"dtype": "BF16", "shape": [1000, 7], "data_offsets": [0, 14000]},
                         "b": {"dtype": "BF16", "shape": [3], "data_offsets": [14000, 14006]}}).encode()
    open(os.path.join(tmp, "st", "model.safetensors"), "wb").write(struct.pack("<Q", len(header)) + header)
    rc, out, err = run("import", "hf-config", "st", "--id", "st-model", "--out", "l3", cwd=tmp)
    check(rc == 0 and "exact from model.safetensors: the tensor shapes, multiplied out and summed: 7003 "
          "(differs from the formula: the exact count is used)" in out, f"safetensors: {out} {err}")

    # 3. Bad input: exit 3 with the file named; never a crash.
    def bad(name, files, expect, args=()):
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for fn, content in files.items():
            open(os.path.join(d, fn), "wb").write(content)
        rc, out, err = run("import", "hf-config", name, *args, "--out", "o-" + name, cwd=tmp)
        check(rc == 3 and expect in err, f"{name}: {rc} {err!r} (want {expect!r})")

    base = json.load(open(os.path.join(HERE, "hf", "llama-3.1-8b", "config.json")))
    bad("syntax", {"config.json": b"{\"a\": }"}, "syntax/config.json:1:7: error: JSON syntax error")
    bad("array", {"config.json": b"[]"}, "expected a JSON object (config.json)")
    bad("type", {"config.json": json.dumps(dict(base, hidden_size="4096")).encode()},
        "'hidden_size' must be a whole number from 0 to 1e9")
    bad("frac", {"config.json": json.dumps(dict(base, num_hidden_layers=3.5)).encode()},
        "'num_hidden_layers' must be a whole number")
    bad("missing", {"config.json": json.dumps({k: v for k, v in base.items() if k != "vocab_size"}).encode()},
        "config.json needs num_hidden_layers, hidden_size")
    bad("unknown-type", {"config.json": json.dumps(dict(base, model_type="gpt_neox")).encode()},
        "no parameter count: model_type 'gpt_neox' has no formula here")
    bad("st-huge", {"config.json": json.dumps(base).encode(),
                    "model.safetensors": struct.pack("<Q", 2**60)}, "exceeds --max-input-size")
    bad("st-cut", {"config.json": json.dumps(base).encode(),
                   "model.safetensors": struct.pack("<Q", 100) + b"{}"}, "truncated safetensors header")
    bad("st-shape", {"config.json": json.dumps(base).encode(),
                     "model.safetensors": struct.pack("<Q", 30) + b'{"a":{"dtype":"F32","shape":[-1]}}'[:30]},
        "error")
    bad("index", {"config.json": json.dumps(base).encode(),
                  "model.safetensors.index.json": b'{"metadata": {"total_size": "big"}}'},
        "'metadata.total_size' must be a whole number of bytes")
    rc, out, err = run("import", "hf-config", "nowhere", cwd=tmp)
    check(rc == 3 and "nowhere: error:" in err, f"missing path: {err!r}")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
