#!/usr/bin/env python3
"""Fit the speed calibration constants of profiles/runtimes.yaml.

Input: the output of `lmchoose_accuracy measurements.tsv --features` (stdin or
a file), which holds per usable row the bytes read per token (active weights +
KV at the row's depth), the bandwidth, the layer count, the prefill FLOPs and
the peak FLOPs, all computed by the estimator code itself.

Per group (runtime / hardware class, Apple machines grouped by vendor):
  decode:  t = bytes / (efficiency x bandwidth) + layers x per_layer_overhead
           efficiency in [0.20, 0.95] (no runtime sustains more of the nominal bandwidth) (step 0.01) and per_layer_overhead in
           [0, 2000] us (step 1 us below 100, 5 us above) minimising the sum of
           squared log errors, log(t_pred / t_measured)^2;
  prefill: mfu = geometric mean over the group's prefill rows of
           measured_tokens_per_s x flops / (T x peak_flops), i.e. the least
           squares solution on log error; capped at 1.
Groups with a single decode row get per_layer_overhead fixed at 0 unless
--layer-us is given for them, because one row cannot separate the two terms.
Pure Python, no third-party modules. Deterministic.

Usage: lmchoose_accuracy measurements.tsv --features | python3 fit.py
"""
import math
import sys


def grid_fit(rows):
    best = None
    overheads = list(range(0, 100)) + list(range(100, 2001, 5))
    if len(rows) < 2:
        overheads = [0]
    for o_us in overheads:
        for e100 in range(20, 96):
            eff = e100 / 100.0
            s = 0.0
            for r in rows:
                t = r["bytes"] / (eff * r["bw"]) + r["layers"] * o_us * 1e-6
                s += math.log(t * r["meas"]) ** 2  # t_measured = 1 / meas
            if best is None or s < best[0] - 1e-12:
                best = (s, eff, o_us)
    return best


def main():
    src = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    lines = src.read().splitlines()
    hdr = lines[0].split("\t")
    rows = [dict(zip(hdr, l.split("\t"))) for l in lines[1:] if l.strip()]
    groups = {}
    for r in rows:
        g = groups.setdefault(r["group"], {"decode": [], "prefill": []})
        if r["metric"] == "decode_tok_s":
            g["decode"].append({"bytes": float(r["bytes_per_token"]), "bw": float(r["bandwidth_Bps"]),
                                "layers": float(r["layers"]), "meas": float(r["measured"]),
                                "line": r["line"]})
        elif r["metric"] == "prefill_tok_s":
            mfu = float(r["measured"]) * float(r["prefill_flops"]) / (
                float(r["prompt_tokens"]) * float(r["peak_flops"]))
            g["prefill"].append((mfu, r["line"]))
    print("group\tdecode_rows\tefficiency\tper_layer_overhead_us\trms_log_err\tprefill_rows\tmfu\tmfu_min\tmfu_max")
    for name in sorted(groups):
        g = groups[name]
        eff = o = rms = float("nan")
        if g["decode"]:
            s, eff, o = grid_fit(g["decode"])
            rms = math.sqrt(s / len(g["decode"]))
        mfu = lo = hi = float("nan")
        if g["prefill"]:
            logs = [math.log(m) for m, _ in g["prefill"]]
            mfu = min(1.0, math.exp(sum(logs) / len(logs)))
            lo = min(m for m, _ in g["prefill"])
            hi = max(m for m, _ in g["prefill"])
        print(f"{name}\t{len(g['decode'])}\t{eff:.2f}\t{o}\t{rms:.3f}\t{len(g['prefill'])}\t{mfu:.3f}\t{lo:.3f}\t{hi:.3f}")


if __name__ == "__main__":
    main()
