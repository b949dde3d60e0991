"""Channel Access authentication disables and per-user session limits.

Per-message authentication disabled and user-level authentication disabled
(Set Channel Access byte 2 bits 4 and 3) act on IPMI 1.5 sessions only:
after an authenticated activation, packets with auth type NONE run at the
session's privilege (per-message off) or at USER at most (user-level off).
ipmitool -I lan follows the per-message bit by itself; a small IPMI 1.5
console written here sends the unauthenticated packets directly.  RMCP+
sessions keep the integrity they negotiated.

The per-user session limit (Set User Access byte 4) is enforced when a
session activates: RAKP4 status 01h, Activate Session 82h.
"""

import hashlib
import re
import socket
import struct
import time

import pytest

from conftest import make_user
from rmcpclient import PT_IPMI, RMCP_IPMI, Console, RmcpError, ipmi_msg, silent

AUTH_MD5 = 2


def ok(r):
    assert r.ok, r
    return r


def raw(b, *data, **kw):
    return b.ipmitool("raw", *[f"0x{x:02x}" if isinstance(x, int) else x for x in data], **kw)


def set_channel_access(b, per_msg_off=False, user_off=False, volatile=True):
    """Set Channel Access, access byte only: always available, alerting off."""
    acc = (0x80 if volatile else 0x40) | 0x20 | (0x10 if per_msg_off else 0) | (0x08 if user_off else 0) | 0x02
    ok(raw(b, 0x06, 0x40, 0x01, acc, 0x00))


def disable_auth(b, which, **kw):
    """Turn an authentication off (set_channel_access's keywords) and see
    ipmitool's authcap report `which` authentication disabled."""
    set_channel_access(b, **kw)
    r = ok(b.ipmitool("channel", "authcap", "1", "4"))
    assert re.search(which + r" authentication\s*:\s*disabled", r.out), r


