"""Lengths, fields and optional commands that real clients send (issue 15):
Get SEL Info free space, Read FRU Data and Get SDR counts up to what the
channel carries, Set/Get ACPI Power State, Get IP/UDP/RMCP Statistics, and
ipmiutil (which always talks to UDP port 623: its daemon listens on
127.x.y.z:623 here, an address of the loopback net nobody else uses).

Clients: ipmitool (lanplus and IPMI 1.5 lan), FreeIPMI bmc-device and
ipmi-sel, python3-pyghmi, ipmiutil; junk datagrams from a plain UDP socket
(no client sends those)."""

import re
import tempfile
import time
from pathlib import Path

import pytest

from conftest import (HOST, Bmcd, assert_cc, load_board, ok, raw, raw_bytes, run,
                      write_board)
from kcsclient import FakeVM
from loopback import free_loopback
from pyghmi_child import pyghmi_ok

DEADLINE = 20.0


def lan15(b, *args):
    """ipmitool over an IPMI 1.5 session (MD5): a one-byte message length."""
    return b.ipmitool(*args, intf="lan")


def field(text, name):
    m = re.search(r"^\s*" + re.escape(name) + r"\s*:\s*(.*?)\s*$", text, re.M)
    return m.group(1) if m else None


# ---------------------------------------------------------------------------
# Get SEL Info: free space


def test_sel_info_free_space_ffff_means_65535_or_more(bmc):
    # The sim board's SEL holds 4096 records of 16 bytes: 65536 bytes free.
    d = raw_bytes(raw(bmc, 0x0a, 0x40))
    assert d[3] | d[4] << 8 == 0xFFFF, d
    out = ok(bmc.ipmitool("sel", "info")).out
    assert field(out, "Free Space") == "65535 bytes or more", out
    r = ok(bmc.freeipmi("ipmi-sel", "--info", "--ignore-sdr-cache", sdr=True))
    m = re.search(r"Free space remaining\s*:\s*(\d+) bytes", r.out)
    assert m and int(m.group(1)) == 65535, r


def test_sel_info_free_space_exact_below_65535(bmc_factory, tmp_path):
    board = load_board()
    board["sel"] = {"capacity": 100}
    b = bmc_factory(board=write_board(tmp_path, board))
    out = ok(b.ipmitool("sel", "info")).out
    assert field(out, "Free Space") == "1600 bytes", out
    ok(raw(b, 0x0a, 0x44, 0, 0, 0x02, 0, 0, 0, 0, 0x41, 0x00, 0x04, 0x01, 0x30, 0x01, 0x09,
           0xff, 0xff))
    out = ok(b.ipmitool("sel", "info")).out
    assert field(out, "Free Space") == "1584 bytes", out


# ---------------------------------------------------------------------------
# Read FRU Data and Get SDR: counts up to what the channel carries


def fru_chunks(b, size, step=32):
    """The FRU image read in small pieces (what ipmitool fru print does)."""
    img = []
    for off in range(0, size, step):
        d = raw_bytes(raw(b, 0x0a, 0x11, 0, off & 0xff, off >> 8, min(step, size - off)))
        assert d[0] == len(d) - 1
        img += d[1:]
    return img


def test_read_fru_255_bytes_over_lanplus(bmc, sim_board):
    size = sim_board["fru"][0]["size"]
    assert size >= 300
    whole = fru_chunks(bmc, 300)
    d = raw_bytes(raw(bmc, 0x0a, 0x11, 0, 0, 0, 0xff))
    assert d[0] == 255 and d[1:] == whole[:255], d[:8]
    d = raw_bytes(raw(bmc, 0x0a, 0x11, 0, 45, 0, 0xff))
    assert d[0] == 255 and d[1:] == whole[45:300], d[:8]
    # A count running past the end comes back cut at the end.
    d = raw_bytes(raw(bmc, 0x0a, 0x11, 0, (size - 10) & 0xff, (size - 10) >> 8, 0xff))
    assert d[0] == 10 and len(d) == 11, d


PYGHMI_FRU = """
    r = c.raw_command(netfn=0x0a, command=0x11, data=[0, 0, 0, 255])
    out['code'] = r.get('code', 0)
    out['data'] = list(r.get('data', b''))
"""


