"""Sensors from the emulated board's real kernel drivers: the lm75 at 8-004d
(QEMU backs it with a tmp105 model) and a tmp105 added at 3-0048, read by
bmcd through hwmon sysfs.  Temperatures are set from outside over QMP."""

import re

import pytest


def lm75_path(bmc):
    """QOM path of the EVB's built-in tmp105 at address 0x4d."""
    for item in bmc.qmp.execute("qom-list", path="/machine/unattached"):
        if item["type"].startswith("child<tmp105"):
            p = "/machine/unattached/" + item["name"]
            if bmc.qmp.execute("qom-get", path=p, property="address") == 0x4D:
                return p
    pytest.fail("no tmp105 at 0x4d in /machine/unattached")


def set_temp(bmc, path, celsius):
    bmc.qmp.execute("qom-set", path=path, property="temperature", value=int(celsius * 1000))


def reading(bmc, name):
    out = bmc.ipmitool("sdr", "elist")
    m = re.search(rf"^{re.escape(name)}\s*\|[^|]*\|\s*(\w+)\s*\|[^|]*\|\s*(-?[\d.]+) degrees C",
                  out, re.M)
    return (float(m.group(2)), m.group(1)) if m else (None, out)


def test_sdr_shows_both_temperatures(bmc):
    out = bmc.ipmitool("sdr", "elist")
    assert "Inlet Temp" in out and "Ambient Temp" in out, out


def test_qmp_temperature_reaches_ipmi(bmc):
    set_temp(bmc, "/machine/peripheral/tmp-ambient", 31.0)
    v = bmc.poll(lambda: (r := reading(bmc, "Ambient Temp")[0]) is not None and abs(r - 31) < 1.5 and r)
    assert v, reading(bmc, "Ambient Temp")
    set_temp(bmc, "/machine/peripheral/tmp-ambient", 38.0)
    v = bmc.poll(lambda: (r := reading(bmc, "Ambient Temp")[0]) is not None and abs(r - 38) < 1.5 and r)
    assert v, reading(bmc, "Ambient Temp")


def test_threshold_crossing_logs_sel_assertion(bmc):
    path = lm75_path(bmc)
    set_temp(bmc, path, 25.0)
    assert bmc.poll(lambda: reading(bmc, "Inlet Temp")[1] == "ok"), reading(bmc, "Inlet Temp")
    set_temp(bmc, path, 52.0)          # past uc (50)
    assert bmc.poll(lambda: reading(bmc, "Inlet Temp")[1] in ("ucr", "cr")), reading(bmc, "Inlet Temp")
    sel = bmc.poll(lambda: (o := bmc.ipmitool("sel", "elist")) and
                   re.search(r"Inlet Temp \| Upper Critical going high \| Asserted", o) and o)
    assert sel, bmc.ipmitool("sel", "elist")
    set_temp(bmc, path, 25.0)
    assert bmc.poll(lambda: reading(bmc, "Inlet Temp")[1] == "ok"), reading(bmc, "Inlet Temp")
