#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Handlers read their request only through ipmi_reader() (struct rbuf).

Walks the daemon's C sources (everything but tests/, fuzz/, bench/ and
build or hidden directories) for direct uses of a request's bytes or length:
req->len, req->data[i], req->data + n, req->data passed on.  daemon/ipmi.h
(ipmi_reader() itself) and daemon/dispatch.c (the length check) may.
Prints each hit as file:line: text and exits 1 if there is any.

usage: check-req-reads.py [SOURCE_ROOT]
"""
import os
import re
import sys

ALLOWED = {"daemon/ipmi.h", "daemon/dispatch.c"}
SKIP_DIRS = {"tests", "fuzz", "bench", "subprojects"}
# req->len, and req->data however it is used (indexed, offset, passed).
PATTERN = re.compile(r"\breq->(len|data)\b")


def sources(root):
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        if rel_top == ".":
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith((".", "build"))]
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                rel = os.path.normpath(os.path.join(rel_top, name))
                if rel not in ALLOWED:
                    yield rel


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    root = os.path.abspath(root)
    hits = 0
    for rel in sources(root):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                if PATTERN.search(line):
                    print(f"{rel}:{n}: {line.strip()}")
                    hits += 1
    if hits:
        print(f"{hits} direct request read(s): read through ipmi_reader() (daemon/ipmi.h) instead",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
