"""Redfish conformance (issue 18, docs/redfish.md "Conformance"): the rules
DMTF's Redfish Service Validator and Protocol Validator check, checked here
with requests and raw TLS so that they hold without the validators.

A crawler follows every @odata.id from the service root and checks each
resource: 200 with @odata.id equal to its URL, an @odata.type whose
(versioned) namespace $metadata includes, Members@odata.count equal to the
Members listed, Allow on GET and HEAD, every method not in Allow answered
405, HEAD like GET without a body, Link rel=describedby naming the schema of
the @odata.type, ETag on single resources.  Then the rules the validators
found broken once: OData-Version other than 4.0 (412), a PATCH of only OData
annotations (400 NoOperation), a POST to a collection's Members (as to the
collection), an unknown method (501, garbage stays 400), ServiceRoot's
version matching the properties it shows (TopSkipQuery is 1.17.0).
"""

import re
import socket
import ssl
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from conftest import HOST, Bmcd

requests = pytest.importorskip("requests")

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

ADMIN = ("admin", "password")
ROOT = "/redfish/v1"
EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
CRAWL_MAX = 500


class Service:
    def __init__(self, b):
        self.b = b
        self.base = f"https://{HOST}:{b.redfish_port}"
        self.s = requests.Session()
        self.s.verify = False
        self.s.trust_env = False	# no CA bundle from the environment

    def req(self, method, path, auth=ADMIN, **kw):
        kw.setdefault("timeout", 10)
        return self.s.request(method, self.base + path, auth=auth, **kw)


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    b = Bmcd(workdir=tmp_path_factory.mktemp("rf-conf")).start()
    s = Service(b)
    for _ in range(50):
        try:
            if s.req("GET", ROOT, auth=None).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.1)
    # One SEL record, so that a LogEntry is crawled too.
    assert b.ipmitool("event", "1").ok
    yield s
    s.s.close()
    b.stop_and_check()


def odata_ids(obj, keys=("@odata.id", "@Redfish.ActionInfo")):
    """Every link (by default @odata.id and @Redfish.ActionInfo) inside obj,
    not obj's own @odata.id at the top."""
    out = []

    def walk(v, top):
        if isinstance(v, dict):
            for k, x in v.items():
                if k in keys and not (top and k == "@odata.id") and isinstance(x, str):
                    out.append(x)
                else:
                    walk(x, False)
        elif isinstance(v, list):
            for x in v:
                walk(x, False)

    walk(obj, True)
    return out


@pytest.fixture(scope="module")
def metadata(svc):
    r = svc.req("GET", ROOT + "/$metadata", auth=None)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/xml"
    doc = ET.fromstring(r.content)
    includes = {inc.get("Namespace") for ref in doc.iter(EDMX + "Reference")
                for inc in ref.iter(EDMX + "Include")}
    containers = list(doc.iter(EDM + "EntityContainer"))
    return includes, containers


@pytest.fixture(scope="module")
def crawl(svc):
    """{path: response} for every resource reachable from the root."""
    seen, todo = {}, [ROOT]
    while todo and len(seen) < CRAWL_MAX:
        path = todo.pop()
        if path in seen:
            continue
        r = svc.req("GET", path)
        seen[path] = r
        if r.status_code != 200 or "json" not in r.headers.get("Content-Type", ""):
            continue
        for link in odata_ids(r.json()):
            p = urlsplit(link).path
            if "#" in link or not p.startswith(ROOT) or p in seen:
                continue
            todo.append(p)
    assert len(seen) < CRAWL_MAX, "crawl did not end"
    return seen


def action_targets(crawl):
    out = set()
    for r in crawl.values():
        for action in r.json().get("Actions", {}).values():
            out.add(action["target"])
    return out


def test_crawl_reaches_the_resources(crawl):
    paths = set(crawl)
    for want in ("/redfish/v1/Systems/system/ResetActionInfo","/redfish/v1/Systems/system", "/redfish/v1/Chassis/chassis",
                 "/redfish/v1/Managers/bmc", "/redfish/v1/AccountService/Accounts",
                 "/redfish/v1/SessionService/Sessions",
                 "/redfish/v1/Managers/bmc/LogServices/SEL/Entries"):
        assert want in paths, sorted(paths)
    assert any(p.startswith("/redfish/v1/Managers/bmc/LogServices/SEL/Entries/")
               for p in paths), sorted(paths)


