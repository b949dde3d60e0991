"""The System Event Log (IPMI 2.0 chapter 31, Storage netfn 0Ah) and the
Platform Event Message (Sensor/Event 04h 02h) through real clients:
ipmitool `sel` / `event` / `raw`, FreeIPMI `ipmi-sel`.  Also: entries
survive a restart and a SIGKILL, a damaged store is repaired at start, and
a watchdog expiry logs a Watchdog 2 entry."""

import re
import signal
import time
import zlib

import pytest

from conftest import CLIENT_TIMEOUT, HOST, assert_cc, ok, raw, raw_bytes, run

SEL_FILE = "sel"
FRAME = 24


def field(text, name):
    m = re.search(r"^\s*" + re.escape(name) + r"\s*:\s*(.*?)\s*$", text, re.M)
    return m.group(1) if m else None


def sel_info(b):
    r = ok(b.ipmitool("sel", "info"))
    return r.out


def entries(b):
    return int(field(sel_info(b), "Entries"))


def sel_ids(b, cmd="list"):
    """Record IDs, in order, from `ipmitool sel list|elist`."""
    r = ok(b.ipmitool("sel", cmd))
    return [int(line.split("|")[0], 16) for line in r.out.splitlines() if "|" in line], r.out


def reserve(b):
    d = raw_bytes(raw(b, 0x0a, 0x42))
    return d[0], d[1]


def add_entry(b, sensor_type=0x01, sensor=0x30, data1=0x09):
    """Add SEL Entry (system event record); returns the record ID."""
    rec = [0, 0, 0x02, 0, 0, 0, 0, 0x41, 0x00, 0x04, sensor_type, sensor, 0x01, data1, 0xff, 0xff]
    d = raw_bytes(raw(b, 0x0a, 0x44, *rec))
    return d[0] | d[1] << 8


def platform_event(b, *data, **kw):
    return raw(b, 0x04, 0x02, *data, **kw)


def ipmi_sel(b, *args):
    return b.freeipmi("ipmi-sel", "--ignore-sdr-cache", *args, sdr=True)


# ---------------------------------------------------------------------------


def test_info_empty_and_device_id(fresh_bmc):
    b = fresh_bmc
    info = sel_info(b)
    assert field(info, "Entries") == "0", info
    assert field(info, "Free Space") == "65535 bytes or more", info  # 4096 x 16: FFFFh
    assert field(info, "Overflow") == "false", info
    for cmd in ("'Delete'", "'Reserve'", "'Get Alloc Info'"):
        assert cmd in field(info, "Supported Cmds"), info
    assert field(info, "# of Alloc Units") == "4096", info
    assert "SEL Device" in ok(b.ipmitool("mc", "info")).out
    r = ok(b.ipmitool("sel", "list"))
    assert "|" not in r.out, r


def test_events_list_get_delete(fresh_bmc):
    b = fresh_bmc
    ok(b.ipmitool("event", "1"))                   # temperature, upper critical going high
    ok(b.ipmitool("event", "2"))                   # voltage, lower critical going low
    # Platform Event Message, LAN form: EvM rev, sensor type 07h (processor),
    # sensor 05h, sensor-specific, offset 00h (IERR)
    ok(platform_event(b, 0x04, 0x07, 0x05, 0x6f, 0x00, 0xff, 0xff))
    ids, out = sel_ids(b, "elist")
    assert ids == [1, 2, 3], out
    assert "Temperature #0x30" in out and "Upper Critical going high" in out, out
    assert "Voltage #0x60" in out and "Lower Critical going low" in out, out
    assert "Processor #0x05" in out and "IERR" in out, out
    assert entries(b) == 3

    r = ok(b.ipmitool("sel", "get", "3"))
    assert field(r.out, "Sensor Type") == "Processor", r
    assert field(r.out, "EvM Revision") == "04", r
    # generator: remote console software ID 81h, LAN channel in bits 7:4 of byte 2
    assert field(r.out, "Generator ID").lower().endswith("81"), r

    # FreeIPMI sees the same records
    r = ok(ipmi_sel(b))
    fi = [int(line.split("|")[0]) for line in r.out.splitlines()[1:] if "|" in line]
    assert fi == [1, 2, 3], r
    assert "Upper Critical - going high" in r.out, r
    r = ok(ipmi_sel(b, "--info"))
    assert re.search(r"Number of log entries\s*:\s*3\b", r.out), r

    ok(b.ipmitool("sel", "delete", "2"))
    ids, out = sel_ids(b)
    assert ids == [1, 3], out
    assert field(sel_info(b), "Last Del Time") != "Not Available"
    r = b.ipmitool("sel", "get", "2")
    assert not r.ok or "not found" in r.text.lower(), r


