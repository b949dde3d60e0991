"""Prometheus' ipmi_exporter (Debian's prometheus-ipmi-exporter) scraping
bmcd as a remote target on loopback: its /ipmi page must carry the sim
board's temperatures, fans, voltages, power and the SEL entry count."""

import re
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import HOST, ok
from test_sensors import expected_range, threshold_sensors

EXPORTER = "/usr/bin/prometheus-ipmi-exporter"


def free_tcp_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run_exporter(tmp_path, collectors):
    """Debian's ipmi_exporter on a free loopback port, module "default"
    with the given collectors; yields the port, stops it afterwards."""
    port = free_tcp_port()
    cfg = tmp_path / "ipmi.yml"
    cfg.write_text(
        "modules:\n"
        "  default:\n"
        "    user: admin\n"
        "    pass: password\n"
        "    driver: LAN_2_0\n"
        "    privilege: admin\n"
        "    timeout: 20000\n"
        f"    collectors: [{', '.join(collectors)}]\n")
    log = open(tmp_path / "exporter.log", "w")
    proc = subprocess.Popen([EXPORTER, f"--config.file={cfg}",
                             f"--web.listen-address={HOST}:{port}"],
                            stdout=log, stderr=subprocess.STDOUT,
                            env={"HOME": str(tmp_path), "PATH": "/usr/sbin:/usr/bin:/bin"})
    t_end = time.monotonic() + 10
    while time.monotonic() < t_end:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture
def exporter(tmp_path):
    yield from run_exporter(tmp_path, ["bmc", "ipmi", "chassis", "sel"])


def scrape(port, target):
    url = f"http://{HOST}:{port}/ipmi?target={target}&module=default"
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read().decode()


def metric(text, name, label=None):
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if label and label not in line:
            continue
        return float(line.rsplit(" ", 1)[1])
    return None


def test_ipmi_exporter_scrapes_sensors_and_sel(bmc, exporter, tmp_path):
    text = scrape(exporter, f"{HOST}:{bmc.port}")
    for collector in ("bmc", "ipmi", "chassis", "sel"):
        assert metric(text, "ipmi_up", f'collector="{collector}"') == 1, \
            f"collector {collector} down\n{text}\n{(tmp_path / 'exporter.log').read_text()}"
    kinds = {"temperature": "ipmi_temperature_celsius", "fan": "ipmi_fan_speed_rpm",
             "voltage": "ipmi_voltage_volts", "other_units": "ipmi_power_watts"}
    for s in threshold_sensors():
        name = kinds[s["type"]]
        v = metric(text, name, f'name="{s["name"]}"')
        assert v is not None, f"{name} for {s['name']} missing\n{text}"
        # the shared daemon's sim host is off: sensors that follow it sit
        # at their "off" values
        lo, hi = expected_range(s, host_on=False)
        assert lo <= v <= hi, (s["name"], v, lo, hi)
    # Discrete sensors are there with their state.
    assert metric(text, "ipmi_sensor_state", 'name="PSU1 Status"') is not None, text
    # The SEL entry count follows the log.
    n = int(re.search(r"Entries\s*:\s*(\d+)", ok(bmc.ipmitool("sel", "info")).out).group(1))
    assert metric(text, "ipmi_sel_logs_count") == n, text
    assert metric(text, "ipmi_chassis_power_state") == 0, text
    assert metric(text, "ipmi_bmc_info", 'firmware_revision="0.01"') == 1, text
