#!/usr/bin/env python3
"""Writes the synthetic catalog of issue #13: a profile layer and a scenario.

    gen_catalog.py OUT [--models N] [--hardware N] [--seed S]

OUT/profiles/models/syn-NNNNN.yaml    N models (default 2000): dense decoders with
                                      16-79 layers, 0.5-70 B parameters and one
                                      MMLU score
OUT/profiles/hardware/syn-gpu-NNNN.yaml
                                      N hardware profiles (default 50): memory
                                      8-204 GiB, bandwidth 200-2650 GB/s, both
                                      evenly spaced (8 + 4 i GiB, 200 + 50 i GB/s
                                      at N = 50)
OUT/scenario.yaml                     chat, 1 000 requests a day, no latency,
                                      budget, hardware or privacy constraint

`lmchoose recommend OUT/scenario.yaml --profiles OUT/profiles` then ranks the
synthetic catalog together with the builtin one. The same arguments always
write the same bytes (a seeded random.Random; Python's Mersenne Twister and
the formatting used here are the same on every Python 3). The numbers are
plausible, not sourced: the files say `sources: [synthetic]`. Standard library
only, so the benchmark needs nothing installed.
"""
import argparse
import math
import os
import random
import sys

SEED = 13  # issue #13

SCENARIO = """\
# Issue #13's whole-process benchmark: chat, 1 000 requests a day, and no
# latency, budget, hardware or privacy constraint, so every hardware profile
# (builtin and synthetic) is a candidate and the flip search has to look for
# thresholds the user never set.
lmchoose: 1
task:
  kind: chat
workload:
  requests_per_day: 1000
"""


def model_yaml(i, rng):
    """One dense decoder. Parameters are log-uniform in [0.5, 70] B and the
    layer count uniform in [16, 79], independently; the width follows from
    both (about 12 * layers * hidden^2 weights in the blocks), rounded to a
    multiple of 1024 (at least 1024) so that hidden / 128 attention heads
    share 8 KV heads."""
    params = 0.5 * 140.0 ** rng.random()
    layers = rng.randint(16, 79)
    hidden = max(1, round(math.sqrt(params * 1e9 / (12.0 * layers)) / 1024)) * 1024
    # MMLU rises with log-size (about 35 at 0.5 B, 80 at 70 B), +-5 points of
    # model-to-model spread, as published scores of same-sized models show.
    mmlu = 35.0 + 45.0 * math.log(params / 0.5) / math.log(140.0) + rng.uniform(-5.0, 5.0)
    mmlu = min(95.0, max(25.0, mmlu))
    return (
        f"id: syn-{i:05d}\n"
        f"name: Synthetic {i}\n"
        f"params_b: {params:.3f}\n"
        f"architecture: {{layers: {layers}, hidden: {hidden}, "
        f"attention_heads: {hidden // 128}, kv_heads: 8, vocab: 128000}}\n"
        "context_tokens: 32768\n"
        "open_weights: true\n"
        "license: apache-2.0\n"
        f"quality: {{mmlu: {mmlu:.1f}}}\n"
        "finetune: [lora]\n"
        "sources: [synthetic]\n"
    )


def hardware_yaml(i, n):
    """GPU i of n: memory and bandwidth evenly spaced over 8-204 GiB and
    200-2650 GB/s; compute, power and prices scale with memory."""
    f = i / (n - 1) if n > 1 else 0.0
    mem = 8.0 + 196.0 * f
    bandwidth = 200.0 + 2450.0 * f
    return (
        f"id: syn-gpu-{i:04d}\n"
        f"name: Synthetic GPU {i}\n"
        "vendor: nvidia\n"
        "class: datacenter-gpu\n"
        f"memory_gib: {mem:g}\n"
        "usable_fraction: 0.95\n"
        f"bandwidth_gbps: {bandwidth:g}\n"
        f"fp16_tflops: {60 + 5 * mem:g}\n"
        "power_w: 400\n"
        "placements: [on-prem, cloud]\n"
        "max_devices: 8\n"
        f"price: {{purchase_usd: {2000 + 200 * mem:.0f}, usd_per_hour: {0.3 + 0.03 * mem:.2f}}}\n"
        "sources: [synthetic]\n"
    )


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output directory (created; must not hold a catalog already)")
    ap.add_argument("--models", type=int, default=2000)
    ap.add_argument("--hardware", type=int, default=50)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    if args.models < 0 or args.hardware < 0 or args.models > 99999 or args.hardware > 9999:
        ap.error("--models must be in [0, 99999] and --hardware in [0, 9999]")
    rng = random.Random(args.seed)
    models_dir = os.path.join(args.out, "profiles", "models")
    hardware_dir = os.path.join(args.out, "profiles", "hardware")
    os.makedirs(models_dir, exist_ok=True)
    os.makedirs(hardware_dir, exist_ok=True)
    for i in range(args.models):
        write(os.path.join(models_dir, f"syn-{i:05d}.yaml"), model_yaml(i, rng))
    for i in range(args.hardware):
        write(os.path.join(hardware_dir, f"syn-gpu-{i:04d}.yaml"), hardware_yaml(i, args.hardware))
    write(os.path.join(args.out, "scenario.yaml"), SCENARIO)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
