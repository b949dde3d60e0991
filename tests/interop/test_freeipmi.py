"""FreeIPMI tools against bmcd, with no workarounds (-W none)."""

import re
import time

import pytest

from conftest import POWER_DEADLINE, assert_fields, expected_identity, field

MODES = [
    ("LAN_2_0-I3", dict(driver="LAN_2_0", cipher=3)),
    ("LAN_2_0-I17", dict(driver="LAN_2_0", cipher=17)),
    ("LAN-MD5", dict(driver="LAN", cipher=None)),
]


@pytest.fixture(params=[m[1] for m in MODES], ids=[m[0] for m in MODES])
def mode(request):
    return request.param


def test_bmc_info(bmc, sim_board, mode):
    r = bmc.freeipmi("bmc-info", **mode)
    assert r.ok, r
    exp = expected_identity(sim_board)
    mfg = field(r.out, "Manufacturer ID") or ""
    assert re.search(r"\b%d\b" % exp.get("manufacturer_id", 32473), mfg), r
    assert field(r.out, "Firmware Revision") == exp.get("fw_text", "0.01"), r
    assert field(r.out, "IPMI Version") == "2.0", r
    if "device_id" in exp:
        assert field(r.out, "Device ID") == str(exp["device_id"]), r


def test_ipmi_chassis_get_status(bmc, mode):
    r = bmc.freeipmi("ipmi-chassis", "--get-status", **mode)
    assert_fields(r, {"System Power": "off", "Power overload": "false", "Power fault": "false"})


def test_ipmi_raw_get_device_id(bmc, sim_board, mode):
    r = bmc.freeipmi("ipmi-raw", "0", "6", "1", **mode)
    assert r.ok, r
    m = re.search(r"rcvd:\s*((?:[0-9A-Fa-f]{2}\s*)+)", r.out)
    assert m, r
    data = [int(b, 16) for b in m.group(1).split()]
    assert data[0] == 0x01 and data[1] == 0x00, f"cmd/cc: {data[:2]}\n{r}"
    body = data[2:]
    assert len(body) >= 11, r
    mfg = body[6] | body[7] << 8 | (body[8] & 0x0f) << 16
    assert mfg == expected_identity(sim_board).get("manufacturer_id", 32473), r


def _ipmipower_state(d, mode):
    r = d.freeipmi("ipmipower", "--stat", **mode)
    m = re.search(r":\s*(on|off)\s*$", r.out, re.M)
    return (m.group(1) if m else None), r


def _wait_ipmipower(d, mode, want):
    t_end = time.monotonic() + POWER_DEADLINE
    seen = []
    while True:
        s, r = _ipmipower_state(d, mode)
        seen.append(s)
        if s == want:
            return r
        if time.monotonic() > t_end:
            pytest.fail(f"ipmipower --stat never said {want}; saw {seen}\n{r}", pytrace=False)
        time.sleep(0.2)


def test_ipmipower_stat_on_off(fresh_bmc, mode):
    d = fresh_bmc
    s, r = _ipmipower_state(d, mode)
    assert r.ok, r
    assert s == "off", r
    r = d.freeipmi("ipmipower", "--on", **mode)
    assert r.ok, r
    assert re.search(r":\s*ok\s*$", r.out, re.M), r
    _wait_ipmipower(d, mode, "on")
    # cross-check with another client
    d.wait_power("on", deadline=1)
    r = d.freeipmi("ipmipower", "--off", **mode)
    assert r.ok, r
    assert re.search(r":\s*ok\s*$", r.out, re.M), r
    _wait_ipmipower(d, mode, "off")


def test_ipmipower_cycle_and_reset(fresh_bmc, mode):
    d = fresh_bmc
    assert d.freeipmi("ipmipower", "--on", **mode).ok
    _wait_ipmipower(d, mode, "on")
    r = d.freeipmi("ipmipower", "--cycle", **mode)
    assert r.ok and re.search(r":\s*ok\s*$", r.out, re.M), r
    # The sim host goes off, then comes back after the cycle interval.
    d.wait_power("off")
    d.wait_power("on")
    r = d.ipmitool("chassis", "restart_cause")
    assert r.ok and "chassis power control command" in r.out, r
    # A reset pulse: the host stays on and the sim host counts a reset.
    time.sleep(0.5)     # the cycle's power-on press is long over
    r = d.freeipmi("ipmipower", "--reset", **mode)
    assert r.ok and re.search(r":\s*ok\s*$", r.out, re.M), r
    deadline = time.monotonic() + 5
    while "sim host: reset (1)" not in d.stderr() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "sim host: reset (1)" in d.stderr()
    assert d.power_status()[0] == "on"


def test_ipmi_chassis_sees_power_change(fresh_bmc, mode):
    d = fresh_bmc
    r = d.freeipmi("ipmi-chassis", "--chassis-control=POWER-UP", **mode)
    assert r.ok, r
    t_end = time.monotonic() + POWER_DEADLINE
    while True:
        r = d.freeipmi("ipmi-chassis", "--get-status", **mode)
        assert r.ok, r
        if field(r.out, "System Power") == "on":
            break
        assert time.monotonic() < t_end, f"never on\n{r}"
        time.sleep(0.2)
