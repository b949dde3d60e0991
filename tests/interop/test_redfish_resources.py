"""Redfish resources (issue 18, "Resources"): Systems, Chassis, Managers and
the SEL LogService, driven by the clients that use them (curl-like requests,
python3-sushy as Ironic calls it, fence_redfish, redfishtool) and checked
against what ipmitool sees of the same state, and the other way round.
"""

import re
import time

import pytest

from conftest import POWER_DEADLINE, SIM_BOARD, load_board, make_user, ok, raw, raw_bytes, run
import rfclient
from rfclient import ADMIN

requests = pytest.importorskip("requests")
sushy = pytest.importorskip("sushy")

# The service's certificate is self-signed: every client skips the check.
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

SYSTEM = "/redfish/v1/Systems/system"
CHASSIS = "/redfish/v1/Chassis/chassis"
MANAGER = "/redfish/v1/Managers/bmc"
RESET = SYSTEM + "/Actions/ComputerSystem.Reset"
SEL_LOG = MANAGER + "/LogServices/SEL"
ENTRIES = SEL_LOG + "/Entries"
CLEAR = SEL_LOG + "/Actions/LogService.ClearLog"


class Redfish(rfclient.Redfish):
    def sushy(self):
        return sushy.Sushy(self.base + "/redfish/v1", username=ADMIN[0], password=ADMIN[1],
                           verify=False)

    def wait(self, pred, what, deadline=POWER_DEADLINE):
        t_end = time.monotonic() + deadline
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() >= t_end:
                pytest.fail(f"{what} did not happen within {deadline}s", pytrace=False)
            time.sleep(0.2)


@pytest.fixture
def rf(bmc_factory, monkeypatch):
    # requests lets a CA bundle named in the environment override sushy's
    # verify=False: the self-signed certificate must not be checked.
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    b = bmc_factory()
    r = Redfish(b)
    # The service answers once the daemon is ready; give TLS a moment.
    r.wait(lambda: _answers(r), "the Redfish service answering", deadline=5)
    return r


def _answers(r):
    try:
        return r.req("GET", "/redfish/v1", auth=None).status_code == 200
    except requests.RequestException:
        return False


def error_id(resp):
    """The MessageId of a Redfish error body, without its registry version."""
    info = resp.json()["error"]["@Message.ExtendedInfo"]
    return info[0]["MessageId"].rsplit(".", 1)[-1]


def bootflags(rf):
    """System Boot Options parameter 5 as ipmitool reads it: (data 1, device)."""
    r = ok(rf.b.ipmitool("chassis", "bootparam", "get", "5"))
    m = re.search(r"Boot parameter data: ([0-9a-fA-F]*)", r.out)
    assert m, r
    data = bytes.fromhex(m.group(1))
    return data[0], (data[1] >> 2) & 0xF


def guid_text(wire):
    """A GUID in IPMI wire order as RFC 4122 text."""
    h = bytes(reversed(wire)).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --------------------------------------------------------------------------
# The resources and their identity


def test_one_system_one_chassis_one_manager(rf):
    for coll, member in (("/redfish/v1/Systems", SYSTEM), ("/redfish/v1/Chassis", CHASSIS),
                         ("/redfish/v1/Managers", MANAGER)):
        c = rf.get(coll)
        assert c["Members@odata.count"] == 1
        assert c["Members"] == [{"@odata.id": member}]
    # A name that is not the one member.
    assert rf.req("GET", "/redfish/v1/Systems/1").status_code == 404


