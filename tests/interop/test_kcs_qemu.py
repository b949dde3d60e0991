"""A real x86 guest under QEMU (TCG) whose BMC is bmcd: the guest's Linux
ipmi_si driver reaches bmcd over KCS through QEMU's ipmi-bmc-extern device,
ipmitool -I open runs in the guest, and bmcd's power control acts on the VM
(board boards/qemu-host.json, host backend "qemu").  FreeIPMI's in-band
tools (bmc-info, ipmi-sensors, bmc-watchdog) run in the guest too, through
the kernel's /dev/ipmi0 (driver type OPENIPMI).  One VM for the module; the
tests run in order (power tests last).

Skipped when qemu-system-x86_64 or the kernel is not installed
(scripts/deps.sh installs them)."""

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, Bmcd, write_board
from kcs_guest import BOOT_TIMEOUT, Guest, vm_command
from kcs_guest import build as build_guest
from solclient import SolConsole

pytestmark = pytest.mark.skipif(
    not shutil.which("qemu-system-x86_64") or not list(Path("/boot").glob("vmlinuz-*")),
    reason="qemu-system-x86 and linux-image-amd64 are needed (scripts/deps.sh)")


@pytest.fixture(scope="module")
def qhost(tmp_path_factory):
    kernel, initrd = build_guest()
    work = tmp_path_factory.mktemp("qemu-host")
    sock = Path(tempfile.mkdtemp(prefix="bq-", dir="/tmp"))   # short: sun_path is 108 bytes
    board = json.loads((ROOT / "boards" / "qemu-host.json").read_text())
    q = board["host"]["qemu"]
    q["command"] = vm_command(kernel, initrd, sock / "ctl.sock")
    q["serial"] = f"unix:{sock}/serial.sock"
    q["console"] = f"unix:{sock}/console.sock"
    board["kcs"]["listen"] = f"unix:{sock}/kcs.sock"
    board["sol"]["socket"] = q["console"]
    b = Bmcd(board=write_board(work, board), workdir=work).start()
    b.guest = Guest(str(sock / "ctl.sock"))
    t0 = time.monotonic()
    r = b.ipmitool("chassis", "power", "on")
    assert r.ok, r
    b.boot_time = b.guest.wait_ready()
    b.ready_after = time.monotonic() - t0
    print(f"\nguest: power on to ready {b.ready_after:.1f} s (guest uptime {b.boot_time:.1f} s)")
    yield b
    b.stop_and_check()
    shutil.rmtree(sock, ignore_errors=True)


def guest_ok(qhost, cmd, timeout=60.0):
    rc, out = qhost.guest.run(cmd, timeout)
    assert rc == 0, f"{cmd}: exit {rc}\n{out}\n--- bmcd ---\n{qhost.stderr_tail()}"
    return out


def test_guest_mc_info(qhost):
    out = guest_ok(qhost, "ipmitool -I open mc info")
    assert re.search(r"Device ID\s+: 32", out), out
    assert re.search(r"IPMI Version\s+: 2.0", out), out
    # (The first ipmitool after boot may print "Get Device ID command
    # failed: 0x1" and "unexpected ID 0": the kernel hands it the events it
    # read from the event message buffer, as on real hardware; docs/kcs.md.)


def test_guest_raw_get_device_id(qhost):
    out = guest_ok(qhost, "ipmitool -I open raw 0x06 0x01")
    assert out.split()[:5] == ["20", "00", "00", "01", "02"], out


def test_guest_chassis_status(qhost):
    out = guest_ok(qhost, "ipmitool -I open chassis status")
    assert re.search(r"System Power\s+: on", out), out


def test_guest_sdr_and_sel(qhost):
    guest_ok(qhost, "ipmitool -I open sdr elist")
    guest_ok(qhost, "ipmitool -I open sel list")
    guest_ok(qhost, "ipmitool -I open sel info")


