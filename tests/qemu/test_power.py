"""Host power control through the GPIO backend: bmcd pulses POWER_OUT (a
gpio-sim line in the image) and reads PS_PWROK back; /etc/host-power in the
image plays the host."""

import re


def power_is(bmc, state):
    return f"Chassis Power is {state}" in bmc.ipmitool("chassis", "power", "status")


def test_power_on_off_through_gpio(bmc):
    mark = len(bmc.console())
    assert power_is(bmc, "off")
    out = bmc.ipmitool("chassis", "power", "on")
    assert "Up/On" in out, out
    # the power button line moved, and power good came back through the GPIO input
    bmc.wait_console(r"host-power: power button: powering on", after=mark)
    bmc.wait_console(r"gpio host: power good 1", after=mark)
    assert bmc.poll(lambda: power_is(bmc, "on")), bmc.console()[mark:]
    bmc.wait_console(r"host-power: POST complete", after=mark)

    mark = len(bmc.console())
    out = bmc.ipmitool("chassis", "power", "off")
    assert "Down/Off" in out, out
    # a forced off is a long press: the host saw the button held
    bmc.wait_console(r"host-power: power button held \d+ ms: forced off", after=mark)
    assert bmc.poll(lambda: power_is(bmc, "off")), bmc.console()[mark:]


def test_soft_off_and_reset(bmc):
    bmc.ipmitool("chassis", "power", "on")
    assert bmc.poll(lambda: power_is(bmc, "on"))
    mark = len(bmc.console())
    bmc.ipmitool("chassis", "power", "reset")
    bmc.wait_console(r"host-power: reset", after=mark)
    mark = len(bmc.console())
    bmc.ipmitool("chassis", "power", "soft")
    bmc.wait_console(r"host-power: power button: OS shutting down", after=mark)
    assert bmc.poll(lambda: power_is(bmc, "off")), bmc.console()[mark:]


def test_identify_led_line(bmc):
    mark = len(bmc.console())
    out = bmc.ipmitool("chassis", "identify", "2")
    assert "identify interval: 2 seconds" in out, out
    bmc.wait_console(r"host-power: identify LED on", after=mark)
    bmc.wait_console(r"host-power: identify LED off", after=mark, timeout=20)
