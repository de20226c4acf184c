#!/usr/bin/env python3
"""Whole-process benchmark of issue #13: lmchoose as a user runs it.

    tests/bench/whole_process.py [--lmchoose BUILD/lmchoose] [--runs N] [--only PART...]

Parts (all by default):
  synthetic   gen_catalog.py's catalog (2 000 models x 50 hardware by default)
              into a temporary directory; `lmchoose recommend scenario.yaml
              --profiles DIR` against `lmchoose list models --profiles DIR`
              (loading the same files: the floor)
  large       a catalog the size of LLM Checker's registry (10 800 generated
              models) judged for one machine, `--hardware nvidia-rtx-4090`,
              the machine `llm-checker recommend --simulate rtx4090` assumes;
              the same recommend/list pair
  shipped     every profiles/scenarios/*.yaml on the builtin catalog alone, and
              `lmchoose list models`, `lmchoose --version` and /bin/true (the
              cost of starting any process)
  llm-checker `node CLI recommend --simulate rtx4090 --no-verbose` when
              --llm-checker CLI (the package's bin/cli.js) is given; it runs
              offline on the registry the package ships, with HOME pointed at a
              temporary directory so the user's ~/.llm-checker is not touched

Each command runs --runs times (the shipped scenarios --runs-small times);
reported are the best and median wall time (time.perf_counter around fork to
wait), the least CPU time (user + system, getrusage of the child) and the
max RSS of one more run under /usr/bin/time. The best is the figure to
compare: this machine is shared, and other load only ever adds time. Under
heavy load (a load average well above the core count) the CPU time is the
better estimate of a quiet machine's wall time for a one-threaded program like
lmchoose; a node program uses more than one thread, so its CPU time can
exceed its wall time. The load average at the start and end is printed. Candidates are read from recommend's last
line ("N candidates (...)"); "s per million" and "bytes per candidate" divide
the best wall time and the max RSS by that count.

Not a test: it asserts nothing about time. docs/performance.md ("Whole
process") has the numbers it printed and the commands.
"""
import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CANDIDATES_LINE = re.compile(r"^(\d+) candidates \((\d+) models?, (\d+) hardware profiles?\)", re.M)
GNU_TIME = "/usr/bin/time"


