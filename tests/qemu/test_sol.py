"""Serial over LAN on the emulated BMC: bmcd bridges UART1 (/dev/ttyS0 in
the guest), which QEMU connects to a unix socket playing the host's serial
port, to `ipmitool sol activate` through the forwarded port."""

import socket
import time

import pexpect


def test_sol_bridges_the_host_uart(bmc):
    host = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    host.connect(str(bmc.host_console_path))
    host.settimeout(0.5)
    argv = ["-I", "lanplus", "-C", "17", "-H", bmc.addr, "-p", str(bmc.port),
            "-U", "admin", "-P", "password", "sol", "activate"]
    sol = pexpect.spawn("ipmitool", argv, timeout=30, encoding="utf-8", codec_errors="replace")
    try:
        sol.expect("SOL Session operational")
        # host -> BMC UART -> SOL -> ipmitool
        deadline = time.monotonic() + 30
        while True:
            host.sendall(b"\r\nemulated-host login: ")
            try:
                sol.expect("emulated-host login:", timeout=2)
                break
            except pexpect.TIMEOUT:
                assert time.monotonic() < deadline, "host output never reached SOL"
        # ipmitool -> SOL -> BMC UART -> host
        got = b""
        deadline = time.monotonic() + 30
        while b"operator" not in got:
            assert time.monotonic() < deadline, f"SOL input never reached the host: {got!r}"
            sol.send("operator\r")
            end = time.monotonic() + 2
            while time.monotonic() < end and b"operator" not in got:
                try:
                    got += host.recv(256)
                except socket.timeout:
                    pass
        sol.send("~.")
        sol.expect(pexpect.EOF)
    finally:
        sol.close(force=True)
        host.close()
