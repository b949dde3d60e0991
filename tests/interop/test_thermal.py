"""Thermal control (docs/thermal.md) on the thermal sim board
(tests/boards/thermal-sim.json): the heat model's CPU temperature follows
a host load the test sets (<state>/sim/thermal_load), the zones' PID and
stepwise controllers drive the sim fans, fail safe on an unreadable input
or a stuck fan (with SEL events), the OEM fan mode and duty commands, an
hwmon-shaped directory's pwmN files, and --check-config's errors."""
import copy
import json
import re
import time
from pathlib import Path

import pytest

from conftest import BMCD, ROOT, raw, raw_bytes, run, write_board
from test_dbus import NAME, bus  # noqa: F401 (fixture)
from test_dbus import pytestmark as needs_dbus

BOARD = ROOT / "tests" / "boards" / "thermal-sim.json"
NETFN = 0x30
PERIOD_S = 0.5


def load():
    return json.loads(BOARD.read_text())


def sim_dir(b):
    return b.state_dir / "sim"


def start(bmc_factory, tmp_path, board=None, name="state", **kw):
    """A daemon on the thermal board whose sim directory exists at start."""
    state = tmp_path / name
    (state / "sim").mkdir(parents=True)
    path = BOARD if board is None else write_board(tmp_path, board, name=f"{name}.json")
    return bmc_factory(board=path, state_dir=state, **kw)


def set_load(b, pct):
    tmp = sim_dir(b) / "thermal_load.tmp"
    tmp.write_text(f"{pct}\n")
    tmp.replace(sim_dir(b) / "thermal_load")


def reading(b, name):
    """A sensor's reading as `ipmitool sdr elist` shows it."""
    r = b.ipmitool("sdr", "elist")
    assert r.ok, r
    m = re.search(r"^" + re.escape(name) + r"\s*\|.*\|\s*([-0-9.]+) (?:degrees C|RPM)\s*$", r.out, re.M)
    assert m, f"no reading for {name}\n{r}"
    return float(m.group(1))


def duty(b, zone=0):
    return raw_bytes(raw(b, NETFN, 0x70, 0x66, 0x00, zone))[0]


def mode(b):
    return raw_bytes(raw(b, NETFN, 0x45, 0x00))[0]


def wait_for(cond, timeout, step=0.5):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def test_loaded_host_settles_at_setpoint_and_fans_slow_when_unloaded(bmc_factory, tmp_path):
    b = start(bmc_factory, tmp_path)
    set_load(b, 100)
    settled = []

    def near_setpoint():
        t = reading(b, "CPU0 Temp")
        settled.append(t)
        return len(settled) >= 4 and all(abs(x - 65) <= 2 for x in settled[-4:])

    assert wait_for(near_setpoint, 45), f"CPU0 Temp never settled within 2 C of 65: {settled}"
    loaded = duty(b)
    assert 20 <= loaded <= 100
    assert loaded > 40, loaded	# full load needs well above the minimum on this model
    fan_loaded = reading(b, "FAN1")
    assert fan_loaded > 0.4 * 12000

    set_load(b, 0)
    assert wait_for(lambda: duty(b) == 20, 20), f"duty stays at {duty(b)} with the load gone"
    assert wait_for(lambda: reading(b, "FAN1") < fan_loaded - 2000, 10)
    assert reading(b, "CPU0 Temp") < 65


def test_unreadable_input_is_failsafe_within_a_period_with_a_sel_entry(bmc_factory, tmp_path):
    b = start(bmc_factory, tmp_path)
    assert wait_for(lambda: duty(b) == 20, 20)	# idle host: at the zone's minimum
    f = sim_dir(b) / "CPU0 Temp"
    f.unlink()
    f.mkdir()				# reads fail; the heat model cannot replace it
    t0 = time.monotonic()
    assert wait_for(lambda: duty(b) == 100, 3, step=0.1)
    assert time.monotonic() - t0 < PERIOD_S + 1.0
    r = b.ipmitool("sel", "elist")
    assert r.ok, r
    assert re.search(r"CPU0 Temp \| Transition to Critical from less severe \| Asserted", r.out), r
    assert "zone cpu: input CPU0 Temp unavailable" in b.stderr()
    f.rmdir()
    assert wait_for(lambda: duty(b) < 100, 10)
    assert "zone cpu: input CPU0 Temp readable again" in b.stderr()
    assert "zone cpu: fail safe over" in b.stderr()
    r = b.ipmitool("sel", "elist")
    assert re.search(r"CPU0 Temp \| Transition to OK \| Asserted", r.out), r
    assert b.stderr().count("input CPU0 Temp unavailable") == 1	# logged once


