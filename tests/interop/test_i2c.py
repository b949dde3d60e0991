"""Master Write-Read (App 06h, command 52h; IPMI 2.0 section 22.11) through
real ipmitool: `ipmitool i2c` and `ipmitool raw 0x06 0x52`, against the sim
board's simulated private bus 0 (a scratch EEPROM at 0x57 that may be read
and written, a FRU-like EEPROM at 0x50 that is present but not allowed).
The simulated devices keep their contents in <state>/sim/i2c-private0-0xNN,
so the tests check what landed there and plant what they then read.  Also:
the system interface (channel 15) through the fake VM, the board section's
checks through `bmcd --check-config`.

ipmitool 1.8.19 sends `bus=N` as private bus N (bus byte (N << 1) | 1) and
`bus=public` as 00h; it has no `bus=private` keyword (that also becomes
00h, the public bus on channel 0).  Addresses are the 8-bit form: 0xAE is
7-bit 0x57."""

import re
import tempfile
import time
from pathlib import Path

import pytest

from conftest import (BMCD, assert_cc, load_board, ok, raw, raw_bytes, run,
                      write_board)

APP, MWR = 0x06, 0x52
SCRATCH, FRU = 0xAE, 0xA0            # 8-bit addresses of 7-bit 0x57, 0x50
PRIV0 = 0x01                          # bus byte: private bus 0


def sim_file(b, addr7, bus="private0"):
    return b.state_dir / "sim" / f"i2c-{bus}-0x{addr7:02x}"


def i2c_bytes(r):
    """The bytes `ipmitool i2c` printed (lines of ' xx')."""
    ok(r)
    out = []
    for line in r.out.splitlines():
        if re.fullmatch(r"(\s[0-9a-f]{2})+\s*", line):
            out += [int(x, 16) for x in line.split()]
    return out


def i2c(b, *args, **kw):
    return b.ipmitool("i2c", *[a if isinstance(a, str) else f"0x{a:02x}" for a in args], **kw)


def assert_i2c_fails(r, text):
    assert not r.ok, r
    assert text in r.text, f"want {text!r}\n{r}"


def board_with(i2c_section, **extra):
    board = load_board()
    board["i2c"] = i2c_section
    board.update(extra)
    return board


@pytest.fixture
def sim(bmc_factory, tmp_path):
    """A daemon on the sim board, with the scratch EEPROM planted: byte i is
    (i * 7 + 3) & 0xff."""
    state = tmp_path / "state"
    (state / "sim").mkdir(parents=True)
    content = bytes((i * 7 + 3) & 0xFF for i in range(256))
    (state / "sim" / "i2c-private0-0x57").write_bytes(content)
    b = bmc_factory(state_dir=state)
    b.content = content
    return b


# --------------------------------------------------------------------------
# Reading and writing the allowed device


def test_read_planted_contents(sim):
    c = sim.content
    assert i2c_bytes(i2c(sim, "bus=0", SCRATCH, "4", 0x10)) == list(c[0x10:0x14])
    # no write data: the read continues from the device's pointer
    assert i2c_bytes(i2c(sim, "bus=0", SCRATCH, "4")) == list(c[0x14:0x18])
    # the same through raw: the response is exactly the bytes read
    assert raw_bytes(raw(sim, APP, MWR, PRIV0, SCRATCH, 8, 0xF0)) == list(c[0xF0:0xF8])
    # a larger read: 64 bytes (ipmitool's own limit), wrapping past ffh
    got = i2c_bytes(i2c(sim, "bus=0", SCRATCH, "64", 0xE0))
    assert got == list(c[0xE0:] + c[:0x20])


