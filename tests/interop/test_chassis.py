"""Chassis commands beyond power control: restore policy (persisted and
applied as after AC loss), restart cause, POH counter, identify, front
panel enables, capabilities; and busy/invalid chassis control."""

import struct
import time

import pytest

from conftest import Bmcd


def status_field(b, name):
    r = b.ipmitool("chassis", "status")
    assert r.ok, r
    for line in r.out.splitlines():
        if line.startswith(name):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{name!r} not in chassis status:\n{r.out}")


def test_policy_list_and_set(fresh_bmc):
    r = fresh_bmc.ipmitool("chassis", "policy", "list")
    assert r.ok and all(p in r.out for p in ("always-off", "always-on", "previous")), r
    for pol in ("always-on", "previous", "always-off"):
        assert fresh_bmc.ipmitool("chassis", "policy", pol).ok
        assert status_field(fresh_bmc, "Power Restore Policy") == pol


@pytest.mark.parametrize("policy,was_on,comes_up,cause", [
    ("always-on", False, True, "always-restore"),
    ("previous", True, True, "restore-previous"),
    ("previous", False, False, None),
    ("always-off", True, False, None),
])
def test_restore_policy_after_ac_loss(bmc_factory, tmp_path, policy, was_on, comes_up, cause):
    """Restarting bmcd on the sim board is an AC power cycle: the sim host
    starts off, and the policy decides whether the BMC powers it on."""
    b = bmc_factory(state_dir=tmp_path / "state")
    assert b.ipmitool("chassis", "policy", policy).ok
    if was_on:
        assert b.ipmitool("chassis", "power", "on").ok
        b.wait_power("on")
    b.restart()
    if comes_up:
        b.wait_power("on")
        r = b.ipmitool("chassis", "restart_cause")
        assert r.ok and cause in r.out, r
        assert status_field(b, "Last Power Event") == "ac-failed" or was_on is False
    else:
        time.sleep(2.5)     # longer than the sim host takes to power on
        assert b.power_status()[0] == "off"
    assert status_field(b, "Power Restore Policy") == policy


def test_restart_cause_chassis_command(fresh_bmc):
    r = fresh_bmc.ipmitool("chassis", "restart_cause")
    assert r.ok and "unknown" in r.out, r
    assert fresh_bmc.ipmitool("chassis", "power", "on").ok
    fresh_bmc.wait_power("on")
    r = fresh_bmc.ipmitool("chassis", "restart_cause")
    assert r.ok and "chassis power control command" in r.out, r
    assert status_field(fresh_bmc, "Last Power Event") == "command"


def test_poh_counter_persisted(tmp_path):
    # The counter lives in the state dir (version 1: policy, was-on, front
    # panel, minutes LE32): 1234 minutes read back as 0 days 20 h 34 min.
    state = tmp_path / "state"
    state.mkdir()
    (state / "chassis").write_bytes(bytes([1, 0, 0, 0]) + struct.pack("<I", 1234))
    b = Bmcd(state_dir=state, workdir=tmp_path).start()
    try:
        r = b.ipmitool("chassis", "poh")
        assert r.ok and "0 days, 20 hours, 34 minutes" in r.out, r
    finally:
        b.stop_and_check()
    # bmcd rewrote it on exit, keeping the count.
    assert struct.unpack("<I", (state / "chassis").read_bytes()[4:8])[0] == 1234


@pytest.mark.parametrize("blob", [b"", b"\x01\x09\x00\x00\x00\x00\x00\x00", b"\x07" * 8, b"\x01" * 3])
def test_corrupt_chassis_state_uses_defaults(tmp_path, blob):
    state = tmp_path / "state"
    state.mkdir()
    (state / "chassis").write_bytes(blob)
    b = Bmcd(state_dir=state, workdir=tmp_path).start()
    try:
        assert status_field(b, "Power Restore Policy") == "always-off"
        r = b.ipmitool("chassis", "poh")
        assert r.ok and "0 days, 0 hours, 0 minutes" in r.out, r
        assert "corrupt" in b.stderr() or blob == b""
    finally:
        b.stop_and_check()


