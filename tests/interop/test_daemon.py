"""The daemon's systemd contract: READY=1, WATCHDOG=1 pings, clean exit,
and --listen on IPv6."""

import socket
import time

from conftest import Bmcd, SIM_BOARD, free_udp_port


def test_watchdog_pings_when_enabled(monkeypatch, tmp_path):
    # 400 ms watchdog: bmcd must ping at about half of that.
    monkeypatch.setenv("WATCHDOG_USEC", "400000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    b = Bmcd(workdir=tmp_path).start()
    try:
        pings = 0
        deadline = time.monotonic() + 2.0
        b._notify.settimeout(0.5)
        while time.monotonic() < deadline:
            try:
                msg = b._notify.recv(4096).decode()
            except socket.timeout:
                continue
            pings += "WATCHDOG=1" in msg.split("\n")
        # 2 s at one ping per 200 ms is ~10; demand at least 4 (noisy machines).
        assert pings >= 4, f"only {pings} WATCHDOG=1 in 2 s"
        # And it still answers while pinging.
        r = b.ipmitool("mc", "info")
        assert r.ok, r
    finally:
        b.stop_and_check()


def test_no_watchdog_pings_without_watchdog_usec(monkeypatch, tmp_path):
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    b = Bmcd(workdir=tmp_path).start()
    try:
        b._notify.settimeout(1.0)
        try:
            msg = b._notify.recv(4096).decode()
        except socket.timeout:
            msg = ""
        assert "WATCHDOG=1" not in msg
    finally:
        b.stop_and_check()


def test_ready_carries_status(tmp_path):
    b = Bmcd(workdir=tmp_path).start()
    try:
        assert any("READY=1" in m for m in b.notify_messages)
        assert any("STATUS=" in m for m in b.notify_messages)
    finally:
        b.stop_and_check()


def test_listen_ipv6_loopback(tmp_path):
    port = free_udp_port()
    b = Bmcd(workdir=tmp_path, extra_args=("--listen", f"[::1]:{port}")).start()
    try:
        # The IPv4 endpoint from the fixture and the IPv6 one both answer.
        r = b.ipmitool("mc", "info")
        assert r.ok, r
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(bytes([0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE, 0x80, 0x42, 0x00, 0x00]),
                 ("::1", port))
        pong, _ = s.recvfrom(512)
        s.close()
        assert pong[8] == 0x40 and pong[9] == 0x42
    finally:
        b.stop_and_check()


def test_listen_rejects_bad_endpoint(tmp_path):
    import subprocess
    from conftest import BMCD
    p = subprocess.run([str(BMCD), "--board", str(SIM_BOARD), "--state", str(tmp_path / "s"),
                        "--listen", "127.0.0.1"], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert "--listen 127.0.0.1" in p.stderr
