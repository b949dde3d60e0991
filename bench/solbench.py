#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SOL throughput (host -> console bytes/s, the sim console's 'blast') and
latency (keystroke -> echo round trip) against a running bmcd on the sim
board, through the raw console of the interop suite.

    bench/solbench.py --port 6230 [--bytes 4194304] [--keys 300]

The host must be powered on and booted (ipmitool ... chassis power on)."""

import argparse
import statistics
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "interop"))
from solclient import SolConsole  # noqa: E402
from test_sol import raw_login, blast  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=6230)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="password")
    ap.add_argument("--bytes", type=int, default=4 << 20)
    ap.add_argument("--keys", type=int, default=300)
    a = ap.parse_args()

    c = SolConsole(a.port, user=a.user.encode(), password=a.password.encode()).open()
    cc, _ = c.activate()
    if cc:
        sys.exit(f"Activate Payload: completion code {cc:#x}")
    try:
        raw_login(c)
        data, crc, elapsed = blast(c, a.bytes, 600)
        ok = len(data) == a.bytes and f"{zlib.crc32(data):08x}" == crc
        print(f"throughput: {a.bytes / elapsed / 1e3:.0f} kB/s ({a.bytes} bytes in {elapsed:.2f} s, "
              f"{'intact' if ok else 'CORRUPT'})")
        rtt = []
        for i in range(a.keys):
            if i and i % 100 == 0:
                c.type("\x03")         # the sim shell's line holds 255 characters
                c.pump(timeout=0.1)
            ch = b"abcdefghij"[i % 10:i % 10 + 1]
            start = len(c.out)
            t0 = time.perf_counter()
            c.write(ch)
            c.pump(lambda k: ch in k.out[start:], 2.0)
            rtt.append((time.perf_counter() - t0) * 1e3)
        c.type("\x03")
        rtt.sort()
        print(f"keystroke echo: median {statistics.median(rtt):.2f} ms, "
              f"p95 {rtt[int(len(rtt) * 0.95)]:.2f} ms, max {rtt[-1]:.2f} ms ({a.keys} keys)")
    finally:
        c.deactivate()
        c.close()


if __name__ == "__main__":
    main()
