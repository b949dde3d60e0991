"""802.1Q VLAN (LAN parameters 20 and 21) end to end on the emulated BMC.

`ipmitool lan set 1 vlan id N` makes bmcd create eth0.N over rtnetlink and
move the BMC's address and default route onto it (docs/lan-config.md); from
then on the BMC's kernel tags what it sends with VLAN N and bmcd answers
only on VLAN N.  Two views check that:

- the BMC's kernel, read on its console shell (/init runs one on the
  console, QEMU's --console socket): /proc/net/vlan (the sub-interface, its
  VLAN ID and egress priority map), `ip addr`, `ip route`;
- the wire.  QEMU's user network (slirp) drops tagged frames, so the test
  puts a switch port in between: two QEMU filter-redirectors on the user
  netdev, added over QMP, pass every frame between the guest's MAC0
  (ftgmac100) and slirp through SwitchPort below, which like an access port
  of VLAN N strips the tag N from the BMC's frames, tags N on the frames to
  the BMC, and drops other VLANs (untagged included); untagged it is a
  plain wire.  ipmitool (lanplus, suite 17) then manages the BMC through
  VLAN N, and every reply's tag is checked.

QEMU 7.2's ftgmac100 model keeps only the low byte of the tag it inserts on
transmit (ftgmac100_insert_vlan() takes the TCI as a uint8_t): the
priority bits and the ID's bits 8-11 never reach the wire.  So the wire is
checked with IDs below 256 and the priority in the kernel's egress map; an
ID above 255 is checked in the kernel alone (the second test).

If a test stops half-way, its fixture turns the VLAN off through KCS (the
host's in-band path, which no VLAN affects), so the tests after it still
reach the BMC untagged.
"""

import os
import re
import select
import socket
import struct
import threading
import time

import pytest

from conftest import PASSWORD, USER, run
from kcs_host import KcsHost

VID_A, VID_B, PRIO = 100, 200, 5
VID_HIGH = 1234                  # 0x4d2: bits 8-11 set
TPID = 0x8100


