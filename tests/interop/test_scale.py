"""Crash safety and scale of the monitoring stores.

* SIGKILL at random moments during a stream of Add SEL Entry requests, many
  rounds: every entry the BMC acknowledged is there after the restart,
  byte for byte, and the store is valid.  (Truncated and corrupted stores:
  test_sel.py::test_damaged_store.)
* A board with 200 sensors and a SEL filled to its 4096 entries: `sdr
  elist` and `sel elist` work and the daemon's memory stays bounded.
"""

import random
import re
import signal
import struct
import threading
import time

from conftest import load_board, ok, write_board
from rmcpclient import Console, RmcpError

SEL_FILE = "sel"
FRAME = 24


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def kill9(b):
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait(5)
    b._close_files()
    b.proc = None


def oem_record(n):
    """An OEM non-timestamped record (type E0h) carrying n: stored as given."""
    return bytes([0, 0, 0xE0]) + struct.pack("<I", n) + bytes(range(9))


def admin_console(port):
    """A raw RMCP+ session raised to administrator (it starts at user)."""
    c = Console(port).open()
    cc, _ = c.request(0x06, 0x3B, b"\x04")
    assert cc == 0, cc
    return c


def test_sigkill_during_sel_adds_loses_no_acknowledged_entry(fresh_bmc):
    b = fresh_bmc
    rng = random.Random(1234)
    acked = {}          # record ID -> the 13 bytes after the record type
    n = 0
    for rnd in range(8):
        c = admin_console(b.port)
        stop = threading.Event()
        errors = []

        def stream():
            nonlocal n
            while not stop.is_set():
                rec = oem_record(n)
                n += 1
                try:
                    cc, data = c.request(0x0A, 0x44, rec, timeout=0.5, tries=1)
                except (RmcpError, OSError):
                    return          # the daemon is gone: this one was not acknowledged
                if cc == 0:
                    acked[data[0] | data[1] << 8] = rec[3:]
                elif cc != 0xC4:
                    errors.append(cc)

        t = threading.Thread(target=stream)
        t.start()
        time.sleep(rng.uniform(0.05, 0.6))
        kill9(b)
        stop.set()
        t.join(5)
        c.sock.close()
        assert not errors, errors
        b.start()
        # Every acknowledged entry is there with its bytes.
        c = admin_console(b.port)
        got = {}
        rid = 0
        while rid != 0xFFFF:
            cc, data = c.request(0x0A, 0x43, struct.pack("<HHBB", 0, rid, 0, 0xFF))
            assert cc == 0, (cc, rid)
            nxt = data[0] | data[1] << 8
            rec = data[2:]
            got[rec[0] | rec[1] << 8] = rec[3:]
            rid = nxt
        c.close()
        missing = [i for i in acked if i not in got]
        assert not missing, f"round {rnd}: acknowledged entries lost: {missing[:10]}"
        for i, body in acked.items():
            assert got[i] == body, f"round {rnd}: entry {i} changed"
    assert len(acked) > 50, f"only {len(acked)} adds were acknowledged in 8 rounds"


def test_200_sensors_and_a_full_sel(bmc_factory, tmp_path):
    board = load_board()
    sensors = []
    for i in range(200):
        if i % 4 == 3:
            sensors.append({"name": f"PSU{i} Status", "type": "power_supply", "states": [0, 1],
                            "poll_ms": 2000, "source": {"kind": "sim", "value": 1}})
        else:
            sensors.append({"name": f"Temp {i}", "type": "temperature", "units": "degrees C",
                            "min": 0, "max": 127.5, "thresholds": {"unc": 90, "uc": 100},
                            "poll_ms": 1000, "source": {"kind": "sim", "value": 30 + i % 40,
                                                        "swing": 2}})
    board["sensors"] = sensors
    board.pop("dcmi", None)          # its power sensors are gone
    board.pop("ipmb", None)          # its satellites' sensor numbers are among these 200
    board["sel"] = {"capacity": 4096}
    b = bmc_factory(board=write_board(tmp_path, board))
    rss_start = rss_kb(b.proc.pid)
    c = admin_console(b.port)
    full = False
    for i in range(4200):
        cc, _ = c.request(0x0A, 0x44, oem_record(i))
        if cc == 0xC4:
            full = True
            break
        assert cc == 0, cc
    c.close()
    assert full, "the SEL never filled"
    info = ok(b.ipmitool("sel", "info")).out
    assert re.search(r"Entries\s*:\s*4096", info), info
    assert re.search(r"Overflow\s*:\s*true", info), info
    r = ok(b.ipmitool("sdr", "elist", timeout=120))
    assert sum(1 for l in r.out.splitlines() if l.startswith("Temp ")) == 150, r
    assert sum(1 for l in r.out.splitlines() if "Presence detected" in l) == 50, r
    r = ok(b.ipmitool("sel", "elist", timeout=300))
    assert len(r.out.splitlines()) == 4096, len(r.out.splitlines())
    rss_end = rss_kb(b.proc.pid)
    # Recorded for the notes: RSS with 200 sensors and 4096 entries.
    print(f"\nRSS: {rss_start} kB at start, {rss_end} kB with a full SEL and 200 sensors")
    assert rss_end < 64 * 1024, rss_end
