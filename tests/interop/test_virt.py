"""Virtual BMCs: the "libvirt" host backend (docs/virtual.md) against
libvirt's own test hypervisor (a test:///FILE URI: the domains a node file
lists, held by the libvirt client library in bmcd's process, started as
the file says).  ipmitool and fence_ipmilan drive each domain's power; many
BMCs in one process share one connection; a URI that cannot connect and a
domain that does not exist are refused with a clear message."""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pexpect
import pytest

import rfclient
import test_dbus

from conftest import BMCD, HOST, Bmcd, free_udp_port, load_board, ok, run, write_board
from pyghmi_child import pyghmi_run

TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"


def node_xml(path, names, running=()):
    """A test-driver node file with one small domain per name; the ones in
    `running` start running, the others shut off (runstate 5)."""
    doms = []
    for i, n in enumerate(names):
        state = "" if n in running else "<test:runstate>5</test:runstate>"
        doms.append(f"""<domain type='test' xmlns:test='{TEST_NS}'>
  <name>{n}</name><uuid>6695eb01-f6a4-4304-79aa-{i:012x}</uuid>
  <memory>65536</memory><vcpu>1</vcpu>
  <os><type>hvm</type><boot dev='hd'/></os>{state}
</domain>""")
    path.write_text("<node>\n" + "\n".join(doms) + "\n</node>\n")
    return f"test://{path}"


def virt_board(uri, domain, name="virt"):
    board = load_board()
    board["name"] = name
    board["host"] = {"backend": "libvirt", "libvirt": {"uri": uri, "domain": domain}}
    board["redfish"]["enabled"] = False
    for key in ("i2c", "ipmb"):
        board.pop(key, None)
    return board


def consecutive_udp_ports(n):
    """n consecutive UDP ports on HOST that are free now."""
    for _ in range(50):
        base = random.randrange(20000, 60000 - n)
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind((HOST, p))
            return list(range(base, base + n))
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    pytest.fail(f"no {n} consecutive free UDP ports")


def fence(b, action):
    return run(["fence_ipmilan", "--ip", HOST, "--ipport", str(b.port), "-l", "admin",
                "-p", "password", "--lanplus", "-o", action, "--power-timeout", "20"],
               timeout=90, env=b.client_env())


@pytest.fixture
def one(tmp_path):
    uri = node_xml(tmp_path / "node.xml", ["vm0"])
    board = write_board(tmp_path, virt_board(uri, "vm0"))
    b = Bmcd(board=board, workdir=tmp_path / "bmc")
    b.start()
    yield b
    b.stop_and_check()


def test_power_ipmitool(one):
    assert one.power_status()[0] == "off"
    ok(one.ipmitool("chassis", "power", "on"))
    one.wait_power("on")
    ok(one.ipmitool("chassis", "power", "reset"))
    one.wait_power("on")
    ok(one.ipmitool("chassis", "power", "cycle"))
    one.wait_power("on")
    ok(one.ipmitool("chassis", "power", "off"))
    one.wait_power("off")
    # Reset of a domain that is off: not possible in this state.
    r = one.ipmitool("chassis", "power", "reset")
    assert not r.ok
    assert one.power_status()[0] == "off"
    assert "libvirt host vm0: create" in one.stderr()
    assert "libvirt host vm0: destroy" in one.stderr()
    assert "libvirt host vm0: reset" in one.stderr()


def test_ironic_lines_and_pyghmi(one):
    """Ironic's ipmitool options (-R 5 -N 12), then pyghmi's
    set_power('boot') (on if off, else reset) twice."""
    ironic = dict(extra=("-R", "5", "-N", "12"))
    ok(one.ipmitool("chassis", "power", "on", **ironic))
    one.wait_power("on", **ironic)
    ok(one.ipmitool("chassis", "power", "off", **ironic))
    one.wait_power("off", **ironic)
    body = """
out['first'] = c.set_power('boot', wait=20)
out['second'] = c.set_power('boot', wait=20)
out['state'] = c.get_power()
"""
    res, r = pyghmi_run(one, body)
    assert res.get("done"), (res, r)
    assert res["state"]["powerstate"] == "on", res
    log = one.stderr()
    assert "vm0: create" in log and "vm0: reset" in log, log


def test_system_guid_is_domain_uuid(one):
    # UUID 6695eb01-f6a4-4304-79aa-000000000000 in SMBIOS byte order.
    r = ok(one.ipmitool("raw", "0x06", "0x37"))
    got = bytes.fromhex("".join(r.out.split()))
    want = bytes.fromhex("01eb9566a4f60443" + "79aa" + "000000000000")
    assert got == want, r


def test_fru_from_domain(tmp_path):
    """A board without FRU 0: the BMC's FRU 0 is the domain's identity
    (product name = domain name, serial and asset tag = its UUID); a board
    with FRU 0 keeps its own."""
    uri = node_xml(tmp_path / "node.xml", ["vm0"])
    board = virt_board(uri, "vm0")
    own = board.pop("fru")
    b = Bmcd(board=write_board(tmp_path, board), workdir=tmp_path / "bmc")
    b.start()
    try:
        r = ok(b.ipmitool("fru", "print", "0"))
        fields = {k.strip(): v.strip() for k, _, v in
                  (line.partition(":") for line in r.out.splitlines()) if v}
        uuid = "6695eb01-f6a4-4304-79aa-000000000000"
        assert fields.get("Product Name") == "vm0", r
        assert fields.get("Product Serial") == uuid, r
        assert fields.get("Product Asset Tag") == uuid, r
        assert "Board Mfg" not in r.out and "Product Manufacturer" not in r.out, r
    finally:
        b.stop_and_check()
    board["fru"] = own
    b = Bmcd(board=write_board(tmp_path, board, "own.json"), workdir=tmp_path / "bmc2")
    b.start()
    try:
        r = ok(b.ipmitool("fru", "print", "0"))
        assert "Product Name          : vm0" not in r.out, r
        assert own[0]["product"]["name"] in r.out, r
    finally:
        b.stop_and_check()


