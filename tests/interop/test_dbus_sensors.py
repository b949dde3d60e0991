"""Sensors and inventory on D-Bus (docs/dbus.md), with the test board
tests/boards/dbus-sensors.json: thresholds written over D-Bus as Set
Sensor Thresholds writes them, sensors whose readings another program
pushes (source "dbus"), the association of every sensor with the chassis,
and the FRU devices as inventory items.  A private dbus-daemon (test_dbus's
Bus), busctl and gdbus on one side, ipmitool on the other."""

import json
import re
import time

import pytest

from conftest import ROOT, load_board, run, write_board
from test_dbus import NAME, Bus, Monitor, pytestmark  # noqa: F401 (pytestmark: the skip)

BOARD = ROOT / "tests" / "boards" / "dbus-sensors.json"
SENSORS = "/xyz/openbmc_project/sensors/"
INLET = SENSORS + "temperature/Inlet_Temp"
FAN = SENSORS + "fan_tach/FAN1"
EXT = SENSORS + "temperature/Ext_Temp"
EXT_VOLT = SENSORS + "voltage/Ext_Volt"
VALUE = "xyz.openbmc_project.Sensor.Value"
WARNING = "xyz.openbmc_project.Sensor.Threshold.Warning"
CRITICAL = "xyz.openbmc_project.Sensor.Threshold.Critical"
ASSOC = "xyz.openbmc_project.Association.Definitions"
INV = "/xyz/openbmc_project/inventory/system"
CHASSIS = INV + "/chassis"
ITEM = "xyz.openbmc_project.Inventory.Item"
ASSET = "xyz.openbmc_project.Inventory.Decorator.Asset"


@pytest.fixture
def bus():
    b = Bus().start()
    yield b
    b.close()


def start(bmc_factory, tmp_path, bus, read_only=False):
    board = load_board(BOARD)
    if read_only:
        board["dbus"] = {"read_only": True}
    return bmc_factory(board=write_board(tmp_path, board), extra_args=["--bus", bus.address])


def get(bus, path, iface, prop):
    """A property as Python: float, bool or str."""
    r = bus.busctl("get-property", NAME, path, iface, prop)
    assert r.ok, r
    kind, _, value = r.out.strip().partition(" ")
    if kind == "d":
        return float(value)
    if kind == "b":
        return value == "true"
    assert kind == "s", r
    return json.loads(value)


def set_d(bus, path, iface, prop, value, kind="d"):
    """Properties.Set of a double (or, kind "s", a string) through gdbus,
    whose errors name the D-Bus error; NaN, which GVariant text cannot
    spell, through busctl (its errors give the message only)."""
    if value == "nan":
        return bus.busctl("set-property", NAME, path, iface, prop, "d", "nan")
    v = f"<{float(value)!r}>" if kind == "d" else f"<'{value}'>"
    return bus.gdbus_set(path, iface, prop, v)


def sensor_get(b, name):
    """ipmitool sensor get's output (it exits 1 for a sensor with no
    reading, having printed all the same)."""
    r = b.ipmitool("sensor", "get", name)
    assert "Sensor ID" in r.out and (r.ok or "Unavailable" in r.out), r
    return r.out


def ipmi_threshold(out, label):
    m = re.search(label + r"\s*:\s*([-0-9.]+|na)", out)
    assert m, out
    return None if m.group(1) == "na" else float(m.group(1))


def ipmi_reading(b, name):
    """ipmitool's reading of a sensor, None when it has none."""
    out = sensor_get(b, name)
    m = re.search(r"Sensor Reading\s*:\s*(-?[0-9.]+)", out)
    return float(m.group(1)) if m else None


# ---- writable thresholds -------------------------------------------------------------


def test_threshold_written_over_dbus_is_what_ipmitool_shows(bmc_factory, tmp_path, bus):
    """Inlet Temp: lc 0, lnc 5, unc 35, uc 40, unr 45, all settable."""
    b = start(bmc_factory, tmp_path, bus)
    assert get(bus, INLET, WARNING, "WarningHigh") == 35.0
    mon = Monitor(bus, INLET)
    try:
        r = set_d(bus, INLET, WARNING, "WarningHigh", 30.0)
        assert r.ok, r
        assert mon.until(lambda ln: "PropertiesChanged" in ln and "'WarningHigh': <30.0>" in ln), \
            mon.lines
    finally:
        mon.close()
    assert get(bus, INLET, WARNING, "WarningHigh") == 30.0
    out = sensor_get(b, "Inlet Temp")
    assert ipmi_threshold(out, "Upper Non-Critical") == 30.0, out
    # Converted with the SDR's factors: the nearest raw step (0.5 degrees).
    r = set_d(bus, INLET, CRITICAL, "CriticalLow", 1.3)
    assert r.ok, r
    assert get(bus, INLET, CRITICAL, "CriticalLow") == 1.5
    assert ipmi_threshold(sensor_get(b, "Inlet Temp"), "Lower Critical") == 1.5
    # And the other way round: IPMI's Set Sensor Thresholds shows on D-Bus.
    assert b.ipmitool("sensor", "thresh", "Inlet Temp", "ucr", "42").ok
    deadline = time.monotonic() + 3
    while get(bus, INLET, CRITICAL, "CriticalHigh") != 42.0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert get(bus, INLET, CRITICAL, "CriticalHigh") == 42.0