def test_partial_reads_and_ids(fresh_bmc):
    b = fresh_bmc
    a = add_entry(b)
    c = add_entry(b, data1=0x07)
    assert (a, c) == (1, 2)
    # first (0000h) and last (FFFFh); next record ID; the whole record (FFh)
    d = raw_bytes(raw(b, 0x0a, 0x43, 0, 0, 0, 0, 0, 0xff))
    assert d[:2] == [2, 0] and d[2:4] == [1, 0] and len(d) == 18
    d = raw_bytes(raw(b, 0x0a, 0x43, 0, 0, 0xff, 0xff, 0, 0xff))
    assert d[:2] == [0xff, 0xff] and d[2:4] == [2, 0] and d[15] == 0x07
    # timestamped by the BMC
    ts = d[5] | d[6] << 8 | d[7] << 16 | d[8] << 24
    assert abs(ts - time.time()) < 120
    # partial read from offset 0 needs no reservation; from offset 5 it does
    d = raw_bytes(raw(b, 0x0a, 0x43, 0, 0, 1, 0, 0, 4))
    assert len(d) == 6 and d[:5] == [2, 0, 1, 0, 0x02]
    assert_cc(raw(b, 0x0a, 0x43, 0, 0, 1, 0, 5, 4), 0xc5)
    lo, hi = reserve(b)
    d = raw_bytes(raw(b, 0x0a, 0x43, lo, hi, 1, 0, 13, 3))
    assert d == [2, 0, 0x09, 0xff, 0xff]
    assert_cc(raw(b, 0x0a, 0x43, lo, hi, 1, 0, 10, 8), 0xca)


def test_bad_input(fresh_bmc):
    b = fresh_bmc
    add_entry(b)
    assert_cc(raw(b, 0x0a, 0x43, 0, 0, 0x42, 0, 0, 0xff), 0xcb)      # missing record
    assert_cc(raw(b, 0x0a, 0x43, 0, 0), 0xc7)                        # short request
    assert_cc(raw(b, 0x0a, 0x44, 0, 0, 2), 0xc7)
    assert_cc(platform_event(b, 0x04, 0x01), 0xc7)
    assert_cc(platform_event(b, 0x03, 0x01, 0x30, 0x01, 0x09, 0xff, 0xff), 0xcc)   # EvM rev
    # Delete and Clear need the current reservation
    assert_cc(raw(b, 0x0a, 0x46, 0, 0, 1, 0), 0xc5)
    lo, hi = reserve(b)
    assert_cc(raw(b, 0x0a, 0x46, lo ^ 0x55, hi, 1, 0), 0xc5)
    assert_cc(raw(b, 0x0a, 0x47, lo ^ 0x55, hi, 0x43, 0x4c, 0x52, 0xaa), 0xc5)
    assert_cc(raw(b, 0x0a, 0x47, lo, hi, 0x43, 0x4c, 0x51, 0xaa), 0xcc)  # not 'CLR'
    assert_cc(raw(b, 0x0a, 0x47, lo, hi, 0x43, 0x4c, 0x52, 0x55), 0xcc)
    assert_cc(raw(b, 0x0a, 0x46, lo, hi, 0x42, 0), 0xcb)
    # an add cancels the reservation
    add_entry(b)
    assert_cc(raw(b, 0x0a, 0x46, lo, hi, 1, 0), 0xc5)
    # record type 10h is neither a system event nor OEM
    assert_cc(raw(b, 0x0a, 0x44, 0, 0, 0x10, *([0] * 13)), 0x80)
    # a user may read the SEL, not change it
    ok(b.ipmitool("sel", "list", user="user", password="user", priv="USER"))
    assert_cc(raw(b, 0x0a, 0x44, 0, 0, 2, *([0] * 13), user="user", password="user",
                  priv="USER"), 0xd4)
    assert_cc(raw(b, 0x0a, 0x47, lo, hi, 0x43, 0x4c, 0x52, 0xaa, user="user", password="user",
                  priv="USER"), 0xd4)
    assert entries(b) == 2
    assert b.alive()


