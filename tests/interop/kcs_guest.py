"""The x86 guest for the KCS suite: Debian's kernel and a busybox initramfs
with ipmitool and the ipmi_si / ipmi_devintf / ipmi_msghandler modules,
built from the packages installed on this machine into a cache directory
outside the checkout (rebuilt when an input changes).

The in-band tools: ipmitool (-I open) and FreeIPMI's bmc-info, ipmi-sensors
and bmc-watchdog (--driver-type=OPENIPMI), all through the kernel's /dev/ipmi0.

Run as a script to build it for trying boards/qemu-host.json:
    python3 tests/interop/kcs_guest.py [/var/tmp/bmcd-guest]
or to build and boot it with its KCS connected to a BMC listening elsewhere
(the emulated AST2600 of docs/qemu.md), typing commands into its shell:
    python3 tests/interop/kcs_guest.py --boot tcp:127.0.0.1:9002

In the guest, /dev/ttyS0 is the console (kernel messages; bridged to SOL by
bmcd) and /dev/ttyS1 a root shell without echo for the tests, which prints
BMCD-GUEST-READY once /dev/ipmi0 exists.  Guest (below) drives that shell;
vm_command() is the VM's QEMU command line, taken from boards/qemu-host.json.
Both the KCS suite (tests/interop/test_kcs_qemu.py) and the qemu suite's
chain test (tests/qemu/test_chain.py) use this module.
"""

import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = Path(os.environ.get("BMCD_GUEST_CACHE", "/var/tmp/bmcd-guest"))
BOOT_TIMEOUT = 90.0
MODULES = ["kernel/drivers/char/ipmi/ipmi_msghandler.ko",
           "kernel/drivers/char/ipmi/ipmi_devintf.ko",
           "kernel/drivers/char/ipmi/ipmi_si.ko",
           "kernel/drivers/input/evdev.ko",
           "kernel/drivers/acpi/button.ko"]
# FreeIPMI's tools share libfreeipmi, libgcrypt and libgpg-error with
# ipmitool (Debian builds ipmitool against libfreeipmi); they add
# libipmidetect and themselves.
BINARIES = ["/usr/bin/ipmitool", "/usr/sbin/bmc-info", "/usr/sbin/ipmi-sensors",
            "/usr/sbin/bmc-watchdog"]

INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /var/run /var/log /usr/bin /usr/sbin /sbin
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "bmcd-guest: userspace at $(cut -d' ' -f1 /proc/uptime) s"
for m in ipmi_msghandler ipmi_devintf ipmi_si evdev button; do
	insmod /lib/modules/$m.ko
