"""Power loss: SIGKILL at a random moment during a stream of acknowledged
changes over RMCP+ (SEL adds, user name / password / privilege, the LAN
community string, SDR adds, FRU writes), then a restart on the same state
dir: every change that got completion code 00h before the kill is there,
and every store parses (no "corrupt" in bmcd's log, the reads answer).

Trial t draws its kill delay and its changes from random.Random(t); a
failure names the trial, so `BMCD_POWERLOSS_FIRST=t BMCD_POWERLOSS_TRIALS=1`
replays it.  BMCD_POWERLOSS_TRIALS sets how many (CI: the default)."""

import os
import random
import signal
import struct
import threading
import time

import pytest

from conftest import Bmcd
from rmcpclient import Console, RmcpError

TRIALS = int(os.environ.get("BMCD_POWERLOSS_TRIALS", "80"))
FIRST = int(os.environ.get("BMCD_POWERLOSS_FIRST", "0"))
UIDS = (5, 6, 7, 8)
LAN_CH = 1
FRU_SLOTS = (0x100, 0x110, 0x120, 0x130)      # 16-byte slots past the header
APP, STORAGE, TRANSPORT = 0x06, 0x0A, 0x0C


class State:
    """What the daemon acknowledged, and what was in flight at the kill."""

    def __init__(self):
        self.acked = {}         # key -> value (users, lan, fru)
        self.sel = {}           # record ID -> 13 bytes after the type
        self.sdr = {}           # record ID -> whole record but the ID
        self.pending = {}       # key -> value of the one unanswered change

    def allowed(self, key):
        vals = []
        if key in self.acked:
            vals.append(self.acked[key])
        if key in self.pending:
            vals.append(self.pending[key])
        return vals


def change(rng, trial, n):
    """One change: (key, value, netfn, cmd, request data)."""
    tag = struct.pack("<HH", trial, n)
    kind = rng.choice(("sel", "sel", "name", "pw", "priv", "lan", "sdr", "fru"))
    uid = rng.choice(UIDS)
    if kind == "sel":
        body = tag + bytes(rng.randrange(256) for _ in range(9))
        return "sel", body, STORAGE, 0x44, b"\0\0\xe0" + body
    if kind == "name":
        name = b"u%d-%d-%d" % (uid, trial, n)
        return ("name", uid), name, APP, 0x45, bytes([uid]) + name.ljust(16, b"\0")
    if kind == "pw":
        pw = b"pw%d.%d" % (trial, n)
        return ("pw", uid), pw, APP, 0x47, bytes([uid, 0x02]) + pw.ljust(16, b"\0")
    if kind == "priv":
        priv = rng.choice((2, 3, 4))
        return ("priv", uid), priv, APP, 0x43, bytes([0x80 | 0x10 | LAN_CH, uid, priv])
    if kind == "lan":
        comm = (b"c%d.%d" % (trial, n)).ljust(18, b"\0")
        return ("lan",), comm, TRANSPORT, 0x01, bytes([LAN_CH, 16]) + comm
    if kind == "sdr":
        body = b"\x57\x01\x00" + tag + bytes([rng.randrange(256)])   # OEM: IANA 343, data
        rec = b"\0\0\x51\xc0" + bytes([len(body)]) + body
        return "sdr", rec[2:], STORAGE, 0x24, rec
    slot = rng.choice(FRU_SLOTS)
    data = tag + bytes(rng.randrange(256) for _ in range(12))
    return ("fru", slot), data, STORAGE, 0x12, bytes([0]) + struct.pack("<H", slot) + data


def admin_session(b):
    con = Console(b.port, timeout=2.0).open()
    cc, _ = con.request(APP, 0x3B, b"\x04")     # Set Session Privilege Level: administrator
    assert cc == 0, f"Set Session Privilege Level: cc {cc:#x}"
    return con


