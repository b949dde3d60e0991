"""LAN configuration parameters (Transport 01h/02h): ipmitool, FreeIPMI and
pyghmi on the sim board (settings kept in memory and in the state dir), and
on a real interface: bmcd inside a test-made network namespace, managed
from a second namespace over a veth pair."""

import json
import re
import signal
import subprocess
import time
import uuid

import pytest

from conftest import BMCD, SYS_PYTHON, bmcd_on_state, load_board, run


def lan_print(b):
    r = b.ipmitool("lan", "print", "1")
    assert r.ok, r
    return {k.strip(): v.strip() for k, v in
            (line.split(":", 1) for line in r.out.splitlines() if ":" in line and not line.startswith(" "))}


def test_lan_print_defaults(bmc):
    p = lan_print(bmc)
    assert p["IP Address Source"] == "Static Address"
    assert p["SNMP Community String"] == "public"
    assert p["RMCP+ Cipher Suites"] == "3,17"
    assert p["Cipher Suite Priv Max"] == "aaXXXXXXXXXXXXX"    # by entry: suites 3, 17
    assert p["Bad Password Threshold"] == "5"


def test_lan_set_and_persist(fresh_bmc):
    b = fresh_bmc
    for args in (("ipaddr", "192.0.2.7"), ("netmask", "255.255.255.0"), ("defgw", "ipaddr", "192.0.2.1"),
                 ("ipsrc", "static"), ("vlan", "id", "100"), ("vlan", "priority", "3"),
                 ("bad_pass_thresh", "3", "1", "10", "20"), ("snmp", "bmcdtest")):
        r = b.ipmitool("lan", "set", "1", *args)
        assert r.ok, r
    for when in ("now", "after restart"):
        p = lan_print(b)
        assert p["IP Address"] == "192.0.2.7", when
        assert p["Subnet Mask"] == "255.255.255.0", when
        assert p["Default Gateway IP"] == "192.0.2.1", when
        assert p["802.1q VLAN ID"] == "100", when
        assert p["802.1q VLAN Priority"] == "3", when
        assert p["Bad Password Threshold"] == "3", when
        assert p["SNMP Community String"] == "bmcdtest", when
        b.restart()


def test_cipher_privs_unused_suite_refused(fresh_bmc):
    """Position n of cipher_privs is entry n of parameter 23 (IPMI 2.0 table
    23-4): here suite 3, then 17.  Positions past the last entry name no
    suite; they read back as written (ipmitool re-reads to verify)."""
    b = fresh_bmc
    assert b.ipmitool("lan", "set", "1", "cipher_privs", "Xaaaaaaaaaaaaaa").ok
    assert lan_print(b)["Cipher Suite Priv Max"] == "Xaaaaaaaaaaaaaa"    # as written
    assert not b.ipmitool("mc", "info", cipher=3).ok
    assert b.ipmitool("mc", "info", cipher=17).ok
    # An operator cap on suite 3 gives operator sessions at most.
    assert b.ipmitool("lan", "set", "1", "cipher_privs", "oaXXXXXXXXXXXXX").ok
    assert lan_print(b)["Cipher Suite Priv Max"] == "oaXXXXXXXXXXXXX"
    assert not b.ipmitool("chassis", "power", "status", cipher=3).ok        # asks for ADMIN
    assert b.ipmitool("chassis", "power", "status", cipher=3, priv="OPERATOR").ok
    assert b.ipmitool("mc", "info", cipher=17).ok
    b.restart()
    assert lan_print(b)["Cipher Suite Priv Max"] == "oaXXXXXXXXXXXXX"


