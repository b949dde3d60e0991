"""Cold Reset (06:02) and Warm Reset (06:03), IPMI 2.0 sections 20.2 and 20.3,
through ipmitool (`mc reset cold|warm`, `raw`) and FreeIPMI (`bmc-device
--cold-reset|--warm-reset`), with the raw RMCP+ console holding a session
open across them.

A warm reset keeps sessions and SOL; a cold reset restores everything
volatile (sessions, reservations, the watchdog, thresholds set over IPMI,
System Info set-in-progress and the OS name).  A cold reset kills every
session, so each client after one is a fresh process."""
import re
import time

import pexpect
import pytest

from conftest import HOST
from rmcpclient import Console, RmcpError

DEADLINE = 20.0


def ok(r):
    assert r.ok, r
    return r


def raw(b, *data):
    return b.ipmitool("raw", *[f"0x{x:02x}" for x in data])


def raw_bytes(r):
    """The response bytes ipmitool raw printed."""
    return bytes(int(x, 16) for x in r.out.split())


def rsp_code(r):
    """The completion code ipmitool reports for a failed raw command."""
    m = re.search(r"rsp=0x([0-9a-fA-F]{2})", r.text)
    return int(m.group(1), 16) if m else None


def mc_reset(b, kind, client="ipmitool"):
    """A cold or warm BMC reset (kind), sent by ipmitool or by FreeIPMI."""
    if client == "ipmitool":
        r = ok(b.ipmitool("mc", "reset", kind))
        assert f"Sent {kind} reset command to MC" in r.out, r
    else:
        ok(b.freeipmi("bmc-device", f"--{kind}-reset"))


def cold_reset(b, client="ipmitool"):
    mc_reset(b, "cold", client)


def warm_reset(b, client="ipmitool"):
    mc_reset(b, "warm", client)


def alive(console):
    """The held session still answers Get Device ID."""
    try:
        cc, _ = console.request(0x06, 0x01, timeout=1.0, tries=3)
    except RmcpError:
        return False
    return cc == 0


def sol_active(b):
    """Get Payload Activation Status for SOL: is instance 1 active?"""
    r = ok(b.ipmitool("raw", "0x06", "0x4a", "0x01"))
    data = raw_bytes(r)
    assert len(data) == 3 and data[0] == 1, r
    return bool(data[1] & 1)


def wait_for(pred, what, deadline=DEADLINE):
    t_end = time.monotonic() + deadline
    while True:
        v = pred()
        if v:
            return v
        assert time.monotonic() < t_end, f"timed out waiting for {what}"
        time.sleep(0.2)


def spawn_sol(b):
    argv = ["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(b.port), "-U", "admin",
            "-P", "password", "sol", "activate"]
    return pexpect.spawn(argv[0], argv[1:], env=b.client_env(), timeout=15,
                         encoding="utf-8", codec_errors="replace")


# --------------------------------------------------------------------------
# Sessions and SOL


@pytest.mark.parametrize("client", ["ipmitool", "freeipmi"])
def test_warm_reset_after_a_cold_one_keeps_sessions_and_sol(fresh_bmc, client):
    """After one cold reset every later warm reset used to act as a cold
    one (the flag was never cleared): it closed sessions and SOL."""
    b = fresh_bmc
    before = Console(b.port).open()
    try:
        assert alive(before)
        cold_reset(b, client)
        # The cold reset closed it: the BMC no longer knows the session.
        wait_for(lambda: not alive(before), "the cold reset to close the held session")
    finally:
        before.sock.close()

    held = Console(b.port).open()
    sol = spawn_sol(b)
    try:
        sol.expect(r"\[SOL Session operational")
        assert sol_active(b)
        assert alive(held)
        warm_reset(b, client)
        warm_reset(b, "freeipmi" if client == "ipmitool" else "ipmitool")
        # Both warm resets were answered and done (a fresh client after
        # them logs in); the held session and the SOL payload survive.
        ok(b.ipmitool("mc", "info"))
        assert alive(held)
        assert sol_active(b)
        assert sol.isalive()
        sol.send("\r~.")
        sol.expect(pexpect.EOF)
    finally:
        sol.close(force=True)
        held.close()
    assert sol.exitstatus == 0, sol.before
    assert not sol_active(b)


