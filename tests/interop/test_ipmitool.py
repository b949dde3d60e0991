"""ipmitool against bmcd: IPMI 1.5 (-I lan, MD5) and RMCP+ (-I lanplus)."""

import re
import time

import pytest

from conftest import assert_fields, board_cipher_suites, expected_identity, field

# (id, ipmitool keyword arguments)
MODES = [
    ("lan-md5", dict(intf="lan", authtype="MD5")),
    ("lanplus-C3", dict(intf="lanplus", cipher=3)),
    ("lanplus-C17", dict(intf="lanplus", cipher=17)),
    ("lanplus-auto", dict(intf="lanplus")),
]
MODE_IDS = [m[0] for m in MODES]
MODE_KW = [m[1] for m in MODES]


def raw_bytes(text):
    return [int(b, 16) for b in re.findall(r"\b[0-9a-fA-F]{2}\b", text)]


@pytest.fixture(params=MODE_KW, ids=MODE_IDS)
def mode(request):
    return request.param


def test_mc_info(bmc, sim_board, mode):
    r = bmc.ipmitool("mc", "info", **mode)
    assert r.ok, r
    exp = expected_identity(sim_board)
    assert field(r.out, "IPMI Version") == "2.0", r
    assert field(r.out, "Manufacturer ID") == str(exp.get("manufacturer_id", 32473)), r
    assert field(r.out, "Firmware Revision") == exp.get("fw_text", "0.01"), r
    if "device_id" in exp:
        assert field(r.out, "Device ID") == str(exp["device_id"]), r
    if "product_id" in exp:
        assert (field(r.out, "Product ID") or "").startswith(str(exp["product_id"])), r


def test_raw_get_device_id_matches_mc_info(bmc, sim_board, mode):
    r = bmc.ipmitool("raw", "0x06", "0x01", **mode)
    assert r.ok, r
    data = raw_bytes(r.out)
    assert len(data) >= 11, r
    exp = expected_identity(sim_board)
    mfg = data[6] | data[7] << 8 | (data[8] & 0x0f) << 16
    assert mfg == exp.get("manufacturer_id", 32473), r
    assert data[4] == 0x02, f"IPMI version byte {data[4]:#x}, want 0x02\n{r}"
    if "device_id" in exp:
        assert data[0] == exp["device_id"], r
    if "fw_major" in exp:
        assert data[2] & 0x7f == exp["fw_major"], r
        assert data[3] == int(str(exp["fw_minor"]), 16), f"minor not BCD\n{r}"


def _guid(r):
    m = re.search(r"GUID\s*:\s*([0-9a-fA-F-]{32,36})", r.out)
    assert m, r
    return m.group(1).lower()


def test_mc_guid_stable(bmc, mode):
    a = bmc.ipmitool("mc", "guid", **mode)
    b = bmc.ipmitool("mc", "guid", **mode)
    assert a.ok, a
    assert b.ok, b
    ga, gb = _guid(a), _guid(b)
    assert ga == gb
    assert set(ga.replace("-", "")) != {"0"}, f"all-zero GUID\n{a}"


def test_mc_guid_persists_in_state_dir(bmc_factory, tmp_path):
    state = tmp_path / "state-a"
    d1 = bmc_factory(state_dir=state)
    r = d1.ipmitool("mc", "guid", cipher=17)
    assert r.ok, r
    g1 = _guid(r)
    d1.restart()
    r2 = d1.ipmitool("mc", "guid", cipher=17)
    assert r2.ok, r2
    assert _guid(r2) == g1, "GUID changed across a restart with the same state dir"
    d2 = bmc_factory(state_dir=tmp_path / "state-b")
    r3 = d2.ipmitool("mc", "guid", cipher=17)
    assert r3.ok, r3
    assert _guid(r3) != g1, "a new state dir must give a new GUID"


def test_mc_selftest(bmc, mode):
    r = bmc.ipmitool("mc", "selftest", **mode)
    assert r.ok, r
    assert re.search(r"Selftest:\s*passed", r.out), r


