"""Attacks on the LAN session layer, performed against the running daemon
(bmcd issue 16).  Each test is one attack, named after it; each checks
that real clients still log in afterwards (or during it).  Floods are
bounded in packets and seconds and stay on loopback: the machine is small
and shared.  The raw packets come from rmcpclient.Console; the logins from
ipmitool, pyghmi and FreeIPMI."""

import os
import pty
import re
import select
import socket
import struct
import threading
import time
import tty

import pytest

from conftest import (HOST, SYS_PYTHON, assert_cc, load_board, ok, raw, run,
                      write_board)
from rmcpclient import RMCP_IPMI, Console, PT_OPEN_REQ, RmcpError

PYGHMI_LOGIN = (
    "import sys, json\n"
    "from pyghmi.ipmi import command\n"
    "try:\n"
    "    c = command.Command(bmc='127.0.0.1', userid=sys.argv[2], password=sys.argv[3],\n"
    "                        port=int(sys.argv[1]), keepalive=False)\n"
    "    r = c.raw_command(netfn=6, command=1)\n"
    "    c.ipmi_session.logout()\n"
    "    print(json.dumps({'ok': 'error' not in r}))\n"
    "except BaseException as e:\n"
    "    print(json.dumps({'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}))\n"
    "import os; os._exit(0)\n"
)


def pyghmi_login(b, user="admin", password="password"):
    r = run([SYS_PYTHON, "-c", PYGHMI_LOGIN, b.port, user, password], timeout=90,
            env=b.client_env())
    assert not r.timed_out, r
    return '"ok": true' in r.out, r


def bus_cmds(data):
    """(netfn, cmd) of each message bmcd wrote to an IPMB device: a length
    byte, then rsSA netFn/LUN cs rqSA seq cmd ..."""
    out, i = [], 0
    while i < len(data):
        n = data[i]
        f = data[i + 1:i + 1 + n]
        if len(f) >= 6:
            out.append((f[1] >> 2, f[5]))
        i += 1 + n
    return out


def wait_for(pred, timeout=30.0, step=0.1):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if pred():
            return True
        time.sleep(step)
    return pred()


# --------------------------------------------------------------------------
# Issue 16.2: RAKP2 HMAC harvesting without a failure counted


def test_rakp2_hash_harvest_is_counted_and_locks(bmc_factory):
    """Open Session, RAKP1 for admin (a RAKP2 with its HMAC comes back,
    crackable offline), then a second RAKP1 on the same session with an
    unknown name, role 0 and name length 17, which ends the handshake.
    Each round must count as a failed login: after the threshold (5) the
    user is locked and its RAKP2s no longer carry the password's HMAC.
    Also ended by Close Session: counted too."""
    b = bmc_factory()
    valid = 0
    for _ in range(12):
        c = Console(b.port)
        st, _priv, sid = c.open_only()
        assert st == 0
        rakp2 = c.rakp1_only(sid)
        assert rakp2[1] == 0, rakp2.hex()
        valid += c.rakp2_hmac_valid(sid, rakp2)
        bad = c.rakp1_only(sid, user=b"x" * 17, role=0, ulen=17)
        assert bad[1] != 0, bad.hex()
        c.sock.close()
    err = b.stderr()
    assert valid <= 5, f"{valid} RAKP2s carried admin's real HMAC\n{b.stderr_tail()}"
    assert len(re.findall(r'bad password for user 2 "admin"', err)) >= 5, b.stderr_tail()
    assert "locked out" in err, b.stderr_tail()
    # The lock holds against the right password too.
    assert not b.ipmitool("mc", "info").ok

    # Close Session (by an administrator) of a handshake that got a RAKP2.
    b2 = bmc_factory()
    for _ in range(5):
        c = Console(b2.port, user=b"operator", password=b"operator", role=3)
        _st, _priv, sid = c.open_only()
        assert c.rakp1_only(sid)[1] == 0
        r = b2.ipmitool("raw", "0x06", "0x3c", *[f"0x{x:02x}" for x in struct.pack("<I", sid)])
        ok(r)
        c.sock.close()
    assert len(re.findall(r'bad password for user 3 "operator"', b2.stderr())) == 5, b2.stderr_tail()
    assert not b2.ipmitool("mc", "info", user="operator", password="operator", priv="OPERATOR").ok
    ok(b2.ipmitool("mc", "info"))


# --------------------------------------------------------------------------
# Issue 16.3: an Open Session flood evicting the administrator's handshake