def test_cold_reset_closes_sessions_and_sol(fresh_bmc):
    b = fresh_bmc
    held = Console(b.port).open()
    sol = spawn_sol(b)
    try:
        sol.expect(r"\[SOL Session operational")
        assert sol_active(b)
        cold_reset(b)
        wait_for(lambda: not sol_active(b), "the cold reset to end the SOL payload")
        assert not alive(held)
    finally:
        sol.close(force=True)
        held.sock.close()


# --------------------------------------------------------------------------
# What a cold reset restores


@pytest.mark.parametrize("client", ["ipmitool", "freeipmi"])
def test_cold_reset_cancels_the_sel_reservation(fresh_bmc, client):
    b = fresh_bmc
    resv = raw_bytes(ok(raw(b, 0x0A, 0x42)))
    assert len(resv) == 2
    clr_status = (0x0A, 0x47, resv[0], resv[1], ord("C"), ord("L"), ord("R"), 0x00)
    # Clear SEL "get erasure status" with it: accepted while it is current.
    ok(raw(b, *clr_status))
    cold_reset(b, client)
    r = raw(b, *clr_status)
    assert not r.ok and rsp_code(r) == 0xC5, r
    r = raw(b, 0x0A, 0x46, resv[0], resv[1], 0x01, 0x00)      # Delete SEL Entry
    assert not r.ok and rsp_code(r) == 0xC5, r
    # A new reservation works (and is a new ID).
    new = raw_bytes(ok(raw(b, 0x0A, 0x42)))
    assert new != resv
    ok(raw(b, 0x0A, 0x47, new[0], new[1], ord("C"), ord("L"), ord("R"), 0x00))


def test_cold_reset_cancels_the_sdr_reservation(fresh_bmc):
    b = fresh_bmc
    resv = raw_bytes(ok(raw(b, 0x0A, 0x22)))
    assert len(resv) == 2
    # Partial Get SDR: record 0000h (the first), offset 1, 4 bytes.
    partial = (0x0A, 0x23, resv[0], resv[1], 0x00, 0x00, 0x01, 0x04)
    assert len(raw_bytes(ok(raw(b, *partial)))) == 2 + 4
    cold_reset(b)
    r = raw(b, *partial)
    assert not r.ok and rsp_code(r) == 0xC5, r
    # ipmitool's own SDR walk reserves again and works.
    r = ok(b.ipmitool("sdr", "list"))
    assert "CPU0 Temp" in r.out, r


def test_cold_reset_returns_the_watchdog_to_uninitialised(fresh_bmc):
    b = fresh_bmc
    r = raw(b, 0x06, 0x22)
    assert not r.ok and rsp_code(r) == 0x80, r        # never set since start
    # Set Watchdog Timer: SMS/OS, no action, 300.0 s; then start it.
    ok(raw(b, 0x06, 0x24, 0x04, 0x00, 0x00, 0x00, 0xB8, 0x0B))
    ok(raw(b, 0x06, 0x22))
    r = ok(b.ipmitool("mc", "watchdog", "get"))
    assert re.search(r"Watchdog Timer Is:\s*Started/Running", r.out), r
    assert re.search(r"Initial Countdown:\s*300(\.0)? sec", r.out), r
    cold_reset(b, "freeipmi")
    r = raw(b, 0x06, 0x22)
    assert not r.ok and rsp_code(r) == 0x80, r
    r = ok(b.ipmitool("mc", "watchdog", "get"))
    assert re.search(r"Watchdog Timer Is:\s*Stopped", r.out), r
    assert re.search(r"Initial Countdown:\s*0(\.0)? sec", r.out), r


def unc(b, name):
    r = ok(b.ipmitool("sensor", "get", name))
    m = re.search(r"Upper Non-Critical\s*:\s*([0-9.]+)", r.out)
    assert m, r
    return float(m.group(1))


def test_cold_reset_restores_the_board_thresholds(fresh_bmc):
    b = fresh_bmc
    board = unc(b, "CPU0 Temp")
    ok(b.ipmitool("sensor", "thresh", "CPU0 Temp", "unc", str(int(board) - 5)))
    assert unc(b, "CPU0 Temp") == int(board) - 5
    cold_reset(b)
    assert unc(b, "CPU0 Temp") == board
    # FreeIPMI reads the same.
    r = ok(b.freeipmi("ipmi-sensors", "--output-sensor-thresholds", "--quiet-cache",
                      "--no-header-output", "--comma-separated-output", sdr=True))
    row = next((line for line in r.out.splitlines() if ",CPU0 Temp," in line), None)
    assert row and f"{board:.2f}" in row.split(","), r


