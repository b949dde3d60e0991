"""Sensors (IPMI 2.0 chapters 35-36) through real clients: ipmitool `sdr` /
`sensor` / `event`, FreeIPMI `ipmi-sensors` and `ipmi-sensors-config`,
pyghmi.  Readings are compared with the board file, thresholds are set and
read back, and a sensor pushed over a threshold through the sim board's
override files (docs/sensors.md) logs assertion and deassertion events.
A hwmon sensor reads a directory laid out like /sys/class/hwmon."""

import json
import os
import re
import textwrap
import time

import pytest

from conftest import (HOST, SYS_PYTHON, assert_cc, hexargs, load_board, ok, raw, raw_bytes, run,
                      write_board)

POLL_DEADLINE = 10.0


def board_sensors(board=None):
    return (board or load_board())["sensors"]


def threshold_sensors(board=None):
    return [s for s in board_sensors(board) if "states" not in s]


def sdr_rows(b, *args):
    """`ipmitool sdr ...` rows as {name: (value, status)}."""
    r = ok(b.ipmitool("sdr", *args))
    rows = {}
    for line in r.out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3:
            rows[parts[0]] = (parts[1], parts[-1])
    return rows, r


def elist_rows(b, *args):
    """`ipmitool sdr elist|type|entity ...` rows as {name: (status, reading)}."""
    r = ok(b.ipmitool("sdr", *args))
    rows = {}
    for line in r.out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 5:
            rows[parts[0]] = (parts[2], parts[4])
    return rows, r


def number(text):
    m = re.match(r"\s*(-?[0-9.]+)", text)
    return float(m.group(1)) if m else None


def set_sim(b, name, value):
    """The sim board reads <state>/sim/<sensor name> at each poll."""
    d = b.state_dir / "sim"
    d.mkdir(exist_ok=True)
    tmp = d / (name + ".tmp")
    tmp.write_text(f"{value}\n")
    os.replace(tmp, d / name)


def clear_sim(b, name):
    try:
        (b.state_dir / "sim" / name).unlink()
    except FileNotFoundError:
        pass


def wait_for(pred, what, deadline=POLL_DEADLINE):
    t_end = time.monotonic() + deadline
    last = None
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() > t_end:
            pytest.fail(f"{what} did not happen within {deadline}s", pytrace=False)
        time.sleep(0.3)


def sel_elist(b):
    return ok(b.ipmitool("sel", "elist")).out


def wait_sel(b, text, what):
    """The SEL list, once it shows `text`."""
    return wait_for(lambda: (lambda o: o if text in o else None)(sel_elist(b)), what)


def sel_after_sim(b, name, value, text, what):
    """Clear the SEL, set simulated sensor `name` to `value`, and wait for
    an event showing `text`: the SEL list then."""
    ok(b.ipmitool("sel", "clear"))
    set_sim(b, name, value)
    return wait_sel(b, text, what)


def step_of(s):
    """The finest reading step an 8-bit conversion of the range allows,
    with slack for the decimal grid of M and the exponents."""
    return (s["max"] - s["min"]) / 255 * 1.2


# --------------------------------------------------------------------------
# Reading


def expected_range(s, host_on):
    """Where a sim sensor reads once settled: its wave with the host on; its
    "off" value (no wave) with the host off, if it has one."""
    src = s["source"]
    if not host_on and "off" in src:
        return src["off"] - step_of(s), src["off"] + step_of(s)
    return (src["value"] - src.get("swing", 0) - step_of(s),
            src["value"] + src.get("swing", 0) + step_of(s))


def check_sdr_readings(b, host_on):
    rows, r = sdr_rows(b, "list", "all")
    for s in board_sensors():
        assert s["name"] in rows, f"{s['name']} missing\n{r}"
    for s in threshold_sensors():
        value, status = rows[s["name"]]
        v = number(value)
        assert v is not None, f"{s['name']}: no number in {value!r}\n{r}"
        lo, hi = expected_range(s, host_on)
        assert lo <= v <= hi, f"{s['name']}: {v} not in {lo}..{hi}\n{r}"
        assert status == "ok", r
    return r


def test_sdr_list_shows_every_board_sensor_with_its_reading(bmc):
    # the shared daemon's sim host is off
    r = check_sdr_readings(bmc, host_on=False)
    # The BMC's own event-only sensors and its MC locator are in the
    # repository too.
    assert "Watchdog" in r.out and "Event Log" in r.out and "BMC" in r.out, r


