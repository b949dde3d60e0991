"""Protocol promises no everyday client exercises on purpose: handshake
retries, message tags on error paths, the dispatcher's completion codes as
real clients see them, cold and warm reset."""

import struct
import time

import pytest

from rmcpclient import (PT_OPEN_RSP, PT_RAKP1, PT_RAKP2, PT_RAKP3, PT_RAKP4, Console,
                        RmcpError)


def _payload(pkt, want_type):
    assert pkt is not None, "no reply"
    assert pkt[5] & 0x3F == want_type, pkt.hex()
    (n,) = struct.unpack_from("<H", pkt, 14)
    return pkt[16:16 + n]


def test_duplicate_open_session_is_answered_again(bmc):
    c = Console(bmc.port)
    req = c.open_session_request()
    c.send(req)
    first = _payload(c.recv(), PT_OPEN_RSP)
    c.send(req)                       # the client "timed out" and retries
    second = _payload(c.recv(), PT_OPEN_RSP)
    assert first[1] == 0 and second[1] == 0
    # The same BMC session, not a second half-open one.
    assert first[8:12] == second[8:12]
    c.sock.close()


def test_handshake_completes_after_retries(bmc):
    """Open Session sent twice, RAKP1 sent twice (same Rm): the session
    still comes up and works."""
    c = Console(bmc.port)
    c.send(c.open_session_request())
    c.send(c.open_session_request())
    rsp = _payload(c.recv(), PT_OPEN_RSP)
    _payload(c.recv(), PT_OPEN_RSP)
    (_csid, bmc_sid) = struct.unpack_from("<II", rsp, 4)
    rm = bytes(range(16))
    rakp1 = bytes([7, 0, 0, 0]) + struct.pack("<I", bmc_sid) + rm + bytes([0x14, 0, 0, 5]) + b"admin"
    c.send(c.presession(PT_RAKP1, rakp1))
    c.send(c.presession(PT_RAKP1, rakp1))
    r2a = _payload(c.recv(), PT_RAKP2)
    r2b = _payload(c.recv(), PT_RAKP2)
    assert r2a[1] == 0 and r2b[1] == 0
    assert r2a[0] == 7 and r2b[0] == 7, "RAKP2 must echo the RAKP1 tag"
    assert r2a[8:24] == r2b[8:24], "a retried RAKP1 (same Rm) must get the same Rc"
    c.sock.close()
    # And a full session through the same path works (the console class
    # does the HMAC arithmetic).
    assert Console(bmc.port).open().get_device_id()


def test_tags_echoed_on_error_paths(bmc):
    c = Console(bmc.port)
    # Open Session refused (cipher 0): tag echoed.
    c.tag = 0x40 - 1
    c.send(c.open_session_request(suite_algs=(0, 0, 0)))
    rsp = _payload(c.recv(), PT_OPEN_RSP)
    assert rsp[0] == 0x40 and rsp[1] == 0x11
    # RAKP1 for an unknown user: status 0Dh, tag echoed, no HMAC.
    c.tag = 0x50 - 1
    c.send(c.open_session_request())
    rsp = _payload(c.recv(), PT_OPEN_RSP)
    (_csid, bmc_sid) = struct.unpack_from("<II", rsp, 4)
    rakp1 = bytes([0x51, 0, 0, 0]) + struct.pack("<I", bmc_sid) + bytes(16) + bytes([0x14, 0, 0, 6]) + b"nobody"
    c.send(c.presession(PT_RAKP1, rakp1))
    r2 = _payload(c.recv(), PT_RAKP2)
    assert r2[0] == 0x51 and r2[1] == 0x0D and len(r2) == 8
    # RAKP3 with a wrong HMAC: RAKP4 status 0Fh with the tag echoed.
    c2 = Console(bmc.port)
    c2.send(c2.open_session_request())
    rsp = _payload(c2.recv(), PT_OPEN_RSP)
    (_csid, bmc_sid) = struct.unpack_from("<II", rsp, 4)
    rakp1 = bytes([0x60, 0, 0, 0]) + struct.pack("<I", bmc_sid) + bytes(16) + bytes([0x14, 0, 0, 5]) + b"admin"
    c2.send(c2.presession(PT_RAKP1, rakp1))
    assert _payload(c2.recv(), PT_RAKP2)[1] == 0
    c2.send(c2.presession(PT_RAKP3, bytes([0x61, 0, 0, 0]) + struct.pack("<I", bmc_sid) + bytes(32)))
    r4 = _payload(c2.recv(), PT_RAKP4)
    assert r4[0] == 0x61 and r4[1] == 0x0F
    c.sock.close()
    c2.sock.close()


