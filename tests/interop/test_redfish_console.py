"""The host console over a WebSocket at /console0 (issue 18, docs/redfish.md
"Console"), with python3-websocket (websocket-client) as the client: the
simulated host's serial output arrives in binary frames, the history first;
typed lines reach the host; authentication and privilege as any Redfish
request; one console at a time with IPMI SOL; malformed frames close with
the right code; a reader that does not read is dropped; IPMI keeps
answering throughout."""

import base64
import json
import os
import socket
import ssl
import struct
import time

import pytest
import websocket

from conftest import HOST, Bmcd
from solclient import SolConsole

OPERATOR = ("operator", "operator")
READONLY = ("user", "user")


def basic(user="admin", password="password"):
    tok = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Authorization: Basic {tok}"


def connect(b, header=None, timeout=5, **kw):
    if header is None:
        header = [basic()]
    return websocket.create_connection(
        f"wss://{HOST}:{b.redfish_port}/console0", sslopt={"cert_reqs": ssl.CERT_NONE},
        header=header, timeout=timeout, **kw)


def read_until(ws, want, timeout=10, got=b""):
    """Binary frames until want is in what came; returns all of it."""
    deadline = time.monotonic() + timeout
    while want not in got:
        left = deadline - time.monotonic()
        assert left > 0, f"{want!r} not in {got[-400:]!r}"
        ws.settimeout(left)
        op, data = ws.recv_data()
        assert op == websocket.ABNF.OPCODE_BINARY, (op, data)
        got += data
    return got


def login(ws):
    """From the login prompt (or a shell) to a root shell prompt."""
    ws.send_binary(b"\r")
    got = b""
    deadline = time.monotonic() + 10
    while not (got.endswith(b"sim login: ") or got.endswith(b"# ")):
        assert time.monotonic() < deadline, got[-400:]
        got = read_until(ws, b" ", got=got)
        if not (got.endswith(b"sim login: ") or got.endswith(b"# ")):
            ws.settimeout(10)
            got += ws.recv_data()[1]
    if got.endswith(b"sim login: "):
        ws.send_binary(b"root\r")
        read_until(ws, b"Password: ")
        ws.send_binary(b"password\r")
        read_until(ws, b"root@sim:~# ")


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """A daemon whose simulated host is on and booted to its login prompt."""
    d = Bmcd(workdir=tmp_path_factory.mktemp("rfcon")).start()
    assert d.ipmitool("chassis", "power", "on").ok
    d.wait_power("on")
    time.sleep(1.5)             # the boot log takes about a second
    yield d
    d.stop_and_check()


# --------------------------------------------------------------------------
# the console


def test_history_then_live_output_and_input(host):
    ws = connect(host)
    try:
        # the history first: the boot log the host printed before we came
        got = read_until(ws, b"sim login: ")
        assert b"SimBIOS" in got
        # typed input reaches the host, its answer comes back
        ws.send_binary(b"root\r")
        read_until(ws, b"Password: ")
        ws.send_binary(b"password\r")
        read_until(ws, b"root@sim:~# ")
        # a text frame is console input too
        ws.send("echo hello over websocket\r")
        read_until(ws, b"\r\nhello over websocket\r\n")
        # fragments of one message
        ws.send_frame(websocket.ABNF.create_frame(b"echo frag", websocket.ABNF.OPCODE_BINARY, 0))
        ws.send_frame(websocket.ABNF.create_frame(b"mented\r", websocket.ABNF.OPCODE_CONT, 1))
        read_until(ws, b"\r\nfragmented\r\n")
        # ping: pong with the same data
        ws.ping(b"are you there")
        ws.settimeout(5)
        while True:
            op, data = ws.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_PONG:
                assert data == b"are you there"
                break
        # IPMI keeps answering while the console is open
        r = host.ipmitool("chassis", "power", "status")
        assert r.ok and "on" in r.out, r
    finally:
        ws.close()
    # the history now holds what this session printed
    ws = connect(host)
    try:
        read_until(ws, b"hello over websocket")
    finally:
        ws.close()