def test_oem_records(fresh_bmc):
    b = fresh_bmc
    # OEM timestamped (C0h): the BMC writes the timestamp; E0h: left as sent
    d = raw_bytes(raw(b, 0x0a, 0x44, 0, 0, 0xc1, *range(1, 14)))
    d = raw_bytes(raw(b, 0x0a, 0x43, 0, 0, d[0], d[1], 0, 0xff))
    assert d[4] == 0xc1 and d[5:9] != [1, 2, 3, 4] and d[9:] == list(range(5, 14))
    d = raw_bytes(raw(b, 0x0a, 0x44, 0, 0, 0xe5, *range(1, 14)))
    d = raw_bytes(raw(b, 0x0a, 0x43, 0, 0, d[0], d[1], 0, 0xff))
    assert d[4] == 0xe5 and d[5:] == list(range(1, 14))


def test_clear(fresh_bmc):
    b = fresh_bmc
    for _ in range(3):
        add_entry(b)
    r = ok(b.ipmitool("sel", "clear"))
    ids, out = sel_ids(b, "elist")
    # only the "log area reset/cleared" event is left
    assert len(ids) == 1, out
    assert "Event Logging Disabled" in out and "Log area reset/cleared" in out, out
    info = sel_info(b)
    assert field(info, "Entries") == "1", info
    assert field(info, "Last Del Time") != "Not Available", info
    # erase status: complete
    lo, hi = reserve(b)
    assert raw_bytes(raw(b, 0x0a, 0x47, lo, hi, 0x43, 0x4c, 0x52, 0x00)) == [0x01]
    r = ok(ipmi_sel(b, "--clear"))
    assert entries(b) == 1


def test_time_round_trip(fresh_bmc):
    b = fresh_bmc
    env = dict(b.client_env(), LC_ALL="C", TZ="UTC")
    base = ["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(b.port), "-U", "admin",
            "-P", "password", "-N", "1", "-R", "2", "sel", "time"]
    # ipmitool 1.8.19 parses "%x %X": in the C locale MM/DD/YY HH:MM:SS
    ok(run(base + ["set", "01/02/20 03:04:05"], env=env))
    r = ok(run(base + ["get"], env=env))
    assert r.out.strip().startswith("01/02/20 03:04:0"), r
    # new entries carry SEL time
    add_entry(b)
    r = ok(run(["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(b.port), "-U", "admin",
                "-P", "password", "-N", "1", "-R", "2", "sel", "list"], env=env))
    assert "01/02/20" in r.out, r
    # raw: Get SEL Time, Set SEL Time
    ok(raw(b, 0x0a, 0x49, 0x00, 0x00, 0x00, 0x60))          # 60000000h
    t = raw_bytes(raw(b, 0x0a, 0x48))
    v = t[0] | t[1] << 8 | t[2] << 16 | t[3] << 24
    assert 0x60000000 <= v < 0x60000000 + 30
    # UTC offset: unspecified by default, -300 minutes round trip, range checked
    assert raw_bytes(raw(b, 0x0a, 0x5c)) == [0xff, 0x07]
    ok(raw(b, 0x0a, 0x5d, 0xd4, 0xfe))
    assert raw_bytes(raw(b, 0x0a, 0x5c)) == [0xd4, 0xfe]
    assert_cc(raw(b, 0x0a, 0x5d, 0x00, 0x10), 0xc9)


def test_survives_restart(fresh_bmc):
    b = fresh_bmc
    ok(b.ipmitool("event", "1"))
    add_entry(b)
    ok(b.ipmitool("event", "3"))
    ok(b.ipmitool("sel", "delete", "2"))
    before, out = sel_ids(b, "elist")
    b.restart()
    after, out2 = sel_ids(b, "elist")
    assert after == before == [1, 3], (out, out2)
    assert out == out2
    assert add_entry(b) == 4


def test_sigkill_keeps_acknowledged(fresh_bmc):
    b = fresh_bmc
    acked = [add_entry(b, data1=i) for i in range(8)]
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait(5)
    b._close_files()
    b.proc = None
    b.start()
    ids, out = sel_ids(b)
    assert ids == acked, out


