"""The BMC's network settings over Redfish (redfish/res_network.c):
NetworkProtocol's IPMI.ProtocolEnabled closes and reopens the RMCP/RMCP+
listeners (KCS and Redfish keep working, the choice survives a restart),
HTTPS cannot be turned off and ports are read-only; an EthernetInterface's
static address, DHCP and VLAN are the LAN configuration parameters, so
`ipmitool lan print` shows a Redfish change and Redfish shows an
`ipmitool lan set`.  Only the sim board, whose interface is bmcd's own
memory: no real interface is touched."""

import re
import tempfile
import time
from pathlib import Path

import pytest

from conftest import load_board, ok, run, write_board
import rfclient
from rfclient import ADMIN
from kcsclient import FakeVM
from rmcpclient import Console, RmcpError

requests = pytest.importorskip("requests")

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

MANAGER = "/redfish/v1/Managers/bmc"
NETPROTO = MANAGER + "/NetworkProtocol"
ETHS = MANAGER + "/EthernetInterfaces"
APP = 0x06


class Redfish(rfclient.Redfish):
    def wait_up(self, deadline=5.0):
        t_end = time.monotonic() + deadline
        while True:
            try:
                if self.req("GET", "/redfish/v1", auth=None).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > t_end:
                pytest.fail("the Redfish service never answered", pytrace=False)
            time.sleep(0.1)

    def eth_path(self):
        return self.get(ETHS)["Members"][0]["@odata.id"]


def error_id(resp):
    return resp.json()["error"]["@Message.ExtendedInfo"][0]["MessageId"].rsplit(".", 1)[-1]


@pytest.fixture
def kcs_rf(bmc_factory, tmp_path, monkeypatch):
    """A sim-board daemon with its KCS socket (a fake VM on it) and Redfish."""
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    sockdir = Path(tempfile.mkdtemp(prefix="bn-", dir="/tmp"))
    board = load_board()
    board["kcs"] = {"backend": "extern", "listen": f"unix:{sockdir}/kcs.sock"}
    b = bmc_factory(board=write_board(tmp_path, board, name="kcs-board.json"))
    rf = Redfish(b)
    rf.wait_up()
    rf.sock = str(sockdir / "kcs.sock")
    return rf


@pytest.fixture
def rf(bmc_factory, monkeypatch):
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    r = Redfish(bmc_factory())
    r.wait_up()
    return r


def lan_ok(b):
    """Whether `ipmitool mc info` over RMCP+ answers (one short try)."""
    r = run(["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(b.port), "-U", "admin",
             "-P", "password", "-N", "1", "-R", "1", "mc", "info"], timeout=20, env=b.client_env())
    return r.rc == 0 and "Device ID" in r.out


def asf_pong(b):
    """Whether an RMCP/ASF presence ping gets its pong."""
    s = b.udp(timeout=1.0)
    try:
        s.send(bytes.fromhex("0600ff06000011be80000000"))
        return s.recv(512)[8] == 0x40
    except OSError:     # timeout, or ICMP port unreachable
        return False
    finally:
        s.close()


def kcs_ok(rf):
    vm = FakeVM(rf.sock)
    try:
        res = vm.request(APP, 0x01)
    finally:
        vm.s.close()
    return res is not None and res[0] == 0


def lan_print(b):
    out = ok(b.ipmitool("lan", "print", "1")).out

    def f(name):
        m = re.search(rf"^{re.escape(name)}\s*:\s*(.*?)\s*$", out, re.M)
        assert m, (name, out)
        return m.group(1)
    return {k: f(k) for k in ("IP Address Source", "IP Address", "Subnet Mask", "Default Gateway IP",
                              "802.1q VLAN ID")}


# --------------------------------------------------------------------------
# NetworkProtocol


def test_ipmi_off_closes_udp_623_and_on_reopens_it(kcs_rf):
    rf, b = kcs_rf, kcs_rf.b
    assert lan_ok(b) and asf_pong(b)
    r = rf.patch(NETPROTO, {"IPMI": {"ProtocolEnabled": False}})
    assert r.status_code == 200, r.text
    assert r.json()["IPMI"]["ProtocolEnabled"] is False
    assert rf.get(NETPROTO)["IPMI"] == {"ProtocolEnabled": False, "Port": b.port}
    # Nothing answers on the LAN port any more: ipmitool times out...
    assert not lan_ok(b)
    assert not asf_pong(b)
    # ...while the host's KCS and Redfish still answer.
    assert kcs_ok(kcs_rf)
    assert rf.get("/redfish/v1/Systems/system")["PowerState"] in ("On", "Off")
    # Kept across a restart.
    b.restart()
    rf.wait_up()
    assert rf.get(NETPROTO)["IPMI"]["ProtocolEnabled"] is False
    assert not lan_ok(b)
    assert kcs_ok(kcs_rf)
    r = rf.patch(NETPROTO, {"IPMI": {"ProtocolEnabled": True}})
    assert r.status_code == 200, r.text
    assert r.json()["IPMI"]["ProtocolEnabled"] is True
    assert lan_ok(b) and asf_pong(b)
    b.restart()
    rf.wait_up()
    assert lan_ok(b)
    assert rf.get(NETPROTO)["IPMI"]["ProtocolEnabled"] is True