def test_system_identity_from_fru_and_guid(rf):
    board = load_board(SIM_BOARD)
    product = board["fru"][0]["product"]
    s = rf.get(SYSTEM)
    assert s["@odata.type"].startswith("#ComputerSystem.")
    assert s["SystemType"] == "Physical"
    assert s["Manufacturer"] == product["manufacturer"]
    assert s["Model"] == product["name"]
    assert s["SerialNumber"] == product["serial"]
    assert s["PartNumber"] == product["part_number"]
    guid = raw_bytes(raw(rf.b, 0x06, 0x37))
    assert s["UUID"] == guid_text(guid)
    assert s["Status"]["Health"] in ("OK", "Warning", "Critical")
    assert s["Links"]["Chassis"] == [{"@odata.id": CHASSIS}]
    assert s["Actions"]["#ComputerSystem.Reset"]["target"] == RESET
    info = rf.get(s["Actions"]["#ComputerSystem.Reset"]["@Redfish.ActionInfo"])
    assert set(info["Parameters"][0]["AllowableValues"]) == {
        "On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "PowerCycle",
        "Nmi", "PushPowerButton"}
    m = rf.get(MANAGER)
    assert m["ManagerType"] == "BMC"
    assert m["UUID"] == guid_text(raw_bytes(raw(rf.b, 0x06, 0x08)))
    c = rf.get(CHASSIS)
    assert c["ChassisType"] == "RackMount"
    assert c["SerialNumber"] == board["fru"][0]["chassis"]["serial"]
    assert c["Links"]["ComputerSystems"] == [{"@odata.id": SYSTEM}]


# --------------------------------------------------------------------------
# Power: sushy, fence_redfish, redfishtool, and ipmitool seeing the result


def test_sushy_power_on_off_seen_by_ipmitool(rf):
    s = rf.sushy()
    system = s.get_system(SYSTEM)
    assert system.power_state == sushy.POWER_STATE_OFF
    system.reset_system(sushy.RESET_ON)
    rf.b.wait_power("on")
    rf.wait(lambda: (system.refresh(), system.power_state)[1] == sushy.POWER_STATE_ON, "On")
    system.reset_system(sushy.RESET_FORCE_OFF)
    rf.b.wait_power("off")
    # ipmitool's change is Redfish's at once.
    ok(rf.b.ipmitool("chassis", "power", "on"))
    rf.wait(lambda: rf.get(SYSTEM)["PowerState"] == "On", "PowerState On")


def test_reset_refused_in_the_wrong_state_is_409(rf):
    r = rf.post(RESET, {"ResetType": "ForceRestart"})
    assert r.status_code == 409, r.text
    assert error_id(r) == "ResourceInUse"
    assert rf.b.power_status()[0] == "off"


def test_every_reset_type(rf):
    assert rf.post(RESET, {"ResetType": "PushPowerButton"}).status_code == 204
    rf.b.wait_power("on")
    for t in ("Nmi", "ForceRestart"):
        r = rf.post(RESET, {"ResetType": t})
        assert r.status_code == 204, (t, r.text)
    rf.b.wait_power("on")
    assert rf.post(RESET, {"ResetType": "PowerCycle"}).status_code == 204
    rf.wait(lambda: rf.get(SYSTEM)["PowerState"] in ("PoweringOff", "PoweringOn", "Off"),
            "the cycle starting")
    rf.b.wait_power("on")
    assert rf.post(RESET, {"ResetType": "ForceOff"}).status_code == 204
    rf.b.wait_power("off")


def test_graceful_shutdown_and_restart(rf):
    # The sim host shuts down 3 s after an ACPI press.
    assert rf.post(RESET, {"ResetType": "On"}).status_code == 204
    rf.b.wait_power("on")
    assert rf.post(RESET, {"ResetType": "GracefulRestart"}).status_code == 204
    rf.wait(lambda: rf.get(SYSTEM)["PowerState"] == "PoweringOff", "the soft off starting")
    rf.b.wait_power("off")
    rf.b.wait_power("on")
    assert rf.post(RESET, {"ResetType": "GracefulShutdown"}).status_code == 204
    rf.b.wait_power("off")
    # Nothing to shut down or restart gracefully while off.
    for t in ("GracefulShutdown", "GracefulRestart"):
        r = rf.post(RESET, {"ResetType": t})
        assert r.status_code == 409, (t, r.text)
    assert rf.b.power_status()[0] == "off"