def test_freeipmi_rmcpplus_privilege(fresh_bmc, tmp_path):
    """FreeIPMI's ipmi-config indexes parameter 24 by suite ID (its source
    says so: "index at [id] not [i]"); bmcd follows IPMI 2.0 table 23-4,
    where the nibbles follow parameter 23's entries (here 3, then 17).  So
    FreeIPMI's Id_3 key is position 3, which names no suite on this board:
    it reads and writes that position, and suite 3 is not affected."""
    b = fresh_bmc
    # FreeIPMI 1.6 exits 1 from this section's checkout whenever the BMC
    # does not offer every suite ID 0-14 (each missing key counts as a
    # non-fatal error); what it shows, and the commit, are what we check.
    ok_r = b.ipmitool("lan", "set", "1", "cipher_privs", "aaaoXXXXXXXXXXX")
    assert ok_r.ok, ok_r
    r = b.freeipmi("ipmi-config", "--checkout", "--section=Rmcpplus_Conf_Privilege", cipher=17)
    assert r.rc in (0, 1) and not r.timed_out and not r.err.strip(), r
    assert re.search(r"Maximum_Privilege_Cipher_Suite_Id_3\s+Operator", r.out), r
    conf = tmp_path / "rp.conf"
    conf.write_text("Section Rmcpplus_Conf_Privilege\n\tMaximum_Privilege_Cipher_Suite_Id_3 User\n"
                    "EndSection\n")
    r = b.freeipmi("ipmi-config", "--commit", f"--filename={conf}", cipher=17)
    assert r.ok, r
    assert lan_print(b)["Cipher Suite Priv Max"] == "aaauXXXXXXXXXXX"
    assert b.ipmitool("mc", "info", cipher=3).ok
    assert b.ipmitool("mc", "info", cipher=17).ok


def test_lan6_print(bmc):
    r = bmc.ipmitool("lan6", "print")
    assert r.ok, r
    assert "IPv6/IPv4 Addressing Enables: ipv4" in r.out and "Static address max:  0" in r.out, r


@pytest.mark.parametrize("raw,code", [
    (("0x0c", "0x01", "0x01", "0x03", "0", "0", "0", "0"), "0xcc"),          # IP 0.0.0.0
    (("0x0c", "0x01", "0x01", "0x03", "127", "0", "0", "1"), "0xcc"),        # loopback
    (("0x0c", "0x01", "0x01", "0x03", "224", "0", "0", "1"), "0xcc"),        # multicast
    (("0x0c", "0x01", "0x01", "0x03", "192", "0", "2"), "0xc7"),             # short
    (("0x0c", "0x01", "0x01", "0x06", "255", "0", "255", "0"), "0xcc"),      # non-contiguous mask
    (("0x0c", "0x01", "0x01", "0x05", "1", "2", "3", "4", "5", "6"), "0x82"),  # MAC is read-only
    (("0x0c", "0x01", "0x01", "0x63", "0"), "0x80"),                         # no such parameter
    (("0x0c", "0x02", "0x01", "0x63", "0", "0"), "0x80"),
    (("0x0c", "0x02", "0x05", "0x03", "0", "0"), "0xcc"),                    # no channel 5
    (("0x0c", "0x01", "0x01", "0x04", "0x05"), "0xcc"),                      # IP source 5
    (("0x0c", "0x01", "0x01", "0x15", "0x08"), "0xcc"),                      # VLAN priority 8
])
def test_bad_lan_parameters(fresh_bmc, raw, code):
    before = lan_print(fresh_bmc)
    r = fresh_bmc.ipmitool("raw", *raw)
    assert not r.ok and f"rsp={code}" in r.text, r
    assert lan_print(fresh_bmc) == before


@pytest.mark.parametrize("blob", [b"\x01\x02", b"\x09" + bytes(200), b""])
def test_corrupt_lan_config_uses_defaults(tmp_path, blob):
    with bmcd_on_state(tmp_path, {"lan-config": blob}) as b:
        p = lan_print(b)
        assert p["SNMP Community String"] == "public" and p["IP Address"] == "0.0.0.0"
        assert "lan-config is corrupt" in b.stderr()


def test_set_in_progress(fresh_bmc):
    assert fresh_bmc.ipmitool("raw", "0x0c", "0x01", "0x01", "0x00", "0x01").ok
    r = fresh_bmc.ipmitool("raw", "0x0c", "0x01", "0x01", "0x00", "0x01")
    assert not r.ok and "rsp=0x81" in r.text, r
    assert fresh_bmc.ipmitool("raw", "0x0c", "0x01", "0x01", "0x00", "0x00").ok


