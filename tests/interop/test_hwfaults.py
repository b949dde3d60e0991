"""Hardware faults (issue 23): a hwmon file that blocks or fails, an I2C
device that NAKs or holds the bus, a UART that goes away, a NIC going down
and up.  Each fault must mark only what it affects as unavailable, be
logged once, heal when the fault ends, and the LAN must keep answering
meanwhile: each test measures `mc info` (Get Device ID) over RMCP+ with
many quick requests from tests/interop/rmcpclient.py before and during the
fault and prints both p99s.  For most faults only a generous bound is
asserted (every request answered within the client's timeout): the figures
are for people, the machine running CI is shared.  The I2C faults also bound
the p99 during the fault by the p99 without it (I2C_FACTOR below), since a
device holding the bus is what would hold the LAN; and a UART that is not
there when bmcd starts must not keep it from starting.

The GPIO chip vanishing is tested on the emulated AST2600 instead
(tests/qemu/test_gpio_fault.py): this host's kernel has no gpio-sim or
gpio-mockup module, the guest's has gpio-sim (docs/qemu.md)."""

import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid

import pytest

from conftest import BMCD, HOST, load_board, ok, raw, run, write_board
from rmcpclient import Console, RmcpError

POLL_DEADLINE = 10.0
PROBE_N = 200                 # requests per latency sample
PROBE_GAP = 0.005             # between them: a sample spans ~1.5 s of polls
PROBE_TIMEOUT = 2.0           # the client's timeout for one request


def wait_for(pred, what, deadline=POLL_DEADLINE):
    t_end = time.monotonic() + deadline
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() > t_end:
            pytest.fail(f"timed out waiting for {what} (last: {last!r})", pytrace=False)
        time.sleep(0.1)


# --------------------------------------------------------------------------
# The LAN's latency


def console(port, host=HOST):
    """An RMCP+ session (cipher suite 17) as admin with host:port."""
    c = Console(port, timeout=PROBE_TIMEOUT)
    if host != HOST:                     # a socket connected to loopback cannot move
        c.sock.close()
        c.addr = (host, port)
        c.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.sock.settimeout(PROBE_TIMEOUT)
        c.sock.connect(c.addr)
    return c.open()


def sample(c, n=PROBE_N, timeout=PROBE_TIMEOUT):
    """Seconds per Get Device ID in session c, and how many requests got no
    answer within timeout."""
    lat, missed = [], 0
    for _ in range(n):
        t0 = time.monotonic()
        try:
            cc, _ = c.request(0x06, 0x01, timeout=timeout, tries=1)
            assert cc == 0, hex(cc)
            lat.append(time.monotonic() - t0)
        except RmcpError:
            missed += 1
        time.sleep(PROBE_GAP)
    return lat, missed


def latencies(port, n=PROBE_N):
    c = console(port)
    try:
        return sample(c, n)
    finally:
        c.close()


def p99_ms(lat):
    s = sorted(lat)
    return 1000 * s[min(len(s) - 1, int(0.99 * len(s)))] if s else float("nan")


def compare(what, base, during, phase="during it"):
    """Print both p99s; assert every request during the fault was answered."""
    (bl, bm), (dl, dm) = base, during
    print(f"\n[hwfaults] {what}: mc info p99 {p99_ms(bl):.1f} ms without the fault, "
          f"{p99_ms(dl):.1f} ms {phase} ({len(dl)} answered, {dm} missed; "
          f"baseline {len(bl)} answered, {bm} missed)")
    assert bm == 0 and dm == 0, f"{what}: requests without an answer within {PROBE_TIMEOUT}s"


# --------------------------------------------------------------------------
# hwmon


def make_hwmon(root, name, device, files):
    """A directory laid out like /sys/class/hwmon/hwmonN."""
    devdir = root / "devices" / device
    devdir.mkdir(parents=True)
    cls = root / "class"
    h = cls / f"hwmon{len(list(cls.glob('hwmon*'))) if cls.exists() else 0}"
    h.mkdir(parents=True)
    (h / "name").write_text(name + "\n")
    (h / "device").symlink_to(devdir)
    for f, v in files.items():
        (h / f).write_text(f"{v}\n")
    return h


def sdr_rows(b):
    """`ipmitool sdr list` as {name: (value, status)}."""
    r = ok(b.ipmitool("sdr", "list"))
    rows = {}
    for line in r.out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3:
            rows[parts[0]] = (parts[1], parts[-1])
    return rows