def test_cold_reset_clears_volatile_system_info(fresh_bmc):
    b = fresh_bmc
    ok(b.ipmitool("mc", "setsysinfo", "os_name", "bmcd-test-os"))
    ok(b.ipmitool("mc", "setsysinfo", "system_name", "bmcd-test-host"))
    assert ok(b.ipmitool("mc", "getsysinfo", "os_name")).out.strip() == "bmcd-test-os"
    # Set in progress (parameter 0 = 01b), then a cold reset.
    ok(raw(b, 0x06, 0x58, 0x00, 0x01))
    assert raw_bytes(ok(raw(b, 0x06, 0x59, 0x00, 0x00, 0x00, 0x00))) == bytes([0x11, 0x01])
    cold_reset(b)
    # Back to "set complete"; the OS name (volatile) cleared; the system
    # name (non-volatile in the spec) kept.
    assert raw_bytes(ok(raw(b, 0x06, 0x59, 0x00, 0x00, 0x00, 0x00))) == bytes([0x11, 0x00])
    assert ok(b.ipmitool("mc", "getsysinfo", "os_name")).out.strip() == ""
    data = raw_bytes(ok(raw(b, 0x06, 0x59, 0x00, 0x04, 0x00, 0x00)))
    assert data == bytes([0x11, 0x00]) + bytes(16), data.hex()
    assert ok(b.ipmitool("mc", "getsysinfo", "system_name")).out.strip() == "bmcd-test-host"


def test_warm_reset_keeps_reservations_and_settings(fresh_bmc):
    b = fresh_bmc
    resv = raw_bytes(ok(raw(b, 0x0A, 0x42)))
    ok(b.ipmitool("mc", "setsysinfo", "os_name", "bmcd-test-os"))
    ok(raw(b, 0x06, 0x24, 0x04, 0x00, 0x00, 0x00, 0xB8, 0x0B))
    warm_reset(b, "freeipmi")
    ok(raw(b, 0x0A, 0x47, resv[0], resv[1], ord("C"), ord("L"), ord("R"), 0x00))
    assert ok(b.ipmitool("mc", "getsysinfo", "os_name")).out.strip() == "bmcd-test-os"
    ok(raw(b, 0x06, 0x22))


# --------------------------------------------------------------------------
# Set System Info Parameters, parameter 0


def test_sysinfo_set_in_progress_reserved_bits_get_cch(fresh_bmc):
    b = fresh_bmc
    for value in (0x03, 0x04, 0x05, 0x80, 0xFD):
        r = raw(b, 0x06, 0x58, 0x00, value)
        assert not r.ok and rsp_code(r) == 0xCC, (hex(value), r)
    # Nothing changed; the defined values still work.
    assert raw_bytes(ok(raw(b, 0x06, 0x59, 0x00, 0x00, 0x00, 0x00))) == bytes([0x11, 0x00])
    ok(raw(b, 0x06, 0x58, 0x00, 0x01))
    r = raw(b, 0x06, 0x58, 0x00, 0x01)
    assert not r.ok and rsp_code(r) == 0x81, r        # already in progress
    ok(raw(b, 0x06, 0x58, 0x00, 0x00))
    assert raw_bytes(ok(raw(b, 0x06, 0x59, 0x00, 0x00, 0x00, 0x00))) == bytes([0x11, 0x00])


# --------------------------------------------------------------------------
# Parameter 0 (set in progress) of the other configuration commands: bits
# 7:2 and the value 11b are reserved (CCh), and a cold reset ends a set in
# progress ("set complete").  Each entry: how to write parameter 0 with one
# data byte, and how to read it back (the value's offset in the response).

LAN_CH = 1

SET_IN_PROGRESS = {
    "sol": (lambda v: (0x0C, 0x21, LAN_CH, 0x00, v), (0x0C, 0x22, LAN_CH, 0x00, 0x00, 0x00), 1),
    "pef": (lambda v: (0x04, 0x12, 0x00, v), (0x04, 0x13, 0x00, 0x00, 0x00), 1),
    "lan": (lambda v: (0x0C, 0x01, LAN_CH, 0x00, v), (0x0C, 0x02, LAN_CH, 0x00, 0x00, 0x00), 1),
    "bootopt": (lambda v: (0x00, 0x08, 0x00, v), (0x00, 0x09, 0x00, 0x00, 0x00), 2),
}