def test_guest_system_info(qhost):
    guest_ok(qhost, "ipmitool -I open mc setsysinfo system_name bmcd-guest-01")
    out = guest_ok(qhost, "ipmitool -I open mc getsysinfo system_name")
    assert out.strip().splitlines()[-1] == "bmcd-guest-01", out
    r = qhost.ipmitool("mc", "getsysinfo", "system_name")
    assert r.ok and r.out.strip() == "bmcd-guest-01", r
    r = qhost.ipmitool("mc", "setsysinfo", "primary_os_name", "Debian 12")
    assert r.ok, r
    out = guest_ok(qhost, "ipmitool -I open mc getsysinfo primary_os_name")
    assert out.strip().splitlines()[-1] == "Debian 12", out


INBAND = "--driver-type=OPENIPMI"     # /dev/ipmi0; never FreeIPMI's own KCS port I/O


def test_guest_freeipmi_bmc_info(qhost):
    out = guest_ok(qhost, f"bmc-info {INBAND} --get-device-id")
    for want in (r"Device ID\s+: 32\n", r"Firmware Revision\s+: 0\.01\n", r"IPMI Version\s+: 2\.0\n",
                 r"Manufacturer ID\s+: .*\(32473\)\n", r"Product ID\s+: 1\n",
                 r"Chassis Device\s+: supported\n"):
        assert re.search(want, out), f"/{want}/ not in\n{out}"
    # the same answer the LAN gives FreeIPMI (bmc-info over RMCP+)
    lan = qhost.freeipmi("bmc-info", "--get-device-id")
    assert lan.ok, lan
    assert out.strip() == lan.out.strip(), f"in-band:\n{out}\nLAN:\n{lan.out}"
    for what in ("--get-device-guid", "--get-system-guid"):
        inband = guest_ok(qhost, f"bmc-info {INBAND} {what}").strip()
        lan = qhost.freeipmi("bmc-info", what)
        assert lan.ok, lan
        assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", inband), inband
        assert inband == lan.out.strip(), (what, inband, lan.out)


def test_guest_freeipmi_ipmi_sensors(qhost):
    out = guest_ok(qhost, f"ipmi-sensors {INBAND} --no-header-output --comma-separated-output")
    rows = {f[1]: f for f in (line.split(",") for line in out.splitlines()) if len(f) == 6}
    board = json.loads((ROOT / "boards" / "qemu-host.json").read_text())
    for sensor in board["sensors"]:
        name = sensor["name"]
        assert name in rows, f"{name} not listed in-band:\n{out}"
        src = sensor["source"]
        if "states" in sensor:
            continue
        reading = float(rows[name][3])
        # a sim source swings around its value; the SDR's resolution adds a step
        slack = src.get("swing", 0) + (sensor["max"] - sensor["min"]) / 255 + 1e-6
        assert abs(reading - src["value"]) <= slack, (name, rows[name], src)
        assert rows[name][5] == "'OK'", rows[name]
    assert rows["PSU1 Status"][5] == "'Presence detected'", rows["PSU1 Status"]


def test_guest_freeipmi_bmc_watchdog(qhost):
    # SMS/OS, no action, no pre-timeout, 600 s: set in-band by FreeIPMI,
    # read back in-band and by ipmitool over the LAN
    guest_ok(qhost, f"bmc-watchdog {INBAND} --set -u 4 -a 0 -p 0 -i 600")
    out = guest_ok(qhost, f"bmc-watchdog {INBAND} --get")
    for want in (r"Timer Use:\s+SMS/OS", r"Timer:\s+Stopped", r"Timeout Action:\s+None",
                 r"Initial Countdown:\s+600 seconds"):
        assert re.search(want, out), f"/{want}/ not in\n{out}"
    r = qhost.ipmitool("mc", "watchdog", "get")
    assert r.ok and re.search(r"Initial Countdown\s*:\s*600(\.0)? sec", r.out), r
    assert re.search(r"Timer Use\s*:\s*SMS/OS", r.out), r
    guest_ok(qhost, f"bmc-watchdog {INBAND} --start")
    out = guest_ok(qhost, f"bmc-watchdog {INBAND} --get")
    assert re.search(r"Timer:\s+Running", out), out
    time.sleep(1.5)
    out = guest_ok(qhost, f"bmc-watchdog {INBAND} --get")
    m = re.search(r"Current Countdown:\s+(\d+) seconds", out)
    assert m and int(m.group(1)) < 600, out
    guest_ok(qhost, f"bmc-watchdog {INBAND} --stop")
    out = guest_ok(qhost, f"bmc-watchdog {INBAND} --get")
    assert re.search(r"Timer:\s+Stopped", out), out


