#!/usr/bin/env python3
"""Mutation check (issue 11 item 4): plant deliberate bugs, one at a time, in a
scratch copy of the source tree, and require the test suite to catch every one.

usage: run_mutants.py SOURCE_DIR [--only N,N...] [--list] [--keep]

The source tree is copied once to a temporary directory (build directories and .git
left out), configured and built there; then each mutant is applied as an exact
text replacement (the text must occur exactly once: a mutant whose target moved
fails the run with "does not apply", so the list cannot rot silently), the copy is
rebuilt incrementally, and the suite runs in three phases with --stop-on-failure:

  1. unit tests (the metamorphic one excepted), accuracy, scenario expectations and
     decision tests: seconds;
  2. the golden CLI cases;
  3. everything else (metamorphic properties, schema, check formats, hostile, smoke).

A mutant is killed by the first phase that fails. A phase-3 kill is only trusted
after phase 3 has passed once on the unmutated copy. The real tree is never touched.
Prints one line per mutant, the mutation score and the time; exits 1 unless every
mutant is killed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# (id, file, original text, mutated text, what the bug is)
MUTANTS = [
    ("heap-huge", "src/cli/heap.c",
     "    void *shrunk = realloc(p, first - (uintptr_t)p);",
     "    void *shrunk = p;",
     "cli heap: the huge-page reserve is kept allocated, so no allocation lands in it"),
    ("sizing-interval", "src/model/estimate.c",
     "    double next = b + 1;",
     "    double next = b + 2;",
     "estimate: the flip search's sizing interval skips the next batch (re-uses a stale sizing)"),
    ("kv-decode", "src/model/estimate.c",
     "                 kv_read(c, ctx, b) / (c->kv_eff * c->bw) +",
     "                 0 * kv_read(c, ctx, b) / (c->kv_eff * c->bw) +",
     "estimate: the KV cache dropped from the decode step (issue 11's example)"),
    ("kv-bytes", "src/model/estimate.c",
     "return 2.0 * s->kv_heads * s->head_dim * bpe * sequences *",
     "return 2.0 * s->kv_heads * s->head_dim * (bpe / 2) * sequences *",
     "estimate: KV bytes per element halved (f16 counted as 1 byte)"),
    ("weight-bits", "src/model/estimate.c",
     "    return bits / 8.0;\n}",
     "    return bits / 8.5;\n}",
     "estimate: formula weights divided by 8.5 bits per byte"),
    ("prefill-attn", "src/model/estimate.c",
     "2.0 * c->s.layers * t * t * c->s.heads * c->s.head_dim;",
     "0.0 * c->s.layers * t * t * c->s.heads * c->s.head_dim;",
     "estimate: the attention (T^2) term dropped from prefill FLOPs"),
    ("tensor-parallel", "src/model/estimate.c",
     "c->tp = devices == 1 ? 1.0 : pow(0.9, log2(devices));",
     "c->tp = devices == 1 ? 1.0 : pow(1.0, log2(devices));",
     "estimate: no tensor-parallel loss (0.9^log2 N -> 1)"),
    ("moe-active", "src/model/estimate.c",
     "return weights - experts + experts * a->experts_per_token / a->experts;",
     "return weights;",
     "estimate: MoE decode reads every expert's weights"),
    ("phone-band", "src/model/estimate.c",
     "b.decode = fmax(b.decode * 2.0, 0.6);",
     "b.decode = fmax(b.decode * 1.5, 0.4);",
     "estimate: phone decode error band narrowed (issue 11's example)"),
    ("hours-720", "src/model/estimate.c",
     "#define HOURS_PER_MONTH 730.0",
     "#define HOURS_PER_MONTH 720.0",
     "cost: a month of 720 h instead of 730 h"),
    ("api-out-price", "src/model/estimate.c",
     "in->output_tokens * o->output_usd_per_mtok) / 1e6;",
     "in->output_tokens * o->input_usd_per_mtok) / 1e6;",
     "cost: API output tokens billed at the input price"),
    ("sizing-floor", "src/model/estimate.c",
     "double by_peak = ceil(peak / bcap);",
     "double by_peak = floor(peak / bcap);",
     "sizing: instances for the peak rounded down"),
    ("capacity-rho", "src/model/estimate.c",
     "ceil(lambda / (rho * cap_rps) - 1e-9)",
     "ceil(lambda / (cap_rps) - 1e-9)",
     "sizing: capacity at 100 % utilisation (target_utilization ignored)"),
    ("fit-20pct", "src/model/estimate.c",
     "headroom >= 0.2 * usable_gib - FIT_EPSILON_GIB",
     "headroom >= 0.15 * usable_gib - FIT_EPSILON_GIB",
     "fit: 'fits' from 15 % headroom instead of 20 %"),
    ("quality-weights", "src/model/quality.c",
     '{ "classification", W(.25, .20, 0,  .20, .20,',
     '{ "classification", W(.20, .25, 0,  .20, .20,',
     "scoring: classification's mmlu and mmlu_pro weights swapped (issue 11's example)"),
    ("quant-delta-sign", "src/model/estimate.c",
     "out->quality -= nz(q->quality_delta, 0);",
     "out->quality += nz(q->quality_delta, 0);",
     "scoring: the quantization quality penalty added instead of subtracted"),
    ("simplicity-sign", "src/engine/judge.c",
     "simp -= 15 * log2(c->devices);",
     "simp += 15 * log2(c->devices);",
     "scoring: more devices make a candidate simpler (sign flipped)"),
    ("fit-slope", "src/engine/judge.c",
     "fit = u <= 0.70 ? 100 : 100 - (u - 0.70) * 166.7;",
     "fit = u <= 0.70 ? 100 : 100 - (u - 0.70) * 116.7;",
     "scoring: fit sub-score slope 116.7 instead of 166.7"),
    ("privacy-scores", "src/engine/judge.c",
     "static const double privacy[] = { 0, 30, 50, 50, 70, 90, 100, 100 };",
     "static const double privacy[] = { 0, 30, 50, 50, 90, 70, 100, 100 };",
     "scoring: private-cloud and on-prem privacy sub-scores swapped"),
    ("privacy-airgap", "src/model/candidate.c",
     "meets = o == NULL && (c->placement == LM_PLACE_DEVICE || c->placement == LM_PLACE_ONPREM);",
     "meets = o == NULL;",
     "privacy matrix: air-gapped satisfied by a cloud placement"),
    ("privacy-region", "src/model/candidate.c",
     "meets = o == NULL || (c->privacy_level >= LM_PRIV_NO_TRAINING && c->in_region == 1);",
     "meets = o == NULL || c->in_region == 1;",
     "privacy matrix: region level accepts an API that trains on the data"),
    ("rule-finetune-1000", "profiles/rules/default.yaml",
     'and task.breadth == "narrow" and scenario.data.labeled_examples >= 1000\n',
     'and task.breadth == "narrow" and scenario.data.labeled_examples > 1000\n',
     "rules: off-by-one in data.finetune-favors-slm (>= 1000 -> > 1000)"),
    ("rule-instances-4", "profiles/rules/default.yaml",
     "when: estimate.instances >= 4",
     "when: estimate.instances > 4",
     "rules: off-by-one in the many-instances rule (>= 4 -> > 4)"),
    ("flip-round-inward", "src/engine/flip.c",
     "double r = v > from ? ceil(v / p) * p : floor(v / p) * p;",
     "double r = v > from ? floor(v / p) * p : ceil(v / p) * p;",
     "flips: the flip value rounded inward instead of outward"),
    ("render-usd", "src/render/render_text.c",
     'fprintf(out, "  per month   %10s USD (±%.0f%%)\\n", lm_format_fixed(a, sizeof(a), e->usd_per_month, 2),',
     'fprintf(out, "  per month   %10s USD (±%.0f%%)\\n", lm_format_fixed(a, sizeof(a), e->usd_per_month, 1),',
     "renderer: monthly cost printed to 0.1 USD instead of 0.01"),
    ("gen-threads-merge", "src/engine/recommend.c",
     "            if (x->max_decode > r->max_decode)",
     "            if (t == 0 && x->max_decode > r->max_decode)",
     "threads: the fastest decode of every generator but the first is dropped when merging"),
    ("render-json-round", "src/util/numfmt.c",
     "double r = lm__round_half_away(v * p) / p;",
     "double r = floor(v * p) / p;",
     "rounding (lm_round, below engine and renderers): numbers truncated instead of rounded"),
]

PHASES = [
    ("unit", r"^(unit\.(yaml_load|catalog|estimate|expr|recommend|names|quality|heap)|accuracy|"
             r"scenarios\.expectations|decisions)$"),
    ("cli", r"^cli\."),
    ("rest", None),  # everything not above
]


def run(cmd, cwd=None, env=None, quiet=True):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if not quiet:
        sys.stdout.write(p.stdout)
    return p


def failed_tests(output):
    """Names from ctest's "The following tests FAILED:" list."""
    _, _, tail = output.partition("The following tests FAILED:")
    return re.findall(r"^\s*\d+ - (\S+) \(", tail, re.M)