def set_in_progress(b, which):
    _, get, at = SET_IN_PROGRESS[which]
    data = raw_bytes(ok(raw(b, *get)))
    assert len(data) == at + 1, (which, data.hex())
    return data[at]


@pytest.mark.parametrize("which", sorted(SET_IN_PROGRESS))
def test_set_in_progress_reserved_bits_get_cch(fresh_bmc, which):
    b = fresh_bmc
    setter = SET_IN_PROGRESS[which][0]
    for value in (0x03, 0x04, 0x05, 0x80, 0xFD):
        r = raw(b, *setter(value))
        assert not r.ok and rsp_code(r) == 0xCC, (which, hex(value), r)
        assert set_in_progress(b, which) == 0x00, (which, hex(value))
    # The defined values still work: 01b, then 01b again is refused, 00b.
    ok(raw(b, *setter(0x01)))
    assert set_in_progress(b, which) == 0x01
    r = raw(b, *setter(0x01))
    assert not r.ok and rsp_code(r) == 0x81, (which, r)
    ok(raw(b, *setter(0x00)))
    assert set_in_progress(b, which) == 0x00


@pytest.mark.parametrize("client", ["ipmitool", "freeipmi"])
def test_cold_reset_ends_every_set_in_progress(fresh_bmc, client):
    b = fresh_bmc
    for which, (setter, _, _) in SET_IN_PROGRESS.items():
        ok(raw(b, *setter(0x01)))
        assert set_in_progress(b, which) == 0x01, which
    warm_reset(b, client)
    for which in SET_IN_PROGRESS:
        assert set_in_progress(b, which) == 0x01, f"{which}: a warm reset keeps it"
    cold_reset(b, client)
    for which in SET_IN_PROGRESS:
        assert set_in_progress(b, which) == 0x00, which
    # And a new set can start (no 81h left over).
    for which, (setter, _, _) in SET_IN_PROGRESS.items():
        ok(raw(b, *setter(0x01)))


def sol_info(b):
    r = ok(b.ipmitool("sol", "info"))
    return {k.strip(): v.strip() for k, _, v in (l.partition(":") for l in r.out.splitlines()) if _}


def test_cold_reset_returns_sol_volatile_bit_rate_to_the_non_volatile_one(fresh_bmc):
    b = fresh_bmc
    ok(b.ipmitool("sol", "set", "non-volatile-bit-rate", "57.6"))
    ok(b.ipmitool("sol", "set", "volatile-bit-rate", "19.2"))
    assert sol_info(b)["Volatile Bit Rate (kbps)"] == "19.2"
    warm_reset(b)
    assert sol_info(b)["Volatile Bit Rate (kbps)"] == "19.2"
    cold_reset(b)
    info = sol_info(b)
    assert info["Volatile Bit Rate (kbps)"] == "57.6", info
    assert info["Non-Volatile Bit Rate (kbps)"] == "57.6", info


# --------------------------------------------------------------------------
# PEF's volatile state


def postpone_left(b):
    return raw_bytes(ok(raw(b, 0x04, 0x11, 0xFF)))[0]


def pef_string(b, set_sel):
    """Alert string set_sel, block 1 (PEF parameter 13)."""
    data = raw_bytes(ok(raw(b, 0x04, 0x13, 0x0D, set_sel, 0x01)))
    assert len(data) == 19 and data[1] == set_sel and data[2] == 1, data.hex()
    return data[3:].rstrip(b"\x00")


def test_cold_reset_ends_pef_postponement_and_volatile_alert_string(fresh_bmc):
    b = fresh_bmc
    # FEh: PEF disabled until re-armed; the countdown reads FEh.
    assert raw_bytes(ok(raw(b, 0x04, 0x11, 0xFE))) == bytes([0xFE])
    assert postpone_left(b) == 0xFE
    # Alert string 0 is volatile, string 1 is not (Set PEF parameter 13:
    # set selector, block 1, text).
    ok(raw(b, 0x04, 0x12, 0x0D, 0x00, 0x01, *b"volatile"))
    ok(raw(b, 0x04, 0x12, 0x0D, 0x01, 0x01, *b"kept"))
    assert pef_string(b, 0) == b"volatile"
    warm_reset(b)
    assert postpone_left(b) == 0xFE
    assert pef_string(b, 0) == b"volatile"
    cold_reset(b)
    assert postpone_left(b) == 0x00
    assert pef_string(b, 0) == b""
    assert pef_string(b, 1) == b"kept"
    # A postponement of 200 s is ended too.
    assert raw_bytes(ok(raw(b, 0x04, 0x11, 200))) == bytes([200])
    assert 1 <= postpone_left(b) <= 200
    cold_reset(b, "freeipmi")
    assert postpone_left(b) == 0x00


