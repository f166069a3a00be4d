#!/usr/bin/env python3
"""Every public header compiles alone (git's hdr-check), and subsystems respect the layering.

Usage: check_headers.py SOURCE_ROOT CC [CC ARGS...]; prints TAP.
"""
import os
import re
import subprocess
import sys

# Which public headers each src/ folder may include (STYLE §1.2: dependencies point one way).
# base headers are open to every layer; a folder not listed here may include anything.
BASE = {"base", "error", "log", "buf", "map", "clock", "json"}
ALLOWED = {
    "base": BASE,
    "api": BASE | {"api"},
    "sched": BASE | {"api", "sched"},
    "catalog": BASE | {"api", "sched", "catalog"},
    "policy": BASE | {"api", "sched", "policy", "catalog"},
    "pack": BASE | {"api", "sched", "catalog", "policy", "pack"},
    "kube": BASE | {"kube"},
    "cache": BASE | {"api", "kube", "cache"},
    "http": BASE | {"http"},
    "metrics": BASE | {"metrics"},
}


def main():
    root, cc = sys.argv[1], sys.argv[2:]
    include = os.path.join(root, "include")
    headers = sorted(f for f in os.listdir(os.path.join(include, "jitnode")) if f.endswith(".h"))
    results = []
    for h in headers:
        src = '#include "jitnode/%s"\n#include "jitnode/%s"\n' % (h, h)
        proc = subprocess.run(
            cc + ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror",
                  "-I", include, "-fsyntax-only", "-x", "c", "-"],
            input=src, capture_output=True, text=True)
        results.append((proc.returncode == 0, "jitnode/%s compiles alone and twice" % h, proc.stderr))
    pattern = re.compile(r'#include\s+"jitnode/([a-z0-9_]+)\.h"')
    for folder, allowed in sorted(ALLOWED.items()):
        path = os.path.join(root, "src", folder)
        bad = []
        for dirpath, _, files in os.walk(path):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    for m in pattern.finditer(fh.read()):
                        if m.group(1) not in allowed:
                            bad.append("%s includes jitnode/%s.h" % (f, m.group(1)))
        results.append((not bad, "src/%s includes only layers below it" % folder, "\n".join(bad)))
    failed = 0
    for i, (ok, what, detail) in enumerate(results, 1):
        print("%sok %d - %s" % ("" if ok else "not ", i, what))
        if not ok:
            failed += 1
            for line in detail.strip().splitlines()[:20]:
                print("# " + line)
    print("1..%d" % len(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
