"""Redfish transport (issue 18, docs/redfish.md "Transport"): HTTPS with
OpenSSL in bmcd's one loop, HTTP/1.1 through llhttp, and the bounds bmcd
keeps itself.  Clients: curl, openssl s_client, and Python's ssl, socket and
http.client.  Nothing here needs more of the Redfish service than
`GET /redfish/v1` answering 200 (anything else answering 404 or more).
"""

import hashlib
import http.client
import os
import re
import socket
import ssl
import stat
import time

import pytest

from conftest import HOST, load_board, ok, run, write_board

REQUEST_TIMEOUT = 2		# the test board's redfish.request_timeout (s)
IDLE_TIMEOUT = 4		# its redfish.idle_timeout
PER_SOURCE = 4
TOTAL = 6
MAX_BODY = 4096


def rf_board():
    board = load_board()
    board["redfish"].update({
        "request_timeout": REQUEST_TIMEOUT, "idle_timeout": IDLE_TIMEOUT,
        "max_connections": TOTAL, "max_connections_per_source": PER_SOURCE,
        "max_body": MAX_BODY,
    })
    return board


@pytest.fixture
def rf(bmc_factory, tmp_path):
    return bmc_factory(board=write_board(tmp_path, rf_board(), "rf.json"))


def context(min_v=ssl.TLSVersion.TLSv1_2, max_v=ssl.TLSVersion.TLSv1_3):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = min_v
    ctx.maximum_version = max_v
    return ctx


def tls(b, source=HOST, timeout=5.0, **kw):
    """A TLS connection to b's Redfish port, handshake done."""
    raw = socket.create_connection((HOST, b.redfish_port), timeout=timeout,
                                   source_address=(source, 0))
    return context(**kw).wrap_socket(raw)


def read_response(s):
    """One HTTP response from s: (status, {header: value}, body)."""
    f = s.makefile("rb")
    line = f.readline()
    assert line.startswith(b"HTTP/1.1 "), line
    status = int(line.split()[1])
    headers = {}
    while True:
        h = f.readline()
        assert h, "connection closed inside the headers"
        if h in (b"\r\n", b"\n"):
            break
        name, _, value = h.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return status, headers, body


def exchange(b, data, **kw):
    """Send raw bytes over a new TLS connection; (status, headers, body)."""
    with tls(b, **kw) as s:
        s.sendall(data)
        return read_response(s)


def closed(s, within):
    """True when the peer closes s (EOF or reset) within 'within' seconds."""
    s.settimeout(within)
    try:
        while True:
            if not s.recv(4096):
                return True
    except (ConnectionError, ssl.SSLError, OSError) as e:
        return not isinstance(e, (socket.timeout, TimeoutError))


def curl(b, *args, path="/redfish/v1"):
    return run(["curl", "-k", "-sS", "--max-time", "10", *args,
                f"https://{HOST}:{b.redfish_port}{path}"], env=b.client_env())


# --------------------------------------------------------------------------
# Serving, TLS and the certificate


def test_curl_service_root(rf):
    r = ok(curl(rf, "-i"))
    head, _, body = r.out.replace("\r\n", "\n").partition("\n\n")
    assert head.startswith("HTTP/1.1 200"), r
    for h in ("OData-Version: 4.0", "Cache-Control: no-store", "X-Frame-Options: DENY",
              "X-Content-Type-Options: nosniff", "Strict-Transport-Security: max-age="):
        assert h.lower() in head.lower(), r
    assert re.search(r"(?im)^Content-Type: application/json", head), r
    assert f"Content-Length: {len(body.encode())}" in head, r
    assert '"@odata.id"' in body and "/redfish/v1" in body, r


def test_not_found_and_head(rf):
    # without credentials an unknown path is 401 (the tree is not mapped for
    # strangers), with them 404
    r = ok(curl(rf, "-o", "/dev/null", "-w", "%{http_code}", path="/redfish/v1/NoSuchThing"))
    assert r.out == "401", r
    r = ok(curl(rf, "-u", "admin:password", "-o", "/dev/null", "-w", "%{http_code}",
                path="/redfish/v1/NoSuchThing"))
    assert r.out == "404", r
    c = http.client.HTTPSConnection(HOST, rf.redfish_port, context=context(), timeout=5)
    c.request("GET", "/redfish/v1")
    get = c.getresponse()
    body = get.read()
    c.request("HEAD", "/redfish/v1")
    head = c.getresponse()
    assert head.status == 200 and head.read() == b""
    assert int(head.getheader("Content-Length")) == len(body) > 0
    c.close()