@pytest.mark.parametrize("raw,code,text", [
    (("0x06", "0xff"), "0xc1", "Invalid command"),
    (("0x30", "0x01"), "0xc1", "Invalid command"),
    (("0x00", "0x02"), "0xc7", "Request data length invalid"),
    (("0x00", "0x02", "0x01", "0x00"), "0xc7", "Request data length invalid"),
    (("0x00", "0x02", "0x07"), "0xcc", "Invalid data field in request"),
    (("0x06", "0x42", "0x05"), "0xcc", "Invalid data field in request"),
    (("0x06", "0x41", "0x01", "0x00"), "0xcc", "Invalid data field in request"),
])
def test_dispatcher_completion_codes_through_ipmitool(bmc, raw, code, text):
    r = bmc.ipmitool("raw", *raw)
    assert not r.ok
    assert f"rsp={code}" in r.text and text in r.text, r


def test_get_channel_cipher_suites_pages(bmc):
    r = bmc.ipmitool("raw", "0x06", "0x54", "0x0e", "0x00", "0x80")
    assert r.ok, r
    data = bytes(int(x, 16) for x in r.out.split())
    assert data[0] == 1                       # channel
    # One record per enabled suite: C0h, id, auth, 40h|integ, 80h|conf.
    assert data[1:6] == bytes([0xC0, 3, 0x01, 0x41, 0x81])
    assert data[6:11] == bytes([0xC0, 17, 0x03, 0x44, 0x81])
    assert len(data) == 11                    # short page: the list ends here
    r = bmc.ipmitool("raw", "0x06", "0x54", "0x0e", "0x00", "0x81")
    assert r.ok and bytes(int(x, 16) for x in r.out.split()) == b"\x01"


def test_warm_reset_keeps_sessions_cold_reset_ends_them(fresh_bmc):
    c = Console(fresh_bmc.port).open()
    c.get_device_id()
    r = fresh_bmc.ipmitool("mc", "reset", "warm")
    assert r.ok, r
    time.sleep(0.2)
    c.get_device_id()                        # still there
    r = fresh_bmc.ipmitool("mc", "reset", "cold")
    assert r.ok, r
    time.sleep(0.2)
    with pytest.raises(RmcpError):
        c.request(0x06, 0x01, timeout=0.5, tries=1)
    # The BMC itself is back at once for new sessions.
    assert fresh_bmc.ipmitool("mc", "info").ok
    c.sock.close()


def test_reset_needs_administrator(fresh_bmc):
    c = Console(fresh_bmc.port).open()
    r = fresh_bmc.ipmitool("raw", "0x06", "0x02", user="operator", password="operator", priv="OPERATOR")
    assert not r.ok and "rsp=0xd4" in r.text, r
    # ipmitool's "mc reset cold" does not report the completion code: check
    # that no reset happened, since the admin session is still there.
    fresh_bmc.ipmitool("mc", "reset", "cold", user="operator", password="operator", priv="OPERATOR")
    time.sleep(0.2)
    c.get_device_id()
    c.sock.close()


def _ping(tag, size):
    """An RMCP/ASF Presence Ping with message tag tag, padded to size bytes
    (bmcd reads a ping's fields and ignores what follows them)."""
    pkt = bytes([0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE, 0x80, tag, 0x00, 0x00])
    return pkt + bytes(size - len(pkt))


def test_oversized_datagram_dropped(bmc):
    """A datagram longer than bmcd's 1024-byte receive buffer is dropped
    whole, never handled as its first 1024 bytes; the ones after it are
    answered.  The pongs' tags tell which pings were answered, so nothing
    rests on a timeout."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(_ping(0x41, 1000), ("127.0.0.1", bmc.port))
        pong, _ = s.recvfrom(512)
        assert pong[8] == 0x40 and pong[9] == 0x41, pong.hex()
        s.sendto(_ping(0x77, 1500), ("127.0.0.1", bmc.port))
        s.sendto(_ping(0x43, 12), ("127.0.0.1", bmc.port))
        pong, _ = s.recvfrom(512)
        assert pong[8] == 0x40 and pong[9] == 0x43, "the oversized ping was answered: " + pong.hex()
    r = bmc.ipmitool("mc", "info")
    assert r.ok, r