class V15:
    """An IPMI 1.5 MD5 session from the specification (sections 22.15-22.17):
    Get Session Challenge, Activate Session, then requests with auth type
    MD5 or NONE at will."""

    def __init__(self, port, user=b"admin", password=b"password", priv=4, timeout=1.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.user = user.ljust(16, b"\0")
        self.key = password.ljust(16, b"\0")
        self.priv = priv
        self.sid = 0
        self.seq = 0
        self.rqseq = 0

    def _code(self, sid, msg, seq):
        return hashlib.md5(self.key + struct.pack("<I", sid) + msg + struct.pack("<I", seq) + self.key).digest()

    def packet(self, authtype, seq, sid, msg):
        code = self._code(sid, msg, seq) if authtype == AUTH_MD5 else b""
        return RMCP_IPMI + bytes([authtype]) + struct.pack("<II", seq, sid) + code + bytes([len(msg)]) + msg

    def exchange(self, pkt):
        self.sock.send(pkt)
        data = self.sock.recv(2048)
        at = data[4]
        off = 13 + (16 if at != 0 else 0)
        msg = data[off + 1:off + 1 + data[off]]
        return at, msg[6], msg[7:-1]

    def open(self):
        at, cc, data = self.exchange(self.packet(0, 0, 0, ipmi_msg(0x06, 0x39, bytes([AUTH_MD5]) + self.user)))
        assert cc == 0, f"Get Session Challenge cc {cc:#x}"
        tmp_sid, challenge = struct.unpack_from("<I", data)[0], data[4:20]
        act = bytes([AUTH_MD5, self.priv]) + challenge + struct.pack("<I", 1)
        at, cc, data = self.exchange(self.packet(AUTH_MD5, 0, tmp_sid, ipmi_msg(0x06, 0x3A, act)))
        self.activate_cc = cc
        if cc != 0:
            return self
        self.sid = struct.unpack_from("<I", data, 1)[0]
        self.seq = struct.unpack_from("<I", data, 5)[0]
        if self.priv > 2:
            cc, _ = self.request(0x06, 0x3B, bytes([self.priv]))
            assert cc == 0, f"Set Session Privilege Level cc {cc:#x}"
        return self

    def send_request(self, netfn, cmd, data=b"", authtype=AUTH_MD5):
        self.rqseq = (self.rqseq + 1) & 0x3F
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        self.sock.send(self.packet(authtype, self.seq, self.sid, ipmi_msg(netfn, cmd, data, self.rqseq)))

    def request(self, netfn, cmd, data=b"", authtype=AUTH_MD5):
        """(cc, data); raises socket.timeout when the packet was dropped."""
        self.send_request(netfn, cmd, data, authtype)
        while True:
            pkt = self.sock.recv(2048)
            at = pkt[4]
            off = 13 + (16 if at != 0 else 0)
            msg = pkt[off + 1:off + 1 + pkt[off]]
            self.last_authtype = at
            if msg[5] == cmd and (msg[4] >> 2) == self.rqseq:
                return msg[6], msg[7:-1]

    def dropped(self, netfn, cmd, data=b"", authtype=0):
        try:
            self.request(netfn, cmd, data, authtype)
        except socket.timeout:
            return True
        return False

    def close(self):
        try:
            self.request(0x06, 0x3C, struct.pack("<I", self.sid))
        except (socket.timeout, OSError):
            pass
        self.sock.close()


# ------------------------------------------------ authentication disables


def test_default_unauthenticated_packet_dropped(fresh_bmc):
    s = V15(fresh_bmc.port).open()
    try:
        assert s.request(0x06, 0x01)[0] == 0
        assert s.dropped(0x06, 0x01), "auth type NONE accepted with per-message authentication on"
        assert s.request(0x06, 0x01)[0] == 0        # the session is unharmed
    finally:
        s.close()


def test_per_message_auth_disabled(fresh_bmc):
    b = fresh_bmc
    disable_auth(b, "Per message", per_msg_off=True)
    # ipmitool -I lan sees the bit and sends NONE after activation.
    r = ok(b.ipmitool("mc", "info", intf="lan", authtype="MD5"))
    assert "Manufacturer ID" in r.out, r
    ok(b.ipmitool("chassis", "power", "on", intf="lan", authtype="MD5"))
    b.wait_power("on")
    s = V15(b.port).open()
    try:
        # NONE at the session's (admin) privilege, answered with NONE.
        cc, _ = s.request(0x00, 0x02, b"\x00", authtype=0)        # chassis power off
        assert cc == 0 and s.last_authtype == 0, cc
        b.wait_power("off")
        # Authenticated packets still work, and still must be right.
        assert s.request(0x06, 0x01)[0] == 0 and s.last_authtype == AUTH_MD5
        s.key = b"wrong".ljust(16, b"\0")
        assert s.dropped(0x06, 0x01, authtype=AUTH_MD5), "a wrong AuthCode was accepted"
    finally:
        s.close()
    # Activation itself is never unauthenticated, nor with a wrong password.
    for password, authtype in ((b"nope", AUTH_MD5), (b"password", 0)):
        v = V15(b.port, password=password)
        try:
            _, cc, data = v.exchange(v.packet(0, 0, 0, ipmi_msg(0x06, 0x39, bytes([AUTH_MD5]) + v.user)))
            assert cc == 0
            tmp_sid, challenge = struct.unpack_from("<I", data)[0], data[4:20]
            act = bytes([AUTH_MD5, 4]) + challenge + struct.pack("<I", 1)
            with pytest.raises(socket.timeout):
                v.exchange(v.packet(authtype, 0, tmp_sid, ipmi_msg(0x06, 0x3A, act)))
        finally:
            v.sock.close()
    # An RMCP+ session keeps its negotiated integrity.
    c = Console(b.port, suite=17).open()
    try:
        c.seq += 1
        msg = ipmi_msg(0x06, 0x01)
        pkt = RMCP_IPMI + bytes([0x06, PT_IPMI]) + struct.pack("<IIH", c.bmc_sid, c.seq, len(msg)) + msg
        assert silent(c, pkt), "an RMCP+ packet without integrity was answered"
        c.get_device_id()
    finally:
        c.close()
    # Back on: unauthenticated packets are dropped again.
    set_channel_access(b)
    s = V15(b.port).open()
    try:
        assert s.dropped(0x06, 0x01)
    finally:
        s.close()


def test_user_level_auth_disabled(fresh_bmc):
    b = fresh_bmc
    disable_auth(b, "User level", user_off=True)
    s = V15(b.port).open()
    try:
        # A USER-level command without authentication runs...
        cc, data = s.request(0x06, 0x01, authtype=0)
        assert cc == 0 and len(data) >= 11 and s.last_authtype == 0, cc
        cc, _ = s.request(0x00, 0x01, authtype=0)                 # Get Chassis Status: USER
        assert cc == 0, cc
        # ...an OPERATOR one does not (insufficient privilege), even in an
        # administrator session...
        cc, _ = s.request(0x00, 0x02, b"\x01", authtype=0)         # chassis power on
        assert cc == 0xD4, f"{cc:#x}"
        cc, _ = s.request(0x06, 0x45, bytes([9]) + b"mallory".ljust(16, b"\0"), authtype=0)
        assert cc == 0xD4, f"{cc:#x}"
        time.sleep(0.5)
        assert b.power_status()[0] == "off"
        # ...until it is authenticated.
        cc, _ = s.request(0x00, 0x02, b"\x01")
        assert cc == 0, cc
        b.wait_power("on")
    finally:
        s.close()
    # The non-volatile setting survives a restart and is enforced after it.
    set_channel_access(b, user_off=True, volatile=False)
    b.restart()
    r = ok(raw(b, 0x06, 0x41, 0x01, 0x40))
    assert int(r.out.split()[0], 16) & 0x18 == 0x08, r
    s = V15(b.port).open()
    try:
        assert s.request(0x06, 0x01, authtype=0)[0] == 0
        assert s.request(0x00, 0x02, b"\x00", authtype=0)[0] == 0xD4
    finally:
        s.close()


# ------------------------------------------------ per-user session limit


def test_user_session_limit(fresh_bmc):
    b = fresh_bmc
    make_user(b, 6, "erin", "erinpw")
    # Set User Access: change bits, IPMI messaging on, channel 1; USER; limit 1.
    ok(raw(b, 0x06, 0x43, 0x90 | 0x01, 6, 0x02, 0x01))
    r = ok(b.ipmitool("channel", "getaccess", "1", "6"))
    assert "USER" in r.out, r
    held = Console(b.port, user=b"erin", password=b"erinpw", role=2).open()
    try:
        held.get_device_id()
        r = b.ipmitool("mc", "info", user="erin", password="erinpw", priv="USER")
        assert not r.ok and "Manufacturer ID" not in r.out, r
        s = V15(b.port, user=b"erin", password=b"erinpw", priv=2).open()
        assert s.activate_cc == 0x82, f"{s.activate_cc:#x}"
        s.sock.close()
        with pytest.raises(RmcpError, match="RAKP4 status 0x1"):
            Console(b.port, user=b"erin", password=b"erinpw", role=2).open()
        # Other users are not limited, and the held session still works.
        ok(b.ipmitool("mc", "info"))
        held.get_device_id()
        assert "user 6 from" in b.stderr() and "its limit" in b.stderr()
    finally:
        held.close()
    ok(b.ipmitool("mc", "info", user="erin", password="erinpw", priv="USER"))
    # Kept across a restart; limit 0 means only the channel's limit.
    b.restart()
    held = Console(b.port, user=b"erin", password=b"erinpw", role=2).open()
    try:
        assert not b.ipmitool("mc", "info", user="erin", password="erinpw", priv="USER").ok
        ok(raw(b, 0x06, 0x43, 0x01, 6, 0x02, 0x00))
        ok(b.ipmitool("mc", "info", user="erin", password="erinpw", priv="USER"))
        two = Console(b.port, user=b"erin", password=b"erinpw", role=2).open()
        two.get_device_id()
        two.close()
    finally:
        held.close()
    # A limit above 15 does not fit the field.
    r = raw(b, 0x06, 0x43, 0x01, 6, 0x02, 0x10)
    assert not r.ok and "rsp=0xcc" in r.text, r
