"""A fleet starts without the BMC that cannot start (docs/virtual.md,
"When a BMC cannot start"): bmcd runs only from a fleet file of BMCs on
libvirt's test:///default domain; one entry's UDP port is held by a socket
the test bound first, so that BMC is logged and left out while the others
answer ipmitool, and a SIGHUP once the port is free starts it without
disturbing the others' sessions.  The soft open file limit is raised to
the hard one; a hard limit too low for the fleet names LimitNOFILE=.  A
fleet none of whose BMCs starts, and a single board whose port is taken,
exit non-zero."""

import json
import resource
import signal
import socket
import subprocess
import time

import pytest

from conftest import BMCD, HOST, SANITIZER_MARKERS, Bmcd, run, write_board
from test_virt import consecutive_udp_ports, virt_board

URI = "test:///default"


class Fleet(Bmcd):
    """bmcd with --fleet FILE only (no --board), on the fleet's ports;
    `prefix` runs it under a wrapper (prlimit)."""

    def __init__(self, fleet, port, workdir, prefix=()):
        super().__init__(port=port, workdir=workdir)
        self.fleet = fleet
        self.prefix = list(prefix)

    @property
    def argv(self):
        return [*self.prefix, str(BMCD), "--fleet", str(self.fleet), "-v"]

    def notified(self, want, timeout=10):
        """Wait for a notify message containing want (after READY)."""
        deadline = time.monotonic() + timeout
        while not any(want in m for m in self.notify_messages):
            left = deadline - time.monotonic()
            assert left > 0, (want, self.notify_messages)
            self._notify.settimeout(min(0.2, left))
            try:
                self.notify_messages.append(self._notify.recv(4096).decode(errors="replace"))
            except socket.timeout:
                pass

    def wait_log(self, want, timeout=10):
        deadline = time.monotonic() + timeout
        while want not in self.stderr():
            assert time.monotonic() < deadline, self.stderr_tail()
            time.sleep(0.1)


def write_fleet(tmp_path, ports):
    write_board(tmp_path, virt_board(URI, "test", "vm"), "vm.json")
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"instances": [
        {"name": f"vm-{i}", "board": "vm.json", "state": f"state/vm-{i}",
         "listen": f"{HOST}:{p}", "uri": URI, "domain": "test"} for i, p in enumerate(ports)]}))
    return path


def held(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, port))
    return s


def client(tmp_path, port):
    return Bmcd(port=port, workdir=tmp_path / f"c{port}")


def test_one_port_taken(tmp_path):
    ports = consecutive_udp_ports(3)
    path = write_fleet(tmp_path, ports)
    taken = held(ports[2])
    main = Fleet(path, ports[0], tmp_path / "main")
    try:
        main.start()
        a, b, c = (client(tmp_path, p) for p in ports)
        assert a.power_status()[0] == "on" and b.power_status()[0] == "on"
        log = main.stderr()
        assert (f"fleet instances[2] (vm-2, {HOST}:{ports[2]}): Address already in use; "
                "not started") in log, main.stderr_tail()
        assert "1 not (SIGHUP tries them again)" in log, main.stderr_tail()
        assert any("STATUS=Serving IPMI: 2 of 3 BMCs running" in m and "READY=1" in m
                   for m in main.notify_messages), main.notify_messages
        # A session on b that stays open across the re-read.
        sh = subprocess.Popen(["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(ports[1]),
                               "-U", "admin", "-P", "password", "shell"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=b.client_env())
        try:
            sh.stdin.write("chassis power status\n")
            sh.stdin.flush()
            # A SIGHUP while the port is still held: tried, logged again.
            main.proc.send_signal(signal.SIGHUP)
            main.wait_log("re-read: 0 started, 0 stopped, 1 failed, 2 BMCs running")
            line = f"(vm-2, {HOST}:{ports[2]}): Address already in use; not started"
            assert main.stderr().count(line) == 2, main.stderr_tail()
            taken.close()
            main.proc.send_signal(signal.SIGHUP)
            main.wait_log("re-read: 1 started, 0 stopped, 0 failed, 3 BMCs running")
            main.notified("STATUS=Serving IPMI: 3 of 3 BMCs running")
            assert c.power_status()[0] == "on"
            assert a.power_status()[0] == "on"
            sh.stdin.write("chassis power status\n")
            out, _ = sh.communicate("exit\n", timeout=20)
        finally:
            if sh.poll() is None:
                sh.kill()
                sh.wait()
        assert out.count("Chassis Power is on") == 2, out
        assert (tmp_path / "state" / "vm-2").is_dir()
    finally:
        taken.close()
        main.stop_and_check()


def test_soft_fd_limit_raised(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip(f"hard open file limit {hard}")
    ports = consecutive_udp_ports(2)
    main = Fleet(write_fleet(tmp_path, ports), ports[0], tmp_path / "main",
                 prefix=["prlimit", f"--nofile=256:{'unlimited' if hard < 0 else hard}"])
    try:
        main.start()
        limits = open(f"/proc/{main.proc.pid}/limits").read()
        row = next(line for line in limits.splitlines() if line.startswith("Max open files"))
        want = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        assert row.split()[3:5] == [want, want], row
        assert f"open file limit raised from 256 to {want}" in main.stderr(), main.stderr_tail()
        assert client(tmp_path, ports[1]).power_status()[0] == "on"
    finally:
        main.stop_and_check()


def test_hard_fd_limit_too_low(tmp_path):
    """40 descriptors hold a few BMCs (~6 each): the others are logged
    with the limit and what to raise; the first ones answer."""
    ports = consecutive_udp_ports(10)
    main = Fleet(write_fleet(tmp_path, ports), ports[0], tmp_path / "main",
                 prefix=["prlimit", "--nofile=40:40"])
    try:
        main.start()
        log = main.stderr()
        assert "open file limit 40: 10 BMCs need about 124; raise LimitNOFILE=" in log, log
        assert ("too many open files (the limit is 40): raise LimitNOFILE= (ulimit -n); "
                "not started") in log, main.stderr_tail()
        assert "fleet instances[9] (vm-9" in log
        assert client(tmp_path, ports[0]).power_status()[0] == "on"
    finally:
        main.stop_and_check()


def test_none_starts(tmp_path):
    ports = consecutive_udp_ports(2)
    path = write_fleet(tmp_path, ports)
    socks = [held(p) for p in ports]
    try:
        r = run([str(BMCD), "--fleet", str(path)], timeout=30)
    finally:
        for s in socks:
            s.close()
    assert r.rc not in (0, None), r
    assert f"fleet instances[1] (vm-1, {HOST}:{ports[1]}): Address already in use" in r.err, r
    assert f"fleet {path}: none of its 2 BMCs started (see above); exiting" in r.err, r
    assert not any(m in r.err for m in SANITIZER_MARKERS), r.err


def test_single_board_port_taken(tmp_path):
    """No fleet: a bind failure stops bmcd (systemd restarts it)."""
    port = consecutive_udp_ports(1)[0]
    board = write_board(tmp_path, virt_board(URI, "test"))
    s = held(port)
    try:
        r = run([str(BMCD), "--board", str(board), "--state", str(tmp_path / "state"),
                 "--listen", f"{HOST}:{port}"], timeout=30)
    finally:
        s.close()
    assert r.rc not in (0, None), r
    assert f"lan: cannot listen on {HOST}:{port}: Address already in use" in r.err, r
    assert not any(m in r.err for m in SANITIZER_MARKERS), r.err
