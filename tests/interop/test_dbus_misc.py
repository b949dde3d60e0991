"""bmcd on D-Bus, the rest of issue 19 (docs/dbus.md): the identify LED
group, the network settings, log entries' AdditionalData and severity,
Logging.Create, LastRebootTime, the boot type, and the bus daemon going
away and coming back.  Each test starts its own dbus-daemon (test_dbus's
Bus) and checks D-Bus against ipmitool."""

import re
import time

import pytest

from conftest import POWER_DEADLINE
from test_dbus import NAME, Monitor, bus, on_bus, pytestmark  # noqa: F401 (fixture, skip mark)

LED_PATH = "/xyz/openbmc_project/led/groups/enclosure_identify"
LED_IFACE = "xyz.openbmc_project.Led.Group"
BMC_PATH = "/xyz/openbmc_project/state/bmc0"
BMC_IFACE = "xyz.openbmc_project.State.BMC"
BOOT = "/xyz/openbmc_project/control/host0/boot"
TYPE_IFACE = "xyz.openbmc_project.Control.Boot.Type"
TYPES = TYPE_IFACE + ".Types."


def prop(bus, path, iface, name):
    """A property as busctl prints it: [signature, value...]."""
    r = bus.busctl("get-property", NAME, path, iface, name)
    assert r.ok, r
    return r.out.split(None, 1)


def asserted(bus):
    sig, val = prop(bus, LED_PATH, LED_IFACE, "Asserted")
    assert sig == "b", val
    return val.strip() == "true"


def identify_state(b):
    """Get Chassis Status, byte 3 bits 5:4: 0 off, 1 timed, 2 forced."""
    r = b.ipmitool("raw", "0x00", "0x01")
    assert r.ok, r
    return (int(r.out.split()[2], 16) >> 4) & 3


def asserted_signal(value):
    return lambda ln: "PropertiesChanged" in ln and LED_IFACE in ln and \
        f"'Asserted': <{value}>" in ln