def hwmon_board(tmp_path):
    root = tmp_path / "sys"
    good = make_hwmon(root, "lm75", "8-004c", {"temp1_input": 30000})
    bad = make_hwmon(root, "lm75", "8-004d", {"temp1_input": 41000})
    board = load_board()
    board["hwmon_root"] = str(root / "class")
    board.pop("dcmi", None)          # its power sensors are replaced below
    board["sensors"] = [
        {"name": "Good Temp", "type": "temperature", "units": "degrees C", "min": 0,
         "max": 127.5, "poll_ms": 100,
         "source": {"kind": "hwmon", "name": "lm75", "device": "8-004c", "channel": "temp1"}},
        {"name": "Faulty Temp", "type": "temperature", "units": "degrees C", "min": 0,
         "max": 127.5, "poll_ms": 100,
         "source": {"kind": "hwmon", "name": "lm75", "device": "8-004d", "channel": "temp1"}},
    ]
    return write_board(tmp_path, board), good, bad


def fifo_fault(path):
    """temp1_input becomes a FIFO with a writer that never writes: a
    blocking read of it would wait forever."""
    path.unlink()
    os.mkfifo(path)
    return os.open(path, os.O_RDWR | os.O_NONBLOCK)   # the writer end, held open


def eio_fault(path):
    """temp1_input becomes a symlink to /proc/self/mem: opened by bmcd it is
    bmcd's own memory, and a read at offset 0 (never mapped) fails with EIO,
    the errno a real sysfs attribute returns when its bus transfer fails."""
    path.unlink()
    path.symlink_to("/proc/self/mem")
    return None


@pytest.mark.parametrize("fault,errtext", [(fifo_fault, "Resource temporarily unavailable"),
                                           (eio_fault, "Input/output error")],
                         ids=["blocking-fifo", "eio"])
def test_hwmon_fault_marks_only_its_sensor(bmc_factory, tmp_path, fault, errtext):
    board, good, bad = hwmon_board(tmp_path)
    b = bmc_factory(board=board)
    wait_for(lambda: sdr_rows(b).get("Faulty Temp", ("",))[0].startswith("41"), "the first reading")
    base = latencies(b.port)
    held = fault(bad / "temp1_input")
    try:
        rows = wait_for(lambda: (lambda r: r if r["Faulty Temp"][1] == "ns" else None)(sdr_rows(b)),
                        "Faulty Temp unavailable")
        assert rows["Good Temp"][1] == "ok" and rows["Good Temp"][0].startswith("30"), rows
        during = latencies(b.port)       # ~15 polls of the faulty file meanwhile
        rows = sdr_rows(b)
        assert rows["Faulty Temp"][1] == "ns" and rows["Good Temp"][1] == "ok", rows
    finally:
        if held is not None:
            os.close(held)
    compare(f"hwmon {fault.__name__}", base, during)
    log = b.stderr()
    assert log.count("Faulty Temp: reading unavailable") == 1, log[-3000:]
    assert errtext in log, log[-3000:]
    assert "Good Temp: reading unavailable" not in log
    # The fault ends: the file is a file again.
    (bad / "temp1_input").unlink()
    (bad / "temp1_input").write_text("42000\n")
    wait_for(lambda: sdr_rows(b)["Faulty Temp"][0].startswith("42"), "Faulty Temp back")
    assert b.stderr().count("Faulty Temp: reading available again") == 1


# --------------------------------------------------------------------------
# I2C (the simulated backend's fault knob: <sim>/<device file>.fault)


APP, MWR = 0x06, 0x52
SCRATCH8 = 0xAE                      # 8-bit form of 7-bit 0x57 on private bus 0


def sim_i2c(bmc_factory, tmp_path):
    state = tmp_path / "state"
    (state / "sim").mkdir(parents=True)
    (state / "sim" / "i2c-private0-0x57").write_bytes(bytes(range(256)))
    return bmc_factory(state_dir=state)


def read4(b):
    return raw(b, APP, MWR, 0x01, SCRATCH8, 4, 0x10)


# The LAN's p99 during an I2C fault may be at most I2C_FACTOR times its p99
# without, and never needs to be under I2C_FLOOR_MS.  Both samples are taken
# with the same I2C client hammering the device (healthy, then faulty), so
# the ipmitool processes' own load is in both and only the fault differs;
# a shared machine's noise moves a few-ms p99 by tens of ms at worst.  The
# bound is capped at I2C_CAP_MS, below the 100 ms adapter timeout, so it
# cannot pass if LAN requests wait for stalled transfers: without the
# back-off every hammer request stalled the loop for 100 ms and the p99 was
# ~100 ms.  With it a stalled device costs one transfer per back-off period
# (2, 4, 8, 16, 30 s: probes 2, 6 and 14 s after the first stall, so at most
# 2 in a sample shorter than 14 s; it takes 3-8 s here), each delaying at
# most one LAN request (the client waits for each answer), and a p99 of
# I2C_PROBE_N requests ignores the 4 slowest.
I2C_FACTOR, I2C_FLOOR_MS, I2C_CAP_MS = 5, 40.0, 80.0
I2C_PROBE_N = 400