def satellite_sensors(board=None):
    """Sensors of the satellites on the BMC's own IPMB channels: their
    records are in the BMC's repository too (docs/bridging.md)."""
    sats = (board or load_board()).get("ipmb", {}).get("satellites", [])
    return [x for s in sats if "via" not in s for x in s.get("sensors", [])]


def test_sdr_type_and_entity_filters(bmc):
    temps = [s["name"] for s in board_sensors() + satellite_sensors() if s["type"] == "temperature"]
    rows, r = elist_rows(bmc, "type", "Temperature")
    assert sorted(rows) == sorted(temps), r
    rows, r = elist_rows(bmc, "type", "Fan")
    assert sorted(rows) == [f"FAN{i}" for i in range(1, 7)], r
    # Entity 3 (processor): the CPU temperatures and the CPU core voltage.
    rows, r = elist_rows(bmc, "entity", "3")
    assert set(rows) == {s["name"] for s in board_sensors() + satellite_sensors()
                         if s["entity"] == "processor"}, r
    rows, r = elist_rows(bmc, "entity", "3.2")
    assert set(rows) == {"CPU1 Temp"}, r


def test_sdr_elist_shows_numbers_entities_and_discrete_states(bmc):
    r = ok(bmc.ipmitool("sdr", "elist"))
    line = next(l for l in r.out.splitlines() if l.startswith("PSU1 Status"))
    # "PSU1 Status | 17h | ok | 10.1 | Presence detected"
    assert "10.1" in line and "Presence detected" in line, r
    line = next(l for l in r.out.splitlines() if l.startswith("CPU0 Temp"))
    assert "| 3.1 |" in line.replace("  ", " ") or " 3.1 " in line, r


def test_sensor_list_shows_the_board_thresholds(bmc):
    r = ok(bmc.ipmitool("sensor", "list"))
    rows = {}
    for line in r.out.splitlines():
        p = [x.strip() for x in line.split("|")]
        if len(p) >= 10:
            rows[p[0]] = p
    names = ["lnr", "lc", "lnc", "unc", "uc", "unr"]
    for s in threshold_sensors():
        p = rows[s["name"]]
        for i, t in enumerate(names):
            cell = p[4 + i]
            if t in s["thresholds"]:
                assert abs(float(cell) - s["thresholds"][t]) <= step_of(s) / 2 + 0.006, \
                    f"{s['name']} {t}: {cell}\n{r}"
            else:
                assert cell == "na", f"{s['name']} {t}: {cell}\n{r}"


def test_sensor_get_reports_a_reading_and_thresholds(bmc):
    r = ok(bmc.ipmitool("sensor", "get", "FAN3"))
    assert "Sensor Type (Threshold)  : Fan" in r.out, r
    m = re.search(r"Sensor Reading\s*:\s*(\d+) \(\+/- 0\) RPM", r.out)
    assert m, r
    lo, hi = expected_range(next(s for s in board_sensors() if s["name"] == "FAN3"), host_on=False)
    assert lo <= int(m.group(1)) <= hi, r
    assert re.search(r"Lower Critical\s*:\s*500\.000", r.out), r


def test_sim_sensors_follow_the_host_power(bmc_factory, tmp_path):
    """The sim board's host temperatures, fans and power supplies follow
    the simulated host: at their board values while it is on, moving toward
    their "off" values (ambient, slow fans, 0 W) once it is off.  This
    board makes the moves take seconds rather than the sim board's tens."""
    board = load_board()
    board["host"]["initially_on"] = True
    for s in board["sensors"]:
        if "settle_s" in s["source"]:
            s["source"]["settle_s"] = 2
    b = bmc_factory(board=write_board(tmp_path, board))
    check_sdr_readings(b, host_on=True)
    assert b.ipmitool("chassis", "power", "off").ok
    b.wait_power("off")
    cpu0 = next(s for s in board["sensors"] if s["name"] == "CPU0 Temp")
    inlet = next(s for s in board["sensors"] if s["name"] == "Inlet Temp")
    # falls toward ambient: below the midpoint, then settled
    mid = (cpu0["source"]["value"] - cpu0["source"]["swing"] + cpu0["source"]["off"]) / 2
    wait_for(lambda: number(sdr_rows(b, "list")[0]["CPU0 Temp"][0]) < mid, f"CPU0 Temp below {mid}",
             deadline=60)
    wait_for(lambda: number(sdr_rows(b, "list")[0]["FAN1"][0]) < 3000, "FAN1 below 3000 RPM",
             deadline=60)

    def settled():
        try:
            check_sdr_readings(b, host_on=False)
            return True
        except AssertionError:
            return False
    wait_for(settled, "every sim sensor at its off value", deadline=60)
    # the ambient (inlet) temperature does not follow the host
    assert "off" not in inlet["source"]
    # pyghmi sees the same
    r = pyghmi_reading(b, "PSU1 Input Power")
    assert r.get("value") == 0, r
    # on again: they come back
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    wait_for(lambda: number(sdr_rows(b, "list")[0]["CPU0 Temp"][0]) > mid, f"CPU0 Temp above {mid}",
             deadline=60)