@pytest.mark.parametrize("flag,version", [("--tlsv1.2", "TLSv1.2"), ("--tlsv1.3", "TLSv1.3")])
def test_tls_12_and_13(rf, flag, version):
    r = ok(curl(rf, flag, "--tls-max", flag[-3:], "-o", "/dev/null", "-w", "%{http_code}"))
    assert r.out == "200", r
    want = ssl.TLSVersion.TLSv1_2 if version == "TLSv1.2" else ssl.TLSVersion.TLSv1_3
    with tls(rf, min_v=want, max_v=want) as s:
        assert s.version() == version


def test_tls_11_refused(rf):
    # SECLEVEL=0 so that the client offers TLS 1.1: the refusal must be the
    # server's protocol_version alert, not the client's own policy.
    r = run(["openssl", "s_client", "-connect", f"{HOST}:{rf.redfish_port}", "-tls1_1",
             "-cipher", "DEFAULT@SECLEVEL=0"], input="", timeout=10)
    assert r.rc != 0 and "alert protocol version" in r.text, r
    assert "no peer certificate available" in r.out, r
    r = run(["openssl", "s_client", "-connect", f"{HOST}:{rf.redfish_port}", "-tls1_2"],
            input="", timeout=10)
    assert re.search(r"Protocol\s*:\s*TLSv1\.2", r.out), r


def fingerprint(b):
    with tls(b) as s:
        return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()


def test_certificate_made_once_and_kept(rf):
    key = rf.state_dir / "redfish-key.pem"
    cert = rf.state_dir / "redfish-cert.pem"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert b"BEGIN CERTIFICATE" in cert.read_bytes()
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    c = x509.load_pem_x509_certificate(cert.read_bytes())
    assert c.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "sim"
    assert isinstance(c.public_key(), ec.EllipticCurvePublicKey)
    assert c.public_key().curve.name == "secp256r1"
    san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert (c.not_valid_after - c.not_valid_before).days >= 3649
    before = fingerprint(rf)
    assert before == hashlib.sha256(c.public_bytes(
        __import__("cryptography.hazmat.primitives.serialization",
                   fromlist=["Encoding"]).Encoding.DER)).hexdigest()
    rf.restart()
    assert fingerprint(rf) == before
    assert "made a self-signed TLS certificate" not in rf.stderr()


def test_bad_certificate_file_named(bmc_factory, tmp_path):
    from conftest import Bmcd
    bad = tmp_path / "bad-cert.pem"
    bad.write_text("not a certificate\n")
    key = tmp_path / "key.pem"
    key.write_text("not a key either\n")
    board = rf_board()
    board["redfish"].update({"cert": str(bad), "key": str(key)})
    d = Bmcd(board=write_board(tmp_path, board, "badcert.json"), workdir=tmp_path)
    r = run(d.argv, timeout=15)
    assert r.rc not in (0, None), r
    assert f"cert {bad}" in r.err, r


# --------------------------------------------------------------------------
# HTTP/1.1: keep-alive, pipelining, Connection: close


def test_keep_alive_two_requests_one_connection(rf):
    c = http.client.HTTPSConnection(HOST, rf.redfish_port, context=context(), timeout=5)
    c.request("GET", "/redfish/v1")
    r1 = c.getresponse()
    assert r1.status == 200 and r1.read()
    sock = c.sock
    c.request("GET", "/redfish/v1")
    r2 = c.getresponse()
    assert r2.status == 200 and r2.read()
    assert c.sock is sock, "the second request needed a new connection"
    assert (r2.getheader("Connection") or "").lower() != "close"
    c.close()
    # and curl reuses its connection for two URLs
    r = ok(run(["curl", "-k", "-sS", "-v", "--max-time", "10",
                f"https://{HOST}:{rf.redfish_port}/redfish/v1",
                f"https://{HOST}:{rf.redfish_port}/redfish/v1"]))
    assert "Re-using existing connection" in r.err or "Reusing existing" in r.err, r