class SwitchPort:
    """The switch port in front of the BMC's MAC0: QEMU filter-redirectors
    on the user netdev hand every frame to this object (framing: 4-byte
    big-endian length, then the frame), which forwards, tags, untags or
    drops it and records it."""

    def __init__(self, qmp, workdir, prefix="vlanport"):
        self.qmp = qmp
        self.prefix = prefix
        self.vid = None          # None: a plain wire; N: access port of VLAN N
        self.follow = None       # switch to this VLAN at the BMC's first frame tagged with it
        self.records = []        # (time, "from-bmc"/"to-bmc", vid, pcp, frame without tag)
        self.lock = threading.Lock()
        self.stopping = False
        self.filters = []
        self.chardevs = []
        self.socks = {}
        info = qmp.execute("human-monitor-command", **{"command-line": "info network"})
        m = re.search(r"^ftgmac100\.0:.*\n\s*\\ (\S+): index=\d+,type=user", info, re.M)
        assert m, f"no user netdev behind ftgmac100.0:\n{info}"
        netdev = m.group(1)
        try:
            # from-bmc: the guest's frames to us; to-slirp: ours to slirp;
            # from-slirp: slirp's frames to us; to-bmc: ours to the guest
            for name in ("from-bmc", "to-slirp", "from-slirp", "to-bmc"):
                path = os.path.join(workdir, f"{prefix}-{name}.sock")
                if os.path.exists(path):
                    os.unlink(path)
                qmp.execute("chardev-add", id=f"{prefix}-{name}", backend={
                    "type": "socket", "data": {"addr": {"type": "unix", "data": {"path": path}},
                                               "server": True, "wait": False}})
                self.chardevs.append(f"{prefix}-{name}")
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                self.socks[name] = s
            # "rx" is what the netdev (slirp) receives: the guest's frames
            for fid, queue, out, into in (("rx", "rx", "from-bmc", "to-slirp"),
                                          ("tx", "tx", "from-slirp", "to-bmc")):
                qmp.execute("object-add", **{"qom-type": "filter-redirector", "id": f"{prefix}-{fid}",
                                             "netdev": netdev, "queue": queue,
                                             "outdev": f"{prefix}-{out}", "indev": f"{prefix}-{into}"})
                self.filters.append(f"{prefix}-{fid}")
        except BaseException:
            self.close()
            raise
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    # -- the port ---------------------------------------------------------
    def _run(self):
        bufs = {"from-bmc": bytearray(), "from-slirp": bytearray()}
        by_sock = {self.socks[n]: n for n in bufs}
        while not self.stopping:
            ready, _, _ = select.select(list(by_sock), [], [], 0.2)
            for s in ready:
                name = by_sock[s]
                try:
                    data = s.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buf = bufs[name]
                buf += data
                while len(buf) >= 4:
                    n = struct.unpack(">I", buf[:4])[0]
                    if len(buf) < 4 + n:
                        break
                    frame = bytes(buf[4:4 + n])
                    del buf[:4 + n]
                    self._frame(name, frame)

    @staticmethod
    def _send(sock, frame):
        sock.sendall(struct.pack(">I", len(frame)) + frame)

    def _frame(self, name, f):
        now = time.monotonic()
        if name == "from-bmc":
            vid = pcp = None
            if len(f) >= 18 and struct.unpack(">H", f[12:14])[0] == TPID:
                tci = struct.unpack(">H", f[14:16])[0]
                vid, pcp = tci & 0x0FFF, tci >> 13
                f = f[:12] + f[16:]
            with self.lock:
                self.records.append((now, "from-bmc", vid, pcp, f))
                if self.follow is not None and vid == self.follow:
                    self.vid, self.follow = vid, None
                forward = vid == self.vid
            if forward:
                self._send(self.socks["to-slirp"], f)
        else:
            with self.lock:
                vid = self.vid
                self.records.append((now, "to-bmc", vid, 0 if vid is not None else None, f))
            if vid is not None:
                f = f[:12] + struct.pack(">HH", TPID, vid) + f[12:]
            self._send(self.socks["to-bmc"], f)

    # -- the test's side --------------------------------------------------
    def set_vlan(self, vid):
        with self.lock:
            self.vid, self.follow = vid, None

    def follow_bmc_to(self, vid):
        """Become an access port of VLAN vid as soon as the BMC sends a
        frame tagged vid (the administrator moving the switch port along
        with the BMC; the BMC's own frames say when)."""
        with self.lock:
            self.follow = vid

    def current(self):
        with self.lock:
            return self.vid

    def from_bmc(self, since):
        with self.lock:
            return [r for r in self.records if r[0] >= since and r[1] == "from-bmc"]

    def replies(self, since):
        """(vid, pcp) of every UDP datagram from the BMC's port 623 since then."""
        out = []
        for _, _, vid, pcp, f in self.from_bmc(since):
            if len(f) >= 14 + 20 + 8 and f[12:14] == b"\x08\x00" and f[14 + 9] == 17:
                ihl = (f[14] & 0x0F) * 4
                if struct.unpack(">H", f[14 + ihl:14 + ihl + 2])[0] == 623:
                    out.append((vid, pcp))
        return out

    def arps(self, since):
        return [(vid, pcp) for _, _, vid, pcp, f in self.from_bmc(since) if f[12:14] == b"\x08\x06"]

    def _remove_all(self, command, ids):
        """QMP `command` on each id, whatever becomes of each (at close)."""
        for i in ids:
            try:
                self.qmp.execute(command, id=i)
            except Exception:
                pass

    def close(self):
        self._remove_all("object-del", self.filters)
        self.filters = []
        self.stopping = True
        if getattr(self, "thread", None):
            self.thread.join(2)
        for s in self.socks.values():
            s.close()
        self._remove_all("chardev-remove", self.chardevs)
        self.chardevs = []


def ipmitool(bmc, *args, timeout=1, retries=3):
    """ipmitool through the forwarded port with its own -N (timeout) and
    -R (retries): (exit code, stdout + stderr)."""
    rc, out, err = run(["ipmitool", "-I", "lanplus", "-C", "17", "-H", bmc.addr, "-p", bmc.port,
                        "-U", USER, "-P", PASSWORD, "-N", timeout, "-R", retries, *args], timeout=120)
    return rc, out + err


def answers(bmc):
    return ipmitool(bmc, "mc", "info", timeout=2, retries=1)[0] == 0


def kcs_vlan_off(bmc):
    """Set LAN Configuration Parameters (Transport 0Ch/01h) over KCS: set
    complete, then parameter 20 (VLAN ID) = 0000h, disabled."""
    kcs = KcsHost(bmc.qmp)
    for data in ((0x01, 0x00, 0x00), (0x01, 0x14, 0x00, 0x00)):
        resp = kcs.transact(bytes([0x0C << 2, 0x01, *data]))
        assert resp[:3] == bytes([0x0D << 2, 0x01, 0x00]), resp.hex()


def shell(bmc, command, timeout=20):
    """Run a command on the BMC's console shell (conftest's EmulatedBmc.shell)."""
    return bmc.shell(command, timeout)