def test_chassis_status(bmc, mode):
    r = bmc.ipmitool("chassis", "status", **mode)
    # the shared daemon is never powered on (power tests use fresh daemons)
    assert_fields(r, {"System Power": "off", "Power Overload": "false", "Main Power Fault": "false"})


def test_chassis_power_status(bmc, mode):
    r = bmc.ipmitool("chassis", "power", "status", **mode)
    assert r.ok, r
    assert "Chassis Power is off" in r.out, r


def test_channel_info(bmc, mode):
    r = bmc.ipmitool("channel", "info", "1", **mode)
    assert r.ok, r
    assert field(r.out, "Channel Medium Type") == "802.3 LAN", r
    assert field(r.out, "Session Support") == "multi-session", r
    n = field(r.out, "Active Session Count")
    assert n is not None and int(n) >= 1, r


def test_channel_authcap(bmc, mode):
    r = bmc.ipmitool("channel", "authcap", "1", "4", **mode)
    assert r.ok, r
    types = (field(r.out, "IPMI v1.5  auth types") or field(r.out, "IPMI v1.5 auth types") or "").split()
    assert "MD5" in types, r
    for bad in ("NONE", "PASSWORD", "MD2"):
        assert bad not in types, f"{bad} offered\n{r}"
    assert field(r.out, "Anonymous login enabled") == "no", r
    null = field(r.out, "Null user names exist") or field(r.out, "Null user name exists")
    assert null == "no", r
    assert field(r.out, "Channel supports IPMI v2.0") == "yes", r
    assert field(r.out, "Channel supports IPMI v1.5") == "yes", r


def test_channel_getciphers(bmc, sim_board, mode):
    r = bmc.ipmitool("channel", "getciphers", "ipmi", "1", **mode)
    assert r.ok, r
    ids = sorted(int(m) for m in re.findall(r"^(\d+)\s+N/A", r.out, re.M))
    assert 0 not in ids, r
    assert ids == board_cipher_suites(sim_board) == [3, 17], r


def test_session_info_active(bmc, mode):
    r = bmc.ipmitool("session", "info", "active", **mode)
    assert r.ok, r
    assert field(r.out, "user id") == "2", r
    assert field(r.out, "privilege level") == "ADMINISTRATOR", r
    assert field(r.out, "console ip") == "127.0.0.1", r
    stype = field(r.out, "session type") or ""
    if mode.get("intf") == "lan":
        assert "1.5" in stype, r
    else:
        assert "RMCP+" in stype or "v2" in stype, r


def test_no_cipher_option_is_fast(bmc):
    """Without -C, ipmitool asks for the cipher suites before any session;
    a BMC that answers that sees no retry delay."""
    for _ in range(2):
        r = bmc.ipmitool("mc", "info", timeout=20)
        assert r.ok, r
        assert r.elapsed < 3.0, f"took {r.elapsed:.2f}s\n{r}"
        assert field(r.out, "IPMI Version") == "2.0", r


# ---------------------------------------------------------------- power


def _sample_until(d, want_sequence, deadline, **kw):
    """Poll power status fast; return the states seen (collapsed) once the
    sequence appears as a subsequence, else whatever was seen."""
    seen = []
    t_end = time.monotonic() + deadline
    while time.monotonic() < t_end:
        s, _ = d.power_status(**kw)
        if not seen or seen[-1] != s:
            seen.append(s)
        it = iter(seen)
        if all(w in it for w in want_sequence):
            break
        time.sleep(0.1)
    return seen


@pytest.mark.parametrize("mode", MODE_KW, ids=MODE_IDS)
def test_power_on_off(fresh_bmc, mode):
    d = fresh_bmc
    d.wait_power("off", deadline=1, **mode)
    r = d.ipmitool("chassis", "power", "on", **mode)
    assert r.ok, r
    assert "Up/On" in r.out, r
    d.wait_power("on", **mode)
    r = d.ipmitool("chassis", "status", **mode)
    assert field(r.out, "System Power") == "on", r
    r = d.ipmitool("chassis", "power", "off", **mode)
    assert r.ok, r
    assert "Down/Off" in r.out, r
    d.wait_power("off", **mode)