def test_user_cannot_read_or_set(bmc):
    r = bmc.ipmitool("raw", "0x0c", "0x02", "0x01", "0x03", "0", "0", user="user", password="user", priv="USER")
    assert not r.ok and "rsp=0xd4" in r.text, r


def test_freeipmi_checkout_and_commit(fresh_bmc, tmp_path):
    b = fresh_bmc
    r = b.freeipmi("ipmi-config", "--checkout", "--section=Lan_Conf", cipher=17)
    assert r.ok and re.search(r"IP_Address\s+0\.0\.0\.0", r.out), r
    conf = tmp_path / "lan.conf"
    conf.write_text("Section Lan_Conf\n\tIP_Address_Source Static\n\tIP_Address 192.0.2.55\n"
                    "\tSubnet_Mask 255.255.0.0\nEndSection\n")
    r = b.freeipmi("ipmi-config", "--commit", f"--filename={conf}", cipher=17)
    assert r.ok, r
    r = b.freeipmi("ipmi-config", "--checkout", "--section=Lan_Conf", cipher=17)
    assert r.ok and re.search(r"IP_Address\s+192\.0\.2\.55", r.out) and re.search(r"Subnet_Mask\s+255\.255\.0\.0", r.out), r


def test_pyghmi_net_configuration(fresh_bmc):
    assert fresh_bmc.ipmitool("lan", "set", "1", "ipaddr", "192.0.2.9").ok
    code = ("import json; from pyghmi.ipmi import command; "
            f"c = command.Command(bmc='127.0.0.1', userid='admin', password='password', port={fresh_bmc.port}); "
            "print(json.dumps(c.get_net_configuration()))")
    r = run([SYS_PYTHON, "-c", code], timeout=60, env=fresh_bmc.client_env())
    assert r.ok, r
    cfg = json.loads(r.out.strip().splitlines()[-1])
    assert cfg["ipv4_address"].startswith("192.0.2.9/"), cfg
    assert cfg["ipv4_configuration"] == "Static", cfg


# ---------------------------------------------------------------- real NIC


def ip(*args, check=True):
    p = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)
    if check and p.returncode != 0:
        raise AssertionError(f"ip {' '.join(args)}: {p.stderr}")
    return p.stdout


@pytest.fixture
def two_namespaces():
    """bmc-side and client-side namespaces joined by a veth pair:
    198.51.100.2 (bmc, veth 'bmcnic') and 198.51.100.1 (client)."""
    tag = uuid.uuid4().hex[:6]
    a, c = f"bmcd-a-{tag}", f"bmcd-c-{tag}"
    ip("netns", "add", a)
    ip("netns", "add", c)
    try:
        ip("link", "add", f"va{tag}", "type", "veth", "peer", "name", f"vc{tag}")
        ip("link", "set", f"va{tag}", "netns", a)
        ip("link", "set", f"vc{tag}", "netns", c)
        ip("-n", a, "link", "set", f"va{tag}", "name", "bmcnic")
        for ns, dev, addr in ((a, "bmcnic", "198.51.100.2/24"), (c, f"vc{tag}", "198.51.100.1/24")):
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "addr", "add", addr, "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")
        yield a, c
    finally:
        ip("netns", "del", a, check=False)
        ip("netns", "del", c, check=False)


