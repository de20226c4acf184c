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
              the same recommend/list pair. With --llm-checker CLI (the npm
              package's bin/cli.js), also `node CLI recommend --simulate
              rtx4090 --no-verbose`, run in turn with the two lmchoose
              commands; it runs offline on the registry the package ships,
              with HOME pointed at a temporary directory so the user's
              ~/.llm-checker is not touched
  shipped     every profiles/scenarios/*.yaml on the builtin catalog alone, and
              `lmchoose list models`, `lmchoose --version` and /bin/true (the
              cost of starting any process)

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


def run_once(argv, env):
    """Runs argv with stdout captured (as a pipe read to the end, like a
    terminal or `| less` would), returns (wall s, cpu s, rc, stdout). The
    child's ru_maxrss is not used: a child forked from Python starts with
    Python's pages mapped, and Linux keeps that high-water mark across exec."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env)
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, proc.returncode, out


def max_rss_kib(argv, env):
    """Max RSS of one run under GNU time (a small C parent, so the figure is
    lmchoose's own), or None where /usr/bin/time is not installed."""
    if not os.access(GNU_TIME, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile("r") as f:
        subprocess.run([GNU_TIME, "-f", "%M", "-o", f.name] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
        return int(f.read().split()[-1])


def measure_set(cases, runs):
    """cases: (name, argv, env, ok_codes) tuples, run round-robin `runs` times,
    so that load which comes and goes on a shared machine hits each alike
    (a side by side must be measured in the same minutes)."""
    walls = [[] for _ in cases]
    cpus = [[] for _ in cases]
    outs = [b""] * len(cases)
    for _ in range(runs):
        for i, (name, argv, env, ok_codes) in enumerate(cases):
            wall, cpu, rc, outs[i] = run_once(argv, env)
            if rc not in ok_codes:
                sys.exit(f"whole_process: {' '.join(argv)} exited {rc}")
            walls[i].append(wall)
            cpus[i].append(cpu)
    results = []
    for i, (name, argv, env, ok_codes) in enumerate(cases):
        m = CANDIDATES_LINE.search(outs[i].decode("utf-8", "replace"))
        results.append({
            "name": name,
            "command": " ".join(argv),
            "runs": runs,
            "best_s": min(walls[i]),
            "median_s": statistics.median(walls[i]),
            "cpu_best_s": min(cpus[i]),
            "max_rss_kib": max_rss_kib(argv, env),
            "candidates": int(m.group(1)) if m else None,
            "models": int(m.group(2)) if m else None,
            "hardware": int(m.group(3)) if m else None,
        })
    return results


def measure(name, argv, runs, env, ok_codes=(0,)):
    return measure_set([(name, argv, env, ok_codes)], runs)[0]


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
    ap.add_argument("--only", nargs="+", choices=["synthetic", "large", "shipped"])
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)
    parts = args.only or ["synthetic", "large", "shipped"]
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
            cases = [("list models --profiles (load only)",
                      [lm, "list", "models", "--profiles", d + "/profiles"], env, (0,)),
                     ("recommend --hardware nvidia-rtx-4090",
                      [lm, "recommend", d + "/scenario.yaml", "--profiles", d + "/profiles",
                       "--hardware", "nvidia-rtx-4090"], env, (0,))]
            checker = None
            if args.llm_checker:
                cli = os.path.abspath(args.llm_checker)
                home = os.path.join(tmp, "home")
                os.makedirs(home)
                node_env = dict(os.environ, HOME=home, NO_COLOR="1")
                node_ver = subprocess.run(["node", "--version"], capture_output=True,
                                          text=True).stdout.strip()
                checker = subprocess.run(["node", cli, "--version"], capture_output=True, text=True,
                                         env=node_env).stdout.strip()
                print(f"  side by side, run in turn: llm-checker {checker} on node {node_ver} ({cli})")
                argv_ = ["node", cli, "recommend", "--simulate", "rtx4090", "--no-verbose"]
                # The first run copies the packaged registry (models.db) into HOME: not timed.
                run_once(argv_, node_env)
                cases.append(("llm-checker recommend --simulate rtx4090", argv_, node_env, (0,)))
            rows = measure_set(cases, args.runs)
            print_row(rows[0])
            print_row(rows[1], rows[0])
            results += [dict(rows[0], part="large"), dict(rows[1], part="large")]
            if checker:
                print_row(rows[2])
                results.append(dict(rows[2], part="large", version=checker))
                print(f"  llm-checker / lmchoose recommend: {rows[2]['best_s'] / rows[1]['best_s']:.1f}x"
                      f" (best wall), {rows[2]['cpu_best_s'] / rows[1]['cpu_best_s']:.1f}x (CPU)")
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
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average at the end: {loadavg()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"lmchoose": version, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
