"""DCMI 1.5 (group extension netfn 2Ch, body DCh) through real clients:
ipmitool `dcmi`, FreeIPMI `ipmi-dcmi` and Prometheus' ipmi_exporter with its
dcmi collector.  The sim board's system power is PSU1 + PSU2 Input Power
(boards/sim.json "dcmi"); tests move them through the sim override files.
With the sim host off they read 0 W and the host's temperatures sit at
their "off" values, so readings against the board's values use a daemon
whose host is on from the start (bmc_on)."""

import re
import time

import pytest

from conftest import HOST, Bmcd, assert_cc, load_board, ok, raw, raw_bytes, run, write_board
from test_prometheus import metric, run_exporter, scrape
from test_sensors import clear_sim, set_sim

DEADLINE = 10.0
PSU = ("PSU1 Input Power", "PSU2 Input Power")


def sensor(name):
    return next(s for s in load_board()["sensors"] if s["name"] == name)


def power_reading(b):
    """`ipmitool dcmi power reading` as a dict of ints."""
    r = ok(b.ipmitool("dcmi", "power", "reading"))
    keys = {"Instantaneous": "cur", "Minimum": "min", "Maximum": "max", "Average": "avg"}
    out = {}
    for line in r.out.splitlines():
        for k, v in keys.items():
            if line.strip().startswith(k):
                out[v] = int(re.search(r"(\d+)\s+Watts", line).group(1))
    m = re.search(r"Sampling period:\s*(\d+) Seconds", r.out)
    out["period_s"] = int(m.group(1))
    out["active"] = bool(re.search(r"state is:\s+activated", r.out))
    assert set(keys.values()) <= out.keys(), r
    return out


def wait_for(fn, what, deadline=DEADLINE):
    t_end = time.monotonic() + deadline
    last = None
    while time.monotonic() < t_end:
        last = fn()
        if last:
            return last
        time.sleep(0.3)
    pytest.fail(f"{what}: never happened; last {last!r}", pytrace=False)


def dcmi(b, *args, **kw):
    return b.freeipmi("ipmi-dcmi", *args, **kw)


def field(text, name):
    m = re.search(rf"^{re.escape(name)}\s*:\s*(.*)$", text, re.M)
    assert m, f"{name!r} missing\n{text}"
    return m.group(1).strip()


def board_host_on():
    board = load_board()
    board["host"]["initially_on"] = True
    return board


@pytest.fixture(scope="module")
def bmc_on(tmp_path_factory):
    """A daemon whose sim host is on from the start (read-only tests)."""
    d = tmp_path_factory.mktemp("bmc-on")
    b = Bmcd(board=write_board(d, board_host_on()), workdir=d).start()
    yield b
    b.stop_and_check()


# --------------------------------------------------------------------------
# ipmitool


def test_default_power_sensors_are_the_power_supplies(bmc_factory, tmp_path):
    board = board_host_on()
    del board["dcmi"]
    b = bmc_factory(board=write_board(tmp_path, board))
    r = wait_for(lambda: (lambda r: r if "Active" in r.out else None)(
        ok(dcmi(b, "--get-system-power-statistics"))), "power measurement active")
    want = sum(sensor(n)["source"]["value"] for n in PSU)
    assert abs(int(field(r.out, "Current Power").split()[0]) - want) <= 48, r


def test_ipmitool_discover(bmc):
    r = ok(bmc.ipmitool("dcmi", "discover"))
    assert "Power management available" in r.out, r
    assert "Primary LAN channel number: 1 is available" in r.out, r
    assert "Asset tag" in r.out, r
    for group in ("inlet", "cpu", "baseboard"):
        assert re.search(rf"^\s+{group}$", r.out, re.M), r


def test_ipmitool_power_reading(bmc_on):
    want = sum(sensor(n)["source"]["value"] for n in PSU)
    slack = sum(sensor(n)["source"]["swing"] for n in PSU) + 8
    p = wait_for(lambda: (lambda p: p if p["active"] else None)(power_reading(bmc_on)),
                 "power measurement active")
    assert abs(p["cur"] - want) <= slack, p
    assert p["min"] <= p["avg"] <= p["max"], p
    assert p["min"] <= p["cur"] <= p["max"], p
    assert 1 <= p["period_s"] <= 60, p


def psu_sdr_watts(b):
    """The PSU input power sensors in `ipmitool sdr list`, in watts."""
    r = ok(b.ipmitool("sdr", "list"))
    out = {}
    for line in r.out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[0] in PSU:
            m = re.match(r"(\d+) Watts", parts[1])
            out[parts[0]] = int(m.group(1)) if m else None
    assert out.keys() == set(PSU), r
    return out