def test_write_then_read_back(sim):
    r = ok(i2c(sim, "bus=0", SCRATCH, "0", 0x20, 0xDE, 0xAD, 0xBE, 0xEF))
    assert "Wrote 5 bytes to I2C device AEh" in r.out, r
    assert i2c_bytes(i2c(sim, "bus=0", SCRATCH, "6", 0x1F)) == \
        [sim.content[0x1F], 0xDE, 0xAD, 0xBE, 0xEF, sim.content[0x24]]
    f = sim_file(sim, 0x57).read_bytes()
    assert len(f) == 256
    assert f[0x20:0x24] == bytes([0xDE, 0xAD, 0xBE, 0xEF])
    assert f[:0x20] == sim.content[:0x20] and f[0x24:] == sim.content[0x24:]
    # a write that wraps at the end of the device
    ok(raw(sim, APP, MWR, PRIV0, SCRATCH, 0, 0xFF, 0x01, 0x02))
    f = sim_file(sim, 0x57).read_bytes()
    assert f[0xFF] == 0x01 and f[0x00] == 0x02


def test_blank_device_reads_erased_and_file_appears_on_write(bmc_factory, tmp_path):
    b = bmc_factory(state_dir=tmp_path / "st")
    assert i2c_bytes(i2c(b, "bus=0", SCRATCH, "4", 0x00)) == [0xFF] * 4
    assert not sim_file(b, 0x57).exists()
    ok(i2c(b, "bus=0", SCRATCH, "0", 0x03, 0x42))
    assert sim_file(b, 0x57).read_bytes() == b"\xff" * 3 + b"\x42" + b"\xff" * 252


def test_written_data_survives_restart(sim):
    ok(i2c(sim, "bus=0", SCRATCH, "0", 0x40, 0x5A))
    sim.restart()
    assert i2c_bytes(i2c(sim, "bus=0", SCRATCH, "1", 0x40)) == [0x5A]


# --------------------------------------------------------------------------
# Refusals


def test_protected_address_refused(sim):
    # present on the bus, not in the allow-list: D4h, read or write
    assert_i2c_fails(i2c(sim, "bus=0", FRU, "4", 0x00), "Insufficient privilege level")
    assert_cc(raw(sim, APP, MWR, PRIV0, FRU, 4, 0x00), 0xD4)
    assert_cc(raw(sim, APP, MWR, PRIV0, FRU, 0, 0x00, 0x12), 0xD4)
    assert not sim_file(sim, 0x50).exists()
    # an address nobody listed is refused the same way (no probing the bus)
    assert_cc(raw(sim, APP, MWR, PRIV0, 0xA2, 1, 0x00), 0xD4)
    assert "0x50: refused" in sim.stderr()


def test_absent_allowed_address_naks(bmc_factory, tmp_path):
    board = board_with({"buses": [{
        "bus": "private", "id": 0, "sim": True,
        "devices": [{"address": "0x57"}],
        "allow": [{"address": "0x57", "write": True}, {"address": "0x58", "write": True}]}]})
    b = bmc_factory(board=write_board(tmp_path, board))
    assert_cc(raw(b, APP, MWR, PRIV0, 0xB0, 1, 0x00), 0x83)
    assert_i2c_fails(i2c(b, "bus=0", 0xB0, "0", 0x00, 0x01), "NAK on Write")
    assert not sim_file(b, 0x58).exists()


def test_read_only_entry(bmc_factory, tmp_path):
    board = board_with({"buses": [{
        "bus": "private", "id": 2, "sim": True,
        "devices": [{"address": "0x57"}, {"address": "0x48", "size": 2}],
        "allow": [{"address": "0x57"}, {"address": "0x48", "pointer_bytes": 0}]}]})
    state = tmp_path / "st"
    (state / "sim").mkdir(parents=True)
    (state / "sim" / "i2c-private2-0x57").write_bytes(bytes(range(256)))
    b = bmc_factory(board=write_board(tmp_path, board), state_dir=state)
    bus2 = (2 << 1) | 1
    # setting the pointer is a read
    assert raw_bytes(raw(b, APP, MWR, bus2, SCRATCH, 2, 0x30)) == [0x30, 0x31]
    assert i2c_bytes(i2c(b, "bus=2", SCRATCH, "1")) == [0x32]
    # data after the pointer is a write: refused, nothing changed
    assert_cc(raw(b, APP, MWR, bus2, SCRATCH, 0, 0x30, 0x99), 0xD4)
    assert (state / "sim" / "i2c-private2-0x57").read_bytes() == bytes(range(256))
    # pointer_bytes 0: no write byte at all
    assert raw_bytes(raw(b, APP, MWR, bus2, 0x90, 2)) == [0xFF, 0xFF]
    assert_cc(raw(b, APP, MWR, bus2, 0x90, 2, 0x00), 0xD4)