def hammered(b, port, results):
    """LAN latencies while an I2C client reads the device again and again;
    its results into results."""
    done = threading.Event()

    def hammer():
        while not done.is_set():
            results.append(read4(b))
    th = threading.Thread(target=hammer)
    th.start()
    try:
        time.sleep(0.2)                  # the first ipmitool under way
        return latencies(port, I2C_PROBE_N)
    finally:
        done.set()
        th.join(60)


@pytest.mark.parametrize("kind,cc", [("nak", 0x83), ("stall", 0x82)])
def test_i2c_device_fault(bmc_factory, tmp_path, kind, cc):
    b = sim_i2c(bmc_factory, tmp_path)
    assert "10 11 12 13" in ok(read4(b)).out
    healthy = []
    base = hammered(b, b.port, healthy)
    assert healthy and all(x.ok for x in healthy), [x.text for x in healthy if not x.ok][:3]
    knob = b.state_dir / "sim" / "i2c-private0-0x57.fault"
    knob.write_text(kind + "\n")
    r = read4(b)
    assert not r.ok and f"rsp=0x{cc:02x}" in r.text.lower(), r
    # Meanwhile the I2C client keeps hitting the faulty device while the LAN
    # latency is measured.  A NAK is quick; a stall holds the loop for the
    # adapter timeout, 100 ms, as a real adapter's would, so after one
    # bmcd leaves the device alone (i2c/dev.h, back-off) and answers 82h
    # at once until its next probe.
    results = []
    during = hammered(b, b.port, results)
    compare(f"i2c {kind} (an I2C client hammering it in both)", base, during)
    stalls = b.stderr().count("i2c-private0-0x57: Connection timed out")
    print(f"[hwfaults] i2c {kind}: {len(results)} I2C requests during the sample, "
          f"{stalls} stalled transfers since the fault began")
    assert results and not any(x.ok for x in results), "a transfer to the faulty device succeeded"
    assert all(f"rsp=0x{cc:02x}" in x.text.lower() for x in results), \
        [x.text for x in results if f"rsp=0x{cc:02x}" not in x.text.lower()][:3]
    limit = min(max(I2C_FACTOR * p99_ms(base[0]), I2C_FLOOR_MS), I2C_CAP_MS)
    assert p99_ms(during[0]) < limit, \
        f"i2c {kind}: LAN p99 {p99_ms(during[0]):.1f} ms during the fault, limit {limit:.1f} ms"
    # The rest of the BMC is untouched.
    rows = sdr_rows(b)
    assert rows and all(st in ("ok", "ns") for _, st in rows.values()), rows
    knob.unlink()
    log = b.stderr()
    if kind == "stall":
        # Logged once however many requests met it; the probes that still
        # stalled are not logged again.
        assert log.count("holds the bus (") == 1, log[-3000:]
        # Healed: the next probe (at most I2C_BACKOFF_MAX_MS, 30 s, away;
        # about 8 s here) finds it.
        wait_for(lambda: "10 11 12 13" in read4(b).out, "the device back", deadline=35)
        assert b.stderr().count("answers again") == 1, b.stderr()[-3000:]
    else:
        # A NAK costs nothing: no back-off, the next request goes through.
        assert "holds the bus (" not in log, log[-3000:]
        assert "10 11 12 13" in ok(read4(b)).out
    rows = sdr_rows(b)
    assert rows and all(st in ("ok", "ns") for _, st in rows.values()), rows


# --------------------------------------------------------------------------
# UART: the pty behind the tty backend goes away, then comes back


