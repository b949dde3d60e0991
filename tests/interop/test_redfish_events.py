"""Redfish EventService (issue 18, docs/redfish.md "EventService"): the
Server-Sent Event stream read with curl -N, push subscriptions delivered to
Python http.server receivers (plain and TLS) started here, SubmitTestEvent,
the checks on a subscription, and a receiver that is down: retried, given
up, logged once, IPMI unaffected.
"""

import http.server
import json
import queue
import ssl
import subprocess
import threading
import time

import pytest

from conftest import HOST, free_tcp_port, load_board, make_user, run, write_board
from rfclient import ADMIN, Redfish

requests = pytest.importorskip("requests")
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

ES = "/redfish/v1/EventService"
SUBS = ES + "/Subscriptions"
SSE = ES + "/SSE"
TEST_EVENT = ES + "/Actions/EventService.SubmitTestEvent"
IDLE_TIMEOUT = 2


def wait_for(pred, what, deadline=10.0):
    t_end = time.monotonic() + deadline
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= t_end:
            pytest.fail(f"{what} did not happen within {deadline}s", pytrace=False)
        time.sleep(0.1)


@pytest.fixture
def rf(bmc_factory, tmp_path, monkeypatch):
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    board = load_board()
    board["redfish"]["idle_timeout"] = IDLE_TIMEOUT
    b = bmc_factory(board=write_board(tmp_path, board, "events.json"))
    r = Redfish(b)

    def answers():
        try:
            return r.req("GET", "/redfish/v1", auth=None).status_code == 200
        except requests.RequestException:
            return False
    wait_for(answers, "the Redfish service answering", 5)
    return r


class Receiver:
    """An HTTP(S) server on loopback that records the JSON bodies POSTed to it."""

    def __init__(self, tls_dir=None, fail_first=0):
        self.bodies = queue.Queue()
        self.paths = []
        self.attempts = 0
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(n)
                rec.attempts += 1
                if rec.attempts <= fail_first:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                rec.paths.append(self.path)
                rec.bodies.put((self.headers.get("Content-Type"), json.loads(data)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.scheme = "http"
        if tls_dir is not None:
            cert, key = tls_dir / "cert.pem", tls_dir / "key.pem"
            r = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=receiver",
                     "-keyout", str(key), "-out", str(cert)])
            assert r.ok, r
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(cert), str(key))
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/events"):
        return f"{self.scheme}://{HOST}:{self.port}{path}"

    def next(self, timeout=10.0):
        try:
            return self.bodies.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no event POSTed to the receiver within {timeout}s", pytrace=False)

    def wait_message(self, message_id, timeout=10.0):
        t_end = time.monotonic() + timeout
        while True:
            _, body = self.next(max(0.1, t_end - time.monotonic()))
            if any(e["MessageId"].endswith(message_id) for e in body["Events"]):
                return body

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