def test_read_fru_255_bytes_through_pyghmi(bmc):
    whole = fru_chunks(bmc, 256)
    res = pyghmi_ok(bmc, PYGHMI_FRU)
    assert res["code"] == 0 and res["data"] == [255] + whole[:255], res


def test_read_fru_over_ipmi15_cut_at_its_message_length(bmc):
    # IPMI 1.5 framing: one length byte for the whole message, so 247 data
    # bytes after the completion code: a count byte and 246 of FRU data.
    whole = fru_chunks(bmc, 256)
    d = raw_bytes(lan15(bmc, "raw", "0x0a", "0x11", "0", "0", "0", "246"))
    assert d[0] == 246 and d[1:] == whole[:246], d[:8]
    assert_cc(lan15(bmc, "raw", "0x0a", "0x11", "0", "0", "0", "247"), 0xCA)
    assert_cc(lan15(bmc, "raw", "0x0a", "0x11", "0", "0", "0", "255"), 0xCA)
    # The session is still good after the refusals.
    ok(lan15(bmc, "mc", "info"))


def kcs_board(tmp_path):
    sockdir = Path(tempfile.mkdtemp(prefix="bk-", dir="/tmp"))
    board = load_board()
    board["kcs"] = {"backend": "extern", "listen": f"unix:{sockdir}/kcs.sock"}
    return write_board(tmp_path, board, name="kcs.json"), str(sockdir / "kcs.sock")


def ipmb_to_self(netfn, cmd, data):
    """Send Message data for channel 0: an IPMB request from 81h to the
    BMC's own address 20h."""
    hdr = bytes([0x20, netfn << 2])
    body = bytes([0x81, 0x04, cmd]) + bytes(data)
    return b"\x00" + hdr + bytes([(-sum(hdr)) & 0xFF]) + body + bytes([(-sum(body)) & 0xFF])


def test_read_fru_255_bytes_over_kcs_and_the_ipmb_limit(bmc_factory, tmp_path):
    board, sock = kcs_board(tmp_path)
    b = bmc_factory(board=board)
    vm = FakeVM(sock)
    whole = fru_chunks(b, 256)
    # The host's KCS carries 272 bytes with netfn, command and cc: 256 fit.
    cc, data = vm.request(0x0a, 0x11, bytes([0, 0, 0, 255]))
    assert cc == 0 and list(data) == [255] + whole[:255], (cc, list(data[:8]))
    # To the BMC's own IPMB address, the answer is queued as an IPMB
    # response of at most 64 bytes: 57 after the cc.  Past that, the
    # handler's CAh travels inside that response; Send Message itself is OK.
    for count, want in ((56, 0x00), (57, 0xCA), (255, 0xCA)):
        assert vm.request(0x06, 0x34, ipmb_to_self(0x0a, 0x11, [0, 0, 0, count]))[0] == 0
        cc, data = vm.request(0x06, 0x33)
        assert cc == 0, cc
        ipmb = data[1:]
        assert ipmb[4] == 0x11 and ipmb[5] == want, (count, list(ipmb))
        assert sum(ipmb[2:]) & 0xFF == 0
        if want == 0:
            assert list(ipmb[6:-1]) == [count] + whole[:count]
    vm.close()


def oem_record(total):
    """An OEM SDR (type C0h) of `total` bytes, header included."""
    body = [0x57, 0x01, 0x00] + [(i * 7) & 0xff for i in range(total - 5 - 3)]
    return [0x00, 0x00, 0x51, 0xC0, len(body)] + body


def get_sdr(b, rid, off=0, cnt=0xFF, **kw):
    return raw(b, 0x0a, 0x23, 0, 0, rid & 0xff, rid >> 8, off, cnt, **kw)