def run_once(argv, env, cwd=None):
    """Runs argv with stdout captured (as a pipe read to the end, like a
    terminal or `| less` would), returns (wall s, cpu s, rc, stdout). The
    child's ru_maxrss is not used: a child forked from Python starts with
    Python's pages mapped, and Linux keeps that high-water mark across exec."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env, cwd=cwd)
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, proc.returncode, out


def max_rss_kib(argv, env, cwd=None):
    """Max RSS of one run under GNU time (a small C parent, so the figure is
    lmchoose's own), or None where /usr/bin/time is not installed."""
    if not os.access(GNU_TIME, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile("r") as f:
        subprocess.run([GNU_TIME, "-f", "%M", "-o", f.name] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        return int(f.read().split()[-1])


def measure(name, argv, runs, env, ok_codes=(0,), cwd=None):
    walls, cpus, out = [], [], b""
    for _ in range(runs):
        wall, cpu, rc, out = run_once(argv, env, cwd)
        if rc not in ok_codes:
            sys.exit(f"whole_process: {' '.join(argv)} exited {rc}")
        walls.append(wall)
        cpus.append(cpu)
    m = CANDIDATES_LINE.search(out.decode("utf-8", "replace"))
    return {
        "name": name,
        "command": " ".join(argv),
        "runs": runs,
        "best_s": min(walls),
        "median_s": statistics.median(walls),
        "cpu_best_s": min(cpus),
        "max_rss_kib": max_rss_kib(argv, env, cwd),
        "candidates": int(m.group(1)) if m else None,
        "models": int(m.group(2)) if m else None,
        "hardware": int(m.group(3)) if m else None,
    }


def fmt_time(s):
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def print_row(r, floor=None):
    line = (f"  {r['name']:<44} best {fmt_time(r['best_s']):>9}  median {fmt_time(r['median_s']):>9}"
            f"  cpu {fmt_time(r['cpu_best_s']):>9}")
    rss = r["max_rss_kib"]
    line += f"  rss {rss / 1024:7.1f} MiB" if rss is not None else "  rss ?"
    n = r["candidates"]
    if n:
        line += f"  {n} candidates"
        if n >= 100000:  # per-candidate figures mean nothing on a few thousand
            line += f", {r['best_s'] / n * 1e6:.2f} s/M"
            if rss is not None:
                line += f", {rss * 1024 / n:.0f} B/cand"
    if floor is not None:
        line += f"  = {r['best_s'] / floor['best_s']:.2f}x list"
    print(line, flush=True)


def generate(tmp, models, hardware):
    out = os.path.join(tmp, f"syn-{models}x{hardware}")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_catalog.py"), out,
                    "--models", str(models), "--hardware", str(hardware)], check=True)
    return out


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lmchoose", default=os.path.join(ROOT, "build-rel", "lmchoose"),
                    help="the binary (default: build-rel/lmchoose, a Release build)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each large case (default 5)")
    ap.add_argument("--runs-small", type=int, default=20,
                    help="runs of each shipped-catalog case (default 20)")
    ap.add_argument("--models", type=int, default=2000)
    ap.add_argument("--hardware", type=int, default=50)
    ap.add_argument("--large-models", type=int, default=10800)
    ap.add_argument("--llm-checker", help="llm-checker's bin/cli.js, to time its recommend")
    ap.add_argument("--only", nargs="+", choices=["synthetic", "large", "shipped", "llm-checker"])
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)
    parts = args.only or ["synthetic", "large", "shipped", "llm-checker"]
    lm = os.path.abspath(args.lmchoose)
    if not os.access(lm, os.X_OK):
        sys.exit(f"whole_process: {lm} is not an executable (build it: cmake -S . -B build-rel "
                 "-DCMAKE_BUILD_TYPE=Release && cmake --build build-rel -j2)")
    # No user profile layers; `local` (in some shipped scenarios) is the RTX 4090 of the
    # golden tests, so no detection probe runs.
    env = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_PROFILES="",
               LMCHOOSE_HOST="nvidia-rtx-4090")
    version = "; ".join(subprocess.run([lm, "--version"], capture_output=True, text=True).stdout.split("\n")).strip("; ")
    print(f"lmchoose: {lm} ({version}); {os.cpu_count()} CPUs; load average {loadavg()}", flush=True)
    results = []
    tmp = tempfile.mkdtemp(prefix="lmchoose-whole-")
    try:
        if "synthetic" in parts:
            d = generate(tmp, args.models, args.hardware)
            print(f"synthetic catalog: {args.models} models x {args.hardware} hardware ({d})")
            floor = measure("list models --profiles (load only)",
                            [lm, "list", "models", "--profiles", d + "/profiles"], args.runs, env)
            print_row(floor)
            rec = measure("recommend scenario.yaml --profiles",
                          [lm, "recommend", d + "/scenario.yaml", "--profiles", d + "/profiles"],
                          args.runs, env)
            print_row(rec, floor)
            results += [dict(floor, part="synthetic"), dict(rec, part="synthetic")]
            shutil.rmtree(d)
        if "large" in parts:
            d = generate(tmp, args.large_models, args.hardware)
            print(f"large catalog: {args.large_models} models, judged on nvidia-rtx-4090 ({d})")
            floor = measure("list models --profiles (load only)",
                            [lm, "list", "models", "--profiles", d + "/profiles"], args.runs, env)
            print_row(floor)
            rec = measure("recommend --hardware nvidia-rtx-4090",
                          [lm, "recommend", d + "/scenario.yaml", "--profiles", d + "/profiles",
                           "--hardware", "nvidia-rtx-4090"], args.runs, env)
            print_row(rec, floor)
            results += [dict(floor, part="large"), dict(rec, part="large")]
            shutil.rmtree(d)
        if "shipped" in parts:
            print("shipped catalog (builtin only)")
            for name, argv_ in (("/bin/true", ["/bin/true"]), ("lmchoose --version", [lm, "--version"]),
                                ("list models", [lm, "list", "models"])):
                r = measure(name, argv_, args.runs_small, env)
                print_row(r)
                results.append(dict(r, part="shipped"))
            for path in sorted(glob.glob(os.path.join(ROOT, "profiles", "scenarios", "*.yaml"))):
                r = measure("recommend " + os.path.basename(path), [lm, "recommend", path],
                            args.runs_small, env, ok_codes=(0, 1))
                print_row(r)
                results.append(dict(r, part="shipped"))
        if "llm-checker" in parts and args.llm_checker:
            cli = os.path.abspath(args.llm_checker)
            home = os.path.join(tmp, "home")
            os.makedirs(home)
            node_env = dict(os.environ, HOME=home, NO_COLOR="1")
            node_ver = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
            ver = subprocess.run(["node", cli, "--version"], capture_output=True, text=True,
                                 env=node_env).stdout.strip()
            print(f"llm-checker {ver} on node {node_ver} ({cli})")
            argv_ = ["node", cli, "recommend", "--simulate", "rtx4090", "--no-verbose"]
            # The first run copies the packaged registry (models.db) into HOME: not timed.
            run_once(argv_, node_env)
            r = measure("llm-checker recommend --simulate rtx4090", argv_, args.runs, node_env)
            print_row(r)
            results.append(dict(r, part="llm-checker", version=ver))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average at the end: {loadavg()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"lmchoose": version, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