def test_identify(fresh_bmc):
    r = fresh_bmc.ipmitool("chassis", "identify", "1")
    assert r.ok and "1 seconds" in r.out, r
    assert "identify LED on" in fresh_bmc.stderr()
    time.sleep(1.6)
    assert "identify LED off" in fresh_bmc.stderr()
    assert fresh_bmc.ipmitool("chassis", "identify", "force").ok
    r = fresh_bmc.ipmitool("raw", "0x00", "0x01")
    assert r.ok and int(r.out.split()[2], 16) & 0x30 == 0x20, r    # indefinite on
    assert fresh_bmc.ipmitool("chassis", "identify", "0").ok
    r = fresh_bmc.ipmitool("raw", "0x00", "0x01")
    assert r.ok and int(r.out.split()[2], 16) & 0x30 == 0x00, r
    r = fresh_bmc.ipmitool("raw", "0x00", "0x04", "0x05", "0x02")
    assert not r.ok and "rsp=0xcc" in r.text, r


def test_front_panel_enables(fresh_bmc):
    assert fresh_bmc.ipmitool("raw", "0x00", "0x0a", "0x02").ok     # disable reset button
    assert status_field(fresh_bmc, "Reset Button Disabled") == "true"
    assert status_field(fresh_bmc, "Diag Button Disabled") == "false"
    r = fresh_bmc.ipmitool("raw", "0x00", "0x0a", "0x12")
    assert not r.ok and "rsp=0xcc" in r.text, r
    r = fresh_bmc.ipmitool("raw", "0x00", "0x0a", "0x01", user="operator", password="operator",
                           priv="OPERATOR")
    assert not r.ok and "rsp=0xd4" in r.text, r


def test_capabilities(bmc):
    r = bmc.ipmitool("raw", "0x00", "0x00")
    assert r.ok, r
    assert [int(x, 16) for x in r.out.split()] == [0x02, 0x20, 0x20, 0x20, 0x20]


@pytest.mark.parametrize("raw,code", [
    (("0x00", "0x06", "0x04"), "0xcc"),
    (("0x00", "0x06"), "0xc7"),
    (("0x00", "0x0f", "0x00"), "0xc7"),
])
def test_bad_chassis_requests(bmc, raw, code):
    r = bmc.ipmitool("raw", *raw)
    assert not r.ok and f"rsp={code}" in r.text, r


def test_control_while_transition_in_progress(fresh_bmc):
    assert fresh_bmc.ipmitool("chassis", "power", "on").ok
    # Powering on takes the sim host 1.5 s: another request now is busy (C0h).
    r = fresh_bmc.ipmitool("raw", "0x00", "0x02", "0x00")
    assert not r.ok and "rsp=0xc0" in r.text, r
    fresh_bmc.wait_power("on")
    # Nothing got confused: it can be switched off normally.
    assert fresh_bmc.ipmitool("chassis", "power", "off").ok
    fresh_bmc.wait_power("off")


def test_diag_interrupt(fresh_bmc):
    r = fresh_bmc.ipmitool("chassis", "power", "diag")
    assert not r.ok and "not supported in present state" in r.text, r  # D5h: host off
    assert fresh_bmc.ipmitool("chassis", "power", "on").ok
    fresh_bmc.wait_power("on")
    assert fresh_bmc.ipmitool("chassis", "power", "diag").ok
    time.sleep(0.5)
    assert "NMI received" in fresh_bmc.stderr()


def test_power_on_timeout_is_a_fault_and_a_sel_event(bmc_factory, tmp_path):
    """A host whose power good never comes within the board's timeout: a
    power control fault in chassis status and a Power Unit event in the SEL."""
    from conftest import load_board, write_board
    board = load_board()
    board["host"]["power_on_ms"] = 8000
    board["host"]["power_good_timeout_ms"] = 800
    b = bmc_factory(board=write_board(tmp_path, board))
    assert b.ipmitool("chassis", "power", "on").ok
    deadline = time.monotonic() + 5
    while status_field(b, "Power Control Fault") != "true" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status_field(b, "Power Control Fault") == "true"
    assert status_field(b, "System Power") == "off"
    r = b.ipmitool("sel", "elist")
    assert r.ok and "Power Unit" in r.out and "Soft-power control failure" in r.out, r