def test_get_sdr_whole_record_of_255_bytes(fresh_bmc):
    b = fresh_bmc
    rec = oem_record(255)
    # ipmitool raw takes at most 256 bytes with netfn and command: FreeIPMI
    # adds it ("rcvd: cmd cc id-lo id-hi").
    r = ok(b.freeipmi("ipmi-raw", "0", "0a", "24", *[f"{x:02x}" for x in rec]))
    d = [int(x, 16) for x in r.out.split(":", 1)[1].split()]
    assert d[:2] == [0x24, 0x00], r
    rid = d[2] | d[3] << 8
    # Count FFh: the whole record, 255 bytes, in one response.
    d = raw_bytes(get_sdr(b, rid))
    assert len(d) == 2 + 255, len(d)
    assert d[2:4] == [rid & 0xff, rid >> 8] and d[4:] == rec[2:], d[:8]
    # From an offset (with a reservation), to the end.
    resv = raw_bytes(raw(b, 0x0a, 0x22))
    d = raw_bytes(raw(b, 0x0a, 0x23, resv[0], resv[1], rid & 0xff, rid >> 8, 5, 0xff))
    assert d[2:] == rec[5:], d[:8]
    # More than the record holds: CAh, on any channel.
    assert_cc(raw(b, 0x0a, 0x23, resv[0], resv[1], rid & 0xff, rid >> 8, 10, 250), 0xCA)
    # IPMI 1.5 carries 247 response bytes: the whole record does not fit
    # (CAh), a 245-byte read does.
    assert_cc(get_sdr(b, rid, intf="lan"), 0xCA)
    d = raw_bytes(get_sdr(b, rid, 0, 245, intf="lan"))
    assert d[2:] == [rid & 0xff, rid >> 8] + rec[2:245], d[:8]
    # ipmitool and FreeIPMI still walk the repository with it in.
    ok(b.ipmitool("sdr", "elist", "all"))
    ok(b.freeipmi("ipmi-sensors", sdr=True))


# ---------------------------------------------------------------------------
# Set/Get ACPI Power State


def acpi(b, **kw):
    d = raw_bytes(raw(b, 0x06, 0x07, **kw))
    assert len(d) == 2, d
    return d[0], d[1]


def bmc_device_acpi(b):
    r = ok(b.freeipmi("bmc-device", "--get-acpi-power-state"))
    return field(r.out, "ACPI System Power State"), field(r.out, "ACPI Device Power State")


def wait_acpi_system(b, want):
    end = time.monotonic() + DEADLINE
    while True:
        got = acpi(b)
        if got[0] == want or time.monotonic() > end:
            return got
        time.sleep(0.2)


def test_acpi_power_state_follows_the_host_until_software_sets_it(fresh_bmc):
    b = fresh_bmc
    # Nothing set: the host is off, S5/G2; the device state is unknown.
    assert acpi(b) == (0x05, 0x2A)
    assert bmc_device_acpi(b) == ("S5/G2", "UNKNOWN")
    ok(b.ipmitool("chassis", "power", "on"))
    b.wait_power("on")
    assert wait_acpi_system(b, 0x00) == (0x00, 0x2A)
    # The OS reports S3 and D2 (bit 7: set this one).
    ok(raw(b, 0x06, 0x06, 0x83, 0x82))
    assert acpi(b) == (0x03, 0x02)
    assert bmc_device_acpi(b) == ("S3", "D2")
    # 7Fh, or bit 7 clear: that one is left as it is.
    ok(raw(b, 0x06, 0x06, 0xFF, 0x80))
    assert acpi(b) == (0x03, 0x00)
    ok(raw(b, 0x06, 0x06, 0x01, 0x83))
    assert acpi(b) == (0x03, 0x03)
    # FreeIPMI sets the system state alone (device 7Fh, not set).
    ok(b.freeipmi("bmc-device", "--set-acpi-power-state", "--set-acpi-system-power-state=S0_G0"))
    assert acpi(b) == (0x00, 0x03)
    # A power off ends that life of the host: back to what power good says.
    ok(b.ipmitool("chassis", "power", "off"))
    b.wait_power("off")
    assert wait_acpi_system(b, 0x05) == (0x05, 0x2A)


def test_acpi_power_state_refusals(bmc):
    assert acpi(bmc) == (0x05, 0x2A)
    # Not an enumerated state: CCh, and nothing is stored.
    for sys_b, dev_b in ((0x8B, 0x7F), (0x9F, 0x7F), (0xAB, 0x7F), (0x7F, 0x84), (0x7F, 0xAB),
                         (0x80, 0x84)):
        assert_cc(raw(bmc, 0x06, 0x06, sys_b, dev_b), 0xCC)
    assert acpi(bmc) == (0x05, 0x2A)
    assert_cc(raw(bmc, 0x06, 0x06, 0x80), 0xC7)
    assert_cc(raw(bmc, 0x06, 0x06, 0x80, 0x80, 0x00), 0xC7)
    assert_cc(raw(bmc, 0x06, 0x07, 0x00), 0xC7)
    # Set takes an administrator; Get a user.
    assert_cc(raw(bmc, 0x06, 0x06, 0x80, 0x80, user="operator", password="operator", priv="OPERATOR"), 0xD4)
    assert acpi(bmc, user="user", password="user", priv="USER") == (0x05, 0x2A)