def test_settings_reach_the_nic(two_namespaces, tmp_path):
    a, c = two_namespaces
    b = NsBmcd(two_namespaces, tmp_path).start()
    ipmitool = b.ipmitool
    try:
        r = wait_answer(ipmitool, "198.51.100.2")
        assert r.ok, r
        mac = re.search(r"link/ether (\S+)", ip("-n", a, "link", "show", "bmcnic")).group(1)
        r = ipmitool("198.51.100.2", "lan", "print", "1")
        assert r.ok and "198.51.100.2" in r.out and mac in r.out.lower(), r
        assert "255.255.255.0" in r.out, r

        # A new address over IPMI: the NIC has it, the old one is gone, and
        # bmcd answers on it.
        r = ipmitool("198.51.100.2", "lan", "set", "1", "ipaddr", "198.51.100.3")
        assert r.ok, r
        addrs = ip("-n", a, "-4", "addr", "show", "bmcnic")
        assert "198.51.100.3/24" in addrs and "198.51.100.2/" not in addrs, addrs
        r = ipmitool("198.51.100.3", "mc", "info")
        assert r.ok, r
        r = ipmitool("198.51.100.3", "lan", "set", "1", "defgw", "ipaddr", "198.51.100.1")
        assert r.ok, r
        assert "default via 198.51.100.1 dev bmcnic" in ip("-n", a, "route"), ip("-n", a, "route")
        r = ipmitool("198.51.100.3", "lan", "set", "1", "netmask", "255.255.255.128")
        assert r.ok, r
        assert "198.51.100.3/25" in ip("-n", a, "-4", "addr", "show", "bmcnic")

        # Persisted and put back after a restart (as at boot, the NIC lost it).
        assert b.stop() == 0
        ip("-n", a, "addr", "flush", "dev", "bmcnic")
        ip("-n", a, "addr", "add", "198.51.100.2/24", "dev", "bmcnic")
        b.start()
        r = wait_answer(ipmitool, "198.51.100.3")
        assert r.ok, r
        assert "198.51.100.3/25" in ip("-n", a, "-4", "addr", "show", "bmcnic")
    finally:
        b.close()
    b.errors()


def test_lan_access_off_stops_new_sessions(fresh_bmc):
    """`lan set 1 access off` disables the channel (volatile and
    non-volatile): no new session, also after a restart.  Turning it back
    on needs the host interface (the KCS issue), as on a real BMC."""
    b = fresh_bmc
    r = b.ipmitool("lan", "set", "1", "access", "off")
    assert r.ok and "successful" in r.out, r
    assert not b.ipmitool("mc", "info").ok
    assert not b.ipmitool("mc", "info", intf="lan", authtype="MD5").ok
    b.restart()
    assert not b.ipmitool("mc", "info").ok


class NsBmcd:
    """bmcd in the bmc-side namespace of two_namespaces, on its NIC bmcnic
    (listening on 0.0.0.0:623), its stderr in tmp_path/bmcd.stderr; ipmitool
    runs in the client namespace."""

    def __init__(self, namespaces, tmp_path):
        self.a, self.c = namespaces
        self.tmp_path = tmp_path
        board = load_board()
        board["lan"]["listen"] = ["0.0.0.0:623"]
        board["lan"]["interface"] = "bmcnic"
        self.bpath = tmp_path / "board.json"
        self.bpath.write_text(json.dumps(board))
        self.stderr = open(tmp_path / "bmcd.stderr", "w")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.a, str(BMCD), "--board", str(self.bpath),
                                      "--state", str(self.tmp_path / "state")],
                                     stderr=self.stderr, stdout=subprocess.DEVNULL)
        return self

    def stop(self):
        """SIGTERM; the exit status (bmcd exits 0)."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(10)

    def close(self):
        """At the end of a test, whatever happened: bmcd stopped (killed if
        it does not stop), its stderr closed."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.stderr.close()

    def errors(self):
        """What bmcd wrote, once closed, checked for sanitizer reports."""
        err = (self.tmp_path / "bmcd.stderr").read_text()
        assert "runtime error" not in err and "AddressSanitizer" not in err, err
        return err

    def ipmitool(self, host, *args):
        return run(["ip", "netns", "exec", self.c, "ipmitool", "-I", "lanplus", "-H", host, "-U", "admin",
                    "-P", "password", "-N", "1", "-R", "3", *args], timeout=30)


def wait_answer(ipmitool, host):
    deadline = time.monotonic() + 10
    while not (r := ipmitool(host, "mc", "info")).ok and time.monotonic() < deadline:
        time.sleep(0.2)
    return r