def test_freeipmi_sensors_and_thresholds(bmc):
    r = ok(bmc.freeipmi("ipmi-sensors", "--output-sensor-thresholds", "--no-header-output",
                        "--comma-separated-output", sdr=True))
    rows = {l.split(",")[1]: l.split(",") for l in r.out.splitlines() if l.count(",") > 5}
    for s in threshold_sensors():
        row = rows.get(s["name"])
        assert row, f"{s['name']} missing\n{r}"
        # ID,Name,Type,Reading,Units,LNR,LC,LNC,UNC,UC,UNR,Event
        v = float(row[3])
        assert s["min"] <= v <= s["max"], row
        for i, t in enumerate(["lnr", "lc", "lnc", "unc", "uc", "unr"]):
            cell = row[5 + i]
            if t in s["thresholds"]:
                assert abs(float(cell) - s["thresholds"][t]) <= step_of(s) / 2 + 0.006, row
            else:
                assert cell == "N/A", row
    psu = rows["PSU1 Status"]
    assert "Presence detected" in ",".join(psu), psu


def test_freeipmi_sensors_config_checkout(bmc_factory, tmp_path):
    # ipmi-sensors-config does not bridge: it would ask the BMC for a
    # satellite record's sensor number and get "not present"
    # (docs/bridging.md), so this board has no satellites.
    board = load_board()
    board.pop("ipmb")
    b = bmc_factory(board=write_board(tmp_path, board))
    r = ok(b.freeipmi("ipmi-sensors-config", "--checkout", sdr=True))
    # One section per threshold sensor with its thresholds in engineering units.
    sec = re.search(r"Section \d+_CPU0_Temp\n(.*?)EndSection", r.out, re.S)
    assert sec, r
    m = re.search(r"Upper_Critical_Threshold\s+(\S+)", sec.group(1))
    assert m and abs(float(m.group(1)) - 95) < 0.5, sec.group(1)


PYGHMI_SENSORS = textwrap.dedent("""
    import json, sys
    from pyghmi.ipmi import command
    c = command.Command(bmc=sys.argv[1], port=int(sys.argv[2]), userid="admin",
                        password="password")
    out = {}
    for s in c.get_sensor_data():
        out[s.name] = {"value": s.value, "units": s.units, "health": s.health,
                       "states": s.states, "type": s.type}
    print(json.dumps(out))
""")


PYGHMI_READING = textwrap.dedent("""
    import json, sys
    from pyghmi.ipmi import command
    c = command.Command(bmc=sys.argv[1], port=int(sys.argv[2]), userid="admin",
                        password="password")
    try:
        r = c.get_sensor_reading(sys.argv[3])
        print(json.dumps({"value": r.value, "unavailable": r.unavailable}))
    except Exception as e:
        print(json.dumps({"error": str(e)}))
""")


def pyghmi_reading(b, name):
    """pyghmi's get_sensor_reading(name): {"value"...} or {"error": ...}."""
    r = ok(run([SYS_PYTHON, "-c", PYGHMI_READING, HOST, str(b.port), name], timeout=60))
    return json.loads(r.out)


def test_pyghmi_get_sensor_data(bmc):
    r = ok(run([SYS_PYTHON, "-c", PYGHMI_SENSORS, HOST, str(bmc.port)], timeout=60))
    data = json.loads(r.out)
    for s in threshold_sensors():
        got = data.get(s["name"])
        assert got, f"{s['name']} missing from {sorted(data)}"
        assert got["value"] is not None and s["min"] <= got["value"] <= s["max"], got
    assert data["CPU0 Temp"]["units"] == "°C", data["CPU0 Temp"]
    assert data["FAN1"]["units"] == "RPM", data["FAN1"]
    assert "Present" in data["PSU1 Status"]["states"], data["PSU1 Status"]


