"""The SDR repository (IPMI 2.0 chapter 33) through ipmitool `sdr info` /
`sdr elist all` and raw Storage commands: reservations, partial reads, Add
/ Partial Add / Delete / Clear, persistence across restarts, what happens
when the board changes, and a corrupt store."""

import re

import pytest

from conftest import assert_cc, load_board, ok, raw, raw_bytes, write_board

SDR_FILE = "sdr"


def info(b):
    r = ok(b.ipmitool("sdr", "info"))
    m = re.search(r"Record Count\s*:\s*(\d+)", r.out)
    assert m, r
    return int(m.group(1)), r.out


def expected_count(board):
    # MC locator + every sensor + 3 event-only BMC sensors + FRU locators,
    # + an MC locator and the sensors of each satellite on the BMC's own
    # IPMB channels (docs/bridging.md).
    sats = [s for s in board.get("ipmb", {}).get("satellites", []) if "via" not in s]
    return (1 + len(board.get("sensors", [])) + 3 + len(board.get("fru", []))
            + sum(1 + len(s.get("sensors", [])) for s in sats))


def reserve(b):
    d = raw_bytes(raw(b, 0x0A, 0x22))
    return d[0], d[1]


def get_sdr(b, rid, off=0, cnt=0xFF, resv=(0, 0)):
    return raw(b, 0x0A, 0x23, resv[0], resv[1], rid & 0xFF, rid >> 8, off, cnt)


def event_only(name, number=0x70, stype=0x05):
    """An event-only record (type 03h) for 'name'."""
    body = [0x20, 0x00, number, 0x17, 0x01, stype, 0x6F, 0x01, 0x00, 0x00, 0x00,
            0xC0 | len(name)] + list(name.encode())
    return [0x00, 0x00, 0x51, 0x03, len(body)] + body


def add(b, rec):
    d = raw_bytes(raw(b, 0x0A, 0x24, *rec))
    return d[0] | d[1] << 8


def elist_all(b):
    return ok(b.ipmitool("sdr", "elist", "all")).out


def test_repository_info_counts_the_board_records(bmc):
    n, out = info(bmc)
    assert n == expected_count(load_board()), out
    assert "SDR Version" in out and "0x51" in out, out
    assert "Reserve SDR repository supported" in out or "Reserve" in out, out
    # Allocation info: 16-byte units, free no more than possible.
    d = raw_bytes(raw(bmc, 0x0A, 0x21))
    total, unit, free = d[0] | d[1] << 8, d[2] | d[3] << 8, d[4] | d[5] << 8
    assert unit == 16 and 0 < free < total, d


def test_partial_reads_and_reservations(bmc):
    whole = raw_bytes(get_sdr(bmc, 0))
    nxt, rec = whole[0] | whole[1] << 8, whole[2:]
    assert rec[2] == 0x51 and rec[4] == len(rec) - 5, rec
    assert nxt not in (0, 0xFFFF)
    # Offset 0 needs no reservation; other offsets do.
    assert raw_bytes(get_sdr(bmc, 0, 0, 5))[2:] == rec[:5]
    assert_cc(get_sdr(bmc, 0, 5, 4), 0xC5)
    resv = reserve(bmc)
    assert raw_bytes(get_sdr(bmc, 0, 5, 4, resv))[2:] == rec[5:9]
    # A newer reservation cancels the older one.
    resv2 = reserve(bmc)
    assert_cc(get_sdr(bmc, 0, 5, 4, resv), 0xC5)
    ok(get_sdr(bmc, 0, 5, 4, resv2))
    # More bytes than the record holds: CAh; an offset past it: C9h.
    assert_cc(get_sdr(bmc, 0, 5, len(rec), resv2), 0xCA)
    assert_cc(get_sdr(bmc, 0, len(rec), 1, resv2), 0xC9)
    # A record that does not exist: CBh.  The last record's next ID is FFFFh.
    assert_cc(get_sdr(bmc, 0x7777), 0xCB)
    last = raw_bytes(get_sdr(bmc, 0xFFFF))
    assert last[:2] == [0xFF, 0xFF], last


def test_add_delete_persist_and_refuse_bad_records(fresh_bmc):
    b = fresh_bmc
    n0, _ = info(b)
    rid = add(b, event_only("Lid Switch"))
    assert rid > 0
    assert "Lid Switch" in elist_all(b)
    b.restart()
    assert "Lid Switch" in elist_all(b)
    n1, _ = info(b)
    assert n1 == n0 + 1

    bad = event_only("Broken")
    assert_cc(raw(b, 0x0A, 0x24, *bad[:-1]), 0xC7)                     # length byte disagrees
    wrong_type = list(bad)
    wrong_type[3] = 0x77
    assert_cc(raw(b, 0x0A, 0x24, *wrong_type), 0xCC)                  # unknown record type
    wrong_ver = list(bad)
    wrong_ver[2] = 0x10
    assert_cc(raw(b, 0x0A, 0x24, *wrong_ver), 0xCC)                   # not SDR version 51h
    long_id = list(bad)
    long_id[16] = 0xC0 | 20                                           # ID longer than the record
    assert_cc(raw(b, 0x0A, 0x24, *long_id), 0xCC)
    assert_cc(raw(b, 0x0A, 0x24, 0, 0, 0x51), 0xC7)                   # shorter than a header
    assert info(b)[0] == n1, "a refused record was stored"

    # Delete needs the current reservation.
    assert_cc(raw(b, 0x0A, 0x26, 0x55, 0x55, rid & 0xFF, rid >> 8), 0xC5)
    resv = reserve(b)
    d = raw_bytes(raw(b, 0x0A, 0x26, *resv, rid & 0xFF, rid >> 8))
    assert d[0] | d[1] << 8 == rid
    # An add or delete cancels the reservation.
    assert_cc(raw(b, 0x0A, 0x26, *resv, 1, 0), 0xC5)
    assert_cc(raw(b, 0x0A, 0x26, *reserve(b), rid & 0xFF, rid >> 8), 0xCB)
    b.restart()
    assert "Lid Switch" not in elist_all(b)
    assert info(b)[0] == n0


