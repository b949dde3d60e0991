"""Flash faults: the state directory on a small tmpfs this test mounts,
then full (a filler file), read-only (remounted), a store replaced by a
directory (unreadable and unwritable even for root), and a store cut short
mid-record while bmcd is stopped.  The commands that write answer with a
completion code that says so (C4h out of space; FFh for the rest), what was
stored is not damaged, reads keep working, and writes work again once the
fault is gone.  docs/testing.md lists the codes.  Needs root (mount)."""

import errno
import os
import signal
import struct
import subprocess

import pytest

from conftest import Bmcd
from rfclient import Redfish
from rmcpclient import Console

APP, CHASSIS, STORAGE, TRANSPORT = 0x06, 0x00, 0x0A, 0x0C
LAN_CH, UID, FRU_OFF = 1, 5, 0x100
CC_OUT_OF_SPACE, CC_UNSPECIFIED = 0xC4, 0xFF
# The store file each write lands in.
ACCOUNTS = "/redfish/v1/AccountService/Accounts"
FILES = {"sel": "sel", "name": "users", "pw": "users", "priv": "users", "lan": "lan-config",
         "sdr": "sdr", "fru": "fru-0", "boot": "boot-options"}


def admin_session(b):
    con = Console(b.port, timeout=2.0).open()
    cc, _ = con.request(APP, 0x3B, b"\x04")     # Set Session Privilege Level: administrator
    assert cc == 0, f"Set Session Privilege Level: cc {cc:#x}"
    return con


class Writer:
    """Each kind of write, with a new value every time; what was
    acknowledged is kept in .want (SEL and SDR: by record ID)."""

    def __init__(self):
        self.n = 0
        self.want = {}
        self.sel = {}
        self.sdr = {}

    def write(self, con, kind):
        """(completion code, request) of one write of this kind."""
        self.n += 1
        n = self.n
        tag = struct.pack("<H", n)
        if kind == "sel":
            body = tag + bytes(11)
            cc, d = con.request(STORAGE, 0x44, b"\0\0\xe0" + body, tries=1)
            if cc == 0:
                self.sel[d[0] | d[1] << 8] = body
            return cc
        if kind == "sdr":
            rec = b"\0\0\x51\xc0\x06\x57\x01\x00" + tag + b"\x01"
            cc, d = con.request(STORAGE, 0x24, rec, tries=1)
            if cc == 0:
                self.sdr[d[0] | d[1] << 8] = rec[2:]
            return cc
        if kind == "name":
            val = b"ff%d" % n
            req = (APP, 0x45, bytes([UID]) + val.ljust(16, b"\0"))
        elif kind == "pw":
            val = b"pw%d" % n
            req = (APP, 0x47, bytes([UID, 0x02]) + val.ljust(16, b"\0"))
        elif kind == "priv":
            val = 3 if self.want.get(kind) == 2 else 2    # a change every time
            req = (APP, 0x43, bytes([0x90 | LAN_CH, UID, val]))
        elif kind == "lan":
            val = (b"ff%d" % n).ljust(18, b"\0")
            req = (TRANSPORT, 0x01, bytes([LAN_CH, 16]) + val)
        elif kind == "fru":
            val = tag * 8
            req = (STORAGE, 0x12, bytes([0]) + struct.pack("<H", FRU_OFF) + val)
        else:       # boot flags: valid, persistent, PXE or disk, a change every time
            dev = 0x08 if self.want.get(kind, b"\0\0")[1] == 0x04 else 0x04
            val = bytes([0xC0, dev, 0, 0, 0])
            req = (CHASSIS, 0x08, bytes([0x05]) + val)
        cc, _ = con.request(*req, tries=1)
        if cc == 0:
            self.want[kind] = val
        return cc

    def check(self, con, what=""):
        """Every acknowledged write reads back."""
        for rid, body in self.sel.items():
            cc, d = con.request(STORAGE, 0x43, struct.pack("<HHBB", 0, rid, 0, 0xFF))
            assert cc == 0 and d[5:] == body, f"{what}: SEL {rid:#06x}: cc {cc:#x} {d.hex()}"
        for rid, rec in self.sdr.items():
            cc, d = con.request(STORAGE, 0x23, struct.pack("<HHBB", 0, rid, 0, 0xFF))
            assert cc == 0 and d[4:] == rec, f"{what}: SDR {rid}: cc {cc:#x} {d.hex()}"
        for kind, val in self.want.items():
            if kind == "name":
                cc, d = con.request(APP, 0x46, bytes([UID]))
                got = d.rstrip(b"\0")
            elif kind == "pw":
                cc, _ = con.request(APP, 0x47, bytes([UID, 0x03]) + val.ljust(16, b"\0"))
                got = val if cc == 0 else None
                cc = 0
            elif kind == "priv":
                cc, d = con.request(APP, 0x44, bytes([LAN_CH, UID]))
                got = d[3] & 0x0F
            elif kind == "lan":
                cc, d = con.request(TRANSPORT, 0x02, bytes([LAN_CH, 16, 0, 0]))
                got = d[1:]
            elif kind == "fru":
                cc, d = con.request(STORAGE, 0x11, bytes([0]) + struct.pack("<HB", FRU_OFF, 16))
                got = d[1:]
            else:
                cc, d = con.request(CHASSIS, 0x09, bytes([0x05, 0, 0]))
                got = d[2:]
            assert cc == 0 and got == val, f"{what}: {kind} reads {got!r} (cc {cc:#x}), want {val!r}"


