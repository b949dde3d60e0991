#!/usr/bin/env python3
"""Write the seed corpus for fuzz/fuzz-lan.c and fuzz/fuzz-config.c.

Each LAN seed is a sequence of datagrams, each prefixed by a 2-byte
big-endian length (the format fuzz-lan.c reads).  Session IDs match the
fixed sessions fuzz-lan.c creates."""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RMCP = bytes([0x06, 0x00, 0xFF, 0x07])


def cks(b):
    return (-sum(b)) & 0xFF


def ipmi_msg(netfn, cmd, data=b"", seq=1):
    h = bytes([0x20, netfn << 2])
    body = bytes([0x81, seq << 2, cmd]) + bytes(data)
    return h + bytes([cks(h)]) + body + bytes([cks(body)])


def v15(msg, sid=0, seq=0, authtype=0):
    return RMCP + struct.pack("<BII", authtype, seq, sid) + bytes([len(msg)]) + msg


def v20(ptype, payload, sid=0, seq=0):
    return RMCP + struct.pack("<BBIIH", 6, ptype, sid, seq, len(payload)) + payload


def seqfile(*dgrams):
    return b"".join(struct.pack(">H", len(d)) + d for d in dgrams)


def open_req(auth, integ, conf, priv=4, tag=1, csid=0x11223344):
    p = struct.pack("<BBHI", tag, priv, 0, csid)
    for i, a in enumerate((auth, integ, conf)):
        p += struct.pack("<BHB", i, 0, 8) + bytes([a, 0, 0, 0])
    return p


def rakp1(bsid, user=b"admin", role=0x14):
    return struct.pack("<B3xI", 1, bsid) + bytes(range(16)) + bytes([role, 0, 0, len(user)]) + user


S_PLAIN, S_AES, S_V15 = 0x01020304, 0x05060708, 0x0A0B0C0D

lan = {
    "asf-ping": seqfile(bytes([0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE, 0x80, 0x01, 0x00, 0x00])),
    "v15-authcap": seqfile(v15(ipmi_msg(6, 0x38, b"\x8e\x04"))),
    "v15-challenge": seqfile(v15(ipmi_msg(6, 0x39, b"\x02" + b"admin".ljust(16, b"\0")))),
    "v20-open-3": seqfile(v20(0x10, open_req(1, 1, 1))),
    "v20-open-17": seqfile(v20(0x10, open_req(3, 4, 1))),
    "v20-open-0": seqfile(v20(0x10, open_req(0, 0, 0))),
    "v20-rakp1": seqfile(v20(0x12, rakp1(0x12345678))),
    "v20-rakp3": seqfile(v20(0x14, struct.pack("<BBHI", 1, 0, 0, 0x12345678) + bytes(20))),
    "v20-ciphers": seqfile(v20(0, ipmi_msg(6, 0x54, b"\x0e\x00\x80"))),
    "v15-session": seqfile(v15(ipmi_msg(6, 0x01), sid=S_V15, seq=1)),
    "v20-aes-session": seqfile(v20(0xC0, bytes(32) + bytes([0xFF, 0xFF, 2, 7]) + bytes(12), sid=S_AES, seq=1)),
}
cmds = [
    (6, 0x01, b""), (6, 0x04, b""), (6, 0x08, b""), (6, 0x37, b""), (6, 0x2F, b""),
    (6, 0x2E, b"\x0c"), (6, 0x42, b"\x0e"), (6, 0x41, b"\x01\x40"), (6, 0x3B, b"\x04"),
    (6, 0x3D, b"\x00"), (6, 0x3D, b"\xfe\x01"), (6, 0x54, b"\x01\x00\x81"),
    (0, 0x01, b""), (0, 0x02, b"\x01"), (0, 0x02, b"\x05"), (6, 0x03, b""), (6, 0x02, b""),
    (6, 0x3C, struct.pack("<I", S_PLAIN)), (0x2C, 0x00, b"\x00"), (6, 0x38, b"\x01\x04"),
]
lan["v20-session-all"] = seqfile(*[v20(0, ipmi_msg(n, c, d, i % 64), sid=S_PLAIN, seq=i + 1)
                                   for i, (n, c, d) in enumerate(cmds[:16])])
for n, c, d in cmds:
    lan["v20-session-%02x-%02x-%s" % (n, c, d.hex() or "none")] = seqfile(
        v20(0, ipmi_msg(n, c, d), sid=S_PLAIN, seq=1))

# SOL on the plain fixed session: allow SOL without forced encryption or
# authentication, activate the payload, exchange data and ACKs, deactivate.
def sol(seq, ack, count, op, data=b""):
    return v20(0x01, bytes([seq, ack, count, op]) + data, sid=S_PLAIN, seq=sol.n)


sol.n = 0


def nxt():
    sol.n += 1
    return sol.n


