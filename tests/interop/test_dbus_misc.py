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