def test_every_resource_answers_with_its_own_id_and_a_known_type(crawl, metadata):
    includes, _ = metadata
    problems = []
    for path, r in sorted(crawl.items()):
        if r.status_code != 200:
            problems.append(f"{path}: {r.status_code}")
            continue
        d = r.json()
        if d.get("@odata.id", "").rstrip("/") != path.rstrip("/"):
            problems.append(f"{path}: @odata.id {d.get('@odata.id')!r}")
        t = d.get("@odata.type", "")
        m = re.fullmatch(r"#([A-Za-z]+)(?:\.(v\d+_\d+_\d+))?\.([A-Za-z]+)", t)
        if not m:
            problems.append(f"{path}: @odata.type {t!r}")
            continue
        ns = m.group(1) + ("." + m.group(2) if m.group(2) else "")
        if ns not in includes:
            problems.append(f"{path}: {ns} not included by $metadata")
        if not m.group(2) and m.group(1) != m.group(3):
            problems.append(f"{path}: unversioned type {t!r} names another")
        # Resources have Id and Name; collections Name only.
        for key in ("Name",) if "Members" in d else ("Id", "Name"):
            if not isinstance(d.get(key), str):
                problems.append(f"{path}: no {key}")
    assert not problems, "\n".join(problems)


def test_collections_count_their_members(crawl):
    n = 0
    for path, r in crawl.items():
        d = r.json()
        if "Members" not in d:
            continue
        n += 1
        assert isinstance(d["Members"], list), path
        assert isinstance(d.get("Members@odata.count"), int), path
        if "Members@odata.nextLink" not in d:
            assert d["Members@odata.count"] == len(d["Members"]), path
        for m in d["Members"]:
            # A link, or the member itself (the SEL's entries come expanded).
            assert m["@odata.id"].startswith(path + "/"), (path, m)
            if len(m) > 1:
                assert m == crawl[m["@odata.id"]].json(), (path, m["@odata.id"])
    assert n >= 8


def test_get_headers(crawl):
    for path, r in crawl.items():
        h = r.headers
        assert h.get("OData-Version") == "4.0", path
        assert h.get("Cache-Control"), path
        assert "GET" in allow_of(r) and "HEAD" in allow_of(r), (path, h.get("Allow"))
        link = r.links.get("describedby")
        assert link, (path, h.get("Link"))
        # The schema named is the @odata.type's, versioned where the type is.
        t = r.json()["@odata.type"].lstrip("#").rsplit(".", 1)[0]
        assert link["url"].endswith("/" + t + ".json"), (path, link)
        if "Members" not in r.json():
            assert re.fullmatch(r'(W/)?"[^"]+"', h.get("ETag", "")), (path, h.get("ETag"))


def allow_of(r):
    return {m.strip() for m in r.headers.get("Allow", "").split(",") if m.strip()}


def test_head_is_get_without_a_body(svc, crawl):
    for path, g in crawl.items():
        r = svc.req("HEAD", path)
        assert r.status_code == 200, path
        assert r.content == b"", path
        assert allow_of(r) == allow_of(g), path
        assert r.links.get("describedby") == g.links.get("describedby"), path


def test_methods_not_allowed_answer_405_with_allow(svc, crawl):
    checked = 0
    for path, g in crawl.items():
        allowed = allow_of(g)
        for m in WRITE_METHODS:
            if m in allowed:
                continue
            r = svc.req(m, path, json={} if m in ("POST", "PATCH", "PUT") else None)
            assert r.status_code == 405, (m, path, r.status_code, r.text)
            assert allow_of(r) == allowed, (m, path, r.headers.get("Allow"))
            assert r.json()["error"]["@Message.ExtendedInfo"], (m, path)
            checked += 1
    assert checked > 50


def test_methods_in_allow_are_answered(svc, crawl):
    """Each write method Allow lists reaches past the 405 check: with an
    If-Match that matches nothing it is refused 412, so nothing changes."""
    checked = 0
    for path, g in crawl.items():
        for m in sorted(allow_of(g) & set(WRITE_METHODS)):
            r = svc.req(m, path, headers={"If-Match": '"no-such-etag"'},
                        json={} if m != "DELETE" else None)
            assert r.status_code == 412, (m, path, r.status_code, r.text)
            checked += 1
    assert checked >= 5
    assert svc.req("GET", ROOT + "/AccountService/Accounts/2").status_code == 200


def test_action_targets_take_post_only(svc, crawl):
    targets = action_targets(crawl)
    assert {"/redfish/v1/Systems/system/Actions/ComputerSystem.Reset",
            "/redfish/v1/Managers/bmc/Actions/Manager.Reset",
            "/redfish/v1/Managers/bmc/LogServices/SEL/Actions/LogService.ClearLog"} <= targets
    for t in targets:
        for m in ("GET", "PATCH", "PUT", "DELETE"):
            r = svc.req(m, t, json={} if m in ("PATCH", "PUT") else None)
            assert r.status_code == 405, (m, t, r.status_code)
            assert allow_of(r) == {"POST"}, (m, t, r.headers.get("Allow"))