def test_power_reading_is_zero_with_the_host_off(fresh_bmc):
    """The sim host off draws nothing: DCMI power reading and the PSU input
    power sensors say 0 W; with the host on, they draw again."""
    b = fresh_bmc
    assert b.power_status()[0] == "off"
    p = wait_for(lambda: (lambda p: p if p["active"] else None)(power_reading(b)),
                 "power measurement active")
    assert p["cur"] == 0 and p["max"] == 0, p
    assert psu_sdr_watts(b) == {n: 0 for n in PSU}
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    p = wait_for(lambda: (lambda p: p if p["cur"] > 100 else None)(power_reading(b)),
                 "instantaneous power above 100 W")
    w = wait_for(lambda: (lambda w: w if all(v > 50 for v in w.values()) else None)(
        psu_sdr_watts(b)), "both PSUs above 50 W")
    slack = sum(sensor(n)["source"]["swing"] for n in PSU) + 8
    assert abs(p["cur"] - sum(sensor(n)["source"]["value"] for n in PSU)) <= slack, p
    # and back to 0 W once it is off again
    assert b.ipmitool("chassis", "power", "off").ok
    b.wait_power("off")
    wait_for(lambda: power_reading(b)["cur"] == 0, "instantaneous power 0 W")
    wait_for(lambda: psu_sdr_watts(b) == {n: 0 for n in PSU}, "PSUs at 0 W")


def test_power_reading_follows_the_power_sensors(fresh_bmc):
    b = fresh_bmc
    set_sim(b, PSU[0], 500)
    set_sim(b, PSU[1], 300)
    p = wait_for(lambda: (lambda p: p if abs(p["cur"] - 800) <= 8 else None)(power_reading(b)),
                 "instantaneous power 800 W")
    assert p["max"] >= p["cur"], p
    # The window keeps the peak after the power drops again.
    set_sim(b, PSU[0], 100)
    set_sim(b, PSU[1], 100)
    p = wait_for(lambda: (lambda p: p if abs(p["cur"] - 200) <= 8 else None)(power_reading(b)),
                 "instantaneous power 200 W")
    assert p["max"] >= 792 and p["min"] <= 208 and p["min"] < p["avg"] < p["max"], p
    for n in PSU:
        clear_sim(b, n)


def test_ipmitool_get_temp_reading(bmc_on):
    r = ok(bmc_on.ipmitool("dcmi", "get_temp_reading"))
    rows = re.findall(r"^(Inlet|CPU|Baseboard)\S*.*?\t\t(\d+)\t\t([+-]\d+) C", r.out, re.M)
    got = {(g, int(i)): int(t) for g, i, t in rows}
    want = {("Inlet", 1): "Inlet Temp", ("CPU", 1): "CPU0 Temp", ("CPU", 2): "CPU1 Temp",
            ("Baseboard", 1): "PCH Temp", ("Baseboard", 2): "Exhaust Temp"}
    assert got.keys() == want.keys(), r
    for k, name in want.items():
        src = sensor(name)["source"]
        assert abs(got[k] - src["value"]) <= src["swing"] + 1, (k, got[k], r)


def test_ipmitool_sensors_name_the_sdr_records(bmc):
    r = ok(bmc.ipmitool("dcmi", "sensors"))
    assert "Inlet: 1 temperature sensor found" in r.out, r
    assert "CPU: 2 temperature sensors found" in r.out, r
    assert "Baseboard: 2 temperature sensors found" in r.out, r
    names = re.findall(r"Record ID 0x[0-9a-f]{4}: (.+?)\s*\|", r.out)
    assert names == ["Inlet Temp", "CPU0 Temp", "CPU1 Temp", "PCH Temp", "Exhaust Temp"], r


def test_ipmitool_asset_tag_and_mc_id(bmc):
    r = ok(bmc.ipmitool("dcmi", "asset_tag"))
    assert "Asset tag: ASSET-0042" in r.out, r
    r = ok(bmc.ipmitool("dcmi", "get_mc_id_string"))
    assert r.out.strip().endswith("String: bmcd-sim"), r


