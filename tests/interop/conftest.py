"""Fixtures and helpers for the interop suite.

Every test here drives a real IPMI client (ipmitool, FreeIPMI, pyghmi, nmap)
as a subprocess against a real bmcd listening on 127.0.0.1 only.  Every
subprocess has a timeout, so a hung client or daemon fails a test instead of
hanging the run.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIM_BOARD = ROOT / "boards" / "sim.json"
BMCD = Path(os.environ.get("BMCD", ROOT / "build" / "bmcd")).resolve()
# Debian's interpreter: the one that has python3-pyghmi.
SYS_PYTHON = "/usr/bin/python3"

HOST = "127.0.0.1"
READY_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
CLIENT_TIMEOUT = 30.0
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

# Expected power transition times on the sim board are 0.2 .. 3 s (cycle is
# off + 1 s + on); poll for up to this long before calling a change missing.
POWER_DEADLINE = 10.0


# --------------------------------------------------------------------------
# Subprocess results


class Result:
    """What a client printed and how it exited; str() is a readable report."""

    def __init__(self, argv, rc, out, err, elapsed, timed_out=False):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.elapsed = elapsed
        self.timed_out = timed_out

    @property
    def ok(self):
        return self.rc == 0 and not self.timed_out

    @property
    def text(self):
        return self.out + "\n" + self.err

    def __str__(self):
        return (
            f"$ {' '.join(str(a) for a in self.argv)}\n"
            f"exit={self.rc} timed_out={self.timed_out} elapsed={self.elapsed:.2f}s\n"
            f"--- stdout ---\n{self.out}--- stderr ---\n{self.err}"
        )

    __repr__ = __str__


def run(argv, timeout=CLIENT_TIMEOUT, env=None, input=None, cwd=None):
    """Run argv with a hard timeout; never raises for exit status or timeout."""
    argv = [str(a) for a in argv]
    t0 = time.monotonic()
    try:
        p = subprocess.run(
            argv,
            input=input,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            env=env,
            cwd=cwd,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        return Result(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        return Result(argv, None, out, err, time.monotonic() - t0, timed_out=True)


# --------------------------------------------------------------------------
# Board files


# The ipmitool raw helpers most suites share: a request as bytes, the
# response as a list of bytes, the completion code of a refusal.
def ok(r):
    assert r.ok, r
    return r


def hexargs(*data):
    return [f"0x{b:02x}" for b in data]


def raw(b, netfn, cmd, *data, **kw):
    return b.ipmitool("raw", f"0x{netfn:02x}", f"0x{cmd:02x}", *hexargs(*data), **kw)


def raw_bytes(r):
    ok(r)
    return [int(x, 16) for x in re.findall(r"\b[0-9a-fA-F]{2}\b", r.out)]


def assert_cc(r, cc):
    assert not r.ok, r
    assert f"rsp=0x{cc:02x}" in r.text.lower(), f"want completion code {cc:#04x}\n{r}"


def field(text, name):
    """Value of a 'Name   : value' line (ipmitool, FreeIPMI), or None."""
    m = re.search(r"^\s*" + re.escape(name) + r"\s*:\s*(.*?)\s*$", text, re.M)
    return m.group(1) if m else None


def assert_fields(r, want):
    """r succeeded, and its 'Name : value' lines have these values."""
    assert r.ok, r
    for name, value in want.items():
        assert field(r.out, name) == value, r


def make_user(b, uid, name, password, priv=2):
    """Name, password, enable and channel-1 privilege of user slot uid."""
    ok(b.ipmitool("user", "set", "name", uid, name))
    ok(b.ipmitool("user", "set", "password", uid, password))
    ok(b.ipmitool("user", "enable", uid))
    ok(b.ipmitool("user", "priv", uid, priv, "1"))


def load_board(path=SIM_BOARD):
    with open(path) as f:
        return json.load(f)


def write_board(dirpath, board, name="board.json"):
    p = Path(dirpath) / name
    p.write_text(json.dumps(board, indent=2))
    return p


def board_users(board):
    """[(name, password, privilege-string)] from a board dict, whatever the
    users container looks like (list of objects, or object keyed by id)."""
    users = board.get("users", [])
    if isinstance(users, dict):
        users = list(users.values())
    out = []
    for u in users:
        out.append((u.get("name"), u.get("password"), str(u.get("privilege", "")).upper()))
    return out


def board_cipher_suites(board):
    return sorted(board.get("lan", {}).get("cipher_suites", []))


def free_udp_port():
    """A UDP port on 127.0.0.1 that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def free_tcp_port():
    """A TCP port on 127.0.0.1 that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# The daemon


class Bmcd:
    """One bmcd process on 127.0.0.1:port, started with NOTIFY_SOCKET."""

    def __init__(self, board=SIM_BOARD, state_dir=None, port=None, workdir=None, extra_args=(),
                 redfish_port=None):
        self.board = Path(board)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="bmcd-it-"))
        self.state_dir = Path(state_dir or (self.workdir / "state"))
        self.port = port or free_udp_port()
        # Redfish (HTTPS) on a port of its own, never the sim board's 8443,
        # so daemons started side by side do not fight over it.
        self.redfish_port = redfish_port or free_tcp_port()
        self.extra_args = list(extra_args)
        self.proc = None
        self.returncode = None
        self.notify_messages = []
        self.stderr_path = self.workdir / f"bmcd-{self.port}.stderr"
        self.stdout_path = self.workdir / f"bmcd-{self.port}.stdout"
        self.sdr_cache = self.workdir / "sdr-cache"
        self.sdr_cache.mkdir(parents=True, exist_ok=True)
        # FreeIPMI keeps per-user files under $HOME/.freeipmi: keep them here.
        self.client_home = self.workdir / "home"
        self.client_home.mkdir(parents=True, exist_ok=True)

    # ---- lifecycle -------------------------------------------------------

    @property
    def argv(self):
        return [
            str(BMCD), "--board", str(self.board), "--state", str(self.state_dir),
            "--listen", f"{HOST}:{self.port}",
            "--redfish-listen", f"{HOST}:{self.redfish_port}", "-v", *self.extra_args,
        ]

    def start(self):
        if not BMCD.exists():
            pytest.fail(f"bmcd binary not found at {BMCD} (set BMCD=...)", pytrace=False)
        # A daemon started again after stop_and_check() (tests that damage
        # the state between runs) is running again: teardown must stop it.
        self.returncode = None
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # A short path: sun_path is at most 108 bytes.
        self._notify_dir = tempfile.mkdtemp(prefix="bmcdn-", dir="/tmp")
        notify_path = os.path.join(self._notify_dir, "notify")
        self._notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._notify.bind(notify_path)
        env = dict(os.environ)
        env["NOTIFY_SOCKET"] = notify_path
        self._stderr_f = open(self.stderr_path, "wb")
        self._stdout_f = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen(
            self.argv, env=env, stdin=subprocess.DEVNULL,
            stdout=self._stdout_f, stderr=self._stderr_f, cwd=str(ROOT),
        )
        deadline = time.monotonic() + READY_TIMEOUT
        ready = False
        while time.monotonic() < deadline and not ready:
            if self.proc.poll() is not None:
                break
            self._notify.settimeout(max(0.01, min(0.2, deadline - time.monotonic())))
            try:
                msg = self._notify.recv(4096).decode(errors="replace")
            except socket.timeout:
                continue
            self.notify_messages.append(msg)
            if "READY=1" in msg.split("\n"):
                ready = True
        if not ready:
            rc = self.proc.poll()
            if rc is None:
                self.proc.kill()
                self.proc.wait(5)
            self._close_files()
            pytest.fail(
                f"bmcd did not send READY=1 within {READY_TIMEOUT}s "
                f"(exit={self.proc.returncode}, notify={self.notify_messages!r})\n"
                f"argv: {' '.join(self.argv)}\n--- bmcd stderr ---\n{self.stderr_tail()}",
                pytrace=False,
            )
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _close_files(self):
        for f in (getattr(self, "_stderr_f", None), getattr(self, "_stdout_f", None)):
            if f and not f.closed:
                f.close()
        s = getattr(self, "_notify", None)
        if s:
            s.close()
            self._notify = None
        d = getattr(self, "_notify_dir", None)
        if d:
            shutil.rmtree(d, ignore_errors=True)
            self._notify_dir = None

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stderr_tail(self, n=40):
        lines = self.stderr().splitlines()
        head = f"(bmcd stderr: {self.stderr_path}, last {min(n, len(lines))} of {len(lines)} lines)\n"
        return head + "\n".join(lines[-n:])

    def stop(self, sig=signal.SIGTERM):
        """Signal bmcd and wait; returns its exit code (None if it hung, then
        it is killed).  Does not assert: see stop_and_check()."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                self.returncode = None
                self._close_files()
                return None
        self.returncode = self.proc.returncode
        self._close_files()
        return self.returncode

    def stop_and_check(self):
        """SIGTERM; assert exit status 0 within 5 s and no sanitizer report."""
        was_alive = self.alive()
        rc = self.stop()
        err = self.stderr()
        for marker in SANITIZER_MARKERS:
            if marker in err:
                at = err.index(marker)
                pytest.fail(f"sanitizer report in bmcd stderr ({self.stderr_path}):\n"
                            f"{err[max(0, at - 2000):at + 6000]}", pytrace=False)
        assert was_alive, (f"bmcd had already exited (status {self.proc.returncode}) "
                           f"before the SIGTERM\n--- bmcd stderr ---\n{self.stderr_tail()}")
        assert rc == 0, (
            f"bmcd did not exit 0 within {STOP_TIMEOUT}s of SIGTERM (status {rc}; "
            f"None = hung, negative = killed by signal)\n--- bmcd stderr ---\n{self.stderr_tail()}"
        )

    def restart(self):
        """Stop (checked) and start again with the same port and state dir."""
        self.stop_and_check()
        self.proc = None
        self.returncode = None
        self.notify_messages = []
        self.stderr_path = self.workdir / f"bmcd-{self.port}-{int(time.monotonic() * 1000)}.stderr"
        return self.start()

    # ---- clients ---------------------------------------------------------

    def client_env(self):
        env = dict(os.environ)
        env["HOME"] = str(self.client_home)
        # Sanitizer settings are for the daemon, not for the clients.
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            env.pop(k, None)
        return env

    def ipmitool(self, *args, intf="lanplus", user="admin", password="password",
                 cipher=None, priv=None, authtype=None, timeout=CLIENT_TIMEOUT, extra=()):
        argv = ["ipmitool", "-I", intf, "-H", HOST, "-p", str(self.port),
                "-U", user, "-P", password, "-N", "1", "-R", "2"]
        if cipher is not None:
            argv += ["-C", str(cipher)]
        if priv is not None:
            argv += ["-L", priv]
        if authtype is not None:
            argv += ["-A", authtype]
        argv += list(extra) + [str(a) for a in args]
        return run(argv, timeout=timeout, env=self.client_env())

    def freeipmi(self, tool, *args, driver="LAN_2_0", cipher=3, user="admin",
                 password="password", priv=None, timeout=CLIENT_TIMEOUT, sdr=False):
        argv = [tool, "-h", f"{HOST}:{self.port}", "-u", user, "-p", password,
                "-W", "none", "-D", driver,
                "--session-timeout=5000", "--retransmission-timeout=500"]
        if driver == "LAN_2_0" and cipher is not None:
            argv += ["-I", str(cipher)]
        if priv is not None:
            argv += ["-l", priv]
        if sdr:
            # Only the SDR-reading tools accept this option.
            argv += [f"--sdr-cache-directory={self.sdr_cache}"]
        argv += [str(a) for a in args]
        return run(argv, timeout=timeout, env=self.client_env())

    def power_status(self, **kw):
        r = self.ipmitool("chassis", "power", "status", **kw)
        m = re.search(r"Chassis Power is (\w+)", r.out)
        return (m.group(1) if m else None), r

    def wait_power(self, want, deadline=POWER_DEADLINE, **kw):
        """Poll 'chassis power status' until it says `want`; return the last
        Result.  Fails the test with the history if it never does."""
        t_end = time.monotonic() + deadline
        seen = []
        while True:
            state, r = self.power_status(**kw)
            seen.append(state)
            if state == want:
                return r
            if time.monotonic() >= t_end:
                pytest.fail(f"power never became {want!r} within {deadline}s; "
                            f"states seen: {seen}\nlast:\n{r}", pytrace=False)
            time.sleep(0.2)

    def udp(self, timeout=2.0):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(timeout)
        s.connect((HOST, self.port))
        return s


