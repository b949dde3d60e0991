"""What bmcd must refuse, and that refusing never hurts a live session.

Besides the real clients, this file has a small RMCP+ console written from
the IPMI 2.0 specification (section 13), so that packets can be replayed,
corrupted, truncated or left to expire -- things no real client will do on
purpose.  An administrator session opened with it on the shared daemon is
checked after every test here ("a live admin session keeps working")."""

import copy
import os
import random
import socket
import struct
import time

import pytest

from conftest import load_board, write_board

from rmcpclient import PT_IPMI, PT_OPEN_RSP, RMCP_IPMI, SUITES, Console, RmcpError, ipmi_msg, silent


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def live(bmc):
    c = Console(bmc.port, suite=17).open()
    yield c
    c.close()


@pytest.fixture(autouse=True)
def live_session_survives(request, bmc, live):
    """Before and after every test here: the admin session answers and bmcd runs."""
    live.drain()
    live.get_device_id()
    yield
    assert bmc.alive(), f"bmcd died\n{bmc.stderr_tail()}"
    live.drain()
    live.get_device_id()


# ------------------------------------------------------------- credentials


@pytest.mark.parametrize("kw", [dict(intf="lanplus", cipher=17), dict(intf="lanplus", cipher=3),
                                dict(intf="lan", authtype="MD5")], ids=["C17", "C3", "lan-md5"])
# Wrong passwords count towards the lockout, so these use their own daemon
# rather than lock the shared one's admin out.
def test_wrong_password(fresh_bmc, kw):
    r = fresh_bmc.ipmitool("mc", "info", password="not-the-password", **kw)
    assert not r.ok and not r.timed_out, r
    assert "Manufacturer ID" not in r.out, r


def test_wrong_password_is_an_auth_failure_not_silence(fresh_bmc):
    """The BMC answers RAKP1 (the console then finds the HMAC wrong), rather
    than going quiet: FreeIPMI says 'password invalid', not a timeout."""
    r = fresh_bmc.freeipmi("bmc-info", password="not-the-password", cipher=17)
    assert not r.ok, r
    assert "password invalid" in r.text.lower(), r
    c = Console(fresh_bmc.port, password=b"not-the-password")
    with pytest.raises(RmcpError, match="RAKP2 HMAC mismatch"):
        c.open()


@pytest.mark.parametrize("kw", [dict(intf="lanplus", cipher=17), dict(intf="lan", authtype="MD5")],
                         ids=["C17", "lan-md5"])
def test_unknown_user(bmc, kw):
    r = bmc.ipmitool("mc", "info", user="nosuchuser", password="password", **kw)
    assert not r.ok and not r.timed_out, r
    assert "Manufacturer ID" not in r.out, r
    if kw["intf"] == "lan":
        # Get Session Challenge answered with 81h (invalid user name)
        assert "Invalid user name" in r.text, r


def test_unknown_user_freeipmi(bmc):
    r = bmc.freeipmi("bmc-info", user="nosuchuser", cipher=3)
    assert not r.ok, r
    assert "username invalid" in r.text.lower(), r


def test_rakp_unknown_user_status(bmc):
    c = Console(bmc.port, user=b"nosuchuser")
    with pytest.raises(RmcpError, match=r"RAKP2 status 0xd$"):
        c.open()


def test_operator_cannot_get_admin_session(bmc):
    """Asking for ADMINISTRATOR as the OPERATOR user never yields an
    administrator session."""
    r = bmc.ipmitool("session", "info", "active", user="operator", password="operator",
                     priv="ADMINISTRATOR", cipher=17)
    if r.ok:
        assert "ADMINISTRATOR" not in r.out, r
    else:
        assert not r.timed_out, r
    c = Console(bmc.port, user=b"operator", password=b"operator", role=4)
    try:
        c.open()
    except RmcpError as e:
        # refused outright, with a RAKP2 status (0Dh, as for an unknown name)
        assert str(e).startswith("RAKP2 status"), e
        return
    # accepted: then raising to ADMINISTRATOR must fail
    cc, _ = c.request(0x06, 0x3B, b"\x04")
    c.close()
    assert cc != 0, "OPERATOR user's session was raised to ADMINISTRATOR"


# ------------------------------------------------------------- algorithms


@pytest.mark.parametrize("suite", [0, 1, 2])
def test_weak_cipher_suites_refused_by_ipmitool(bmc, suite):
    r = bmc.ipmitool("mc", "info", cipher=suite)
    assert not r.ok and not r.timed_out, r
    assert "Manufacturer ID" not in r.out, r
    assert "no matching cipher suite" in r.text, r


