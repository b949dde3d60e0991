"""The whole chain emulated: an x86 host under QEMU (Debian's kernel with
ipmi_si, ipmitool and FreeIPMI in a busybox initramfs: the KCS suite's guest,
tests/interop/kcs_guest.py) whose KCS interface reaches bmcd running inside
the emulated AST2600, through a TCP port the BMC's QEMU forwards:

    x86 guest: ipmitool -I open / bmc-info ─ /dev/ipmi0 ─ ipmi_si ─ isa-ipmi-kcs
      ─ ipmi-bmc-extern ─ TCP ADDR:N ─ (qemu-system-arm user net, hostfwd)
      ─ 10.0.2.15:9002 ─ bmcd's kcs extern backend (armhf, in the AST2600)

A board has one KCS backend and the session's BMC serves /dev/ipmi-kcs3
(test_kcs.py), so this module boots a second AST2600 of its own: the EVB's
board file with "kcs" an extern listener on tcp:0.0.0.0:9002, its own image,
flash and loopback address, stopped when the module ends (before the
session's BMC boots, when the suite runs in file order)."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, RUN, BUILD_TIMEOUT, EmulatedBmc, run

sys.path.append(str(ROOT / "tests" / "interop"))
from kcs_guest import Guest, vm_command                      # noqa: E402
from kcs_guest import build as build_guest                   # noqa: E402

EVB = ROOT / "boards" / "ast2600-evb.json"
BMC_KCS_PORT = 9002     # where bmcd listens inside the BMC (run-ast2600 --kcs-port forwards to it)

pytestmark = pytest.mark.skipif(
    not shutil.which("qemu-system-x86_64") or not list(Path("/boot").glob("vmlinuz-*")),
    reason="qemu-system-x86 and linux-image-amd64 are needed (scripts/deps.sh)")


def free_tcp_port(addr):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


class ChainBmc(EmulatedBmc):
    """An emulated AST2600 whose bmcd serves the host's KCS on TCP."""

    def __init__(self, workdir):
        super().__init__(workdir)
        self.board = self.workdir / "board.json"
        self.image = self.workdir / "initramfs.cpio.gz"
        self.kcs_port = free_tcp_port(self.addr)

    def build(self):
        board = json.loads(EVB.read_text())
        board["name"] = "ast2600-chain"
        board["kcs"] = {"backend": "extern", "listen": f"tcp:0.0.0.0:{BMC_KCS_PORT}"}
        self.board.write_text(json.dumps(board, indent=1))
        for step in ("build-kernel", "build-arm"):
            rc, out, err = run([ROOT / "qemu" / step], timeout=BUILD_TIMEOUT)
            assert rc == 0, f"{step} failed:\n{out}\n{err}"
        self.binary = Path(out.strip().splitlines()[-1])
        rc, out, err = run([ROOT / "qemu" / "make-image", self.binary, self.board, self.image],
                           timeout=BUILD_TIMEOUT)
        assert rc == 0, f"make-image failed:\n{out}\n{err}"

    def start(self):
        self.log_path.write_text("")
        argv = [RUN, "--no-build", "--image", self.image, "--addr", self.addr, "--port", self.port,
                "--kcs-port", self.kcs_port, "--qmp", self.qmp_path, "--console", self.console_path,
                "--log", self.log_path, "--flash", self.flash]
        self._out = open(self.workdir / "run-ast2600.out", "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=subprocess.STDOUT)
        self.wait_ready(t0)


@pytest.fixture(scope="module")
def chain():
    if os.environ.get("BMCD_QEMU_SKIP"):
        pytest.skip("BMCD_QEMU_SKIP set")
    workdir = Path(tempfile.mkdtemp(prefix="bmcd-chain-", dir="/tmp"))
    b = ChainBmc(workdir)
    vm = None
    try:
        b.build()
        b.start()
        kernel, initrd = build_guest()
        # only now: the guest's ipmi_si gives up if the BMC does not answer its probe
        cmd = vm_command(kernel, initrd, workdir / "ctl.sock", kcs=f"tcp:{b.addr}:{b.kcs_port}",
                         console=f"file,path={workdir}/guest-console.log")
        t0 = time.monotonic()
        vm = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(workdir / "vm.out", "wb"),
                              stderr=subprocess.STDOUT)
        b.guest = Guest(workdir / "ctl.sock")
        b.guest_uptime = b.guest.wait_ready()
        print(f"\nchain: BMC boot to bmcd ready {b.boot_seconds:.1f} s, x86 guest start to ready "
              f"{time.monotonic() - t0:.1f} s (its uptime {b.guest_uptime:.1f} s)")
        yield b
    finally:
        if getattr(b, "guest", None):
            b.guest.close()
        if vm:
            vm.terminate()
            try:
                vm.wait(10)
            except subprocess.TimeoutExpired:
                vm.kill()
                vm.wait(10)
        b.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def guest_ok(chain, cmd, timeout=60.0):
    rc, out = chain.guest.run(cmd, timeout)
    assert rc == 0, (f"{cmd}: exit {rc}\n{out}\n--- the BMC's console (tail) ---\n"
                     f"{chain.console()[-3000:]}")
    return out