def test_ipmitool_set_strings_persist(fresh_bmc):
    b = fresh_bmc
    tag = "RACK7-U42-0123456789-ABCDEFGHIJ"          # two transfers
    mcid = "node-a17.example.net"
    ok(b.ipmitool("dcmi", "set_asset_tag", tag))
    ok(b.ipmitool("dcmi", "set_mc_id_string", mcid))
    assert f"Asset tag: {tag}" in ok(b.ipmitool("dcmi", "asset_tag")).out
    b.restart()
    assert f"Asset tag: {tag}" in ok(b.ipmitool("dcmi", "asset_tag")).out
    r = ok(b.ipmitool("dcmi", "get_mc_id_string"))
    assert r.out.strip().endswith(f"String: {mcid}"), r
    # A shorter value replaces the whole string (length = offset + count).
    ok(b.ipmitool("dcmi", "set_mc_id_string", "n1"))
    assert ok(b.ipmitool("dcmi", "get_mc_id_string")).out.strip().endswith("String: n1")
    assert ok(dcmi(b, "--get-management-controller-identifier-string")).out.strip() == "n1"


def test_ipmitool_power_limit(fresh_bmc):
    b = fresh_bmc
    r = ok(b.ipmitool("dcmi", "power", "get_limit"))
    assert "No Active Power Limit" in r.out, r
    ok(b.ipmitool("dcmi", "power", "set_limit", "limit", "350"))
    ok(b.ipmitool("dcmi", "power", "set_limit", "action", "sel_logging"))
    ok(b.ipmitool("dcmi", "power", "set_limit", "correction", "2000"))
    ok(b.ipmitool("dcmi", "power", "set_limit", "sample", "30"))
    r = ok(b.ipmitool("dcmi", "power", "activate"))
    assert "successfully activated" in r.out, r
    b.restart()
    r = ok(b.ipmitool("dcmi", "power", "get_limit"))
    assert "Power Limit Active" in r.out, r
    assert re.search(r"Exception actions:\s+Log Event to SEL", r.out), r
    assert re.search(r"Power Limit:\s+350 Watts", r.out), r
    assert re.search(r"Correction time:\s+2000 milliseconds", r.out), r
    assert re.search(r"Sampling period:\s+30 seconds", r.out), r
    ok(b.ipmitool("dcmi", "power", "deactivate"))
    assert "No Active Power Limit" in ok(b.ipmitool("dcmi", "power", "get_limit")).out


def test_power_limit_exceeded_powers_the_host_off(fresh_bmc):
    b = fresh_bmc
    ok(b.ipmitool("chassis", "power", "on"))
    b.wait_power("on")
    for n in PSU:
        set_sim(b, n, 100)
    ok(raw(b, 0x2c, 0x04, 0xdc, 0, 0, 0, 0x01, 300 & 0xff, 300 >> 8,
           0xe8, 0x03, 0, 0, 0, 0, 60, 0))          # power off, 300 W, 1000 ms, 60 s
    ok(b.ipmitool("dcmi", "power", "activate"))
    time.sleep(2.5)
    state, _ = b.power_status()
    assert state == "on", "power off below the limit"
    for n in PSU:
        set_sim(b, n, 400)
    b.wait_power("off", deadline=15)
    r = ok(b.ipmitool("sel", "elist"))
    assert re.search(r"Power Unit.*\| Upper Critical going high \| Asserted", r.out), r
    for n in PSU:
        clear_sim(b, n)


# --------------------------------------------------------------------------
# FreeIPMI


def test_freeipmi_system_power_statistics(bmc_on):
    bmc = bmc_on
    r = wait_for(lambda: (lambda r: r if "Active" in r.out else None)(
        ok(dcmi(bmc, "--get-system-power-statistics"))), "power measurement active")
    cur = int(field(r.out, "Current Power").split()[0])
    want = sum(sensor(n)["source"]["value"] for n in PSU)
    assert abs(cur - want) <= 48, r
    assert field(r.out, "Power Measurement") == "Active", r
    period = int(field(r.out, "Statistics reporting time period").split()[0])
    assert 1000 <= period <= 60000 and period % 1000 == 0, r
    r = ok(dcmi(bmc, "--get-enhanced-system-power-statistics"))
    assert "Rolling Average Time Period 60 Seconds" in r.out, r


def test_freeipmi_capability_info(bmc):
    r = ok(dcmi(bmc, "--get-dcmi-capability-info"))
    assert field(r.out, "DCMI Specification Conformance") == "1.5", r
    assert field(r.out, "Power Management / Monitoring Support") == "Available", r
    assert field(r.out, "Asset Tag") == "Available", r
    assert field(r.out, "Primary LAN Out-of-band Channel Number") == "1", r
    assert field(r.out, "Number of SEL entries") == "4095", r
    assert field(r.out, "Power Management Device Slave Address") == "10h", r
    assert field(r.out, "Available Rolling Average Time Period") == "60 Seconds", r