def run_phase(build, phase):
    name, regex = phase
    cmd = ["ctest", "--test-dir", build, "-j2", "--stop-on-failure", "--timeout", "300"]
    if regex is not None:
        cmd += ["-R", regex]
    else:
        cmd += ["-E", "|".join(f"({r})" for _, r in PHASES if r is not None)]
    p = run(cmd)
    return p.returncode == 0, failed_tests(p.stdout + p.stderr)


def build(build_dir):
    p = run(["cmake", "--build", build_dir, "-j2"])
    if p.returncode != 0:
        tail = "\n".join((p.stdout + p.stderr).splitlines()[-20:])
        return False, tail
    return True, ""


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        return 2
    src = os.path.abspath(args[0])
    only = None
    if "--only" in args:
        only = set(args[args.index("--only") + 1].split(","))
    if "--list" in args:
        for m in MUTANTS:
            print(f"{m[0]:20} {m[1]:28} {m[4]}")
        return 0
    keep = "--keep" in args
    t0 = time.time()
    scratch = tempfile.mkdtemp(prefix="lmchoose-mutants-")
    tree = os.path.join(scratch, "src")
    bdir = os.path.join(scratch, "build")
    try:
        shutil.copytree(src, tree, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "build", "build-*"))
        p = run(["cmake", "-S", tree, "-B", bdir, "-DCMAKE_BUILD_TYPE=Release"])
        if p.returncode != 0:
            print(p.stdout + p.stderr)
            print("mutation: the scratch copy does not configure")
            return 1
        ok, log = build(bdir)
        if not ok:
            print(log)
            print("mutation: the scratch copy does not build")
            return 1
        for phase in PHASES[:2]:
            ok, names = run_phase(bdir, phase)
            if not ok:
                print(f"mutation: phase {phase[0]} fails on the unmutated copy: {names}")
                return 1
        print(f"mutation: copy built and phases unit+cli pass unmutated "
              f"({time.time() - t0:.0f} s)", flush=True)
        rest_baseline, rest_failed = None, []
        results = []
        for mid, rel, old, new, what in MUTANTS:
            if only is not None and mid not in only:
                continue
            path = os.path.join(tree, rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            n = text.count(old)
            if n != 1:
                results.append((mid, what, "DOES NOT APPLY", f"target found {n} times in {rel}",
                                0.0))
                print(f"  {mid:20} DOES NOT APPLY (target found {n} times in {rel})", flush=True)
                continue
            tm = time.time()
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new))
            try:
                ok, log = build(bdir)
                if not ok:
                    results.append((mid, what, "DOES NOT BUILD", log.splitlines()[-1] if log else "",
                                    time.time() - tm))
                    print(f"  {mid:20} DOES NOT BUILD", flush=True)
                    continue
                verdict, by = "SURVIVED", ""
                for phase in PHASES:
                    passed, names = run_phase(bdir, phase)
                    if passed:
                        continue
                    if phase[0] == "rest":
                        if rest_baseline is None:
                            with open(path, "w", encoding="utf-8") as f:
                                f.write(text)
                            build(bdir)
                            rest_baseline, rest_failed = run_phase(bdir, phase)
                            with open(path, "w", encoding="utf-8") as f:
                                f.write(text.replace(old, new))
                            build(bdir)
                        if not rest_baseline:
                            verdict, by = ("UNTRUSTED", "phase rest fails unmutated too: "
                                           + (", ".join(rest_failed[:3]) or "?"))
                            break
                    verdict, by = "killed", f"{phase[0]}: {', '.join(names[:3]) or '?'}"
                    break
                results.append((mid, what, verdict, by, time.time() - tm))
            finally:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
            print(f"  {mid:20} {results[-1][2]:9} {results[-1][3]} ({results[-1][4]:.0f} s)",
                  flush=True)
        killed = sum(1 for r in results if r[2] == "killed")
        print()
        print(f"{'mutant':20} {'verdict':14} killed by / why")
        for mid, what, verdict, by, secs in results:
            print(f"{mid:20} {verdict:14} {by}")
            print(f"{'':20} {'':14} ({what}; {secs:.0f} s)")
        total = len(results)
        print(f"mutation score: {killed}/{total} killed"
              f" ({100.0 * killed / total if total else 0:.0f} %), {time.time() - t0:.0f} s")
        return 0 if total and killed == total else 1
    finally:
        if keep:
            print(f"scratch copy kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