def test_guest_platform_event_lands_in_sel(qhost):
    # system-interface form: generator ID 41h first; physical security #7
    guest_ok(qhost, "ipmitool -I open raw 0x04 0x02 0x41 0x04 0x05 0x07 0x6f 0x00 0xff 0xff")
    r = qhost.ipmitool("sel", "elist")
    assert r.ok and re.search(r"Physical Security #0x07", r.out), r


def test_event_for_the_host_raises_sms_atn(qhost):
    mark = len(qhost.stderr())
    r = qhost.ipmitool("raw", "0x04", "0x02", "0x04", "0x05", "0x08", "0x6f", "0x00", "0xff", "0xff")
    assert r.ok, r
    end = time.monotonic() + 15
    while time.monotonic() < end:
        log = qhost.stderr()[mark:]
        at = log.find("kcs: SMS_ATN set")
        if at >= 0 and re.search(r"Read Event Message Buffer \(06:35\) len 0 priv administrator -> 00",
                                 log[at:]):
            break
        time.sleep(0.2)
    else:
        pytest.fail("the guest's driver did not read the event buffer after SMS_ATN\n"
                    + qhost.stderr()[mark:][-3000:], pytrace=False)


def test_sol_shows_the_guest_console(qhost):
    c = SolConsole(qhost.port).open()
    try:
        cc, _ = c.activate()
        assert cc == 0, hex(cc)
        guest_ok(qhost, "echo sol-from-guest-$((6*7)) > /dev/ttyS0")
        c.expect("sol-from-guest-42", timeout=10)
        c.deactivate()
    finally:
        c.close()


def test_watchdog_resets_the_guest(qhost):
    # SMS/OS, hard reset, no pre-timeout, clear SMS/OS flag, 3.0 s; then start
    guest_ok(qhost, "ipmitool -I open raw 0x06 0x24 0x04 0x01 0x00 0x10 0x1e 0x00")
    guest_ok(qhost, "ipmitool -I open raw 0x06 0x22")
    boot = qhost.guest.wait_ready(BOOT_TIMEOUT)
    assert boot < 60
    r = qhost.ipmitool("sel", "elist")
    assert r.ok and re.search(r"Watchdog ?2.*Hard reset", r.out), r
    out = guest_ok(qhost, "ipmitool -I open mc watchdog get")
    assert "Hard Reset" in out, out


def test_power_reset_reboots_the_guest(qhost):
    guest_ok(qhost, "echo before-reset")
    r = qhost.ipmitool("chassis", "power", "reset")
    assert r.ok, r
    boot = qhost.guest.wait_ready()
    assert boot < 60
    guest_ok(qhost, "ipmitool -I open mc info")


def test_power_diag_is_an_nmi_in_the_guest(qhost):
    r = qhost.ipmitool("chassis", "power", "diag")
    assert r.ok, r
    end = time.monotonic() + 10
    while time.monotonic() < end:
        out = guest_ok(qhost, "dmesg | grep -i nmi || true")
        if "NMI received" in out:
            return
        time.sleep(0.5)
    pytest.fail(f"no NMI in the guest's kernel log:\n{out}", pytrace=False)


def test_power_soft_shuts_the_guest_down(qhost):
    r = qhost.ipmitool("chassis", "power", "soft")
    assert r.ok, r
    qhost.wait_power("off", deadline=60)
    assert re.search(r"qemu host: VM \(pid \d+\) exited", qhost.stderr())


def test_power_on_boots_the_guest_again(qhost):
    r = qhost.ipmitool("chassis", "power", "on")
    assert r.ok, r
    qhost.guest.s = None
    qhost.guest.wait_ready()
    guest_ok(qhost, "ipmitool -I open chassis status")


def test_power_off_stops_the_vm(qhost):
    t0 = time.monotonic()
    r = qhost.ipmitool("chassis", "power", "off")
    assert r.ok, r
    qhost.wait_power("off", deadline=20)
    assert time.monotonic() - t0 < 15
    r = qhost.ipmitool("chassis", "status")
    assert re.search(r"Last Power Event\s+: command", r.out), r