def test_bad_threshold_writes_are_refused_and_change_nothing(bmc_factory, tmp_path, bus):
    b = start(bmc_factory, tmp_path, bus)
    labels = ("Lower Critical", "Lower Non-Critical", "Upper Non-Critical", "Upper Critical")
    before = [ipmi_threshold(sensor_get(b, "Inlet Temp"), lb) for lb in labels]
    assert before == [0.0, 5.0, 35.0, 40.0], before
    for prop, iface, value, kind, error, says in (
        ("WarningHigh", WARNING, "hot", "s", "InvalidArgs", ""),
        ("WarningHigh", WARNING, 500.0, "d", "InvalidArgs", "outside"),
        ("WarningLow", WARNING, "nan", "d", "", "outside"),  # busctl: the message only
        # Above the upper critical (40): out of order.
        ("WarningHigh", WARNING, 41.0, "d", "InvalidArgs", "out of order"),
        ("CriticalLow", CRITICAL, 6.0, "d", "InvalidArgs", "out of order"),
    ):
        r = set_d(bus, INLET, iface, prop, value, kind)
        assert not r.ok and error in r.err and says in r.err, (prop, value, r)
    # FAN1's thresholds are not settable; Ext Temp has no lower critical.
    r = set_d(bus, FAN, WARNING, "WarningLow", 700.0)
    assert not r.ok and "NotSupported" in r.err and "lower non-critical" in r.err, r
    r = set_d(bus, EXT, CRITICAL, "CriticalLow", 5.0)
    assert not r.ok and "NotSupported" in r.err and "lower critical" in r.err, r
    # An alarm is not writable.
    r = bus.gdbus_set(INLET, WARNING, "WarningAlarmHigh", "<true>")
    assert not r.ok and "PropertyReadOnly" in r.err, r
    assert [ipmi_threshold(sensor_get(b, "Inlet Temp"), lb) for lb in labels] == before
    assert get(bus, FAN, WARNING, "WarningLow") == 800.0
    assert get(bus, INLET, WARNING, "WarningHigh") == 35.0


def test_read_only_board_refuses_threshold_and_value_writes(bmc_factory, tmp_path, bus):
    b = start(bmc_factory, tmp_path, bus, read_only=True)
    r = set_d(bus, INLET, WARNING, "WarningHigh", 30.0)
    assert not r.ok and "AccessDenied" in r.err, r
    r = set_d(bus, EXT, VALUE, "Value", 50.0)
    assert not r.ok and "AccessDenied" in r.err, r
    assert ipmi_threshold(sensor_get(b, "Inlet Temp"), "Upper Non-Critical") == 35.0
    assert ipmi_reading(b, "Ext Temp") is None


# ---- pushed sensors ------------------------------------------------------------------


def sel_lines(b):
    r = b.ipmitool("sel", "elist")
    assert r.ok, r
    return [ln for ln in r.out.splitlines() if "|" in ln]