def test_pef_alert_string_0_is_not_restored_by_a_restart(fresh_bmc):
    """Alert string 0 is volatile: the pef file holds it, but a restart
    (like a cold reset) starts without it; string 1 is kept."""
    b = fresh_bmc
    ok(raw(b, 0x04, 0x12, 0x0D, 0x00, 0x01, *b"volatile"))
    ok(raw(b, 0x04, 0x12, 0x0D, 0x01, 0x01, *b"kept"))
    b.restart()
    assert pef_string(b, 0) == b""
    assert pef_string(b, 1) == b"kept"


# --------------------------------------------------------------------------
# System Info Parameters 1-3, 6, 7 are non-volatile: kept in the state
# directory (file "sysinfo"); 4 and 5 are not.


def sysinfo_block0(b, param):
    data = raw_bytes(ok(raw(b, 0x06, 0x59, 0x00, param, 0x00, 0x00)))
    assert len(data) == 18 and data[0] == 0x11 and data[1] == 0x00, data.hex()
    return data[2:]


def system_info(b):
    """FreeIPMI bmc-info --get-system-info: {field: value}."""
    r = ok(b.freeipmi("bmc-info", "--get-system-info"))
    return {k.strip(): v.strip() for k, v in
            (line.split(":", 1) for line in r.out.splitlines() if ":" in line)}


def test_system_info_survives_a_restart(fresh_bmc):
    b = fresh_bmc
    url = "https://bmc.example.test/a/path/longer/than/one/block.html"
    ok(b.ipmitool("mc", "setsysinfo", "system_name", "bmcd-persist-host"))
    ok(b.ipmitool("mc", "setsysinfo", "primary_os_name", "Debian 12"))
    ok(b.ipmitool("mc", "setsysinfo", "os_name", "Linux 6.1"))
    ok(b.freeipmi("bmc-device", "--set-system-firmware-version=fw-9.8.7"))
    ok(b.freeipmi("bmc-device", "--set-present-os-version-number=6.1.0"))
    ok(b.freeipmi("bmc-device", f"--set-bmc-url={url}"))
    ok(b.freeipmi("bmc-device", "--set-base-os-hypervisor-url=http://hv.example.test/"))
    before = system_info(b)
    assert before["System Name"] == "bmcd-persist-host" and before["BMC URL"] == url, before
    b.restart()
    after = system_info(b)
    # Non-volatile (1-3, 6, 7) kept; OS name (4) and present OS version
    # (5) are volatile: gone, as after a cold reset.
    for key in ("System Firmware Version", "System Name", "Primary Operating System Name",
                "BMC URL", "Base OS/Hypervisor URL"):
        assert after[key] == before[key], (key, after)
    assert after["Operating System Name"] == "" and after["Present OS Version Number"] == "", after
    assert ok(b.ipmitool("mc", "getsysinfo", "system_name")).out.strip() == "bmcd-persist-host"
    assert ok(b.ipmitool("mc", "getsysinfo", "os_name")).out.strip() == ""
    assert sysinfo_block0(b, 0x04) == bytes(16)


def test_corrupt_system_info_file_is_logged_and_ignored(fresh_bmc):
    b = fresh_bmc
    ok(b.ipmitool("mc", "setsysinfo", "system_name", "before-corruption"))
    b.stop_and_check()
    path = b.state_dir / "sysinfo"
    assert path.exists()
    good = path.read_bytes()
    for bad in (good[:-1], b"BSYI\x02" + good[5:], b"XXXX" + good[4:], b""):
        path.write_bytes(bad)
        b.proc = None
        b.returncode = None
        b.start()
        assert "sysinfo is corrupt" in b.stderr(), b.stderr_tail()
        assert ok(b.ipmitool("mc", "getsysinfo", "system_name")).out.strip() == ""
        b.stop_and_check()
    # A Set writes a good file again.
    b.proc = None
    b.returncode = None
    b.start()
    ok(b.ipmitool("mc", "setsysinfo", "system_name", "after-corruption"))
    b.restart()
    assert ok(b.ipmitool("mc", "getsysinfo", "system_name")).out.strip() == "after-corruption"