def test_fence_ipmilan(one):
    r = fence(one, "status")
    assert r.rc == 2 and "Status: OFF" in r.out, r
    r = fence(one, "on")
    assert r.ok and "Success: Powered ON" in r.out, r
    r = fence(one, "reboot")
    assert r.ok and "Success: Rebooted" in r.out, r
    assert one.power_status()[0] == "on"
    r = fence(one, "off")
    assert r.ok and "Success: Powered OFF" in r.out, r
    assert one.power_status()[0] == "off"


def test_many_instances(tmp_path):
    """200 BMCs in one process, consecutive ports, one domain each on one
    shared connection: each reports and drives its own domain only.  Every
    one answers FreeIPMI (one ipmi-chassis run with a host list, its
    sessions in parallel) and a sample answers ipmitool."""
    n = 200
    names = [f"vm{i}" for i in range(n)]
    running = {"vm1", "vm3", "vm150", "vm199"}
    uri = node_xml(tmp_path / "node.xml", names, running=running)
    ports = consecutive_udp_ports(n)
    extra = []
    for i in range(1, n):
        board = write_board(tmp_path, virt_board(uri, names[i], f"virt{i}"), f"b{i}.json")
        extra += ["--instance", f"{board}:{tmp_path / f's{i}'}:{HOST}:{ports[i]}"]
    main = Bmcd(board=write_board(tmp_path, virt_board(uri, "vm0", "virt0")), port=ports[0],
                workdir=tmp_path / "bmc", extra_args=extra)
    t0 = time.monotonic()
    main.start()
    started = time.monotonic() - t0
    try:
        want = ["on" if f"vm{i}" in running else "off" for i in range(n)]
        # FreeIPMI: all 200 in one run (a host list; "HOST:PORT: System Power : on").
        hosts = ",".join(f"{HOST}:{p}" for p in ports)
        r = run(["ipmi-chassis", "-h", hosts, "-u", "admin", "-p", "password", "-D", "LAN_2_0",
                 "-I", "3", "-W", "none", "--fanout=32", "--session-timeout=10000",
                 "--get-status"], timeout=120, env=main.client_env())
        got = {}
        for line in r.out.splitlines():
            host, _, rest = line.partition(": ")
            if "System Power" in rest:
                got[int(host.rsplit(":", 1)[1])] = rest.split(":")[-1].strip()
        assert [got.get(p) for p in ports] == want, (started, r)
        handles = [main] + [Bmcd(port=p, workdir=tmp_path / f"c{i}") for i, p in
                            enumerate(ports[1:], 1)]
        sample = list(range(0, n, 10)) + [1, 3, 150, 199]
        assert [handles[i].power_status()[0] for i in sample] == [want[i] for i in sample]
        ok(handles[7].ipmitool("chassis", "power", "on"))
        handles[7].wait_power("on")
        ok(handles[3].ipmitool("chassis", "power", "off"))
        handles[3].wait_power("off")
        assert [h.power_status()[0] for h in handles[:10]] == \
            ["off", "on", "off", "off", "off", "off", "off", "on", "off", "off"]
        r = ok(handles[199].freeipmi("ipmi-chassis", "--get-status"))
        assert re.search(r"System Power\s*: on", r.out), r
        # One connection for all of them.
        assert main.stderr().count("libvirt host: domain ") == n
    finally:
        main.stop_and_check()