class Flood:
    """Open Session requests at about `rate` per second from 127.0.0.1 and
    from 64 other loopback addresses, until stopped or `limit` sent."""

    def __init__(self, port, rate=5000, limit=60000):
        self.port, self.rate, self.limit = port, rate, limit
        self.sent = 0
        self.stop = threading.Event()
        self.socks = []
        for i in range(65):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((HOST if i == 0 else f"127.0.0.{i + 1}", 0))
            s.setblocking(False)
            self.socks.append(s)
        self.t = threading.Thread(target=self.run, daemon=True)

    def packet(self, n):
        payload = bytes([n & 0xFF, 0, 0, 0]) + struct.pack("<I", n | 1)
        payload += bytes([0, 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 8, 4, 0, 0, 0, 2, 0, 0, 8, 1, 0, 0, 0])
        return RMCP_IPMI + bytes([0x06, PT_OPEN_REQ]) + struct.pack("<IIH", 0, 0, len(payload)) + payload

    def run(self):
        batch = 50
        t0 = time.monotonic()
        while not self.stop.is_set() and self.sent < self.limit:
            for _ in range(batch):
                # Every other packet from the administrator's own address.
                s = self.socks[0] if self.sent % 2 == 0 else self.socks[1 + self.sent % 64]
                try:
                    s.sendto(self.packet(self.sent), (HOST, self.port))
                except (BlockingIOError, ConnectionRefusedError):
                    pass
                self.sent += 1
            # Pace to the rate; drop the answers.
            for s in self.socks:
                try:
                    while s.recv(2048):
                        pass
                except (BlockingIOError, ConnectionRefusedError):
                    pass
            ahead = self.sent / self.rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.t.join(30)
        for s in self.socks:
            s.close()


def test_open_session_flood_does_not_evict_admin_login(bmc_factory):
    """A flood of Open Session requests (half from the administrator's own
    address, half from 64 others) runs while ipmitool and pyghmi log in as
    admin again and again: every login succeeds, none counts as a bad
    password, admin is never locked out."""
    b = bmc_factory()
    results = []
    with Flood(b.port) as flood:
        assert wait_for(lambda: flood.sent >= 2000), "the flood did not start"
        # At least 8 logins, and on until the flood has sent 5000: how many
        # logins that takes depends on the machine, not what is checked.
        i = 0
        deadline = time.monotonic() + 120
        while i < 8 or (flood.sent < 5000 and time.monotonic() < deadline):
            results.append(b.ipmitool("mc", "info", cipher=17 if i % 2 else 3))
            if i % 2:
                results.append(pyghmi_login(b)[1])
            i += 1
        sent = flood.sent
    failed = [r for r in results if not ('"ok": true' in r.out or ("Manufacturer ID" in r.out and r.ok))]
    assert not failed, "\n".join(str(r) for r in failed) + "\n" + b.stderr_tail()
    assert sent >= 5000, f"only {sent} Open Session requests were sent"
    err = b.stderr()
    assert "bad password" not in err and "locked out" not in err, b.stderr_tail()
    assert "reaping" not in err, b.stderr_tail()


# --------------------------------------------------------------------------
# Issue 16.4: one USER account holding every session slot


def test_user_account_takes_every_session_slot(bmc_factory):
    """The USER account opens sessions until refused: it must be refused
    (RAKP4 status 01h) while slots are left, and the administrator still
    logs in with ipmitool (RMCP+ and IPMI 1.5) and pyghmi."""
    b = bmc_factory()
    held, refused = [], None
    for _ in range(20):
        c = Console(b.port, user=b"user", password=b"user", role=2)
        try:
            c.open()
        except RmcpError as e:
            refused = str(e)
            c.sock.close()
            break
        held.append(c)
    try:
        assert refused == "RAKP4 status 0x1", (refused, len(held), b.stderr_tail())
        assert 0 < len(held) < 16, len(held)
        assert "kept for administrators" in b.stderr()
        ok(b.ipmitool("mc", "info"))
        ok(b.ipmitool("mc", "info", intf="lan"))
        good, r = pyghmi_login(b)
        assert good, r
        # An IPMI 1.5 USER login is refused the same way (83h).
        r = b.ipmitool("mc", "info", intf="lan", user="user", password="user", priv="USER")
        assert not r.ok, r
    finally:
        for c in held:
            c.close()


# --------------------------------------------------------------------------
# Issue 16.5a: IPMI 1.5 authentication types per privilege level


