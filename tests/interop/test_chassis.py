"""Chassis commands beyond power control: restore policy (persisted and
applied as after AC loss), restart cause, POH counter, identify, front
panel enables, capabilities; and busy/invalid chassis control."""

import re
import struct
import time

import pytest

from conftest import assert_cc, bmcd_on_state


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
    with bmcd_on_state(tmp_path, {"chassis": bytes([1, 0, 0, 0]) + struct.pack("<I", 1234)}) as b:
        r = b.ipmitool("chassis", "poh")
        assert r.ok and "0 days, 20 hours, 34 minutes" in r.out, r
    # bmcd rewrote it on exit, keeping the count.
    assert struct.unpack("<I", (tmp_path / "state" / "chassis").read_bytes()[4:8])[0] == 1234


@pytest.mark.parametrize("blob", [b"", b"\x01\x09\x00\x00\x00\x00\x00\x00", b"\x07" * 8, b"\x01" * 3])
def test_corrupt_chassis_state_uses_defaults(tmp_path, blob):
    with bmcd_on_state(tmp_path, {"chassis": blob}) as b:
        assert status_field(b, "Power Restore Policy") == "always-off"
        r = b.ipmitool("chassis", "poh")
        assert r.ok and "0 days, 0 hours, 0 minutes" in r.out, r
        assert "corrupt" in b.stderr() or blob == b""


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


def control(b, action):
    """Chassis Control through ipmitool raw: the completion code."""
    r = b.ipmitool("raw", "0x00", "0x02", f"0x{action:02x}")
    if r.ok:
        return 0
    m = re.search(r"rsp=0x([0-9a-f]{2})", r.text)
    assert m, r
    return int(m.group(1), 16)


def wait_log(b, text, count=1, deadline=40):
    """Wait until bmcd's log holds `text` at least `count` times."""
    t_end = time.monotonic() + deadline
    while b.stderr().count(text) < count:
        if time.monotonic() > t_end:
            pytest.fail(f"{text!r} x{count} not in bmcd's log within {deadline}s:\n"
                        f"{b.stderr_tail(30)}", pytrace=False)
        time.sleep(0.1)


OFF, ON, CYCLE, RESET, DIAG, SOFT = range(6)
D5 = 0xd5


def test_power_on_then_off_at_once_ipmitool(fresh_bmc):
    """`power off` right after `power on` (the host still starting) is
    accepted and aborts the start: the host ends off."""
    b = fresh_bmc
    r = b.ipmitool("chassis", "power", "on")
    assert r.ok and "Up/On" in r.out, r
    r = b.ipmitool("chassis", "power", "off")
    assert r.ok and "Down/Off" in r.out, r
    wait_log(b, "host power: powering off -> off")
    assert b.power_status()[0] == "off"
    assert status_field(b, "Power Control Fault") == "false"
    assert "host power good: on" not in b.stderr()


def test_ipmipower_on_then_off(fresh_bmc):
    """FreeIPMI ipmipower --on then --off: both say ok and the host ends off
    (a busy answer used to make --off print nothing and do nothing)."""
    b = fresh_bmc
    r = b.freeipmi("ipmipower", "--on")
    assert r.ok and re.search(r":\s*ok\s*$", r.out, re.M), r
    r = b.freeipmi("ipmipower", "--off")
    assert r.ok and re.search(r":\s*ok\s*$", r.out, re.M), r
    wait_log(b, "host power: powering off -> off")
    r = b.freeipmi("ipmipower", "--stat")
    assert r.ok and re.search(r":\s*off\s*$", r.out, re.M), r
    assert "host power good: on" not in b.stderr()


def test_ipmipower_refused_action_is_not_ok(fresh_bmc):
    """A reset with the host off is refused (D5h): ipmipower over IPMI 1.5
    says "operation invalid" and fails; over RMCP+, ipmipower 1.6.10 prints
    nothing for any error code of Chassis Control (its own quirk), but never
    "ok"."""
    b = fresh_bmc
    r = b.freeipmi("ipmipower", "--reset", driver="LAN")
    assert not r.ok and re.search(r":\s*operation invalid\s*$", r.out, re.M), r
    r = b.freeipmi("ipmipower", "--reset")
    assert not re.search(r":\s*ok\s*$", r.out, re.M), r
    assert b.power_status()[0] == "off"