def test_freeipmi_asset_tag_and_mc_id(fresh_bmc):
    b = fresh_bmc
    assert ok(dcmi(b, "--get-asset-tag")).out.strip() == "ASSET-0042"
    assert ok(dcmi(b, "--get-management-controller-identifier-string")).out.strip() == "bmcd-sim"
    ok(dcmi(b, "--set-asset-tag=FreeIPMI-Tag-0123456789abcdef"))
    ok(dcmi(b, "--set-management-controller-identifier-string=fi-node"))
    b.restart()
    assert ok(dcmi(b, "--get-asset-tag")).out.strip() == "FreeIPMI-Tag-0123456789abcdef"
    assert ok(dcmi(b, "--get-management-controller-identifier-string")).out.strip() == "fi-node"


def test_freeipmi_sensor_info_and_power_limit(fresh_bmc):
    b = fresh_bmc
    r = ok(dcmi(b, "--get-dcmi-sensor-info"))
    ids = [int(x) for x in re.findall(r"^(\d+)$", r.out, re.M)]
    assert len(ids) == 5, r
    r = ok(dcmi(b, "--set-power-limit", "--power-limit-requested=420", "--exception-actions=0x11",
                "--correction-time-limit=3000", "--statistics-sampling-period=20"))
    ok(dcmi(b, "--activate-deactivate-power-limit=ACTIVATE"))
    r = ok(dcmi(b, "--get-power-limit"))
    assert field(r.out, "Power Limit Requested") == "420 watts", r
    assert field(r.out, "Correction time limit") == "3000 milliseconds", r
    assert field(r.out, "Exception Actions") == "Log event to SEL only (11h)", r


# --------------------------------------------------------------------------
# Wire-level checks


def test_group_extension_and_completion_codes(bmc):
    assert_cc(raw(bmc, 0x2c, 0x01, 0x00, 0x01), 0xc1)       # not DCMI's body
    assert_cc(raw(bmc, 0x2c, 0x00, 0x00), 0xc1)             # PICMG probe
    assert_cc(raw(bmc, 0x2c, 0x00, 0x03), 0xc1)             # VITA probe
    assert_cc(raw(bmc, 0x2c, 0x01, 0xdc), 0xc7)             # short
    assert_cc(raw(bmc, 0x2c, 0x01, 0xdc, 0x06), 0x80)       # no such parameter
    assert_cc(raw(bmc, 0x2c, 0x02, 0xdc, 0x07, 0, 0), 0xcc)  # no such mode
    assert_cc(raw(bmc, 0x2c, 0x06, 0xdc, 0, 17), 0xc9)      # more than 16 bytes
    assert_cc(raw(bmc, 0x2c, 0x06, 0xdc, 60, 8), 0xc9)      # past 64 bytes
    assert_cc(raw(bmc, 0x2c, 0x08, 0xdc, 0, 3, 0x41), 0xc7)  # count != data
    assert_cc(raw(bmc, 0x2c, 0x08, 0xdc, 40, 1, 0x41), 0xcc)  # a hole
    assert_cc(raw(bmc, 0x2c, 0x07, 0xdc, 0x01, 0x99, 0, 0), 0xcc)  # entity
    assert_cc(raw(bmc, 0x2c, 0x10, 0xdc, 0x02, 0x40, 0, 0), 0xcc)  # not temperature
    limit = [0xdc, 0, 0, 0, 0x00]
    assert_cc(raw(bmc, 0x2c, 0x04, *limit, 0, 0, 0xe8, 3, 0, 0, 0, 0, 10, 0), 0x84)
    assert_cc(raw(bmc, 0x2c, 0x04, *limit, 100, 0, 0, 0, 0, 0, 0, 0, 10, 0), 0x85)
    assert_cc(raw(bmc, 0x2c, 0x04, *limit, 100, 0, 0xe8, 3, 0, 0, 0, 0, 0, 0), 0x89)
    assert_cc(raw(bmc, 0x2c, 0x04, 0xdc, 0, 0, 0, 0x05, 100, 0, 0xe8, 3, 0, 0, 0, 0, 10, 0),
              0xcc)                                          # OEM action
    assert_cc(raw(bmc, 0x2c, 0x05, 0xdc, 2, 0, 0), 0xcc)
    assert_cc(raw(bmc, 0x2c, 0x13, 0xdc, 9, 0), 0x80)
    # Read-only users read, but do not set.
    assert_cc(raw(bmc, 0x2c, 0x08, 0xdc, 0, 1, 0x41, user="user", password="user", priv="USER"), 0xd4)
    d = raw_bytes(raw(bmc, 0x2c, 0x01, 0xdc, 0x01, user="user", password="user", priv="USER"))
    assert d[:4] == [0xdc, 0x01, 0x05, 0x02], d