sol_steps = [
    v20(0, ipmi_msg(0x0C, 0x21, b"\x0e\x02\x02"), sid=S_PLAIN, seq=nxt()),
    v20(0, ipmi_msg(0x0C, 0x21, b"\x0e\x01\x01"), sid=S_PLAIN, seq=nxt()),
    v20(0, ipmi_msg(6, 0x48, b"\x01\x01\x00\x00\x00\x00"), sid=S_PLAIN, seq=nxt()),
]
for args in ((1, 0, 0, 0, b"root\r"), (2, 0, 0, 0x10, b"\x03"), (0, 1, 5, 0), (3, 1, 5, 0x40, b"x" * 300),
             (1, 0, 0, 0, b"root\r")):
    sol.n += 1
    sol_steps.append(sol(*args))
sol_steps.append(v20(0, ipmi_msg(6, 0x49, b"\x01\x01\x00\x00\x00\x00"), sid=S_PLAIN, seq=nxt()))
lan["sol-session"] = seqfile(*sol_steps)
lan["sol-config-get"] = seqfile(v20(0, ipmi_msg(0x0C, 0x22, b"\x0e\x01\x00\x00"), sid=S_PLAIN, seq=1),
                                v20(0, ipmi_msg(0x0C, 0x22, b"\x0e\xc1\x00\x00"), sid=S_PLAIN, seq=2))
lan["lan-config"] = seqfile(v20(0, ipmi_msg(0x0C, 0x02, b"\x0e\x03\x00\x00"), sid=S_PLAIN, seq=1),
                            v20(0, ipmi_msg(0x0C, 0x01, b"\x0e\x03\xc0\x00\x02\x07"), sid=S_PLAIN, seq=2),
                            v20(0, ipmi_msg(0x0C, 0x01, b"\x0e\x18\x00" + bytes(8)), sid=S_PLAIN, seq=3))

# SDR repository and sensor commands (Storage 20h-29h, Sensor/Event 00h-2Fh).
ev_only = bytes([0, 0, 0x51, 0x03, 15, 0x20, 0, 0x70, 0x17, 1, 5, 0x6F, 1, 0, 0, 0, 0xC3]) + b"abc"
lan["sdr"] = seqfile(*[v20(0, ipmi_msg(0x0A, c, d), sid=S_PLAIN, seq=i + 1) for i, (c, d) in enumerate([
    (0x20, b""), (0x21, b""), (0x22, b""), (0x23, b"\x01\x00\x00\x00\x00\xff"),
    (0x23, b"\x01\x00\x01\x00\x05\x10"), (0x24, ev_only),
    (0x25, b"\x01\x00\x00\x00\x00\x00" + ev_only[:7]),
    (0x25, b"\x01\x00\x00\x00\x07\x01" + ev_only[7:]),
    (0x26, b"\x01\x00\x02\x00"), (0x27, b"\x01\x00CLR\xaa"), (0x28, b""),
])])
lan["sensors"] = seqfile(*[v20(0, ipmi_msg(0x04, c, d), sid=S_PLAIN, seq=i + 1) for i, (c, d) in enumerate([
    (0x2D, b"\x01"), (0x27, b"\x01"), (0x26, b"\x01\x08\x00\x00\x00\xa0\x00\x00"),
    (0x25, b"\x01\xff"), (0x24, b"\x01\xff\x02\x02"), (0x29, b"\x01"),
    (0x28, b"\x01\xd0\x80\x00\x80\x00"), (0x2A, b"\x01\x80\xff\x0f"), (0x2B, b"\x01"),
    (0x2F, b"\x14"), (0x20, b"\x01"), (0x00, b"\xff\x00"), (0x01, b""),
])])

# PEF (Sensor/Event 10h-17h).
flt = bytes([0x80, 0x01, 0x01, 0x10, 0xFF, 0xFF, 0x01, 0xFF, 0x01, 0x00, 0x02]) + bytes(9)
lan["pef"] = seqfile(*[v20(0, ipmi_msg(0x04, c, d), sid=S_PLAIN, seq=i + 1) for i, (c, d) in enumerate([
    (0x10, b""), (0x11, b"\x05"), (0x11, b"\xff"), (0x12, b"\x06\x06" + flt),
    (0x13, b"\x06\x06\x00"), (0x12, b"\x09\x02\x18\x11\x00"), (0x13, b"\x0d\x01\x02"),
    (0x12, b"\x0d\x01\x01hello"), (0x14, b"\x01\x02\x00"), (0x15, b""),
    (0x16, b"\x01\x01\x00"), (0x16, b"\x01\x41\x00"), (0x17, bytes(12)), (0x11, b"\x00"),
])])

config = {
    "sim": open(os.path.join(HERE, "..", "boards", "sim.json"), "rb").read(),
    "minimal": b'{"name":"x","users":[{"id":2,"name":"a","password":"b"}]}',
    "bad": b'{"name":"x","lan":{"cipher_suites":[0,4,4],"listen":["[::1]:0"]},"users":[{"id":1}]}',
}

for sub, seeds in (("lan", lan), ("config", config)):
    d = os.path.join(HERE, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    for name, blob in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(blob)
print("wrote %d lan and %d config seeds" % (len(lan), len(config)), file=sys.stderr)