done
# The ACPI power button (ipmi-bmc-extern GRACEFUL_SHUTDOWN) powers off.
mkdir -p /var/run /var/log
acpid -f -c /etc/acpi >/dev/null 2>&1 &
i=0
while [ ! -e /dev/ipmi0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
stty -F /dev/ttyS1 raw -echo 115200
# A non-interactive read loop: no prompt, no line editing, no echo.  It
# says ready itself, once it holds the port open: bytes that reach a serial
# port nobody has open are dropped (a command's first word was lost so).
setsid sh -c 'echo "BMCD-GUEST-READY $(cut -d" " -f1 /proc/uptime)"
	while read -r line; do eval "$line"; done' </dev/ttyS1 >/dev/ttyS1 2>&1 &
echo "bmcd-guest: ready at $(cut -d' ' -f1 /proc/uptime) s, $(ls /dev/ipmi0 2>&1)"
while :; do sleep 3600; done
"""

POWER_BUTTON = "#!/bin/sh\necho 'bmcd-guest: power button: powering off'\nsync\npoweroff -f\n"


def kernel_release():
    rels = sorted(os.path.basename(p) for p in glob.glob("/usr/lib/modules/*")
                  if glob.glob(f"/boot/vmlinuz-{os.path.basename(p)}"))
    if not rels:
        raise FileNotFoundError("no /boot/vmlinuz-* with modules (apt install linux-image-amd64)")
    return rels[-1]


def libs_of(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            libs.append(parts[2])
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])
    return libs


def inputs():
    rel = kernel_release()
    busybox = shutil.which("busybox") or "/bin/busybox"
    files = [f"/boot/vmlinuz-{rel}", busybox] + BINARIES
    files += [f"/usr/lib/modules/{rel}/{m}" for m in MODULES]
    for b in BINARIES:
        files += libs_of(b)
    return rel, busybox, files


def build(cache=DEFAULT_CACHE):
    """Returns (kernel, initrd) paths, building them if needed."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)    # two test runs at once build it once
        return _build(cache)


def _build(cache):
    rel, busybox, files = inputs()
    h = hashlib.sha256((INIT + POWER_BUTTON + Path(__file__).read_text()).encode())
    for f in files:
        st = os.stat(f)
        h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    stamp = h.hexdigest()[:16]
    kernel, initrd = cache / "vmlinuz", cache / "initrd.cpio"
    if (cache / "stamp").exists() and (cache / "stamp").read_text() == stamp and initrd.exists():
        return kernel, initrd
    root = cache / "root"
    shutil.rmtree(root, ignore_errors=True)
    (root / "bin").mkdir(parents=True)
    (root / "lib/modules").mkdir(parents=True)
    (root / "etc/acpi/PWRF").mkdir(parents=True)
    shutil.copy2(busybox, root / "bin/busybox")
    for m in MODULES:
        shutil.copy2(f"/usr/lib/modules/{rel}/{m}", root / "lib/modules" / os.path.basename(m))
    for b in BINARIES:
        dst = root / b.lstrip("/")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(b, dst)
        for lib in libs_of(b):
            d = root / lib.lstrip("/")
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(os.path.realpath(lib), d)
    # ld.so is looked up through /lib64 and the libraries through /lib/x86_64-linux-gnu.
    if not (root / "lib64").exists() and (root / "usr/lib64").exists():
        os.symlink("usr/lib64", root / "lib64")
    # ipmitool complains on stderr without an IANA registry; the head of
    # the host's (the BMC's manufacturer is not in it anyway) is enough.
    pen = Path("/usr/share/misc/enterprise-numbers.txt")
    dst = root / str(pen).lstrip("/")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("".join(pen.open(errors="replace").readlines()[:64]) if pen.exists() else "")
    # FreeIPMI's SDR cache lives in the user's home (getpwuid), /root
    (root / "root").mkdir()
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\n")
    init = root / "init"
    init.write_text(INIT)
    init.chmod(0o755)
    pb = root / "etc/acpi/PWRF/00000080"
    pb.write_text(POWER_BUTTON)
    pb.chmod(0o755)
    listing = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
    tmp = cache / "initrd.cpio.tmp"
    with open(tmp, "wb") as f:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=listing,
                       stdout=f, check=True)
    os.replace(tmp, initrd)
    shutil.copy2(f"/boot/vmlinuz-{rel}", kernel)
    (cache / "stamp").write_text(stamp)
    return kernel, initrd


def chardev_addr(spec):
    """QEMU socket chardev options for "unix:/PATH" or "tcp:HOST:PORT", as
    bmcd fills {kcs} and {serial} in host.qemu.command (boards/qemu_host.c)."""
    if spec.startswith("unix:"):
        return f"path={spec[5:]}"
    host, _, port = spec[4:].rpartition(":")
    assert spec.startswith("tcp:") and host and port, spec
    return f"host={host.strip('[]')},port={port}"


