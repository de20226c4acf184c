#!/usr/bin/env python3
"""Packaging: `DESTDIR=... cmake --install BUILD` lays out the binary, the man
page, the completions, the schemas and the examples; the man page lists the
options --help lists, command by command; the bash completion completes
commands, options and catalog ids; every command accepts --version.

usage: check_packaging.py LMCHOOSE BUILD_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

LM = os.path.abspath(sys.argv[1])
BUILD = os.path.abspath(sys.argv[2])
ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", LMCHOOSE_PROFILES="")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def out(*args, env=ENV):
    p = subprocess.run(list(args), capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


commands = ["check", "estimate", "explain", "help", "import", "init", "list", "recommend",
            "show", "validate"]

with tempfile.TemporaryDirectory() as tmp:
    # 1. The install layout.
    rc, _, err = out("cmake", "--install", BUILD, "--prefix", "/usr",
                     env=dict(ENV, DESTDIR=tmp))
    check(rc == 0, f"cmake --install: {err}")
    for f in ("usr/bin/lmchoose", "usr/share/man/man1/lmchoose.1",
              "usr/share/bash-completion/completions/lmchoose",
              "usr/share/zsh/vendor-completions/_lmchoose",
              "usr/share/fish/vendor_completions.d/lmchoose.fish",
              "usr/share/lmchoose/schema/recommend.schema.json",
              "usr/share/lmchoose/schema/model.schema.json",
              "usr/share/doc/lmchoose/examples/coding-assistant.yaml"):
        check(os.path.isfile(os.path.join(tmp, f)), f"installed {f}")
    check(os.access(os.path.join(tmp, "usr/bin/lmchoose"), os.X_OK), "the binary is executable")
    installed = os.path.join(tmp, "usr/bin/lmchoose")
    rc, o, _ = out(installed, "validate", os.path.join(tmp, "usr/share/doc/lmchoose/examples/coding-assistant.yaml"))
    check(rc == 0, "the installed binary validates an installed example")

    # 2. The man page names the options --help names, command by command.
    man = open(os.path.join(tmp, "usr/share/man/man1/lmchoose.1")).read()
    sections = re.split(r"^\.SS ", man, flags=re.M)[1:]
    man_opts = {}
    for sec in sections:
        name = sec.split("\n", 1)[0].strip()
        body = re.split(r"^\.SH ", sec, flags=re.M)[0].replace("\\-", "-").replace("\\e", "\\")
        man_opts[name] = set(re.findall(r"--[a-z][a-z-]*", body))
    check(sorted(man_opts) == commands, f"one man section per command: {sorted(man_opts)}")
    for c in commands:
        rc, h, _ = out(LM, c, "--help")
        check(rc == 0, f"{c} --help")
        help_opts = set(re.findall(r"--[a-z][a-z-]*", h))
        check(help_opts == man_opts.get(c), f"{c}: --help {sorted(help_opts)} vs man {sorted(man_opts.get(c, []))}")
    if shutil.which("man"):
        rc, text, err = out("man", "--warnings", "-l", os.path.join(tmp, "usr/share/man/man1/lmchoose.1"),
                            env=dict(ENV, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
        check(rc == 0 and "lmchoose - choose a small or a large language model" in " ".join(text.split()),
              f"man renders: {rc} {err[:300]}")
        check("warning" not in err, f"no groff warnings: {err[:300]}")

    # 3. bash completion: commands, options, ids from the catalog.
    comp = os.path.join(tmp, "usr/share/bash-completion/completions/lmchoose")

    def complete(words):
        script = (f"source {comp}; COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}; "
                  f"_lmchoose; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        rc, o, e = out("bash", "-c", script,
                       env=dict(ENV, PATH=os.path.dirname(LM) + ":" + ENV.get("PATH", "")))
        return o.split()

    check(complete(["lmchoose", "sh"]) == ["show"], f"command: {complete(['lmchoose', 'sh'])}")
    check("--hardware" in complete(["lmchoose", "estimate", "--hard"]), "option")
    check("--version" in complete(["lmchoose", "check", "--ver"]), "--version for every command")
    check(complete(["lmchoose", "estimate", "llama-3.1-8"]) == ["llama-3.1-8b-instruct"],
          f"model id: {complete(['lmchoose', 'estimate', 'llama-3.1-8'])}")
    check(complete(["lmchoose", "estimate", "x", "--hardware", "nvidia-rtx-409"]) == ["nvidia-rtx-4090"],
          "hardware id")
    check("q4_k_m" in complete(["lmchoose", "estimate", "x", "--quant", "q4"]), "quantization id")
    check(complete(["lmchoose", "show", "hardware", "apple-m4-1"]) != [], "show hardware ids")
    check(complete(["lmchoose", "import", "g"]) == ["gguf"], "import kinds")

    # 4. --version on every command: the version and the catalog date.
    for c in commands:
        rc, o, e = out(LM, c, "--version")
        check(rc == 0 and re.match(r"lmchoose \d+\.\d+\.\d+\ncatalog (\d{4}-\d\d-\d\d|unknown)\n$", o),
              f"{c} --version: {rc} {o!r} {e!r}")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
