"""A minimal RMCP+ console written from the IPMI 2.0 specification
(section 13): cipher suites 3 and 17, one session, raw access to every
packet so tests can replay, corrupt, truncate or repeat them -- things no
real client does on purpose."""

import hashlib
import hmac
import os
import random
import socket
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conftest import HOST

RMCP_IPMI = bytes([0x06, 0x00, 0xFF, 0x07])
PT_IPMI, PT_OPEN_REQ, PT_OPEN_RSP = 0x00, 0x10, 0x11
PT_RAKP1, PT_RAKP2, PT_RAKP3, PT_RAKP4 = 0x12, 0x13, 0x14, 0x15

# cipher suite -> (auth alg, integrity alg, confidentiality alg, hash, ICV/integrity length)
SUITES = {
    0: (0, 0, 0, None, 0),
    1: (1, 0, 0, hashlib.sha1, 0),
    2: (1, 1, 0, hashlib.sha1, 12),
    3: (1, 1, 1, hashlib.sha1, 12),
    17: (3, 4, 1, hashlib.sha256, 16),
}


class RmcpError(Exception):
    pass


def _cksum(b):
    return (-sum(b)) & 0xFF


def ipmi_msg(netfn, cmd, data=b"", rqseq=1):
    hdr = bytes([0x20, netfn << 2])
    body = bytes([0x81, (rqseq & 0x3F) << 2, cmd]) + bytes(data)
    return hdr + bytes([_cksum(hdr)]) + body + bytes([_cksum(body)])