def test_power_reset_while_powering_on(fresh_bmc):
    """A reset while the host starts is accepted (it starts from reset
    anyway) and the host comes up, with no fault."""
    b = fresh_bmc
    assert b.ipmitool("chassis", "power", "on").ok
    r = b.ipmitool("chassis", "power", "reset")
    assert r.ok and "Reset" in r.out, r
    b.wait_power("on")
    assert status_field(b, "Power Control Fault") == "false"
    assert "host power: powering on -> on" in b.stderr()


def slow_board(tmp_path, **host):
    from conftest import load_board, write_board
    board = load_board()
    board["host"].update(host)
    return write_board(tmp_path, board)


def test_control_table_from_off_and_powering_on(bmc_factory, tmp_path):
    """The rows "off" and "powering on" of docs/commands.md's table, on a
    host that takes 20 s to start (so the state holds while we ask)."""
    b = bmc_factory(board=slow_board(tmp_path, power_on_ms=20000))
    assert [control(b, a) for a in (CYCLE, RESET, SOFT, DIAG, OFF)] == [D5, D5, D5, D5, 0]
    assert control(b, ON) == 0
    wait_log(b, "host power: off -> powering on")
    # the short press released: the host is starting (a forced off before
    # that would only hold the same press on, and stop no start)
    wait_log(b, "sim host: power button: starting")
    # on again, reset: merged with the start; soft off, NMI: no OS yet
    assert [control(b, a) for a in (ON, RESET, SOFT, DIAG)] == [0, 0, D5, D5]
    assert "host power: powering on ->" not in b.stderr()
    # a forced off aborts the start
    assert control(b, OFF) == 0
    wait_log(b, "host power: powering on -> powering off")
    wait_log(b, "host power: powering off -> off")
    assert "sim host: start stopped by a forced off" in b.stderr()
    assert b.power_status()[0] == "off"
    assert "host power good: on" not in b.stderr()
    assert status_field(b, "Power Control Fault") == "false"


def test_control_table_from_on_soft_off_powering_off_cycle_wait(bmc_factory, tmp_path):
    """The rows "on", "soft off", "powering off" and "cycle wait": a host
    that starts on, holds reset 5 s, takes 20 s to shut its OS down, and 3 s
    (after a 3 s long press) to go off; a 30 s power cycle interval."""
    b = bmc_factory(board=slow_board(tmp_path, initially_on=True, reset_ms=5000,
                                     soft_off_ms=20000, power_off_ms=3000))
    assert b.power_status()[0] == "on"
    assert b.ipmitool("raw", "0x00", "0x0b", "30").ok
    # on: on is nothing to do; a reset held 5 s blocks neither another
    # reset nor an NMI
    assert [control(b, a) for a in (ON, RESET, RESET, DIAG)] == [0, 0, 0, 0]
    wait_log(b, "sim host: reset (1)", deadline=30)
    # soft off: another soft off and power on are taken (on: power on again
    # once the OS is down), NMI too; reset is not (the OS is going down)
    assert control(b, SOFT) == 0
    wait_log(b, "host power: on -> soft off")
    assert [control(b, a) for a in (SOFT, ON, RESET, DIAG)] == [0, 0, D5, 0]
    assert "host power: soft off ->" not in b.stderr()
    # a forced off overrides the soft off at once
    assert control(b, OFF) == 0
    wait_log(b, "host power: soft off -> powering off")
    # powering off: reset and NMI refused; on, cycle and off change what
    # follows; the last one asked (cycle) wins
    assert [control(b, a) for a in (RESET, DIAG, ON, OFF, CYCLE)] == [D5, D5, 0, 0, 0]
    assert "host power: powering off ->" not in b.stderr()
    wait_log(b, "host power: powering off -> cycle wait")
    assert b.power_status()[0] == "off"
    # cycle wait (30 s): NMI refused, reset and cycle merged; power on
    # starts the host at once
    assert [control(b, a) for a in (DIAG, RESET, CYCLE)] == [D5, 0, 0]
    assert "host power: cycle wait ->" not in b.stderr()
    assert control(b, ON) == 0
    wait_log(b, "host power: cycle wait -> powering on")
    b.wait_power("on")
    assert status_field(b, "Power Control Fault") == "false"
    # cycle wait again: off cancels the cycle
    assert control(b, CYCLE) == 0
    wait_log(b, "host power: powering off -> cycle wait", count=2)
    assert control(b, OFF) == 0
    wait_log(b, "host power: cycle wait -> off")
    assert b.power_status()[0] == "off"