def test_uart_disappears_and_comes_back(bmc_factory, tmp_path):
    from solclient import SolConsole
    master, slave = os.openpty()
    import pathlib
    import tempfile
    short = pathlib.Path(tempfile.mkdtemp(prefix="bmcdtty-", dir="/tmp"))  # sol.tty: <= 63 bytes
    link = short / "ttyUSB0"             # what udev would name the adapter
    link.symlink_to(os.ttyname(slave))
    board = load_board()
    board["sol"] = {"uart": "tty", "tty": str(link), "baud": 115200}
    b = bmc_factory(board=write_board(tmp_path, board))
    base = latencies(b.port)
    # Unplugged: the master side closes; bmcd's reads of the slave fail.
    os.close(slave)
    os.close(master)
    link.unlink()
    wait_for(lambda: "UART tty closed" in b.stderr(), "the UART closed")
    during = latencies(b.port)           # bmcd retries the open meanwhile
    compare("uart gone", base, during)
    assert ok(b.ipmitool("sol", "info")).ok
    assert b.stderr().count("UART tty closed") == 1, b.stderr()[-2000:]
    # Plugged back in (another pty, the same name).
    master, slave = os.openpty()
    try:
        link.symlink_to(os.ttyname(slave))
        wait_for(lambda: "is back" in b.stderr(), "the UART reopened")
        c = SolConsole(b.port).open()
        cc, _ = c.activate()
        assert cc == 0, hex(cc)
        os.write(master, b"after the replug\r\n")
        assert c.pump(lambda c: b"after the replug" in c.out, timeout=5), c.out
        c.deactivate()
        # Failed reopen attempts were not logged.
        assert "cannot open" not in b.stderr()
    finally:
        os.close(master)
        os.close(slave)
        shutil.rmtree(short, ignore_errors=True)


# --------------------------------------------------------------------------
# UART: not there when bmcd starts (a tty through a symlink as udev names an
# adapter, or QEMU's unix socket chardev not up yet), made afterwards


@pytest.mark.parametrize("kind", ["tty", "socket"])
def test_uart_absent_at_start(bmc_factory, tmp_path, kind):
    import pathlib
    import tempfile
    from solclient import SolConsole
    short = pathlib.Path(tempfile.mkdtemp(prefix="bmcdtty-", dir="/tmp"))  # <= 63 bytes
    path = short / ("ttyUSB0" if kind == "tty" else "console.sock")
    board = load_board()
    board["sol"] = ({"uart": "tty", "tty": str(path), "baud": 115200} if kind == "tty"
                    else {"uart": "socket", "socket": f"unix:{path}"})
    master = slave = srv = conn = None
    try:
        b = bmc_factory(board=write_board(tmp_path, board))
        assert ok(b.ipmitool("mc", "info")).ok
        log = b.stderr()
        assert log.count(f"{path} not there at start") == 1, log[-2000:]
        assert "No such file or directory" in log or "Connection refused" in log, log[-2000:]
        # Meanwhile SOL activates as with a UART gone at run time: silent.
        c = SolConsole(b.port).open()
        cc, _ = c.activate()
        assert cc == 0, hex(cc)
        c.deactivate()
        c.close()
        # The UART appears.
        if kind == "tty":
            master, slave = os.openpty()
            path.symlink_to(os.ttyname(slave))
        else:
            srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            srv.bind(str(path))
            srv.listen(1)
            srv.settimeout(5)
        wait_for(lambda: "is back" in b.stderr(), "the UART opened")
        if srv:
            conn, _ = srv.accept()
        c = SolConsole(b.port).open()
        cc, _ = c.activate()
        assert cc == 0, hex(cc)
        if conn:
            conn.sendall(b"late console\r\n")
        else:
            os.write(master, b"late console\r\n")
        assert c.pump(lambda c: b"late console" in c.out, timeout=5), c.out
        c.type("keys\r")
        got, t_end = b"", time.monotonic() + 5
        while b"keys" not in got and time.monotonic() < t_end:
            try:
                if conn:
                    conn.settimeout(0.2)
                    got += conn.recv(4096)
                else:
                    import select
                    if select.select([master], [], [], 0.2)[0]:
                        got += os.read(master, 4096)
            except socket.timeout:
                pass
        assert b"keys" in got, got
        c.deactivate()
        log = b.stderr()
        # The failed opens in between were not logged.
        assert log.count(str(path)) == 2, log[-2000:]   # "not there", "is back"
    finally:
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
        for sk in (conn, srv):
            if sk is not None:
                sk.close()
        shutil.rmtree(short, ignore_errors=True)


# --------------------------------------------------------------------------
# NIC: a veth pair between two network namespaces the test makes


def ip(*args, ns=None):
    argv = ["ip"] + (["netns", "exec", ns, "ip"] if ns else []) + [str(a) for a in args]
    return run(argv, timeout=10)