def test_pushed_value_is_the_reading_with_events(bmc_factory, tmp_path, bus):
    """Ext Temp: source "dbus", lnc 10, unc 80, uc 90."""
    b = start(bmc_factory, tmp_path, bus)
    # No reading until the first push.
    assert ipmi_reading(b, "Ext Temp") is None
    r = bus.busctl("get-property", NAME, EXT, VALUE, "Value")
    assert r.ok and "nan" in r.out.lower(), r
    mon = Monitor(bus, EXT)
    try:
        r = bus.busctl("set-property", NAME, EXT, VALUE, "Value", "d", "50")
        assert r.ok, r
        assert mon.until(lambda ln: "PropertiesChanged" in ln and "'Value': <50.0>" in ln), \
            mon.lines
        assert ipmi_reading(b, "Ext Temp") == 50.0
        r = b.ipmitool("sensor", "reading", "Ext Temp")
        assert r.ok and re.search(r"Ext Temp\s*\|\s*50\b", r.out), r
        assert not sel_lines(b)
        # Past the upper non-critical threshold: the alarm flips and the
        # event goes to the SEL like any sensor's.
        assert bus.busctl("set-property", NAME, EXT, VALUE, "Value", "d", "85").ok
        assert mon.until(lambda ln: "'WarningAlarmHigh': <true>" in ln), mon.lines
        assert get(bus, EXT, WARNING, "WarningAlarmHigh") is True
        assert get(bus, EXT, CRITICAL, "CriticalAlarmHigh") is False
        out = sensor_get(b, "Ext Temp")
        assert "Upper Non-Critical" in out.split("Status")[1].splitlines()[0], out
        sel = sel_lines(b)
        assert len(sel) == 1 and "Ext Temp" in sel[0] and "Upper Non-critical going high" in sel[0] \
            and "Asserted" in sel[0], sel
        # Back down: the alarm clears, the deassertion is logged.
        assert bus.busctl("set-property", NAME, EXT, VALUE, "Value", "d", "40").ok
        assert mon.until(lambda ln: "'WarningAlarmHigh': <false>" in ln), mon.lines
        assert any("Deasserted" in ln and "Ext Temp" in ln for ln in sel_lines(b)), sel_lines(b)
    finally:
        mon.close()
    # Bad pushes: nothing changes.
    for value, kind, error in (("200", "d", "outside"), ("-1", "d", "outside"),
                               ("cold", "s", "InvalidArgs")):
        r = set_d(bus, EXT, VALUE, "Value", value, kind)
        assert not r.ok and error in r.err, (value, r)
    assert ipmi_reading(b, "Ext Temp") == 40.0
    # A sensor the board reads itself is not pushed to.
    r = set_d(bus, INLET, VALUE, "Value", 20.0)
    assert not r.ok and "PropertyReadOnly" in r.err, r
    # NaN: no reading any more.
    assert bus.busctl("set-property", NAME, EXT, VALUE, "Value", "d", "nan").ok
    assert ipmi_reading(b, "Ext Temp") is None
    r = bus.busctl("get-property", NAME, EXT, VALUE, "Value")
    assert r.ok and "nan" in r.out.lower(), r


def test_pushed_value_goes_stale(bmc_factory, tmp_path, bus):
    """Ext Volt: "timeout_s": 2 on the board."""
    b = start(bmc_factory, tmp_path, bus)
    assert bus.busctl("set-property", NAME, EXT_VOLT, VALUE, "Value", "d", "12.1").ok
    # Volts in steps of 0.06: the nearest.
    assert abs(get(bus, EXT_VOLT, VALUE, "Value") - 12.12) < 1e-9
    assert ipmi_reading(b, "Ext Volt") == 12.12
    time.sleep(3)
    assert ipmi_reading(b, "Ext Volt") is None
    r = bus.busctl("get-property", NAME, EXT_VOLT, VALUE, "Value")
    assert r.ok and "nan" in r.out.lower(), r


def test_check_config_dbus_source(tmp_path):
    board = load_board(BOARD)
    board["sensors"] += [
        {"name": "Bad1", "type": "temperature", "units": "degrees F",
         "source": {"kind": "dbus", "value": 3}},
        {"name": "Bad2", "type": "power_supply", "source": {"kind": "dbus", "timeout_s": -1}},
        {"name": "Bad3", "type": "temperature", "units": "degrees C",
         "source": {"kind": "sim", "timeout_s": 1}},
    ]
    from conftest import BMCD
    r = run([str(BMCD), "--board", str(write_board(tmp_path, board)), "--check-config"])
    assert r.rc != 0, r
    text = r.out + r.err
    for want in ("sensors[5].source.value: not a key of a dbus source",
                 "sensors[5].source: a dbus source needs a threshold sensor",
                 "sensors[6].source.timeout_s: -1 is out of range",
                 "sensors[6].source: a dbus source needs a threshold sensor",
                 "sensors[7].source.timeout_s: only a dbus source has a timeout"):
        assert want in text, text


# ---- associations ----------------------------------------------------------------------


def test_every_sensor_is_associated_with_the_chassis(bmc_factory, tmp_path, bus):
    start(bmc_factory, tmp_path, bus)
    r = bus.busctl("tree", "--list", NAME)
    assert r.ok, r
    sensors = [p for p in r.out.split() if p.startswith(SENSORS) and p.count("/") == 5]
    assert sorted(sensors) == sorted([INLET, FAN, EXT, EXT_VOLT]), r.out
    for p in sensors:
        r = bus.busctl("get-property", NAME, p, ASSOC, "Associations")
        assert r.ok and r.out.split() == ["a(sss)", "1", '"chassis"', '"all_sensors"',
                                          f'"{CHASSIS}"'], (p, r)
    # The endpoint is there.
    r = bus.busctl("introspect", NAME, CHASSIS)
    assert r.ok and "xyz.openbmc_project.Inventory.Item.Chassis" in r.out, r


