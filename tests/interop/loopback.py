"""A loopback address whose UDP port is free, for a daemon that must listen
on a fixed port (623: ipmitool's SOL names the port it talks to).  Shared
with the qemu suite (tests/qemu/conftest.py); imports no conftest."""

import random
import socket


def free_loopback(port, second=(1, 254), tries=50):
    """127.a.b.c, a in the range `second`, with UDP `port` free; None when
    `tries` random addresses were all taken."""
    for _ in range(tries):
        addr = f"127.{random.randint(*second)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind((addr, port))
            except OSError:
                continue
        return addr
    return None