def run_changes(b, rng, trial, st):
    """Open a session, arm the kill, send changes until the daemon dies."""
    con = admin_session(b)
    delay = rng.uniform(0.01, 0.25)
    pid = b.proc.pid
    timer = threading.Timer(delay, os.kill, (pid, signal.SIGKILL))
    timer.start()
    n = 0
    try:
        while True:
            key, val, netfn, cmd, data = change(rng, trial, n)
            n += 1
            try:
                cc, rsp = con.request(netfn, cmd, data, timeout=0.5, tries=1)
            except RmcpError:
                if isinstance(key, tuple):
                    st.pending[key] = val
                break
            if cc != 0:
                pytest.fail(f"trial {trial}: change {n} ({key}) refused: cc {cc:#x}")
            if key == "sel":
                st.sel[rsp[0] | rsp[1] << 8] = val
            elif key == "sdr":
                st.sdr[rsp[0] | rsp[1] << 8] = val
            else:
                st.acked[key] = val
                st.pending.pop(key, None)
    finally:
        timer.join()
        con.sock.close()
    b.proc.wait(5)
    b._close_files()
    return n, delay


def check(b, st, trial, sel_ids=None, sdr_ids=None):
    """Every acknowledged change reads back (all SEL/SDR IDs, or the ones given)."""
    err = b.stderr()
    assert "corrupt" not in err.lower(), f"trial {trial}: a store was corrupt\n{b.stderr_tail()}"
    con = admin_session(b)
    try:
        for rid in (st.sel if sel_ids is None else sel_ids):
            cc, d = con.request(STORAGE, 0x43, struct.pack("<HHBB", 0, rid, 0, 0xFF))
            assert cc == 0 and d[2:] == struct.pack("<H", rid) + b"\xe0" + st.sel[rid], \
                f"trial {trial}: SEL entry {rid:#06x} lost or wrong: cc {cc:#x} {d.hex()}"
        for rid in (st.sdr if sdr_ids is None else sdr_ids):
            cc, d = con.request(STORAGE, 0x23, struct.pack("<HHBB", 0, rid, 0, 0xFF))
            assert cc == 0 and d[4:] == st.sdr[rid], \
                f"trial {trial}: SDR record {rid} lost or wrong: cc {cc:#x} {d.hex()}"
        for key in set(st.acked) | set(st.pending):
            allowed = st.allowed(key)
            kind = key[0]
            if kind == "name":
                cc, d = con.request(APP, 0x46, bytes([key[1]]))
                got = d.rstrip(b"\0")
            elif kind == "pw":
                got = None
                for pw in allowed:
                    cc, _ = con.request(APP, 0x47, bytes([key[1], 0x03]) + pw.ljust(16, b"\0"))
                    if cc == 0:
                        got = pw
                cc = 0
            elif kind == "priv":
                cc, d = con.request(APP, 0x44, bytes([LAN_CH, key[1]]))
                got = d[3] & 0x0F
            elif kind == "lan":
                cc, d = con.request(TRANSPORT, 0x02, bytes([LAN_CH, 16, 0, 0]))
                got = d[1:]
            else:
                cc, d = con.request(STORAGE, 0x11, bytes([0]) + struct.pack("<HB", key[1], 16))
                got = d[1:]
            assert cc == 0 and got in allowed, \
                f"trial {trial}: {key} is {got!r} (cc {cc:#x}); acknowledged/in flight: {allowed!r}"
            # Whatever it is now is the state from here on.
            st.acked[key] = got
        st.pending.clear()
    finally:
        con.close()


def test_powerloss(tmp_path):
    st = State()
    b = Bmcd(workdir=tmp_path, state_dir=tmp_path / "state")
    b.start()
    t0 = time.monotonic()
    changes = 0
    try:
        for trial in range(FIRST, FIRST + TRIALS):
            rng = random.Random(trial)
            before_sel, before_sdr = set(st.sel), set(st.sdr)
            n, delay = run_changes(b, rng, trial, st)
            changes += n
            print(f"trial {trial}: seed {trial}, kill after {delay * 1000:.0f} ms, {n} changes sent")
            b.stderr_path = tmp_path / f"bmcd-{trial}.stderr"
            b.start()
            check(b, st, trial, set(st.sel) - before_sel, set(st.sdr) - before_sdr)
        # Everything acknowledged over all the trials, after a clean restart.
        b.restart()
        check(b, st, "final")
    finally:
        if b.alive():
            b.stop()
    print(f"{TRIALS} trials, {changes} changes sent, {len(st.sel)} SEL entries and "
          f"{len(st.sdr)} SDR records acknowledged, {time.monotonic() - t0:.1f} s: no loss")