# ---- inventory -----------------------------------------------------------------------------


def fru_print(b, fru_id):
    r = b.ipmitool("fru", "print", str(fru_id))
    assert r.ok, r
    out = {}
    for ln in r.out.splitlines():
        key, sep, value = ln.partition(":")
        if sep:
            out.setdefault(key.strip(), value.strip())
    return out


def test_inventory_matches_fru_print(bmc_factory, tmp_path, bus):
    b = start(bmc_factory, tmp_path, bus)
    f0, f1 = fru_print(b, 0), fru_print(b, 1)
    board0, board1 = INV + "/board/Test_Server_FRU", INV + "/board/PSU1_FRU"
    want = {
        (CHASSIS, "PartNumber"): f0["Chassis Part Number"],
        (CHASSIS, "SerialNumber"): f0["Chassis Serial"],
        (board0, "Manufacturer"): f0["Board Mfg"],
        (board0, "Model"): f0["Board Product"],
        (board0, "SerialNumber"): f0["Board Serial"],
        (board0, "PartNumber"): f0["Board Part Number"],
        (INV, "Manufacturer"): f0["Product Manufacturer"],
        (INV, "Model"): f0["Product Name"],
        (INV, "PartNumber"): f0["Product Part Number"],
        (INV, "SerialNumber"): f0["Product Serial"],
        (board1, "Manufacturer"): f1["Board Mfg"],
        (board1, "Model"): f1["Board Product"],
        (board1, "SerialNumber"): f1["Board Serial"],
    }
    for (path, prop), value in want.items():
        assert get(bus, path, ASSET, prop) == value, (path, prop)
    assert f0["Board Serial"] == "TSTMB0042"
    # ipmitool prints the manufacturing date as local time ("Fri Mar  1
    # 09:30:00 2024" with TZ=UTC); ISO 8601 on D-Bus.
    assert get(bus, board0, ASSET, "BuildDate") == "20240301T093000Z"
    assert get(bus, board0, ITEM, "PrettyName") == "Test Mainboard"
    assert get(bus, board0, ITEM, "Present") is True
    assert get(bus, CHASSIS, "xyz.openbmc_project.Inventory.Item.Chassis", "Type") == \
        "xyz.openbmc_project.Inventory.Item.Chassis.ChassisType.RackMount"
    r = bus.busctl("introspect", NAME, INV)
    assert r.ok and "xyz.openbmc_project.Inventory.Item.System" in r.out, r
    r = bus.busctl("introspect", NAME, board1)
    assert r.ok and "xyz.openbmc_project.Inventory.Item.Board" in r.out, r
    # FRU 1 has a board area only.
    r = bus.busctl("tree", "--list", NAME)
    assert r.ok and INV + "/product/PSU1_FRU" not in r.out and \
        INV + "/chassis/PSU1_FRU" not in r.out, r


def checksum(data):
    return (-sum(data)) & 0xff


def test_fru_write_changes_the_inventory(bmc_factory, tmp_path, bus):
    b = start(bmc_factory, tmp_path, bus)
    board0 = INV + "/board/Test_Server_FRU"
    img_path = tmp_path / "fru0.bin"
    assert b.ipmitool("fru", "read", "0", str(img_path)).ok
    img = bytearray(img_path.read_bytes())
    off = img[3] * 8
    length = img[off + 1] * 8
    at = img.index(b"TSTMB0042", off, off + length)
    img[at:at + 9] = b"TSTMB0099"
    img[off + length - 1] = checksum(img[off:off + length - 1])
    img_path.write_bytes(bytes(img))
    mon = Monitor(bus, board0)
    try:
        r = b.ipmitool("fru", "write", "0", str(img_path))
        assert r.ok, r
        assert fru_print(b, 0)["Board Serial"] == "TSTMB0099"
        assert mon.until(lambda ln: "PropertiesChanged" in ln and "TSTMB0099" in ln), mon.lines
    finally:
        mon.close()
    assert get(bus, board0, ASSET, "SerialNumber") == "TSTMB0099"
    # Without its product area, FRU 0's system object goes away.
    img[4] = 0     # the product area offset
    img[7] = checksum(img[:7])
    img_path.write_bytes(bytes(img))
    mon = Monitor(bus, "/xyz/openbmc_project")
    try:
        assert b.ipmitool("fru", "write", "0", str(img_path)).ok
        assert mon.until(lambda ln: "InterfacesRemoved" in ln and f"'{INV}'" in ln), mon.lines
    finally:
        mon.close()
    assert not bus.busctl("get-property", NAME, INV, ASSET, "Model").ok
    assert get(bus, board0, ASSET, "SerialNumber") == "TSTMB0099"
