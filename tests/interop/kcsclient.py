"""A stand-in for QEMU's ipmi-bmc-extern device: connects to bmcd's KCS
socket and speaks the same wire protocol (docs/kcs.md), so tests can send
the host's requests byte for byte and watch the control commands (SMS_ATN,
power) bmcd sends back."""

import socket
import time

MSG, CTL, ESC = 0xA0, 0xA1, 0xAA
VM_VERSION, VM_CAPABILITIES = 0xFF, 0x08
NOATTN, ATTN, ATTN_IRQ, POWEROFF, RESET = 0x00, 0x01, 0x02, 0x03, 0x04
SEND_NMI, GRACEFUL_SHUTDOWN = 0x07, 0x09


def escape(body):
    out = bytearray()
    for b in body:
        if b in (MSG, CTL, ESC):
            out += bytes([ESC, b | 0x10])
        else:
            out.append(b)
    return bytes(out)


def request_frame(seq, netfn, cmd, data=b"", lun=0, bad_checksum=False):
    body = bytes([seq, netfn << 2 | lun, cmd]) + bytes(data)
    ck = (-sum(body)) & 0xFF
    if bad_checksum:
        ck ^= 0x55
    return escape(body + bytes([ck])) + bytes([MSG])


class FakeVM:
    def __init__(self, path, caps=0x3F):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.settimeout(0.2)
        self.buf = bytearray()
        self.controls = []      # control commands received, in order
        self.responses = []     # (seq, netfn, lun, cmd, cc, data)
        self.seq = 0
        self.s.sendall(escape(bytes([VM_VERSION, 1])) + bytes([CTL]) +
                       escape(bytes([VM_CAPABILITIES, caps])) + bytes([CTL]))

    def close(self):
        self.s.close()

    def _pump(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                chunk = self.s.recv(4096)
            except socket.timeout:
                return
            if not chunk:
                return
            self.buf += chunk
            self._parse()
            if self.responses:
                return

    def _parse(self):
        frame, esc = bytearray(), False
        consumed = 0
        for i, b in enumerate(self.buf):
            if b == ESC:
                esc = True
                continue
            if b in (MSG, CTL):
                if b == MSG:
                    assert sum(frame) & 0xFF == 0, f"bad checksum in {bytes(frame).hex()}"
                    self.responses.append((frame[0], frame[1] >> 2, frame[1] & 3, frame[2],
                                           frame[3], bytes(frame[4:-1])))
                else:
                    self.controls.append(bytes(frame))
                frame, esc = bytearray(), False
                consumed = i + 1
                continue
            frame.append(b & ~0x10 if esc else b)
            esc = False
        del self.buf[:consumed]

    def send_raw(self, data):
        self.s.sendall(data)

    def request(self, netfn, cmd, data=b"", timeout=2.0, **kw):
        """(cc, data) of the response; None when none came."""
        self.seq = (self.seq + 1) & 0x3F
        self.responses.clear()
        self.s.sendall(request_frame(self.seq, netfn, cmd, data, **kw))
        self._pump(timeout)
        if not self.responses:
            return None
        seq, rnetfn, lun, rcmd, cc, rdata = self.responses.pop(0)
        assert seq == self.seq and rnetfn == netfn | 1 and rcmd == cmd, (seq, rnetfn, rcmd)
        return cc, rdata

    def wait_control(self, cmd, timeout=3.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(c[:1] == bytes([cmd]) for c in self.controls):
                return True
            self._pump(0.2)
        return False