def test_stuck_fan_is_an_event_and_failsafe(bmc_factory, tmp_path):
    b = start(bmc_factory, tmp_path)
    set_load(b, 100)
    assert wait_for(lambda: 30 < duty(b) < 100, 20)
    (sim_dir(b) / "FAN2.stuck").write_text("")
    assert wait_for(lambda: duty(b) == 100, 8), b.stderr_tail()
    assert "zone cpu: fan FAN2 not turning" in b.stderr()
    r = b.ipmitool("sel", "elist")
    assert re.search(r"FAN2 \| Transition to Critical from less severe \| Asserted", r.out), r
    (sim_dir(b) / "FAN2.stuck").unlink()
    assert wait_for(lambda: "fan FAN2 turning again" in b.stderr(), 8)
    assert wait_for(lambda: duty(b) < 100, 20)


def test_oem_manual_override_and_back_to_auto(bmc_factory, tmp_path):
    b = start(bmc_factory, tmp_path)
    assert mode(b) == 0x00
    # Supermicro-shaped: 30h 70h 66h 01h <zone> <duty>
    r = raw(b, NETFN, 0x70, 0x66, 0x01, 0x00, 50)
    assert r.ok, r
    assert mode(b) == 0x03
    assert wait_for(lambda: duty(b) == 50, 2, step=0.1)
    assert wait_for(lambda: abs(reading(b, "FAN1") - 6000) <= 200 and
                    abs(reading(b, "FAN2") - 6000) <= 200, 10)
    # bad requests
    r = raw(b, NETFN, 0x70, 0x66, 0x01, 0x07, 50)
    assert not r.ok and "rsp=0xc9" in r.text.lower(), r
    r = raw(b, NETFN, 0x70, 0x66, 0x01, 0x00, 101)
    assert not r.ok and "rsp=0xc9" in r.text.lower(), r
    r = raw(b, NETFN, 0x45, 0x01, 0x07)
    assert not r.ok and "rsp=0xcc" in r.text.lower(), r
    r = raw(b, NETFN, 0x70, 0x66, 0x01, 0x00, 50, user="user", password="user",
            priv="USER")
    assert not r.ok and "rsp=0xd4" in r.text.lower(), r
    # full: every zone at 100 %
    assert raw(b, NETFN, 0x45, 0x01, 0x01).ok
    assert mode(b) == 0x01
    assert wait_for(lambda: duty(b, 0) == 100 and duty(b, 1) == 100, 3)
    assert wait_for(lambda: reading(b, "FAN3") > 11000, 10)
    # standard (00h): automatic again, idle host back at the minimum
    assert raw(b, NETFN, 0x45, 0x01, 0x00).ok
    assert mode(b) == 0x00
    assert wait_for(lambda: duty(b) == 20, 20)
    # manual is volatile: a cold reset returns to automatic
    assert raw(b, NETFN, 0x70, 0x66, 0x01, 0x00, 70).ok
    assert mode(b) == 0x03
    r = b.ipmitool("mc", "reset", "cold")
    assert r.ok, r
    assert wait_for(lambda: b.ipmitool("mc", "info").ok, 10)
    assert mode(b) == 0x00


ZONE0 = "/xyz/openbmc_project/settings/fanctrl/zone0"
MODE = "xyz.openbmc_project.Control.Mode"


def mode_prop(bus, path, name):
    r = bus.busctl("get-property", NAME, path, MODE, name)
    assert r.ok, r
    assert r.out.split()[0] == "b", r
    return r.out.split()[1] == "true"


@needs_dbus
def test_dbus_control_mode(bmc_factory, tmp_path, bus):
    b = start(bmc_factory, tmp_path, extra_args=["--bus", bus.address])
    assert wait_for(lambda: duty(b) == 20, 20)
    r = bus.busctl("tree", NAME)
    assert r.ok and ZONE0 in r.out and "fanctrl/zone1" in r.out and "zone2" not in r.out, r
    assert mode_prop(bus, ZONE0, "Manual") is False
    assert mode_prop(bus, ZONE0, "FailSafe") is False
    # Manual over IPMI shows on D-Bus
    assert raw(b, NETFN, 0x70, 0x66, 0x01, 0x00, 60).ok
    assert mode_prop(bus, ZONE0, "Manual") is True
    # ... and D-Bus returns it to automatic
    assert bus.busctl("set-property", NAME, ZONE0, MODE, "Manual", "b", "false").ok
    assert mode(b) == 0x00
    time.sleep(1)
    # D-Bus manual holds the present duty
    assert bus.busctl("set-property", NAME, ZONE0, MODE, "Manual", "b", "true").ok
    assert mode(b) == 0x03
    held = duty(b)
    time.sleep(2)	# automatic control would ramp an idle host down to 20
    assert duty(b) == held
    # FailSafe follows an unreadable input; it cannot be written
    f = sim_dir(b) / "CPU0 Temp"
    f.unlink()
    f.mkdir()
    assert wait_for(lambda: mode_prop(bus, ZONE0, "FailSafe"), 3, step=0.2)
    r = bus.busctl("set-property", NAME, ZONE0, MODE, "FailSafe", "b", "false")
    assert not r.ok, r
    r = bus.busctl("get-property", NAME, "/xyz/openbmc_project/settings/fanctrl/zone2", MODE,
                   "Manual")
    assert not r.ok, r


