"""Fixtures of the qemu suite: bmcd cross-built for armhf, running in an
emulated AST2600 BMC (qemu-system-arm -M ast2600-evb, TCG), managed from
this machine through a UDP port QEMU forwards from a loopback address's 623
to the BMC's 623, exactly as a datacenter manages a BMC.

One emulated BMC is booted for the whole session (boot takes tens of
seconds under TCG).  Its console goes to a log file that tests read; QMP on
a unix socket lets tests set the emulated sensors and reset the machine.
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT / "tests" / "interop"))
from loopback import free_loopback  # noqa: E402  (the interop suite's, no conftest)

RUN = ROOT / "qemu" / "run-ast2600"
HOST = "127.0.0.1"  # what tests/interop/rmcpclient.py takes from its conftest; the BMC's is EmulatedBmc.addr
USER, PASSWORD = "admin", "password"
# the first run builds the kernel (~6 min on 2 cores); later runs hit the cache
BUILD_TIMEOUT = 1500
BOOT_TIMEOUT = 240
CLIENT_TIMEOUT = 60
READY_RE = re.compile(r"bmcd \S+ ready \(board ")


def run(argv, timeout=CLIENT_TIMEOUT, **kw):
    """(exit status, stdout, stderr); status None when it timed out.  The
    command runs in a process group of its own and the whole group is
    killed on a timeout: a build's make jobs must not outlive it (an
    abandoned kernel build once went on beside the next one)."""
    argv = [str(a) for a in argv]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         errors="replace", stdin=subprocess.DEVNULL, start_new_session=True, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out, err
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        return None, out, f"timed out after {timeout} s\n{err[-2000:]}"


def free_loopback_623():
    """A loopback address whose UDP port 623 is free.  The BMC's port is
    forwarded as 623 because ipmitool's SOL refuses a payload port other
    than the one it talks to (and bmcd, inside, names 623)."""
    addr = free_loopback(623)
    if addr is None:
        raise RuntimeError("no loopback address with UDP port 623 free")
    return addr


class Qmp:
    """A minimal QMP client (QEMU's JSON machine protocol) on a unix socket."""

    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = b""
        self._read()                       # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                if line.strip():
                    msg = json.loads(line)
                    if "event" not in msg:
                        return msg
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("QMP closed")
            self.buf += data

    def execute(self, cmd, **args):
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(f"QMP {cmd} {args}: {reply['error']}")
        return reply.get("return")

    def close(self):
        self.sock.close()


class EmulatedBmc:
    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.addr = free_loopback_623()
        self.port = 623
        self.host_console_path = self.workdir / "host.sock"
        self.qmp_path = self.workdir / "qmp.sock"
        self.console_path = self.workdir / "console.sock"
        self.log_path = self.workdir / "console.log"
        self.flash = self.workdir / "flash.img"
        self.proc = None
        self.qmp = None
        self.boot_seconds = None

    # -- lifecycle --------------------------------------------------------
    build_failure = None    # a failed kernel build is not tried again by the next BMC

    def build(self):
        t0 = time.monotonic()
        assert EmulatedBmc.build_failure is None, EmulatedBmc.build_failure
        rc, out, err = run([ROOT / "qemu" / "build-kernel"], timeout=BUILD_TIMEOUT)
        if rc != 0:
            EmulatedBmc.build_failure = f"build-kernel failed:\n{out[-3000:]}\n{err[-3000:]}"
        assert rc == 0, EmulatedBmc.build_failure
        self.kernel_seconds = time.monotonic() - t0
        rc, out, err = run([ROOT / "qemu" / "build-arm"], timeout=BUILD_TIMEOUT)
        assert rc == 0, f"build-arm failed:\n{out}\n{err}"
        self.binary = Path(out.strip().splitlines()[-1])
        self.image = ROOT / "build-arm" / "qemu" / "initramfs.cpio.gz"
        self.image.parent.mkdir(parents=True, exist_ok=True)
        rc, out, err = run([ROOT / "qemu" / "make-image", self.binary,
                            ROOT / "boards" / "ast2600-evb.json", self.image], timeout=BUILD_TIMEOUT)
        assert rc == 0, f"make-image failed:\n{out}\n{err}"
        print(f"\nqemu: bmcd {self.binary.stat().st_size} bytes stripped, "
              f"image {self.image.stat().st_size} bytes, kernel step {self.kernel_seconds:.0f} s")

    def start(self):
        self.log_path.write_text("")
        argv = [RUN, "--no-build", "--addr", self.addr, "--port", self.port,
                "--host-console", self.host_console_path, "--qmp", self.qmp_path,
                "--console", self.console_path, "--log", self.log_path, "--flash", self.flash,
                "--append", "bmcd_kcs_smoke=1"]
        self._out = open(self.workdir / "run-ast2600.out", "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=subprocess.STDOUT)
        self.wait_ready(t0)

    def wait_ready(self, t0, after=0):
        """Wait for bmcd's "ready" line past byte offset 'after' of the log."""
        deadline = t0 + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"QEMU exited {self.proc.returncode}:\n"
                                     f"{(self.workdir / 'run-ast2600.out').read_text()}\n{self.console()}")
            if READY_RE.search(self.console()[after:]):
                self.boot_seconds = time.monotonic() - t0
                if self.qmp is None:
                    self.qmp = Qmp(self.qmp_path)
                return
            time.sleep(0.25)
        raise AssertionError(f"no bmcd ready line in {BOOT_TIMEOUT} s:\n{self.console()}")

    def stop(self):
        if self.qmp:
            try:
                self.qmp.execute("quit")
            except Exception:
                pass
            self.qmp.close()
            self.qmp = None
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_out", None):
            self._out.close()

    def reboot(self):
        """Reset the emulated BMC (as its watchdog or a power cycle would)."""
        mark = len(self.console())
        t0 = time.monotonic()
        self.qmp.execute("system_reset")
        self.wait_ready(t0, after=mark)

    # -- access -----------------------------------------------------------
    def console(self):
        return self.log_path.read_text(errors="replace")

    def ipmitool(self, *args, timeout=CLIENT_TIMEOUT, check=True):
        argv = ["ipmitool", "-I", "lanplus", "-C", "17", "-H", self.addr, "-p", self.port,
                "-U", USER, "-P", PASSWORD, "-N", "5", "-R", "3", *args]
        rc, out, err = run(argv, timeout=timeout)
        if check:
            assert rc == 0, f"$ {' '.join(map(str, argv))}\nexit {rc}\n{out}\n{err}\n" \
                            f"--- console (tail) ---\n{self.console()[-3000:]}"
        return out

    def wait_console(self, pattern, timeout=30, after=0):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = rx.search(self.console()[after:])
            if m:
                return m
            time.sleep(0.2)
        raise AssertionError(f"console never showed /{pattern}/ in {timeout} s:\n"
                             f"{self.console()[after:][-3000:]}")

    def shell(self, command, timeout=20):
        """Run a command on the BMC's console shell; its output.  The line is
        typed a character at a time; it is bracketed by two echos whose text
        only the shell's arithmetic makes, so a mistyped line shows as missing
        markers and is typed again (after ^C)."""
        n = random.randrange(10000, 99999)
        begin, end = f"Q{n + 1}Q", f"Z{n + 2}Z"
        line = f"echo Q$(({n}+1))Q; {command}; echo Z$(({n}+2))Z\n".encode()
        got = b""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(self.console_path))
            s.settimeout(0.1)
            for _ in range(3):
                s.sendall(b"\x03")
                got = b""
                for c in line:
                    s.sendall(bytes([c]))
                    time.sleep(0.005)
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    try:
                        data = s.recv(65536)
                    except socket.timeout:
                        continue
                    if not data:
                        break
                    got += data
                    text = got.decode(errors="replace")
                    m = re.search(re.escape(begin) + r"\r?\n(.*?)" + re.escape(end), text, re.S)
                    if m:
                        return m.group(1).replace("\r", "")
        raise AssertionError(f"the console shell did not run: {command}\n"
                             f"{got.decode(errors='replace')}")

    def poll(self, fn, timeout=20, interval=0.5):
        """fn() until it returns a true value; that value, or the last on timeout."""
        deadline = time.monotonic() + timeout
        v = fn()
        while not v and time.monotonic() < deadline:
            time.sleep(interval)
            v = fn()
        return v


@pytest.fixture(scope="session")
def bmc():
    if os.environ.get("BMCD_QEMU_SKIP"):
        pytest.skip("BMCD_QEMU_SKIP set")
    workdir = tempfile.mkdtemp(prefix="bmcd-qemu-", dir="/tmp")
    b = EmulatedBmc(workdir)
    b.build()
    try:
        b.start()
        print(f"\nqemu: boot to bmcd ready {b.boot_seconds:.1f} s")
        yield b
    finally:
        b.stop()
        # a 64 MiB flash image per run: gone with the run (1 GB piled up)
        shutil.rmtree(workdir, ignore_errors=True)