def test_ipmi_off_drops_sessions(rf):
    """An RMCP+ session open when the listener closes is gone after it
    reopens: its next request gets no answer, a new login works.  A
    handshake cut short (RAKP2 sent, no RAKP3) is not a wrong password."""
    b = rf.b
    c = Console(b.port)
    c.open()
    c.get_device_id()
    half = Console(b.port)
    _, _, sid = half.open_only()
    half.rakp1_only(sid)
    assert rf.patch(NETPROTO, {"IPMI": {"ProtocolEnabled": False}}).status_code == 200
    assert rf.patch(NETPROTO, {"IPMI": {"ProtocolEnabled": True}}).status_code == 200
    with pytest.raises(RmcpError):
        c.request(APP, 0x01, timeout=0.5, tries=2)
    c.sock.close()
    half.sock.close()
    assert lan_ok(b)
    assert "bad password" not in b.stderr()
    acct = rf.get("/redfish/v1/AccountService/Accounts/2")
    assert acct["Locked"] is False


def test_https_off_and_port_changes_are_refused(rf):
    before = rf.get(NETPROTO)
    cases = [
        ({"HTTPS": {"ProtocolEnabled": False}}, "PropertyValueNotInList"),
        ({"IPMI": {"Port": 624}}, "PropertyNotWritable"),
        ({"HTTPS": {"Port": 443}}, "PropertyNotWritable"),
        ({"IPMI": {"ProtocolEnabled": "no"}}, "PropertyValueTypeError"),
        ({"IPMI": False}, "PropertyValueTypeError"),
        ({"SSH": {"ProtocolEnabled": True}}, "PropertyUnknown"),
        ({"IPMI": {"ProtocolEnabled": False, "Foo": 1}}, "PropertyUnknown"),
        # one good part and one bad: nothing changes
        ({"IPMI": {"ProtocolEnabled": False}, "HTTPS": {"ProtocolEnabled": False}},
         "PropertyValueNotInList"),
    ]
    for body, want in cases:
        r = rf.patch(NETPROTO, body)
        assert r.status_code == 400 and error_id(r) == want, (body, r.status_code, r.text)
    assert rf.get(NETPROTO) == before
    assert lan_ok(rf.b)
    # The current port and HTTPS on are accepted (nothing to change).
    r = rf.patch(NETPROTO, {"IPMI": {"Port": rf.b.port}, "HTTPS": {"ProtocolEnabled": True,
                                                                "Port": rf.b.redfish_port}})
    assert r.status_code == 200, r.text


def test_network_changes_need_configure_manager(rf):
    for path, body in ((NETPROTO, {"IPMI": {"ProtocolEnabled": False}}),
                       (rf.eth_path(), {"VLAN": {"VLANEnable": True, "VLANId": 7}})):
        r = rf.patch(path, body, auth=("operator", "operator"))
        assert r.status_code == 403, r.text
    assert lan_ok(rf.b)
    assert lan_print(rf.b)["802.1q VLAN ID"] == "Disabled"


# --------------------------------------------------------------------------
# EthernetInterface