# --------------------------------------------------------------------------
# Thresholds and events


def test_set_threshold_then_cross_it_and_recover(fresh_bmc):
    b = fresh_bmc
    set_sim(b, "CPU0 Temp", 50)
    ok(b.ipmitool("sensor", "thresh", "CPU0 Temp", "unc", "70"))
    r = ok(b.ipmitool("sensor", "get", "CPU0 Temp"))
    assert re.search(r"Upper Non-Critical\s*:\s*70\.000", r.out, re.I), r
    out = sel_after_sim(b, "CPU0 Temp", 75, "Upper Non-critical going high", "the UNC assertion event")
    line = next(l for l in out.splitlines() if "Upper Non-critical going high" in l)
    assert "CPU0 Temp" in line and "Asserted" in line, out
    assert "Reading 75 > Threshold 70 degrees C" in line, out
    # Status shows the crossing; a higher threshold is not asserted.
    r = ok(b.ipmitool("sdr", "get", "CPU0 Temp"))
    assert re.search(r"Status\s*:\s*Upper Non-Critical", r.out), r
    assert "Upper Critical going high" not in sel_elist(b)
    # Within the hysteresis (2 degrees) nothing changes; below it, deasserted.
    set_sim(b, "CPU0 Temp", 69)
    time.sleep(2.5)
    assert "Deasserted" not in sel_elist(b)
    set_sim(b, "CPU0 Temp", 60)
    out = wait_sel(b, "Deasserted", "the UNC deassertion event")
    assert re.search(r"CPU0 Temp \| Upper Non-critical going high \| Deasserted", out), out


def test_critical_crossing_raises_every_lower_level_too(fresh_bmc):
    b = fresh_bmc
    out = sel_after_sim(b, "CPU1 Temp", 110, "Upper Non-recoverable going high", "the UNR assertion")
    for level in ("Upper Non-critical", "Upper Critical", "Upper Non-recoverable"):
        assert f"CPU1 Temp | {level} going high | Asserted" in out, out
    r = ok(raw(b, 0x04, 0x2B, sensor_number(b, "CPU1 Temp")))
    st = raw_bytes(r)
    # Assertion status bits 7, 9, 11 (UNC/UC/UNR going high).
    assert st[1] == 0x80 and st[2] == 0x0a, st


def test_lower_threshold_fan_failure(fresh_bmc):
    b = fresh_bmc
    out = sel_after_sim(b, "FAN4", 300, "Lower Critical going low", "the fan LC assertion")
    assert "FAN4 | Lower Critical going low | Asserted" in out.replace("  ", " "), out
    rows, r = elist_rows(b, "type", "Fan")
    assert rows["FAN4"] == ("lcr", "300 RPM"), r


def wait_valid(b, name):
    """Until the sensor has its first reading (Get Sensor Reading byte 2
    bit 5 clear): a discrete sensor's first reading is its baseline."""
    n = sensor_number(b, name)
    wait_for(lambda: not raw_bytes(raw(b, 0x04, 0x2D, n))[1] & 0x20, f"{name}'s first reading")


def test_discrete_psu_failure_and_chassis_intrusion(fresh_bmc):
    b = fresh_bmc
    wait_valid(b, "PSU2 Status")
    wait_valid(b, "Chassis Intru")
    ok(b.ipmitool("sel", "clear"))
    set_sim(b, "PSU2 Status", 0x3)     # present + failure detected
    set_sim(b, "Chassis Intru", 0x1)
    out = wait_for(lambda: (lambda o: o if "General Chassis intrusion" in o and "Failure detected" in o
                            else None)(sel_elist(b)), "the PSU and intrusion events")
    assert re.search(r"PSU2 Status \| Failure detected \| Asserted", out), out
    assert re.search(r"Chassis Intru \| General Chassis intrusion \| Asserted", out), out
    # Presence was the baseline at start: never logged.
    assert "Presence detected" not in out, out
    set_sim(b, "Chassis Intru", 0)
    out = wait_sel(b, "intrusion | Deasserted", "the intrusion deassertion")


