#!/usr/bin/env python3
"""`recommend --format html` in a real headless browser (Debian's chromium).

For two example scenarios: the page is self-contained (no script, no
external resource), every string is escaped (a profile layer names a model
"<b>Bold & 'quoted'</b>"), chromium loads it with no console message, the
rendered DOM holds one SVG point per feasible candidate (the count from
`--format json` of the same run: counts.candidates - counts.rejected), with
SLM and LLM points, at least one Pareto-front point, a <title> per point, and
a screenshot is written (to SCREENSHOT_DIR, the build directory).

usage: check_html.py LMCHOOSE SCENARIOS_DIR SCREENSHOT_DIR
Chromium: $LM_CHROMIUM, else chromium or chromium-browser on PATH. Without
it the test fails when CI is set, and is skipped (exit 77) otherwise.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

LM = os.path.abspath(sys.argv[1])
SCENARIOS = os.path.abspath(sys.argv[2])
SHOTS = os.path.abspath(sys.argv[3])
ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_PROFILES="",
           SOURCE_DATE_EPOCH="1798675200", LMCHOOSE_HOST="nvidia-rtx-4090")
failures = []

chromium = os.environ.get("LM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    if os.environ.get("CI"):
        print("FAIL: chromium is missing (CI is set: .ci/run installs it)")
        sys.exit(1)
    print("chromium not found: skipped")
    sys.exit(77)


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([LM, *args], capture_output=True, text=True, env=ENV)
    return p.returncode, p.stdout, p.stderr


class Points(html.parser.HTMLParser):
    """Counts the chart's points in a DOM."""

    def __init__(self):
        super().__init__()
        self.points = []
        self.in_pt = False
        self.titles = 0

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class", "") or ""
        if tag in ("circle", "rect") and "pt" in cls.split():
            self.points.append(cls.split())
            self.in_pt = True
        elif tag == "title" and self.in_pt:
            self.titles += 1

    def handle_endtag(self, tag):
        if tag in ("circle", "rect"):
            self.in_pt = False


def browser(page, *extra):
    # A fresh profile directory per run; --no-sandbox because CI runs as root.
    with tempfile.TemporaryDirectory() as prof:
        p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-first-run", "--disable-extensions", f"--user-data-dir={prof}",
                            "--enable-logging=stderr", "--v=0", *extra, "file://" + page],
                           capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory() as tmp:
    for scenario in ("coding-assistant", "support-chatbot"):
        path = os.path.join(SCENARIOS, scenario + ".yaml")
        # A layer renames the rank-1 model (a partial override) with a name
        # that needs escaping; the ranking table shows model names.
        rc, out, _ = run("recommend", path, "--format", "json", "--top", "1")
        first = json.loads(out)["recommendations"][0]["model"]
        shutil.rmtree(os.path.join(tmp, "layer"), ignore_errors=True)
        os.makedirs(os.path.join(tmp, "layer", "models"))
        with open(os.path.join(tmp, "layer", "models", first + ".yaml"), "w") as f:
            f.write(f"id: {first}\nname: \"<b>Bold & 'quoted'</b>\"\n")
        page = os.path.join(tmp, scenario + ".html")
        rc, _, err = run("recommend", path, "--profiles", os.path.join(tmp, "layer"),
                         "--format", "html", "--output", page)
        check(rc in (0, 1) and err == "", f"{scenario}: recommend --format html: {rc} {err!r}")
        rc, out, _ = run("recommend", path, "--profiles", os.path.join(tmp, "layer"), "--format", "json")
        doc = json.loads(out)
        feasible = doc["counts"]["candidates"] - doc["counts"]["rejected"]
        text = open(page).read()
        # Self-contained: nothing that loads or runs anything.
        check(not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import", text, re.I),
              f"{scenario}: no script or external resource")
        check(re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"],
              f"{scenario}: the only URL is the SVG namespace")
        check("<b>Bold" not in text, f"{scenario}: the model name is escaped")
        check("<div class=\"name\">&lt;b&gt;Bold &amp; &#39;quoted&#39;&lt;/b&gt;</div>" in text,
              f"{scenario}: the rank-1 model's name, escaped")
        check(f"Verdict: <span class=\"{doc['verdict']['class'] or 'none'}\">" in text,
              f"{scenario}: the verdict")

        rc, dom, err = browser(page, "--dump-dom")
        check(rc == 0, f"{scenario}: chromium --dump-dom: {rc}")
        consoles = [l for l in err.splitlines() if "CONSOLE" in l]
        check(consoles == [], f"{scenario}: console messages: {consoles[:5]}")
        p = Points()
        p.feed(dom)
        check(len(p.points) == feasible, f"{scenario}: {len(p.points)} SVG points, {feasible} feasible")
        check(p.titles == len(p.points), f"{scenario}: one <title> per point")
        classes = [c for pt in p.points for c in pt]
        slm, llm = doc["verdict"]["slm"], doc["verdict"]["llm"]
        check(("slm" in classes) == (slm is not None) and ("llm" in classes) == (llm is not None),
              f"{scenario}: SLM points iff a feasible SLM ({slm}), LLM points iff a feasible LLM ({llm})")
        check("front" in classes, f"{scenario}: a Pareto front")
        # the rank-1 candidate is on the front unless a cheaper one is at least as good
        shot = os.path.join(SHOTS, f"recommend-{scenario}.png")
        rc, _, err = browser(page, f"--screenshot={shot}", "--window-size=1280,1600",
                             "--hide-scrollbars")
        check(rc == 0 and os.path.isfile(shot) and os.path.getsize(shot) > 10000 and
              open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"{scenario}: screenshot {shot}")
        print(f"{scenario}: {len(p.points)} points ({classes.count('front')} on the front), "
              f"screenshot {shot}")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
