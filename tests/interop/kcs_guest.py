"""The x86 guest for the KCS suite: Debian's kernel and a busybox initramfs
with ipmitool and the ipmi_si / ipmi_devintf / ipmi_msghandler modules,
built from the packages installed on this machine into a cache directory
outside the checkout (rebuilt when an input changes).

Run as a script to build it for trying boards/qemu-host.json:
    python3 tests/interop/kcs_guest.py [/var/tmp/bmcd-guest]

In the guest, /dev/ttyS0 is the console (kernel messages; bridged to SOL by
bmcd) and /dev/ttyS1 a root shell without echo for the tests, which prints
BMCD-GUEST-READY once /dev/ipmi0 exists.
"""

import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("BMCD_GUEST_CACHE", "/var/tmp/bmcd-guest"))
MODULES = ["kernel/drivers/char/ipmi/ipmi_msghandler.ko",
           "kernel/drivers/char/ipmi/ipmi_devintf.ko",
           "kernel/drivers/char/ipmi/ipmi_si.ko",
           "kernel/drivers/input/evdev.ko",
           "kernel/drivers/acpi/button.ko"]
BINARIES = ["/usr/bin/ipmitool"]

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
# A non-interactive read loop: no prompt, no line editing, no echo.
setsid sh -c 'while read -r line; do eval "$line"; done </dev/ttyS1 >/dev/ttyS1 2>&1' &
echo "bmcd-guest: ready at $(cut -d' ' -f1 /proc/uptime) s, $(ls /dev/ipmi0 2>&1)"
echo "BMCD-GUEST-READY $(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS1
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


if __name__ == "__main__":
    k, i = build(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CACHE)
    print(k)
    print(i)
