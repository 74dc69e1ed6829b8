#!/usr/bin/env python3
"""One line per test case from ctest's progress output: "STATUS Name SECONDS s".

STATUS is PASS, FAIL, SKIP, TIMEOUT or CRASH (ctest's Exception / SegFault / Subprocess aborted
/ any other *** word). Used by scripts/gpu/first_contact.sh for the CUDA cases and the rest of
the suite.

  python3 scripts/gpu/ctest_cases.py ctest-output.log
"""
import re
import sys

LINE = re.compile(r"^\s*\d+/\d+ Test\s+#\d+: (\S+) \.*\s*(\*\*\*)?(.*?)\s+([\d.]+) sec\s*$")


def status(word):
    w = word.strip().lower()
    if w.startswith("passed"):
        return "PASS"
    if w.startswith("skipped") or w.startswith("not run"):
        return "SKIP"
    if w.startswith("failed"):
        return "FAIL"
    if w.startswith("timeout"):
        return "TIMEOUT"
    return "CRASH"


def main(path):
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if m:
                print(f"{status(m.group(3))} {m.group(1)} {m.group(4)} s")


if __name__ == "__main__":
    main(sys.argv[1])