def test_identify_both_ways(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert asserted(bus) is False
    mon = Monitor(bus, LED_PATH)
    try:
        # D-Bus: forced on, then off; IPMI's chassis status follows.
        assert bus.busctl("set-property", NAME, LED_PATH, LED_IFACE, "Asserted", "b",
                          "true").ok
        assert identify_state(b) == 2
        assert mon.until(asserted_signal("true")), mon.lines
        assert bus.busctl("set-property", NAME, LED_PATH, LED_IFACE, "Asserted", "b",
                          "false").ok
        assert identify_state(b) == 0
        assert mon.until(asserted_signal("false")), mon.lines
        # A wrong type is refused and changes nothing.
        r = bus.gdbus_set(LED_PATH, LED_IFACE, "Asserted", "<'yes'>")
        assert not r.ok and "InvalidArgs" in r.text, r
        assert identify_state(b) == 0
        # IPMI: forced on, off, then 2 s timed that runs out by itself.
        assert b.ipmitool("chassis", "identify", "force").ok
        assert mon.until(asserted_signal("true")), mon.lines
        assert asserted(bus) is True
        assert b.ipmitool("chassis", "identify", "0").ok
        assert mon.until(asserted_signal("false")), mon.lines
        assert b.ipmitool("chassis", "identify", "2").ok
        assert mon.until(asserted_signal("true")), mon.lines
        assert asserted(bus) is True
        assert mon.until(asserted_signal("false"), deadline=6), mon.lines
        assert identify_state(b) == 0 and asserted(bus) is False
    finally:
        mon.close()


def test_identify_read_only_board(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus, dbus_section={"read_only": True})
    r = bus.gdbus_set(LED_PATH, LED_IFACE, "Asserted", "<true>")
    assert not r.ok and "AccessDenied" in r.text, r
    assert identify_state(b) == 0


def test_last_reboot_time(bmc_factory, tmp_path, bus):
    before = int(time.time() * 1000)
    b = on_bus(bmc_factory, tmp_path, bus)
    after = int(time.time() * 1000)
    sig, val = prop(bus, BMC_PATH, BMC_IFACE, "LastRebootTime")
    assert sig == "t", val
    # Started by the test, within the test's run (the clock's ms rounding).
    assert before - 1000 <= int(val) <= after, (before, val, after)
    # A cold reset is not a reboot of the BMC: the time stays.
    assert b.ipmitool("mc", "reset", "cold").ok
    time.sleep(1)
    assert prop(bus, BMC_PATH, BMC_IFACE, "LastRebootTime")[1] == val


def bootparam(b):
    r = b.ipmitool("chassis", "bootparam", "get", "5")
    assert r.ok, r
    return r.out


def test_boot_type_round_trip(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert bus.get(BOOT, TYPE_IFACE, "BootType") == TYPES + "Legacy"
    # IPMI sets an EFI next boot from PXE: D-Bus shows EFI, with a signal.
    mon = Monitor(bus, BOOT)
    try:
        assert b.ipmitool("chassis", "bootdev", "pxe", "options=efiboot").ok
        assert "BIOS EFI boot" in bootparam(b)
        bus.wait_for(BOOT, TYPE_IFACE, "BootType", TYPES + "EFI")
        assert mon.until(lambda ln: "PropertiesChanged" in ln and TYPE_IFACE in ln), mon.lines
    finally:
        mon.close()
    # D-Bus back to Legacy: only the EFI bit changes, the PXE next boot stays.
    assert bus.set(BOOT, TYPE_IFACE, "BootType", TYPES + "Legacy").ok
    out = bootparam(b)
    assert "BIOS PC Compatible (legacy) boot" in out and "Force PXE" in out \
        and "Boot Flag Valid" in out and "only next boot" in out, out
    assert bus.set(BOOT, TYPE_IFACE, "BootType", TYPES + "EFI").ok
    out = bootparam(b)
    assert "BIOS EFI boot" in out and "Force PXE" in out, out
    # A value of no Types: InvalidArgs naming it, nothing changed.
    r = bus.gdbus_set(BOOT, TYPE_IFACE, "BootType", f"<'{TYPES}Coreboot'>")
    assert not r.ok and "InvalidArgs" in r.text and "Coreboot" in r.text, r
    assert bootparam(b) == out


NET = "/xyz/openbmc_project/network/"
ETH_IFACE = "xyz.openbmc_project.Network.EthernetInterface"
MAC_IFACE = "xyz.openbmc_project.Network.MACAddress"
IP_IFACE = "xyz.openbmc_project.Network.IP"
VLAN_IFACE = "xyz.openbmc_project.Network.VLAN"


def lan_print(b):
    r = b.ipmitool("lan", "print", "1")
    assert r.ok, r
    out = {}
    for ln in r.out.splitlines():
        k, sep, v = ln.partition(":")
        if sep and k.strip() not in out:
            out[k.strip()] = v.strip()
    return out


def sval(bus, path, iface, name):
    sig, val = prop(bus, path, iface, name)
    assert sig == "s", (sig, val)
    return re.fullmatch(r'"(.*)"\s*', val).group(1)


def prefix_of(mask):
    return sum(bin(int(x)).count("1") for x in mask.split("."))


def test_network_as_lan_print(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    lan = lan_print(b)
    eth, ip = NET + "eth0", NET + "eth0/ipv4/0"
    assert sval(bus, eth, ETH_IFACE, "InterfaceName") == "eth0"
    assert sval(bus, eth, MAC_IFACE, "MACAddress") == lan["MAC Address"].lower()
    assert sval(bus, eth, ETH_IFACE, "DHCPEnabled") == ETH_IFACE + ".DHCPConf.none"
    assert "Static" in lan["IP Address Source"], lan
    # IPMI gives the interface an address: its object comes (signalled),
    # and then changes (signalled).
    root, mon = Monitor(bus, "/xyz/openbmc_project"), Monitor(bus, ip)
    try:
        for args in (("ipaddr", "10.7.1.5"), ("netmask", "255.255.0.0"),
                     ("defgw", "ipaddr", "10.7.0.1")):
            assert b.ipmitool("lan", "set", "1", *args).ok
        lan = lan_print(b)
        assert lan["IP Address"] == "10.7.1.5" and lan["Default Gateway IP"] == "10.7.0.1", lan
        assert root.until(lambda ln: "InterfacesAdded" in ln and f"{ip}'" in ln), root.lines
        assert sval(bus, ip, IP_IFACE, "Address") == "10.7.1.5"
        assert int(prop(bus, ip, IP_IFACE, "PrefixLength")[1]) == \
            prefix_of(lan["Subnet Mask"]) == 16
        assert sval(bus, ip, IP_IFACE, "Gateway") == lan["Default Gateway IP"]
        assert sval(bus, eth, ETH_IFACE, "DefaultGateway") == lan["Default Gateway IP"]
        assert sval(bus, ip, IP_IFACE, "Type") == IP_IFACE + ".Protocol.IPv4"
        assert sval(bus, ip, IP_IFACE, "Origin") == IP_IFACE + ".AddressOrigin.Static"
        assert b.ipmitool("lan", "set", "1", "ipaddr", "10.7.1.6").ok
        assert mon.until(lambda ln: "PropertiesChanged" in ln and
                         "'Address': <'10.7.1.6'>" in ln), mon.lines
        assert sval(bus, ip, IP_IFACE, "Address") == lan_print(b)["IP Address"] == "10.7.1.6"
    finally:
        mon.close()
        root.close()
    # Read-only: a write is refused, the address stays.
    r = bus.gdbus_set(ip, IP_IFACE, "Address", "<'10.9.9.9'>")
    assert not r.ok and "PropertyReadOnly" in r.text, r
    assert lan_print(b)["IP Address"] == "10.7.1.6"
    # A VLAN: its interface object carries the address.
    assert b.ipmitool("lan", "set", "1", "vlan", "id", "100").ok
    assert lan_print(b)["802.1q VLAN ID"] == "100"
    vlan = NET + "eth0_100"
    bus.wait_for(vlan + "/ipv4/0", IP_IFACE, "Address", "10.7.1.6")
    assert sval(bus, vlan, ETH_IFACE, "InterfaceName") == "eth0.100"
    assert prop(bus, vlan, VLAN_IFACE, "Id") == ["u", "100\n"]
    r = bus.busctl("tree", NAME)
    assert r.ok and vlan in r.out and NET + "eth0/ipv4/0" not in r.out, r
    assert b.ipmitool("lan", "set", "1", "vlan", "id", "off").ok
    bus.wait_for(ip, IP_IFACE, "Address", "10.7.1.6")
    r = bus.busctl("tree", NAME)
    assert r.ok and vlan not in r.out, r
    # IP address source DHCP (the sim has no DHCP client: the address stays).
    assert b.ipmitool("lan", "set", "1", "ipsrc", "dhcp").ok
    assert "DHCP" in lan_print(b)["IP Address Source"]
    bus.wait_for(eth, ETH_IFACE, "DHCPEnabled", ETH_IFACE + ".DHCPConf.v4")
    assert prop(bus, eth, ETH_IFACE, "DHCP4") == ["b", "true\n"]
    assert sval(bus, ip, IP_IFACE, "Origin") == IP_IFACE + ".AddressOrigin.DHCP"


LOGGING = "/xyz/openbmc_project/logging"
ENTRY = LOGGING + "/entry/"
ENTRY_IFACE = "xyz.openbmc_project.Logging.Entry"
LEVEL = ENTRY_IFACE + ".Level."
CREATE_IFACE = "xyz.openbmc_project.Logging.Create"
SENSOR_PATH = "/xyz/openbmc_project/sensors/temperature/Inlet_Temp"


def sel_ids(b):
    r = b.ipmitool("sel", "list")
    assert r.ok, r
    return [int(ln.split("|")[0], 16) for ln in r.out.splitlines() if "|" in ln]


def additional_data(bus, rid):
    """AdditionalData of entry rid, through gdbus (a dict it prints)."""
    r = bus.busctl("get-property", NAME, f"{ENTRY}{rid}", ENTRY_IFACE, "AdditionalData")
    assert r.ok and r.out.startswith("a{ss} "), r
    words = re.findall(r'"([^"]*)"', r.out)
    return dict(zip(words[::2], words[1::2]))


def create(bus, message, severity, **data):
    args = []
    for k, v in data.items():
        args += [k, v]
    return bus.busctl("call", NAME, LOGGING, CREATE_IFACE, "Create", "ssa{ss}", message,
                      severity, str(len(data)), *args)


def fnv1a(s):
    h = 2166136261
    for c in s.encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def test_additional_data_and_severity_of_ipmi_events(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert b.ipmitool("event", "1").ok      # temperature 30h, upper critical going high
    (rid,) = sel_ids(b)
    r = b.ipmitool("sel", "get", hex(rid))
    assert r.ok, r
    sel = {k.strip(): v.strip() for k, _, v in
           (ln.partition(":") for ln in r.out.splitlines()) if v}
    ad = additional_data(bus, rid)
    # What ipmitool decodes from the record, D-Bus has too.
    assert ad["RECORD_TYPE"] == sel["Record Type"] == "02", (ad, sel)
    assert ad["GENERATOR_ID"] == sel["Generator ID"], (ad, sel)
    assert ad["EVM_REV"] == sel["EvM Revision"], (ad, sel)
    assert ad["SENSOR_TYPE"] == "01" and "Temperature" in sel["Sensor Type"], (ad, sel)
    assert ad["SENSOR_NUMBER"] == sel["Sensor Number"].upper() == "30", (ad, sel)
    assert ad["EVENT_TYPE"] == "01" and "Threshold" in sel["Event Type"], (ad, sel)
    assert ad["EVENT_DIR"] == "1" and sel["Event Direction"] == "Assertion Event", (ad, sel)
    assert ad["SENSOR_DATA"] == sel["Event Data"].upper(), (ad, sel)
    assert sval(bus, f"{ENTRY}{rid}", ENTRY_IFACE, "Severity") == LEVEL + "Critical"
    # The same event deasserted: OK.
    assert b.ipmitool("raw", "0x04", "0x02", "0x04", "0x01", "0x30", "0x81", "0x09", "0xff",
                      "0xff").ok    # Platform Event Message, deassertion
    rid2 = [i for i in sel_ids(b) if i != rid][0]
    assert additional_data(bus, rid2)["EVENT_DIR"] == "0"
    assert sval(bus, f"{ENTRY}{rid2}", ENTRY_IFACE, "Severity") == LEVEL + "Informational"


def test_logging_create_oem_record(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    mon = Monitor(bus, "/xyz/openbmc_project")
    try:
        r = create(bus, "Fan wall failed", LEVEL + "Warning", REASON="test")
        assert r.ok, r
        (rid,) = sel_ids(b)
        assert mon.until(lambda ln: "InterfacesAdded" in ln and f"{ENTRY}{rid}'" in ln), \
            mon.lines
    finally:
        mon.close()
    r = b.ipmitool("sel", "elist")
    assert r.ok and "OEM" in r.out, r
    ad = additional_data(bus, rid)
    assert ad["RECORD_TYPE"] == "C0", ad
    assert ad["MESSAGE_HASH"] == f"{fnv1a('Fan wall failed'):08X}", ad
    assert sval(bus, f"{ENTRY}{rid}", ENTRY_IFACE, "Severity") == LEVEL + "Warning"
    assert "Fan wall failed" in b.stderr()
    # A severity that is not one: InvalidArgs naming it, nothing logged.
    r = run_gdbus_create(bus, "x", "Loud", {})
    assert not r.ok and "InvalidArgs" in r.text and "Loud" in r.text, r
    r = create(bus, "x", LEVEL + "Panic")
    assert not r.ok and "Panic" in r.text, r
    assert sel_ids(b) == [rid]


def run_gdbus_create(bus, message, severity, data):
    from conftest import run
    d = "{" + ", ".join(f"'{k}': '{v}'" for k, v in data.items()) + "}"
    return run(["gdbus", "call", "--address", bus.address, "--dest", NAME, "--object-path",
                LOGGING, "--method", CREATE_IFACE + ".Create", message, severity,
                d if data else "@a{ss} {}"], timeout=10)


def test_logging_create_sensor_event_goes_through_pef(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    # Bad sensor fields: InvalidArgs naming the key, nothing logged.
    for bad in ({"SENSOR_PATH": "/xyz/openbmc_project/sensors/temperature/Nowhere"},
                {"SENSOR_PATH": SENSOR_PATH, "SENSOR_DATA": "0B0"},
                {"SENSOR_PATH": SENSOR_PATH, "EVENT_DIR": "up"},
                {"SENSOR_NUMBER": "30"}):
        r = run_gdbus_create(bus, "bad", LEVEL + "Critical", bad)
        # The key named: the one given wrong, or the first one missing.
        key = ([k for k in bad if k not in ("SENSOR_PATH", "SENSOR_NUMBER")] or
               ["SENSOR_TYPE" if "SENSOR_NUMBER" in bad else "SENSOR_PATH"])[0]
        assert not r.ok and "InvalidArgs" in r.text and key in r.text, r
    assert sel_ids(b) == []
    # Filter 7: power down on a temperature's upper non-recoverable going
    # high from the BMC (as test_dbus's IpmiSelAdd test).
    entry = [0x80, 0x02, 0x00, 0x20, 0xFF, 0xFF, 0x01, 0xFF, 0x01, 0x00, 0x08,
             0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert b.ipmitool("raw", "0x04", "0x12", "0x06", "0x07",
                      *[f"0x{x:02x}" for x in entry]).ok
    r = run_gdbus_create(bus, "too hot", LEVEL + "Critical",
                         {"SENSOR_PATH": SENSOR_PATH, "SENSOR_DATA": "0BFFFF",
                          "GENERATOR_ID": "0020"})
    assert r.ok, r
    (rid,) = sel_ids(b)
    r = b.ipmitool("sel", "elist")
    assert r.ok and "Temperature" in r.out and "Upper Non-recoverable going high" in r.out, r
    assert sval(bus, f"{ENTRY}{rid}", ENTRY_IFACE, "Severity") == LEVEL + "Critical"
    b.wait_power("off", deadline=15)
    assert "pef: power down" in b.stderr()


def test_ipmi_sel_add_oem(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    data = [0x57, 0x01, 0x00, 1, 2, 3, 4, 5, 6]
    r = bus.busctl("call", NAME, "/xyz/openbmc_project/Logging/IPMI",
                   "xyz.openbmc_project.Logging.IPMI", "IpmiSelAddOem", "sayy", "oem one",
                   str(len(data)), *map(str, data), str(0xC1))
    assert r.ok and r.out.split()[0] == "q", r
    rid = int(r.out.split()[1])
    assert sel_ids(b) == [rid]
    r = b.ipmitool("raw", "0x0a", "0x43", "0", "0", f"0x{rid & 0xff:02x}", f"0x{rid >> 8:02x}",
                   "0", "0xff")
    assert r.ok, r
    rec = [int(x, 16) for x in r.out.split()][2:]
    assert rec[2] == 0xC1 and rec[7:] == data, rec
    ad = additional_data(bus, rid)
    assert ad["MANUFACTURER_ID"] == "000157" and ad["OEM_DATA"] == "010203040506", ad
    # Not an OEM type, or the wrong length: InvalidArgs.
    r = bus.busctl("call", NAME, "/xyz/openbmc_project/Logging/IPMI",
                   "xyz.openbmc_project.Logging.IPMI", "IpmiSelAddOem", "sayy", "x",
                   "2", "1", "2", str(0xC1))
    assert not r.ok and "2 bytes" in r.text, r
    r = bus.busctl("call", NAME, "/xyz/openbmc_project/Logging/IPMI",
                   "xyz.openbmc_project.Logging.IPMI", "IpmiSelAddOem", "sayy", "x",
                   str(len(data)), *map(str, data), "2")
    assert not r.ok and "02h" in r.text, r
    assert sel_ids(b) == [rid]


def test_bus_daemon_killed_and_restarted(bmc_factory, tmp_path, bus):
    """The bus daemon dies while bmcd runs: bmcd logs it, IPMI goes on, and
    on a new bus daemon at the same address bmcd comes back by itself:
    its name taken again and every object there."""
    b = on_bus(bmc_factory, tmp_path, bus)
    r = bus.busctl("tree", NAME)
    assert r.ok and LED_PATH in r.out and NET + "eth0" in r.out, r
    before = sorted(set(re.findall(r"/xyz/openbmc_project\S*", r.out)))
    bus.proc.kill()
    bus.proc.wait(5)
    t_end = time.monotonic() + POWER_DEADLINE
    while "dbus: lost the connection" not in b.stderr() and time.monotonic() < t_end:
        time.sleep(0.1)
    assert b.stderr().count("dbus: lost the connection") == 1, b.stderr_tail()
    # IPMI never stopped: it answers, and acts, with no bus.
    r = b.ipmitool("mc", "info")
    assert r.ok and "Device ID" in r.out, r
    assert b.ipmitool("chassis", "identify", "force").ok
    time.sleep(3)       # a few failed attempts: the retries back off
    bus.stop()
    bus.start()
    # Back within the backoff's longest wait so far (4 s) and a margin.
    t_end = time.monotonic() + POWER_DEADLINE
    while time.monotonic() < t_end:
        r = bus.busctl("tree", NAME)
        if r.ok and LED_PATH in r.out:
            break
        time.sleep(0.2)
    assert r.ok, r
    after = sorted(set(re.findall(r"/xyz/openbmc_project\S*", r.out)))
    assert after == before, (before, after)
    # What IPMI changed meanwhile is what D-Bus shows now.
    assert asserted(bus) is True
    r = bus.busctl("status", NAME)
    assert r.ok and "UniqueName=" in r.out, r
    err = b.stderr()
    assert err.count("dbus: connected to") == 2 and err.count(f"dbus: owns {NAME}") == 2, \
        b.stderr_tail()
    assert err.count("dbus: lost the connection") == 1, b.stderr_tail()
