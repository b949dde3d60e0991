"""bmcd on D-Bus (docs/dbus.md): a private dbus-daemon each test starts,
bmcd pointed at it with --bus, and the real clients an operator on a BMC
uses: busctl (get-property, set-property, call, tree) and gdbus (monitor
for PropertiesChanged; call, whose errors carry the D-Bus error name).
ipmitool checks that what D-Bus asked for is what the BMC did."""

import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import POWER_DEADLINE, ROOT, SIM_BOARD, load_board, run, write_board

NAME = "xyz.openbmc_project.bmcd"
HOST_PATH = "/xyz/openbmc_project/state/host0"
HOST_IFACE = "xyz.openbmc_project.State.Host"
CHASSIS_PATH = "/xyz/openbmc_project/state/chassis0"
CHASSIS_IFACE = "xyz.openbmc_project.State.Chassis"
HOST_STATE = HOST_IFACE + ".HostState."
HOST_T = HOST_IFACE + ".Transition."
CHASSIS_T = CHASSIS_IFACE + ".Transition."
BMC_PATH = "/xyz/openbmc_project/state/bmc0"
BMC_IFACE = "xyz.openbmc_project.State.BMC"
BMC_T = BMC_IFACE + ".Transition."

pytestmark = pytest.mark.skipif(not (shutil.which("dbus-daemon") and shutil.which("busctl")
                                     and shutil.which("gdbus")),
                                reason="needs dbus-daemon, busctl and gdbus (Debian dbus, "
                                       "systemd, libglib2.0-bin)")