def kernel_has_vlan(ns):
    """Whether this kernel can make 802.1q interfaces (some VM kernels are
    built without CONFIG_VLAN_8021Q, and cannot load modules)."""
    p = subprocess.run(["ip", "-n", ns, "link", "add", "link", "bmcnic", "name", "probe.7", "type",
                        "vlan", "id", "7"], capture_output=True, text=True, timeout=20)
    if p.returncode == 0:
        ip("-n", ns, "link", "del", "probe.7")
    return p.returncode == 0


def test_vlan_refused_by_kernel_keeps_address(two_namespaces, tmp_path):
    """On a kernel without 802.1q the VLAN is stored and reported, the
    failure is logged, and the address stays where it was (bmcd keeps
    answering untagged)."""
    a, c = two_namespaces
    if kernel_has_vlan(a):
        pytest.skip("this kernel supports 802.1q: test_vlan_reaches_the_nic covers it")
    b = NsBmcd(two_namespaces, tmp_path).start()

    def ipmitool(*args):
        return b.ipmitool("198.51.100.2", *args)
    try:
        assert wait_answer(b.ipmitool, "198.51.100.2").ok
        assert ipmitool("lan", "set", "1", "vlan", "id", "100").ok
        time.sleep(0.3)
        r = ipmitool("lan", "print", "1")
        assert r.ok and re.search(r"802.1q VLAN ID\s*:\s*100", r.out), r
        assert "198.51.100.2/24" in ip("-n", a, "-4", "addr", "show", "bmcnic")
    finally:
        b.close()
    err = b.errors()
    assert "cannot set VLAN 100 on bmcnic: Operation not supported" in err, err


def test_vlan_reaches_the_nic(two_namespaces, tmp_path):
    """`lan set 1 vlan id 100` makes bmcnic.100 (802.1Q, ID 100) and moves
    the address and default route to it; bmcd answers there through the
    peer's own VLAN interface.  The priority is the egress QoS map.  `vlan id
    off` moves everything back.  Kept across a restart."""
    a, c = two_namespaces
    if not kernel_has_vlan(a):
        pytest.skip("this kernel has no 802.1q support (CONFIG_VLAN_8021Q)")
    cdev = re.search(r"\d+: (vc\w+)@", ip("-n", c, "-o", "link", "show", "type", "veth")).group(1)
    b = NsBmcd(two_namespaces, tmp_path).start()
    ipmitool = b.ipmitool

    def peer_vlan(on):
        if on:
            ip("-n", c, "link", "add", "link", cdev, "name", "pv100", "type", "vlan", "id", "100")
            ip("-n", c, "addr", "del", "198.51.100.1/24", "dev", cdev)
            ip("-n", c, "addr", "add", "198.51.100.1/24", "dev", "pv100")
            ip("-n", c, "link", "set", "pv100", "up")
        else:
            ip("-n", c, "link", "del", "pv100")
            ip("-n", c, "addr", "add", "198.51.100.1/24", "dev", cdev)
    try:
        assert wait_answer(ipmitool, "198.51.100.2").ok
        assert ipmitool("198.51.100.2", "lan", "set", "1", "defgw", "ipaddr", "198.51.100.1").ok
        r = ipmitool("198.51.100.2", "lan", "set", "1", "vlan", "id", "100")
        assert r.ok, r
        time.sleep(0.3)
        link = ip("-n", a, "-d", "link", "show", "bmcnic.100")
        assert "vlan protocol 802.1Q id 100" in link and "UP" in link, link
        assert "198.51.100.2/24" in ip("-n", a, "-4", "addr", "show", "bmcnic.100")
        assert "198.51.100.2" not in ip("-n", a, "-4", "addr", "show", "bmcnic")
        assert "default via 198.51.100.1 dev bmcnic.100" in ip("-n", a, "route")
        # Untagged, nothing answers any more; through a VLAN 100 interface it does.
        assert not ipmitool("198.51.100.2", "mc", "info").ok
        peer_vlan(True)
        r = wait_answer(ipmitool, "198.51.100.2")
        assert r.ok, r
        r = ipmitool("198.51.100.2", "lan", "print", "1")
        assert r.ok and re.search(r"802.1q VLAN ID\s*:\s*100", r.out), r
        r = ipmitool("198.51.100.2", "lan", "set", "1", "vlan", "priority", "5")
        assert r.ok, r
        time.sleep(0.3)
        assert "egress-qos-map { 0:5 }" in ip("-n", a, "-d", "link", "show", "bmcnic.100")

        # Persisted: after a restart (as after a reboot: no sub-interface,
        # the address back on the NIC), bmcnic.100 comes back with it.
        assert b.stop() == 0
        ip("-n", a, "link", "del", "bmcnic.100")
        ip("-n", a, "addr", "add", "198.51.100.2/24", "dev", "bmcnic")
        b.start()
        r = wait_answer(ipmitool, "198.51.100.2")
        assert r.ok, r
        link = ip("-n", a, "-d", "link", "show", "bmcnic.100")
        assert "id 100" in link and "egress-qos-map { 0:5 }" in link, link
        assert "198.51.100.2" not in ip("-n", a, "-4", "addr", "show", "bmcnic")

        # Off: back to the untagged NIC, the sub-interface is gone.
        r = ipmitool("198.51.100.2", "lan", "set", "1", "vlan", "id", "off")
        assert r.ok, r
        time.sleep(0.3)
        assert "bmcnic.100" not in ip("-n", a, "link")
        assert "198.51.100.2/24" in ip("-n", a, "-4", "addr", "show", "bmcnic")
        assert "default via 198.51.100.1 dev bmcnic" in ip("-n", a, "route")
        peer_vlan(False)
        r = wait_answer(ipmitool, "198.51.100.2")
        assert r.ok, r
    finally:
        b.close()
    err = b.errors()
    assert "cannot" not in err, err