@pytest.mark.parametrize("suite", [0, 1, 2])
def test_weak_cipher_suites_open_session_status(bmc, suite):
    """Open Session with the algorithms of suite 0/1/2 gets an error status
    (no session ID is handed out)."""
    c = Console(bmc.port, suite=17)
    a, i, k = SUITES[suite][:3]
    c.send(c.open_session_request(suite_algs=(a, i, k)))
    rsp = c._presession_rsp(PT_OPEN_RSP)
    assert rsp[1] != 0, f"suite {suite} algorithms accepted: {rsp.hex()}"
    # and RAKP1 against whatever ID might have been given goes nowhere
    c.sock.close()


def test_cipher_zero_freeipmi(bmc):
    r = bmc.freeipmi("bmc-info", cipher=0)
    assert not r.ok, r
    assert "Manufacturer ID" not in r.out, r


@pytest.mark.parametrize("authtype", ["NONE", "PASSWORD", "MD2"])
def test_ipmi15_weak_authtypes_refused(bmc, authtype):
    r = bmc.ipmitool("mc", "info", intf="lan", authtype=authtype)
    assert not r.ok and not r.timed_out, r
    assert "Manufacturer ID" not in r.out, r


def ipmi15_packet(authtype, seq, sid, msg, authcode=b""):
    return (RMCP_IPMI + bytes([authtype]) + struct.pack("<II", seq, sid) + authcode
            + bytes([len(msg)]) + msg)


def ipmi15_parse(pkt):
    """(session id, netfn, cmd, cc, data) of an IPMI 1.5 response, else None."""
    if not pkt or len(pkt) < 14 or pkt[:4] != RMCP_IPMI:
        return None
    at = pkt[4]
    (sid,) = struct.unpack_from("<I", pkt, 9)
    off = 13 + (16 if at != 0 else 0)
    if len(pkt) < off + 1:
        return None
    msg = pkt[off + 1:off + 1 + pkt[off]]
    if len(msg) < 8:
        return None
    return sid, msg[1] >> 2, msg[5], msg[6], msg[7:-1]


@pytest.mark.parametrize("authtype", [0, 4], ids=["NONE", "PASSWORD"])
def test_ipmi15_weak_authtype_refused_raw(bmc, authtype):
    """Try to log in over IPMI 1.5 with auth type NONE (0) or straight
    password (4), which the sim board does not allow, the way a console that
    ignores Get Channel Authentication Capabilities would.  No step may
    yield a usable session."""
    s = bmc.udp(timeout=1.0)
    code = b"password".ljust(16, b"\0") if authtype == 4 else b""
    try:
        user = b"admin".ljust(16, b"\0")
        s.send(ipmi15_packet(0, 0, 0, ipmi_msg(0x06, 0x39, bytes([authtype]) + user)))
        r = ipmi15_parse(s.recv(2048))
        assert r and r[1] == 0x07 and r[2] == 0x39, r
        if r[3] != 0:
            return      # refused at Get Session Challenge
        temp_sid, challenge = struct.unpack_from("<I", r[4])[0], r[4][4:20]
        act = bytes([authtype, 4]) + challenge + struct.pack("<I", 1)
        s.send(ipmi15_packet(authtype, 0, temp_sid, ipmi_msg(0x06, 0x3A, act), code))
        try:
            r = ipmi15_parse(s.recv(2048))
        except socket.timeout:
            r = None
        if r is not None and r[3] == 0:
            sid = struct.unpack_from("<I", r[4], 1)[0]
            s.send(ipmi15_packet(authtype, 2, sid, ipmi_msg(0x06, 0x01), code))
            try:
                got = ipmi15_parse(s.recv(2048))
            except socket.timeout:
                got = None
            pytest.fail(f"auth type {authtype} session activated; Get Device ID in it: {got}")
    finally:
        s.close()


def test_ipmi15_none_freeipmi(bmc):
    r = bmc.freeipmi("bmc-info", "--authentication-type=NONE", driver="LAN")
    assert not r.ok, r
    assert "Manufacturer ID" not in r.out, r


# ------------------------------------------------------- packet integrity


def test_replayed_packet_dropped(bmc):
    c = Console(bmc.port, suite=17).open()
    try:
        pkt = c.build(0x06, 0x01)
        c.send(pkt)
        r = c.parse(c.recv(1.0))
        assert r and r[2] == 0, "first copy not answered"
        assert silent(c, pkt), "an exact replay was answered"
        # a packet replayed far outside the window
        for _ in range(40):
            c.get_device_id()
        assert silent(c, pkt), "an old packet replayed after 40 newer ones was answered"
        c.get_device_id()
    finally:
        c.close()