def test_ipmi15_auth_type_disabled_at_admin_still_accepted(bmc_factory, tmp_path):
    """`lan set 1 auth ADMIN PASSWORD` leaves MD5 enabled only below
    ADMINISTRATOR: an IPMI 1.5 MD5 login as administrator is then refused,
    as operator it works, and Get Channel Authentication Capabilities at
    each level reports exactly what is enabled there."""
    board = load_board()
    board["lan"]["auth_types"] = ["md5", "password"]
    b = bmc_factory(board=write_board(tmp_path, board))
    ok(b.ipmitool("mc", "info", intf="lan", authtype="MD5", priv="ADMINISTRATOR"))
    ok(b.ipmitool("lan", "set", "1", "auth", "ADMIN", "PASSWORD"))
    r = b.ipmitool("mc", "info", intf="lan", authtype="MD5", priv="ADMINISTRATOR")
    assert not r.ok and "Manufacturer ID" not in r.out, r
    ok(b.ipmitool("mc", "info", intf="lan", authtype="PASSWORD", priv="ADMINISTRATOR"))
    ok(b.ipmitool("mc", "info", intf="lan", authtype="MD5", priv="OPERATOR"))
    admin = ok(b.ipmitool("channel", "authcap", "1", "4")).out
    oper = ok(b.ipmitool("channel", "authcap", "1", "3")).out
    assert re.search(r"IPMI v1.5  auth types\s*:\s*PASSWORD\s*$", admin, re.M), admin
    assert re.search(r"IPMI v1.5  auth types\s*:\s*MD5 PASSWORD\s*$", oper, re.M), oper
    # No type at any level (ipmitool's names cannot say "none of them"):
    # IPMI 1.5 is off, RMCP+ is not affected.
    ok(raw(b, 0x0C, 0x01, 0x01, 0x02, 0, 0, 0, 0, 0))
    for authtype in ("MD5", "PASSWORD"):
        r = b.ipmitool("mc", "info", intf="lan", authtype=authtype, priv="USER")
        assert not r.ok and "Manufacturer ID" not in r.out, r
    ok(b.ipmitool("mc", "info"))


def test_ipmi15_session_outlives_auth_type_disable(bmc_factory, tmp_path):
    """An IPMI 1.5 MD5 session at ADMINISTRATOR disables MD5 at that level
    (LAN parameter 2) and carries on: its next packets must be dropped, not
    served.  ipmitool `exec` runs both in one session."""
    board = load_board()
    board["lan"]["auth_types"] = ["md5", "password"]
    b = bmc_factory(board=write_board(tmp_path, board))
    script = tmp_path / "cmds"
    # callback, user, operator: MD5 + password; admin: password only
    script.write_text("raw 0x0c 0x01 0x01 0x02 0x14 0x14 0x14 0x10 0x00\nmc info\n")
    r = b.ipmitool("exec", script, intf="lan", authtype="MD5", priv="ADMINISTRATOR")
    assert "Manufacturer ID" not in r.out, r
    assert "no longer enabled at administrator" in b.stderr(), b.stderr_tail()
    r = b.ipmitool("raw", "0x0c", "0x02", "0x01", "0x02", "0x00", "0x00")
    assert raw_out(r)[1:] == [0x14, 0x14, 0x14, 0x10, 0x00], r


def raw_out(r):
    ok(r)
    return [int(x, 16) for x in re.findall(r"\b[0-9a-fA-F]{2}\b", r.out)]


# --------------------------------------------------------------------------
# Issue 16.6: RAKP2 status telling unknown names from known ones


def test_rakp2_status_reveals_known_user(bmc):
    """An unknown name and a known name asking above its limit get the same
    RAKP2 status (0Dh); pyghmi (which retries as OPERATOR) and ipmitool
    still log in as the operator."""
    statuses = {}
    for name in (b"nosuchuser", b"operator"):
        c = Console(bmc.port, user=name, role=4)
        _st, _priv, sid = c.open_only()
        statuses[name] = c.rakp1_only(sid)[1]
        c.sock.close()
    assert statuses[b"nosuchuser"] == statuses[b"operator"] == 0x0D, statuses
    good, r = pyghmi_login(bmc, "operator", "operator")
    assert good, r
    ok(bmc.ipmitool("mc", "info", user="operator", password="operator", priv="OPERATOR"))


# --------------------------------------------------------------------------
# Issue 16.7: unauthenticated log flooding