def watchdog_expire(b, use):
    # Set Watchdog Timer: use (SMS/OS, maybe don't log), action none, 1.0 s
    ok(raw(b, 0x06, 0x24, use, 0x00, 0x00, 0x00, 10, 0))
    ok(b.ipmitool("mc", "watchdog", "reset"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if "watchdog expired" in b.stderr():
            return
        time.sleep(0.2)
    pytest.fail(f"the watchdog never expired\n{b.stderr_tail()}")


def test_watchdog_expiry_logged(fresh_bmc):
    b = fresh_bmc
    watchdog_expire(b, 0x04)
    ids, out = sel_ids(b, "elist")
    assert len(ids) == 1, out
    assert "Watchdog2" in out or "Watchdog 2" in out, out
    assert "Timer expired" in out, out
    r = ok(b.ipmitool("sel", "get", str(ids[0])))
    # event data: C0h | offset 0 (timer expired); interrupt none | use SMS/OS; FFh
    # With the watchdog's event-only SDR, ipmitool labels the bytes "(RAW)".
    data = field(r.out, "Event Data (RAW)") or field(r.out, "Event Data")
    assert data.lower() == "c004ff", r
    assert "Sensor ID              : Watchdog (0xe0)" in r.out, r
    assert field(r.out, "Generator ID") == "0020", r


def test_watchdog_dont_log(fresh_bmc):
    b = fresh_bmc
    watchdog_expire(b, 0x84)
    assert entries(b) == 0


def write_store(b, data):
    (b.state_dir / SEL_FILE).write_bytes(data)


def test_damaged_store(bmc_factory):
    b = bmc_factory()
    for i in range(4):
        add_entry(b, data1=i)
    b.stop_and_check()
    path = b.state_dir / SEL_FILE
    good = path.read_bytes()
    assert len(good) == 5 * FRAME

    # a torn last record
    write_store(b, good + good[FRAME:FRAME + 11])
    b.proc = None
    b.start()
    assert sel_ids(b)[0] == [1, 2, 3, 4]
    assert "torn last record" in b.stderr(), b.stderr_tail()
    assert len(path.read_bytes()) == 5 * FRAME
    b.stop_and_check()

    # a corrupted record in the middle, and a truncated last record
    bad = bytearray(good)
    bad[2 * FRAME + 10] ^= 0xff
    write_store(b, bytes(bad[:-5]))
    b.proc = None
    b.start()
    assert sel_ids(b)[0] == [1, 3]
    err = b.stderr()
    assert "dropped" in err and "bad checksum" in err, b.stderr_tail()
    assert add_entry(b) == 4
    b.stop_and_check()

    # garbage: starts empty
    write_store(b, bytes(range(256)) * 3)
    b.proc = None
    b.start()
    assert entries(b) == 0
    assert "dropped" in b.stderr()
    ok(b.ipmitool("event", "1"))
    assert entries(b) == 1


def test_ids_not_reused_after_restart(fresh_bmc):
    """Issue 23: the highest record deleted, then a restart: the next Add
    SEL Entry gets a new ID, not the deleted one; the same after a Clear SEL
    and a restart, and after a delete and a SIGKILL."""
    b = fresh_bmc
    ids = [add_entry(b, data1=i) for i in range(3)]
    assert ids == [1, 2, 3]
    ok(b.ipmitool("sel", "delete", "3"))
    b.restart()
    assert sel_ids(b, "elist")[0] == [1, 2]
    new = add_entry(b)
    assert new == 4, f"the deleted ID 3 came back as {new}"
    # Clear SEL: the "log area reset/cleared" record, then an add; the IDs
    # go on counting across the clear and a restart.
    ok(b.ipmitool("sel", "clear"))
    time.sleep(0.2)
    cleared, out = sel_ids(b, "elist")
    assert len(cleared) == 1 and cleared[0] > new, out
    last = add_entry(b)
    ok(b.ipmitool("sel", "delete", str(last)))
    b.restart()
    assert add_entry(b) > last
    # A power loss right after the delete: the next ID is still new.
    top = add_entry(b)
    ok(b.ipmitool("sel", "delete", str(top)))
    b.stop(signal.SIGKILL)
    b.proc = None
    b.start()
    assert add_entry(b) > top


def test_old_store_without_counter(bmc_factory):
    """A SEL file from before the counter (header flag bit 1 clear, zero
    reserved bytes) still loads, every record kept; the IDs go on after
    the last record."""
    b = bmc_factory()
    for i in range(3):
        add_entry(b, data1=i)
    b.stop_and_check()
    path = b.state_dir / SEL_FILE
    data = bytearray(path.read_bytes())
    assert len(data) == 4 * FRAME and data[5] & 0x02, data[:FRAME].hex()
    hdr = bytearray(data[:20])
    hdr[5] &= ~0x02
    hdr[16:20] = bytes(4)
    data[:FRAME] = bytes(hdr) + zlib.crc32(bytes(hdr)).to_bytes(4, "little")
    write_store(b, bytes(data))
    b.proc = None
    b.start()
    assert sel_ids(b, "elist")[0] == [1, 2, 3]
    assert "dropped" not in b.stderr(), b.stderr_tail()
    assert add_entry(b) == 4