def test_static_address_vlan_and_dhcp_show_in_ipmitool(rf):
    eth = rf.eth_path()
    r = rf.patch(eth, {"IPv4StaticAddresses": [{"Address": "10.20.30.40", "SubnetMask": "255.255.240.0",
                                                 "Gateway": "10.20.16.1"}],
                       "VLAN": {"VLANEnable": True, "VLANId": 42}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["IPv4StaticAddresses"] == [{"Address": "10.20.30.40", "SubnetMask": "255.255.240.0",
                                            "Gateway": "10.20.16.1"}]
    assert body["IPv4Addresses"][0]["AddressOrigin"] == "Static"
    assert body["VLAN"] == {"VLANEnable": True, "VLANId": 42}
    lan = lan_print(rf.b)
    assert lan["IP Address"] == "10.20.30.40"
    assert lan["Subnet Mask"] == "255.255.240.0"
    assert lan["Default Gateway IP"] == "10.20.16.1"
    assert lan["802.1q VLAN ID"] == "42"
    assert lan["IP Address Source"] == "Static Address"
    # VLAN off keeps nothing but the ID; DHCP on is IP address source 2.
    r = rf.patch(eth, {"VLAN": {"VLANEnable": False}, "DHCPv4": {"DHCPEnabled": True}})
    assert r.status_code == 200, r.text
    assert r.json()["DHCPv4"] == {"DHCPEnabled": True}
    assert r.json()["IPv4StaticAddresses"] == []
    lan = lan_print(rf.b)
    assert lan["802.1q VLAN ID"] == "Disabled"
    assert lan["IP Address Source"] == "DHCP Address"
    # Kept across a restart (the LAN parameters' state file; with DHCP
    # the address waits for a lease, which the sim board never gets).
    rf.b.restart()
    rf.wait_up()
    got = rf.get(eth)
    assert got["DHCPv4"]["DHCPEnabled"] is True
    assert got["VLAN"] == {"VLANEnable": False, "VLANId": 42}
    r = rf.patch(eth, {"DHCPv4": {"DHCPEnabled": False},
                       "IPv4StaticAddresses": [{"Address": "10.20.30.41"}]})
    assert r.status_code == 200, r.text
    rf.b.restart()
    rf.wait_up()
    assert rf.get(eth)["IPv4StaticAddresses"][0]["Address"] == "10.20.30.41"
    assert lan_print(rf.b)["IP Address"] == "10.20.30.41"


def test_ipmitool_lan_set_shows_in_redfish(rf):
    b, eth = rf.b, rf.eth_path()
    ok(b.ipmitool("lan", "set", "1", "ipsrc", "static"))
    ok(b.ipmitool("lan", "set", "1", "ipaddr", "192.0.2.77"))
    ok(b.ipmitool("lan", "set", "1", "netmask", "255.255.255.128"))
    ok(b.ipmitool("lan", "set", "1", "defgw", "ipaddr", "192.0.2.1"))
    ok(b.ipmitool("lan", "set", "1", "vlan", "id", "300"))
    got = rf.get(eth)
    assert got["IPv4Addresses"] == [{"Address": "192.0.2.77", "SubnetMask": "255.255.255.128",
                                     "Gateway": "192.0.2.1", "AddressOrigin": "Static"}]
    assert got["VLAN"] == {"VLANEnable": True, "VLANId": 300}
    assert got["DHCPv4"] == {"DHCPEnabled": False}
    ok(b.ipmitool("lan", "set", "1", "ipsrc", "dhcp"))
    assert rf.get(eth)["DHCPv4"] == {"DHCPEnabled": True}


def test_bad_interface_values_change_nothing(rf):
    b, eth = rf.b, rf.eth_path()
    assert rf.patch(eth, {"IPv4StaticAddresses": [{"Address": "198.51.100.5",
                                                    "SubnetMask": "255.255.255.0",
                                                    "Gateway": "198.51.100.1"}]}).status_code == 200
    before, lan_before = rf.get(eth), lan_print(b)
    good = {"Address": "198.51.100.9", "SubnetMask": "255.255.0.0", "Gateway": "198.51.100.254"}
    cases = [
        ({"IPv4StaticAddresses": [dict(good, Address="1.2.3")]}, "PropertyValueFormatError"),
        ({"IPv4StaticAddresses": [dict(good, Address="300.1.1.1")]}, "PropertyValueFormatError"),
        ({"IPv4StaticAddresses": [dict(good, Address="127.0.0.5")]}, "PropertyValueFormatError"),
        ({"IPv4StaticAddresses": [dict(good, Address="224.0.0.1")]}, "PropertyValueFormatError"),
        ({"IPv4StaticAddresses": [dict(good, SubnetMask="255.0.255.0")]}, "PropertyValueFormatError"),
        ({"IPv4StaticAddresses": [dict(good, SubnetMask="255.255.255.255")]}, "PropertyValueFormatError"),
        ({"IPv4StaticAddresses": [dict(good, Gateway="255.255.255.255")]}, "PropertyValueFormatError"),
        ({"IPv4StaticAddresses": [dict(good, Address=17)]}, "PropertyValueTypeError"),
        ({"IPv4StaticAddresses": [dict(good, Prefix=16)]}, "PropertyUnknown"),
        ({"IPv4StaticAddresses": [good, good]}, "PropertyValueOutOfRange"),
        ({"IPv4StaticAddresses": good}, "PropertyValueTypeError"),
        ({"IPv4StaticAddresses": ["x"]}, "PropertyValueTypeError"),
        # a good address with a bad VLAN or DHCP value: the address stays too
        ({"IPv4StaticAddresses": [good], "VLAN": {"VLANEnable": True, "VLANId": 4095}},
         "PropertyValueOutOfRange"),
        ({"IPv4StaticAddresses": [good], "VLAN": {"VLANId": "7"}}, "PropertyValueTypeError"),
        ({"IPv4StaticAddresses": [good], "VLAN": {"VLANEnable": True}}, "PropertyMissing"),
        ({"IPv4StaticAddresses": [good], "DHCPv4": {"DHCPEnabled": 1}}, "PropertyValueTypeError"),
        ({"IPv4StaticAddresses": [good], "DHCPv4": {"UseDNSServers": True}}, "PropertyUnknown"),
        ({"IPv4StaticAddresses": [good], "MACAddress": "02:00:00:00:00:01"}, "PropertyNotWritable"),
        ({"IPv4StaticAddresses": [good], "HostName": "x"}, "PropertyUnknown"),
    ]
    for body, want in cases:
        r = rf.patch(eth, body)
        assert r.status_code == 400 and error_id(r) == want, (body, r.status_code, r.text)
    assert rf.get(eth) == before
    assert lan_print(b) == lan_before
    r = rf.patch(ETHS + "/nosuch", {"VLAN": {"VLANEnable": False}})
    assert r.status_code == 404, r.text