# ---------------------------------------------------------------------------
# Get IP/UDP/RMCP Statistics

STAT_NAMES = ("IP Packets Received", "Received IP Header Errors", "Received IP Address Errors",
              "Fragmented IP Packets Received", "IP Packets Transmitted", "UDP Packets Received",
              "Valid RMCP Packets Received", "UDP Proxy Packets Received",
              "UDP Proxy Packets Dropped")


def stats_freeipmi(b):
    r = ok(b.freeipmi("bmc-device", "--get-lan-statistics"))
    out = {}
    for name in STAT_NAMES:
        v = field(r.out, name)
        assert v is not None, f"{name}\n{r}"
        out[name] = int(v)
    return out


IPMITOOL_NAMES = ("IP Rx Packet", "IP Rx Header Errors", "IP Rx Address Errors",
                  "IP Rx Fragmented", "IP Tx Packet", "UDP Rx Packet", "RMCP Rx Valid",
                  "UDP Proxy Packet Received", "UDP Proxy Packet Dropped")


def stats_ipmitool(b):
    """ipmitool 1.8.19 reads each counter MS byte first; the spec (and
    FreeIPMI, ipmiutil) LS byte first.  Undo ipmitool's swap."""
    r = ok(b.ipmitool("lan", "stats", "get", "1"))
    out = {}
    for name, std in zip(IPMITOOL_NAMES, STAT_NAMES):
        v = field(r.out, name)
        assert v is not None, f"{name}\n{r}"
        v = int(v)
        out[std] = (v >> 8) | (v & 0xff) << 8
    return out


def junk(b, n):
    """Datagrams that are not RMCP: counted as received, not as valid."""
    with b.udp() as s:
        for i in range(n):
            s.send(b"not rmcp %d" % i)


def test_lan_statistics_count_and_clear(fresh_bmc):
    b = fresh_bmc
    a = stats_freeipmi(b)
    for name in ("Received IP Header Errors", "Received IP Address Errors",
                 "Fragmented IP Packets Received", "UDP Proxy Packets Received",
                 "UDP Proxy Packets Dropped"):
        assert a[name] == 0, a
    assert a["IP Packets Received"] == a["UDP Packets Received"] > 0, a
    assert a["IP Packets Transmitted"] > 0, a
    # Junk counts as received, not as valid RMCP: the difference grows by
    # exactly the junk sent, whatever the sessions around it exchanged.
    junk(b, 7)
    for _ in range(3):
        ok(b.ipmitool("mc", "info"))
    c = stats_ipmitool(b)
    gap = lambda s: s["IP Packets Received"] - s["Valid RMCP Packets Received"]  # noqa: E731
    assert gap(c) == gap(a) + 7, (a, c)
    assert c["IP Packets Received"] >= a["IP Packets Received"] + 7 + 3 * 4, (a, c)
    assert c["IP Packets Transmitted"] >= a["IP Packets Transmitted"] + 3 * 4, (a, c)
    assert c["UDP Packets Received"] == c["IP Packets Received"], c
    # Clear (ipmitool, then FreeIPMI): counting starts again from 0, so
    # only the next session's own packets are in the next reading.
    ok(b.ipmitool("lan", "stats", "clear", "1"))
    d = stats_freeipmi(b)
    assert gap(d) == 0, d
    assert 0 < d["IP Packets Received"] < c["IP Packets Received"], (c, d)
    assert d["IP Packets Transmitted"] < c["IP Packets Transmitted"], (c, d)
    junk(b, 2)
    ok(b.freeipmi("bmc-device", "--clear-lan-statistics"))
    e = stats_freeipmi(b)
    assert gap(e) == 0 and e["IP Packets Received"] < c["IP Packets Received"], (c, e)