def test_fence_redfish(rf):
    def fence(action):
        return run(["fence_redfish", "--ip", "127.0.0.1", "--ipport", rf.port, "--ssl-insecure",
                    "-l", ADMIN[0], "-p", ADMIN[1], "-o", action], timeout=60)

    r = fence("status")
    assert r.rc == 2 and "Status: OFF" in r.out, r      # 2: off
    r = fence("on")
    assert r.ok, r
    rf.b.wait_power("on")
    r = fence("status")
    assert r.ok and "Status: ON" in r.out, r
    r = fence("reboot")
    assert r.ok, r
    rf.b.wait_power("on")
    r = fence("off")
    assert r.ok, r
    rf.b.wait_power("off")


def test_redfishtool(rf):
    base = ["redfishtool", "-r", f"127.0.0.1:{rf.port}", "-S", "Always", "-u", ADMIN[0],
            "-p", ADMIN[1]]
    r = run(base + ["Systems", "get"])
    assert r.ok and '"PowerState": "Off"' in r.out, r
    r = run(base + ["Systems", "reset", "On"])
    assert r.ok, r
    rf.b.wait_power("on")
    r = run(base + ["Chassis", "get"])
    assert r.ok and '"ChassisType": "RackMount"' in r.out, r


# --------------------------------------------------------------------------
# The boot override shares IPMI's boot flags


def test_sushy_boot_once_pxe_uefi_is_ipmis_boot_flags(rf):
    system = rf.sushy().get_system(SYSTEM)
    system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE,
                                   enabled=sushy.BOOT_SOURCE_ENABLED_ONCE,
                                   mode=sushy.BOOT_SOURCE_MODE_UEFI)
    d1, dev = bootflags(rf)
    assert d1 & 0x80 and not d1 & 0x40 and d1 & 0x20, hex(d1)   # valid, next boot, EFI
    assert dev == 0x1                                             # PXE
    system.refresh()
    assert system.boot.target == sushy.BOOT_SOURCE_TARGET_PXE
    assert system.boot.enabled == sushy.BOOT_SOURCE_ENABLED_ONCE
    assert system.boot.mode == sushy.BOOT_SOURCE_MODE_UEFI
    # Persistent, to disk, legacy.
    system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_HDD,
                                   enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS,
                                   mode=sushy.BOOT_SOURCE_MODE_BIOS)
    d1, dev = bootflags(rf)
    assert d1 & 0x80 and d1 & 0x40 and not d1 & 0x20, hex(d1)
    assert dev == 0x2


def test_ipmitool_bootdev_seen_in_redfish(rf):
    ok(rf.b.ipmitool("chassis", "bootdev", "pxe"))
    boot = rf.get(SYSTEM)["Boot"]
    assert boot["BootSourceOverrideTarget"] == "Pxe"
    assert boot["BootSourceOverrideEnabled"] == "Once"
    ok(rf.b.ipmitool("chassis", "bootdev", "cdrom", "options=persistent,efiboot"))
    boot = rf.get(SYSTEM)["Boot"]
    assert (boot["BootSourceOverrideTarget"], boot["BootSourceOverrideEnabled"],
            boot["BootSourceOverrideMode"]) == ("Cd", "Continuous", "UEFI")
    assert "Usb" in boot["BootSourceOverrideTarget@Redfish.AllowableValues"]


def test_once_reads_disabled_after_the_host_boots(rf):
    r = rf.patch(SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Pxe",
                                   "BootSourceOverrideEnabled": "Once"}})
    assert r.status_code == 200, r.text
    assert r.json()["Boot"]["BootSourceOverrideEnabled"] == "Once"
    assert rf.post(RESET, {"ResetType": "On"}).status_code == 204
    rf.b.wait_power("on")
    rf.wait(lambda: rf.get(SYSTEM)["Boot"]["BootSourceOverrideEnabled"] == "Disabled",
            "Once read back as Disabled")
    assert not bootflags(rf)[0] & 0x80