def test_malformed_requests(sim):
    # shorter than bus, address, read count: C7h (the dispatcher)
    assert_cc(raw(sim, APP, MWR, PRIV0, SCRATCH), 0xC7)
    assert_cc(raw(sim, APP, MWR), 0xC7)
    # more than the response can carry: CAh (an IPMI 1.5 message carries
    # 247 bytes after the completion code; RMCP+ carries all 255)
    assert_cc(raw(sim, APP, MWR, PRIV0, SCRATCH, 0xFF, 0x00, intf="lan"), 0xCA)
    assert_cc(raw(sim, APP, MWR, PRIV0, SCRATCH, 248, 0x00, intf="lan"), 0xCA)
    assert raw_bytes(raw(sim, APP, MWR, PRIV0, SCRATCH, 247, 0x00, intf="lan")) == \
        list(sim.content[:247])
    assert raw_bytes(raw(sim, APP, MWR, PRIV0, SCRATCH, 0xFF, 0x00)) == list(sim.content[:255])
    # reserved bit 0 of the slave address, bus ID bits on a public bus: CCh
    assert_cc(raw(sim, APP, MWR, PRIV0, SCRATCH | 1, 1, 0x00), 0xCC)
    assert_cc(raw(sim, APP, MWR, 0x02, SCRATCH, 1, 0x00), 0xCC)
    # buses the board does not have: private bus 1, the public bus on channel 0
    assert_cc(raw(sim, APP, MWR, 0x03, SCRATCH, 1, 0x00), 0xCC)
    assert_cc(raw(sim, APP, MWR, 0x00, SCRATCH, 1, 0x00), 0xCC)
    assert_i2c_fails(i2c(sim, "bus=1", SCRATCH, "1", 0x00), "Invalid data field in request")
    assert_i2c_fails(i2c(sim, "bus=public", SCRATCH, "1", 0x00), "Invalid data field in request")
    # ipmitool has no bus=private keyword: it sends the public bus (00h)
    assert_i2c_fails(i2c(sim, "bus=private", SCRATCH, "1", 0x00), "Invalid data field in request")
    # channel bits are ignored on a private bus (the spec says so)
    assert raw_bytes(raw(sim, APP, MWR, 0xF1, SCRATCH, 1, 0x00)) == [sim.content[0]]
    # a read as large as a LAN response carries works; the daemon is fine
    assert raw_bytes(raw(sim, APP, MWR, PRIV0, SCRATCH, 200, 0x00)) == \
        list(sim.content[:200])
    assert sim.alive()


def test_privilege(sim, bmc_factory, tmp_path):
    # USER: below the command's table entry; OPERATOR: below the board's
    # default (administrator)
    r = i2c(sim, "bus=0", SCRATCH, "1", 0x00, user="user", password="user", priv="USER")
    assert_i2c_fails(r, "Insufficient privilege level")
    assert_cc(raw(sim, APP, MWR, PRIV0, SCRATCH, 1, 0x00, user="user", password="user",
                  priv="USER"), 0xD4)
    assert_cc(raw(sim, APP, MWR, PRIV0, SCRATCH, 1, 0x00, user="operator",
                  password="operator", priv="OPERATOR"), 0xD4)
    # an administrator on the same daemon is fine
    ok(raw(sim, APP, MWR, PRIV0, SCRATCH, 1, 0x00))
    # a board that lowers it to operator
    board = load_board()
    board["i2c"]["privilege"] = "operator"
    b = bmc_factory(board=write_board(tmp_path, board))
    ok(raw(b, APP, MWR, PRIV0, SCRATCH, 1, 0x00, user="operator", password="operator",
           priv="OPERATOR"))
    assert_cc(raw(b, APP, MWR, PRIV0, SCRATCH, 1, 0x00, user="user", password="user",
                  priv="USER"), 0xD4)


