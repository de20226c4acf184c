#!/usr/bin/env python3
"""`lmchoose import gguf` on GGUF files this test writes (format:
ggml-org/ggml docs/gguf.md), well-formed and hostile.

The expected weights bytes are computed here from ggml's block layouts
(ggml/src/ggml-common.h: q4_K 144 bytes and q6_K 210 bytes per 256 weights,
f32 4 bytes per weight), independently of lmchoose's table.

usage: check_import_gguf.py LMCHOOSE
"""
import json
import os
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

F32, Q4_K, Q6_K, Q8_0 = 0, 12, 14, 8
BLOCK = {F32: (1, 4), Q4_K: (256, 144), Q6_K: (256, 210), Q8_0: (32, 34)}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, cwd):
    p = subprocess.run([LM, *args], capture_output=True, text=True, env=ENV, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, value):
    out = gstr(key) + struct.pack("<I", vtype)
    if vtype == 4:
        out += struct.pack("<I", value)
    elif vtype == 8:
        out += gstr(value)
    elif vtype == 9:  # (element type, list)
        et, items = value
        out += struct.pack("<IQ", et, len(items))
        for it in items:
            out += gstr(it) if et == 8 else struct.pack("<I", it)
    return out


def tensor_bytes(dims, t):
    block, size = BLOCK[t]
    rows = 1
    for d in dims[1:]:
        rows *= d
    return dims[0] // block * size * rows


def model_tensors(layers=2, hidden=256, kv_dim=128, ffn=512, vocab=300, tied=False):
    ts = [("token_embd.weight", [hidden, vocab], Q4_K)]
    for i in range(layers):
        p = f"blk.{i}."
        ts += [(p + "attn_norm.weight", [hidden], F32), (p + "attn_q.weight", [hidden, hidden], Q4_K),
               (p + "attn_k.weight", [hidden, kv_dim], Q4_K), (p + "attn_v.weight", [hidden, kv_dim], Q6_K),
               (p + "attn_output.weight", [hidden, hidden], Q4_K), (p + "ffn_norm.weight", [hidden], F32),
               (p + "ffn_gate.weight", [hidden, ffn], Q4_K), (p + "ffn_up.weight", [hidden, ffn], Q4_K),
               (p + "ffn_down.weight", [ffn, hidden], Q6_K)]
    ts.append(("output_norm.weight", [hidden], F32))
    if not tied:
        ts.append(("output.weight", [hidden, vocab], Q6_K))
    return ts


def gguf(tensors, kvs, version=3, magic=b"GGUF", align=32, data=True):
    head = magic + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs)
    offset = 0
    infos = b""
    for name, dims, t in tensors:
        infos += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", t, offset)
        offset += tensor_bytes(dims, t)
        offset = (offset + align - 1) // align * align
    body = head + infos
    body += b"\0" * ((align - len(body) % align) % align)
    return body + (b"\0" * offset if data else b"")


def llama_kvs(name="Tiny Llama GGUF", ftype=15, vocab=300, context=4096):
    return [kv("general.architecture", 8, "llama"), kv("general.name", 8, name),
            kv("general.license", 8, "apache-2.0"), kv("general.file_type", 4, ftype),
            kv("llama.block_count", 4, 2), kv("llama.context_length", 4, context),
            kv("llama.embedding_length", 4, 256), kv("llama.feed_forward_length", 4, 512),
            kv("llama.attention.head_count", 4, 4), kv("llama.attention.head_count_kv", 4, 2),
            kv("llama.attention.key_length", 4, 64),
            kv("tokenizer.ggml.tokens", 9, (8, [f"t{i}" for i in range(vocab)]))]