def test_dhcp_address_from_dnsmasq(two_namespaces, tmp_path):
    """`lan set 1 ipsrc dhcp`: bmcd runs udhcpc on its NIC; dnsmasq in the
    peer namespace leases 198.51.100.50-60 with router 198.51.100.1; bmcd
    puts the lease on the NIC and answers there.  Back to static stops the
    client; DHCP is kept across a restart."""
    import shutil
    if not shutil.which("dnsmasq"):
        pytest.fail("dnsmasq is not installed (scripts/deps.sh installs dnsmasq-base)")
    a, c = two_namespaces
    cdev = re.search(r"\d+: (vc\w+)@", ip("-n", c, "-o", "link", "show", "type", "veth")).group(1)
    b = NsBmcd(two_namespaces, tmp_path)
    dns_log = open(tmp_path / "dnsmasq.log", "w")
    dns = subprocess.Popen(["ip", "netns", "exec", c, "dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                            "--port=0", f"--interface={cdev}", "--bind-interfaces",
                            "--dhcp-range=198.51.100.50,198.51.100.60,255.255.255.0,1h",
                            "--dhcp-option=3,198.51.100.1", f"--dhcp-leasefile={tmp_path}/leases",
                            f"--pid-file={tmp_path}/dnsmasq.pid"], stdout=dns_log, stderr=dns_log)
    b.start()
    ipmitool = b.ipmitool

    def leased(deadline=20):
        t_end = time.monotonic() + deadline
        while time.monotonic() < t_end:
            m = re.search(r"inet (198\.51\.100\.(5\d|60))/24", ip("-n", a, "-4", "addr", "show", "bmcnic"))
            if m:
                return m.group(1)
            time.sleep(0.3)
        return None

    def children():
        return [p for p in ip("netns", "pids", a).split()
                if "udhcpc" in open(f"/proc/{p}/cmdline").read().replace("\0", " ")]
    try:
        assert wait_answer(ipmitool, "198.51.100.2").ok
        r = ipmitool("198.51.100.2", "lan", "set", "1", "ipsrc", "dhcp")
        assert r.ok, r
        addr = leased()
        assert addr, (ip("-n", a, "addr"), (tmp_path / "dnsmasq.log").read_text(),
                      (tmp_path / "bmcd.stderr").read_text())
        assert "198.51.100.2/" not in ip("-n", a, "-4", "addr", "show", "bmcnic")
        assert "default via 198.51.100.1 dev bmcnic" in ip("-n", a, "route")
        r = wait_answer(ipmitool, addr)
        assert r.ok, r
        r = ipmitool(addr, "lan", "print", "1")
        assert r.ok and "DHCP Address" in r.out and addr in r.out, r
        assert len(children()) == 1

        # Kept across a restart: the client runs again and the lease comes back.
        assert b.stop() == 0
        assert children() == [], "udhcpc outlived bmcd"
        ip("-n", a, "addr", "flush", "dev", "bmcnic")
        b.start()
        addr = leased()
        assert addr and wait_answer(ipmitool, addr).ok

        # Static again: the client stops, the address stays; a static one replaces it.
        r = ipmitool(addr, "lan", "set", "1", "ipsrc", "static")
        assert r.ok, r
        time.sleep(0.5)
        assert children() == []
        r = ipmitool(addr, "lan", "set", "1", "ipaddr", "198.51.100.7")
        assert r.ok, r
        assert wait_answer(ipmitool, "198.51.100.7").ok
    finally:
        dns.terminate()
        dns.wait(10)
        dns_log.close()
        b.close()
    err = b.errors()
    assert "DHCP bound on bmcnic" in err and "DHCP client started on bmcnic" in err, err