def hwmon_board(tmp_path):
    root = tmp_path / "hwmon"
    for n, name in ((0, "coretemp"), (3, "testfan")):
        d = root / f"hwmon{n}"
        d.mkdir(parents=True)
        (d / "name").write_text(name + "\n")
    for i in (1, 2):
        (root / "hwmon3" / f"pwm{i}").write_text("0\n")
        (root / "hwmon3" / f"pwm{i}_enable").write_text("2\n")
    board = load()
    board["hwmon_root"] = str(root)
    board["thermal"]["zones"].append({
        "name": "hw", "inputs": [{"sensor": "Inlet Temp", "steps": [[20, 30], [35, 60], [38, 80]]}],
        "outputs": [{"pwm": "testfan/pwm2"}], "min_duty": 10, "failsafe_duty": 90})
    return board, root / "hwmon3"


def test_hwmon_pwm_outputs(bmc_factory, tmp_path):
    board, dev = hwmon_board(tmp_path)
    b = start(bmc_factory, tmp_path, board)
    def inlet(v):
        tmp = sim_dir(b) / "inlet.tmp"
        tmp.write_text(f"{v}\n")
        tmp.replace(sim_dir(b) / "Inlet Temp")

    def pwm2():
        return (dev / "pwm2").read_text().strip()

    inlet(36)
    assert wait_for(lambda: pwm2() == "153", 5), pwm2()	# 60 % of 255
    assert (dev / "pwm2_enable").read_text().strip() == "1"
    assert (dev / "pwm1").read_text().strip() == "0"	# not ours
    assert (dev / "pwm1_enable").read_text().strip() == "2"
    inlet(39)
    assert wait_for(lambda: pwm2() == "204", 5), pwm2()	# 80 %
    # above its critical threshold (uc 40): the zone's failsafe duty
    inlet(41)
    assert wait_for(lambda: pwm2() == "230", 5), pwm2()	# 90 %
    assert "zone hw: input Inlet Temp at 41, above its critical 40" in b.stderr()
    inlet(39)
    assert wait_for(lambda: pwm2() == "204", 5), pwm2()
    # stopping: the failsafe duty is left behind
    b.stop_and_check()
    assert (dev / "pwm2").read_text().strip() == "230"	# 90 % of 255
    assert "thermal: stopping: every zone at its failsafe duty" in b.stderr()


def check_config(tmp_path, board):
    r = run([str(BMCD), "--check-config", "--board", str(write_board(tmp_path, board))])
    assert not r.ok, r
    return r.text


def test_check_config_errors(tmp_path):
    board = load()
    assert run([str(BMCD), "--check-config", "--board", str(BOARD)]).ok

    b = copy.deepcopy(board)
    b["thermal"]["zones"][1]["outputs"] = []
    assert "thermal.zones[1].outputs: a zone needs at least one output" in check_config(tmp_path, b)

    b = copy.deepcopy(board)
    b["thermal"]["zones"][1]["outputs"].append({"fan": "FAN1"})
    assert ('thermal.zones[1].outputs[1].fan: already an output of zone "cpu"'
            in check_config(tmp_path, b))

    b = copy.deepcopy(board)
    b["thermal"]["zones"][0]["inputs"][0]["setpoint"] = 96
    assert ('thermal.zones[0].inputs[0].setpoint: 96 is not below the critical threshold 95 '
            'of "CPU0 Temp"' in check_config(tmp_path, b))

    b = copy.deepcopy(board)
    b["thermal"]["zones"][0]["inputs"][0]["sensor"] = "GPU Temp"
    assert ('thermal.zones[0].inputs[0].sensor: no sensor named "GPU Temp" in "sensors"'
            in check_config(tmp_path, b))

    b = copy.deepcopy(board)
    b["thermal"]["zones"][0]["outputs"][0] = {"pwm": "nct6775"}
    assert 'thermal.zones[0].outputs[0].pwm: not "HWMON-NAME/pwmN"' in check_config(tmp_path, b)

    b = copy.deepcopy(board)
    b["thermal"]["zones"][0]["inputs"][0]["steps"] = [[30, 20]]
    assert ('thermal.zones[0].inputs[0]: needs exactly one of "pid" and "steps"'
            in check_config(tmp_path, b))


def test_sim_board_without_zones_refuses_the_fan_commands(bmc):
    r = raw(bmc, NETFN, 0x45, 0x00)
    assert not r.ok and "rsp=0xc1" in r.text.lower(), r
    r = raw(bmc, NETFN, 0x70, 0x66, 0x00, 0x00)
    assert not r.ok and "rsp=0xc1" in r.text.lower(), r