class Console:
    """A minimal RMCP+ console: cipher suite 3 or 17, one session."""

    def __init__(self, port, user=b"admin", password=b"password", suite=17, role=4, timeout=1.0):
        self.addr = (HOST, port)
        self.user = user
        self.kuid = password.ljust(20, b"\0")
        self.suite = suite
        self.auth_alg, self.integ_alg, self.conf_alg, self.hash, self.icv_len = SUITES[suite]
        self.role = 0x10 | role          # name-only lookup, requested maximum privilege
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.sock.connect(self.addr)
        self.console_sid = struct.unpack("<I", os.urandom(4))[0] | 1
        self.bmc_sid = None
        self.seq = 0
        self.rqseq = 0
        self.tag = random.randrange(256)

    # ---- plumbing ----

    def _hmac(self, key, data):
        return hmac.new(key, data, self.hash).digest()

    def recv(self, timeout=None):
        """One datagram, or None on timeout."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            return self.sock.recv(70000)
        except (socket.timeout, ConnectionRefusedError):
            return None

    def drain(self):
        self.sock.setblocking(False)
        try:
            while True:
                try:
                    self.sock.recv(70000)
                except (BlockingIOError, ConnectionRefusedError):
                    break
        finally:
            self.sock.setblocking(True)
            self.sock.settimeout(1.0)

    def send(self, pkt):
        self.sock.send(pkt)

    def presession(self, ptype, payload):
        return RMCP_IPMI + bytes([0x06, ptype]) + struct.pack("<IIH", 0, 0, len(payload)) + payload

    def _presession_rsp(self, want_type):
        pkt = self.recv()
        if pkt is None:
            raise RmcpError(f"no reply (waiting for payload type {want_type:#x})")
        if len(pkt) < 16 or pkt[:4] != RMCP_IPMI or pkt[4] != 0x06 or pkt[5] & 0x3F != want_type:
            raise RmcpError(f"unexpected reply {pkt.hex()}")
        (n,) = struct.unpack_from("<H", pkt, 14)
        return pkt[16:16 + n]

    # ---- session set-up (IPMI 2.0 sections 13.17 .. 13.24) ----

    def open_session_request(self, suite_algs=None, max_priv=0):
        a, i, c = suite_algs or (self.auth_alg, self.integ_alg, self.conf_alg)
        self.tag = (self.tag + 1) & 0xFF
        payload = bytes([self.tag, max_priv, 0, 0]) + struct.pack("<I", self.console_sid)
        payload += bytes([0, 0, 0, 8, a, 0, 0, 0, 1, 0, 0, 8, i, 0, 0, 0, 2, 0, 0, 8, c, 0, 0, 0])
        return self.presession(PT_OPEN_REQ, payload)

    def open(self):
        return self.begin().finish()

    def begin(self):
        """Open Session and RAKP1/2 (the RAKP2 HMAC checked): the half of a
        login before the RAKP3 that proves the password."""
        self.send(self.open_session_request())
        rsp = self._presession_rsp(PT_OPEN_RSP)
        if rsp[1] != 0:
            raise RmcpError(f"Open Session status {rsp[1]:#x}")
        (csid, self.bmc_sid) = struct.unpack_from("<II", rsp, 4)
        assert csid == self.console_sid, "Open Session Response for another console session ID"

        self.rm = os.urandom(16)
        ulen = bytes([len(self.user)])
        self.tag = (self.tag + 1) & 0xFF
        rakp1 = bytes([self.tag, 0, 0, 0]) + struct.pack("<I", self.bmc_sid) + self.rm
        rakp1 += bytes([self.role, 0, 0]) + ulen + self.user
        self.send(self.presession(PT_RAKP1, rakp1))
        rsp = self._presession_rsp(PT_RAKP2)
        if rsp[1] != 0:
            raise RmcpError(f"RAKP2 status {rsp[1]:#x}")
        self.rc = rsp[8:24]
        self.guid = rsp[24:40]
        code = rsp[40:]
        sids = struct.pack("<II", self.console_sid, self.bmc_sid)
        want = self._hmac(self.kuid, sids + self.rm + self.rc + self.guid + bytes([self.role]) + ulen + self.user)
        if not hmac.compare_digest(code, want):
            raise RmcpError("RAKP2 HMAC mismatch (wrong password?)")
        self.sik = self._hmac(self.kuid, self.rm + self.rc + bytes([self.role]) + ulen + self.user)
        # the constants are 20 bytes for every authentication algorithm
        self.k1 = self._hmac(self.sik, b"\x01" * 20)
        self.k2 = self._hmac(self.sik, b"\x02" * 20)
        return self

    def finish(self):
        """RAKP3 and RAKP4: the session is active."""
        ulen = bytes([len(self.user)])
        self.tag = (self.tag + 1) & 0xFF
        code3 = self._hmac(self.kuid, self.rc + struct.pack("<I", self.console_sid)
                           + bytes([self.role]) + ulen + self.user)
        self.send(self.presession(PT_RAKP3, bytes([self.tag, 0, 0, 0]) + struct.pack("<I", self.bmc_sid) + code3))
        rsp = self._presession_rsp(PT_RAKP4)
        if rsp[1] != 0:
            raise RmcpError(f"RAKP4 status {rsp[1]:#x}")
        icv = rsp[8:8 + self.icv_len]
        want = self._hmac(self.sik, self.rm + struct.pack("<I", self.bmc_sid) + self.guid)[:self.icv_len]
        if not hmac.compare_digest(icv, want):
            raise RmcpError("RAKP4 integrity check value mismatch")
        return self

    # ---- one step at a time, for attacks ----

    def open_only(self, max_priv=0):
        """Open Session alone: (status, maximum privilege, BMC session ID)."""
        self.send(self.open_session_request(max_priv=max_priv))
        rsp = self._presession_rsp(PT_OPEN_RSP)
        (sid,) = struct.unpack_from("<I", rsp, 8)
        return rsp[1], rsp[2], sid

    def rakp1_only(self, bmc_sid, user=None, role=None, ulen=None, rm=None):
        """RAKP1 alone (any name, role byte and name length, even wrong
        ones): the RAKP2 payload."""
        user = self.user if user is None else user
        role = self.role if role is None else role
        self.rm = os.urandom(16) if rm is None else rm
        self.tag = (self.tag + 1) & 0xFF
        rakp1 = bytes([self.tag, 0, 0, 0]) + struct.pack("<I", bmc_sid) + self.rm
        rakp1 += bytes([role, 0, 0, len(user) if ulen is None else ulen]) + user
        self.send(self.presession(PT_RAKP1, rakp1))
        return self._presession_rsp(PT_RAKP2)

    def rakp2_hmac_valid(self, bmc_sid, rakp2, role=None):
        """Whether a RAKP2's HMAC is the one this console's password
        gives: what an offline cracker would confirm a guess with."""
        role = self.role if role is None else role
        rc, guid, code = rakp2[8:24], rakp2[24:40], rakp2[40:]
        sids = struct.pack("<II", self.console_sid, bmc_sid)
        want = self._hmac(self.kuid, sids + self.rm + rc + guid + bytes([role, len(self.user)]) + self.user)
        return hmac.compare_digest(code, want)

    # ---- in-session messages ----

    # ---- framing of any payload type ----

    def frame(self, ptype, payload, encrypt=True, authenticate=True, seq=None, sid=None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        flags = 0
        if encrypt:
            npad = (16 - (len(payload) + 1) % 16) % 16
            plain = payload + bytes(range(1, npad + 1)) + bytes([npad])
            iv = os.urandom(16)
            enc = Cipher(algorithms.AES(self.k2[:16]), modes.CBC(iv)).encryptor()
            payload = iv + enc.update(plain) + enc.finalize()
            flags |= 0x80
        if authenticate:
            flags |= 0x40
        sess = bytes([0x06, flags | ptype]) + struct.pack(
            "<IIH", self.bmc_sid if sid is None else sid, seq, len(payload)) + payload
        if not authenticate:
            return RMCP_IPMI + sess
        ipad = (4 - (len(sess) + 2) % 4) % 4
        sess += b"\xff" * ipad + bytes([ipad, 0x07])
        return RMCP_IPMI + sess + self._hmac(self.k1, sess)[:self.icv_len]

    def unframe(self, pkt):
        """(payload type, plain payload) of a valid packet of this session."""
        if pkt is None or len(pkt) < 16 + 16 or pkt[:4] != RMCP_IPMI or pkt[4] != 0x06:
            return None
        if pkt[5] & 0xC0 != 0xC0:
            return None
        sid, _seq, n = struct.unpack_from("<IIH", pkt, 6)
        if sid != self.console_sid:
            return None
        body = pkt[4:len(pkt) - self.icv_len]
        if not hmac.compare_digest(self._hmac(self.k1, body)[:self.icv_len], pkt[len(pkt) - self.icv_len:]):
            return None
        payload = pkt[16:16 + n]
        dec = Cipher(algorithms.AES(self.k2[:16]), modes.CBC(payload[:16])).decryptor()
        plain = dec.update(payload[16:]) + dec.finalize()
        return pkt[5] & 0x3F, plain[:len(plain) - 1 - plain[-1]]

    def build(self, netfn, cmd, data=b"", seq=None, sid=None):
        """An encrypted, authenticated IPMI request with the next sequence number."""
        self.rqseq = (self.rqseq + 1) & 0x3F
        return self.frame(PT_IPMI, ipmi_msg(netfn, cmd, data, self.rqseq), seq=seq, sid=sid)

    def parse(self, pkt):
        """(netfn, cmd, cc, data) of a valid response in this session, else None."""
        r = self.unframe(pkt)
        if r is None or r[0] != PT_IPMI or len(r[1]) < 8:
            return None
        plain = r[1]
        return (plain[1] >> 2, plain[5], plain[6], plain[7:-1])

    def request(self, netfn, cmd, data=b"", timeout=1.0, tries=3):
        """Send (fresh sequence number per try); return (cc, data) or raise."""
        for _ in range(tries):
            self.send(self.build(netfn, cmd, data))
            t_end = time.monotonic() + timeout
            while time.monotonic() < t_end:
                r = self.parse(self.recv(max(0.01, t_end - time.monotonic())))
                if r and r[0] == netfn + 1 and r[1] == cmd:
                    return r[2], r[3]
        raise RmcpError(f"no response to netfn {netfn:#x} cmd {cmd:#x}")

    def get_device_id(self):
        cc, data = self.request(0x06, 0x01)
        assert cc == 0 and len(data) >= 11, (cc, data)
        return data

    def close(self):
        try:
            self.request(0x06, 0x3C, struct.pack("<I", self.bmc_sid), tries=1)
        except RmcpError:
            pass
        self.sock.close()


def silent(console, pkt, wait=0.7):
    """Send pkt; True if no valid response to it arrives within `wait`."""
    console.drain()
    console.send(pkt)
    t_end = time.monotonic() + wait
    while time.monotonic() < t_end:
        r = console.parse(console.recv(max(0.01, t_end - time.monotonic())))
        if r is not None:
            return False
    return True
