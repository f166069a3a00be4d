#!/usr/bin/env python3
"""Sums every check of every suite: TAP lines in meson test logs, testcases in JUnit XML files.

Prints the failed checks, then one last line "N passed, N failed". Exits 1 when anything failed
or nothing ran.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

TAP = re.compile(r"^(not ok|ok)\b(.*)$")


def meson_log(path, failures):
    passed = failed = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            entry = json.loads(line)
            ok_lines = 0
            for out in (entry.get("stdout") or "").splitlines():
                m = TAP.match(out)
                if not m:
                    continue
                ok_lines += 1
                if m.group(1) == "ok":
                    passed += 1
                else:
                    failed += 1
                    failures.append("%s: %s%s" % (path.split("/")[0], entry["name"], m.group(2)))
            # A suite that crashed or timed out counts as one more failure, whatever it printed.
            if entry.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP"):
                if ok_lines == 0 or entry.get("result") in ("TIMEOUT", "ERROR"):
                    failed += 1
                    failures.append("%s: %s ended %s" % (path.split("/")[0], entry["name"],
                                                         entry.get("result")))
    return passed, failed


def junit(path, failures):
    passed = failed = 0
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        name = "%s::%s" % (case.get("classname"), case.get("name"))
        if case.find("skipped") is not None:
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            failures.append("integration: " + name)
        else:
            passed += 1
    return passed, failed


def main(paths):
    passed = failed = 0
    failures = []
    for path in paths:
        p, f = (junit if path.endswith(".xml") else meson_log)(path, failures)
        passed += p
        failed += f
    for f in failures:
        print("FAILED " + f)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