@pytest.mark.parametrize("mode", [MODE_KW[0], MODE_KW[2]], ids=[MODE_IDS[0], MODE_IDS[2]])
def test_power_cycle_reset_soft(fresh_bmc, mode):
    d = fresh_bmc
    r = d.ipmitool("chassis", "power", "on", **mode)
    assert r.ok, r
    d.wait_power("on", **mode)

    r = d.ipmitool("chassis", "power", "cycle", **mode)
    assert r.ok, r
    assert "Cycle" in r.out, r
    seen = _sample_until(d, ["off", "on"], 10, **mode)
    assert "off" in seen and seen[-1] == "on" and seen.index("off") < len(seen) - 1, \
        f"cycle: expected off then on, saw {seen}"

    r = d.ipmitool("chassis", "power", "reset", **mode)
    assert r.ok, r
    assert "Reset" in r.out, r
    time.sleep(0.5)
    d.wait_power("on", deadline=3, **mode)

    r = d.ipmitool("chassis", "power", "soft", **mode)
    assert r.ok, r
    assert "Soft" in r.out, r
    # soft off takes ~3 s: it must not be instant, and must finish
    state, _ = d.power_status(**mode)
    assert state == "on", "soft off was instantaneous (no ACPI shutdown time)"
    d.wait_power("off", **mode)


# ------------------------------------------------------------ privilege

LOW_PRIV = [
    ("lanplus-C17", dict(intf="lanplus", cipher=17)),
    ("lan-md5", dict(intf="lan", authtype="MD5")),
]


@pytest.mark.parametrize("mode", [m[1] for m in LOW_PRIV], ids=[m[0] for m in LOW_PRIV])
def test_user_level_cannot_power_on(fresh_bmc, mode):
    d = fresh_bmc
    r = d.ipmitool("chassis", "status", user="user", password="user", priv="USER", **mode)
    assert r.ok, r
    assert field(r.out, "System Power") == "off", r
    r = d.ipmitool("chassis", "power", "on", user="user", password="user", priv="USER", **mode)
    assert not r.ok, r
    assert "Insufficient privilege level" in r.text or "0xd4" in r.text.lower(), r
    time.sleep(2.0)
    state, sr = d.power_status()
    assert state == "off", f"USER's refused power on still powered the host on\n{sr}"


@pytest.mark.parametrize("mode", [m[1] for m in LOW_PRIV], ids=[m[0] for m in LOW_PRIV])
def test_operator_level_status_and_power(fresh_bmc, mode):
    """Chassis Control needs OPERATOR (IPMI 2.0 appendix G), so the operator
    may power on; what needs ADMINISTRATOR is refused (see test_refusals)."""
    d = fresh_bmc
    r = d.ipmitool("chassis", "status", user="operator", password="operator", priv="OPERATOR", **mode)
    assert r.ok, r
    r = d.ipmitool("session", "info", "active", user="operator", password="operator",
                   priv="OPERATOR", **mode)
    assert r.ok, r
    assert field(r.out, "privilege level") == "OPERATOR", r
    assert field(r.out, "user id") == "3", r
    r = d.ipmitool("chassis", "power", "on", user="operator", password="operator", priv="OPERATOR", **mode)
    assert r.ok, r
    d.wait_power("on")


@pytest.mark.parametrize("mode", [m[1] for m in LOW_PRIV], ids=[m[0] for m in LOW_PRIV])
def test_operator_cannot_raise_to_admin(fresh_bmc, mode):
    """Set Session Privilege Level to ADMINISTRATOR from an OPERATOR user's
    session: refused (completion code 81h), and the session stays usable."""
    d = fresh_bmc
    r = d.ipmitool("raw", "0x06", "0x3b", "0x04", user="operator", password="operator",
                   priv="OPERATOR", **mode)
    assert not r.ok, r
    assert "rsp=0x81" in r.text.lower() or "rsp=0xd4" in r.text.lower(), r