def fields(text):
    """'Name : value' lines of ipmitool's or FreeIPMI's output."""
    return {k.strip(): v.strip() for k, v in re.findall(r"^([^:\n]+?)\s*:\s*(.*)$", text, re.M)}


def test_the_bmc_serves_kcs_on_tcp(chain):
    con = chain.console()
    assert f"kcs: QEMU ipmi-bmc-extern backend listening on tcp:0.0.0.0:{BMC_KCS_PORT}" in con, con
    assert f"kcs: VM connected on tcp:0.0.0.0:{BMC_KCS_PORT}" in con, con
    assert re.search(r"kcs: VM capabilities [0-9a-f]{2}h", con), con
    # the guest's kernel found the BMC the AST2600's bmcd is (board identity)
    out = guest_ok(chain, "dmesg | grep ipmi_si")
    assert "Found new BMC (man_id: 0x007ed9, prod_id: 0x0a28, dev_id: 0x20)" in out, out
    assert "IPMI kcs interface initialized" in out, out


def test_guest_mc_info_is_the_emulated_bmcs(chain):
    t0 = time.monotonic()
    inband = fields(guest_ok(chain, "ipmitool -I open mc info"))
    print(f"\nchain: ipmitool -I open mc info in the guest: {time.monotonic() - t0:.2f} s")
    lan = fields(chain.ipmitool("mc", "info"))
    for k in ("Device ID", "Device Revision", "Firmware Revision", "IPMI Version",
              "Manufacturer ID", "Product ID"):
        assert inband.get(k) and inband.get(k) == lan.get(k), (k, inband, lan)
    assert inband["Product ID"].startswith("2600 "), inband      # ast2600-evb.json
    # the same bmcd instance: its System GUID is made once and kept on its flash
    inband = fields(guest_ok(chain, "ipmitool -I open mc guid"))
    lan = fields(chain.ipmitool("mc", "guid"))
    assert re.fullmatch(r"[0-9a-f-]{36}", inband.get("System GUID", "")), inband
    assert inband["System GUID"] == lan["System GUID"], (inband, lan)


def ambient(chain, tool):
    if tool == "ipmitool":
        out = guest_ok(chain, "ipmitool -I open sdr elist")
        m = re.search(r"^Ambient Temp\s*\|[^|]*\|\s*ok\s*\|[^|]*\|\s*(-?[\d.]+) degrees C", out, re.M)
    else:
        out = guest_ok(chain, "ipmi-sensors --driver-type=OPENIPMI --no-header-output "
                              "--comma-separated-output")
        m = re.search(r"^\d+,Ambient Temp,Temperature,(-?[\d.]+),C,'OK'$", out, re.M)
    assert "Inlet Temp" in out, out
    return float(m.group(1)) if m else out


def test_guest_reads_the_ast2600_sensors(chain):
    """The AST2600's tmp105 (QEMU model on its I2C bus 3), set over the BMC's
    QMP, read through hwmon by bmcd, seen by the x86 guest in-band."""
    for celsius, tool in ((33.0, "ipmitool"), (44.0, "ipmitool"), (38.0, "freeipmi")):
        chain.qmp.execute("qom-set", path="/machine/peripheral/tmp-ambient",
                          property="temperature", value=int(celsius * 1000))
        v = chain.poll(lambda: isinstance(r := ambient(chain, tool), float)
                       and abs(r - celsius) < 1.0 and r, timeout=30)
        assert v, (celsius, tool, ambient(chain, tool))


def test_guest_event_in_the_bmcs_sel_over_lan(chain):
    # Platform Event Message, system-interface form (generator 41h): physical security #7
    guest_ok(chain, "ipmitool -I open raw 0x04 0x02 0x41 0x04 0x05 0x07 0x6f 0x00 0xff 0xff")
    out = chain.ipmitool("sel", "elist")
    assert re.search(r"Physical Security #0x07", out), out
    out = guest_ok(chain, "ipmitool -I open sel elist")
    assert re.search(r"Physical Security #0x07", out), out


def test_guest_freeipmi_bmc_info_through_the_chain(chain):
    out = fields(guest_ok(chain, "bmc-info --driver-type=OPENIPMI --get-device-id"))
    assert out.get("Device ID") == "32" and out.get("Product ID") == "2600", out
    assert out.get("Device Revision") == "1" and out.get("IPMI Version") == "2.0", out