def test_refused_login_log_flood(bmc_factory):
    """2,000 refused logins (Open Session + RAKP1 for an unknown name) from
    one source write a handful of lines, then one aggregate line with the
    count; the source still gets its answers and admin still logs in."""
    b = bmc_factory()
    before = len(b.stderr().splitlines())
    c = Console(b.port, user=b"nobody")
    n = 2000
    for _ in range(n):
        _st, _priv, sid = c.open_only()
        assert c.rakp1_only(sid)[1] == 0x0D
    c.sock.close()
    lines = b.stderr().splitlines()[before:]
    assert len(lines) <= 10, "\n".join(lines[:40])
    agg = re.compile(r"(\d+) more refused logins from 127\.0\.0\.1 in the last 10 s")

    def accounted():
        err = b.stderr()
        total = sum(int(m) for m in agg.findall(err))
        return total + len(re.findall(r'refused unknown or disabled user "nobody"', err))
    # Every refusal is either logged or summed up, once.
    assert wait_for(lambda: accounted() >= n, timeout=40), (accounted(), b.stderr_tail())
    assert accounted() == n
    assert agg.search(b.stderr())
    ok(b.ipmitool("mc", "info"))


# --------------------------------------------------------------------------
# Issue 16.8: cipher suite 17 could not be capped by LAN parameter 24


def test_cipher_suite_17_uncapped(bmc_factory):
    """The sim board offers suites 3 and 17 (parameter 23 entries 0 and 1).
    `cipher_privs aoXXXXXXXXXXXXX` caps suite 17 at OPERATOR: an
    administrator session over -C 17 is refused, an operator one works;
    `aXXXXXXXXXXXXXX` disables suite 17 entirely."""
    b = bmc_factory()
    ok(b.ipmitool("lan", "set", "1", "cipher_privs", "aoXXXXXXXXXXXXX"))
    assert re.search(r"Cipher Suite Priv Max\s*:\s*aoX+\s*$",
                     ok(b.ipmitool("lan", "print", "1", cipher=3)).out, re.M)
    r = b.ipmitool("mc", "info", cipher=17, priv="ADMINISTRATOR")
    assert not r.ok and "Manufacturer ID" not in r.out, r
    ok(b.ipmitool("mc", "info", cipher=17, priv="OPERATOR"))
    ok(b.ipmitool("mc", "info", cipher=3, priv="ADMINISTRATOR"))
    ok(b.ipmitool("lan", "set", "1", "cipher_privs", "aXXXXXXXXXXXXXX", cipher=3))
    r = b.ipmitool("mc", "info", cipher=17, priv="OPERATOR")
    assert not r.ok and "no matching cipher suite" in r.text, r
    ok(b.ipmitool("mc", "info", cipher=3))


# --------------------------------------------------------------------------
# Issue 16.9: Send Message to a real IPMB bus carried no privilege


def test_user_bridges_chassis_control_to_real_bus(bmc_factory, tmp_path):
    """Channel 6 is a real IPMB device (a pty standing in for
    /dev/ipmb-N; the test reads what bmcd writes to the bus).  A USER
    session bridging Chassis Control there is refused with D4h and nothing
    reaches the bus; Get Device ID (a USER command) and an administrator's
    Chassis Control do go out."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    try:
        board = load_board()
        board["ipmb"]["channels"].append({"channel": 6, "device": os.ttyname(slave)})
        b = bmc_factory(board=write_board(tmp_path, board))

        def bus_frames(timeout):
            got = b""
            while select.select([master], [], [], timeout)[0]:
                got += os.read(master, 4096)
                timeout = 0.2
            return got

        r = b.ipmitool("-b", "6", "-t", "0x72", "chassis", "power", "off",
                       user="user", password="user", priv="USER", extra=["-R", "1"])
        # What went out: the USER's Get Device ID only; no Chassis Control.
        b.ipmitool("-b", "6", "-t", "0x72", "raw", "0x06", "0x01",
                   user="user", password="user", priv="USER", extra=["-R", "1"])
        cmds = bus_cmds(bus_frames(10))
        assert (0x06, 0x01) in cmds, cmds
        assert (0x00, 0x02) not in cmds, cmds
        assert not r.ok, r
        assert "00:02 to 72h on channel 6 refused: needs operator privilege" in b.stderr(), \
            b.stderr_tail()
        b.ipmitool("-b", "6", "-t", "0x72", "raw", "0x00", "0x02", "0x00", extra=["-R", "1"])
        assert (0x00, 0x02) in bus_cmds(bus_frames(10)), "the administrator's Chassis Control did not go out"
    finally:
        os.close(master)
        os.close(slave)
