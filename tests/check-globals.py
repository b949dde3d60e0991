#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""List the daemon's mutable file-scope and function-static variables.

Several BMCs run in one process (docs/architecture.md, "Instances"), so
every piece of mutable state belongs to a struct that one of them owns.
This reads the symbol tables of the daemon's objects (not the tests', fuzz
targets' or benchmarks'), keeps the data objects placed in a writable
section (.data, .bss, thread-local, common), and prints each with where it
is declared.  Read-only data (.rodata, and .data.rel.ro: const tables that
hold pointers, written only by the dynamic loader) is not state.

Usage: check-globals.py [PATH]...
  PATH: an object file, a static archive, or a directory searched for
  objects; default: the daemon's two targets in ./build.
Exit status: 0 when there is none, 1 when there is any, 2 on a tool error.
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [ROOT / "build" / "libbmcd-core.a.p", ROOT / "build" / "bmcd.p"]

# Process-wide, not any BMC's: the one stderr every instance logs to, set
# once from -v before the first instance starts.
ALLOWED = {
    "log_max_level": "log verbosity of the process (daemon/log.c), set once from -v",
    "virt_pool": "libvirt's event implementation is one per process and its callbacks carry no "
                 "context (boards/libvirt_host.c)",
}

INSTRUMENTATION = ("__odr_asan", "__asan_", "__ubsan_", "__sancov_", "__llvm_", "__profc_", "__profd_")

WRITABLE = re.compile(r"^(\.data|\.bss|\.tdata|\.tbss)(\..*)?$|^\*COM\*$")
READ_ONLY = re.compile(r"^\.data\.rel\.ro(\..*)?$")


def objects(path):
    """Object files under path (archives are unpacked into a temp dir)."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*.o"))
    if path.suffix != ".a":
        return [path]
    with open(path, "rb") as f:
        thin = f.read(8) == b"!<thin>\n"
    if thin:
        # meson's archives only name their members (paths from the archive).
        names = subprocess.run(["ar", "t", path.name], cwd=path.parent, capture_output=True,
                               text=True, check=True).stdout.split()
        return sorted(path.parent / n for n in names)
    tmp = Path(tempfile.mkdtemp(prefix="check-globals-"))
    subprocess.run(["ar", "x", str(path.resolve())], cwd=tmp, check=True)
    return sorted(tmp.glob("*.o"))


def writable_objects(obj):
    """[(name, section)] of the data objects obj defines in writable sections."""
    out = subprocess.run(["objdump", "-t", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    found = []
    for line in out.splitlines():
        # "0000000000000000 l     O .bss   0000000000000004 counter.0"
        m = re.match(r"^[0-9a-f]+ (.{7}) (\S+)\s+[0-9a-f]+\s+(.*)$", line)
        if not m:
            continue
        flags, section, name = m.groups()
        # Thread-local objects are typed TLS, not O; "d" is a section's own symbol.
        tls = section.startswith((".tdata", ".tbss")) and "d" not in flags
        if "O" not in flags and section != "*COM*" and not tls:
            continue
        if READ_ONLY.match(section) or not WRITABLE.match(section):
            continue
        name = name.split()[-1]
        # What a sanitizer or coverage build adds to each object, not ours.
        if name.startswith(INSTRUMENTATION):
            continue
        found.append((name, section))
    return found


def locations(obj):
    """{symbol: "file:line"} from the debug information, where there is any."""
    r = subprocess.run(["nm", "-l", "--defined-only", str(obj)], capture_output=True, text=True)
    locs = {}
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 2:
            name = parts[0].split()[-1]
            locs[name] = os.path.relpath(os.path.normpath(parts[1].rsplit(":", 1)[0]), ROOT) + \
                ":" + parts[1].rsplit(":", 1)[1]
    return locs


def main(argv):
    paths = argv[1:] or DEFAULT
    found, allowed = [], []
    try:
        for path in paths:
            if not Path(path).exists():
                print(f"check-globals: {path}: no such file or directory", file=sys.stderr)
                return 2
            for obj in objects(path):
                syms = writable_objects(obj)
                locs = locations(obj) if syms else {}
                for name, section in syms:
                    # gcc names a function-static "name.N".
                    base, _, suffix = name.partition(".")
                    kind = "function-static" if suffix.isdigit() else "file-scope"
                    where = locs.get(name, obj.name)
                    entry = f"{where}: {base} ({kind}, {section})"
                    (allowed if base in ALLOWED else found).append((entry, base))
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"check-globals: {e}", file=sys.stderr)
        return 2
    for entry, base in sorted(allowed):
        print(f"allowed  {entry}: {ALLOWED[base]}")
    for entry, _ in sorted(found):
        print(f"mutable  {entry}")
    print(f"{len(found)} mutable global or function-static variable(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