def vm_command(kernel, initrd, ctl, kcs=None, console=None):
    """The guest's QEMU command line: host.qemu.command of
    boards/qemu-host.json with this kernel, initrd and test-shell socket
    (ctl).  {kcs} and {serial} stay for bmcd to fill, unless kcs is given
    here ("unix:/PATH" or "tcp:HOST:PORT", QEMU connecting out) and the
    console (the first serial port) goes to a QEMU chardev of its own
    ("file,path=LOG") instead of bmcd's socket."""
    board = json.loads((ROOT / "boards" / "qemu-host.json").read_text())
    cmd = []
    for a in board["host"]["qemu"]["command"]:
        a = a.replace("/var/tmp/bmcd-guest/vmlinuz", str(kernel))
        a = a.replace("/var/tmp/bmcd-guest/initrd.cpio", str(initrd))
        a = a.replace("/tmp/bmcd-qemu-host-ctl.sock", str(ctl))
        if kcs:
            a = a.replace("{kcs}", chardev_addr(kcs))
        if console and "{serial}" in a:
            kind, _, opts = console.partition(",")
            a = f"{kind},id={re.search(r'id=([^,]+)', a).group(1)}" + (f",{opts}" if opts else "")
        cmd.append(a)
    return cmd


class Guest:
    """The guest's test shell on its second serial port (a QEMU server
    socket, path): run() a command, get its exit status and output."""

    def __init__(self, path):
        self.path = str(path)
        self.s = None
        self.buf = b""

    def _recv(self, timeout):
        self.s.settimeout(timeout)
        try:
            chunk = self.s.recv(65536)
        except socket.timeout:
            return True
        except OSError:
            chunk = b""
        if not chunk:
            self.s.close()
            self.s = None
            return False
        self.buf += chunk
        return True

    def wait_ready(self, timeout=BOOT_TIMEOUT):
        """Wait for BMCD-GUEST-READY (connecting first when needed); returns
        the guest's uptime at that point (its boot time)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.s is None:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(self.path)
                except OSError:
                    s.close()
                    time.sleep(0.1)
                    continue
                self.s, self.buf = s, b""
            m = re.search(rb"BMCD-GUEST-READY ([0-9.]+)\n", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return float(m.group(1))
            if not self._recv(0.2):
                time.sleep(0.1)
        raise AssertionError(f"guest not ready within {timeout}s; got {self.buf[-500:]!r}")

    def run(self, cmd, timeout=60.0):
        """(exit status, output) of a shell command in the guest."""
        assert self.s is not None, "guest not connected"
        self.buf = b""
        self.s.sendall(cmd.encode() + b" 2>&1; echo __END__$?\n")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(rb"__END__(\d+)\n", self.buf)
            if m:
                return int(m.group(1)), self.buf[:m.start()].decode(errors="replace")
            if not self._recv(0.2):
                break
        raise AssertionError(f"guest command {cmd!r} did not finish in {timeout}s: "
                             f"{self.buf[-500:]!r}")

    def close(self):
        if self.s:
            self.s.close()
            self.s = None


def boot(kcs):
    """Build the guest and run it with its KCS connecting to kcs
    ("tcp:HOST:PORT" or "unix:/PATH"); its console goes to a file and its
    test shell to this terminal (a line at a time, through Guest)."""
    kernel, initrd = build()
    tmp = Path(f"/tmp/bmcd-guest.{os.getpid()}")
    tmp.mkdir()
    log = tmp / "console.log"
    cmd = vm_command(kernel, initrd, tmp / "ctl.sock", kcs=kcs, console=f"file,path={log}")
    vm = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    guest = Guest(tmp / "ctl.sock")
    try:
        print(f"kcs_guest: booting (console in {log}) ...", flush=True)
        print(f"kcs_guest: ready at guest uptime {guest.wait_ready()} s; commands run in the guest, "
              "Ctrl-D stops it", flush=True)
        while True:
            try:
                line = input("guest# ")
            except EOFError:
                break
            if line.strip():
                rc, out = guest.run(line, timeout=600)
                print(out, end="" if out.endswith("\n") or not out else "\n")
                if rc:
                    print(f"(exit {rc})")
    finally:
        guest.close()
        vm.terminate()
        vm.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--boot":
        sys.exit(boot(sys.argv[2]))
    k, i = build(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CACHE)
    print(k)
    print(i)