class Stream:
    """curl -N on the SSE URI; its lines arrive in a queue."""

    def __init__(self, rf, user=ADMIN):
        self.proc = subprocess.Popen(
            ["curl", "-sS", "-N", "-k", "-u", f"{user[0]}:{user[1]}", "-D", "-",
             rf.base + SSE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\r\n"))
        self.lines.put(None)

    def line(self, timeout):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return ""

    def wait_line(self, pred, what, timeout=10.0):
        t_end = time.monotonic() + timeout
        seen = []
        while time.monotonic() < t_end:
            line = self.line(0.2)
            if line is None:
                pytest.fail(f"the stream ended before {what}; seen {seen}", pytrace=False)
            if line:
                seen.append(line)
                if pred(line):
                    return line
        pytest.fail(f"{what} not on the stream within {timeout}s; seen {seen}", pytrace=False)

    def event(self, message_id, timeout=10.0):
        """The next event naming message_id; its id: line came just before."""
        last = []

        def pred(line):
            if line.startswith("data: ") and message_id in line:
                return True
            last[:] = [line]
            return False
        line = self.wait_line(pred, f"an event {message_id}", timeout)
        ev = json.loads(line[len("data: "):])
        assert last == [f"id: {ev['Id']}"], (last, ev)
        return ev

    def close(self):
        self.proc.kill()
        self.proc.wait()


def test_event_service_resource(rf):
    root = rf.get("/redfish/v1")
    assert root["EventService"] == {"@odata.id": ES}
    es = rf.get(ES)
    assert es["@odata.type"].startswith("#EventService.")
    assert es["ServiceEnabled"] is True
    assert es["ServerSentEventUri"] == SSE
    assert es["EventFormatTypes"] == ["Event"]
    assert "ResourceEvent" in es["RegistryPrefixes"]
    assert {"LogEntry", "ComputerSystem"} <= set(es["ResourceTypes"])
    assert es["Subscriptions"] == {"@odata.id": SUBS}
    assert es["Actions"]["#EventService.SubmitTestEvent"]["target"] == TEST_EVENT
    assert isinstance(es["DeliveryRetryAttempts"], int)
    assert rf.get(SUBS)["Members"] == []
    # Unauthenticated: nothing.
    assert rf.req("GET", ES, auth=None).status_code == 401
    assert rf.req("GET", SSE, auth=None).status_code == 401
    r = rf.req("PATCH", ES, json={"DeliveryRetryAttempts": 99})
    assert r.status_code == 400, r.text
    r = rf.req("PATCH", ES, json={"Bogus": 1})
    assert r.status_code == 400, r.text
    r = rf.req("PATCH", ES, json={"DeliveryRetryIntervalSeconds": 5})
    assert r.status_code == 200, r.text
    assert rf.get(ES)["DeliveryRetryIntervalSeconds"] == 5


def test_sse_sel_and_power(rf):
    s = Stream(rf)
    try:
        s.wait_line(lambda l: l.lower().startswith("content-type: text/event-stream"),
                    "the text/event-stream head")
        s.wait_line(lambda l: l.startswith(":"), "the stream's first comment")
        # Longer than the idle timeout: a stream is not an idle connection.
        time.sleep(IDLE_TIMEOUT + 2)
        assert rf.b.ipmitool("event", "1").ok       # a SEL record
        ev = s.event("ResourceEvent.1.3.0.ResourceCreated")
        rec = ev["Events"][0]
        origin = rec["OriginOfCondition"]["@odata.id"]
        assert "/LogServices/SEL/Entries/" in origin, rec
        assert rec["Severity"] == "OK" and rec["EventId"] and rec["EventTimestamp"]
        rf.get(origin)                              # the entry it names exists
        assert rf.b.ipmitool("chassis", "power", "on").ok
        ev = s.event("ResourcePoweredOn")
        assert ev["Events"][0]["OriginOfCondition"]["@odata.id"] == "/redfish/v1/Systems/system"
        # Other requests go on while the stream is open.
        assert rf.get("/redfish/v1/Systems/system")["PowerState"] in ("On", "PoweringOn")
        r = rf.post(TEST_EVENT, {"Message": "hello", "MessageId": "ResourceEvent.1.3.0.ResourceChanged"})
        assert r.status_code == 204, r.text
        assert s.event("ResourceChanged")["Events"][0]["Message"] == "hello"
    finally:
        s.close()


def test_sse_streams_are_bounded_and_readonly_may_read(rf):
    make_user(rf.b, 5, "viewer", "viewerpass1", priv=2)
    streams = [Stream(rf, ("viewer", "viewerpass1"))]
    try:
        streams[0].wait_line(lambda l: l.startswith(":"), "the viewer's stream")
        for _ in range(3):
            streams.append(Stream(rf))
            streams[-1].wait_line(lambda l: l.startswith(":"), "a stream")
        r = rf.req("GET", SSE)
        assert r.status_code == 503, r.text
    finally:
        for s in streams:
            s.close()
    # Closed streams give their room back.
    s = Stream(rf)
    try:
        s.wait_line(lambda l: l.startswith(":"), "a stream after the others closed")
    finally:
        s.close()


def test_push_subscription(rf, receiver):
    r = rf.post(SUBS, {"Destination": receiver.url(), "Context": "ctx-1", "Protocol": "Redfish"})
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    assert loc.startswith(SUBS + "/")
    sub = rf.get(loc)
    assert sub["Destination"] == receiver.url() and sub["Context"] == "ctx-1"
    assert rf.get(SUBS)["Members"] == [{"@odata.id": loc}]

    r = rf.post(TEST_EVENT, {"MessageId": "ResourceEvent.1.3.0.ResourceChanged",
                             "Message": "test", "Severity": "Warning"})
    assert r.status_code == 204, r.text
    ctype, body = receiver.next()
    assert ctype.startswith("application/json")
    assert body["Context"] == "ctx-1"
    assert body["Events"][0]["Message"] == "test"
    assert body["Events"][0]["Severity"] == "Warning"
    assert receiver.paths[-1] == "/events"

    assert rf.b.ipmitool("event", "1").ok
    body = receiver.wait_message("ResourceCreated")
    assert "/LogServices/SEL/Entries/" in body["Events"][0]["OriginOfCondition"]["@odata.id"]

    r = rf.req("PATCH", loc, json={"Context": "ctx-2"})
    assert r.status_code == 200 and r.json()["Context"] == "ctx-2", r.text
    r = rf.req("PATCH", loc, json={"Destination": "http://127.0.0.1:1/"})
    assert r.status_code == 400, r.text

    assert rf.req("DELETE", loc).status_code == 204
    assert rf.req("GET", loc).status_code == 404
    assert rf.post(TEST_EVENT, {}).status_code == 204
    with pytest.raises(queue.Empty):
        receiver.bodies.get(timeout=1.5)


def test_push_filters(rf, receiver):
    r = rf.post(SUBS, {"Destination": receiver.url("/power"), "ResourceTypes": ["ComputerSystem"]})
    assert r.status_code == 201, r.text
    r = rf.post(SUBS, {"Destination": receiver.url("/base"), "RegistryPrefixes": ["Base"]})
    assert r.status_code == 201, r.text
    assert rf.b.ipmitool("event", "1").ok           # a LogEntry: neither wants it
    assert rf.b.ipmitool("chassis", "power", "on").ok
    bodies = [receiver.wait_message("ResourcePoweredOn")]
    time.sleep(1)
    while not receiver.bodies.empty():
        bodies.append(receiver.bodies.get()[1])
    assert all("ResourceCreated" not in json.dumps(b) for b in bodies), bodies
    assert set(receiver.paths) == {"/power"}, receiver.paths


@pytest.mark.parametrize("body", [
    {"Bogus": 1},
    {"Message": "x" * 1025},
    {"Severity": "Fatal"},
    {"MessageArgs": "one"},
    {"MessageArgs": [1]},
    {"OriginOfCondition": "not a uri"},
])
def test_bad_test_event(rf, body):
    r = rf.post(TEST_EVENT, body)
    assert r.status_code == 400, (body, r.status_code, r.text)


def test_push_https(rf, tmp_path):
    rcv = Receiver(tls_dir=tmp_path)
    try:
        r = rf.post(SUBS, {"Destination": rcv.url(), "Context": "tls"})
        assert r.status_code == 201, r.text
        assert rf.post(TEST_EVENT, {"Message": "over TLS"}).status_code == 204
        _, body = rcv.next()
        assert body["Context"] == "tls" and body["Events"][0]["Message"] == "over TLS"
    finally:
        rcv.close()


@pytest.mark.parametrize("body", [
    {"Destination": "ftp://127.0.0.1/x"},
    {"Destination": "http://user:secret@127.0.0.1/x"},
    {"Destination": "http://127.0.0.1:80x/"},
    {"Destination": "http://receiver.example/x"},        # names are not looked up
    {"Destination": "http://127.0.0.1:99999/"},
    {"Destination": "http://127.0.0.1/", "Bogus": 1},
    {"Destination": 5},
    {"Context": "no destination"},
    {"Destination": "http://127.0.0.1/", "Protocol": "SNMPv2c"},
    {"Destination": "http://127.0.0.1/", "RegistryPrefixes": ["NoSuchRegistry"]},
    {"Destination": "http://127.0.0.1/", "ResourceTypes": "LogEntry"},
])
def test_bad_subscription(rf, body):
    r = rf.post(SUBS, body)
    assert r.status_code == 400, (body, r.status_code, r.text)
    assert "@Message.ExtendedInfo" in r.json()["error"]
    assert rf.get(SUBS)["Members"] == []


def test_subscription_privileges_and_bound(rf):
    make_user(rf.b, 5, "viewer", "viewerpass1", priv=2)
    viewer = ("viewer", "viewerpass1")
    assert rf.req("GET", ES, auth=viewer).status_code == 200
    r = rf.post(SUBS, {"Destination": "http://127.0.0.1:9/"}, auth=viewer)
    assert r.status_code == 403, r.text
    assert rf.post(TEST_EVENT, {}, auth=viewer).status_code == 403
    locs = []
    for i in range(8):
        r = rf.post(SUBS, {"Destination": f"http://127.0.0.1:9/{i}"})
        assert r.status_code == 201, r.text
        locs.append(r.headers["Location"])
    r = rf.post(SUBS, {"Destination": "http://127.0.0.1:9/full"})
    assert r.status_code == 400, r.text
    assert "CreateLimitReachedForResource" in r.text
    assert rf.req("DELETE", locs[0], auth=viewer).status_code == 403
    assert rf.req("DELETE", locs[0]).status_code == 204
    assert rf.post(SUBS, {"Destination": "http://127.0.0.1:9/again"}).status_code == 201


def test_receiver_down(rf):
    r = rf.req("PATCH", ES, json={"DeliveryRetryAttempts": 2, "DeliveryRetryIntervalSeconds": 1})
    assert r.status_code == 200, r.text
    dead = free_tcp_port()                          # nothing listens there
    r = rf.post(SUBS, {"Destination": f"http://{HOST}:{dead}/x"})
    assert r.status_code == 201, r.text
    loc = r.headers["Location"]
    t0 = time.monotonic()
    for _ in range(3):
        assert rf.post(TEST_EVENT, {}).status_code == 204
    # IPMI and Redfish answer while the deliveries fail.
    assert rf.b.ipmitool("mc", "info").ok
    assert time.monotonic() - t0 < 5
    wait_for(lambda: "delivery to" in rf.b.stderr(), "the failed delivery logged", 10)
    wait_for(lambda: rf.get(loc)["Oem"]["bmcd"]["EventsDropped"] >= 3, "all three events dropped", 20)
    assert rf.b.stderr().count("delivery to") == 1, rf.b.stderr_tail()
    assert rf.get(loc)["Status"]["Health"] == "Warning"
    assert rf.b.ipmitool("mc", "info").ok


def set_sim(b, name, value):
    """The sim board reads <state>/sim/<sensor name> at each poll."""
    d = b.state_dir / "sim"
    d.mkdir(exist_ok=True)
    tmp = d / (name + ".tmp")
    tmp.write_text(f"{value}\n")
    tmp.replace(d / name)


def test_sse_sensor_threshold(rf):
    s = Stream(rf)
    try:
        s.wait_line(lambda l: l.startswith(":"), "the stream's first comment")
        set_sim(rf.b, "CPU0 Temp", 99)              # over upper critical (95)
        rec = s.event("ResourceErrorThresholdExceeded", timeout=15)["Events"][0]
        assert rec["Severity"] == "Critical"
        assert rec["MessageArgs"] == ["Reading", "95"], rec
        sensor = rf.get(rec["OriginOfCondition"]["@odata.id"])
        assert sensor["@odata.type"].startswith("#Sensor.")
        assert sensor["Name"] == "CPU0 Temp" or "CPU0" in sensor["Id"], sensor
    finally:
        s.close()


def test_sse_slow_reader_is_dropped(rf):
    """A stream nobody reads fills its bounded queue and is closed; the
    service and IPMI go on."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    import base64
    import socket
    raw = socket.create_connection((HOST, rf.b.redfish_port), timeout=5)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    conn = ctx.wrap_socket(raw)
    auth = base64.b64encode(b"admin:password").decode()
    conn.sendall(f"GET {SSE} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n\r\n"
                 .encode())
    assert conn.recv(12) == b"HTTP/1.1 200"
    big = "x" * 1000
    with requests.Session() as sess:
        for i in range(1000):
            r = sess.post(rf.base + TEST_EVENT, json={"Message": big}, auth=ADMIN, verify=False,
                          timeout=10)
            assert r.status_code == 204, r.text
            if "too slow" in rf.b.stderr():
                break
    wait_for(lambda: "too slow" in rf.b.stderr(), "the slow reader dropped", 10)
    conn.close()
    assert rf.b.ipmitool("mc", "info").ok
    s = Stream(rf)
    try:
        s.wait_line(lambda l: l.startswith(":"), "a new stream")
    finally:
        s.close()


def test_push_retried_until_accepted(rf):
    rcv = Receiver(fail_first=2)
    try:
        r = rf.req("PATCH", ES, json={"DeliveryRetryAttempts": 3, "DeliveryRetryIntervalSeconds": 1})
        assert r.status_code == 200, r.text
        r = rf.post(SUBS, {"Destination": rcv.url()})
        assert r.status_code == 201, r.text
        loc = r.headers["Location"]
        t0 = time.monotonic()
        assert rf.post(TEST_EVENT, {"Message": "third time"}).status_code == 204
        _, body = rcv.next(timeout=10)
        assert body["Events"][0]["Message"] == "third time"
        assert rcv.attempts == 3
        assert time.monotonic() - t0 >= 1.5            # two retry intervals of 1 s
        assert rf.get(loc)["Oem"]["bmcd"]["EventsDropped"] == 0
        assert "delivery to" not in rf.b.stderr()
    finally:
        rcv.close()