def test_metadata_includes_a_service_container(metadata):
    includes, containers = metadata
    assert len(containers) == 1
    ext = containers[0].get("Extends", "")
    assert ext.endswith(".ServiceContainer") and ext.rsplit(".", 1)[0] in includes


def test_service_root_version_shows_only_its_properties(svc):
    d = svc.req("GET", ROOT + "/").json()
    ver = tuple(int(x) for x in d["@odata.type"].split(".")[1][1:].split("_"))
    # TopSkipQuery came with ServiceRoot 1.17.0 (Redfish 2024.1).
    if "TopSkipQuery" in d["ProtocolFeaturesSupported"]:
        assert ver >= (1, 17, 0), d["@odata.type"]
    assert d["Links"]["Sessions"]["@odata.id"] == ROOT + "/SessionService/Sessions"


def test_standard_uris_without_credentials(svc):
    r = svc.req("GET", "/redfish", auth=None)
    assert r.status_code == 200 and r.json() == {"v1": "/redfish/v1/"}
    for p in (ROOT, ROOT + "/"):
        r = svc.req("GET", p, auth=None)
        assert r.status_code == 200 and r.json()["@odata.id"] == ROOT
    r = svc.req("GET", ROOT + "/odata", auth=None)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    d = r.json()
    assert d["@odata.context"] == ROOT + "/$metadata"
    assert {"url": "/redfish/v1/", "name": "Service", "kind": "Singleton"} in d["value"]
    # Anything else needs credentials.
    assert svc.req("GET", ROOT + "/Systems", auth=None).status_code == 401


def error_id(r):
    return r.json()["error"]["@Message.ExtendedInfo"][0]["MessageId"].rsplit(".", 1)[-1]


def test_odata_version_other_than_4_0_is_412(svc):
    assert svc.req("GET", ROOT + "/", headers={"OData-Version": "4.0"}).status_code == 200
    r = svc.req("GET", ROOT + "/", headers={"OData-Version": "4.1"})
    assert r.status_code == 412 and error_id(r) == "HeaderInvalid"
    r = svc.req("GET", ROOT + "/Systems", headers={"OData-Version": "3.0"})
    assert r.status_code == 412


def test_patch_of_only_annotations_is_no_operation(svc):
    path = ROOT + "/AccountService/Accounts/2"
    before = svc.req("GET", path).json()
    for body in ({"@odata.id": path + "/"}, {}, {"@odata.etag": "x", "@odata.type": "y"}):
        r = svc.req("PATCH", path, json=body)
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert error_id(r) == "NoOperation", (body, r.text)
    assert svc.req("GET", path).json() == before
    # A property beside an annotation is a change the resource judges.
    r = svc.req("PATCH", path, json={"@odata.id": path, "Enabled": True})
    assert r.status_code in (200, 204) or error_id(r) == "PropertyNotWritable", r.text


def test_post_to_members_is_post_to_the_collection(svc):
    r = svc.req("POST", ROOT + "/SessionService/Sessions/Members", auth=None,
                json={"UserName": ADMIN[0], "Password": ADMIN[1]})
    assert r.status_code == 201, r.text
    token, loc = r.headers["X-Auth-Token"], r.headers["Location"]
    assert urlsplit(loc).path.startswith(ROOT + "/SessionService/Sessions/")
    g = svc.req("GET", urlsplit(loc).path, auth=None, headers={"X-Auth-Token": token})
    assert g.status_code == 200
    assert svc.req("DELETE", urlsplit(loc).path, auth=None,
                   headers={"X-Auth-Token": token}).status_code in (200, 204)
    # Bad credentials through the alias are refused the same way.
    r = svc.req("POST", ROOT + "/SessionService/Sessions/Members", auth=None,
                json={"UserName": ADMIN[0], "Password": "wrong-one"})
    assert r.status_code == 401
    # Only collections that take POST have the alias.
    assert svc.req("POST", ROOT + "/Systems/Members", json={}).status_code in (404, 405)


def raw_status(svc, data):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((HOST, svc.b.redfish_port), timeout=5) as s:
        with ctx.wrap_socket(s) as t:
            t.sendall(data)
            head = b""
            while b"\r\n" not in head:
                chunk = t.recv(4096)
                if not chunk:
                    break
                head += chunk
    return int(head.split(b" ", 2)[1])


def test_unknown_method_is_501_and_garbage_400(svc):
    r = svc.req("FAKEMETHODFORTEST", ROOT + "/")
    assert r.status_code == 501
    assert raw_status(svc, b"BREW /redfish/v1/ HTTP/1.1\r\nHost: x\r\n\r\n") == 501
    assert raw_status(svc, b"GARBAGE\r\n\r\n") == 400
    assert raw_status(svc, b"G@T /redfish/v1/ HTTP/1.1\r\nHost: x\r\n\r\n") == 400
    # Still serving.
    assert svc.req("GET", ROOT + "/").status_code == 200
