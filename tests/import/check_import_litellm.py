#!/usr/bin/env python3
"""`lmchoose import litellm` end to end, on the real LiteLLM price map.

Input: litellm_model_prices.json.gz, a gzip of LiteLLM's
model_prices_and_context_window.json (BerriAI/litellm, MIT licence; the copy
in shared/data/litellm_model_prices.json, synced 2026-07-24, sha256
4c6858bb791bd06e91e767670a58e088190f19579d11785217aa418edfd4fe51).

Checks: the summary and three imported files byte for byte (golden files in
this directory; LM_BLESS=1 rewrites them), the counts in unmatched.txt, that
the layer validates and loads with --profiles (quality and the builtin
offer's speed carry over, prices come from LiteLLM), the staleness warning,
alias matching, and hostile JSON.

usage: check_import_litellm.py LMCHOOSE
"""
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LM = os.path.abspath(sys.argv[1])
BLESS = os.environ.get("LM_BLESS") == "1"
failures = []

ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_PROFILES="",
           SOURCE_DATE_EPOCH="1798675200")  # 2026-12-31


def run(*args, env=ENV, cwd=None):
    p = subprocess.run([LM, *args], capture_output=True, text=True, env=env, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def golden(name, text):
    path = os.path.join(HERE, name)
    if BLESS:
        with open(path, "w") as f:
            f.write(text)
        return
    with open(path) as f:
        want = f.read()
    check(text == want, f"{name} differs from the output:\n{text}")


with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "litellm_model_prices.json")
    with gzip.open(os.path.join(HERE, "litellm_model_prices.json.gz"), "rb") as f:
        data = f.read()
    check(hashlib.sha256(data).hexdigest() ==
          "4c6858bb791bd06e91e767670a58e088190f19579d11785217aa418edfd4fe51",
          "the test input is the documented copy")
    with open(src, "wb") as f:
        f.write(data)

    # 1. The import, from the temporary directory so paths are short.
    rc, out, err = run("import", "litellm", "litellm_model_prices.json", "--out", "layer",
                       "--date", "2026-07-24", cwd=tmp)
    check(rc == 0, f"import exits 0 (got {rc}, stderr {err!r})")
    check(err == "", f"import prints no diagnostics on the real file: {err!r}")
    golden("litellm.summary.out", out)
    layer = os.path.join(tmp, "layer")
    files = sorted(os.listdir(os.path.join(layer, "models")))
    check(len(files) == 50, f"50 catalog models matched (got {len(files)})")
    for name in ("gpt-4o-mini.yaml", "claude-haiku-4-5.yaml", "llama-3.1-8b-instruct.yaml"):
        with open(os.path.join(layer, "models", name)) as f:
            golden("litellm." + name, f.read())

    # unmatched.txt: one line per chat offer not written, by status; the
    # counts add up to LiteLLM's chat entries.
    raw = json.loads(data)
    chat = [k for k, v in raw.items() if isinstance(v, dict) and v.get("mode") == "chat"]
    with open(os.path.join(layer, "unmatched.txt")) as f:
        rows = [l.rstrip("\n").split("\t") for l in f if not l.startswith("#")][1:]
    status = {}
    for r in rows:
        status[r[0]] = status.get(r[0], 0) + 1
    check(status == {"unmatched": 1906, "no-price": 114, "duplicate": 32},
          f"unmatched.txt counts {status}")
    written = sum(open(os.path.join(layer, "models", n)).read().count("- provider:")
                  for n in files)
    check(written == 233, f"233 offers written (got {written})")
    check(written + len(rows) == len(chat) == 2285,
          f"every chat offer is written or listed ({written} + {len(rows)} vs {len(chat)})")

    # --all-offers: every unmatched offer with a price and a context length
    # also becomes an API-only profile; the layer still validates.
    rc, out, err = run("import", "litellm", "litellm_model_prices.json", "--all-offers", "--out",
                       "all", "--date", "2026-07-24", cwd=tmp)
    check(rc == 0 and "  1858 unmatched offers written as API-only profiles of their own" in out,
          f"--all-offers: {rc} {out[-400:]} {err}")
    allfiles = os.listdir(os.path.join(tmp, "all", "models"))
    check(len(allfiles) == 50 + 1858, f"{len(allfiles)} files with --all-offers")
    with open(os.path.join(tmp, "all", "models", "groq-llama-3.1-8b-instant.yaml")) as f:
        golden("litellm.all-offers.groq-llama-3.1-8b-instant.yaml", f.read())
    with_ctx = sum(1 for r in rows if r[0] == "unmatched" and r[5] != "-")
    check(with_ctx >= 1858, f"unmatched offers with a context: {with_ctx}")
    rc, out, err = run("validate", "--profiles", "all", cwd=tmp)
    check(rc == 0 and out.count(": ok (model") == 1908, f"the --all-offers layer validates: {rc}")

    # 2. The layer validates, merged, and warns that it is stale (160 days
    # before SOURCE_DATE_EPOCH's 2026-12-31).
    rc, out, err = run("validate", "--profiles", "layer", cwd=tmp)
    check(rc == 0, f"validate --profiles exits 0 (got {rc}: {err})")
    check(out.count(": ok (model, merged over <builtin>/models/") == 50, "50 merged ok lines")
    check(err == "lmchoose: layer: warning: imported on 2026-07-24, 160 days ago (over 90): "
                 "prices and offers may be stale; import a fresh copy (docs/import.md)\n",
          f"staleness warning: {err!r}")
    # Imported 90 days before today: no warning.
    rc, _, _ = run("import", "litellm", "litellm_model_prices.json", "--out", "fresh",
                   "--date", "2026-10-02", cwd=tmp)
    rc, out, err = run("validate", "--profiles", "fresh", cwd=tmp)
    check(rc == 0 and err == "", f"a layer imported 90 days ago does not warn: {err!r}")

    # 3. Loaded with --profiles: prices from LiteLLM, the rest from the catalog.
    rc, out, _ = run("list", "models", "--format", "json", cwd=tmp)
    builtin = {m["id"]: m for m in json.loads(out)}
    rc, out, _ = run("list", "models", "--format", "json", "--profiles", "fresh", cwd=tmp)
    merged = {m["id"]: m for m in json.loads(out)}
    check(rc == 0, "list with the layer exits 0")
    m, b = merged["gpt-4o-mini"], builtin["gpt-4o-mini"]
    check(m["quality"] == b["quality"], "quality carries over")
    check(m["origin"] == "fresh/models/gpt-4o-mini.yaml", f"origin {m['origin']}")
    offers = {o["provider"]: o for o in m["api"]}
    check(sorted(offers) == ["azure", "azure-eu", "azure-us", "gmi", "openai", "replicate", "vercel-ai-gateway"],
          f"providers {sorted(offers)}")
    openai = offers["openai"]
    check(openai["input_usd_per_mtok"] == 0.15 and openai["output_usd_per_mtok"] == 0.6,
          "openai price = LiteLLM input_cost_per_token 1.5e-07 x 1e6, output 6e-07 x 1e6")
    check(openai["output_tokens_per_s"] == 59 and openai["regions"] == ["us", "eu"],
          "the builtin openai offer's speed and regions stay (merged by provider)")
    check(b["sources"][0] in m["sources"] and len(m["sources"]) == len(b["sources"]) + 1,
          "sources append")
    for mid in merged:
        if mid in builtin and not merged[mid]["origin"].startswith("fresh/"):
            check(merged[mid] == builtin[mid], f"{mid} unchanged")

    # 4. An alias matches a dated key; other dated keys stay unmatched.
    os.makedirs(os.path.join(tmp, "alias", "models"))
    with open(os.path.join(tmp, "alias", "models", "gpt-4o.yaml"), "w") as f:
        f.write("id: gpt-4o\naliases: [gpt-4o-2024-08-06]\n")
    rc, out, err = run("import", "litellm", "litellm_model_prices.json", "--out", "al",
                       "--date", "2026-12-31", "--profiles", "alias", cwd=tmp)
    check(rc == 0, f"import with an alias layer: {err}")
    text = open(os.path.join(tmp, "al", "models", "gpt-4o.yaml")).read()
    check("key azure/eu/gpt-4o-2024-08-06\n" in text and "key azure/us/gpt-4o-2024-08-06\n" in text,
          "keys naming the alias match")
    check("provider: openai  # [1] key gpt-4o\n" in text,
          "of two keys with one provider and region, the first in key order is kept")
    check("provider: azure-eu  # [1] key azure/eu/gpt-4o-2024-08-06\n" in text and
          "    regions: [eu]  # [1] named by the key\n" in text,
          "a region path component becomes the offer's region and provider suffix")

    # 5. Hostile JSON: syntax errors at line:col, exit 3; a non-object;
    # nesting beyond cJSON's limit; bad values are warnings and the entry is
    # listed as invalid; a hostile key cannot break the YAML it lands in.
    def hostile(name, body):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(body)
        return run("import", "litellm", name, "--out", "h-" + name, "--date", "2026-12-31",
                   cwd=tmp)

    rc, out, err = hostile("syntax.json", b'{\n  "a": {"mode": "chat",}\n}\n')
    check(rc == 3 and out == "" and err == "lmchoose: syntax.json:2:25: error: JSON syntax "
          "error (or nesting deeper than 1000)\n", f"syntax error: {rc} {err!r}")
    rc, out, err = hostile("array.json", b'[1, 2]')
    check(rc == 3 and "array.json:1:1: error: expected a JSON object" in err, f"array: {err!r}")
    rc, out, err = hostile("deep.json", b'{"a":' + b'[' * 5000 + b']' * 5000 + b'}')
    check(rc == 3 and "deep.json:" in err, f"deep nesting: {rc} {err!r}")
    rc, out, err = hostile("trailing.json", b'{} {}')
    check(rc == 3 and "trailing.json:1:4: error: unexpected text" in err, f"trailing: {err!r}")
    rc, out, err = hostile("empty.json", b'')
    check(rc == 3 and "empty.json: error: empty file" in err, f"empty: {err!r}")
    rc, out, err = hostile("utf8.json", b'{"\xff": 1}')
    check(rc == 3 and "not valid UTF-8" in err, f"bad utf-8: {err!r}")
    rc, out, err = hostile("types.json", b"""{
 "gpt-4o-mini": {"mode": "chat", "litellm_provider": "openai",
                 "input_cost_per_token": "0.1", "output_cost_per_token": 1e-6},
 "gpt-4o": {"mode": "chat", "litellm_provider": "openai",
            "input_cost_per_token": 1e400, "output_cost_per_token": -1},
 "o4-mini": {"mode": "chat", "litellm_provider": "openai",
             "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
             "supports_vision": "yes"},
 "gpt-4.1\\n  evil: 1": {"mode": "chat", "litellm_provider": "x\\ny",
                        "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6},
 "gpt-4.1": {"mode": "chat", "litellm_provider": "openai\\n  - provider: z",
             "input_cost_per_token": 2e-6, "output_cost_per_token": 8e-6}
}
""")
    check(rc == 0, f"bad values are warnings, not errors: {rc} {err!r}")
    check("types.json:2:2: warning: 'gpt-4o-mini': 'input_cost_per_token' must be a number in "
          "[0, 10]; entry skipped" in err, f"a string price is reported at its key: {err!r}")
    check(err.count("warning:") == 4, f"four warnings (gpt-4o twice, o4-mini, gpt-4o-mini): {err!r}")
    files = sorted(os.listdir(os.path.join(tmp, "h-types.json", "models")))
    check(files == ["gpt-4.1.yaml"], f"only the valid entry is written: {files}")
    rc, out, err = run("validate", "--profiles", "h-types.json", cwd=tmp)
    check(rc == 0, f"a hostile provider name still gives a valid layer: {err}")
    text = open(os.path.join(tmp, "h-types.json", "models", "gpt-4.1.yaml")).read()
    check("provider: openai-----provider--z  # [1] key gpt-4.1\n" in text, f"sanitised: {text}")
    un = open(os.path.join(tmp, "h-types.json", "unmatched.txt")).read()
    check("unmatched\tgpt-4.1   evil: 1\tx y\t" in un, "a key with a line break stays one TSV row")
    check(un.count("\ninvalid\t") == 3, "three invalid rows")

    # 6. Usage errors: exit 2, nothing written.
    for args, msg in ((["import"], "import needs a kind"),
                      (["import", "litelm", "x.json"], "unknown import kind 'litelm' (did you mean 'litellm'?)"),
                      (["import", "litellm"], "import litellm needs a FILE"),
                      (["import", "litellm", "a", "b"], "import litellm takes one FILE"),
                      (["import", "litellm", "x.json", "--date", "2026-02-29"], "--date needs a day"),
                      (["import", "litellm", "x.json", "--format", "json"], "import takes no --format"),
                      (["import", "gguf", "x.gguf", "--all-offers"], "--all-offers is for import litellm")):
        rc, out, err = run(*args, cwd=tmp)
        check(rc == 2 and out == "" and msg in err, f"{args}: {rc} {err!r}")
    rc, out, err = run("import", "litellm", "missing.json", cwd=tmp)
    check(rc == 3 and "missing.json: error:" in err, f"missing file: {rc} {err!r}")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
