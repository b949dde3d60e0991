"""Serial over LAN: ipmitool, ipmiconsole and pyghmi reach the simulated
host's serial console; the SOL configuration parameters; payload access;
1 MiB of known data intact, also through a path that loses 5% of the
datagrams; bad SOL input is dropped and the console keeps working."""

import os
import random
import re
import socket
import threading
import time
import zlib

import pexpect
import pytest

from conftest import HOST, SYS_PYTHON, Bmcd, load_board, run, write_board
from solclient import SolConsole

BLAST_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def blast_data(n):
    """What the sim console's 'blast n' prints (boards/sim_console.h)."""
    return bytes(BLAST_ALNUM[(i + (i >> 6)) % 62] for i in range(n))


def ipmitool_argv(b, *args, user="admin", password="password"):
    return ["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(b.port), "-U", user,
            "-P", password, *args]


def spawn(argv, b, timeout=10):
    return pexpect.spawn(argv[0], argv[1:], env=b.client_env(), timeout=timeout,
                         encoding="utf-8", codec_errors="replace")


def echo_and_leave(child, text, escape="~."):
    """The shell echoes text back; then the client's escape ends it."""
    child.send(f"echo {text}\r")
    child.expect(r"\r\n" + re.escape(text) + r"\r\n")
    child.send("\r" + escape)
    child.expect(pexpect.EOF)


def login(child, escape=None):
    """From anywhere on the sim console to a root shell prompt."""
    child.send("\r")
    i = child.expect([r"sim login: ", r"root@sim:~# "])
    if i == 0:
        child.send("root\r")
        child.expect("Password: ")
        child.send("password\r")
        child.expect(r"root@sim:~# ")


def raw_login(c):
    c.type("\r")
    c.pump(lambda k: k.out.endswith(b"sim login: ") or k.out.endswith(b"# "), 5)
    if c.out.endswith(b"sim login: "):
        c.type("root\r")
        c.expect("Password: ")
        c.type("password\r")
        c.expect("# ", start=len(c.out) - 40)


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """A daemon whose simulated host is on and booted to its login prompt."""
    d = Bmcd(workdir=tmp_path_factory.mktemp("sol")).start()
    r = d.ipmitool("chassis", "power", "on")
    assert r.ok, r
    d.wait_power("on")
    time.sleep(1.5)             # the boot log takes about a second
    yield d
    d.stop_and_check()


def raw_console(b, port=None, **kw):
    c = SolConsole(port or b.port, **kw).open()
    cc, data = c.activate()
    assert cc == 0, hex(cc)
    return c, data


# --------------------------------------------------------------------------
# ipmitool


def test_ipmitool_sol_activate_login_command_and_leave(host):
    child = spawn(ipmitool_argv(host, "sol", "activate"), host)
    try:
        child.expect(r"\[SOL Session operational")
        login(child)
        child.send("uname -a\r")
        child.expect(r"Linux sim 6\.1\.0-18-amd64 .* GNU/Linux")
        child.expect(r"root@sim:~# ")
        echo_and_leave(child, "hello over sol")
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    # leaving deactivated the payload: a new session can activate at once
    r = host.ipmitool("raw", "0x06", "0x4a", "0x01")
    assert r.ok and r.out.split()[:3] == ["01", "00", "00"], r