def test_patch_with_if_match(rf):
    r = rf.req("GET", SYSTEM)
    etag = r.headers.get("ETag")
    assert etag, r.headers
    r = rf.patch(SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Hdd"}},
                 headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    # The same tag again: the resource changed, 412, nothing changed.
    r = rf.patch(SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Cd"}},
                 headers={"If-Match": etag})
    assert r.status_code == 412, r.text
    assert rf.get(SYSTEM)["Boot"]["BootSourceOverrideTarget"] == "Hdd"


def test_location_indicator_is_chassis_identify(rf):
    r = rf.patch(SYSTEM, {"LocationIndicatorActive": True})
    assert r.status_code == 200, r.text
    st = raw_bytes(raw(rf.b, 0x00, 0x01))
    assert st[2] & 0x30 == 0x20, st         # Get Chassis Status: identify indefinitely on
    assert rf.get(CHASSIS)["LocationIndicatorActive"] is True
    ok(rf.b.ipmitool("chassis", "identify", "0"))
    assert rf.get(SYSTEM)["LocationIndicatorActive"] is False


# --------------------------------------------------------------------------
# Bad input: the right status, the registry's message, nothing changed


def test_bad_input_changes_nothing(rf):
    before = bootflags(rf)
    cases = [
        (RESET, "POST", {"ResetType": "Explode"}, 400, "PropertyValueNotInList"),
        (RESET, "POST", {"ResetType": 1}, 400, "PropertyValueTypeError"),
        (RESET, "POST", {}, 400, "ActionParameterMissing"),
        (RESET, "POST", {"ResetType": "On", "Force": True}, 400, "ActionParameterUnknown"),
        (SYSTEM, "PATCH", {"Bogus": 1}, 400, "PropertyUnknown"),
        (SYSTEM, "PATCH", {"Boot": {"BootSourceOverrideTarget": "Floppy"}}, 400,
         "PropertyValueNotInList"),
        (SYSTEM, "PATCH", {"Boot": {"BootSourceOverrideMode": 3}}, 400, "PropertyValueTypeError"),
        (SYSTEM, "PATCH", {"Boot": {"Nope": "x"}}, 400, "PropertyUnknown"),
        (SYSTEM, "PATCH", {"Boot": "Pxe"}, 400, "PropertyValueTypeError"),
        # A good Boot with a bad LocationIndicatorActive: neither applied.
        (SYSTEM, "PATCH", {"Boot": {"BootSourceOverrideTarget": "Pxe"},
                           "LocationIndicatorActive": "yes"}, 400, "PropertyValueTypeError"),
        (MANAGER, "PATCH", {"DateTime": "yesterday"}, 400, "PropertyValueFormatError"),
        (MANAGER, "PATCH", {"DateTimeLocalOffset": "+25:00"}, 400, "PropertyValueFormatError"),
        (MANAGER + "/Actions/Manager.Reset", "POST", {"ResetType": "On"}, 400,
         "PropertyValueNotInList"),
        (CLEAR, "POST", {"Everything": True}, 400, "ActionParameterUnknown"),
    ]
    for path, method, body, status, mid in cases:
        r = rf.req(method, path, json=body)
        assert r.status_code == status, (path, body, r.status_code, r.text)
        assert error_id(r) == mid, (path, body, r.text)
    assert bootflags(rf) == before
    assert rf.get(SYSTEM)["LocationIndicatorActive"] is False
    assert rf.b.power_status()[0] == "off"


def test_under_privileged_user_is_refused(rf):
    make_user(rf.b, 5, "viewer", "viewerpass1", priv=2)     # IPMI USER: ReadOnly
    viewer = ("viewer", "viewerpass1")
    assert rf.req("GET", SYSTEM, auth=viewer).status_code == 200
    r = rf.post(RESET, {"ResetType": "On"}, auth=viewer)
    assert r.status_code == 403, r.text
    r = rf.patch(SYSTEM, {"LocationIndicatorActive": True}, auth=viewer)
    assert r.status_code == 403, r.text
    assert rf.post(CLEAR, {}, auth=viewer).status_code == 403
    assert rf.b.power_status()[0] == "off"
    assert rf.req("GET", SYSTEM, auth=None).status_code == 401


# --------------------------------------------------------------------------
# Sensors


def ipmitool_reading(rf, name):
    r = ok(rf.b.ipmitool("sensor", "get", name))
    m = re.search(r"Sensor Reading\s*:\s*([-\d.]+)", r.out)
    assert m, r
    return float(m.group(1))


def test_sensors_match_ipmitool(rf):
    coll = rf.get(CHASSIS + "/Sensors")
    board = load_board(SIM_BOARD)
    assert coll["Members@odata.count"] == len(board["sensors"])
    ids = [m["@odata.id"].rsplit("/", 1)[-1] for m in coll["Members"]]
    assert "CPU0_Temp" in ids and "FAN1" in ids
    s = rf.get(CHASSIS + "/Sensors/CPU0_Temp")
    assert s["ReadingType"] == "Temperature" and s["ReadingUnits"] == "Cel"
    assert s["Status"]["State"] == "Enabled"
    assert s["Thresholds"]["UpperCritical"]["Reading"] == pytest.approx(95, abs=1)
    assert s["Thresholds"]["UpperCaution"]["Reading"] == pytest.approx(85, abs=1)
    # The sim sensors move slowly: the same number within a few steps.
    ipmi = ipmitool_reading(rf, "CPU0 Temp")
    assert s["Reading"] == pytest.approx(ipmi, abs=2)
    fan = rf.get(CHASSIS + "/Sensors/FAN1")
    assert fan["ReadingUnits"] == "RPM"
    assert fan["Thresholds"]["LowerCritical"]["Reading"] == pytest.approx(500, rel=0.05)
    assert rf.req("GET", CHASSIS + "/Sensors/NoSuch").status_code == 404


def test_thermal_power_and_environment(rf):
    fans = rf.get(CHASSIS + "/ThermalSubsystem/Fans")
    assert fans["Members@odata.count"] == 6
    fan = rf.get(fans["Members"][0]["@odata.id"])
    assert fan["SpeedPercent"]["DataSourceUri"].startswith(CHASSIS + "/Sensors/")
    temps = rf.get(CHASSIS + "/ThermalSubsystem/ThermalMetrics")["TemperatureReadingsCelsius"]
    assert {t["DeviceName"] for t in temps} >= {"CPU0 Temp", "Inlet Temp"}
    psus = rf.get(CHASSIS + "/PowerSubsystem/PowerSupplies")
    assert psus["Members@odata.count"] == 2
    psu = rf.get(psus["Members"][0]["@odata.id"])
    assert psu["Status"]["State"] in ("Enabled", "Absent")
    env = rf.get(CHASSIS + "/EnvironmentMetrics")
    assert "PowerWatts" in env


# --------------------------------------------------------------------------
# The manager: clock, network, SEL


def test_datetime_is_the_sel_clock(rf):
    r = rf.patch(MANAGER, {"DateTime": "2030-01-02T03:04:05+00:00"})
    assert r.status_code == 200, r.text
    t = ok(rf.b.ipmitool("sel", "time", "get"))
    assert re.match(r"01/02/(20)?30 03:04:0\d", t.out), t
    assert rf.get(MANAGER)["DateTime"].startswith("2030-01-02T03:04:")
    assert rf.get(MANAGER)["DateTimeLocalOffset"] == "+00:00"


def test_manager_etag_survives_the_clock(rf):
    """The Manager's DateTime moves each second; its ETag must not, or an
    If-Match PATCH fails whenever a second passed since the client's GET."""
    r = rf.req("GET", MANAGER)
    etag, t0 = r.headers.get("ETag"), r.json()["DateTime"]
    assert etag, r.headers
    deadline = time.monotonic() + 5
    while rf.get(MANAGER)["DateTime"] == t0:
        assert time.monotonic() < deadline, "the Manager's clock does not move"
        time.sleep(0.2)
    r = rf.req("GET", MANAGER)
    assert r.headers.get("ETag") == etag, (etag, r.headers)
    r = rf.patch(MANAGER, {"DateTimeLocalOffset": "+00:00"}, headers={"If-Match": etag})
    assert r.status_code == 200, r.text


def test_network_protocol_and_interface(rf):
    np_ = rf.get(MANAGER + "/NetworkProtocol")
    assert np_["IPMI"]["ProtocolEnabled"] is True
    assert np_["IPMI"]["Port"] == rf.b.port
    assert np_["HTTPS"] == {"ProtocolEnabled": True, "Port": rf.port}
    eths = rf.get(MANAGER + "/EthernetInterfaces")
    assert eths["Members@odata.count"] == 1
    eth = rf.get(eths["Members"][0]["@odata.id"])
    lan = ok(rf.b.ipmitool("lan", "print", "1"))
    ip = re.search(r"^IP Address\s*:\s*(\S+)", lan.out, re.M).group(1)
    mac = re.search(r"^MAC Address\s*:\s*(\S+)", lan.out, re.M).group(1)
    assert eth["MACAddress"].lower() == mac.lower()
    if ip != "0.0.0.0":
        assert eth["IPv4Addresses"][0]["Address"] == ip


def test_sel_entries_and_clearlog(rf):
    ok(rf.b.ipmitool("event", "1"))      # a temperature upper critical event
    entries = rf.get(ENTRIES)
    assert entries["Members@odata.count"] >= 1
    e = entries["Members"][-1]
    assert e["EntryType"] == "SEL"
    assert e["EntryCode"].startswith("Upper")
    assert e["Severity"] in ("Warning", "Critical")
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", e["Created"])
    # The same record by its ID.
    assert rf.get(e["@odata.id"])["Id"] == e["Id"]
    sel_ids = [int(line.split("|")[0], 16) for line in
               ok(rf.b.ipmitool("sel", "list")).out.splitlines() if "|" in line]
    assert int(e["Id"]) in sel_ids
    log = rf.get(SEL_LOG)
    assert log["Actions"]["#LogService.ClearLog"]["target"] == CLEAR
    r = rf.post(CLEAR, {})
    assert r.status_code in (200, 204), r.text
    # Clear SEL leaves one record: its own "log area cleared" event.
    listing = [line for line in ok(rf.b.ipmitool("sel", "list")).out.splitlines() if "|" in line]
    assert len(listing) == 1 and "Log area reset/cleared" in listing[0], listing
    assert rf.get(ENTRIES)["Members@odata.count"] == 1


def test_sel_entries_paginate(rf, tmp_path):
    # 150 records in one ipmitool session (Add SEL Entry, a system event).
    cmds = tmp_path / "add.txt"
    cmds.write_text("".join(
        "raw 0x0a 0x44 0 0 0x02 0 0 0 0 0x20 0 0x04 0x01 0x01 0x01 0x07 0x52 0x40\n"
        for _ in range(150)))
    ok(rf.b.ipmitool("exec", cmds, timeout=120))
    first = rf.get(ENTRIES)
    total = first["Members@odata.count"]
    assert total >= 150
    assert len(first["Members"]) == 100
    seen = [m["Id"] for m in first["Members"]]
    nxt = first.get("Members@odata.nextLink")
    while nxt:
        page = rf.get(nxt)
        seen += [m["Id"] for m in page["Members"]]
        nxt = page.get("Members@odata.nextLink")
    assert len(seen) == total and len(set(seen)) == total
    r = rf.req("GET", ENTRIES + "?$skip=abc")
    assert r.status_code == 400, r.text


def test_manager_reset_keeps_serving(rf):
    r = rf.post(MANAGER + "/Actions/Manager.Reset", {"ResetType": "GracefulRestart"})
    assert r.status_code == 204, r.text
    rf.wait(lambda: rf.b.power_status()[1].ok, "IPMI answering after the warm reset")
    assert rf.get(MANAGER)["ManagerType"] == "BMC"