def test_bad_hmac_dropped(bmc):
    c = Console(bmc.port, suite=17).open()
    try:
        pkt = bytearray(c.build(0x06, 0x01))
        pkt[-1] ^= 0x01
        assert silent(c, bytes(pkt)), "bad integrity code answered"
        pkt = bytearray(c.build(0x06, 0x01))
        pkt[20] ^= 0x80                  # inside the encrypted payload
        assert silent(c, bytes(pkt)), "tampered payload answered"
        pkt = c.build(0x06, 0x01)
        assert silent(c, pkt[:-1]), "truncated integrity code answered"
        c.get_device_id()
    finally:
        c.close()


def test_unauthenticated_packet_in_session_dropped(fresh_bmc):
    """A plain (unencrypted, unauthenticated) IPMI message carrying a live
    session's ID must not run."""
    bmc = fresh_bmc
    c = Console(bmc.port, suite=17).open()
    try:
        # the session is at ADMINISTRATOR, so only the missing
        # authentication can stop the command below
        cc, data = c.request(0x06, 0x3B, b"\x04")
        assert cc == 0 and data[0] & 0x0F == 4, (cc, data)
        c.seq += 1
        msg = ipmi_msg(0x00, 0x02, b"\x01")     # chassis power up, in the clear
        pkt = RMCP_IPMI + bytes([0x06, PT_IPMI]) + struct.pack("<IIH", c.bmc_sid, c.seq, len(msg)) + msg
        c.drain()
        c.send(pkt)
        time.sleep(2.0)
        state, sr = bmc.power_status()
        assert state == "off", f"unauthenticated chassis control powered on\n{sr}"
        # the same command, authenticated, does power on (so the check above means something)
        cc, _ = c.request(0x00, 0x02, b"\x01")
        assert cc == 0, f"authenticated chassis control: cc {cc:#x}"
        bmc.wait_power("on")
    finally:
        c.close()


def test_wrong_session_id_dropped(bmc):
    c = Console(bmc.port, suite=17).open()
    try:
        pkt = c.build(0x06, 0x01, sid=c.bmc_sid ^ 0x5A5A5A5A)
        assert silent(c, pkt), "packet for another session ID answered"
        c.get_device_id()
    finally:
        c.close()


# ------------------------------------------------------------- garbage


def _oversize(sock):
    sock.send(b"\x06\x00\xff\x07" + b"\x00" * (65507 - 4))
    with pytest.raises(OSError):
        sock.send(b"\x00" * 70000)


def test_random_and_malformed_datagrams(bmc):
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    s = bmc.udp()
    s.setblocking(False)

    def send(b):
        try:
            s.send(b)
        except (BlockingIOError, ConnectionRefusedError):
            time.sleep(0.001)

    def drain():
        try:
            while True:
                s.recv(70000)
        except (BlockingIOError, ConnectionRefusedError):
            pass

    # 1. random bytes, random lengths 0..1500
    for i in range(2000):
        send(rng.randbytes(rng.randrange(0, 1501)))
        if i % 100 == 0:
            drain()
    # 2. valid RMCP header, random rest; IPMI 1.5 and 2.0 session headers with lies
    heads = [RMCP_IPMI, RMCP_IPMI + b"\x00", RMCP_IPMI + b"\x06", RMCP_IPMI + b"\x06\x10",
             RMCP_IPMI + b"\x06\xc0", RMCP_IPMI + b"\x06\x02", RMCP_IPMI + b"\x02",
             bytes([0x06, 0x00, 0xFF, 0x06]), bytes([0x06, 0x00, 0x00, 0x06]),
             bytes([0x06, 0x00, 0xFF, 0x08]), bytes([0x05, 0x00, 0xFF, 0x07]),
             bytes([0x06, 0x00, 0xFF, 0x87])]
    for i in range(2000):
        h = rng.choice(heads)
        send(h + rng.randbytes(rng.randrange(0, 200)))
        if i % 100 == 0:
            drain()
    # 3. headers whose length fields claim more than is there
    for ln in (0, 1, 15, 16, 17, 255, 0xFFFF):
        send(RMCP_IPMI + bytes([0x00]) + struct.pack("<IIB", 0, 0, ln & 0xFF) + b"\x20\x18")
        send(RMCP_IPMI + bytes([0x06, 0x00]) + struct.pack("<IIH", 0, 0, ln) + b"\x20\x18\xc8")
        send(RMCP_IPMI + bytes([0x06, 0x10]) + struct.pack("<IIH", 0, 0, ln))
        send(RMCP_IPMI + bytes([0x06, 0x12]) + struct.pack("<IIH", 0, 0, ln) + b"\x00" * 8)
    # 4. every truncation of a valid Open Session request, an IPMI 1.5
    #    Get Channel Auth Capabilities and an ASF ping
    c = Console(bmc.port)
    for good in (c.open_session_request(),
                 RMCP_IPMI + bytes([0x00]) + struct.pack("<IIB", 0, 0, 9) + ipmi_msg(0x06, 0x38, b"\x8e\x04"),
                 bytes([0x06, 0x00, 0xFF, 0x06, 0, 0, 0x11, 0xBE, 0x80, 0x01, 0, 0])):
        for n in range(len(good)):
            send(good[:n])
        send(good + rng.randbytes(64))
    c.sock.close()
    # 5. the largest datagram, and one too large to send
    s.setblocking(True)
    _oversize(s)
    s.setblocking(False)
    time.sleep(0.5)
    drain()
    s.close()

    assert bmc.alive(), f"bmcd died (seed {seed})\n{bmc.stderr_tail()}"
    r = bmc.ipmitool("mc", "info", cipher=17)
    assert r.ok, f"seed {seed}\n{r}"
    r = bmc.ipmitool("mc", "info", intf="lan", authtype="MD5")
    assert r.ok, f"seed {seed}\n{r}"