def test_lan_statistics_refusals(bmc):
    assert_cc(raw(bmc, 0x0c, 0x04, 0x02, 0x00), 0xCC)      # not a LAN channel
    assert_cc(raw(bmc, 0x0c, 0x04, 0x0f, 0x00), 0xCC)
    assert_cc(raw(bmc, 0x0c, 0x04, 0x11, 0x00), 0xCC)      # reserved bits
    assert_cc(raw(bmc, 0x0c, 0x04, 0x01, 0x02), 0xCC)
    assert_cc(raw(bmc, 0x0c, 0x04, 0x01), 0xC7)
    # 0Eh: this channel; a user may read them.
    d = raw_bytes(raw(bmc, 0x0c, 0x04, 0x0e, 0x00, user="user", password="user", priv="USER"))
    assert len(d) == 18 and d[0] | d[1] << 8 > 0, d


# ---------------------------------------------------------------------------
# ipmiutil: always UDP port 623


class Bmcd623(Bmcd):
    """bmcd on host:623 (ipmiutil 3.1.8 cannot name another port over
    lanplus, and health takes -p for the restore policy)."""

    def __init__(self, host, **kw):
        super().__init__(port=623, **kw)
        self.host = host

    @property
    def argv(self):
        return [a.replace(f"{HOST}:623", f"{self.host}:623") for a in super().argv]

    def ipmiutil(self, sub, *args, cipher=3, user="admin", password="password"):
        argv = ["ipmiutil", sub, "-N", self.host, "-U", user, "-P", password]
        if cipher is not None:
            argv += ["-J", str(cipher)]
        return run(argv + [str(a) for a in args], env=self.client_env())


def free_loopback_host():
    host = free_loopback(623, second=(100, 250))
    if host is None:
        pytest.fail("no free 127.x.y.z:623")
    return host


@pytest.fixture
def bmc623(tmp_path):
    d = Bmcd623(free_loopback_host(), workdir=tmp_path).start()
    yield d
    d.stop_and_check()


def assert_clean(r):
    assert r.ok, r
    bad = [ln for ln in r.text.splitlines() if re.search(r"error|fail|not supported", ln, re.I)
           and not re.search(r"errors\s*=\s*0$", ln)]      # -l: "Recvd IP Header errors = 0"
    assert not bad, f"{bad}\n{r}"
    assert "completed successfully" in r.text, r


def test_ipmiutil_health_is_clean(bmc623):
    b = bmc623
    for kw in ({"cipher": 3}, {"cipher": None}):      # lanplus suite 3; IPMI 1.5 MD5
        r = b.ipmiutil("health", **kw)
        assert_clean(r)
        assert re.search(r"Power State\s*=\s*05\s+\(S5: soft off\)", r.out), r
        assert re.search(r"Selftest status\s*=\s*0055\s+\(OK\)", r.out), r
    # -l: the LAN statistics, -g: the GUID, -s: sessions.
    r = b.ipmiutil("health", "-l", "-g", "-s")
    assert_clean(r)
    m = re.search(r"Received Valid RMCP Pkts\s*=\s*(\d+)", r.out)
    assert m and int(m.group(1)) > 0, r
    # Power on through ipmiutil: Get ACPI Power State follows the host.
    assert_clean(b.ipmiutil("reset", "-u"))
    end = time.monotonic() + DEADLINE
    while True:
        r = b.ipmiutil("health")
        assert_clean(r)
        if re.search(r"Power State\s*=\s*00\s+\(S0: working\)", r.out) or time.monotonic() > end:
            break
        time.sleep(0.3)
    assert re.search(r"Power State\s*=\s*00\s+\(S0: working\)", r.out), r


def test_ipmiutil_fru_sel_sensor_lan(bmc623, sim_board):
    b = bmc623
    r = b.ipmiutil("fru")
    assert_clean(r)
    assert "Sim Server 1U" in r.out and "SIMSRV0000042" in r.out, r
    r = b.ipmiutil("sel")
    assert_clean(r)
    # ipmiutil divides the SEL Info free bytes (FFFFh: 65535 or more) by
    # the 16-byte unit.
    assert re.search(r"Size = 4096 records \(Used=0, Free=4095\)", r.out), r
    r = b.ipmiutil("sensor")
    assert_clean(r)
    assert "CPU0 Temp" in r.out, r
    r = b.ipmiutil("lan")
    assert_clean(r)
    assert re.search(r"Lan Param\(1\) Auth type support: 04 : MD5", r.out), r