KINDS = ("sel", "name", "pw", "priv", "lan", "sdr", "fru", "boot")


@pytest.fixture
def tmpfs(tmp_path):
    """A 1 MiB tmpfs as the state dir; unmounted at the end however the test ends."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    state = tmp_path / "state"
    state.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(state)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.strip()}")
    daemons = []
    yield state, daemons
    for b in daemons:
        if b.alive():
            b.stop()
    if subprocess.run(["umount", str(state)]).returncode != 0:
        subprocess.run(["umount", "-l", str(state)])


def start(tmpfs, tmp_path):
    state, daemons = tmpfs
    b = Bmcd(workdir=tmp_path, state_dir=state)
    daemons.append(b)
    return b.start()


def restart(b, name):
    """Stop (checked: exit 0) and start again, with a log of its own."""
    b.stop_and_check()
    b.stderr_path = b.workdir / f"bmcd-{name}.stderr"
    b.proc = None
    return b.start()


def fill(state):
    """Fill the file system up: the filler's path."""
    path = state / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for chunk in (1 << 16, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, bytes(chunk))
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
    finally:
        os.close(fd)
    return path


def all_ok(w, con, what):
    for kind in KINDS:
        cc = w.write(con, kind)
        assert cc == 0, f"{what}: {kind} write: cc {cc:#x}"


def test_full(tmpfs, tmp_path):
    b = start(tmpfs, tmp_path)
    w = Writer()
    con = admin_session(b)
    all_ok(w, con, "before")
    filler = fill(tmpfs[0])
    for kind in KINDS:
        if kind == "sel":
            # An append may still fit in the file's last block: every
            # acknowledged one is kept, and the first refused is C4h.
            for _ in range(400):
                cc = w.write(con, kind)
                if cc:
                    break
        else:
            cc = w.write(con, kind)
        assert cc == CC_OUT_OF_SPACE, f"full: {kind} write answered {cc:#x}, not C4h"
    w.check(con, "full")
    # Redfish account writes: a 5xx with a Redfish error, not a 2xx.
    rf = Redfish(b)
    new_user = {"UserName": "rfuser", "Password": "rfpass123", "RoleId": "Operator"}
    for what, r in (("POST", rf.post(ACCOUNTS, new_user)),
                    ("PATCH", rf.patch(f"{ACCOUNTS}/{UID}", {"UserName": "rf5"}))):
        assert r.status_code >= 500 and "error" in r.json(), \
            f"full: Redfish {what} answered {r.status_code} {r.text}"
    w.check(con, "full, after the Redfish writes")
    os.unlink(filler)
    all_ok(w, con, "space back")
    w.check(con, "space back")
    r = rf.post(ACCOUNTS, new_user)
    assert r.status_code == 201, f"space back: Redfish POST answered {r.status_code} {r.text}"
    con.close()
    b = restart(b, "full-restart")
    con = admin_session(b)
    w.check(con, "after the restart")
    con.close()