def test_missing_device_node(bmc_factory, tmp_path):
    """The i2c-dev backend: a bus whose /dev node is not there answers D3h
    (destination unavailable) and the daemon keeps running."""
    board = board_with({"buses": [{"bus": "private", "id": 0, "device": "/dev/i2c-250",
                                   "allow": [{"address": "0x57", "write": True}]}]})
    b = bmc_factory(board=write_board(tmp_path, board))
    assert_cc(raw(b, APP, MWR, PRIV0, SCRATCH, 1, 0x00), 0xD3)
    assert_cc(raw(b, APP, MWR, PRIV0, FRU, 1, 0x00), 0xD4)   # the allow-list first
    assert "/dev/i2c-250" in b.stderr()


# --------------------------------------------------------------------------
# The host's system interface (channel 15, administrator)


def test_system_interface(bmc_factory, tmp_path):
    from kcsclient import FakeVM

    sockdir = Path(tempfile.mkdtemp(prefix="bi-", dir="/tmp"))
    board = load_board()
    for key in ("sensors", "dcmi"):
        board.pop(key, None)
    board["kcs"] = {"backend": "extern", "listen": f"unix:{sockdir}/kcs.sock"}
    state = tmp_path / "st"
    (state / "sim").mkdir(parents=True)
    (state / "sim" / "i2c-private0-0x57").write_bytes(bytes(range(256)))
    bmc_factory(board=write_board(tmp_path, board, name="kcs.json"), state_dir=state)
    vm = FakeVM(str(sockdir / "kcs.sock"))
    cc, data = vm.request(APP, MWR, bytes([PRIV0, SCRATCH, 3, 0x10]))
    assert cc == 0 and data == bytes([0x10, 0x11, 0x12])
    cc, _ = vm.request(APP, MWR, bytes([PRIV0, FRU, 1, 0x00]))
    assert cc == 0xD4
    # a board whose host may not send it
    board["kcs"]["allow"] = ["06:01"]
    board["kcs"]["listen"] = f"unix:{sockdir}/kcs2.sock"
    bmc_factory(board=write_board(tmp_path, board, name="kcs2.json"), state_dir=tmp_path / "st2")
    vm2 = FakeVM(str(sockdir / "kcs2.sock"))
    cc, _ = vm2.request(APP, MWR, bytes([PRIV0, SCRATCH, 1, 0x00]))
    assert cc == 0xD4


# --------------------------------------------------------------------------
# The board section


def check_config(tmp_path, board):
    return run([BMCD, "--board", write_board(tmp_path, board, name=f"c{time.monotonic_ns()}.json"),
                "--check-config"], timeout=10)


def test_config_own_fru_eeprom_needs_shared(tmp_path):
    board = board_with({"buses": [{"bus": "private", "id": 0, "device": "/dev/i2c-7",
                                   "allow": [{"address": "0x50"}]}]})
    board["fru"].append({"id": 1, "eeprom": {"bus": 7, "address": 0x50}})
    r = check_config(tmp_path, board)
    assert r.rc == 1, r
    assert "i2c.buses[0].allow[0]: 0x50 on /dev/i2c-7 is FRU 1's EEPROM" in r.text, r
    board["i2c"]["buses"][0]["allow"][0]["shared"] = True
    assert check_config(tmp_path, board).rc == 0


def test_config_mistakes_reported(tmp_path):
    board = board_with({"buses": [
        {"bus": "private", "id": 9, "sim": True},
        {"bus": "private", "id": 1},
        {"bus": "private", "id": 2, "sim": True, "allow": [{"address": "0x80"}]},
    ], "privilege": "user"})
    r = check_config(tmp_path, board)
    assert r.rc == 1, r
    for want in ("i2c.buses[0].id", "i2c.buses[1]: needs \"device\"",
                 "i2c.buses[2].allow[0].address", "i2c.privilege"):
        assert want in r.text, f"{want!r} missing\n{r}"