def test_pipelined_answered_in_order(rf):
    with tls(rf) as s:
        s.sendall(b"GET /redfish/v1/Nope HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Basic YWRtaW46cGFzc3dvcmQ=\r\n\r\n"
                  b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"HEAD /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(s)[0] == 404
        st, _, body = read_response(s)
        assert st == 200 and b"/redfish/v1" in body
        st, h, body = read_response(s)
        assert st == 200 and body == b"" and int(h["content-length"]) > 0


def test_many_pipelined(rf):
    # more than one dispatch's budget: the rest is served from the defer source
    n = 100
    with tls(rf) as s:
        s.sendall(b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n" * n)
        for _ in range(n):
            assert read_response(s)[0] == 200
        ok(rf.ipmitool("mc", "info"))


def test_connection_close_honored(rf):
    with tls(rf) as s:
        s.sendall(b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
        st, h, _ = read_response(s)
        assert st == 200 and h.get("connection", "").lower() == "close"
        assert closed(s, 3), "the connection stayed open after Connection: close"


# --------------------------------------------------------------------------
# Bounds and malformed requests


def test_long_url_414(rf):
    st, h, _ = exchange(rf, b"GET /redfish/v1/" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert st == 414 and h.get("connection") == "close"


def test_oversized_headers_431(rf):
    st, _, _ = exchange(rf, b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 +
                        b"\r\n\r\n")
    assert st == 431
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(100))
    st, _, _ = exchange(rf, b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert st == 431


def test_big_body_413(rf):
    # announced
    st, _, _ = exchange(rf, b"POST /redfish/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        b"application/json\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1))
    assert st == 413
    # chunked, found out while reading
    chunk = b"a" * 1000
    data = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(6)) + b"0\r\n\r\n"
    st, _, _ = exchange(rf, b"POST /redfish/v1 HTTP/1.1\r\nHost: x\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n" + data)
    assert st == 413
    # within the bound, the request reaches the service (405 or more, not 413)
    r = curl(rf, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
             "-H", "Content-Type: application/json", "--data", "{}" + " " * 100)
    assert r.ok and r.out not in ("413", "400"), r


def test_expect_100_continue(rf, tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"a": "' + "x" * 2000 + '"}')
    r = curl(rf, "-v", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
             "-H", "Content-Type: application/json", "-H", "Expect: 100-continue",
             "--expect100-timeout", "5", "--data-binary", f"@{body}")
    assert r.ok and "HTTP/1.1 100 Continue" in r.err, r
    assert r.out not in ("413", "400") and r.elapsed < 4, r
    # a body over the bound is refused before it is sent
    body.write_text("x" * (MAX_BODY + 1))
    r = curl(rf, "-v", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
             "-H", "Expect: 100-continue", "--expect100-timeout", "5", "--data-binary", f"@{body}")
    assert r.out == "413" and "100 Continue" not in r.err, r


@pytest.mark.parametrize("name,data", [
    ("CL and TE", b"POST /redfish/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("two CL", b"POST /redfish/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
               b"Content-Length: 2\r\n\r\n{}"),
    ("request line", b"GARBAGE\r\n\r\n"),
    ("no Host", b"GET /redfish/v1 HTTP/1.1\r\n\r\n"),
    ("two Host", b"GET /redfish/v1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    ("CR in value", b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"),
    ("NUL in value", b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"),
    ("%00 in path", b"GET /redfish/v1%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("bad escape", b"GET /redfish/%zzv1 HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("short escape", b"GET /redfish/v1% HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("absolute form", b"GET https://x/redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("two Authorization", b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\n"
                          b"Authorization: b\r\n\r\n"),
])
def test_malformed_400(rf, name, data):
    st, h, body = exchange(rf, data)
    assert st == 400, name
    assert h.get("connection") == "close"
    assert b"error" in body


def test_http_version(rf):
    # HTTP/1.0 without keep-alive is answered and closed; 0.9 and 2.0 are not HTTP/1
    with tls(rf) as s:
        s.sendall(b"GET /redfish/v1 HTTP/1.0\r\n\r\n")
        st, h, _ = read_response(s)
        assert st == 200 and h.get("connection") == "close"
        assert closed(s, 3)
    assert exchange(rf, b"GET /redfish/v1\r\n\r\n")[0] in (400, 505)
    assert exchange(rf, b"GET /redfish/v1 HTTP/2.0\r\nHost: x\r\n\r\n")[0] in (400, 505)


def test_percent_decoded_path_and_query(rf):
    # "%2F" decodes to "/", "v%31" to "v1"; the query stays apart
    st, _, body = exchange(rf, b"GET /redfish%2Fv%31?$select=Id HTTP/1.1\r\nHost: x\r\n\r\n")
    assert st == 200 and b"/redfish/v1" in body


# --------------------------------------------------------------------------
# Connections and timeouts


def test_connections_per_source_refused(rf):
    held = [tls(rf) for _ in range(PER_SOURCE)]
    try:
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            s = tls(rf)
            # a refused connection may get through connect() and then fail
            s.sendall(b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
            read_response(s)
        assert "refused 1 connection" in wait_log(rf, "refused", 3)
    finally:
        for s in held:
            s.close()
    # the slots come back once those are closed
    deadline = time.monotonic() + 5
    while True:
        try:
            assert exchange(rf, b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 200
            break
        except (ssl.SSLError, ConnectionError, OSError):
            assert time.monotonic() < deadline, "no connection admitted after the others closed"
            time.sleep(0.2)


def test_connections_total_refused(rf):
    held = [tls(rf, source="127.0.0.1") for _ in range(PER_SOURCE)]
    held += [tls(rf, source="127.0.0.2") for _ in range(TOTAL - PER_SOURCE)]
    try:
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            s = tls(rf, source="127.0.0.3")
            s.sendall(b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
            read_response(s)
        # the held ones still work
        held[-1].sendall(b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(held[-1])[0] == 200
    finally:
        for s in held:
            s.close()


def wait_log(b, word, within):
    deadline = time.monotonic() + within
    while word not in b.stderr() and time.monotonic() < deadline:
        time.sleep(0.1)
    return b.stderr()


def test_slowloris_closed_and_ipmi_answers(rf):
    # Requests that never end, one byte at a time, on every slot of this
    # source; a handshake that never starts; an idle kept-alive connection.
    slow = [tls(rf) for _ in range(PER_SOURCE - 1)]
    bare = socket.create_connection((HOST, rf.redfish_port), timeout=5)
    t0 = time.monotonic()
    for s in slow:
        s.sendall(b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    # IPMI keeps answering meanwhile
    r = ok(rf.ipmitool("mc", "info"))
    assert "Device ID" in r.out
    for _ in range(3):
        for s in slow:
            try:
                s.sendall(b"a")
            except OSError:
                pass
        time.sleep(0.3)
    for s in slow:
        assert closed(s, REQUEST_TIMEOUT + 3), "a slow request outlived request_timeout"
    assert closed(bare, 2), "a connection without a handshake outlived request_timeout"
    elapsed = time.monotonic() - t0
    assert REQUEST_TIMEOUT - 0.5 <= elapsed <= REQUEST_TIMEOUT + 3, elapsed
    for s in slow:
        s.close()
    bare.close()
    # and Redfish serves again
    assert exchange(rf, b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 200


def test_idle_keep_alive_closed(rf):
    with tls(rf) as s:
        s.sendall(b"GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(s)[0] == 200
        t0 = time.monotonic()
        assert closed(s, IDLE_TIMEOUT + 3)
        assert time.monotonic() - t0 >= IDLE_TIMEOUT - 1.5


def test_board_section_checked(tmp_path):
    from conftest import BMCD
    board = load_board()
    board["redfish"] = {"enabled": "yes", "listen": ["127.0.0.1:8443", "nope"],
                        "cert": "relative.pem", "max_connections": 0, "idle_timeout": 2,
                        "max_connections_per_source": 8, "colour": "blue"}
    r = run([BMCD, "--board", write_board(tmp_path, board, "bad.json"), "--check-config"])
    assert r.rc == 1, r
    for want in ("redfish.enabled: expected boolean", 'redfish.listen[1]: "nope" is not ADDR:PORT',
                 "redfish.cert: not an absolute path", "redfish.max_connections: ",
                 "redfish.colour"):
        assert want in r.out, (want, r)
    board["redfish"] = {"cert": "/etc/c.pem", "max_connections": 4,
                        "max_connections_per_source": 5}
    r = run([BMCD, "--board", write_board(tmp_path, board, "bad2.json"), "--check-config"])
    assert r.rc == 1 and "redfish.key: missing (cert and key go together)" in r.out, r
    assert "redfish.max_connections_per_source: more than max_connections (4)" in r.out, r
    board["redfish"] = {"max_connections": 4}	# the per-source default follows it down
    r = run([BMCD, "--board", write_board(tmp_path, board, "ok.json"), "--check-config"])
    assert r.rc == 0, r
    r = run([BMCD, "--board", write_board(tmp_path, rf_board(), "good.json"), "--check-config"])
    assert r.rc == 0, r


def test_redfish_listen_option(tmp_path):
    from conftest import BMCD, free_udp_port
    r = run([BMCD, "--board", write_board(tmp_path, rf_board(), "b.json"), "--state",
             tmp_path / "s", "--listen", f"{HOST}:{free_udp_port()}", "--redfish-listen", "nope"],
            timeout=15)
    assert r.rc not in (0, None) and "--redfish-listen nope: not ADDR:PORT" in r.err, r
    r = run([BMCD, "--redfish-listen", f"{HOST}:1", "--instance", f"{tmp_path}/b.json:{tmp_path}/t"])
    assert r.rc == 2 and "belong to --board FILE" in r.err, r


def test_disabled_on_the_board(tmp_path):
    from conftest import Bmcd, free_tcp_port

    class WithoutOption(Bmcd):
        @property
        def argv(self):
            a = super().argv
            i = a.index("--redfish-listen")
            return a[:i] + a[i + 2:]

    board = rf_board()
    port = free_tcp_port()
    board["redfish"].update({"enabled": False, "listen": [f"{HOST}:{port}"]})
    d = WithoutOption(board=write_board(tmp_path, board, "off.json"), workdir=tmp_path).start()
    try:
        ok(d.ipmitool("mc", "info"))
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((HOST, port), timeout=2).close()
        assert "redfish: listening" not in d.stderr()
    finally:
        d.stop_and_check()