# A bus with the system bus's default policy (no name owned, no method
# called unless a policy file allows it) and bmcd's policy file.
SYSTEM_LIKE = """<busconfig>
  <type>system</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""
POLICY = ROOT / "dbus" / "xyz.openbmc_project.bmcd.conf"


class Bus:
    """A private bus daemon on a unix socket of a short path (sun_path),
    which can be stopped and started again at the same address; a session
    bus, or one configured as the system bus with bmcd's policy file."""

    def __init__(self, system_like=False):
        self.dir = tempfile.mkdtemp(prefix="bmcd-bus-", dir="/tmp")
        self.address = f"unix:path={self.dir}/bus"
        self.proc = None
        self.config = None
        if system_like:
            os.chmod(self.dir, 0o755)   # other users' clients
            self.config = os.path.join(self.dir, "system.conf")
            with open(self.config, "w") as f:
                f.write(SYSTEM_LIKE.format(address=self.address, policy=POLICY))

    def start(self):
        which = [f"--config-file={self.config}"] if self.config else \
            ["--session", f"--address={self.address}"]
        self.proc = subprocess.Popen(
            ["dbus-daemon", *which, "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        # It prints its address once it listens.
        r, _, _ = select.select([self.proc.stdout], [], [], 10)
        assert r and self.proc.stdout.readline().startswith("unix:"), "dbus-daemon did not start"
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        if self.proc:
            self.proc.stdout.close()
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def busctl(self, *args, timeout=10, uid=None):
        """busctl, as root or (uid) as another user."""
        who = [] if uid is None else ["setpriv", f"--reuid={uid}", f"--regid={uid}",
                                      "--clear-groups"]
        return run([*who, "busctl", f"--address={self.address}", *args], timeout=timeout)

    def get(self, path, iface, prop, name=NAME):
        r = self.busctl("get-property", name, path, iface, prop)
        assert r.ok, r
        m = re.fullmatch(r's "(.*)"\s*', r.out)
        assert m, r
        return m.group(1)

    def set(self, path, iface, prop, value, name=NAME):
        return self.busctl("set-property", name, path, iface, prop, "s", value)

    def gdbus_set(self, path, iface, prop, gvariant, name=NAME):
        """Properties.Set through gdbus: its error output names the D-Bus
        error ("GDBus.Error:org.freedesktop.DBus.Error.AccessDenied: ...")."""
        return run(["gdbus", "call", "--address", self.address, "--dest", name,
                    "--object-path", path, "--method", "org.freedesktop.DBus.Properties.Set",
                    iface, prop, gvariant], timeout=10)

    def wait_for(self, path, iface, prop, want, name=NAME, deadline=POWER_DEADLINE):
        t_end, seen = time.monotonic() + deadline, []
        while True:
            r = self.busctl("get-property", name, path, iface, prop)
            seen.append(r.out.strip() if r.ok else r.err.strip())
            if r.ok and f'"{want}"' in r.out:
                return
            if time.monotonic() >= t_end:
                pytest.fail(f"{prop} never became {want} within {deadline}s; seen: {seen}",
                            pytrace=False)
            time.sleep(0.2)


class Monitor:
    """gdbus monitor on one object: the signals it prints, read as they come."""

    def __init__(self, bus, path, name=NAME):
        self.proc = subprocess.Popen(
            ["gdbus", "monitor", "--address", bus.address, "--dest", name,
             "--object-path", path],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.fd = self.proc.stdout.fileno()
        self.lines, self.seen, self.buf = [], 0, b""
        # It says whom the name belongs to once its match is in place.
        assert self.until(lambda ln: "is owned by" in ln), self.lines

    def until(self, pred, deadline=POWER_DEADLINE):
        """Lines read until one satisfies pred (true), or the deadline.
        Raw reads: a buffered readline would hide lines from select."""
        t_end = time.monotonic() + deadline
        while True:
            # Lines after the last match, each looked at once.
            while self.seen < len(self.lines):
                self.seen += 1
                if pred(self.lines[self.seen - 1]):
                    return True
            if time.monotonic() >= t_end:
                return False
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return False
                self.buf += chunk
                *done, self.buf = self.buf.split(b"\n")
                self.lines += [ln.decode(errors="replace") for ln in done]

    def close(self):
        self.proc.terminate()
        self.proc.wait(5)
        self.proc.stdout.close()


@pytest.fixture
def bus():
    b = Bus().start()
    yield b
    b.close()


def on_bus(bmc_factory, tmp_path, bus, dbus_section=None):
    board = load_board()
    if dbus_section is not None:
        board["dbus"] = dbus_section
    return bmc_factory(board=write_board(tmp_path, board),
                       extra_args=["--bus", bus.address])


def test_power_on_through_requested_host_transition(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert bus.get(HOST_PATH, HOST_IFACE, "CurrentHostState") == HOST_STATE + "Off"
    assert bus.get(HOST_PATH, HOST_IFACE, "RequestedHostTransition") == HOST_T + "Off"
    mon = Monitor(bus, HOST_PATH)
    try:
        r = bus.set(HOST_PATH, HOST_IFACE, "RequestedHostTransition", HOST_T + "On")
        assert r.ok, r
        b.wait_power("on")
        bus.wait_for(HOST_PATH, HOST_IFACE, "CurrentHostState", HOST_STATE + "Running")
        # The change was signalled, with its value.
        assert mon.until(lambda ln: "PropertiesChanged" in ln and "CurrentHostState" in ln
                         and HOST_STATE + "Running" in ln), mon.lines
    finally:
        mon.close()
    assert bus.get(HOST_PATH, HOST_IFACE, "RequestedHostTransition") == HOST_T + "On"
    assert bus.get(CHASSIS_PATH, CHASSIS_IFACE, "CurrentPowerState") == \
        CHASSIS_IFACE + ".PowerState.On"
    # The same state machine as Chassis Control: IPMI sees a command's start.
    r = b.ipmitool("chassis", "restart_cause")
    assert r.ok and "chassis power control command" in r.out, r
    # Reset while on is possible: accepted, and the host stays on.
    r = bus.set(CHASSIS_PATH, CHASSIS_IFACE, "RequestedPowerTransition", CHASSIS_T + "Reset")
    assert r.ok, r
    assert bus.get(CHASSIS_PATH, CHASSIS_IFACE, "RequestedPowerTransition") == CHASSIS_T + "Reset"


def test_chassis_off_and_object_manager(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    bus.wait_for(CHASSIS_PATH, CHASSIS_IFACE, "CurrentPowerState", CHASSIS_IFACE + ".PowerState.On")
    r = bus.set(CHASSIS_PATH, CHASSIS_IFACE, "RequestedPowerTransition", CHASSIS_T + "Off")
    assert r.ok, r
    b.wait_power("off")
    bus.wait_for(CHASSIS_PATH, CHASSIS_IFACE, "CurrentPowerState", CHASSIS_IFACE + ".PowerState.Off")
    bus.wait_for(HOST_PATH, HOST_IFACE, "CurrentHostState", HOST_STATE + "Off")
    # Both objects, with their properties, from the root's ObjectManager.
    r = bus.busctl("call", NAME, "/xyz/openbmc_project", "org.freedesktop.DBus.ObjectManager",
                   "GetManagedObjects")
    assert r.ok, r
    for s in (HOST_PATH, CHASSIS_PATH, BMC_PATH, HOST_IFACE, CHASSIS_IFACE, "CurrentHostState",
              "RequestedPowerTransition", CHASSIS_T + "Off"):
        assert s in r.out, r
    r = bus.busctl("tree", NAME)
    assert r.ok and HOST_PATH in r.out and CHASSIS_PATH in r.out, r


def test_bad_writes_are_refused_and_change_nothing(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    bad = HOST_T + "Sideways"
    r = bus.gdbus_set(HOST_PATH, HOST_IFACE, "RequestedHostTransition", f"<'{bad}'>")
    assert not r.ok and "org.freedesktop.DBus.Error.InvalidArgs" in r.text and bad in r.text, r
    # A chassis value is not a host value.
    r = bus.set(HOST_PATH, HOST_IFACE, "RequestedHostTransition", CHASSIS_T + "On")
    assert not r.ok and CHASSIS_T + "On" in r.text, r
    # Wrong type, read-only property.
    r = bus.busctl("set-property", NAME, HOST_PATH, HOST_IFACE, "RequestedHostTransition", "i", "1")
    assert not r.ok, r
    r = bus.gdbus_set(HOST_PATH, HOST_IFACE, "CurrentHostState", f"<'{HOST_STATE}Running'>")
    assert not r.ok and "org.freedesktop.DBus.Error.PropertyReadOnly" in r.text, r
    # Reset while off: the state machine says no, as Chassis Control does.
    r = bus.gdbus_set(HOST_PATH, HOST_IFACE, "RequestedHostTransition",
                      f"<'{HOST_T}ForceWarmReboot'>")
    assert not r.ok and "NotSupported" in r.text and "ForceWarmReboot" in r.text, r
    assert bus.get(HOST_PATH, HOST_IFACE, "RequestedHostTransition") == HOST_T + "Off"
    assert bus.get(HOST_PATH, HOST_IFACE, "CurrentHostState") == HOST_STATE + "Off"
    assert b.power_status()[0] == "off"


def test_read_only_board_and_its_name(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus, {"read_only": True, "name": "org.example.Bmc"})
    r = bus.gdbus_set(HOST_PATH, HOST_IFACE, "RequestedHostTransition", f"<'{HOST_T}On'>",
                      name="org.example.Bmc")
    assert not r.ok and "org.freedesktop.DBus.Error.AccessDenied" in r.text, r
    r = bus.gdbus_set(CHASSIS_PATH, CHASSIS_IFACE, "RequestedPowerTransition",
                      f"<'{CHASSIS_T}On'>", name="org.example.Bmc")
    assert not r.ok and "org.freedesktop.DBus.Error.AccessDenied" in r.text, r
    r = bus.gdbus_set(BMC_PATH, BMC_IFACE, "RequestedBMCTransition", f"<'{BMC_T}Reboot'>",
                      name="org.example.Bmc")
    assert not r.ok and "org.freedesktop.DBus.Error.AccessDenied" in r.text, r
    assert b.ipmitool("event", "1").ok
    r = run(["gdbus", "call", "--address", bus.address, "--dest", "org.example.Bmc",
             "--object-path", "/xyz/openbmc_project/logging",
             "--method", "xyz.openbmc_project.Collection.DeleteAll.DeleteAll"], timeout=10)
    assert not r.ok and "org.freedesktop.DBus.Error.AccessDenied" in r.text, r
    r = ipmi_sel_add(bus, SENSOR_PATH, [1], name="org.example.Bmc")
    assert not r.ok, r
    assert len(b.ipmitool("sel", "list").out.strip().splitlines()) == 1
    r = bus.gdbus_set(BOOT, SOURCE_IFACE, "BootSource", f"<'{SRC}Disk'>", name="org.example.Bmc")
    assert not r.ok and "org.freedesktop.DBus.Error.AccessDenied" in r.text, r
    # Still readable, under the board's name and not the default one.
    assert bus.get(HOST_PATH, HOST_IFACE, "CurrentHostState", name="org.example.Bmc") == \
        HOST_STATE + "Off"
    assert not bus.busctl("get-property", NAME, HOST_PATH, HOST_IFACE, "CurrentHostState").ok
    assert b.power_status()[0] == "off"


def test_unreachable_bus_is_not_fatal(bmc_factory, tmp_path):
    d = tempfile.mkdtemp(prefix="bmcd-nobus-", dir="/tmp")
    try:
        b = bmc_factory(extra_args=["--bus", f"unix:path={d}/none"])
        assert b.ipmitool("chassis", "power", "on").ok
        b.wait_power("on")
        assert b.stderr().count("dbus: cannot reach") == 1, b.stderr_tail()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_bus_going_away_and_coming_back(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert bus.get(HOST_PATH, HOST_IFACE, "CurrentHostState") == HOST_STATE + "Off"
    bus.stop()
    # IPMI carries on without the bus.
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    t_end = time.monotonic() + POWER_DEADLINE
    while "dbus: lost the connection" not in b.stderr() and time.monotonic() < t_end:
        time.sleep(0.2)
    assert "dbus: lost the connection" in b.stderr(), b.stderr_tail()
    # A new bus daemon at the same address: bmcd comes back on it, with
    # the state IPMI changed meanwhile.
    bus.start()
    bus.wait_for(HOST_PATH, HOST_IFACE, "CurrentHostState", HOST_STATE + "Running",
                 deadline=POWER_DEADLINE)
    assert b.power_status()[0] == "on"


def test_second_bmcd_queues_for_the_name(bmc_factory, tmp_path, bus):
    first = on_bus(bmc_factory, tmp_path, bus)
    second = bmc_factory(extra_args=["--bus", bus.address])
    assert second.ipmitool("chassis", "power", "on").ok
    second.wait_power("on")
    # The name is the first's, whose host is still off.
    assert bus.get(HOST_PATH, HOST_IFACE, "CurrentHostState") == HOST_STATE + "Off"
    assert "is owned by another connection" in second.stderr(), second.stderr_tail()
    # When the first goes, the second, queued, owns the name.
    first.stop_and_check()
    bus.wait_for(HOST_PATH, HOST_IFACE, "CurrentHostState", HOST_STATE + "Running")


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="runs clients as another user: needs root and setpriv")
def test_policy_file_lets_only_root_write(bmc_factory, tmp_path):
    bus = Bus(system_like=True).start()
    try:
        b = on_bus(bmc_factory, tmp_path, bus)
        t_end = time.monotonic() + POWER_DEADLINE
        while "dbus: owns" not in b.stderr() and time.monotonic() < t_end:
            time.sleep(0.1)
        assert "dbus: owns " + NAME in b.stderr(), b.stderr_tail()
        nobody = 65534
        # Anyone reads.
        r = bus.busctl("get-property", NAME, HOST_PATH, HOST_IFACE, "CurrentHostState", uid=nobody)
        assert r.ok and HOST_STATE + "Off" in r.out, r
        # Only root writes; the refused write changed nothing.
        r = bus.busctl("set-property", NAME, HOST_PATH, HOST_IFACE, "RequestedHostTransition",
                       "s", HOST_T + "On", uid=nobody)
        assert not r.ok and ("Access denied" in r.text or "AccessDenied" in r.text), r
        assert b.power_status()[0] == "off"
        assert bus.set(HOST_PATH, HOST_IFACE, "RequestedHostTransition", HOST_T + "On").ok
        b.wait_power("on")
        # Nobody else may own the name.
        r = run(["setpriv", f"--reuid={nobody}", f"--regid={nobody}", "--clear-groups",
                 "gdbus", "call", "--address", bus.address, "--dest", "org.freedesktop.DBus",
                 "--object-path", "/org/freedesktop/DBus", "--method",
                 "org.freedesktop.DBus.RequestName", NAME, "4"], timeout=10)
        assert not r.ok and "AccessDenied" in r.text, r
    finally:
        bus.close()


def test_bmc_reboot_is_a_cold_reset(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert bus.get(BMC_PATH, BMC_IFACE, "CurrentBMCState") == BMC_IFACE + ".BMCState.Ready"
    assert bus.get(BMC_PATH, BMC_IFACE, "RequestedBMCTransition") == BMC_T + "None"
    r = bus.gdbus_set(BMC_PATH, BMC_IFACE, "RequestedBMCTransition", f"<'{BMC_T}HardReboot'>")
    assert not r.ok and "NotSupported" in r.text and "HardReboot" in r.text, r
    r = bus.gdbus_set(BMC_PATH, BMC_IFACE, "RequestedBMCTransition", f"<'{BMC_T}Sideways'>")
    assert not r.ok and "InvalidArgs" in r.text and BMC_T + "Sideways" in r.text, r
    assert "cold reset" not in b.stderr()
    assert bus.set(BMC_PATH, BMC_IFACE, "RequestedBMCTransition", BMC_T + "Reboot").ok
    assert bus.get(BMC_PATH, BMC_IFACE, "RequestedBMCTransition") == BMC_T + "Reboot"
    t_end = time.monotonic() + POWER_DEADLINE
    while "cold reset" not in b.stderr() and time.monotonic() < t_end:
        time.sleep(0.1)
    assert "cold reset" in b.stderr(), b.stderr_tail()
    # The BMC answers after it, and is still on the bus.
    assert b.ipmitool("mc", "info").ok
    assert bus.get(HOST_PATH, HOST_IFACE, "CurrentHostState") == HOST_STATE + "Off"


SENSOR_PATH = "/xyz/openbmc_project/sensors/temperature/Inlet_Temp"
VALUE_IFACE = "xyz.openbmc_project.Sensor.Value"


def dbus_number(bus, path, prop):
    r = bus.busctl("get-property", NAME, path, VALUE_IFACE, prop)
    assert r.ok and r.out.startswith("d "), r
    return float(r.out.split()[1])


def test_sensor_value_follows_the_sim_as_ipmi_sees_it(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    r = bus.busctl("get-property", NAME, SENSOR_PATH, VALUE_IFACE, "Unit")
    assert r.ok and VALUE_IFACE + ".Unit.DegreesC" in r.out, r
    assert dbus_number(bus, SENSOR_PATH, "MinValue") < dbus_number(bus, SENSOR_PATH, "MaxValue")
    mon = Monitor(bus, SENSOR_PATH)
    try:
        # The sim board reads <state>/sim/<sensor name> at each poll.
        sim = b.state_dir / "sim"
        sim.mkdir(exist_ok=True)
        (sim / "tmp").write_text("33\n")
        os.replace(sim / "tmp", sim / "Inlet Temp")
        assert mon.until(lambda ln: "PropertiesChanged" in ln and "'Value': <33" in ln), mon.lines
    finally:
        mon.close()
    r = b.ipmitool("sensor", "get", "Inlet Temp")
    m = re.search(r"Sensor Reading\s*:\s*(-?[0-9.]+)", r.out)
    assert r.ok and m, r
    assert float(m.group(1)) == dbus_number(bus, SENSOR_PATH, "Value") == 33.0
    # Every threshold sensor of the board, by its OpenBMC type.
    r = bus.busctl("tree", NAME)
    for p in ("fan_tach/FAN1", "voltage/P12V", "temperature/CPU0_Temp", "power/PSU1_Input_Power"):
        assert "/xyz/openbmc_project/sensors/" + p in r.out, r


WARNING_IFACE = "xyz.openbmc_project.Sensor.Threshold.Warning"
CRITICAL_IFACE = "xyz.openbmc_project.Sensor.Threshold.Critical"


def set_sim(b, name, value):
    sim = b.state_dir / "sim"
    sim.mkdir(exist_ok=True)
    (sim / "tmp").write_text(f"{value}\n")
    os.replace(sim / "tmp", sim / name)


def prop(bus, path, iface, name):
    r = bus.busctl("get-property", NAME, path, iface, name)
    assert r.ok, r
    kind, value = r.out.split()
    return value == "true" if kind == "b" else float(value)


def test_threshold_alarms_flip_when_the_sim_crosses(bmc_factory, tmp_path, bus):
    """Inlet Temp on the sim board: lnc 5, unc 35, lc 0, uc 40."""
    b = on_bus(bmc_factory, tmp_path, bus)
    assert prop(bus, SENSOR_PATH, WARNING_IFACE, "WarningHigh") == 35.0
    assert prop(bus, SENSOR_PATH, WARNING_IFACE, "WarningLow") == 5.0
    assert prop(bus, SENSOR_PATH, CRITICAL_IFACE, "CriticalHigh") == 40.0
    assert not prop(bus, SENSOR_PATH, WARNING_IFACE, "WarningAlarmHigh")
    mon = Monitor(bus, SENSOR_PATH)
    try:
        set_sim(b, "Inlet Temp", 37)
        assert mon.until(lambda ln: "WarningAlarmHigh': <true>" in ln), mon.lines
        assert not prop(bus, SENSOR_PATH, CRITICAL_IFACE, "CriticalAlarmHigh")
        r = b.ipmitool("sensor", "get", "Inlet Temp")
        assert r.ok and "Upper Non-Critical" in r.out, r
        set_sim(b, "Inlet Temp", 42)
        assert mon.until(lambda ln: "CriticalAlarmHigh': <true>" in ln), mon.lines
        set_sim(b, "Inlet Temp", 20)
        assert mon.until(lambda ln: "WarningAlarmHigh': <false>" in ln), mon.lines
    finally:
        mon.close()
    # FAN1 has low thresholds only: no high one, and no Critical high alarm.
    fan = "/xyz/openbmc_project/sensors/fan_tach/FAN1"
    r = bus.busctl("get-property", NAME, fan, WARNING_IFACE, "WarningHigh")
    assert r.ok and "nan" in r.out.lower(), r
    assert prop(bus, fan, WARNING_IFACE, "WarningLow") == 800.0


ENTRY = "/xyz/openbmc_project/logging/entry/"
ENTRY_IFACE = "xyz.openbmc_project.Logging.Entry"


def sel_ids(b):
    r = b.ipmitool("sel", "list")
    assert r.ok, r
    return [int(ln.split("|")[0], 16) for ln in r.out.splitlines() if "|" in ln]


def test_sel_entries_as_log_entries(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    mon = Monitor(bus, "/xyz/openbmc_project")
    try:
        assert b.ipmitool("event", "1").ok     # temperature 30h, upper critical
        assert b.ipmitool("event", "2").ok
        ids = sel_ids(b)
        assert len(ids) == 2, ids
        for i in ids:
            assert mon.until(lambda ln: "InterfacesAdded" in ln and f"{ENTRY}{i}'" in ln
                             and ENTRY_IFACE in ln), mon.lines
        r = bus.busctl("get-property", NAME, f"{ENTRY}{ids[0]}", ENTRY_IFACE, "Message")
        assert r.ok and "sensor type 01h, sensor 30h" in r.out, r
        r = bus.busctl("get-property", NAME, f"{ENTRY}{ids[0]}", ENTRY_IFACE, "Id")
        assert r.ok and r.out.split() == ["u", str(ids[0])], r
        # Deleting the object deletes the record.
        r = bus.busctl("call", NAME, f"{ENTRY}{ids[0]}", "xyz.openbmc_project.Object.Delete",
                       "Delete")
        assert r.ok, r
        assert sel_ids(b) == ids[1:]
        assert mon.until(lambda ln: "InterfacesRemoved" in ln and f"{ENTRY}{ids[0]}'" in ln), \
            mon.lines
        r = bus.busctl("call", NAME, f"{ENTRY}{ids[0]}", "xyz.openbmc_project.Object.Delete",
                       "Delete")
        assert not r.ok, r
        assert not bus.busctl("get-property", NAME, f"{ENTRY}{ids[0]}", ENTRY_IFACE, "Id").ok
        # DeleteAll is Clear SEL: only its own "log area cleared" record stays.
        r = bus.busctl("call", NAME, "/xyz/openbmc_project/logging",
                       "xyz.openbmc_project.Collection.DeleteAll", "DeleteAll")
        assert r.ok, r
        r = b.ipmitool("sel", "list")
        assert r.ok and len(r.out.strip().splitlines()) == 1 and "cleared" in r.out, r
        left = sel_ids(b)
        r = bus.busctl("tree", NAME)
        assert r.ok and f"{ENTRY}{left[0]}" in r.out and f"{ENTRY}{ids[1]}" not in r.out, r
    finally:
        mon.close()


def ipmi_sel_add(bus, path, data, asserted=True, gen=0x20, name=NAME):
    return bus.busctl("call", name, "/xyz/openbmc_project/Logging/IPMI",
                      "xyz.openbmc_project.Logging.IPMI", "IpmiSelAdd", "soaybq",
                      "from a test", path, str(len(data)), *[str(x) for x in data],
                      "true" if asserted else "false", str(gen))


def test_ipmi_sel_add_logs_an_event(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    r = ipmi_sel_add(bus, SENSOR_PATH, [0x09, 0xFF, 0xFF])   # upper critical going high
    assert r.ok and r.out.split()[0] == "q", r
    rid = int(r.out.split()[1])
    r = b.ipmitool("sel", "list")
    assert r.ok, r
    line = [ln for ln in r.out.splitlines() if int(ln.split("|")[0], 16) == rid]
    assert line and "Temperature" in line[0] and "Upper Critical going high" in line[0] \
        and "Asserted" in line[0], r
    r = bus.busctl("get-property", NAME, f"{ENTRY}{rid}", ENTRY_IFACE, "Message")
    assert r.ok and "generator 0020h, sensor type 01h" in r.out, r
    # Refused whole: not a sensor of bmcd's, too much event data.
    r = ipmi_sel_add(bus, "/xyz/openbmc_project/sensors/temperature/Nowhere", [1])
    assert not r.ok and "Nowhere" in r.text, r
    r = ipmi_sel_add(bus, SENSOR_PATH, [1, 2, 3, 4])
    assert not r.ok and "4 bytes" in r.text, r
    assert sel_ids(b) == [rid]


def test_ipmi_sel_add_goes_through_pef(bmc_factory, tmp_path, bus):
    """A PEF power-down filter acts on an event logged over D-Bus."""
    b = on_bus(bmc_factory, tmp_path, bus)
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    # Filter 7 (as test_pef.py's): power down on a temperature's upper
    # non-recoverable going high, from the BMC (generator 20h).
    entry = [0x80, 0x02, 0x00, 0x20, 0xFF, 0xFF, 0x01, 0xFF, 0x01, 0x00, 0x08,
             0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert b.ipmitool("raw", "0x04", "0x12", "0x06", "0x07",
                      *[f"0x{x:02x}" for x in entry]).ok
    r = ipmi_sel_add(bus, SENSOR_PATH, [0x0B, 0xFF, 0xFF], gen=0x20)
    assert r.ok, r
    b.wait_power("off", deadline=15)
    assert "pef: power down" in b.stderr()


WDT_PATH = "/xyz/openbmc_project/watchdog/host0"
WDT_IFACE = "xyz.openbmc_project.State.Watchdog"


def wdt(bus, name):
    r = bus.busctl("get-property", NAME, WDT_PATH, WDT_IFACE, name)
    assert r.ok, r
    kind, value = r.out.split(None, 1)
    return {"b": lambda v: v.strip() == "true", "t": int, "s": lambda v: v.strip().strip('"')}[kind](value)


def test_watchdog_as_ipmi_set_it(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert not wdt(bus, "Enabled") and not wdt(bus, "Initialized")
    mon = Monitor(bus, WDT_PATH)
    try:
        # Set Watchdog Timer: SMS/OS, hard reset, 60.0 s; then Reset starts it.
        assert b.ipmitool("raw", "0x06", "0x24", "0x04", "0x01", "0x00", "0x10",
                          "0x58", "0x02").ok
        assert b.ipmitool("raw", "0x06", "0x22").ok
        assert mon.until(lambda ln: "'Enabled': <true>" in ln), mon.lines
    finally:
        mon.close()
    assert wdt(bus, "Initialized")
    assert wdt(bus, "Interval") == 60000
    assert 0 < wdt(bus, "TimeRemaining") <= 60000
    assert wdt(bus, "ExpireAction") == WDT_IFACE + ".Action.HardReset"
    assert wdt(bus, "CurrentTimerUse") == WDT_IFACE + ".TimerUse.SMSOS"
    # Read-only: IPMI sets it.
    r = bus.gdbus_set(WDT_PATH, WDT_IFACE, "Enabled", "<false>")
    assert not r.ok and "PropertyReadOnly" in r.text, r
    assert b.ipmitool("mc", "watchdog", "off").ok
    t_end = time.monotonic() + POWER_DEADLINE
    while wdt(bus, "Enabled") and time.monotonic() < t_end:
        time.sleep(0.2)
    assert not wdt(bus, "Enabled")


BOOT = "/xyz/openbmc_project/control/host0/boot"
SOURCE_IFACE = "xyz.openbmc_project.Control.Boot.Source"
MODE_IFACE = "xyz.openbmc_project.Control.Boot.Mode"
SRC = SOURCE_IFACE + ".Sources."


def bootparam(b):
    r = b.ipmitool("chassis", "bootparam", "get", "5")
    assert r.ok, r
    return r.out


def test_boot_source_and_mode_share_ipmis_boot_flags(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    assert bus.get(BOOT, SOURCE_IFACE, "BootSource") == SRC + "Default"
    # IPMI sets a next-boot device: the one_time object shows it.
    assert b.ipmitool("chassis", "bootdev", "pxe").ok
    bus.wait_for(BOOT + "/one_time", SOURCE_IFACE, "BootSource", SRC + "Network")
    r = bus.busctl("get-property", NAME, BOOT + "/one_time", "xyz.openbmc_project.Object.Enable",
                   "Enabled")
    assert r.ok and r.out.split() == ["b", "true"], r
    assert bus.get(BOOT, SOURCE_IFACE, "BootSource") == SRC + "Default"
    # D-Bus sets a persistent one: IPMI reads it back.
    assert bus.set(BOOT, SOURCE_IFACE, "BootSource", SRC + "Disk").ok
    out = bootparam(b)
    assert "Boot Flag Valid" in out and "all future boots" in out and "Hard-Drive" in out, out
    assert bus.get(BOOT + "/one_time", SOURCE_IFACE, "BootSource") == SRC + "Default"
    # Next boot into the BIOS setup.
    assert bus.set(BOOT + "/one_time", MODE_IFACE, "BootMode", MODE_IFACE + ".Modes.Setup").ok
    out = bootparam(b)
    assert "only next boot" in out and "BIOS Setup" in out, out
    # A bad value changes nothing.
    r = bus.gdbus_set(BOOT, SOURCE_IFACE, "BootSource", f"<'{SRC}Moon'>")
    assert not r.ok and "InvalidArgs" in r.text and "Moon" in r.text, r
    assert bootparam(b) == out
    # Enabled false clears the next-boot flags.
    r = bus.gdbus_set(BOOT + "/one_time", "xyz.openbmc_project.Object.Enable", "Enabled", "<false>")
    assert r.ok, r
    assert "Boot Flag Invalid" in bootparam(b)
    assert bus.get(BOOT + "/one_time", MODE_IFACE, "BootMode") == MODE_IFACE + ".Modes.Regular"


USER = "/xyz/openbmc_project/user/"
USER_IFACE = "xyz.openbmc_project.User.Attributes"


def test_users_as_ipmi_has_them(bmc_factory, tmp_path, bus):
    b = on_bus(bmc_factory, tmp_path, bus)
    for name, priv in (("admin", "priv-admin"), ("operator", "priv-operator"), ("user", "priv-user")):
        assert bus.get(USER + name, USER_IFACE, "UserPrivilege") == priv
    r = bus.busctl("get-property", NAME, USER + "admin", USER_IFACE, "UserGroups")
    assert r.ok and '"ipmi"' in r.out, r
    mon = Monitor(bus, "/xyz/openbmc_project")
    try:
        assert b.ipmitool("user", "set", "name", "6", "alice").ok
        assert mon.until(lambda ln: "InterfacesAdded" in ln and USER + "alice" in ln), mon.lines
    finally:
        mon.close()
    mon = Monitor(bus, USER + "user")
    try:
        assert b.ipmitool("user", "priv", "4", "3", "1").ok      # operator on channel 1
        assert mon.until(lambda ln: "'UserPrivilege': <'priv-operator'>" in ln), mon.lines
        assert b.ipmitool("user", "disable", "4").ok
        assert mon.until(lambda ln: "'UserEnabled': <false>" in ln), mon.lines
    finally:
        mon.close()
    r = bus.gdbus_set(USER + "admin", USER_IFACE, "UserEnabled", "<false>")
    assert not r.ok and "PropertyReadOnly" in r.text, r
    # No password anywhere in what D-Bus shows.
    r = bus.busctl("call", NAME, "/xyz/openbmc_project", "org.freedesktop.DBus.ObjectManager",
                   "GetManagedObjects")
    assert r.ok and USER + "alice" in r.out and '"password"' not in r.out, r


def test_check_config_dbus_section(tmp_path):
    from conftest import BMCD
    board = load_board(SIM_BOARD)
    board["dbus"] = {"bus": "nowhere", "name": "bmcd", "read_only": "yes", "extra": 1}
    r = run([BMCD, "--board", write_board(tmp_path, board), "--check-config"], timeout=10)
    assert r.rc != 0, r
    for key in ("dbus.bus", "dbus.name", "dbus.read_only", "dbus.extra"):
        assert key in r.out, r