class KernelView:
    """What the BMC's kernel says about its network."""

    def __init__(self, bmc):
        self.text = shell(bmc, "cat /proc/net/vlan/config; grep -H EGRESS /proc/net/vlan/eth*; "
                               "ip -o -4 addr show; ip route")
        t = self.text
        self.vlans = {m[1]: (int(m[2]), m[3])
                      for m in re.finditer(r"^(\S+)\s*\|\s*(\d+)\s*\|\s*(\S+)\s*$", t, re.M)}
        self.egress = {m[1]: m[2].strip()
                       for m in re.finditer(r"^/proc/net/vlan/(\S+):\s*EGRESS priority mappings:(.*)$", t, re.M)}
        self.addrs = {m[1]: m[2] for m in re.finditer(r"^\d+:\s+(\S+)\s+inet (\S+)", t, re.M)}
        m = re.search(r"^default via (\S+) dev (\S+)", t, re.M)
        self.default = (m[1], m[2]) if m else None

    def __repr__(self):
        return self.text

    def assert_on(self, vid, prio):
        name = f"eth0.{vid}"
        assert self.vlans == {name: (vid, "eth0")}, self
        assert self.egress.get(name) == f"0:{prio}", self
        assert self.addrs.get(name) == "10.0.2.15/24" and "eth0" not in self.addrs, self
        assert self.default == ("10.0.2.2", name), self

    def assert_off(self):
        assert self.vlans == {}, self
        assert self.addrs.get("eth0") == "10.0.2.15/24", self
        assert self.default == ("10.0.2.2", "eth0"), self


@pytest.fixture
def port(bmc):
    p = SwitchPort(bmc.qmp, bmc.workdir)
    try:
        yield p
    finally:
        vid = p.current()
        p.close()
        if vid is not None or not bmc.poll(lambda: answers(bmc), timeout=5):
            kcs_vlan_off(bmc)      # the test stopped with the BMC on a VLAN
            bmc.poll(lambda: answers(bmc), timeout=20)


def field(out, name):
    m = re.search(rf"^{re.escape(name)}\s*:\s*(.*?)\s*$", out, re.M)
    assert m, f"no '{name}' in:\n{out}"
    return m.group(1)


def lan_print(bmc, vid, prio):
    out = bmc.ipmitool("lan", "print", "1")
    assert field(out, "802.1q VLAN ID") == (str(vid) if vid else "Disabled"), out
    assert field(out, "802.1q VLAN Priority") == str(prio), out
    assert field(out, "IP Address") == "10.0.2.15", out


def tagged(port, since, vid):
    """Every reply from bmcd's port 623 since then came tagged vid (or
    untagged, for None), and there was at least one."""
    r = port.replies(since)
    assert r and {v for v, _ in r} == {vid}, r


