"""Lengths, fields and optional commands that real clients send (issue 15):
Get SEL Info free space, Read FRU Data and Get SDR counts up to what the
channel carries, Set/Get ACPI Power State, Get IP/UDP/RMCP Statistics, and
ipmiutil (which always talks to UDP port 623: its daemon listens on
127.x.y.z:623 here, an address of the loopback net nobody else uses).

Clients: ipmitool (lanplus and IPMI 1.5 lan), FreeIPMI bmc-device and
ipmi-sel, python3-pyghmi, ipmiutil; junk datagrams from a plain UDP socket
(no client sends those)."""

import json
import random
import re
import socket
import textwrap
import time

import pytest

from conftest import (HOST, SYS_PYTHON, Bmcd, assert_cc, load_board, ok, raw, raw_bytes, run,
                      write_board)

DEADLINE = 20.0


def lan15(b, *args):
    """ipmitool over an IPMI 1.5 session (MD5): a one-byte message length."""
    return b.ipmitool(*args, intf="lan")


def field(text, name):
    m = re.search(r"^\s*" + re.escape(name) + r"\s*:\s*(.*?)\s*$", text, re.M)
    return m.group(1) if m else None


# ---------------------------------------------------------------------------
# Get SEL Info: free space


def test_sel_info_free_space_ffff_means_65535_or_more(bmc):
    # The sim board's SEL holds 4096 records of 16 bytes: 65536 bytes free.
    d = raw_bytes(raw(bmc, 0x0a, 0x40))
    assert d[3] | d[4] << 8 == 0xFFFF, d
    out = ok(bmc.ipmitool("sel", "info")).out
    assert field(out, "Free Space") == "65535 bytes or more", out
    r = ok(bmc.freeipmi("ipmi-sel", "--info", "--ignore-sdr-cache", sdr=True))
    m = re.search(r"Free space remaining\s*:\s*(\d+) bytes", r.out)
    assert m and int(m.group(1)) == 65535, r


def test_sel_info_free_space_exact_below_65535(bmc_factory, tmp_path):
    board = load_board()
    board["sel"] = {"capacity": 100}
    b = bmc_factory(board=write_board(tmp_path, board))
    out = ok(b.ipmitool("sel", "info")).out
    assert field(out, "Free Space") == "1600 bytes", out
    ok(raw(b, 0x0a, 0x44, 0, 0, 0x02, 0, 0, 0, 0, 0x41, 0x00, 0x04, 0x01, 0x30, 0x01, 0x09,
           0xff, 0xff))
    out = ok(b.ipmitool("sel", "info")).out
    assert field(out, "Free Space") == "1584 bytes", out