def start_bmcd(**kw):
    return Bmcd(**kw).start()


@contextlib.contextmanager
def bmcd_on_state(tmp_path, files):
    """A daemon started on tmp_path/state holding files ({name: bytes}),
    stopped and checked when the block ends."""
    state = tmp_path / "state"
    state.mkdir()
    for name, data in files.items():
        (state / name).write_bytes(data)
    b = Bmcd(state_dir=state, workdir=tmp_path).start()
    try:
        yield b
    finally:
        b.stop_and_check()


# --------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def sim_board():
    return load_board()


@pytest.fixture(scope="session")
def bmc(tmp_path_factory):
    """One daemon shared by read-only tests.  Tests that change the power
    state must use fresh_bmc instead, so this one stays powered off."""
    d = Bmcd(workdir=tmp_path_factory.mktemp("bmc-shared")).start()
    yield d
    d.stop_and_check()


@pytest.fixture
def fresh_bmc(tmp_path):
    """A daemon of its own for one test, in its initial state."""
    d = Bmcd(workdir=tmp_path).start()
    yield d
    d.stop_and_check()


@pytest.fixture
def bmc_factory(tmp_path):
    """Start daemons with other boards or state dirs; every one still running
    at teardown is stopped and checked (exit 0, no sanitizer report)."""
    started = []
    counter = [0]

    def make(board=SIM_BOARD, state_dir=None, **kw):
        counter[0] += 1
        wd = tmp_path / f"d{counter[0]}"
        wd.mkdir()
        d = Bmcd(board=board, state_dir=state_dir, workdir=wd, **kw).start()
        started.append(d)
        return d

    yield make
    problems = []
    for d in started:
        if d.proc is not None and d.returncode is None and d.proc.poll() is None:
            try:
                d.stop_and_check()
            except AssertionError as e:
                problems.append(str(e))
        elif d.proc is not None and d.returncode is None:
            problems.append(f"bmcd on port {d.port} died during the test "
                            f"(status {d.proc.returncode})\n{d.stderr_tail()}")
    assert not problems, "\n\n".join(problems)


def expected_identity(board):
    """What Get Device ID should report, computed from the board file.
    Accepts firmware written as "0.01"/"1.2" or as fw_major/fw_minor."""
    ident = board.get("identity", {})

    def num(v):
        return int(v, 0) if isinstance(v, str) else int(v)

    exp = {}
    for key in ("manufacturer_id", "product_id", "device_id", "device_revision"):
        if key in ident:
            exp[key] = num(ident[key])
    fw = ident.get("firmware_version", ident.get("firmware_revision", ident.get("firmware")))
    if isinstance(fw, str):
        major, _, minor = fw.partition(".")
        exp["fw_major"], exp["fw_minor"] = int(major), int(minor or "0")
    elif "fw_major" in ident:
        exp["fw_major"] = num(ident["fw_major"])
        exp["fw_minor"] = num(ident.get("fw_minor", 0))
    if "fw_major" in exp:
        # ipmitool and FreeIPMI print major.minor with the BCD minor as 2 digits
        exp["fw_text"] = f"{exp['fw_major']}.{exp['fw_minor']:02d}"
    return exp
