"""bmcd on the emulated BMC's system bus (issue 19, docs/qemu.md).

The image's /init starts Debian's armhf dbus-daemon with the image's
system bus configuration and bmcd's policy file before bmcd, and bmcd,
given no --bus, connects to the system bus because its socket is there
(docs/dbus.md).  The tests ask from inside the BMC, with dbus-send on the
console shell: who owns xyz.openbmc_project.bmcd (bmcd's own process), what
GetManagedObjects lists, and a sensor's Value as a temperature set over QMP
moves it, against ipmitool's reading of the same sensor over the LAN.
"""

import re

NAME = "xyz.openbmc_project.bmcd"
AMBIENT = "/xyz/openbmc_project/sensors/temperature/Ambient_Temp"
TMP = "/machine/peripheral/tmp-ambient"          # its tmp105 in QEMU


def dbus_send(bmc, dest, path, method, *args, timeout=20, grep=None):
    """dbus-send's reply; with grep, only the lines holding it (and the
    "method return" line): the console is a 115200 baud serial line."""
    cmd = f"dbus-send --system --print-reply --dest={dest} {path} {method} " + " ".join(args)
    if grep:
        cmd += f" 2>&1 | grep -e 'method return' -e '{grep}'"
    out = bmc.shell(cmd + " 2>&1", timeout)
    assert "method return" in out, out
    return out


def bus_value(bmc, path, interface, prop):
    out = dbus_send(bmc, NAME, path, "org.freedesktop.DBus.Properties.Get",
                    f"string:{interface}", f"string:{prop}")
    m = re.search(r"variant\s+(\w+) (.*)", out)
    assert m, out
    return m.group(1), m.group(2).strip()


def ipmi_reading(bmc, name):
    out = bmc.ipmitool("sdr", "get", name)
    m = re.search(r"Sensor Reading\s*:\s*(-?[\d.]+)", out)
    return float(m.group(1)) if m else None


def set_temp(bmc, path, celsius):
    bmc.qmp.execute("qom-set", path=path, property="temperature", value=int(celsius * 1000))


def test_bmcd_owns_its_name_on_the_system_bus(bmc):
    bmc.wait_console(r"dbus: connected to system")
    bmc.wait_console(rf"dbus: owns {re.escape(NAME)}")
    out = bmc.shell("dbus-send --system --print-reply --dest=org.freedesktop.DBus "
                    "/org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID "
                    f"string:{NAME} 2>&1; echo pids: $(pidof bmcd)")
    m = re.search(r"uint32 (\d+)", out)
    pids = re.search(r"pids: ([\d ]+)", out)
    assert m and pids, out
    assert m.group(1) in pids.group(1).split(), out


def test_managed_objects_on_the_system_bus(bmc):
    out = dbus_send(bmc, NAME, "/xyz/openbmc_project",
                    "org.freedesktop.DBus.ObjectManager.GetManagedObjects", timeout=40,
                    grep="object path")
    paths = set(re.findall(r'object path "([^"]+)"', out))
    for p in (AMBIENT, "/xyz/openbmc_project/sensors/temperature/Inlet_Temp",
              "/xyz/openbmc_project/state/host0", "/xyz/openbmc_project/state/chassis0",
              "/xyz/openbmc_project/user/admin"):
        assert p in paths, sorted(paths)
    state = bus_value(bmc, "/xyz/openbmc_project/state/chassis0",
                      "xyz.openbmc_project.State.Chassis", "CurrentPowerState")
    ipmi = bmc.ipmitool("chassis", "power", "status")
    want = "On" if "is on" in ipmi else "Off"
    assert state == ("string", f'"xyz.openbmc_project.State.Chassis.PowerState.{want}"'), \
        (state, ipmi)


def test_sensor_value_on_the_bus_follows_qmp(bmc):
    was = bmc.qmp.execute("qom-get", path=TMP, property="temperature")
    try:
        check_follows(bmc)
    finally:
        bmc.qmp.execute("qom-set", path=TMP, property="temperature", value=was)


def check_follows(bmc):
    for celsius in (33.0, 41.0):
        set_temp(bmc, TMP, celsius)

        def value():
            typ, v = bus_value(bmc, AMBIENT, "xyz.openbmc_project.Sensor.Value", "Value")
            assert typ == "double", (typ, v)
            return abs(float(v) - celsius) < 1.5 and float(v)
        v = bmc.poll(value, timeout=30)
        assert v, bus_value(bmc, AMBIENT, "xyz.openbmc_project.Sensor.Value", "Value")
        # the same number as IPMI's reading (both through the SDR's conversion)
        assert bmc.poll(lambda: ipmi_reading(bmc, "Ambient Temp") == v, timeout=10), \
            (v, bmc.ipmitool("sdr", "get", "Ambient Temp"))


def test_bus_daemon_restarted_bmcd_reconnects(bmc):
    """/init restarts a bus daemon that exits; bmcd connects to the new one
    (its retry every 3 s) and takes its name again, and IPMI never stops."""
    mark = len(bmc.console())
    old = bmc.shell("pidof dbus-daemon").split()
    assert len(old) == 1, old
    bmc.shell(f"kill {old[0]}")
    bmc.wait_console(r"dbus-daemon exited", after=mark)
    assert "System Power" in bmc.ipmitool("chassis", "status")
    bmc.wait_console(rf"dbus: owns {re.escape(NAME)}", after=mark, timeout=30)
    new = bmc.shell("pidof dbus-daemon").split()
    assert new and new != old, (old, new)
    out = bmc.shell("dbus-send --system --print-reply --dest=org.freedesktop.DBus "
                    "/org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID "
                    f"string:{NAME} 2>&1; echo pids: $(pidof bmcd)")
    m = re.search(r"uint32 (\d+)", out)
    pids = re.search(r"pids: ([\d ]+)", out)
    assert m and pids and m.group(1) in pids.group(1).split(), out