def test_session_token_and_operator(host):
    import http.client
    ctx = ssl._create_unverified_context()
    c = http.client.HTTPSConnection(HOST, host.redfish_port, context=ctx, timeout=5)
    c.request("POST", "/redfish/v1/SessionService/Sessions",
              body=json.dumps({"UserName": "admin", "Password": "password"}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    assert r.status == 201
    token = r.getheader("X-Auth-Token")
    c.close()
    ws = connect(host, header=[f"X-Auth-Token: {token}"])
    try:
        login(ws)
    finally:
        ws.close()
    # Operator has ConfigureComponents: allowed
    ws = connect(host, header=[basic(*OPERATOR)])
    ws.close()


@pytest.mark.parametrize("header,status", [
    ([], 401),
    ([basic("admin", "wrong")], 401),
    (["X-Auth-Token: 0123456789abcdef"], 401),
    ([basic(*READONLY)], 403),
])
def test_refused(host, header, status):
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        connect(host, header=header)
    assert e.value.status_code == status
    if status == 401:
        assert "Basic" in e.value.resp_headers.get("www-authenticate", "")


# --------------------------------------------------------------------------
# one console at a time


def test_sol_refused_while_websocket_open(host):
    ws = connect(host)
    try:
        r = host.ipmitool("sol", "activate", timeout=15)
        assert "SOL payload already active on another session" in r.text, r
        c = SolConsole(host.port).open()
        try:
            cc, data = c.activate()
            assert (cc, data) == (0x80, b"")
        finally:
            c.close()
        # a second WebSocket: 409
        with pytest.raises(websocket.WebSocketBadStatusException) as e:
            connect(host)
        assert e.value.status_code == 409
        # the first still works
        login(ws)
    finally:
        ws.close()
    time.sleep(0.3)
    # closed: SOL may have the console
    c = SolConsole(host.port).open()
    try:
        cc, _ = c.activate()
        assert cc == 0, hex(cc)
        with pytest.raises(websocket.WebSocketBadStatusException) as e:
            connect(host)
        assert e.value.status_code == 409
        c.deactivate()
    finally:
        c.close()
    time.sleep(0.3)
    connect(host).close()


# --------------------------------------------------------------------------
# the upgrade and the frames, by hand


def tls(b):
    raw = socket.create_connection((HOST, b.redfish_port), timeout=5)
    ctx = ssl._create_unverified_context()
    return ctx.wrap_socket(raw)


def handshake(b, extra=b"", key=b"dGhlIHNhbXBsZSBub25jZQ==", version=b"13", upgrade=True,
              method=b"GET"):
    """The upgrade by hand: (socket, its reader, status, headers); the body
    of a refusal is left in the reader."""
    s = tls(b)
    req = (method + b" /console0 HTTP/1.1\r\nHost: x\r\n" + basic().encode() + b"\r\n")
    if upgrade:
        req += b"Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
    if key is not None:
        req += b"Sec-WebSocket-Key: " + key + b"\r\n"
    if version is not None:
        req += b"Sec-WebSocket-Version: " + version + b"\r\n"
    s.sendall(req + extra + b"\r\n")
    f = s.makefile("rb")
    status = int(f.readline().split()[1])
    headers = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        n, _, v = h.decode().partition(":")
        headers[n.strip().lower()] = v.strip()
    return s, f, status, headers


def frame(op, payload, fin=True, mask=True, rsv=0, length=None):
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | rsv | op
    if n < 126:
        h = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n <= 0xffff:
        h = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        h = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return h + payload
    k = os.urandom(4)
    return h + k + bytes(c ^ k[i % 4] for i, c in enumerate(payload))


def read_frame(f):
    b0, b1 = f.read(2)
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack("!H", f.read(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", f.read(8))[0]
    assert not b1 & 0x80, "a server frame is not masked"
    return b0 & 0x0f, f.read(n)


def close_code(f):
    """Skip output frames to the close frame: its code; then the end."""
    while True:
        op, data = read_frame(f)
        if op == 0x8:
            assert f.read(1) == b""      # the server closed the connection
            return struct.unpack("!H", data[:2])[0] if data else None
        assert op == 0x2, op


def test_accept_key_of_rfc6455(host):
    s, f, status, h = handshake(host)
    try:
        assert status == 101
        assert h["upgrade"].lower() == "websocket"
        # RFC 6455 1.3's example
        assert h["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        s.sendall(frame(0x8, struct.pack("!H", 1000)))
        assert close_code(f) == 1000
    finally:
        s.close()


@pytest.mark.parametrize("kw,status", [
    ({"version": b"8"}, 426),
    ({"version": None}, 426),
    ({"key": None}, 400),
    ({"key": b"tooshort=="}, 400),
    ({"upgrade": False}, 426),
    ({"method": b"POST", "extra": b"Content-Length: 0\r\n"}, 405),
])
def test_bad_upgrades(host, kw, status):
    s, f, st, h = handshake(host, **kw)
    try:
        assert st == status
        body = json.loads(f.read(int(h["content-length"])))
        assert "error" in body
        assert h.get("connection", "").lower() == "close"
        if status == 426 and kw.get("upgrade", True):
            assert h.get("sec-websocket-version") == "13"
    finally:
        s.close()


BAD_FRAMES = [
    ("unmasked", frame(0x2, b"x", mask=False), 1002),
    ("opcode 3", frame(0x3, b"x"), 1002),
    ("opcode 0xb", frame(0xb, b""), 1002),
    ("reserved bit", frame(0x2, b"x", rsv=0x40), 1002),
    ("fragmented ping", frame(0x9, b"", fin=False), 1002),
    ("long ping", frame(0x9, b"p" * 126), 1002),
    ("lonely continuation", frame(0x0, b"x"), 1002),
    ("data inside a fragmented message", frame(0x2, b"a", fin=False) + frame(0x2, b"b"), 1002),
    ("oversized frame", frame(0x2, b"", length=(1 << 20))[:14], 1009),
    # (^C, which the sim console takes as "clear the line"; then only the
    # second frame's header: bmcd closes before its payload)
    ("oversized message", frame(0x2, b"\x03" * 40000, fin=False)
     + frame(0x0, b"", length=40000)[:8], 1009),
    ("bad UTF-8 text", frame(0x1, b"\xc3\x28"), 1007),
    ("surrogate in text", frame(0x1, b"\xed\xa0\x80"), 1007),
    ("one-byte close", frame(0x8, b"\x03"), 1002),
    ("close code 1005", frame(0x8, struct.pack("!H", 1005)), 1002),
]


@pytest.mark.parametrize("name,data,code", BAD_FRAMES, ids=[x[0] for x in BAD_FRAMES])
def test_malformed_frames_close_with_the_right_code(host, name, data, code):
    s, f, status, _ = handshake(host)
    try:
        assert status == 101
        s.sendall(data)
        assert close_code(f) == code
    finally:
        s.close()
    # the console is free again, IPMI answers
    time.sleep(0.1)
    connect(host).close()


def test_binary_is_not_utf8_checked(host):
    s, f, status, _ = handshake(host)
    try:
        s.sendall(frame(0x2, b"\xff\xfe\x03"))   # ^C clears the line
        s.sendall(frame(0x9, b"ok"))
        while True:
            op, data = read_frame(f)
            if op == 0xa:
                assert data == b"ok"
                break
            assert op == 0x2
    finally:
        s.close()


def test_slow_reader_is_dropped_and_ipmi_answers(host):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect((HOST, host.redfish_port))
    sock = ssl._create_unverified_context().wrap_socket(sock)
    ws = websocket.WebSocket()
    ws.connect(f"wss://{HOST}:{host.redfish_port}/console0", header=[basic()], socket=sock)
    login(ws)
    ws.send_binary(b"blast 30000000\r")
    # not reading: bmcd must drop us, and answer IPMI meanwhile
    t0 = time.monotonic()
    dropped = False
    while time.monotonic() - t0 < 30:
        r = host.ipmitool("mc", "info")
        assert r.ok, r
        if "console reader too slow" in host.stderr():
            dropped = True
            break
        time.sleep(0.5)
    assert dropped
    # the connection ends once what was buffered is read
    with pytest.raises((websocket.WebSocketConnectionClosedException, OSError)):
        ws.settimeout(10)
        while True:
            ws.recv_data()
    ws.close()
    # stop the blast for the next tests: the console is free again
    time.sleep(0.3)
    ws = connect(host)
    try:
        ws.send_binary(b"\x03")
        login(ws)
    finally:
        ws.close()


def test_daemon_stops_cleanly_with_a_console_open(bmc_factory):
    """SIGTERM with a WebSocket console open (and the host printing): exit
    0, nothing leaked or used after it was freed (sanitizer builds)."""
    b = bmc_factory()
    assert b.ipmitool("chassis", "power", "on").ok
    ws = connect(b)
    try:
        read_until(ws, b"SimBIOS")
        b.stop_and_check()
    finally:
        ws.close()