def test_event_enable_masks_and_rearm(fresh_bmc):
    b = fresh_bmc
    n = sensor_number(b, "Exhaust Temp")
    # Events and scanning on, disable (10b) the UNC-going-high assertion
    # (bit 7): crossing UNC logs nothing.
    ok(raw(b, 0x04, 0x28, n, 0xE0, 0x80, 0x00))
    en = raw_bytes(raw(b, 0x04, 0x29, n))
    assert en[0] & 0xC0 == 0xC0 and not en[1] & 0x80, en
    ok(b.ipmitool("sel", "clear"))
    set_sim(b, "Exhaust Temp", 65)
    wait_for(lambda: raw_bytes(raw(b, 0x04, 0x2B, n))[1] & 0x80, "UNC asserted in the status")
    assert "Exhaust Temp" not in sel_elist(b)
    # Re-enable and re-arm: the standing condition is reported again.
    ok(raw(b, 0x04, 0x28, n, 0xD0, 0x80, 0x00))
    ok(raw(b, 0x04, 0x2A, n, 0x00))
    out = wait_sel(b, "Exhaust Temp", "the re-armed event")
    assert "Upper Non-critical going high | Asserted" in out, out


def test_event_receiver_off_stops_events(fresh_bmc):
    b = fresh_bmc
    ok(raw(b, 0x04, 0x00, 0xFF, 0x00))
    assert raw_bytes(raw(b, 0x04, 0x01)) == [0xFF, 0x00]
    ok(b.ipmitool("sel", "clear"))
    set_sim(b, "DIMM Temp", 85)
    n = sensor_number(b, "DIMM Temp")
    wait_for(lambda: raw_bytes(raw(b, 0x04, 0x2B, n))[1] & 0x80, "UNC asserted in the status")
    assert "DIMM Temp" not in sel_elist(b)
    ok(raw(b, 0x04, 0x00, 0x20, 0x00))
    assert raw_bytes(raw(b, 0x04, 0x01)) == [0x20, 0x00]


def test_ipmitool_event_1_logs_a_temperature_event(fresh_bmc):
    b = fresh_bmc
    ok(b.ipmitool("sel", "clear"))
    ok(b.ipmitool("event", "1"))
    out = sel_elist(b)
    assert "Upper Critical going high" in out and "Asserted" in out, out


# --------------------------------------------------------------------------
# Bad input


def sensor_number(b, name):
    r = ok(b.ipmitool("sdr", "get", name))
    m = re.search(r"Sensor ID\s*:\s*.*\((0x[0-9a-f]+)\)", r.out)
    assert m, r
    return int(m.group(1), 16)


def test_sensor_commands_refuse_bad_input(bmc):
    temp = sensor_number(bmc, "CPU0 Temp")
    psu = sensor_number(bmc, "PSU1 Status")
    assert_cc(raw(bmc, 0x04, 0x2D, 0xD0), 0xCB)          # no such sensor
    assert_cc(raw(bmc, 0x04, 0x2D, 0xFF), 0xCB)          # reserved number
    assert_cc(raw(bmc, 0x04, 0x2D), 0xC7)                # no sensor number
    assert_cc(raw(bmc, 0x04, 0x27, psu), 0xCD)           # thresholds of a discrete sensor
    assert_cc(raw(bmc, 0x04, 0x25, psu, 0xFF), 0xCD)
    before = raw_bytes(raw(bmc, 0x04, 0x27, temp))
    # unc (bit 3) above uc: out of order.
    assert_cc(raw(bmc, 0x04, 0x26, temp, 0x08, 0, 0, 0, 250, 0, 0), 0xCC)
    # lnc is not a threshold this sensor has.
    assert_cc(raw(bmc, 0x04, 0x26, temp, 0x01, 10, 0, 0, 0, 0, 0), 0xCC)
    assert raw_bytes(raw(bmc, 0x04, 0x27, temp)) == before
    assert_cc(raw(bmc, 0x04, 0x28, temp, 0xF0), 0xCC)    # reserved enable operation
    assert_cc(raw(bmc, 0x04, 0x28, temp, 0xD0, 0x01), 0xCC)  # an event it cannot raise
    # ipmitool refuses to set an unknown sensor by name itself; by number
    # the BMC answers CBh.
    assert_cc(raw(bmc, 0x04, 0x26, 0xD1, 0x08, 0, 0, 0, 50, 0, 0), 0xCB)


def test_thresholds_set_by_user_privilege_are_refused(bmc):
    temp = sensor_number(bmc, "CPU0 Temp")
    r = raw(bmc, 0x04, 0x26, temp, 0x08, 0, 0, 0, 170, 0, 0, user="user", password="user", priv="USER")
    assert_cc(r, 0xD4)


# --------------------------------------------------------------------------
# hwmon