def test_cold_reset_applies_changes_held_by_set_in_progress(two_namespaces, tmp_path):
    """A cold reset while "set in progress" is active goes to "set complete"
    (IPMI 2.0 table 23-4, parameter 0); bmcd has no rollback, so an address
    written inside the set and not yet on the NIC is applied, as writing
    00b would (docs/lan-config.md).  A warm reset leaves the set open."""
    a, c = two_namespaces
    b = NsBmcd(two_namespaces, tmp_path).start()
    ipmitool = b.ipmitool
    try:
        assert wait_answer(ipmitool, "198.51.100.2").ok
        assert ipmitool("198.51.100.2", "raw", "0x0c", "0x01", "1", "0", "1").ok
        # IP address 198.51.100.9, inside the set: read back, not applied.
        r = ipmitool("198.51.100.2", "raw", "0x0c", "0x01", "1", "3", "198", "51", "100", "9")
        assert r.ok, r
        r = ipmitool("198.51.100.2", "raw", "0x0c", "0x02", "1", "3", "0", "0")
        assert r.ok and r.out.split() == ["11", "c6", "33", "64", "09"], r
        assert "198.51.100.2/24" in ip("-n", a, "-4", "addr", "show", "bmcnic")
        r = ipmitool("198.51.100.2", "mc", "reset", "warm")
        assert r.ok, r
        r = ipmitool("198.51.100.2", "raw", "0x0c", "0x02", "1", "0", "0", "0")
        assert r.ok and r.out.split() == ["11", "01"], r
        assert "198.51.100.2/24" in ip("-n", a, "-4", "addr", "show", "bmcnic")
        r = ipmitool("198.51.100.2", "mc", "reset", "cold")
        assert r.ok, r
        deadline = time.monotonic() + 10
        while "198.51.100.9/24" not in ip("-n", a, "-4", "addr", "show", "bmcnic"):
            assert time.monotonic() < deadline, ip("-n", a, "-4", "addr", "show", "bmcnic")
            time.sleep(0.2)
        r = wait_answer(ipmitool, "198.51.100.9")
        assert r.ok, r
        r = ipmitool("198.51.100.9", "raw", "0x0c", "0x02", "1", "0", "0", "0")
        assert r.ok and r.out.split() == ["11", "00"], r
        # What the NIC has is what bmcd reports.
        r = ipmitool("198.51.100.9", "lan", "print", "1")
        assert r.ok and "198.51.100.9" in r.out, r
    finally:
        b.close()
    err = b.errors()
    assert b.proc.returncode == 0, err