# The client side, run inside the client namespace: one session kept across
# the link going down and up; commands on stdin, JSON answers on stdout.
NETNS_PROBE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from test_hwfaults import console, sample
from rmcpclient import RmcpError
c = console(int(sys.argv[3]), host=sys.argv[2])
for line in sys.stdin:
    cmd, n, timeout = line.split()
    if cmd == "sample":
        out = sample(c, int(n), float(timeout))
    else:                            # "wait": until the first answer
        t0, out = time.monotonic(), None
        while out is None and time.monotonic() - t0 < float(timeout):
            try:
                c.request(0x06, 0x01, timeout=0.2, tries=1)
                out = time.monotonic() - t0
            except RmcpError:
                pass
    print(json.dumps(out), flush=True)
"""


@pytest.fixture
def netns_pair():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2 for network namespaces")
    tag = uuid.uuid4().hex[:6]
    nb, nc = f"bmcd-b-{tag}", f"bmcd-c-{tag}"
    vb, vc = f"vb{tag}", f"vc{tag}"
    r = ip("netns", "add", nb)
    if not r.ok:
        pytest.skip(f"cannot make a network namespace here: {r.err.strip()}")
    try:
        ok(ip("netns", "add", nc))
        ok(ip("link", "add", vb, "netns", nb, "type", "veth", "peer", "name", vc, "netns", nc))
        ok(ip("addr", "add", "10.231.0.1/24", "dev", vb, ns=nb))
        ok(ip("addr", "add", "10.231.0.2/24", "dev", vc, ns=nc))
        for ns, dev in ((nb, vb), (nc, vc), (nb, "lo"), (nc, "lo")):
            ok(ip("link", "set", dev, "up", ns=ns))
        yield nb, nc, vb
    finally:
        ip("netns", "del", nb)
        ip("netns", "del", nc)


def test_nic_down_and_up(tmp_path, netns_pair):
    import json
    import sys
    from conftest import Bmcd
    nb, nc, vb = netns_pair
    here = os.path.dirname(os.path.abspath(__file__))
    port = 623
    wd = tmp_path / "d"
    wd.mkdir()
    b = Bmcd(workdir=wd, port=port)
    b.state_dir.mkdir(parents=True)
    # bmcd inside the namespace, on the veth's address.
    argv = b.argv
    argv[argv.index("--listen") + 1] = f"10.231.0.1:{port}"
    log = open(wd / "bmcd.stderr", "wb")
    proc = subprocess.Popen(["ip", "netns", "exec", nb] + argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=log, cwd=str(wd))
    cli = None

    def ask(*words):
        cli.stdin.write(" ".join(str(w) for w in words) + "\n")
        cli.stdin.flush()
        line = cli.stdout.readline()
        assert line, "the probe in the client namespace died"
        return json.loads(line)

    try:
        # Wait for the daemon: Get Channel Authentication Capabilities.
        wait_for(lambda: run(["ip", "netns", "exec", nc, "ipmitool", "-I", "lanplus", "-H",
                              "10.231.0.1", "-U", "admin", "-P", "password", "-N", "1", "-R", "1",
                              "mc", "info"], timeout=10).ok, "bmcd answering in the namespace")
        cli = subprocess.Popen(["ip", "netns", "exec", nc, sys.executable, "-c", NETNS_PROBE, here,
                                "10.231.0.1", str(port)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
        base = ask("sample", PROBE_N, PROBE_TIMEOUT)
        ok(ip("link", "set", vb, "down", ns=nb))
        down = ask("sample", 5, 0.3)
        assert down[1] == 5, f"answers with the link down? {down}"
        ok(ip("link", "set", vb, "up", ns=nb))
        back = ask("wait", 0, 30)
        assert back is not None, "no answer within 30 s of the link coming back"
        after = ask("sample", PROBE_N, PROBE_TIMEOUT)
        print(f"\n[hwfaults] nic: the session of before answers {back:.2f} s after the link "
              f"came up")
        compare("nic down/up", base, after, phase="after it came back")
        assert proc.poll() is None, "bmcd exited"
        # The LAN configuration still reads the interface's address.
        r = run(["ip", "netns", "exec", nc, "ipmitool", "-I", "lanplus", "-H", "10.231.0.1",
                 "-U", "admin", "-P", "password", "-N", "1", "-R", "2", "mc", "info"], timeout=20)
        assert r.ok, r
    finally:
        if cli:
            cli.stdin.close()
            cli.wait(10)
        proc.terminate()
        try:
            rc = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait(5)
        log.close()
    err = (wd / "bmcd.stderr").read_text(errors="replace")
    assert rc == 0, err[-3000:]
    assert "AddressSanitizer" not in err
