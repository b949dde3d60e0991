#!/usr/bin/env python3
"""Write the seed corpora of fuzz/fuzz-lan.c, fuzz-config.c, fuzz-sol.c,
fuzz-param.c and fuzz-store.c (the other targets' seeds are hand-kept files).

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

# Board files: the boards, the docs' examples (a fragment is merged into
# sim.json), and every section the parser knows, in one file.
import glob
import json
import re
import zlib

ROOT = os.path.join(HERE, "..")
sim = json.load(open(os.path.join(ROOT, "boards", "sim.json")))
config = {
    "minimal": b'{"name":"x","users":[{"id":2,"name":"a","password":"b"}]}',
    "bad": b'{"name":"x","lan":{"cipher_suites":[0,4,4],"listen":["[::1]:0"]},"users":[{"id":1}]}',
}
for path in sorted(glob.glob(os.path.join(ROOT, "boards", "*.json"))):
    config[os.path.basename(path)[:-5]] = open(path, "rb").read()
for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
    for i, block in enumerate(re.findall(r"```json\n(.*?)```", open(path).read(), re.S)):
        for text in (block, "{" + block + "}"):
            try:
                frag = json.loads(text)
            except ValueError:
                continue
            if isinstance(frag, dict) and "instances" not in frag:  # not a fleet file
                if "source" in frag:  # one sensor
                    board = dict(sim, sensors=sim["sensors"] + [dict(frag, name="Doc Sensor")])
                else:
                    board = frag if "name" in frag else dict(sim, **frag)
                config["doc-%s-%d" % (os.path.basename(path)[:-3], i)] = json.dumps(board).encode()
            break
every = dict(sim)
every.update({
    "kcs": {"backend": "extern", "listen": "tcp:127.0.0.1:9002", "allow": ["06:01", "0a:*"]},
    "sol": {"uart": "socket", "socket": "unix:/tmp/x.sock", "baud": 115200},
    "sel": {"capacity": 64},
    "pef": {"enabled": True, "trap_port": 1162},
    "dbus": {"bus": "unix:path=/run/bmcd-test-bus", "name": "xyz.openbmc_project.bmcd", "read_only": False},
    "redfish": {"enabled": True, "listen": ["127.0.0.1:8443"], "max_connections": 8,
                "max_connections_per_source": 4, "max_url": 512, "max_header_bytes": 8192,
                "max_headers": 32, "max_body": 65536, "idle_timeout": 30, "request_timeout": 10},
})
every.update(json.loads(config["doc-thermal-0"]))	# its sensors too
config["every-section"] = json.dumps(every).encode()
libvirt = dict(sim, host={"backend": "libvirt", "libvirt": {"uri": "test:///default", "domain": "test"}})
config["host-libvirt"] = json.dumps(libvirt).encode()

# fuzz-sol.c: packets [how][len16][bytes] on the active payload; how bit 0:
# through lan_input() as an RMCP+ datagram.
def solp(seq, ack, count, op, data=b"", how=0):
    p = bytes([seq, ack, count, op]) + data
    return bytes([how]) + struct.pack(">H", len(p)) + p


sols = {
    "chars": solp(1, 0, 0, 0, b"root\r"),
    "chars-lan": solp(1, 0, 0, 0, b"root\r", how=1),
    "ack": solp(0, 1, 5, 0),
    "nack": solp(0, 1, 0, 0x40),
    "ops": solp(2, 0, 0, 0x1F, b"\x03") + solp(3, 0, 0, 0x08) + solp(4, 0, 0, 0),
    "retransmit": solp(1, 0, 0, 0, b"ab") + solp(1, 0, 0, 0, b"ab"),
    "full": solp(5, 0, 0, 0, b"x" * 255) + solp(6, 0, 0, 0, b"y" * 255, how=1),
    "too-long": solp(7, 0, 0, 0, b"z" * 256),
    "seq0-data": solp(0, 0, 0, 0, b"q"),
    "short": b"\x00\x00\x02\x01\x00",
}

# fuzz-param.c: commands [op][len][data], op % 6 the family, bit 7 Set.
def prm(fam, setp, data):
    return bytes([fam | (0x80 if setp else 0), len(data)]) + data


params = {
    "lan-get": prm(0, False, b"\x01\x03\x00\x00") + prm(0, False, b"\x01\x00\x00\x00"),
    "lan-set-ip": prm(0, True, b"\x01\x03\xc0\x00\x02\x07") + prm(0, False, b"\x01\x03\x00\x00"),
    "lan-set-src": prm(0, True, b"\x01\x04\x01") + prm(0, True, b"\x01\x06\xff\xff\xff\x00"),
    "lan-community": prm(0, True, b"\x01\x10public" + bytes(12)) + prm(0, False, b"\x01\x10\x00\x00"),
    "lan-dest": prm(0, True, b"\x01\x13\x01\x00\x00\xc0\x00\x02\x01" + bytes(6)),
    "lan-ciphers": prm(0, False, b"\x01\x16\x00\x00") + prm(0, True, b"\x01\x18\x00" + bytes(8)),
    "lan-vlan": prm(0, True, b"\x01\x14\x05\x80") + prm(0, False, b"\x01\x14\x00\x00"),
    "lan-inprogress": prm(0, True, b"\x01\x00\x01") + prm(0, True, b"\x01\x00\x02"),
    "sol-get": prm(1, False, b"\x01\x01\x00\x00") + prm(1, False, b"\x01\x05\x00\x00"),
    "sol-set": prm(1, True, b"\x01\x01\x01") + prm(1, True, b"\x01\x02\x02") +
    prm(1, True, b"\x01\x03\x05\x10") + prm(1, True, b"\x01\x04\x03\x20") +
    prm(1, True, b"\x01\x05\x0a") + prm(1, True, b"\x01\x06\x0a"),
    "boot-get": prm(2, False, b"\x05\x00\x00") + prm(2, False, b"\x04\x00\x00"),
    "boot-set": prm(2, True, b"\x05\xe0\x04\x00\x00\x00") + prm(2, True, b"\x04\x01\x01") +
    prm(2, True, b"\x03\x1f") + prm(2, False, b"\x05\x00\x00"),
    "boot-mbox": prm(2, True, b"\x07\x00\x00") + prm(2, False, b"\x07\x00\x00"),
    "pef-get": prm(3, False, b"\x01\x00\x00") + prm(3, False, b"\x06\x01\x00"),
    "pef-set": prm(3, True, b"\x01\x07") + prm(3, True, b"\x06\x06\x80\x01\x01\x10\xff\xff\x01\xff\x01\x00\x02" + bytes(9)) +
    prm(3, True, b"\x09\x02\x18\x11\x00") + prm(3, True, b"\x0d\x01\x01hello"),
    "sysinfo-get": prm(4, False, b"\x00\x01\x00\x00") + prm(4, False, b"\x00\x02\x00\x00"),
    "sysinfo-set": prm(4, True, b"\x02\x00\x00\x05hello" + bytes(9)) + prm(4, True, b"\x04\x00\x00\x03os1" + bytes(11)) +
    prm(4, False, b"\x00\x04\x00\x00"),
    "dcmi-get": prm(5, False, b"\x01\x00\x00") + prm(5, False, b"\x03\x00\x00"),
    "dcmi-set": prm(5, True, b"\x01\x00\x01") + prm(5, True, b"\x03\x00\x40") + prm(5, False, b"\x03\x00\x00"),
}

# fuzz-store.c: [which | 0x80 seal][file]; which % 3: 0 SDR, 1 SEL, 2 FRU.
def le32(v):
    return struct.pack("<I", v)


def sdr_file(recs, board_hash=1):
    b = b"BSDR" + bytes([1]) + le32(board_hash) + le32(100) + le32(0) + struct.pack("<H", len(recs))
    for flag, r in recs:
        b += bytes([flag, len(r)]) + r
    return b + le32(zlib.crc32(b))


mc_loc = bytes([1, 0, 0x51, 0x12, 14, 0x20, 0, 0, 0x21, 0, 0, 0, 0x2E, 1, 0, 0xC3]) + b"BMC"
fru_loc = bytes([2, 0, 0x51, 0x11, 14, 0x20, 0, 0x80, 0, 0, 0x10, 0, 0x07, 1, 0, 0xC3]) + b"FRU"
ev_only2 = bytes([3, 0, 0x51, 0x03, 15, 0x20, 0, 0x70, 0x17, 1, 5, 0x6F, 1, 0, 0, 0, 0xC3]) + b"abc"


def sel_frame(body20):
    return body20 + le32(zlib.crc32(body20))


sel_hdr = sel_frame(b"BSEL" + bytes([1, 0]) + struct.pack("<HII", 3, 50, 60) + bytes(4))
sel_rec = lambda rid: sel_frame(struct.pack("<H", rid) + bytes([2]) + le32(1000 + rid) +
                                bytes([0x20, 0, 4, 1, 1, 0x6F, 0, 0xFF, 0xFF]) + le32(1000 + rid))
fru_img = bytes([1, 0, 0, 0, 0, 0, 0, 0xFF]) + bytes(504)


def fru_file(img):
    return b"BFRU" + bytes([1, 0, 0, 0]) + le32(len(img)) + le32(zlib.crc32(img)) + img


stores = {
    "sdr-empty": b"\x00" + sdr_file([]),
    "sdr-recs": b"\x00" + sdr_file([(1, mc_loc), (0, fru_loc), (0, ev_only2)]),
    "sdr-other-board": b"\x00" + sdr_file([(1, mc_loc)], board_hash=7),
    "sdr-dup-id": b"\x00" + sdr_file([(0, mc_loc), (0, mc_loc)]),
    "sdr-sealed": b"\x80" + sdr_file([(0, mc_loc)])[:-4],
    "sdr-bad-crc": b"\x00" + sdr_file([(0, mc_loc)])[:-1] + b"\x00",
    "sel-empty": b"\x01" + sel_hdr,
    "sel-recs": b"\x01" + sel_hdr + sel_rec(1) + sel_rec(2),
    "sel-torn": b"\x01" + sel_hdr + sel_rec(1) + sel_rec(2)[:10],
    "sel-dup": b"\x01" + sel_hdr + sel_rec(1) + sel_rec(1),
    "sel-bad-header": b"\x01" + bytes(24) + sel_rec(1),
    "sel-sealed": b"\x81" + sel_hdr + sel_rec(5)[:20] + bytes(4),
    "fru-blank": b"\x02" + fru_file(bytes(512)),
    "fru-header": b"\x02" + fru_file(fru_img),
    "fru-short": b"\x02" + fru_file(fru_img[:64]),
    "fru-sealed": b"\x82" + fru_file(fru_img),
    "fru-bad": b"\x02BFRU\x02",
}

for sub, seeds in (("lan", lan), ("config", config), ("sol", sols), ("param", params), ("store", stores)):
    d = os.path.join(HERE, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    for name, blob in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(blob)
print("wrote %d lan, %d config, %d sol, %d param and %d store seeds" %
      (len(lan), len(config), len(sols), len(params), len(stores)), file=sys.stderr)