def test_configuration_parameters(fresh_bmc):
    b = fresh_bmc
    assert raw_bytes(raw(b, 0x2c, 0x13, 0xdc, 3, 0)) == [0xdc, 1, 5, 1, 4]
    assert raw_bytes(raw(b, 0x2c, 0x13, 0xdc, 4, 0)) == [0xdc, 1, 5, 1, 120, 0]
    ok(raw(b, 0x2c, 0x12, 0xdc, 2, 0, 0x81))
    ok(raw(b, 0x2c, 0x12, 0xdc, 5, 0, 0x2c, 0x01))
    ok(raw(b, 0x2c, 0x12, 0xdc, 1, 0, 1))                    # activate DHCP
    assert_cc(raw(b, 0x2c, 0x12, 0xdc, 2, 0, 0x04), 0xcc)    # reserved bit
    assert_cc(raw(b, 0x2c, 0x12, 0xdc, 4, 0, 1), 0xc7)       # two bytes wanted
    b.restart()
    assert raw_bytes(raw(b, 0x2c, 0x13, 0xdc, 2, 0)) == [0xdc, 1, 5, 1, 0x81]
    assert raw_bytes(raw(b, 0x2c, 0x13, 0xdc, 5, 0)) == [0xdc, 1, 5, 1, 0x2c, 0x01]
    r = ok(b.ipmitool("dcmi", "get_conf_param"))
    assert "Server contact retry interval\t: 300 seconds" in r.out, r


def test_corrupt_state_file_falls_back_to_the_board(bmc_factory, tmp_path):
    state = tmp_path / "st"
    state.mkdir()
    (state / "dcmi").write_bytes(b"\x01garbage")
    b = bmc_factory(state_dir=state)
    assert ok(dcmi(b, "--get-asset-tag")).out.strip() == "ASSET-0042"
    assert "dcmi is corrupt" in b.stderr()


def test_board_file_dcmi_section_is_checked(tmp_path):
    from conftest import BMCD
    board = load_board()
    board["dcmi"] = {"power_sensors": ["No Such Sensor", "CPU0 Temp"], "statistics_window": 0,
                     "mc_id": "x" * 65, "bogus": 1}
    path = write_board(tmp_path, board)
    r = run([str(BMCD), "--check-config", "--board", str(path)])
    assert not r.ok
    for want in ('dcmi.power_sensors[0]: "No Such Sensor" is not one of the board\'s sensors',
                 'dcmi.power_sensors[1]: "CPU0 Temp" is not a threshold sensor in watts',
                 "dcmi.statistics_window", "dcmi.mc_id", "dcmi.bogus"):
        assert want in r.text, (want, r)


def test_board_without_power_sensors(bmc_factory, tmp_path):
    board = load_board()
    del board["dcmi"]
    board["sensors"] = [s for s in board["sensors"] if "Input Power" not in s["name"]]
    b = bmc_factory(board=write_board(tmp_path, board))
    r = ok(dcmi(b, "--get-system-power-statistics"))
    assert field(r.out, "Power Measurement") == "Not Available", r
    assert ok(dcmi(b, "--get-management-controller-identifier-string")).out.strip() == "sim"
    assert ok(dcmi(b, "--get-asset-tag")).out.strip() == ""


# --------------------------------------------------------------------------
# Prometheus


@pytest.fixture
def dcmi_exporter(tmp_path):
    yield from run_exporter(tmp_path, ["dcmi"])


def test_ipmi_exporter_dcmi_collector(bmc_on, dcmi_exporter, tmp_path):
    bmc = bmc_on
    text = scrape(dcmi_exporter, f"{HOST}:{bmc.port}")
    assert metric(text, "ipmi_up", 'collector="dcmi"') == 1, \
        f"{text}\n{(tmp_path / 'exporter.log').read_text()}"
    watts = metric(text, "ipmi_dcmi_power_consumption_watts")
    want = sum(sensor(n)["source"]["value"] for n in PSU)
    assert watts is not None and abs(watts - want) <= 48, text