def test_partial_add_in_three_parts(fresh_bmc):
    b = fresh_bmc
    rec = event_only("Front Bezel", number=0x71)
    resv = reserve(b)
    d = raw_bytes(raw(b, 0x0A, 0x25, *resv, 0, 0, 0, 0, *rec[:7]))
    rid = d[0] | d[1] << 8
    # Out of sequence (wrong offset): refused, nothing added.
    assert_cc(raw(b, 0x0A, 0x25, *resv, rid & 0xFF, rid >> 8, 9, 0, *rec[9:12]), 0xCC)
    ok(raw(b, 0x0A, 0x25, *resv, rid & 0xFF, rid >> 8, 7, 0, *rec[7:12]))
    d = raw_bytes(raw(b, 0x0A, 0x25, *resv, rid & 0xFF, rid >> 8, 12, 1, *rec[12:]))
    assert d[0] | d[1] << 8 == rid
    assert "Front Bezel" in elist_all(b)
    got = raw_bytes(get_sdr(b, rid))[2:]
    assert got[2:] == rec[2:], got
    # Partial Add without a valid reservation: C5h.
    assert_cc(raw(b, 0x0A, 0x25, 0x99, 0x99, 0, 0, 0, 0, *rec[:7]), 0xC5)


def test_clear_empties_and_stays_empty_until_the_board_changes(bmc_factory, tmp_path):
    board = load_board()
    p = write_board(tmp_path, board)
    state = tmp_path / "state"
    b = bmc_factory(board=p, state_dir=state)
    add(b, event_only("Added"))
    resv = reserve(b)
    assert_cc(raw(b, 0x0A, 0x27, *resv, ord("C"), ord("L"), ord("X"), 0xAA), 0xCC)
    d = raw_bytes(raw(b, 0x0A, 0x27, *resv, ord("C"), ord("L"), ord("R"), 0xAA))
    assert d[0] & 1
    d = raw_bytes(raw(b, 0x0A, 0x27, *resv, ord("C"), ord("L"), ord("R"), 0x00))
    assert d[0] & 1
    assert info(b)[0] == 0
    b.stop_and_check()
    b2 = bmc_factory(board=p, state_dir=state)
    assert info(b2)[0] == 0, "a cleared repository came back with the same board"
    add(b2, event_only("Kept"))
    b2.stop_and_check()
    # The board's sensors change: its records are made again, the added one kept.
    board["sensors"] = board["sensors"][:5]
    board.pop("dcmi", None)          # its power sensors are gone
    p2 = write_board(tmp_path, board, name="board2.json")
    b3 = bmc_factory(board=p2, state_dir=state)
    n, _ = info(b3)
    assert n == expected_count(board) + 1
    out = elist_all(b3)
    assert "Kept" in out and "CPU0 Temp" in out and "FAN1" not in out, out
    assert "records changed" in b3.stderr()


def test_corrupt_store_is_rebuilt_from_the_board(bmc_factory, tmp_path):
    state = tmp_path / "state"
    b = bmc_factory(state_dir=state)
    n, _ = info(b)
    b.stop_and_check()
    data = bytearray((state / SDR_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (state / SDR_FILE).write_bytes(bytes(data))
    b2 = bmc_factory(state_dir=state)
    assert info(b2)[0] == n
    assert "sdr: sdr is unreadable or corrupt" in b2.stderr()
    b2.stop_and_check()
    (state / SDR_FILE).write_bytes(b"BSDR")            # truncated
    b3 = bmc_factory(state_dir=state)
    assert info(b3)[0] == n


def test_sdr_time_follows_sel_time(fresh_bmc):
    b = fresh_bmc
    ok(raw(b, 0x0A, 0x49, 0x00, 0x00, 0x00, 0x60))          # Set SEL Time 60000000h
    d = raw_bytes(raw(b, 0x0A, 0x28))
    t = d[0] | d[1] << 8 | d[2] << 16 | d[3] << 24
    assert 0x60000000 <= t < 0x60000000 + 30, hex(t)
    ok(raw(b, 0x0A, 0x29, 0x00, 0x00, 0x00, 0x50))          # Set SDR Repository Time
    d = raw_bytes(raw(b, 0x0A, 0x48))
    t = d[0] | d[1] << 8 | d[2] << 16 | d[3] << 24
    assert 0x50000000 <= t < 0x50000000 + 30, hex(t)


def test_device_sdr_commands(bmc):
    # Get Device SDR Info: sensor count, static population, LUN 0.
    d = raw_bytes(raw(bmc, 0x04, 0x20))
    assert d == [len(load_board()["sensors"]), 0x01], d
    d = raw_bytes(raw(bmc, 0x04, 0x20, 0x01))
    assert d[0] == info(bmc)[0], d