def test_read_only(tmpfs, tmp_path):
    state = tmpfs[0]
    b = start(tmpfs, tmp_path)
    w = Writer()
    con = admin_session(b)
    all_ok(w, con, "before")
    con.close()
    # bmcd keeps the SEL open for appends, and a file system with a file
    # open for writing cannot be remounted read-only: stop, remount, start.
    b.stop_and_check()
    subprocess.run(["mount", "-o", "remount,ro", str(state)], check=True)
    b.stderr_path = tmp_path / "bmcd-ro.stderr"
    b.start()
    con = admin_session(b)
    w.check(con, "read-only")
    for kind in KINDS:
        cc = w.write(con, kind)
        assert cc == CC_UNSPECIFIED, f"read-only: {kind} write answered {cc:#x}, not FFh"
    w.check(con, "read-only, after the refused writes")
    subprocess.run(["mount", "-o", "remount,rw", str(state)], check=True)
    all_ok(w, con, "writable again")
    con.close()
    b = restart(b, "rw-restart")
    con = admin_session(b)
    w.check(con, "after the restart")
    con.close()


def test_store_replaced_by_directory(tmpfs, tmp_path):
    """While running: a store turned into a directory fails that store's
    writes (FFh) and no other; reads go on; the next write after the
    directory is gone stores the whole state again."""
    state = tmpfs[0]
    b = start(tmpfs, tmp_path)
    w = Writer()
    con = admin_session(b)
    all_ok(w, con, "before")
    for kind in KINDS:
        f = state / FILES[kind]
        f.rename(state / "aside")
        f.mkdir()
        (f / "x").write_bytes(b"")
        cc = w.write(con, kind)
        assert cc == CC_UNSPECIFIED, f"{FILES[kind]} a directory: {kind} write answered {cc:#x}"
        for other in KINDS:
            if FILES[other] != FILES[kind]:
                assert w.write(con, other) == 0, f"{FILES[kind]} a directory: {other} refused"
        w.check(con, f"{FILES[kind]} a directory")
        (f / "x").unlink()
        f.rmdir()
        (state / "aside").unlink()
        assert w.write(con, kind) == 0, f"{FILES[kind]} back: {kind} refused"
        assert f.is_file()
    con.close()
    b = restart(b, "dir-restart")
    con = admin_session(b)
    w.check(con, "after the restart")
    con.close()


def try_start(b, name):
    """Start; (True, log) if it came up, else (False, log) with its exit status checked."""
    b.stderr_path = b.workdir / f"bmcd-{name}.stderr"
    b.proc = None
    try:
        b.start()
        return True, b.stderr()
    except pytest.fail.Exception:
        log = b.stderr()
        rc = b.proc.returncode
        assert rc is not None and rc > 0, f"{name}: bmcd died of a signal or hung ({rc})\n{log}"
        return False, log


# Files cut mid-record: (file, bytes to cut off the end).
TORN = (("sel", 13), ("sdr", 5), ("fru-0", 7), ("lan-config", 3), ("boot-options", 2))


@pytest.mark.parametrize("name,cut", TORN)
def test_torn_store(tmpfs, tmp_path, name, cut):
    """A store cut short while bmcd is stopped: bmcd starts (naming the file
    in its log) and keeps every other store; the SEL keeps its valid prefix."""
    state = tmpfs[0]
    b = start(tmpfs, tmp_path)
    w = Writer()
    con = admin_session(b)
    all_ok(w, con, "before")
    all_ok(w, con, "before, twice")
    con.close()
    b.stop_and_check()
    f = state / name
    size = f.stat().st_size
    os.truncate(f, size - cut)
    up, log = try_start(b, f"torn-{name}")
    assert up, f"bmcd refused to start on a torn {name}\n{log}"
    assert name in log, f"nothing in the log names the torn {name}\n{log}"
    if name == "sel":
        last = max(w.sel)
        del w.sel[last]
    else:
        for kind, fname in FILES.items():
            if fname == name:
                w.want.pop(kind, None)
        if name == "sdr":
            w.sdr.clear()
    con = admin_session(b)
    w.check(con, f"torn {name}")
    all_ok(w, con, f"torn {name}, new writes")
    con.close()
    b = restart(b, f"torn-{name}-restart")
    con = admin_session(b)
    w.check(con, f"torn {name}, after the restart")
    con.close()


# A directory in place of a store at start: tests/interop/test_stores.py (every store).
