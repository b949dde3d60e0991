"""Attack classes that need no exotic packet: predictable session IDs and
random numbers, and secrets in logs or at rest (docs/security.md, the table)."""

import os
import struct

from conftest import ok
from rmcpclient import Console, PT_OPEN_RSP, RmcpError


def test_session_ids_and_rakp_randoms_unpredictable(bmc):
    """Session hijacking starts with guessing a session ID: 100 handshakes give
    100 different, non-zero BMC session IDs and Rc values with no arithmetic
    pattern (a counter, or a counter in one byte, would show)."""
    sids, rcs = [], []
    for _ in range(100):
        c = Console(bmc.port)
        try:
            c.open()
            sids.append(c.bmc_sid)
            rcs.append(c.rc)
        finally:
            try:
                c.close()
            except RmcpError:
                pass
    assert len(set(sids)) == 100 and 0 not in sids
    assert len(set(rcs)) == 100
    deltas = {(b - a) & 0xFFFFFFFF for a, b in zip(sids, sids[1:])}
    assert len(deltas) > 90, "session IDs follow a pattern"
    for shift in (0, 8, 16, 24):
        assert len({(s >> shift) & 0xFF for s in sids}) > 30, f"byte {shift // 8} barely varies"


def test_open_session_id_unpredictable_before_login(bmc):
    """Even the IDs handed out before any authentication (Open Session
    Response) are unpredictable."""
    sids = []
    for _ in range(50):
        c = Console(bmc.port)
        c.send(c.open_session_request())
        rsp = c._presession_rsp(PT_OPEN_RSP)
        assert rsp[1] == 0
        sids.append(struct.unpack_from("<I", rsp, 8)[0])
    assert len(set(sids)) == 50 and 0 not in sids
    assert len({(b - a) & 0xFFFFFFFF for a, b in zip(sids, sids[1:])}) > 45


SECRET = "Zq7-Secret-Pw!"


def test_no_password_in_logs_or_at_rest(bmc_factory):
    b = bmc_factory()
    ok(b.ipmitool("user", "set", "name", "6", "carol"))
    ok(b.ipmitool("user", "set", "password", "6", SECRET, "20"))
    ok(b.ipmitool("channel", "setaccess", "1", "6", "privilege=4"))
    ok(b.ipmitool("user", "enable", "6"))
    ok(b.ipmitool("mc", "info", user="carol", password=SECRET))
    # refused logins with guessed passwords are logged, the guesses are not
    assert not b.ipmitool("mc", "info", user="carol", password="Guess-" + SECRET).ok
    assert not b.ipmitool("mc", "info", user="admin", password="Guess2-" + SECRET).ok
    ok(b.ipmitool("mc", "info"))
    b.stop_and_check()
    log = b.stderr() + b.stdout_path.read_text(errors="replace")
    assert "carol" in log                               # the events are logged ...
    for s in (SECRET, "Guess-", "Guess2-"):
        assert s not in log, f"{s!r} in bmcd's log"      # ... never the secrets
    state = b.state_dir
    assert (state.stat().st_mode & 0o777) == 0o700
    for p in state.rglob("*"):
        if p.is_file():
            assert (p.stat().st_mode & 0o077) == 0, (p, oct(p.stat().st_mode))
            data = p.read_bytes()
            for s in (SECRET.encode(), SECRET.encode("utf-16-le"), b"password"):
                assert s not in data, f"{s!r} stored in clear in {p.name}"
    # the factory password of the board file is not kept in clear either
    assert b"password" not in (state / "users").read_bytes()
    assert os.path.getsize(state / "users.key") == 32