def test_vlan_end_to_end(bmc, port):
    t_all = time.monotonic()
    con = len(bmc.console())

    # A plain wire first: bmcd answers untagged through the port.
    KernelView(bmc).assert_off()
    t = time.monotonic()
    lan_print(bmc, None, 0)
    tagged(port, t, None)

    # VLAN on, over the LAN.  ipmitool wraps the set in set-in-progress
    # (lock, set, read back, commit, unlock, close session); bmcd applies
    # the VLAN after its reply to the commit.  Requests that arrive before
    # the change are answered untagged (bmcd reads up to 64 datagrams per
    # wakeup, so under TCG the unlock and the close often are); one that
    # arrives after it reaches the BMC untagged and is answered from
    # eth0.100, tagged.  The port follows at the BMC's first frame tagged
    # 100, so ipmitool is answered either way.
    port.follow_bmc_to(VID_A)
    t = time.monotonic()
    rc, out = ipmitool(bmc, "lan", "set", "1", "vlan", "id", str(VID_A), timeout=5)
    assert rc == 0 and "failed" not in out, out
    bmc.wait_console(rf"lan config: eth0\.{VID_A} now carries the address \(VLAN on, priority 0\)", after=con)
    KernelView(bmc).assert_on(VID_A, 0)

    # Over VLAN 100: lan print shows it, every reply is tagged 100.
    t_print = time.monotonic()
    lan_print(bmc, VID_A, 0)
    assert port.current() == VID_A
    tagged(port, t_print, VID_A)
    assert {f[2] for f in port.from_bmc(t) if f[2] is not None} == {VID_A}

    # The priority: the sub-interface's egress map (0:5).
    bmc.ipmitool("lan", "set", "1", "vlan", "priority", str(PRIO))
    bmc.wait_console(rf"eth0\.{VID_A} now carries the address \(VLAN on, priority {PRIO}\)", after=con)
    KernelView(bmc).assert_on(VID_A, PRIO)
    t = time.monotonic()
    lan_print(bmc, VID_A, PRIO)
    tagged(port, t, VID_A)

    # Untagged, nothing answers: the address lives on eth0.100.
    port.set_vlan(None)
    t = time.monotonic()
    assert not answers(bmc)
    assert None not in {v for v, _ in port.replies(t)}, port.replies(t)
    port.set_vlan(VID_A)

    # Another VLAN, over VLAN 100.  bmcd answers the commit on VLAN 100,
    # then makes eth0.200, moves the address and deletes eth0.100: an
    # unlock or close that ipmitool sends on VLAN 100 after that reaches
    # nothing (ipmitool then says "Set LAN Parameter failed" or "Close
    # Session command failed" and still exits 0), until the port is moved
    # to VLAN 200 as an administrator would move it.
    mark = len(bmc.console())
    rc, out = ipmitool(bmc, "lan", "set", "1", "vlan", "id", str(VID_B), timeout=3, retries=1)
    assert rc == 0, out
    bmc.wait_console(rf"eth0\.{VID_B} now carries the address \(VLAN on, priority {PRIO}\)", after=mark)
    port.set_vlan(VID_B)
    KernelView(bmc).assert_on(VID_B, PRIO)
    t = time.monotonic()
    lan_print(bmc, VID_B, PRIO)
    tagged(port, t, VID_B)

    # A reboot of the BMC: bmcd makes eth0.200 again at start-up and moves
    # the address that /init put on eth0 onto it.
    mark = len(bmc.console())
    bmc.reboot()
    print(f"\nvlan: BMC reboot to bmcd ready {bmc.boot_seconds:.1f} s")
    bmc.wait_console(rf"eth0\.{VID_B} now carries the address \(VLAN on, priority {PRIO}\)", after=mark)
    t = time.monotonic()
    lan_print(bmc, VID_B, PRIO)
    tagged(port, t, VID_B)
    KernelView(bmc).assert_on(VID_B, PRIO)

    # VLAN off, over VLAN 200 (the unlock and the close may be lost as above).
    mark = len(bmc.console())
    rc, out = ipmitool(bmc, "lan", "set", "1", "vlan", "id", "off", timeout=3, retries=1)
    assert rc == 0, out
    bmc.wait_console(rf"lan config: eth0 now carries the address \(VLAN off, priority {PRIO}\)", after=mark)
    KernelView(bmc).assert_off()
    # Frames tagged 200 reach nothing now: neither bmcd (were eth0.200
    # still there, bmcd would hear the request on it and answer untagged
    # from eth0) nor ARP.
    t = time.monotonic()
    assert not answers(bmc)
    assert port.replies(t) == [] and port.arps(t) == [], port.from_bmc(t)

    # Untagged again: answered, untagged; lan print says Disabled.
    port.set_vlan(None)
    t = time.monotonic()
    lan_print(bmc, None, PRIO)
    tagged(port, t, None)

    # The priority with the VLAN off only is stored: nothing moves on eth0
    # (a route added there survives it).
    shell(bmc, "ip route add 192.0.2.0/24 via 10.0.2.2 dev eth0")
    try:
        bmc.ipmitool("lan", "set", "1", "vlan", "priority", "0")
        assert "192.0.2.0/24 via 10.0.2.2 dev eth0" in shell(bmc, "ip route")
    finally:
        shell(bmc, "ip route del 192.0.2.0/24")
    lan_print(bmc, None, 0)
    KernelView(bmc).assert_off()
    print(f"vlan: end to end {time.monotonic() - t_all:.1f} s")


def test_vlan_id_above_255_reaches_the_kernel(bmc, port):
    """VLAN 1234 (bits 8-11 of the ID set), in the kernel only: QEMU's MAC
    model sends it as VLAN 210 (its low byte).  Turned off through KCS, as
    a host does when the BMC has become unreachable over its LAN."""
    mark = len(bmc.console())
    rc, out = ipmitool(bmc, "lan", "set", "1", "vlan", "id", str(VID_HIGH), timeout=3, retries=1)
    assert rc == 0, out
    bmc.wait_console(rf"eth0\.{VID_HIGH} now carries the address \(VLAN on, priority 0\)", after=mark)
    KernelView(bmc).assert_on(VID_HIGH, 0)
    wire = {f[2] for f in port.from_bmc(0) if f[2] is not None}
    print(f"\nvlan: VLAN {VID_HIGH} set, tags on QEMU's wire: {sorted(wire)}")

    kcs_vlan_off(bmc)
    bmc.wait_console(r"lan config: eth0 now carries the address \(VLAN off, priority 0\)", after=mark)
    KernelView(bmc).assert_off()
    assert bmc.poll(lambda: answers(bmc), timeout=20)
    lan_print(bmc, None, 0)
