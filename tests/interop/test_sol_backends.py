"""SOL over the real UART backends: a tty (a pseudo-terminal this test owns
stands in for the BMC's /dev/ttyS*) and a stream socket (a TCP listener on
127.0.0.1 stands in for QEMU's serial chardev).  Data goes both ways through
a raw SOL console."""

import os
import select
import socket
import termios
import time

import pytest

from conftest import load_board, write_board
from solclient import SolConsole


def console(b):
    c = SolConsole(b.port).open()
    cc, _ = c.activate()
    assert cc == 0, hex(cc)
    return c


def read_until(fd_read, needle, timeout=5.0):
    buf, end = b"", time.monotonic() + timeout
    while needle not in buf and time.monotonic() < end:
        chunk = fd_read(max(0.01, end - time.monotonic()))
        if chunk:
            buf += chunk
    return buf


def test_tty_backend(bmc_factory, tmp_path):
    master, slave = os.openpty()
    path = os.ttyname(slave)
    board = load_board()
    board["sol"] = {"uart": "tty", "tty": path, "baud": 57600}
    b = bmc_factory(board=write_board(tmp_path, board))
    try:
        # bmcd put the line in raw mode at the configured rate.
        attrs = termios.tcgetattr(slave)
        assert attrs[4] == termios.B57600 and not (attrs[3] & termios.ICANON)
        c = console(b)
        # host -> console
        os.write(master, b"host says hello\r\n")
        assert c.pump(lambda c: b"host says hello" in c.out, timeout=5), c.out
        # console -> host

        def rd(t):
            r, _, _ = select.select([master], [], [], t)
            return os.read(master, 4096) if r else b""
        c.type("typed at the console\r")
        got = read_until(rd, b"typed at the console")
        assert b"typed at the console" in got, got
        c.deactivate()
    finally:
        os.close(master)
        os.close(slave)


def test_socket_backend(bmc_factory, tmp_path):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    board = load_board()
    board["sol"] = {"uart": "socket", "socket": f"tcp:127.0.0.1:{port}"}
    b = bmc_factory(board=write_board(tmp_path, board))
    srv.settimeout(5)
    conn, _ = srv.accept()          # bmcd connected at start
    try:
        c = console(b)
        conn.sendall(b"serial from the VM\r\n")
        assert c.pump(lambda c: b"serial from the VM" in c.out, timeout=5), c.out
        conn.settimeout(0.2)

        def rd(t):
            try:
                return conn.recv(4096)
            except socket.timeout:
                return b""
        c.type("keys to the VM\r")
        got = read_until(rd, b"keys to the VM")
        assert b"keys to the VM" in got, got
        c.deactivate()
    finally:
        conn.close()
        srv.close()


@pytest.mark.parametrize("sol,msg", [
    ({"uart": "tty"}, "sol.tty: missing"),
    ({"uart": "serial"}, "sol.uart: \"serial\" is not a UART backend"),
    ({"uart": "tty", "tty": "ttyS4"}, "sol.tty: not an absolute device path"),
    ({"uart": "tty", "tty": "/dev/ttyS4", "baud": 12345}, "sol.baud: 12345 is not"),
    ({"uart": "socket", "socket": "udp:1.2.3.4:5"}, "sol.socket: not"),
])
def test_bad_sol_board_keys(tmp_path, sol, msg):
    from conftest import BMCD, run
    board = load_board()
    board["sol"] = sol
    r = run([BMCD, "--check-config", "--board", write_board(tmp_path, board)])
    assert r.rc == 1 and msg in r.out, r
