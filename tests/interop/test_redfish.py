"""Redfish service (issue 18, docs/redfish.md "Authentication and accounts",
"Service root and errors"): routing, Basic and session authentication on the
IPMI user table, AccountService, Base registry errors, ETag/If-Match.
Clients: curl, Python's http.client, redfishtool, python3-sushy, ipmitool
(cross-protocol: one user table, one lockout).
"""

import base64
import http.client
import json
import os
import re
import ssl
import time

import pytest

from conftest import HOST, Bmcd, make_user, ok, run

ADMIN = ("admin", "password")
OPERATOR = ("operator", "operator")
READONLY = ("user", "user")
BASE = "Base.1.16.0."


@pytest.fixture(scope="module")
def rf(tmp_path_factory):
    d = Bmcd(workdir=tmp_path_factory.mktemp("redfish")).start()
    yield d
    d.stop_and_check()


def request(b, method, path, body=None, auth=ADMIN, token=None, headers=None, raw=None):
    """One request on a new TLS connection: (status, headers, parsed JSON or text)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = http.client.HTTPSConnection(HOST, b.redfish_port, context=ctx, timeout=10)
    h = dict(headers or {})
    if token:
        h["X-Auth-Token"] = token
    elif auth:
        h["Authorization"] = "Basic " + base64.b64encode(
            f"{auth[0]}:{auth[1]}".encode()).decode()
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    text = r.read().decode(errors="replace")
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    try:
        doc = json.loads(text) if text and "json" in hdrs.get("content-type", "") else text
    except ValueError:
        doc = text
    return r.status, hdrs, doc


def message_id(doc):
    return doc["error"]["@Message.ExtendedInfo"][0]["MessageId"]


def assert_error(res, status, mid):
    st, hdrs, doc = res
    assert st == status, res
    assert isinstance(doc, dict) and doc["error"]["code"] == BASE + mid, res
    info = doc["error"]["@Message.ExtendedInfo"][0]
    assert info["MessageId"] == BASE + mid and info["Message"] and info["Resolution"], res
    return hdrs, doc


# ---- service root and friends -------------------------------------------------


def test_service_root_without_credentials(rf):
    st, _, doc = request(rf, "GET", "/redfish", auth=None)
    assert st == 200 and doc == {"v1": "/redfish/v1/"}
    for path in ("/redfish/v1", "/redfish/v1/"):
        st, hdrs, doc = request(rf, "GET", path, auth=None)
        assert st == 200, doc
        assert doc["@odata.type"].startswith("#ServiceRoot.")
        assert doc["RedfishVersion"] == "1.17.0"
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                            doc["UUID"])
        for link in ("Systems", "Chassis", "Managers", "SessionService", "AccountService"):
            assert doc[link]["@odata.id"] == "/redfish/v1/" + link
        assert doc["Links"]["Sessions"]["@odata.id"] == "/redfish/v1/SessionService/Sessions"
        assert hdrs["etag"].startswith('W/"')
        assert hdrs["odata-version"] == "4.0"


def test_system_guid_is_the_uuid(rf):
    """ServiceRoot.UUID is the GUID ipmitool reads with Get System GUID."""
    r = ok(rf.ipmitool("mc", "guid"))
    m = re.search(r"System GUID\s*:\s*([0-9a-fA-F-]{36})", r.out)
    _, _, doc = request(rf, "GET", "/redfish/v1", auth=None)
    assert m, r
    assert doc["UUID"] == m.group(1).lower()


def test_metadata_and_odata(rf):
    st, hdrs, text = request(rf, "GET", "/redfish/v1/$metadata", auth=None)
    assert st == 200 and hdrs["content-type"].startswith("application/xml")
    assert text.startswith("<?xml") and "</edmx:Edmx>" in text
    for ns in ("ServiceRoot", "SessionService", "ManagerAccount", "Role", "ComputerSystem",
               "Chassis", "Manager", "LogEntry"):
        assert f'Namespace="{ns}"' in text, ns
    st, _, doc = request(rf, "GET", "/redfish/v1/odata", auth=None)
    assert st == 200 and doc["@odata.context"] == "/redfish/v1/$metadata"
    assert {"name": "Service", "kind": "Singleton", "url": "/redfish/v1/"} in doc["value"]


def test_curl_basic(rf):
    base = f"https://{HOST}:{rf.redfish_port}"
    r = ok(run(["curl", "-sk", "-u", "admin:password", base + "/redfish/v1/AccountService"]))
    assert json.loads(r.out)["MaxPasswordLength"] == 20
    r = run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
             base + "/redfish/v1/AccountService"])
    assert r.out == "401", r


# ---- authentication -----------------------------------------------------------


def test_401_without_or_with_bad_credentials(rf):
    for auth in (None, ("admin", "wrong"), ("nosuch", "x")):
        hdrs, _ = assert_error(request(rf, "GET", "/redfish/v1/AccountService", auth=auth),
                               401, "NoValidSession")
        assert hdrs["www-authenticate"] == 'Basic realm="bmcd"'
    assert_error(request(rf, "GET", "/redfish/v1/AccountService", auth=None,
                         headers={"Authorization": "Basic !!notbase64"}), 401, "NoValidSession")
    assert_error(request(rf, "GET", "/redfish/v1/AccountService", token="0" * 64),
                 401, "NoValidSession")
    # An unknown URI is 401 too before authentication: nothing is learned.
    assert_error(request(rf, "GET", "/redfish/v1/NoSuch", auth=None), 401, "NoValidSession")


def test_sessions(rf):
    st, hdrs, doc = request(rf, "POST", "/redfish/v1/SessionService/Sessions", auth=None,
                            body={"UserName": "admin", "Password": "password"})
    assert st == 201, doc
    token, loc = hdrs["x-auth-token"], hdrs["location"]
    assert len(token) >= 32 and loc.startswith("/redfish/v1/SessionService/Sessions/")
    assert doc["@odata.id"] == loc and doc["UserName"] == "admin"
    st, _, doc = request(rf, "GET", "/redfish/v1/SessionService/Sessions", token=token)
    assert st == 200 and {"@odata.id": loc} in doc["Members"]
    st, _, doc = request(rf, "GET", loc, token=token)
    assert st == 200 and doc["Id"] == loc.rsplit("/", 1)[1]
    # Another user sees its own session only, and may not end the admin's.
    st, hdrs2, _ = request(rf, "POST", "/redfish/v1/SessionService/Sessions", auth=None,
                           body={"UserName": "user", "Password": "user"})
    assert st == 201
    st, _, doc = request(rf, "GET", "/redfish/v1/SessionService/Sessions",
                         token=hdrs2["x-auth-token"])
    assert st == 200 and doc["Members"] == [{"@odata.id": hdrs2["location"]}]
    assert_error(request(rf, "DELETE", loc, token=hdrs2["x-auth-token"]), 403,
                 "InsufficientPrivilege")
    st, _, _ = request(rf, "DELETE", hdrs2["location"], token=hdrs2["x-auth-token"])
    assert st == 204
    st, _, _ = request(rf, "DELETE", loc, token=token)
    assert st == 204
    assert_error(request(rf, "GET", "/redfish/v1/SessionService", token=token), 401,
                 "NoValidSession")
    assert "Redfish session" in rf.stderr()


def test_session_bad_requests(rf):
    url = "/redfish/v1/SessionService/Sessions"
    assert_error(request(rf, "POST", url, auth=None, body={"UserName": "admin",
                                                          "Password": "nope"}),
                 401, "NoValidSession")
    assert_error(request(rf, "POST", url, auth=None, body={"UserName": "admin"}),
                 400, "PropertyMissing")
    assert_error(request(rf, "POST", url, auth=None, body={"UserName": 1, "Password": "x"}),
                 400, "PropertyValueTypeError")
    assert_error(request(rf, "POST", url, auth=None,
                         body={"UserName": "admin", "Password": "password", "Extra": True}),
                 400, "PropertyUnknown")
    assert_error(request(rf, "POST", url, auth=None, raw=b'{"UserName": "admin",'),
                 400, "MalformedJSON")
    assert_error(request(rf, "POST", url, auth=None, raw=b'["admin"]'), 400, "MalformedJSON")
    st, _, _ = request(rf, "POST", url, auth=None, raw=b"UserName=admin",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 415


def test_session_timeout_patch(rf):
    url = "/redfish/v1/SessionService"
    assert_error(request(rf, "PATCH", url, body={"SessionTimeout": 5}), 400,
                 "PropertyValueOutOfRange")
    assert_error(request(rf, "PATCH", url, body={"SessionTimeout": "600"}), 400,
                 "PropertyValueTypeError")
    assert_error(request(rf, "PATCH", url, body={"ServiceEnabled": False}), 400,
                 "PropertyNotWritable")
    assert_error(request(rf, "PATCH", url, auth=OPERATOR, body={"SessionTimeout": 600}), 403,
                 "InsufficientPrivilege")
    st, _, doc = request(rf, "PATCH", url, body={"SessionTimeout": 600})
    assert st == 200 and doc["SessionTimeout"] == 600
    st, _, doc = request(rf, "GET", url, auth=READONLY)
    assert doc["SessionTimeout"] == 600
    request(rf, "PATCH", url, body={"SessionTimeout": 1800})


def test_session_table_is_bounded(rf):
    url = "/redfish/v1/SessionService/Sessions"
    made, status = [], None
    for _ in range(70):
        st, hdrs, _ = request(rf, "POST", url, auth=None,
                              body={"UserName": "operator", "Password": "operator"})
        if st != 201:
            status = st
            break
        made.append((hdrs["x-auth-token"], hdrs["location"]))
    try:
        assert status == 503 and 1 <= len(made) <= 64, (status, len(made))
    finally:
        for token, loc in made:
            assert request(rf, "DELETE", loc, token=token)[0] == 204


def test_sushy_session_auth(rf, monkeypatch):
    sushy = pytest.importorskip("sushy")
    # requests lets these override verify=False
    for v in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(v, raising=False)
    import urllib3
    urllib3.disable_warnings()
    auth = sushy.auth.SessionAuth(username="admin", password="password")
    s = sushy.Sushy(f"https://{HOST}:{rf.redfish_port}/redfish/v1", verify=False, auth=auth)
    assert s.redfish_version == "1.17.0"
    ss = s.get_session_service()
    assert auth.get_session_key()
    sid = auth.get_session_resource_id()
    assert sid and sid.startswith("/redfish/v1/SessionService/Sessions/")
    assert sid in [m.path for m in ss.sessions.get_members()]
    assert ss.session_timeout == 1800
    auth.close()
    st, _, _ = request(rf, "GET", sid)
    assert st == 404


# ---- routing and errors ---------------------------------------------------------


def test_404_405_and_allow(rf):
    assert_error(request(rf, "GET", "/redfish/v1/NoSuch"), 404, "ResourceMissingAtURI")
    assert_error(request(rf, "GET", "/redfish/v1/AccountService/Accounts/99"), 404,
                 "ResourceMissingAtURI")
    hdrs, _ = assert_error(request(rf, "DELETE", "/redfish/v1/AccountService"), 405,
                           "OperationNotAllowed")
    assert hdrs["allow"] == "GET, HEAD, PATCH"
    hdrs, _ = assert_error(request(rf, "PUT", "/redfish/v1/AccountService/Roles"), 405,
                           "OperationNotAllowed")
    assert hdrs["allow"] == "GET, HEAD"
    st, hdrs, _ = request(rf, "OPTIONS", "/redfish/v1/SessionService/Sessions")
    assert st == 405 and hdrs["allow"] == "GET, HEAD, POST"


def test_query_parameters(rf):
    url = "/redfish/v1/AccountService/Accounts"
    st, _, doc = request(rf, "GET", url + "?$top=1")
    assert st == 200 and len(doc["Members"]) == 1 and doc["Members@odata.count"] >= 3
    assert "$skip=1" in doc["Members@odata.nextLink"]
    st, _, doc2 = request(rf, "GET", url + "?$skip=1&$top=1")
    assert st == 200 and doc2["Members"] != doc["Members"]
    st, _, doc = request(rf, "GET", "/redfish/v1/AccountService?$select=MaxPasswordLength")
    assert st == 200 and doc["MaxPasswordLength"] == 20 and "Accounts" not in doc
    assert doc["@odata.id"] == "/redfish/v1/AccountService"
    assert_error(request(rf, "GET", url + "?$expand=*"), 501, "QueryNotSupported")
    assert_error(request(rf, "GET", url + "?$filter=Id%20eq%20'2'"), 501, "QueryNotSupported")
    assert_error(request(rf, "GET", url + "?$top=-1"), 400, "QueryParameterValueTypeError")
    # Unknown parameters without '$' are ignored.
    assert request(rf, "GET", url + "?foo=bar")[0] == 200


def test_etag_if_match_if_none_match(rf):
    url = "/redfish/v1/AccountService/Accounts/4"
    st, hdrs, doc = request(rf, "GET", url)
    etag = hdrs["etag"]
    assert st == 200 and etag.startswith('W/"')
    st, _, _ = request(rf, "GET", url, headers={"If-None-Match": etag})
    assert st == 304
    assert_error(request(rf, "PATCH", url, body={"Enabled": False},
                         headers={"If-Match": 'W/"0000000000000000"'}), 412,
                 "PreconditionFailed")
    assert request(rf, "GET", url)[2]["Enabled"] is True
    st, _, doc = request(rf, "PATCH", url, body={"Enabled": True}, headers={"If-Match": etag})
    assert st == 200, doc


# ---- accounts --------------------------------------------------------------------


def ipmi_user_row(b, name):
    r = ok(b.ipmitool("user", "list", "1"))
    for line in r.out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[1] == name:
            return line
    return None


def test_account_service_and_roles(rf):
    st, _, doc = request(rf, "GET", "/redfish/v1/AccountService", auth=READONLY)
    assert st == 200
    assert doc["MaxPasswordLength"] == 20 and doc["AccountLockoutThreshold"] == 5
    assert doc["AccountLockoutDuration"] == 60
    st, _, doc = request(rf, "GET", "/redfish/v1/AccountService/Roles")
    ids = sorted(m["@odata.id"].rsplit("/", 1)[1] for m in doc["Members"])
    assert {"Administrator", "Operator", "ReadOnly"} <= set(ids)
    st, _, doc = request(rf, "GET", "/redfish/v1/AccountService/Roles/Operator")
    assert st == 200 and set(doc["AssignedPrivileges"]) == {
        "Login", "ConfigureSelf", "ConfigureComponents"}
    # ReadOnly lists only its own account.
    st, _, doc = request(rf, "GET", "/redfish/v1/AccountService/Accounts", auth=READONLY)
    assert st == 200 and doc["Members"] == [{"@odata.id": "/redfish/v1/AccountService/Accounts/4"}]


def test_ipmitool_user_logs_into_redfish(rf):
    make_user(rf, 9, "carol", "carolpw", priv=3)
    st, _, doc = request(rf, "GET", "/redfish/v1/AccountService/Accounts/9", auth=("carol", "carolpw"))
    assert st == 200 and doc["UserName"] == "carol" and doc["RoleId"] == "Operator"
    assert_error(request(rf, "PATCH", "/redfish/v1/AccountService", auth=("carol", "carolpw"),
                         body={"AccountLockoutThreshold": 4}), 403, "InsufficientPrivilege")
    ok(rf.ipmitool("user", "priv", 9, 2, 1))
    st, _, doc = request(rf, "GET", "/redfish/v1/AccountService/Accounts/9", auth=("carol", "carolpw"))
    assert st == 200 and doc["RoleId"] == "ReadOnly"
    ok(rf.ipmitool("user", "priv", 9, 4, 1))
    st, _, doc = request(rf, "GET", "/redfish/v1/AccountService/Accounts/9", auth=("carol", "carolpw"))
    assert doc["RoleId"] == "Administrator"
    ok(rf.ipmitool("user", "disable", 9))
    assert_error(request(rf, "GET", "/redfish/v1/AccountService", auth=("carol", "carolpw")),
                 401, "NoValidSession")
    ok(rf.ipmitool("user", "set", "name", 9, ""))


def test_redfish_account_in_ipmitool(rf):
    url = "/redfish/v1/AccountService/Accounts"
    st, hdrs, doc = request(rf, "POST", url, body={"UserName": "dave", "Password": "davepw12",
                                                   "RoleId": "Administrator"})
    assert st == 201, doc
    loc = hdrs["location"]
    uid = loc.rsplit("/", 1)[1]
    row = ipmi_user_row(rf, "dave")
    assert row and row.split()[0] == uid and "ADMINISTRATOR" in row, row
    ok(rf.ipmitool("user", "list", user="dave", password="davepw12"))
    st, _, doc = request(rf, "PATCH", loc, body={"RoleId": "ReadOnly", "Password": "davepw34"})
    assert st == 200 and doc["RoleId"] == "ReadOnly"
    assert "USER" in ipmi_user_row(rf, "dave")
    assert not rf.ipmitool("mc", "info", user="dave", password="davepw12", priv="USER").ok
    ok(rf.ipmitool("mc", "info", user="dave", password="davepw34", priv="USER"))
    # ReadOnly: its own password only (ConfigureSelf)
    assert request(rf, "PATCH", loc, auth=("dave", "davepw34"), body={"Password": "davepw56"})[0] == 200
    assert_error(request(rf, "PATCH", loc, auth=("dave", "davepw56"), body={"Enabled": False}),
                 403, "InsufficientPrivilege")
    assert_error(request(rf, "DELETE", loc, auth=("dave", "davepw56")), 403,
                 "InsufficientPrivilege")
    assert_error(request(rf, "POST", url, body={"UserName": "dave", "Password": "x",
                                                "RoleId": "ReadOnly"}), 409,
                 "ResourceAlreadyExists")
    assert request(rf, "DELETE", loc)[0] == 204
    assert ipmi_user_row(rf, "dave") is None
    assert request(rf, "GET", loc)[0] == 404


def test_redfishtool_accounts(rf):
    base = ["redfishtool", "-r", f"{HOST}:{rf.redfish_port}", "-S", "Always", "-u", "admin",
            "-p", "password"]
    r = ok(run(base + ["root"]))
    assert json.loads(r.out)["RedfishVersion"] == "1.17.0"
    r = ok(run(base + ["raw", "GET", "/redfish/v1/AccountService"]))
    assert json.loads(r.out)["Id"] == "AccountService"
    ok(run(base + ["AccountService", "adduser", "erin", "erinpw1", "Operator"]))
    assert "OPERATOR" in ipmi_user_row(rf, "erin")
    ok(run(base + ["AccountService", "deleteuser", "erin"]))
    assert ipmi_user_row(rf, "erin") is None


def test_account_bad_input_changes_nothing(rf):
    loc = "/redfish/v1/AccountService/Accounts/3"
    before = request(rf, "GET", loc)[2]
    cases = [
        ({"Enabled": "yes"}, "PropertyValueTypeError"),
        ({"RoleId": "Root"}, "PropertyValueNotInList"),
        ({"RoleId": 3}, "PropertyValueTypeError"),
        ({"Enabled": False, "Nickname": "op"}, "PropertyUnknown"),
        ({"Enabled": False, "Id": "7"}, "PropertyNotWritable"),
        ({"Enabled": False, "Password": "x" * 21}, "PropertyValueFormatError"),
        ({"Enabled": False, "UserName": ""}, "PropertyValueFormatError"),
        ({"Enabled": False, "Locked": True}, "PropertyValueNotInList"),
    ]
    for body, mid in cases:
        assert_error(request(rf, "PATCH", loc, body=body), 400, mid)
    assert request(rf, "GET", loc)[2] == before
    assert "OPERATOR" in ipmi_user_row(rf, "operator")
    assert_error(request(rf, "PATCH", loc, raw=b"{bad"), 400, "MalformedJSON")
    assert_error(request(rf, "PATCH", loc, auth=READONLY, body={"Enabled": False}), 403,
                 "InsufficientPrivilege")
    assert_error(request(rf, "POST", "/redfish/v1/AccountService/Accounts", auth=OPERATOR,
                         body={"UserName": "x", "Password": "y", "RoleId": "ReadOnly"}),
                 403, "InsufficientPrivilege")


def test_lockout_counts_redfish_and_ipmi(rf):
    url = "/redfish/v1/AccountService/Accounts"
    st, hdrs, _ = request(rf, "POST", url, body={"UserName": "frank", "Password": "frankpw1",
                                                 "RoleId": "Operator"})
    assert st == 201
    loc = hdrs["location"]
    threshold = request(rf, "GET", "/redfish/v1/AccountService")[2]["AccountLockoutThreshold"]
    # One count for both protocols: the first two bad passwords over IPMI,
    # the rest over Redfish.
    assert threshold > 2
    for _ in range(2):
        assert not rf.ipmitool("mc", "info", user="frank", password="wrong", priv="OPERATOR").ok
    # ipmitool gives up after RAKP 2 (it checks the BMC's HMAC first): the LAN
    # side counts the bad password when that half-open session is dropped.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not re.search(r'"frank" .* \(2 of', rf.stderr()):
        time.sleep(0.2)
    assert re.search(r'"frank" .* \(2 of', rf.stderr()), rf.stderr_tail()
    assert request(rf, "GET", loc)[2]["Locked"] is False
    for _ in range(threshold - 2):
        assert request(rf, "GET", "/redfish/v1/AccountService", auth=("frank", "wrong"))[0] == 401
    st, _, doc = request(rf, "GET", loc)
    assert doc["Locked"] is True
    # Locked for IPMI too, with the right password.
    assert not rf.ipmitool("mc", "info", user="frank", password="frankpw1", priv="OPERATOR").ok
    assert request(rf, "GET", "/redfish/v1/AccountService", auth=("frank", "frankpw1"))[0] == 401
    assert request(rf, "PATCH", loc, body={"Locked": False})[0] == 200
    ok(rf.ipmitool("mc", "info", user="frank", password="frankpw1", priv="OPERATOR"))
    assert request(rf, "GET", "/redfish/v1/AccountService", auth=("frank", "frankpw1"))[0] == 200
    assert "lockout" in rf.stderr().lower()
    assert request(rf, "DELETE", loc)[0] == 204


def test_account_service_lockout_policy_is_ipmis(rf):
    """AccountLockoutThreshold is LAN parameter 24h: ipmitool lan print shows it."""
    url = "/redfish/v1/AccountService"
    assert_error(request(rf, "PATCH", url, body={"AccountLockoutThreshold": 256}), 400,
                 "PropertyValueOutOfRange")
    assert_error(request(rf, "PATCH", url, body={"MaxPasswordLength": 16}), 400,
                 "PropertyNotWritable")
    assert_error(request(rf, "PATCH", url, auth=OPERATOR, body={"AccountLockoutThreshold": 7}),
                 403, "InsufficientPrivilege")
    st, hdrs, doc = request(rf, "PATCH", url, body={"AccountLockoutThreshold": 7,
                                                   "AccountLockoutDuration": 95})
    assert st == 200 and doc["AccountLockoutThreshold"] == 7
    assert doc["AccountLockoutDuration"] == 100		# tens of seconds, rounded up
    r = ok(rf.ipmitool("lan", "print", "1"))
    assert re.search(r"Bad Password Threshold\s*:\s*7\b", r.out), r
    st, _, doc = request(rf, "PATCH", url, body={"AccountLockoutThreshold": 5,
                                                 "AccountLockoutDuration": 60})
    assert st == 200 and doc["AccountLockoutThreshold"] == 5


def test_allow_on_get(rf):
    st, hdrs, _ = request(rf, "GET", "/redfish/v1/AccountService/Accounts/2")
    assert st == 200 and hdrs["allow"] == "GET, HEAD, PATCH, DELETE"
    st, hdrs, _ = request(rf, "GET", "/redfish/v1", auth=None)
    assert hdrs["allow"] == "GET, HEAD"


def test_logins_logged_without_passwords(rf):
    """Runs last on the module's daemon: every password the tests sent is
    absent from its log; logins are there with user and peer."""
    err = rf.stderr()
    assert re.search(r'login: user 2 "admin" from 127\.0\.0\.1:\d+ on channel 1 \(Redfish Basic\)',
                     err)
    assert re.search(r'login: user 2 "admin" from 127\.0\.0\.1:\d+ on channel 1 '
                     r'\(Redfish session\)', err)
    assert re.search(r'bad password for user \d+ "frank" from 127\.0\.0\.1', err)
    for secret in ("carolpw", "davepw12", "davepw34", "davepw56", "frankpw1", "erinpw1",
                   "nope", '"wrong"'):
        assert secret not in err, secret