with tempfile.TemporaryDirectory() as tmp:
    def write(name, data):
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(data)

    tensors = model_tensors()
    want = sum(tensor_bytes(d, t) for _, d, t in tensors)
    params = 0
    for _, d, _ in tensors:
        n = 1
        for x in d:
            n *= x
        params += n
    write("tiny.gguf", gguf(tensors, llama_kvs()))

    # 1. A new model: a complete profile that validates; estimate uses the
    # exact bytes.
    rc, out, err = run("import", "gguf", "tiny.gguf", "--out", "layer", "--date", "2026-12-31", cwd=tmp)
    check(rc == 0 and err == "", f"import gguf: {rc} {err!r}")
    text = open(os.path.join(tmp, "layer", "models", "tiny-llama-gguf.yaml")).read()
    check(f"  q4_k_m: {want}  #" in text, f"files.q4_k_m = {want} bytes:\n{text}")
    check(f"params_b: {params / 1e9:.10g}  # [1] {params} parameters" in text, "params_b")
    path = os.path.join(HERE, "gguf.tiny.yaml")
    if BLESS:
        open(path, "w").write(text)
    check(text == open(path).read(), f"gguf.tiny.yaml differs:\n{text}")
    path = os.path.join(HERE, "gguf.tiny.summary.out")
    if BLESS:
        open(path, "w").write(out)
    check(out == open(path).read(), f"gguf.tiny.summary.out differs:\n{out}")
    rc, out, err = run("validate", "--profiles", "layer", cwd=tmp)
    check(rc == 0 and "layer/models/tiny-llama-gguf.yaml: ok (model)" in out, f"validate: {out} {err}")
    rc, out, err = run("estimate", "tiny-llama-gguf", "--profiles", "layer", "--hardware",
                       "nvidia-rtx-4090", "--quant", "q4_k_m", "--format", "json", cwd=tmp)
    check(rc == 0, f"estimate: {rc} {err}")
    if rc == 0:
        e = json.loads(out)["estimate"]
        check(e["weights_gib"] == round(want / 2**30, 3), f"weights_gib {e['weights_gib']}")
        check(e["basis"]["weights_gib"]["method"] == "file-size", "weights from the file size")
        check(e["basis"]["weights_gib"]["inputs"]["bytes"] == want, "the exact bytes")

    # Tied embeddings: no output.weight.
    write("tied.gguf", gguf(model_tensors(tied=True), llama_kvs(name="Tied")))
    rc, out, err = run("import", "gguf", "tied.gguf", "--out", "layer2", cwd=tmp)
    text = open(os.path.join(tmp, "layer2", "models", "tied.yaml")).read()
    check(rc == 0 and "tied_embeddings: true  # [1] no output.weight tensor" in text, "tied")

    # 2. A catalog model: a partial override with files only, and a warning
    # when the header's layer count differs from the catalog's.
    rc, out, err = run("import", "gguf", "tiny.gguf", "--id", "llama-3.1-8b-instruct", "--out",
                       "over", "--date", "2026-12-31", cwd=tmp)
    check(rc == 0, f"import --id: {rc} {err}")
    check("warning: llama.block_count is 2 but model 'llama-3.1-8b-instruct' has 32 layers" in err,
          f"layer mismatch warning: {err!r}")
    text = open(os.path.join(tmp, "over", "models", "llama-3.1-8b-instruct.yaml")).read()
    check("\nid: llama-3.1-8b-instruct\nfiles:\n  q4_k_m: %d  #" % want in text and "architecture" not in text,
          f"partial override:\n{text}")
    rc, out, err = run("show", "model", "llama-3.1-8b-instruct", "--profiles", "over", cwd=tmp)
    check(rc == 0 and f"  q4_k_m: {want}" in out and "mmlu:" in out, "merged: files replaced, quality kept")

    # An unmapped file type: no files entry, said in the summary.
    write("q5ks.gguf", gguf(tensors, llama_kvs(name="Five", ftype=16)))
    rc, out, err = run("import", "gguf", "q5ks.gguf", "--out", "l3", cwd=tmp)
    check(rc == 0 and "no files entry: general.file_type 16 (LLAMA_FTYPE_MOSTLY_Q5_K_S)" in out,
          f"unmapped ftype: {out}")

    # 3. Hostile headers: exit 3 with a message naming the byte offset, never
    # a crash, never a read of tensor data.
    good = gguf(tensors, llama_kvs())
    hdr = b"GGUF" + struct.pack("<I", 3)

    def hostile(name, data, expect):
        write(name, data)
        rc, out, err = run("import", "gguf", name, "--out", "h-" + name, cwd=tmp)
        check(rc == 3 and out == "" and expect in err and err.startswith("lmchoose: " + name + ": error: GGUF at byte "),
              f"{name}: {rc} {err!r} (want {expect!r})")
        check(not os.path.exists(os.path.join(tmp, "h-" + name)), f"{name}: nothing written")

    hostile("magic.gguf", b"GGUX" + good[4:], "not a GGUF file")
    hostile("empty.gguf", b"", "truncated: the magic")
    hostile("v1.gguf", b"GGUF" + struct.pack("<I", 1) + good[8:], "GGUF version 1 is not supported")
    hostile("cut-header.gguf", good[:200], "truncated")
    data_start = len(gguf(tensors, llama_kvs(), data=False))
    hostile("cut-data.gguf", good[:data_start + 100], "runs past the end of the file (truncated?)")
    hostile("many-tensors.gguf", hdr + struct.pack("<QQ", 2**62, 0), "tensor count 4611686018427387904 exceeds the limit")
    hostile("many-kv.gguf", hdr + struct.pack("<QQ", 0, 2**40), "metadata count 1099511627776 exceeds the limit")
    hostile("long-key.gguf", hdr + struct.pack("<QQ", 0, 1) + struct.pack("<Q", 2**63) + b"x",
            "truncated: a metadata key of 9223372036854775808 bytes")
    hostile("long-string.gguf", hdr + struct.pack("<QQ", 0, 1) + gstr("general.name") +
            struct.pack("<IQ", 8, 2**40), "truncated: general.name of 1099511627776 bytes")
    hostile("big-array.gguf", hdr + struct.pack("<QQ", 0, 1) + gstr("a") + struct.pack("<IIQ", 9, 4, 2**60),
            "truncated: an array of 1152921504606846976 elements")
    nest = gstr("a") + struct.pack("<I", 9) + struct.pack("<IQ", 9, 1) * 6 + struct.pack("<IQ", 4, 0)
    hostile("deep-array.gguf", hdr + struct.pack("<QQ", 0, 1) + nest, "arrays nested deeper than 4")
    hostile("bad-vtype.gguf", hdr + struct.pack("<QQ", 0, 1) + gstr("a") + struct.pack("<I", 13),
            "value type 13 is not a GGUF value type")
    one = lambda dims, t: hdr + struct.pack("<QQ", 1, 0) + gstr("w") + struct.pack("<I", len(dims)) + \
        b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", t, 0) + b"\0" * 64
    hostile("five-dims.gguf", one([1, 1, 1, 1, 1], F32), "tensor 'w' has 5 dimensions")
    # Two 64-byte tensors at the same offset: each lies inside the 64-byte data
    # section, together they claim 128 bytes (found by fuzz_gguf).
    two = hdr + struct.pack("<QQ", 2, 0) + b"".join(
        gstr(n) + struct.pack("<I", 1) + struct.pack("<Q", 16) + struct.pack("<IQ", F32, 0) for n in ("a", "b"))
    two += b"\0" * ((32 - len(two) % 32) % 32) + b"\0" * 64
    hostile("overlap.gguf", two, "the tensors claim 128 bytes but the data section holds 64 (overlapping tensors?)")
    hostile("overflow.gguf", one([2**32, 2**32, 2**32], F32), "element count overflows")
    hostile("zero-dim.gguf", one([0], F32), "dimension 0 is 0")
    hostile("bytes-overflow.gguf", one([2**62], F32), "the byte size overflows")
    hostile("removed-type.gguf", one([32], 4), "ggml type 4 is unknown or removed")
    hostile("unknown-type.gguf", one([32], 99), "ggml type 99 is unknown or removed")
    hostile("block.gguf", one([100, 2], Q4_K), "not a multiple of the type's block size (256)")
    hostile("nul-name.gguf", hdr + struct.pack("<QQ", 0, 1) + gstr("general.name") + struct.pack("<I", 8) +
            gstr(b"a\0b"), "general.name holds a NUL byte")
    hostile("align.gguf", hdr + struct.pack("<QQ", 0, 1) + gstr("general.alignment") + struct.pack("<II", 4, 3),
            "general.alignment 3 is not a power of two")

    # Usage and file errors.
    rc, out, err = run("import", "gguf", "tiny.gguf", "--id", "Bad Id", cwd=tmp)
    check(rc == 2 and "--id needs an id" in err, f"bad --id: {err!r}")
    rc, out, err = run("import", "litellm", "x.json", "--id", "a", cwd=tmp)
    check(rc == 2 and "--id is for import gguf" in err, f"--id with litellm: {err!r}")
    rc, out, err = run("import", "gguf", ".", cwd=tmp)
    check(rc == 3 and "lmchoose: .: error: cannot read: not a regular file" in err, f"directory: {err!r}")
    rc, out, err = run("import", "gguf", "-", cwd=tmp)
    check(rc == 2, f"stdin: {rc} {err!r}")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
