"""bmcd.service: the unit we ship is valid, hardened, and bmcd really runs
with only the privileges it grants.

systemd is not PID 1 here, so the unit is checked offline with the real
systemd-analyze (verify, security), and its privileges are reproduced with
setpriv (util-linux): an unprivileged uid, the unit's capability sets, no new
privileges, the real UDP 623 in a network namespace of the test's own.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import BMCD, SIM_BOARD, SANITIZER_MARKERS

UNIT = BMCD.parent / "bmcd.service"
NOBODY = 65534


def unit_values(key):
    """Every value of KEY= in the built unit, split on white space."""
    vals = []
    for line in UNIT.read_text().splitlines():
        if line.startswith(key + "="):
            vals += line.split("=", 1)[1].split()
    return vals


def runnable_copy(tmp_path):
    """The unit with ExecStart pointing at the built binary (systemd-analyze
    verify checks that the command exists) and no man page reference."""
    text = UNIT.read_text()
    text = re.sub(r"(?m)^ExecStart=.*$", f"ExecStart={BMCD} --board {SIM_BOARD}", text)
    text = re.sub(r"(?m)^Documentation=.*$", "", text)
    path = tmp_path / "bmcd.service"
    path.write_text(text)
    return path


def test_unit_verifies(tmp_path):
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", str(runnable_copy(tmp_path))],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stdout + r.stderr


def test_unit_exposure_is_low(tmp_path):
    """systemd's own exposure score (0 safest .. 10): at most 2.5."""
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--threshold=25",
                        str(runnable_copy(tmp_path))], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    level = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout)
    assert level and float(level.group(1)) <= 2.5, r.stdout[-500:]


def test_unit_grants_only_network_capabilities():
    caps = set(unit_values("CapabilityBoundingSet"))
    assert caps == {"CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN", "CAP_NET_RAW"}
    assert set(unit_values("AmbientCapabilities")) <= caps
    assert unit_values("User") == ["bmcd"] and unit_values("NoNewPrivileges") == ["yes"]
    assert unit_values("StateDirectoryMode") == ["0700"] and unit_values("UMask") == ["0077"]


class Netns:
    def __init__(self):
        self.name = f"bmcd-svc-{os.getpid()}"
        subprocess.run(["ip", "netns", "add", self.name], check=True, timeout=10)
        subprocess.run(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"],
                       check=True, timeout=10)

    def argv(self, *cmd):
        return ["ip", "netns", "exec", self.name, *cmd]

    def delete(self):
        subprocess.run(["ip", "netns", "del", self.name], timeout=10)


@pytest.fixture
def netns():
    if os.geteuid() != 0:
        pytest.fail("this test needs root (network namespace, setpriv)", pytrace=False)
    ns = Netns()
    yield ns
    ns.delete()


def confined(ns, caps, state, *extra):
    """bmcd as uid/gid nobody with exactly CAPS, as bmcd.service starts it."""
    names = ",".join("+" + c.lower().removeprefix("cap_") for c in caps)
    setpriv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
               "--no-new-privs", f"--bounding-set=-all{',' + names if names else ''}",
               f"--inh-caps=-all{',' + names if names else ''}"]
    if names:
        setpriv.append(f"--ambient-caps={names}")
    return ns.argv(*setpriv, str(BMCD), "--board", str(SIM_BOARD), "--state", str(state),
                   "--listen", "127.0.0.1:623", *extra)


def ipmitool(ns, *args):
    return subprocess.run(ns.argv("ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", "623",
                                  "-U", "admin", "-P", "password", *args),
                          capture_output=True, text=True, timeout=30)


def state_dir(tmp_path):
    # /tmp/pytest-*/ parents are 0700 root: the state lives where nobody can reach it
    d = Path(tempfile.mkdtemp(prefix="bmcd-svc-", dir="/tmp"))
    os.chown(d, NOBODY, NOBODY)
    d.chmod(0o700)
    return d


def test_runs_with_the_units_privileges_only(netns, tmp_path):
    caps = unit_values("AmbientCapabilities")
    state = state_dir(tmp_path)
    err = tmp_path / "bmcd.stderr"
    with open(err, "wb") as ef:
        proc = subprocess.Popen(confined(netns, caps, state, "-v"), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=ef)
    try:
        deadline = time.monotonic() + 20
        while True:
            r = ipmitool(netns, "mc", "info")
            if r.returncode == 0 or time.monotonic() > deadline or proc.poll() is not None:
                break
            time.sleep(0.3)
        assert r.returncode == 0, r.stdout + r.stderr + err.read_text()
        # bmcd writes its state as nobody: a persisted change works
        r = ipmitool(netns, "user", "set", "name", "5", "svcuser")
        assert r.returncode == 0, r.stdout + r.stderr
        r = ipmitool(netns, "user", "list", "1")
        assert "svcuser" in r.stdout, r.stdout
        r = ipmitool(netns, "chassis", "power", "on")
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(10)
    text = err.read_text(errors="replace")
    for marker in SANITIZER_MARKERS:
        assert marker not in text, text[-4000:]
    assert rc == 0, text[-2000:]
    # bmcd runs as the unprivileged user, so everything it made is that user's, 0600
    files = [p for p in state.rglob("*") if p.is_file()]
    assert any(p.name == "users" for p in files)
    for p in files:
        st = p.stat()
        assert st.st_uid == NOBODY and (st.st_mode & 0o077) == 0, (p, oct(st.st_mode))
    shutil.rmtree(state, ignore_errors=True)


def test_refuses_port_623_without_its_capability(netns, tmp_path):
    """The capability set matters: without CAP_NET_BIND_SERVICE bmcd cannot
    bind 623 and says so, naming the address, instead of running deaf."""
    caps = [c for c in unit_values("AmbientCapabilities") if c != "CAP_NET_BIND_SERVICE"]
    state = state_dir(tmp_path)
    r = subprocess.run(confined(netns, caps, state), capture_output=True, text=True, timeout=30)
    shutil.rmtree(state, ignore_errors=True)
    assert r.returncode != 0
    assert "127.0.0.1:623" in r.stderr, r.stderr