def test_ipmitool_sees_boot_log_live(host):
    child = spawn(ipmitool_argv(host, "sol", "activate"), host, timeout=15)
    try:
        child.expect(r"\[SOL Session operational")
        r = host.ipmitool("chassis", "power", "reset")
        assert r.ok, r
        child.expect("SimBIOS")
        child.expect("GNU GRUB")
        child.expect(r"Linux version 6\.1\.0")
        child.expect("sim login: ")
        login(child)
        child.send("\r~.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_second_session_gets_80h_until_deactivated(host):
    first = spawn(ipmitool_argv(host, "sol", "activate"), host)
    try:
        first.expect(r"\[SOL Session operational")
        r = host.ipmitool("sol", "activate", timeout=15)
        assert "SOL payload already active on another session" in r.text, r
        # the raw answer is 80h with no data
        c = SolConsole(host.port).open()
        try:
            cc, data = c.activate()
            assert (cc, data) == (0x80, b"")
        finally:
            c.close()
        # a user-privilege session may not end someone else's payload
        r = host.ipmitool("sol", "deactivate", user="user", password="user", priv="USER")
        assert not r.ok
        # an administrator may
        r = host.ipmitool("sol", "deactivate")
        assert r.ok, r
        # and then the console is free again
        c, _ = raw_console(host)
        try:
            raw_login(c)
            c.type("echo second\r")
            c.expect("second\r\n")
        finally:
            c.deactivate()
            c.close()
        # deactivating twice: 80h
        r = host.ipmitool("raw", "0x06", "0x49", "1", "1", "0", "0", "0", "0")
        assert "rsp=0x80" in r.text, r
    finally:
        first.close(force=True)


def test_closing_the_session_deactivates(host):
    c, _ = raw_console(host)
    c.close()
    r = host.ipmitool("raw", "0x06", "0x4a", "0x01")
    assert r.ok and r.out.split()[:3] == ["01", "00", "00"], r


def test_payload_info_commands(host):
    r = host.ipmitool("raw", "0x06", "0x4e", "0x0e")       # channel payload support
    assert r.ok and r.out.split() == ["03", "00", "3f", "00", "00", "00", "00", "00"], r
    r = host.ipmitool("raw", "0x06", "0x4f", "0x01", "0x01")   # payload version
    assert r.ok and r.out.split() == ["10"], r
    r = host.ipmitool("raw", "0x06", "0x4f", "0x01", "0x02")
    assert "rsp=0x80" in r.text, r
    c, data = raw_console(host)
    try:
        assert data[4:8] == bytes([0x03, 0x01, 0x03, 0x01])     # 259 = 255 characters + 4
        assert int.from_bytes(data[8:10], "little") == host.port
        assert data[10:12] == b"\xff\xff"
        cc, info = c.request(0x06, 0x4B, bytes([1, 1]))
        assert cc == 0 and int.from_bytes(info[:4], "little") == c.bmc_sid and info[4] == 1
        cc, st = c.request(0x06, 0x4A, bytes([1]))
        assert cc == 0 and st == bytes([1, 1, 0])
    finally:
        c.deactivate()
        c.close()


# --------------------------------------------------------------------------
# configuration


SETS = [
    # ipmitool name, value, "sol info" line, expected text
    ("enabled", "false", "Enabled", "false"),
    ("enabled", "true", "Enabled", "true"),
    ("force-encryption", "false", "Force Encryption", "false"),
    ("force-authentication", "false", "Force Authentication", "false"),
    ("privilege-level", "operator", "Privilege Level", "OPERATOR"),
    ("character-accumulate-level", "4", "Character Accumulate Level (ms)", "20"),
    ("character-send-threshold", "100", "Character Send Threshold", "100"),
    ("retry-count", "5", "Retry Count", "5"),
    ("retry-interval", "20", "Retry Interval (ms)", "200"),
    ("non-volatile-bit-rate", "57.6", "Non-Volatile Bit Rate (kbps)", "57.6"),
    ("volatile-bit-rate", "19.2", "Volatile Bit Rate (kbps)", "19.2"),
]


def sol_info(b):
    r = b.ipmitool("sol", "info")
    assert r.ok, r
    return {k.strip(): v.strip() for k, _, v in (l.partition(":") for l in r.out.splitlines()) if _}


def test_sol_set_every_parameter_and_persistence(bmc_factory):
    b = bmc_factory()
    for name, value, key, want in SETS:
        r = b.ipmitool("sol", "set", name, value)
        assert r.ok, r
        assert sol_info(b)[key] == want, (name, value)
    info = sol_info(b)
    assert info["Payload Channel"].startswith("1")
    assert info["Payload Port"] == str(b.port)
    # range checks
    r = b.ipmitool("raw", "0x0c", "0x21", "0x01", "0x04", "0x08", "0x01")     # retry count 8
    assert "rsp=0xc9" in r.text, r
    r = b.ipmitool("raw", "0x0c", "0x21", "0x01", "0x05", "0x03")             # bit rate code 3
    assert "rsp=0xc9" in r.text, r
    r = b.ipmitool("raw", "0x0c", "0x21", "0x01", "0x07", "0x01")             # channel: read-only
    assert "rsp=0x82" in r.text, r
    r = b.ipmitool("raw", "0x0c", "0x22", "0x01", "0x09", "0x00", "0x00")     # no such parameter
    assert "rsp=0x80" in r.text, r
    r = b.ipmitool("raw", "0x0c", "0x22", "0x81", "0x03", "0x00", "0x00")     # revision only
    assert r.ok and r.out.split() == ["11"], r
    r = b.ipmitool("raw", "0x0c", "0x21", "0x01", "0x00", "0x01")             # set in progress
    assert r.ok
    r = b.ipmitool("raw", "0x0c", "0x21", "0x01", "0x00", "0x01")             # ... twice
    assert "rsp=0x81" in r.text, r
    r = b.ipmitool("raw", "0x0c", "0x21", "0x01", "0x00", "0x00")
    assert r.ok
    # operator privilege is now required to activate: a user session is refused
    r = b.ipmitool("sol", "activate", user="user", password="user", priv="USER", timeout=15)
    assert "Insufficient privilege" in r.text or "0xd4" in r.text.lower(), r

    b.restart()
    info = sol_info(b)
    want = {}
    for name, value, key, text in SETS:
        want[key] = text
    # volatile: back to the non-volatile rate after a restart
    want["Volatile Bit Rate (kbps)"] = want["Non-Volatile Bit Rate (kbps)"]
    for key, text in want.items():
        assert info[key] == text, (key, info)


def test_corrupt_state_file_means_defaults(bmc_factory, tmp_path):
    b = bmc_factory()
    assert b.ipmitool("sol", "set", "retry-count", "3").ok
    b.stop_and_check()
    (b.state_dir / "sol").write_bytes(b"garbage")
    b.proc = None
    b.returncode = None         # running again: the factory stops and checks it
    b.start()
    assert sol_info(b)["Retry Count"] == "7"
    assert "sol is corrupt" in b.stderr()


def test_sol_payload_disable_enable_for_user(bmc_factory):
    b = bmc_factory()
    r = b.ipmitool("sol", "payload", "disable", "1", "4")
    assert r.ok, r
    r = b.ipmitool("sol", "payload", "status", "1", "4")
    assert "disabled" in r.text.lower(), r
    r = b.ipmitool("sol", "activate", user="user", password="user", priv="USER", timeout=15)
    assert "SOL payload disabled" in r.text, r
    # other users are not affected
    c, _ = raw_console(b)
    c.deactivate()
    c.close()
    r = b.ipmitool("sol", "payload", "enable", "1", "4")
    assert r.ok, r
    r = b.ipmitool("sol", "payload", "status", "1", "4")
    assert "enabled" in r.text.lower(), r
    c, _ = raw_console(b, user=b"user", password=b"user", role=2)
    c.deactivate()
    c.close()


def test_sol_disabled_refuses_activation(bmc_factory):
    b = bmc_factory()
    assert b.ipmitool("sol", "set", "enabled", "false").ok
    r = b.ipmitool("sol", "activate", timeout=15)
    assert "SOL payload disabled" in r.text, r


# --------------------------------------------------------------------------
# FreeIPMI and pyghmi


class NetnsBmcd(Bmcd):
    """bmcd on 127.0.0.1:623 in a network namespace of its own: ipmiconsole
    takes no port number."""

    def __init__(self, ns, **kw):
        super().__init__(port=623, **kw)
        self.ns = ns

    @property
    def argv(self):
        return ["ip", "netns", "exec", self.ns] + super().argv


@pytest.fixture
def netns():
    name = f"bmcdsol{os.getpid()}"
    r = run(["ip", "netns", "add", name])
    if not r.ok:
        pytest.skip(f"cannot make a network namespace: {r.err.strip()}")
    try:
        assert run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"]).ok
        yield name
    finally:
        run(["ip", "netns", "del", name])


def test_ipmiconsole_reaches_the_console(netns, tmp_path):
    b = NetnsBmcd(netns, workdir=tmp_path).start()
    try:
        r = run(["ip", "netns", "exec", netns, "ipmitool", "-I", "lanplus", "-H", HOST, "-U", "admin",
                 "-P", "password", "chassis", "power", "on"], env=b.client_env())
        assert r.ok, r
        argv = ["ip", "netns", "exec", netns, "ipmiconsole", "-h", HOST, "-u", "admin", "-p",
                "password", "-W", "none", "-I", "17"]
        child = spawn(argv, b, timeout=15)
        try:
            child.expect(r"\[SOL established\]")
            child.expect("sim login: ")         # the host boots while we watch
            login(child)
            echo_and_leave(child, "from ipmiconsole", escape="&.")
        finally:
            child.close(force=True)
    finally:
        b.stop_and_check()


PYGHMI = r"""
import sys, time
from pyghmi.ipmi import console
got = []
def handler(data):
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    if isinstance(data, str):
        got.append(data)
c = console.Console(bmc=sys.argv[1], userid="admin", password="password",
                    iohandler=handler, port=int(sys.argv[2]))
t_end = time.time() + 15
sent = False
while time.time() < t_end:
    console.session.Session.wait_for_rsp(0.2)
    text = "".join(got)
    if not sent and c.connected:
        c.send_data("\recho pyghmi-says-hi\r")
        sent = True
    if "pyghmi-says-hi\r\n" in text:   # the host's echo
        print("OK")
        break
print(text[-500:])
c.close()
"""


def test_pyghmi_console_gets_data(host):
    r = run([SYS_PYTHON, "-c", PYGHMI, HOST, host.port], timeout=30, env=host.client_env())
    assert "OK" in r.out, r
    # its payload was deactivated again
    deadline = time.monotonic() + 5
    while True:
        r = host.ipmitool("raw", "0x06", "0x4a", "0x01")
        if r.out.split()[:2] == ["01", "00"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)


# --------------------------------------------------------------------------
# throughput and loss


def blast(c, n, timeout):
    start = len(c.out)
    c.type(f"blast {n}\r")
    i = c.expect(f"BLAST-BEGIN {n}\r\n", start=start, timeout=5)
    t0 = time.monotonic()
    j = c.expect(f"BLAST-END {n} ", start=i, timeout=timeout)
    elapsed = time.monotonic() - t0
    c.expect("# ", start=j)
    data = bytes(c.out[i + len(f"BLAST-BEGIN {n}\r\n"):j - 2])
    crc = c.out[j + len(f"BLAST-END {n} "):j + len(f"BLAST-END {n} ") + 8].decode()
    return data, crc, elapsed


def test_blast_1mib_intact_raw_console(host, record_property):
    c, _ = raw_console(host)
    try:
        raw_login(c)
        data, crc, elapsed = blast(c, 1 << 20, 60)
    finally:
        c.deactivate()
        c.close()
    assert len(data) == 1 << 20
    assert f"{zlib.crc32(data):08x}" == crc
    assert data == blast_data(1 << 20)
    record_property("sol_bytes_per_s", int(len(data) / elapsed))
    print(f"SOL throughput (raw console): {len(data) / elapsed / 1e3:.0f} kB/s")


def test_blast_through_ipmitool(host, tmp_path):
    n = 1 << 20
    outp = tmp_path / "out"
    argv = ipmitool_argv(host, "sol", "activate")
    child = pexpect.spawn(argv[0], argv[1:], env=host.client_env(), timeout=10,
                          maxread=65536, searchwindowsize=256)
    try:
        with open(outp, "wb") as log:
            child.expect(rb"\[SOL Session operational")
            child.send(b"\r")
            if child.expect([rb"sim login: ", rb"root@sim:~# "]) == 0:
                child.send(b"root\r")
                child.expect(b"Password: ")
                child.send(b"password\r")
                child.expect(rb"root@sim:~# ")
            child.logfile_read = log
            t0 = time.monotonic()
            child.send(f"blast {n}\r".encode())
            child.expect(rb"BLAST-END \d+ [0-9a-f]{8}\r\n", timeout=60)
            elapsed = time.monotonic() - t0
            child.logfile_read = None
        child.send(b"\r~.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
        if child.exitstatus != 0:
            host.ipmitool("sol", "deactivate")
    out = outp.read_bytes()
    m = re.search(rb"BLAST-BEGIN (\d+)\r\n(.*)\r\nBLAST-END (\d+) ([0-9a-f]{8})", out, re.S)
    assert m, out[-300:]
    data = m.group(2)
    assert len(data) == n and f"{zlib.crc32(data):08x}" == m.group(4).decode()
    print(f"SOL throughput (ipmitool): {n / elapsed / 1e3:.0f} kB/s")


class LossyProxy:
    """UDP between a console and bmcd on 127.0.0.1, dropping a share of the
    datagrams each way once enabled."""

    def __init__(self, target_port, loss=0.05, seed=6):
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind((HOST, 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect((HOST, target_port))
        self.loss = 0.0
        self.want_loss = loss
        self.rng = random.Random(seed)
        self.client = None
        self.dropped = [0, 0]
        self.stop = False
        self.threads = [threading.Thread(target=self._up, daemon=True),
                        threading.Thread(target=self._down, daemon=True)]
        for s in (self.front, self.back):
            s.settimeout(0.2)
        for t in self.threads:
            t.start()

    def _up(self):
        while not self.stop:
            try:
                pkt, addr = self.front.recvfrom(4096)
            except (socket.timeout, OSError):
                continue
            self.client = addr
            if self.rng.random() < self.loss:
                self.dropped[0] += 1
                continue
            self.back.send(pkt)

    def _down(self):
        while not self.stop:
            try:
                pkt = self.back.recv(4096)
            except (socket.timeout, OSError):
                continue
            if self.client is None:
                continue
            if self.rng.random() < self.loss:
                self.dropped[1] += 1
                continue
            self.front.sendto(pkt, self.client)

    def close(self):
        self.stop = True
        for t in self.threads:
            t.join(1)
        self.front.close()
        self.back.close()


def test_blast_intact_through_5_percent_loss(host):
    # shorter retransmission interval, so the test stays quick
    assert host.ipmitool("sol", "set", "retry-interval", "1").ok
    proxy = LossyProxy(host.port)
    try:
        c, _ = raw_console(host, port=proxy.port)
        try:
            raw_login(c)
            proxy.loss = proxy.want_loss
            n = 1 << 20
            data, crc, elapsed = blast(c, n, 90)
            proxy.loss = 0
        finally:
            try:
                c.deactivate()
            finally:
                c.close()
    finally:
        proxy.close()
        host.ipmitool("sol", "set", "retry-interval", "10")
    assert sum(proxy.dropped) > 100, proxy.dropped
    assert len(data) == n and f"{zlib.crc32(data):08x}" == crc
    assert data == blast_data(n)
    print(f"SOL through 5% loss: {n / elapsed / 1e3:.0f} kB/s, dropped {proxy.dropped}")


# --------------------------------------------------------------------------
# bad input


def acked(c, seq, wait=0.5):
    t_end = time.monotonic() + wait
    while time.monotonic() < t_end:
        r = c.handle(c.recv(0.1))
        if r and r[1] == seq:
            return True
    return False


def test_bad_sol_input_is_dropped(host):
    c = SolConsole(host.port).open()
    try:
        # SOL on a session that has not activated the payload
        c.send(c.sol(1, data=b"x"))
        assert not acked(c, 1)
        cc, _ = c.activate()
        assert cc == 0
        c.pump(timeout=0.3)
        # characters without a sequence number
        c.send(c.sol(0, data=b"zzz"))
        # oversized: 300 characters
        c.send(c.sol(2, data=b"y" * 300))
        assert not acked(c, 2)
        # unencrypted on an encrypted session
        c.send(c.sol(3, data=b"echo plain\r", encrypt=False))
        assert not acked(c, 3)
        # unauthenticated
        c.send(c.sol(4, data=b"echo noauth\r", encrypt=False, authenticate=False))
        assert not acked(c, 4)
        # truncated header
        c.send(c.frame(0x01, b"\x05\x00"))
        assert not acked(c, 5)
        # a replayed (same RMCP+ session sequence number) packet is dropped
        pkt = c.sol(6, data=b"\x03")       # Ctrl-C: clears the line
        c.send(pkt)
        assert acked(c, 6)
        c.send(pkt)
        # a retransmission (same SOL sequence, new session sequence) is ACKed
        # again without the characters being written twice
        c.send(c.sol(6, data=b"\x03"))
        assert acked(c, 6)
        assert c.acks[-1][:2] == (6, 1)
        # the console still works, and nothing of the above reached the host
        c.sol_seq = 6
        raw_login(c)
        start = len(c.out)
        c.type("echo still-fine\r")
        c.expect("still-fine\r\n", start=start)
        assert b"plain" not in c.out and b"noauth" not in c.out and b"zzz" not in c.out[start:]
    finally:
        c.deactivate()
        c.close()
    assert host.alive()


def test_force_encryption_refuses_weaker_sessions(bmc_factory, tmp_path):
    board = load_board()
    board["lan"]["cipher_suites"] = [2, 3, 17]      # 2: integrity, no confidentiality
    b = bmc_factory(board=write_board(tmp_path, board))
    # ipmitool asks for encryption; a suite-2 session has none: 83h
    r = b.ipmitool("sol", "activate", cipher=2, timeout=15)
    assert "cannot activate SOL payload with encryption" in r.text, r
    # without asking, force-encryption (the default) still refuses: 84h
    r = b.ipmitool("raw", "0x06", "0x48", "1", "1", "0x40", "0", "0", "0", cipher=2)
    assert "rsp=0x84" in r.text, r
    assert b.ipmitool("sol", "set", "force-encryption", "false").ok
    r = b.ipmitool("raw", "0x06", "0x48", "1", "1", "0x40", "0", "0", "0", cipher=2)
    assert r.ok, r
    # ipmitool closed that session, which deactivated the payload
    r = b.ipmitool("sol", "deactivate")
    assert "SOL payload already de-activated" in r.text, r


def test_console_history_readable_over_oem_parameter(host):
    r = host.ipmitool("raw", "0x0c", "0x22", "0x01", "0xc0", "0x00", "0x00")
    assert r.ok, r
    b = bytes(int(x, 16) for x in r.out.split())
    held, total = int.from_bytes(b[1:5], "little"), int.from_bytes(b[5:9], "little")
    assert 0 < held <= 65536 and total >= held
    text = b""
    for blk in range((held + 127) // 128):
        r = host.ipmitool("raw", "0x0c", "0x22", "0x01", "0xc1", str(blk & 0xff), str(blk >> 8))
        assert r.ok, r
        text += bytes(int(x, 16) for x in r.out.split())[5:]
    assert len(text) == held
    assert b"BLAST-END" in text or b"sim login: " in text or b"# " in text


# --------------------------------------------------------------------------
# several listeners; a console told its payload is gone


def test_sol_on_second_listener(bmc_factory):
    """With two --listen endpoints, Activate Payload and SOL parameter 8
    report the port the session came in on (ipmitool refuses any other:
    "BMC requests SOL session on different port")."""
    from conftest import free_udp_port
    p2 = free_udp_port()
    b = bmc_factory(extra_args=("--listen", f"{HOST}:{p2}"))
    argv = ["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(p2), "-U", "admin",
            "-P", "password", "-N", "1", "-R", "2"]
    r = run(argv + ["raw", "0x0c", "0x22", "0x01", "0x08", "0", "0"], env=b.client_env())
    assert r.ok, r
    got = bytes(int(x, 16) for x in r.out.split())
    assert int.from_bytes(got[1:3], "little") == p2, (r, p2, b.port)
    # the first listener still reports its own port
    r = b.ipmitool("raw", "0x0c", "0x22", "0x01", "0x08", "0", "0")
    got = bytes(int(x, 16) for x in r.out.split())
    assert int.from_bytes(got[1:3], "little") == b.port, r
    child = spawn(argv + ["sol", "activate"], b, timeout=15)
    try:
        i = child.expect([r"\[SOL Session operational", "different port", pexpect.EOF])
        assert i == 0, child.before
        child.send("\r~.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before


# --------------------------------------------------------------------------
# who may read the console history (OEM parameters C0h/C1h)


def history_cc(b, param="0xc0", **kw):
    r = b.ipmitool("raw", "0x0c", "0x22", "0x01", param, "0", "0", **kw)
    m = re.search(r"rsp=0x([0-9a-f]{2})", r.text)
    return 0 if r.ok else (int(m.group(1), 16) if m else None), r


def test_history_needs_what_sol_activation_needs(bmc_factory):
    """The history is the host console: a session reads it only when it
    could activate SOL (user payload access, SOL privilege, an RMCP+ session
    with the protection SOL forces)."""
    b = bmc_factory()
    user = dict(user="user", password="user", priv="USER")
    cc, r = history_cc(b, **user)
    assert cc == 0, r
    cc, r = history_cc(b, "0xc1", **user)
    assert cc == 0, r
    # IPMI 1.5 has no confidentiality (and no SOL): refused, even for admin
    cc, r = history_cc(b, intf="lan", **user)
    assert cc == 0xD5, r
    cc, r = history_cc(b, "0xc1", intf="lan")
    assert cc == 0xD5, r
    # the user's SOL payload disabled: refused on any session
    r = b.ipmitool("sol", "payload", "disable", "1", "4")
    assert r.ok, r
    cc, r = history_cc(b, **user)
    assert cc == 0xD4, r
    cc, r = history_cc(b, "0xc1", **user)
    assert cc == 0xD4, r
    assert "console history refused to user 4" in b.stderr()
    # the other parameters stay readable for that user
    r = b.ipmitool("raw", "0x0c", "0x22", "0x01", "0x01", "0", "0", **user)
    assert r.ok, r
    # SOL privilege raised to operator: a USER session may not read it
    r = b.ipmitool("sol", "payload", "enable", "1", "4")
    assert r.ok, r
    assert history_cc(b, **user)[0] == 0
    r = b.ipmitool("sol", "set", "privilege-level", "operator")
    assert r.ok, r
    assert history_cc(b, **user)[0] == 0xD4
    assert history_cc(b)[0] == 0


def test_deactivated_console_is_told_ipmitool_exits(host):
    """Session B (an administrator) deactivates A's payload: A's console
    gets a SOL packet with "SOL deactivating" (status bit 4) and its session
    is closed, so A's ipmitool, which ignores the bit, ends on its keepalive
    instead of sitting "operational" for ever."""
    # the raw console sees the status bit (and a NACK of its last packet)
    c, _ = raw_console(host)
    try:
        raw_login(c)
        c.type("echo before\r")
        c.expect("before\r\n")
        r = host.ipmitool("sol", "deactivate")
        assert r.ok, r
        c.pump(lambda k: any(st & 0x10 for st in k.statuses), 5)
        st = [s for s in c.statuses if s & 0x10]
        assert st and st[0] & 0x40, c.statuses
    finally:
        c.close()
    assert "its SOL payload was deactivated by session" in host.stderr()
    # ipmitool: ends by itself (its keepalive finds the session gone)
    argv = ["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(host.port), "-U", "admin",
            "-P", "password", "-N", "1", "-R", "1", "sol", "activate"]
    a = spawn(argv, host, timeout=15)
    try:
        a.expect(r"\[SOL Session operational")
        r = host.ipmitool("sol", "deactivate")
        assert r.ok, r
        i = a.expect(["No response to keepalive", "SOL session closed by BMC",
                      pexpect.EOF, pexpect.TIMEOUT], timeout=150)
        assert i in (0, 1, 2), a.before
        a.expect(pexpect.EOF, timeout=60)
    finally:
        a.close(force=True)
    # the payload is free: a new console activates at once
    c, _ = raw_console(host)
    c.deactivate()
    c.close()


PYGHMI_KICKED = r"""
import sys, time
from pyghmi.ipmi import console
got, errors = [], []
def handler(data):
    if isinstance(data, dict):
        errors.append(str(data))
    elif isinstance(data, (bytes, str)):
        got.append(data.decode("utf-8", "replace") if isinstance(data, bytes) else data)
c = console.Console(bmc=sys.argv[1], userid="admin", password="password",
                    iohandler=handler, port=int(sys.argv[2]))
t_end = time.time() + 20
sent = False
while time.time() < t_end and not errors:
    console.session.Session.wait_for_rsp(0.2)
    if not sent and c.connected:
        c.send_data("\recho pyghmi-here\r")
        sent = True
    if "pyghmi-here\r\n" in "".join(got) and sent is True:
        print("READY", flush=True)
        sent = "announced"
print("ERRORS", errors, flush=True)
"""


def test_pyghmi_console_sees_deactivation(host):
    import subprocess
    p = subprocess.Popen([SYS_PYTHON, "-c", PYGHMI_KICKED, HOST, str(host.port)],
                         stdout=subprocess.PIPE, text=True, env=host.client_env())
    try:
        line = ""
        t_end = time.monotonic() + 30
        while "READY" not in line and time.monotonic() < t_end:
            line = p.stdout.readline()
            if not line:
                break
        assert "READY" in line, line
        r = host.ipmitool("sol", "deactivate")
        assert r.ok, r
        out, _ = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert "Remote IPMI console disconnected" in out, out