def test_open_session_flood_does_not_lock_out_admin(bmc):
    """Hundreds of half-open sessions: a real login still works."""
    socks = []
    for _ in range(300):
        c = Console(bmc.port)
        c.send(c.open_session_request())
        socks.append(c)
    time.sleep(0.3)
    for c in socks:
        c.sock.close()
    r = bmc.ipmitool("mc", "info", cipher=17)
    assert r.ok, r
    r = bmc.ipmitool("mc", "info", cipher=3)
    assert r.ok, r


# -------------------------------------------------------------- ASF ping


def test_asf_presence_ping(bmc):
    s = bmc.udp(timeout=2.0)
    try:
        for tag in (0x00, 0x5A, 0xFE):
            s.send(bytes([0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE, 0x80, tag, 0x00, 0x00]))
            pong = s.recv(2048)
            assert pong[:4] == bytes([0x06, 0x00, 0xFF, 0x06]), pong.hex()
            assert pong[4:8] == bytes([0x00, 0x00, 0x11, 0xBE]), pong.hex()
            assert pong[8] == 0x40, f"message type {pong[8]:#x}, want 0x40 (pong)"
            assert pong[9] == tag, f"tag {pong[9]:#x}, want {tag:#x}"
            assert pong[11] == 0x10 and len(pong) >= 12 + 16, pong.hex()
            assert pong[20] & 0x80, f"pong does not announce IPMI support: {pong.hex()}"
    finally:
        s.close()


# ------------------------------------------------------------ expiry


def test_idle_session_expires(bmc_factory, tmp_path):
    """lan.session_timeout = 10 s: an idle session is gone after it, one in
    use is not, and the expired one is no longer counted."""
    board = copy.deepcopy(load_board())
    board["lan"]["session_timeout"] = 10
    d = bmc_factory(board=write_board(tmp_path, board, "short-timeout.json"))
    idle = Console(d.port, suite=17).open()
    busy = Console(d.port, suite=3).open()
    try:
        idle.get_device_id()
        busy.get_device_id()
        r = d.ipmitool("session", "info", "active", cipher=17)
        assert r.ok, r
        assert "active sessions" in r.out and _active(r) == 3, r
        t_end = time.monotonic() + 15
        while time.monotonic() < t_end:
            busy.get_device_id()
            time.sleep(2)
        busy.get_device_id()
        assert silent(idle, idle.build(0x06, 0x01), wait=1.5), "expired session still answered"
        r = d.ipmitool("session", "info", "active", cipher=17)
        assert r.ok, r
        assert _active(r) == 2, f"expired session still counted\n{r}"
    finally:
        idle.sock.close()
        busy.close()


def _active(r):
    for line in r.out.splitlines():
        if line.strip().startswith("active sessions"):
            return int(line.split(":")[1])
    return None


def test_close_session_frees_slot(bmc):
    before = bmc.ipmitool("session", "info", "active", cipher=17)
    assert before.ok, before
    c = Console(bmc.port, suite=3).open()
    during = bmc.ipmitool("session", "info", "active", cipher=17)
    cc, _ = c.request(0x06, 0x3C, struct.pack("<I", c.bmc_sid))
    assert cc == 0, f"Close Session cc {cc:#x}"
    after = bmc.ipmitool("session", "info", "active", cipher=17)
    assert _active(during) == _active(before) + 1, (before, during)
    assert _active(after) == _active(before), (before, after)
    assert silent(c, c.build(0x06, 0x01)), "closed session still answered"
    c.sock.close()