def start_fails(tmp_path, board):
    p = subprocess.run([str(BMCD), "--board", str(board), "--state", str(tmp_path / "st"),
                        "--listen", f"{HOST}:{free_udp_port()}"], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode != 0
    return p.stderr


def test_unreachable_uri(tmp_path):
    board = write_board(tmp_path, virt_board("qemu+unix:///system?socket=/nonexistent/sock", "x"))
    err = start_fails(tmp_path, board)
    assert "libvirt qemu+unix:///system?socket=/nonexistent/sock: cannot connect" in err, err


def test_unknown_domain(tmp_path):
    uri = node_xml(tmp_path / "node.xml", ["vm0"])
    board = write_board(tmp_path, virt_board(uri, "nosuch"))
    err = start_fails(tmp_path, board)
    assert f'libvirt host: no domain "nosuch" at {uri}' in err, err


def test_check_config(tmp_path):
    board = load_board()
    board["host"] = {"backend": "libvirt", "libvirt": {"uri": "test:///default", "bogus": 1}}
    path = write_board(tmp_path, board)
    r = run([str(BMCD), "--board", str(path), "--check-config"])
    assert "host.libvirt.domain: missing" in r.out, r
    assert "host.libvirt.bogus" in r.out, r


@pytest.fixture
def boot(tmp_path):
    path = tmp_path / "node.xml"
    path.write_text(f"""<node><domain type='test' xmlns:test='{TEST_NS}'>
  <name>vm0</name><memory>65536</memory><vcpu>1</vcpu>
  <os><type>hvm</type><boot dev='hd'/><boot dev='cdrom'/></os>
  <test:runstate>5</test:runstate>
</domain></node>""")
    board = write_board(tmp_path, virt_board(f"test://{path}", "vm0"))
    b = Bmcd(board=board, workdir=tmp_path / "bmc")
    b.start()
    yield b
    b.stop_and_check()


def power_on_off(b):
    ok(b.ipmitool("chassis", "power", "on"))
    b.wait_power("on")
    ok(b.ipmitool("chassis", "power", "off"))
    b.wait_power("off")


def test_bootdev_next_boot_only(boot):
    """`chassis bootdev pxe` (Ironic's line) then a power on: the domain
    starts from the network, and its own order is back for the next start."""
    ok(boot.ipmitool("chassis", "bootdev", "pxe"))
    power_on_off(boot)
    log = boot.stderr()
    assert "vm0: boot device network (next boot only)" in log, log
    assert "vm0: started from: network hd cdrom" in log, log
    assert "vm0: the next start boots from: hd cdrom" in log, log
    assert not (boot.state_dir / "libvirt-restore.xml").exists()
    power_on_off(boot)
    assert boot.stderr().count("vm0: boot device network") == 1
    assert "vm0: started from: network" not in boot.stderr()[len(log):]


def test_bootdev_persistent(boot):
    ok(boot.ipmitool("chassis", "bootdev", "cdrom", "options=persistent"))
    power_on_off(boot)
    log = boot.stderr()
    assert "vm0: boot device cdrom (persistent)" in log, log
    assert "vm0: started from: cdrom hd" in log, log
    assert "vm0: the next start boots from: cdrom hd" in log, log


def test_bootdev_refused(boot, tmp_path):
    """What libvirt cannot do is refused with CCh (invalid data field),
    not taken and ignored: BIOS setup (no libvirt boot device enters it),
    and an EFI boot of a legacy-BIOS domain.  The flags stay as they were.
    (ipmitool's bootdev exits 0 whatever the answer: its message tells.)"""
    refused = "Set Chassis Boot Parameter 5 failed: Invalid data field in request"
    r = boot.ipmitool("chassis", "bootdev", "bios")
    assert refused in r.err, r
    r = boot.ipmitool("chassis", "bootdev", "pxe", "options=efiboot")
    assert refused in r.err, r
    r = ok(boot.ipmitool("chassis", "bootparam", "get", "5"))
    assert "Boot Flag Invalid" in r.out, r
    log = boot.stderr()
    assert "vm0: boot device bios setup refused" in log, log
    assert "vm0: EFI boot refused: the domain's firmware is legacy BIOS" in log, log
    # Legacy on this domain: taken.
    r = ok(boot.ipmitool("chassis", "bootdev", "pxe"))
    assert "failed" not in r.err, r


def test_bootdev_efi_domain(tmp_path):
    """A UEFI domain (<os firmware='efi'>) takes an EFI boot override, and
    a legacy one (its firmware boots it either way)."""
    path = tmp_path / "node.xml"
    path.write_text(f"""<node><domain type='test' xmlns:test='{TEST_NS}'>
  <name>e0</name><memory>65536</memory><vcpu>1</vcpu>
  <os firmware='efi'><type>hvm</type><boot dev='hd'/></os>
  <test:runstate>5</test:runstate>
</domain></node>""")
    b = Bmcd(board=write_board(tmp_path, virt_board(f"test://{path}", "e0")),
             workdir=tmp_path / "bmc")
    b.start()
    try:
        ok(b.ipmitool("chassis", "bootdev", "pxe", "options=efiboot"))
        r = ok(b.ipmitool("chassis", "bootparam", "get", "5"))
        assert "BIOS EFI boot" in r.out, r
        power_on_off(b)
        assert "e0: boot device network (next boot only)" in b.stderr()
        ok(b.ipmitool("chassis", "bootdev", "disk"))
        r = b.ipmitool("chassis", "bootdev", "bios")
        assert "Invalid data field in request" in r.err, r
    finally:
        b.stop_and_check()


# ---- through a libvirt daemon this test starts ---------------------------

LIBVIRTD = "/usr/sbin/libvirtd"


class Libvirtd:
    """libvirtd as root with its sockets, config and pid file in a temp dir
    and no hypervisor driver modules (LIBVIRT_DRIVER_DIR: an empty folder),
    so it serves only libvirt's test driver, over test+unix://...?socket=."""

    def __init__(self, tmp):
        self.dir = tmp / "lvd"
        self.dir.mkdir(exist_ok=True)
        (self.dir / "drivers").mkdir(exist_ok=True)
        self.conf = self.dir / "libvirtd.conf"
        self.conf.write_text(f'unix_sock_dir = "{self.dir}"\nauth_unix_rw = "none"\n'
                             'auth_unix_ro = "none"\nlisten_tcp = 0\nlisten_tls = 0\n')
        self.sock = self.dir / "libvirt-sock"
        self.proc = None

    def start(self):
        env = dict(os.environ, LIBVIRT_DRIVER_DIR=str(self.dir / "drivers"))
        self.log = open(self.dir / "log", "wb")
        self.proc = subprocess.Popen([LIBVIRTD, "-f", str(self.conf), "-p", str(self.dir / "pid")],
                                     env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while not self.sock.exists():
            assert self.proc.poll() is None, (self.dir / "log").read_text()
            assert time.monotonic() < deadline, "libvirtd did not make its socket"
            time.sleep(0.05)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()

    def uri(self, node):
        return f"test+unix://{node}?socket={self.sock}"

    def virsh(self, uri, *args):
        return run(["virsh", "-c", uri, *args])


@pytest.fixture
def remote(tmp_path):
    if not os.path.exists(LIBVIRTD) or os.geteuid() != 0:
        pytest.skip("needs libvirtd (libvirt-daemon) and root")
    # Root's libvirtd makes /run/libvirt whatever its config says: leave
    # the machine as it was.
    had_run = os.path.exists("/run/libvirt")
    d = Libvirtd(tmp_path).start()
    yield d
    d.stop()
    if not had_run:
        shutil.rmtree("/run/libvirt", ignore_errors=True)


def test_remote_events_undefine_and_reconnect(remote, tmp_path):
    """Over a libvirt daemon: a domain started by someone else shows as on
    at once (lifecycle event); a domain undefined while bmcd runs gives its
    BMC a clear error and leaves the other BMC alone; libvirtd going away
    is logged and bmcd reconnects once it is back."""
    # test:///default is the one test-driver state every connection to the
    # daemon shares (a node file would be private to each connection).
    # The daemon frees that state when its last connection closes: a
    # `virsh event --loop` holds one open for the test.
    uri = remote.uri("/default")
    holder = subprocess.Popen(["virsh", "-c", uri, "event", "--all", "--loop"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    for i, name in enumerate(["vm0", "vm1"]):
        xml = tmp_path / f"{name}.xml"
        xml.write_text(f"<domain type='test'><name>{name}</name>"
                       f"<uuid>6695eb01-f6a4-4304-79aa-1000000000{i:02x}</uuid>"
                       "<memory>65536</memory><os><type>hvm</type></os></domain>")
        ok(remote.virsh(uri, "define", str(xml)))
    port_b = free_udp_port()
    board_b = write_board(tmp_path, virt_board(uri, "vm1", "virt-b"), "b.json")
    a = Bmcd(board=write_board(tmp_path, virt_board(uri, "vm0")), workdir=tmp_path / "a",
             extra_args=["--instance", f"{board_b}:{tmp_path / 'sb'}:{HOST}:{port_b}"])
    b = Bmcd(port=port_b, workdir=tmp_path / "b")
    a.start()
    try:
        assert a.power_status()[0] == "off" and b.power_status()[0] == "off"
        ok(remote.virsh(uri, "start", "vm0"))
        a.wait_power("on", deadline=3)
        ok(remote.virsh(uri, "undefine", "vm1"))
        deadline = time.monotonic() + 5
        while "vm1: the domain was undefined" not in a.stderr():
            assert time.monotonic() < deadline, a.stderr_tail()
            time.sleep(0.1)
        r = b.ipmitool("chassis", "power", "on")
        assert not r.ok, r
        assert a.power_status()[0] == "on"
        ok(a.ipmitool("chassis", "power", "off"))
        a.wait_power("off")
        # The daemon goes and comes back (the test driver's state with it).
        remote.stop()
        deadline = time.monotonic() + 5
        while "connection lost" not in a.stderr():
            assert time.monotonic() < deadline, a.stderr_tail()
            time.sleep(0.1)
        st, r = a.power_status()
        assert r.rc is not None and not r.timed_out
        remote.start()
        deadline = time.monotonic() + 15
        while "reconnected" not in a.stderr():
            assert time.monotonic() < deadline, a.stderr_tail()
            time.sleep(0.2)
        # The new daemon's test driver has its default domain only: vm0 is
        # gone, which vm0's BMC now says.
        assert "vm0: the domain is gone" in a.stderr().split("reconnected")[-1]
        time.sleep(1.2)         # the forced off's 1 s press is over: nothing merges
        r = a.ipmitool("chassis", "power", "on")
        assert not r.ok, r
    finally:
        holder.terminate()
        holder.wait(10)
        a.stop_and_check()


def test_remote_status_unknown_while_down(remote, tmp_path):
    """libvirtd stopped: the power state is unknown, so Get Chassis Status
    answers an error completion code (ipmitool fails, fence_ipmilan reports
    a failure, not "off") and power commands fail at once; libvirtd back:
    status answers again.  The domain is the test driver's own "test"
    (running), which every fresh daemon has."""
    uri = remote.uri("/default")
    board = virt_board(uri, "test")
    board["redfish"]["enabled"] = True
    bus = test_dbus.Bus().start()
    b = Bmcd(board=write_board(tmp_path, board), workdir=tmp_path / "a",
             extra_args=["--bus", bus.address])
    b.start()
    rf = rfclient.Redfish(b)
    host = (test_dbus.HOST_PATH, test_dbus.HOST_IFACE, "CurrentHostState")
    chassis = (test_dbus.CHASSIS_PATH, test_dbus.CHASSIS_IFACE, "CurrentPowerState")
    try:
        assert b.power_status()[0] == "on"
        assert rf.get("/redfish/v1/Systems/system")["PowerState"] == "On"
        bus.wait_for(*host, test_dbus.HOST_STATE + "Running")
        assert bus.get(*chassis) == test_dbus.CHASSIS_IFACE + ".PowerState.On"
        remote.stop()
        deadline = time.monotonic() + 5
        while "connection lost" not in b.stderr():
            assert time.monotonic() < deadline, b.stderr_tail()
            time.sleep(0.1)
        # Redfish says it does not know (null), not a guess.
        assert rf.get("/redfish/v1/Systems/system")["PowerState"] is None
        assert rf.get("/redfish/v1/Chassis/chassis")["PowerState"] is None
        # D-Bus answers the error phosphor's clients know, not a stale state.
        for path, iface, prop in (host, chassis):
            r = run(["gdbus", "call", "--address", bus.address, "--dest", test_dbus.NAME,
                     "--object-path", path, "--method", "org.freedesktop.DBus.Properties.Get",
                     iface, prop], timeout=10)
            assert not r.ok, r
            assert "GDBus.Error:xyz.openbmc_project.Common.Error.Unavailable" in r.err, r
        r = b.ipmitool("chassis", "power", "status")
        assert not r.ok and not r.timed_out, r
        assert "Chassis Power is" not in r.out, r
        assert "Get Chassis Power Status failed: Command not supported in present state" \
            in r.err, r
        t0 = time.monotonic()
        r = fence(b, "status")
        assert r.rc == 1 and "Status: OFF" not in r.out, r
        assert "Unable to obtain correct plug status" in r.err, r
        assert time.monotonic() - t0 < 60, r
        r = b.ipmitool("chassis", "power", "off")
        assert not r.ok and not r.timed_out, r
        log = b.stderr()
        assert log.count("power state is unknown") == 1, log
        remote.start()
        deadline = time.monotonic() + 15
        while "reconnected" not in b.stderr():
            assert time.monotonic() < deadline, b.stderr_tail()
            time.sleep(0.2)
        assert b.power_status()[0] == "on"
        assert rf.get("/redfish/v1/Systems/system")["PowerState"] == "On"
        assert bus.get(*host) == test_dbus.HOST_STATE + "Running"
        assert bus.get(*chassis) == test_dbus.CHASSIS_IFACE + ".PowerState.On"
        r = fence(b, "status")
        assert r.ok and "Status: ON" in r.out, r
    finally:
        b.stop_and_check()
        bus.close()


# ---- the fleet file -------------------------------------------------------

def test_fleet(tmp_path):
    """Three VMs, three BMCs from one fleet file and one board file: each
    entry names its listen endpoint, state directory (relative to the
    file), URI and domain."""
    uri = node_xml(tmp_path / "node.xml", ["a", "b", "c"], running={"b"})
    write_board(tmp_path, load_board() | {"redfish": {"enabled": False}}, "vm.json")
    ports = consecutive_udp_ports(3)
    fleet = {"instances": [{"name": n, "board": "vm.json", "state": f"state/{n}",
                            "listen": f"{HOST}:{p}", "uri": uri, "domain": n}
                           for n, p in zip("abc", ports)]}
    (tmp_path / "fleet.json").write_text(json.dumps(fleet))
    main = Bmcd(board=write_board(tmp_path, virt_board(uri, "c", "main"), "main.json"),
                workdir=tmp_path / "main", extra_args=["--fleet", str(tmp_path / "fleet.json")])
    main.start()
    try:
        handles = [Bmcd(port=p, workdir=tmp_path / f"c{p}") for p in ports]
        assert [h.power_status()[0] for h in handles] == ["off", "on", "off"]
        ok(handles[0].ipmitool("chassis", "power", "on"))
        handles[0].wait_power("on")
        assert (tmp_path / "state" / "a").is_dir()
    finally:
        main.stop_and_check()


@pytest.mark.parametrize("clash", ["listen", "state"])
def test_fleet_clash(tmp_path, clash):
    entries = [{"board": "b.json", "state": "s1", "listen": f"{HOST}:7001"},
               {"board": "b.json", "state": "s2", "listen": f"{HOST}:7002"},
               {"board": "b.json", "state": "s3", "listen": f"{HOST}:7003"}]
    entries[2][clash] = entries[0][clash]
    (tmp_path / "fleet.json").write_text(json.dumps({"instances": entries}))
    write_board(tmp_path, load_board(), "b.json")
    r = run([str(BMCD), "--fleet", str(tmp_path / "fleet.json"), "--check-config"])
    assert r.rc != 0
    what = "listen on 127.0.0.1:7001" if clash == "listen" else f"have state {tmp_path}/s1"
    assert f"fleet instances[0] and [2] both {what}" in r.err, r


def test_fleet_bad(tmp_path):
    (tmp_path / "fleet.json").write_text('{"instances": [{"board": "b.json", "bogus": 1}]}')
    r = run([str(BMCD), "--fleet", str(tmp_path / "fleet.json"), "--check-config"])
    assert r.rc != 0 and "fleet instances[0].bogus: unknown key" in r.err, r
    (tmp_path / "fleet.json").write_text('{"instances": [{"board": "b.json"}]}')
    r = run([str(BMCD), "--fleet", str(tmp_path / "fleet.json"), "--check-config"])
    assert r.rc != 0 and "fleet instances[0].state: missing" in r.err, r


def test_fleet_sighup(tmp_path):
    """SIGHUP re-reads the fleet file: an entry removed stops its BMC, an
    entry added starts one, the BMC whose entry stayed keeps running
    (its session too) and so do the --board one."""
    uri = node_xml(tmp_path / "node.xml", ["a", "b", "c"], running={"a"})
    write_board(tmp_path, load_board() | {"redfish": {"enabled": False}}, "vm.json")
    ports = consecutive_udp_ports(3)
    path = tmp_path / "fleet.json"

    def fleet(names):
        path.write_text(json.dumps({"instances": [
            {"board": "vm.json", "state": f"state/{n}", "listen": f"{HOST}:{ports[i]}",
             "uri": uri, "domain": n} for i, n in enumerate("abc") if n in names]}))

    fleet("ab")
    main = Bmcd(board=write_board(tmp_path, virt_board(uri, "c", "main"), "main.json"),
                workdir=tmp_path / "main", extra_args=["--fleet", str(path)])
    main.start()
    try:
        a, b, c = (Bmcd(port=p, workdir=tmp_path / f"c{p}") for p in ports)
        assert a.power_status()[0] == "on" and b.power_status()[0] == "off"
        # A session on a that stays open across the re-read (ipmitool shell).
        sh = subprocess.Popen(["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(ports[0]),
                               "-U", "admin", "-P", "password", "shell"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        sh.stdin.write("chassis power status\n")
        sh.stdin.flush()
        fleet("ac")
        main.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "re-read: 1 started, 1 stopped, 0 failed, 3 BMCs running" not in main.stderr():
            assert time.monotonic() < deadline, main.stderr_tail()
            time.sleep(0.1)
        assert c.power_status()[0] == "off"
        st, r = b.power_status(timeout=5)
        assert not r.ok, r
        assert main.power_status()[0] == "off"
        sh.stdin.write("chassis power status\n")
        out, _ = sh.communicate("exit\n", timeout=20)
        assert out.count("Chassis Power is on") == 2, out
        # A file that does not parse changes nothing.
        path.write_text("{")
        main.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "not re-read" not in main.stderr():
            assert time.monotonic() < deadline, main.stderr_tail()
            time.sleep(0.1)
        assert a.power_status()[0] == "on" and c.power_status()[0] == "off"
    finally:
        main.stop_and_check()


def test_fleet_users(tmp_path):
    """An entry's users replace the board's for that BMC (and are stored in
    its state directory as the board's are); the entry without users has
    the board's."""
    uri = node_xml(tmp_path / "node.xml", ["a", "b"])
    write_board(tmp_path, load_board() | {"redfish": {"enabled": False}}, "vm.json")
    ports = consecutive_udp_ports(2)
    users = [{"id": 2, "name": "alice", "password": "alice-pw-1", "privilege": "administrator"},
             {"id": 3, "name": "bob", "password": "bob-pw-22", "privilege": "user"}]
    fleet = {"instances": [
        {"board": "vm.json", "state": "state/a", "listen": f"{HOST}:{ports[0]}", "uri": uri,
         "domain": "a", "users": users},
        {"board": "vm.json", "state": "state/b", "listen": f"{HOST}:{ports[1]}", "uri": uri,
         "domain": "b"}]}
    (tmp_path / "fleet.json").write_text(json.dumps(fleet))
    r = run([str(BMCD), "--fleet", str(tmp_path / "fleet.json"), "--check-config"])
    assert r.ok, r
    main = Bmcd(board=write_board(tmp_path, virt_board(uri, "b", "main"), "main.json"),
                workdir=tmp_path / "main", extra_args=["--fleet", str(tmp_path / "fleet.json")])
    main.start()
    try:
        a, b = (Bmcd(port=p, workdir=tmp_path / f"c{p}") for p in ports)
        ok(a.ipmitool("chassis", "power", "status", user="alice", password="alice-pw-1"))
        ok(a.ipmitool("chassis", "power", "status", user="bob", password="bob-pw-22",
                      priv="USER"))
        r = a.ipmitool("chassis", "power", "on", user="bob", password="bob-pw-22", priv="USER")
        assert not r.ok and "Insufficient privilege" in r.err, r
        assert not a.ipmitool("chassis", "power", "status").ok      # the board's admin
        ok(b.ipmitool("chassis", "power", "status"))
        assert not b.ipmitool("chassis", "power", "status", user="alice",
                              password="alice-pw-1").ok
        assert (tmp_path / "state" / "a" / "users").exists()
        assert "alice-pw-1" not in main.stderr()
    finally:
        main.stop_and_check()
    # A bad user in an entry: --check-config names it.
    fleet["instances"][0]["users"] = [{"id": 2, "name": "alice", "privilege": "administrator"}]
    (tmp_path / "fleet.json").write_text(json.dumps(fleet))
    r = run([str(BMCD), "--fleet", str(tmp_path / "fleet.json"), "--check-config"])
    assert r.rc != 0 and "users[0].password: missing" in r.out, r


@pytest.mark.parametrize("bad, message", [
    ({"ports": "7010-7020"}, "fleet instances[0] and [1]: port ranges 7000-7099 and 7010-7020 "
                             "overlap on 127.0.0.1"),
    ({"state": "s/x"}, "fleet instances[1].state: a pattern's state needs %n"),
    ({"ports": "7200-7100"}, "fleet instances[1].ports: not LO-HI"),
    ({"domain": "d"}, "fleet instances[1]: \"pattern\" and \"domain\" exclude each other"),
    ({"listen": None}, "fleet instances[1].listen: missing"),
])
def test_fleet_pattern_check(tmp_path, bad, message):
    write_board(tmp_path, load_board(), "b.json")
    good = {"pattern": "ci-*", "board": "b.json", "uri": "test:///default",
            "listen": HOST, "ports": "7000-7099", "state": "s/%n"}
    second = dict(good, pattern="lab-*", ports="7100-7199", state="t/%n") | bad
    second = {k: v for k, v in second.items() if v is not None}
    (tmp_path / "fleet.json").write_text(json.dumps({"instances": [good, second]}))
    r = run([str(BMCD), "--fleet", str(tmp_path / "fleet.json"), "--check-config"])
    assert r.rc != 0 and message in r.err, r


def test_fleet_pattern_listen_in_range(tmp_path):
    write_board(tmp_path, load_board(), "b.json")
    entries = [{"pattern": "ci-*", "board": "b.json", "uri": "test:///default",
                "listen": HOST, "ports": "7000-7099", "state": "s/%n"},
               {"board": "b.json", "state": "one", "listen": f"{HOST}:7042"}]
    (tmp_path / "fleet.json").write_text(json.dumps({"instances": entries}))
    r = run([str(BMCD), "--fleet", str(tmp_path / "fleet.json"), "--check-config"])
    assert r.rc != 0, r
    assert f"fleet instances[1] listens on {HOST}:7042, in the port range 7000-7099 of " \
           "instances[0]" in r.err, r
    entries[1]["listen"] = f"{HOST}:7100"
    (tmp_path / "fleet.json").write_text(json.dumps({"instances": entries}))
    r = run([str(BMCD), "--fleet", str(tmp_path / "fleet.json"), "--check-config"])
    assert r.ok, r


def test_fleet_pattern(tmp_path):
    """A pattern entry: one BMC per matching domain of a test:/// node,
    ports from the range in sorted name order, state per domain."""
    uri = node_xml(tmp_path / "node.xml", ["ci-b", "other", "ci-a", "ci-c"], running={"ci-b"})
    write_board(tmp_path, load_board() | {"redfish": {"enabled": False}}, "vm.json")
    ports = consecutive_udp_ports(3)
    fleet = {"instances": [{"pattern": "ci-*", "board": "vm.json", "uri": uri, "listen": HOST,
                            "ports": f"{ports[0]}-{ports[2]}", "state": "state/%n"}]}
    (tmp_path / "fleet.json").write_text(json.dumps(fleet))
    main = Bmcd(board=write_board(tmp_path, virt_board(uri, "other", "main"), "main.json"),
                workdir=tmp_path / "main", extra_args=["--fleet", str(tmp_path / "fleet.json")])
    main.start()
    try:
        a, b, c = (Bmcd(port=p, workdir=tmp_path / f"c{p}") for p in ports)
        assert [h.power_status()[0] for h in (a, b, c)] == ["off", "on", "off"]
        ok(c.ipmitool("chassis", "power", "on"))
        c.wait_power("on")
        assert "libvirt host ci-c: create" in main.stderr()
        assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["ci-a", "ci-b", "ci-c"]
    finally:
        main.stop_and_check()


def test_fleet_pattern_sighup(remote, tmp_path):
    """Through a libvirtd (domains defined and undefined while bmcd runs):
    SIGHUP gives a new matching domain a BMC on the lowest free port of the
    range, takes the BMC of a domain gone, and leaves the others (and
    their ports and sessions) alone."""
    uri = remote.uri("/default")
    holder = subprocess.Popen(["virsh", "-c", uri, "event", "--all", "--loop"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)

    def define(name, i):
        xml = tmp_path / f"{name}.xml"
        xml.write_text(f"<domain type='test'><name>{name}</name>"
                       f"<uuid>6695eb01-f6a4-4304-79aa-2000000000{i:02x}</uuid>"
                       "<memory>65536</memory><os><type>hvm</type></os></domain>")
        ok(remote.virsh(uri, "define", str(xml)))

    define("ci-b", 1)
    define("ci-c", 2)
    write_board(tmp_path, load_board() | {"redfish": {"enabled": False}}, "vm.json")
    ports = consecutive_udp_ports(3)
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"instances": [
        {"pattern": "ci-*", "board": "vm.json", "uri": uri, "listen": HOST,
         "ports": f"{ports[0]}-{ports[2]}", "state": "state/%n"}]}))
    main = Bmcd(board=write_board(tmp_path, virt_board(uri, "test", "main"), "main.json"),
                workdir=tmp_path / "main", extra_args=["--fleet", str(path)])
    main.start()
    try:
        h = [Bmcd(port=p, workdir=tmp_path / f"c{p}") for p in ports]
        assert h[0].power_status()[0] == "off" and h[1].power_status()[0] == "off"
        ok(remote.virsh(uri, "start", "ci-c"))
        h[1].wait_power("on", deadline=3)
        sh = subprocess.Popen(["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(ports[1]),
                               "-U", "admin", "-P", "password", "shell"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        sh.stdin.write("chassis power status\n")
        sh.stdin.flush()
        define("ci-a", 3)               # sorts first, but ci-c keeps its port
        ok(remote.virsh(uri, "undefine", "ci-b"))
        main.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "re-read: 1 started, 1 stopped, 0 failed, 3 BMCs running" not in main.stderr():
            assert time.monotonic() < deadline, main.stderr_tail()
            time.sleep(0.1)
        # ci-a took the port ci-b left (the lowest free one); ci-c kept its.
        assert h[0].power_status()[0] == "off"
        assert "libvirt host: domain ci-a at" in main.stderr()
        assert h[1].power_status()[0] == "on"
        sh.stdin.write("chassis power status\n")
        out, _ = sh.communicate("exit\n", timeout=20)
        assert out.count("Chassis Power is on") == 2, out
        st, r = h[2].power_status(timeout=5)
        assert not r.ok, r
    finally:
        holder.terminate()
        holder.wait(10)
        main.stop_and_check()


# ---- a real guest: qemu:///session of a libvirtd the test starts ---------

class SessionLibvirtd:
    """libvirtd run as nobody in session mode, its sockets, config and VM
    state in a short temp dir (sun_path), for real TCG guests: a context
    manager whose value is the qemu+unix URI."""

    def __init__(self, tmp_path):
        if (not shutil.which("qemu-system-x86_64") or not os.path.exists(LIBVIRTD)
                or os.geteuid() != 0):
            pytest.skip("needs qemu-system-x86, libvirtd and root")
        self.tmp_path = tmp_path
        self.domains = []

    def __enter__(self):
        top = self.top = Path(tempfile.mkdtemp(prefix="bv-", dir="/tmp"))
        for sub in ("home", "run"):
            (top / sub).mkdir()
        shutil.chown(top, "nobody")
        for sub in ("home", "run"):
            shutil.chown(top / sub, "nobody")
        env = dict(os.environ, HOME=str(top / "home"), XDG_RUNTIME_DIR=str(top / "run"),
                   XDG_CONFIG_HOME=str(top / "home/.config"),
                   XDG_CACHE_HOME=str(top / "home/.cache"))
        self.log = open(self.tmp_path / "libvirtd.log", "wb")
        self.proc = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup",
                                      "--clear-groups", LIBVIRTD],
                                     env=env, stdout=self.log, stderr=self.log)
        sock = top / "run" / "libvirt" / "libvirt-sock"
        self.uri = f"qemu+unix:///session?socket={sock}"
        deadline = time.monotonic() + 15
        while not sock.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                pytest.fail((self.tmp_path / "libvirtd.log").read_text())
            time.sleep(0.1)
        return self

    def define(self, name, xml):
        path = self.tmp_path / f"{name}.xml"
        path.write_text(xml)
        ok(run(["virsh", "-c", self.uri, "define", str(path)]))
        self.domains.append(name)

    def __exit__(self, *exc):
        for name in self.domains:
            run(["virsh", "-c", self.uri, "destroy", name])
        self.proc.terminate()
        self.proc.wait(15)
        self.log.close()
        shutil.rmtree(self.top, ignore_errors=True)


def test_qemu_guest_sol_and_power(tmp_path):
    """A tiny TCG guest (the KCS suite's Debian kernel and busybox
    initramfs) defined in a libvirtd the test runs as nobody in session
    mode (its sockets, config and VM state in a temp dir): power on through
    IPMI starts it, SOL shows its console (the kernel's boot messages),
    power off stops it."""
    if not list(Path("/boot").glob("vmlinuz-*")):
        pytest.skip("needs linux-image-amd64")
    from kcs_guest import build as build_guest
    from solclient import SolConsole
    kernel, initrd = build_guest()
    with SessionLibvirtd(tmp_path) as lvd:
        uri = lvd.uri
        lvd.define("g0", f"""<domain type='qemu'><name>g0</name>
  <memory unit='MiB'>256</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd><cmdline>console=ttyS0,115200 panic=-1</cmdline></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><serial type='pty'/>
    <console type='pty'><target type='serial'/></console></devices>
</domain>""")
        b = Bmcd(board=write_board(tmp_path, virt_board(uri, "g0")), workdir=tmp_path / "bmc")
        b.start()
        try:
            assert b.power_status()[0] == "off"
            c = SolConsole(b.port).open()
            try:
                cc, _ = c.activate()
                assert cc == 0, hex(cc)
                ok(b.ipmitool("chassis", "power", "on"))
                b.wait_power("on")
                c.expect("Linux version", timeout=60)
                c.expect("Run /init", timeout=90)
                c.deactivate()
            finally:
                c.close()
            # ipmitool's own SOL client sees the guest boot again after a reset.
            child = pexpect.spawn("ipmitool", ["-I", "lanplus", "-H", HOST, "-p", str(b.port),
                                               "-U", "admin", "-P", "password", "sol",
                                               "activate"],
                                  env=b.client_env(), timeout=90, encoding="utf-8",
                                  codec_errors="replace")
            try:
                child.expect("SOL Session operational", timeout=15)
                ok(b.ipmitool("chassis", "power", "reset"))
                child.expect("Linux version")
                child.send("\r~.")
                child.expect(pexpect.EOF, timeout=15)
            finally:
                child.close(force=True)
            assert "g0: console open for SOL" in b.stderr()
            ok(b.ipmitool("chassis", "power", "off"))
            b.wait_power("off")
            assert "shut off" in run(["virsh", "-c", uri, "domstate", "g0"]).out
        finally:
            b.stop_and_check()


def test_qemu_guest_boots_pxe_once(tmp_path):
    """Ironic's PXE boot seen from inside a real guest: SeaBIOS on the
    serial console (useserial) with a blank disk and a NIC with iPXE's ROM.
    The domain boots from its disk; `chassis bootdev pxe` then a power on
    boots from the network ("Booting from ROM": iPXE) once, and the next
    reset boots from the disk again.  With the guest running, bootdev pxe
    then a reset (not an off/on) boots from the network too: a reset is a
    boot, and QEMU's own reset would keep the order it started with."""
    if not Path("/usr/lib/ipxe/qemu/efi-virtio.rom").exists():
        pytest.skip("needs ipxe-qemu")
    from solclient import SolConsole
    with SessionLibvirtd(tmp_path) as lvd:
        disk = lvd.top / "home" / "blank.img"      # where libvirtd (nobody) may read
        disk.write_bytes(bytes(1 << 20))
        shutil.chown(disk, "nobody")
        lvd.define("g1", f"""<domain type='qemu'><name>g1</name>
  <memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/><bios useserial='yes'/></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
    <interface type='user'><model type='virtio'/></interface>
    <serial type='pty'/><console type='pty'><target type='serial'/></console></devices>
</domain>""")
        b = Bmcd(board=write_board(tmp_path, virt_board(lvd.uri, "g1")), workdir=tmp_path / "bmc")
        b.start()
        c = SolConsole(b.port).open()
        try:
            cc, _ = c.activate()
            assert cc == 0, hex(cc)

            pos = [0]

            def boots_from(what):
                """The first "Booting from X..." of the next boot after pos.
                The boot's own banner first: a network boot that finds no
                boot file falls through to the disk in the same boot."""
                b0 = c.expect("SeaBIOS (version", timeout=90, start=pos[0])
                i = c.expect("Booting from ", timeout=90, start=b0) + len("Booting from ")
                j = c.expect("...", timeout=30, start=i)
                pos[0] = j
                assert bytes(c.out[i:j]).decode(errors="replace") == what, bytes(c.out[i - 200:j])

            ok(b.ipmitool("chassis", "bootdev", "pxe"))
            ok(b.ipmitool("chassis", "power", "on"))
            boots_from("ROM")
            ok(b.ipmitool("chassis", "power", "reset"))
            boots_from("Hard Disk")
            # Running: bootdev pxe, then a reset.
            ok(b.ipmitool("chassis", "bootdev", "pxe"))
            ok(b.ipmitool("chassis", "power", "reset"))
            boots_from("ROM")
            assert b.power_status()[0] == "on"
            # The guest's own order is back in its definition.
            xml = run(["virsh", "-c", lvd.uri, "dumpxml", "--inactive", "g1"]).out
            assert "<boot dev='hd'/>" in xml and "network" not in xml, xml
            ok(b.ipmitool("chassis", "power", "reset"))
            boots_from("Hard Disk")
            c.deactivate()
        finally:
            c.close()
            b.stop_and_check()
        log = b.stderr()
        # The resets did not show IPMI an off and on.
        assert "g1: shut off" not in log, log


def test_bootdev_then_power_cycle(boot):
    """Ironic's reboot into PXE: bootdev pxe on a running domain, then a
    power cycle: the on half starts it from the network once."""
    ok(boot.ipmitool("chassis", "power", "on"))
    boot.wait_power("on")
    assert "started from" not in boot.stderr()
    ok(boot.ipmitool("chassis", "bootdev", "pxe"))
    ok(boot.ipmitool("chassis", "power", "cycle"))
    deadline = time.monotonic() + 10
    while "vm0: started from: network hd cdrom" not in boot.stderr():
        assert time.monotonic() < deadline, boot.stderr_tail()
        time.sleep(0.1)
    boot.wait_power("on")
    assert "vm0: the next start boots from: hd cdrom" in boot.stderr()
