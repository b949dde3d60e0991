"""Fan control over Redfish (docs/thermal.md "Redfish"): the thermal zones
as Oem.bmcd on /redfish/v1/Managers/bmc, on the thermal sim board
(tests/boards/thermal-sim.json).  A PATCH goes through the same thermal
functions as the OEM IPMI fan commands, so ipmitool sees it (raw 30h 45h,
`sdr elist`) and Redfish sees theirs; bad bodies are refused whole with
the Base registry's messages; D-Bus signals the zones' Control.Mode
changes (PropertiesChanged, seen by gdbus monitor on a private bus); a
zone's fail-safe event reaches a PEF filter and a PET trap (snmptrapd on a
loopback port the test owns)."""
import re

from conftest import HOST, ok, raw, raw_bytes
from rfclient import Redfish
from test_dbus import Monitor, bus  # noqa: F401 (fixture)
from test_dbus import pytestmark as needs_dbus
from test_pef import Trapd
from test_thermal import NETFN, duty, load, mode, reading, sim_dir, start, wait_for

MANAGER = "/redfish/v1/Managers/bmc"
ZONE0 = "/xyz/openbmc_project/settings/fanctrl/zone0"
OPERATOR = ("operator", "operator")
READONLY = ("user", "user")


def fans(rf, **kw):
    return rf.get(MANAGER, **kw)["Oem"]["bmcd"]


def patch(rf, body, auth=OPERATOR, **kw):
    return rf.patch(MANAGER, {"Oem": {"bmcd": body}}, auth=auth, **kw)


def zones(*elems):
    return {"FanZones": list(elems)}


def refused(r, status, message):
    assert r.status_code == status, (r.status_code, r.text)
    ids = [m["MessageId"] for m in r.json()["error"]["@Message.ExtendedInfo"]]
    assert any(i.endswith("." + message) for i in ids), (message, r.text)
    return r.json()["error"]["@Message.ExtendedInfo"][0]