def test_power_cycle_interval(bmc_factory, tmp_path):
    """Set Power Cycle Interval (00:0Bh): the next power cycle keeps the
    host off at least that long; the value survives a restart."""
    b = bmc_factory(state_dir=tmp_path / "state")
    assert b.ipmitool("raw", "0x00", "0x0b", "6").ok
    assert_cc(b.ipmitool("raw", "0x00", "0x0b"), 0xc7)
    assert_cc(b.ipmitool("raw", "0x00", "0x0b", "1", "2"), 0xc7)
    assert_cc(b.ipmitool("raw", "0x00", "0x0b", "1", user="user", password="user", priv="USER"),
              0xd4)
    b.restart()
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    t0 = time.monotonic()
    assert b.ipmitool("chassis", "power", "cycle").ok
    b.wait_power("off")
    b.wait_power("on", deadline=40)
    # off for at least the interval (a loaded machine only makes it longer)
    assert time.monotonic() - t0 >= 6, b.stderr_tail()
    assert "host power: cycle wait -> powering on" in b.stderr()


def test_set_chassis_capabilities(bmc_factory, tmp_path):
    """Set Chassis Capabilities (00:05h): lengths 5 or 6, reserved flag bits
    and odd addresses refused; Get reports what was set, also after a
    restart."""
    b = bmc_factory(state_dir=tmp_path / "state")
    for short in (("0x00",), ("0x00", "0x20", "0x20", "0x20"),
                  ("0x00", "0x20", "0x20", "0x20", "0x20", "0x20", "0x20")):
        assert_cc(b.ipmitool("raw", "0x00", "0x05", *short), 0xc7)
    assert_cc(b.ipmitool("raw", "0x00", "0x05", "0x04", "0x20", "0x20", "0x20", "0x20"), 0xcc)
    assert_cc(b.ipmitool("raw", "0x00", "0x05", "0x01", "0x21", "0x20", "0x20", "0x20"), 0xcc)
    assert_cc(b.ipmitool("raw", "0x00", "0x05", "0x01", "0x20", "0x20", "0x20", "0x20",
                         user="operator", password="operator", priv="OPERATOR"), 0xd4)
    assert b.ipmitool("raw", "0x00", "0x05", "0x01", "0x22", "0x24", "0x26", "0x28").ok
    r = b.ipmitool("raw", "0x00", "0x00")
    assert r.ok and [int(x, 16) for x in r.out.split()] == [0x01, 0x22, 0x24, 0x26, 0x28], r
    assert b.ipmitool("raw", "0x00", "0x05", "0x03", "0x20", "0x20", "0x20", "0x20", "0x2a").ok
    b.restart()
    r = b.ipmitool("raw", "0x00", "0x00")
    assert r.ok and [int(x, 16) for x in r.out.split()] == [0x03, 0x20, 0x20, 0x20, 0x20, 0x2a], r
    # FreeIPMI decodes it too
    r = b.freeipmi("ipmi-chassis", "--get-chassis-capabilities")
    assert r.ok and re.search(r"Intrusion sensor\s*:\s*provided", r.out, re.I), r


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
