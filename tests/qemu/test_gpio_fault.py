"""The GPIO chip vanishing under bmcd (issue 23, "Hardware faults";
docs/qemu.md).

The host's power lines are a gpio-sim chip ("host-control", made by the
image's /etc/gpio-lines).  Unbinding its platform device from the gpio-sim
driver removes the chip while bmcd holds its lines, as an unbound driver or
a GPIO expander falling off its bus would; binding it again makes a new
gpiochip device (another number, the same label and line names).  bmcd must
then say the host's power is unknown (Get Chassis Status and Chassis Control
answer D5h, "not supported in present state", never a stale "on" or "off"),
log it once, keep everything else answering, and find the lines again by
name when the chip is back, with the power state read from the new chip.
/etc/host-power, the host model, keeps the host powered meanwhile and drives
its levels again on the new chip.
"""

import re
import socket
import time

from conftest import PASSWORD, USER, run
from rmcpclient import Console, RmcpError  # tests/interop/, on the path through conftest

DRIVER = "/sys/bus/platform/drivers/gpio-sim"
GONE = r"gpio host: \w+ line \"\w+\" on gpiochip\d+ \"host-control\" failed, " \
       r"the GPIO lines are gone; host power is unknown until they are back: No such device"
BACK = r"gpio host: the GPIO lines are back on (gpiochip\d+) \"host-control\": power good 1"
NOT_IN_STATE = "Command not supported in present state"
PROBE_N = 100           # Get Device ID requests per latency sample
PROBE_TIMEOUT = 2.0


def power_is(bmc, state):
    return f"Chassis Power is {state}" in bmc.ipmitool("chassis", "power", "status")


def pid_of_bmcd(bmc):
    # the console carries kernel messages too: the answer is marked
    out = bmc.shell("echo PID=$(pidof bmcd)=")
    m = re.search(r"PID=(\d+)=", out)
    assert m, out
    return m.group(1)


def bmc_ipmitool_fails(bmc, *args):
    """ipmitool expected to fail: (exit status, stdout, stderr)."""
    argv = ["ipmitool", "-I", "lanplus", "-C", "17", "-H", bmc.addr, "-p", bmc.port,
            "-U", USER, "-P", PASSWORD, "-N", "5", "-R", "3", *args]
    rc, out, err = run(argv)
    assert rc not in (0, None), (rc, out, err)
    return rc, out, err


def session(bmc):
    """An RMCP+ session (suite 17, admin) with the BMC's forwarded port."""
    c = Console(bmc.port, timeout=PROBE_TIMEOUT)
    c.sock.close()                      # connected to 127.0.0.1: move it to the BMC's address
    c.addr = (bmc.addr, bmc.port)
    c.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.sock.settimeout(PROBE_TIMEOUT)
    c.sock.connect(c.addr)
    return c.open()


def mc_info_p99(c, n=PROBE_N):
    """p99 of n Get Device ID round trips in session c, in ms; every one
    must be answered within PROBE_TIMEOUT."""
    lat = []
    for _ in range(n):
        t0 = time.monotonic()
        try:
            cc, _ = c.request(0x06, 0x01, timeout=PROBE_TIMEOUT, tries=1)
        except RmcpError:
            raise AssertionError(f"Get Device ID unanswered within {PROBE_TIMEOUT} s") from None
        assert cc == 0, hex(cc)
        lat.append(time.monotonic() - t0)
    lat.sort()
    return 1000 * lat[min(n - 1, int(0.99 * n))]


def test_gpio_chip_unbound_and_bound_again(bmc):
    pid = pid_of_bmcd(bmc)
    out = bmc.shell(f"echo DEV=$(ls {DRIVER} | grep gpio-sim)=")
    m = re.search(r"DEV=(gpio-sim\.\d+)=", out)
    assert m, out
    dev = m.group(1)
    assert power_is(bmc, "off")
    # set-up, not the test: the host model polls the button every 50 ms and
    # has once missed the 200 ms press on a loaded machine (bmcd then times
    # out waiting for power good, and is off again): one more press then
    for _ in range(2):
        bmc.ipmitool("chassis", "power", "on")
        if bmc.poll(lambda: power_is(bmc, "on"), timeout=8):
            break
    assert power_is(bmc, "on"), bmc.console()[-3000:]
    c = session(bmc)
    before = mc_info_p99(c)

    # the chip goes away: bmcd notices within its one-second watch, without
    # a client asking
    mark = len(bmc.console())
    bmc.shell(f"echo {dev} >{DRIVER}/unbind")
    bmc.wait_console(GONE, after=mark, timeout=10)
    bmc.wait_console(r"host-power: GPIO chip gone; host power stays on", after=mark)

    # unknown, not the last level seen; Chassis Control refused at once
    rc, out, err = bmc_ipmitool_fails(bmc, "chassis", "power", "status")
    assert NOT_IN_STATE in err, (rc, out, err)
    t0 = time.monotonic()
    rc, out, err = bmc_ipmitool_fails(bmc, "chassis", "power", "off")
    assert NOT_IN_STATE in err, (rc, out, err)
    assert time.monotonic() - t0 < 5, "Chassis Control was not refused promptly"
    rc, out, err = bmc_ipmitool_fails(bmc, "chassis", "status")
    assert NOT_IN_STATE in err, (rc, out, err)

    # everything else answers as before: the LAN, the sensors, the SEL
    during = mc_info_p99(c)
    c.close()
    print(f"\n[gpio fault] mc info p99 {before:.1f} ms without the fault, {during:.1f} ms during it")
    sdr = bmc.ipmitool("sdr", "elist")
    assert re.search(r"Inlet Temp .*\| ok .*degrees C", sdr), sdr
    assert re.search(r"Ambient Temp .*\| ok .*degrees C", sdr), sdr
    assert "Entries" in bmc.ipmitool("sel", "info")

    # logged once, however often it is asked and however long it lasts
    time.sleep(2)
    assert len(re.findall(GONE, bmc.console()[mark:])) == 1, bmc.console()[mark:][-3000:]

    # the chip back, as a new gpiochip: the lines are found again by name
    mark = len(bmc.console())
    bmc.shell(f"echo {dev} >{DRIVER}/bind")
    m = bmc.wait_console(BACK, after=mark, timeout=15)
    bmc.wait_console(rf"host-power: GPIO chip back as {m.group(1)}", after=mark)
    assert bmc.poll(lambda: power_is(bmc, "on")), bmc.console()[mark:][-3000:]
    assert "System Power         : on" in bmc.ipmitool("chassis", "status")
    # driving the new chip: a forced off reaches the host model
    bmc.ipmitool("chassis", "power", "off")
    bmc.wait_console(r"host-power: power button held \d+ ms: forced off", after=mark)
    assert bmc.poll(lambda: power_is(bmc, "off")), bmc.console()[mark:][-3000:]
    time.sleep(1.5)
    text = bmc.console()[mark:]
    assert len(re.findall(BACK, text)) == 1, text[-3000:]
    assert not re.search(GONE, text), text[-3000:]
    assert pid_of_bmcd(bmc) == pid, "bmcd restarted"