def test_fan_override_over_redfish_and_ipmi(bmc_factory, tmp_path):
    b = start(bmc_factory, tmp_path)
    rf = Redfish(b)
    f = fans(rf)
    assert f["FanMode"] == "Auto" and f["FanMode@Redfish.AllowableValues"] == ["Auto", "FullSpeed"]
    assert [z["Name"] for z in f["FanZones"]] == ["cpu", "sys"], f
    z0 = f["FanZones"][0]
    assert z0["Mode"] == "Auto" and z0["FailSafe"] is False and z0["FailSafePercent"] == 100, z0
    assert "@odata.type" not in rf.get(MANAGER)["Oem"]

    # An operator holds zone 0 at 50 %: the answer shows it at once.
    r = patch(rf, zones({"Mode": "Manual", "DutyPercent": 50}))
    assert r.status_code == 200, r.text
    z = r.json()["Oem"]["bmcd"]
    assert z["FanMode"] == "Manual" and z["FanZones"][0]["Mode"] == "Manual", z
    assert z["FanZones"][0]["DutyPercent"] == 50 and z["FanZones"][1]["Mode"] == "Auto", z
    assert mode(b) == 0x03 and duty(b, 0) == 50
    assert wait_for(lambda: abs(reading(b, "FAN1") - 6000) <= 200 and
                    abs(reading(b, "FAN2") - 6000) <= 200, 10)
    assert "zone cpu: manual duty 50% (Redfish, operator)" in b.stderr()

    # The OEM IPMI commands show in Redfish: full mode, then zone 1 manual.
    ok(raw(b, NETFN, 0x45, 0x01, 0x01))
    f = fans(rf)
    assert f["FanMode"] == "FullSpeed", f
    assert [(z["Mode"], z["DutyPercent"]) for z in f["FanZones"]] == [("FullSpeed", 100)] * 2, f
    ok(raw(b, NETFN, 0x70, 0x66, 0x01, 0x01, 40))
    f = fans(rf)
    assert f["FanMode"] == "Manual", f
    assert [(z["Mode"], z["DutyPercent"]) for z in f["FanZones"]] == \
        [("Manual", 50), ("Manual", 40)], f

    # Nothing half-applied: zone 0's good change is refused with zone 1's bad one.
    e = refused(patch(rf, zones({"Mode": "Auto"}, {"DutyPercent": 101})), 400,
                "PropertyValueOutOfRange")
    assert e["MessageArgs"] == ["101", "Oem/bmcd/FanZones/1/DutyPercent"], e
    assert [z["Mode"] for z in fans(rf)["FanZones"]] == ["Manual", "Manual"]
    refused(patch(rf, zones({"Mode": "Turbo"})), 400, "PropertyValueNotInList")
    refused(patch(rf, {"FanMode": "Manual"}), 400, "PropertyValueNotInList")
    refused(patch(rf, {"FanMode": "FailSafe"}), 400, "PropertyValueNotInList")
    refused(patch(rf, zones({"DutyPercent": "50"})), 400, "PropertyValueTypeError")
    refused(patch(rf, zones({"DutyPercent": 49.5})), 400, "PropertyValueTypeError")
    refused(patch(rf, zones({"DutyPercent": -1})), 400, "PropertyValueOutOfRange")
    refused(patch(rf, zones({"Speed": 30})), 400, "PropertyUnknown")
    refused(patch(rf, {"Fans": []}), 400, "PropertyUnknown")
    refused(rf.patch(MANAGER, {"Oem": {"Other": {}}}, auth=OPERATOR), 400, "PropertyUnknown")
    refused(patch(rf, zones({}, {}, {})), 400, "PropertyValueOutOfRange")
    refused(patch(rf, zones(None)), 400, "PropertyValueTypeError")
    refused(patch(rf, {"FanZones": {"Mode": "Auto"}}), 400, "PropertyValueTypeError")
    refused(patch(rf, zones({"Name": "gpu"})), 400, "PropertyNotWritable")
    refused(patch(rf, zones({"FailSafe": True})), 400, "PropertyNotWritable")
    refused(patch(rf, zones({"Mode": "Auto", "DutyPercent": 30})), 400, "PropertyValueConflict")
    refused(patch(rf, {"FanMode": "FullSpeed", **zones({"DutyPercent": 30})}), 400,
            "PropertyValueConflict")
    # The clock still needs ConfigureManager: nothing of the body is done.
    both = {"DateTimeLocalOffset": "+01:00", "Oem": {"bmcd": {"FanMode": "Auto"}}}
    refused(rf.patch(MANAGER, both, auth=OPERATOR), 403, "InsufficientPrivilege")
    refused(patch(rf, {"FanMode": "Auto"}, auth=READONLY), 403, "InsufficientPrivilege")
    refused(patch(rf, {"FanMode": "Auto"}, headers={"If-Match": 'W/"0000000000000000"'}), 412,
            "PreconditionFailed")
    assert mode(b) == 0x03 and duty(b, 0) == 50 and duty(b, 1) == 40

    # {} leaves a zone as it is; Mode Manual alone holds the present duty.
    assert patch(rf, zones({}, {"Mode": "Auto"})).status_code == 200
    assert [z["Mode"] for z in fans(rf)["FanZones"]] == ["Manual", "Auto"]
    # FanMode Auto: every zone automatic, as IPMI Set Fan Mode 00h.
    r = patch(rf, {"FanMode": "Auto"})
    assert r.status_code == 200 and r.json()["Oem"]["bmcd"]["FanMode"] == "Auto", r.text
    assert mode(b) == 0x00
    assert wait_for(lambda: duty(b) == 20, 20)		# idle host: back at the minimum
    assert patch(rf, zones({"Mode": "Manual"})).status_code == 200
    assert fans(rf)["FanZones"][0]["DutyPercent"] == 20 and mode(b) == 0x03
    # FullSpeed as IPMI's full mode; Redfish PATCH as admin works too.
    assert patch(rf, {"FanMode": "FullSpeed"}, auth=("admin", "password")).status_code == 200
    assert mode(b) == 0x01 and duty(b, 1) == 100

    # If-Match with the Manager's ETag (it follows DateTime's seconds: a
    # second that ends between the GET and the PATCH is tried again).
    for _ in range(3):
        tag = rf.req("GET", MANAGER).headers["ETag"]
        r = patch(rf, zones({"DutyPercent": 70}), headers={"If-Match": tag})
        if r.status_code != 412:
            break
    assert r.status_code == 200, r.text
    assert r.json()["Oem"]["bmcd"]["FanZones"][0]["DutyPercent"] == 70, r.text
    # Volatile: a cold reset returns to automatic.
    ok(b.ipmitool("mc", "reset", "cold"))
    assert wait_for(lambda: b.ipmitool("mc", "info").ok, 10)
    f = fans(rf)
    assert f["FanMode"] == "Auto" and [z["Mode"] for z in f["FanZones"]] == ["Auto", "Auto"], f