def make_hwmon(root, name, device, files):
    """A directory laid out like /sys/class/hwmon/hwmonN."""
    devdir = root / "devices" / device
    devdir.mkdir(parents=True)
    h = root / "class" / f"hwmon{len(list((root / 'class').glob('hwmon*'))) if (root / 'class').exists() else 0}"
    h.mkdir(parents=True)
    (h / "name").write_text(name + "\n")
    (h / "device").symlink_to(devdir)
    for f, v in files.items():
        (h / f).write_text(f"{v}\n")
    return h


def test_hwmon_sensor_reads_sysfs_and_survives_a_vanishing_file(bmc_factory, tmp_path):
    root = tmp_path / "sys"
    h0 = make_hwmon(root, "lm75", "8-004d", {"temp1_input": 41500})
    h1 = make_hwmon(root, "lm75", "8-004c", {"temp1_input": 30000})
    board = load_board()
    board["hwmon_root"] = str(root / "class")
    board.pop("dcmi", None)          # its power sensors are replaced below
    board["sensors"] = [
        {"name": "Board Temp", "type": "temperature", "units": "degrees C", "min": 0, "max": 127.5,
         "thresholds": {"unc": 45}, "poll_ms": 200,
         "source": {"kind": "hwmon", "name": "lm75", "device": "8-004d", "channel": "temp1"}},
        {"name": "Other Temp", "type": "temperature", "units": "degrees C", "min": 0, "max": 127.5,
         "poll_ms": 200,
         "source": {"kind": "hwmon", "name": "lm75", "device": "8-004c", "channel": "temp1"}},
    ]
    b = bmc_factory(board=write_board(tmp_path, board))
    rows = wait_for(lambda: (lambda r: r if r.get("Board Temp", ("",))[0].startswith("41.50") else None)(
        sdr_rows(b, "list")[0]), "the hwmon reading")
    assert rows["Other Temp"][0].startswith("30"), rows
    (h0 / "temp1_input").write_text("47000\n")
    wait_for(lambda: "Upper Non-critical going high" in sel_elist(b), "the hwmon UNC event")
    # The file vanishes (driver unbound): only that sensor goes unavailable.
    (h0 / "temp1_input").unlink()
    rows = wait_for(lambda: (lambda r: r if r["Board Temp"][1] == "ns" else None)(sdr_rows(b, "list")[0]),
                    "Board Temp unavailable")
    assert rows["Other Temp"][1] == "ok", rows
    assert "reading unavailable" in b.stderr()
    (h0 / "temp1_input").write_text("40000\n")
    wait_for(lambda: sdr_rows(b, "list")[0]["Board Temp"][0].startswith("40"), "Board Temp back")
    # Logged once, not at every poll.
    assert b.stderr().count("Board Temp: reading unavailable") == 1


def test_sensor_board_errors_name_the_key(tmp_path):
    from conftest import BMCD
    board = load_board()
    board.pop("dcmi", None)
    board["sensors"] = [{"name": "X", "type": "fan", "min": 0, "max": 100,
                         "thresholds": {"lc": 50, "lnc": 20}, "source": {"kind": "sim"}}]
    p = write_board(tmp_path, board)
    r = run([str(BMCD), "--board", str(p), "--check-config"])
    assert r.rc != 0 and "sensors[0].thresholds: thresholds out of order" in r.text, r


PYGHMI_EVENTS = textwrap.dedent("""
    import json, sys
    from pyghmi.ipmi import command
    c = command.Command(bmc=sys.argv[1], port=int(sys.argv[2]), userid="admin",
                        password="password")
    out = []
    for e in c.get_event_log():
        out.append({k: e.get(k) for k in ("component", "component_type", "event", "deassertion",
                                          "event_data", "severity")})
    print(json.dumps(out, default=str))
""")


def test_pyghmi_event_log_names_the_sensor_and_event(fresh_bmc):
    b = fresh_bmc
    ok(b.ipmitool("sel", "clear"))
    set_sim(b, "Inlet Temp", 38)        # over unc (35), under uc (40)
    wait_for(lambda: "Inlet Temp" in sel_elist(b), "the inlet event")
    r = ok(run([SYS_PYTHON, "-c", PYGHMI_EVENTS, HOST, str(b.port)], timeout=60))
    events = json.loads(r.out)
    inlet = [e for e in events if e["component"] == "Inlet Temp"]
    assert inlet, events
    e = inlet[0]
    assert e["component_type"] == "Temperature", e
    assert e["event"].lower().startswith("upper non-critical"), e
    assert not e["deassertion"], e