def test_board_without_zones_has_no_fan_oem(bmc):
    rf = Redfish(bmc)
    assert "Oem" not in rf.get(MANAGER)
    refused(patch(rf, {"FanMode": "Auto"}), 400, "PropertyUnknown")


@needs_dbus
def test_dbus_signals_control_mode_changes(bmc_factory, tmp_path, bus):
    b = start(bmc_factory, tmp_path, extra_args=["--bus", bus.address])
    rf = Redfish(b)
    mon = Monitor(bus, ZONE0)
    try:
        def seen(prop, value):
            want = f"'{prop}': <{value}>"
            return mon.until(lambda ln: "PropertiesChanged" in ln and want in ln, 5)

        assert patch(rf, zones({"DutyPercent": 60})).status_code == 200	# Redfish
        assert seen("Manual", "true"), mon.lines
        ok(raw(b, NETFN, 0x45, 0x01, 0x00))				# IPMI OEM: automatic
        assert seen("Manual", "false"), mon.lines
        ok(raw(b, NETFN, 0x45, 0x01, 0x01))				# IPMI OEM: full
        assert seen("Manual", "true"), mon.lines
        ok(b.ipmitool("mc", "reset", "cold"))				# cold reset: automatic
        assert seen("Manual", "false"), mon.lines
        assert wait_for(lambda: b.ipmitool("mc", "info").ok, 10)
        f = sim_dir(b) / "CPU0 Temp"					# fail safe entered, left
        f.unlink()
        f.mkdir()
        assert seen("FailSafe", "true"), mon.lines
        f.rmdir()
        assert seen("FailSafe", "false"), mon.lines
    finally:
        mon.close()


def test_failsafe_event_reaches_a_pef_trap(bmc_factory, tmp_path):
    trapd = Trapd(tmp_path)
    try:
        board = load()
        board["pef"] = {"enabled": True, "trap_port": trapd.port}
        b = start(bmc_factory, tmp_path, board)
        ok(b.ipmitool("lan", "alert", "set", "1", "1", "ipaddr", HOST))
        # Filter 6: alert (policy 1) on a temperature's severity event (07h)
        # "transition to critical" (offset 2), the thermal fail safe's.
        entry = [0x80, 0x01, 0x01, 0x10, 0xFF, 0xFF, 0x01, 0xFF, 0x07, 0x04, 0x00,
                 0, 0, 0, 0, 0, 0, 0, 0, 0]
        ok(raw(b, 0x04, 0x12, 0x06, 0x06, *entry))
        f = sim_dir(b) / "CPU0 Temp"
        f.unlink()
        f.mkdir()
        traps = wait_for(lambda: [t for t in trapd.traps() if t[2] == 0x010702], 10)
        assert traps, (trapd.traps(), b.stderr_tail())
        vb = traps[0][3]
        assert vb[26] == 0x10 and vb[28] == 1, vb.hex()	# critical, sensor 1 (CPU0 Temp)
        assert re.search(r"pef: event \d+ matches filter 6", b.stderr()), b.stderr_tail()
        assert raw_bytes(raw(b, NETFN, 0x70, 0x66, 0x00, 0x00))[0] == 100
    finally:
        trapd.stop()
