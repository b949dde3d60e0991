"""IPMB bridging against the sim board's satellite controllers (board
section "ipmb"): BMC channels 0 and 7; "Blade7 MC" at 72h on channel 7,
"Shelf Mgr" at 9Eh on channel 0 with "Sled 72" at 72h on its own channel 7,
and "Hung MC" at 74h on channel 7, which acknowledges and never answers.

ipmitool's single (-b/-t) and dual (-B/-T -b/-t) bridging over RMCP+,
sdr list of the satellites' device SDRs and of the BMC's repository (whose
satellite sensors ipmitool reads by bridging), raw Send Message with bad
channels, addresses and frames, and the system interface's Send Message /
Get Message path."""

import re

import pytest

from conftest import assert_cc, load_board, ok, raw, raw_bytes, write_board
from kcsclient import FakeVM
from test_sensors import clear_sim, set_sim, wait_for

APP, SENSOR = 0x06, 0x04
BOARD = load_board()
SATS = {s["name"]: s for s in BOARD["ipmb"]["satellites"]}


def csum(bs):
    return (-sum(bs)) & 0xFF


def ipmb_request(rs_sa, netfn, cmd, data=(), rq_sa=0x81, seq=5, bad_sum=False):
    """An IPMB request frame: rsSA netFn cs1 rqSA seq cmd data cs2."""
    head = [rs_sa, netfn << 2]
    body = [rq_sa, seq << 2, cmd, *data]
    tail = csum(body) ^ (0xFF if bad_sum else 0)
    return head + [csum(head)] + body + [tail]


def sdr_rows(r):
    """{name: reading text} of ipmitool sdr list."""
    ok(r)
    rows = {}
    for line in r.out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3:
            rows[parts[0]] = parts[1]
    return rows


def field(out, name):
    m = re.search(rf"^{re.escape(name)}\s*:\s*(.*)$", out, re.M)
    assert m, f"no {name!r} in\n{out}"
    return m.group(1).strip()


def test_single_bridge_mc_info(bmc):
    sat = SATS["Blade7 MC"]
    r = ok(bmc.ipmitool("-b", "7", "-t", "0x72", "mc", "info"))
    assert field(r.out, "Device ID") == str(sat["device_id"])
    assert field(r.out, "Firmware Revision") == sat["firmware"]
    assert field(r.out, "Product ID").startswith(str(sat["product_id"]))
    assert field(r.out, "Provides Device SDRs") == "yes"
    # ... and not the BMC's own answer
    own = ok(bmc.ipmitool("mc", "info"))
    assert field(own.out, "Device ID") != field(r.out, "Device ID")


def test_dual_bridge_mc_info_and_sdr_list(bmc):
    sled = SATS["Sled 72"]
    r = ok(bmc.ipmitool("-B", "0", "-T", "0x9E", "-b", "7", "-t", "0x72", "mc", "info"))
    assert field(r.out, "Device ID") == str(sled["device_id"])
    assert field(r.out, "Firmware Revision") == sled["firmware"]
    rows = sdr_rows(bmc.ipmitool("-B", "0", "-T", "0x9E", "-b", "7", "-t", "0x72", "sdr", "list"))
    assert set(rows) == {s["name"] for s in sled["sensors"]}, rows
    assert rows["Sled Temp"] == "41 degrees C"
    assert rows["Sled FAN"] == "6100 RPM"


def test_single_bridge_sdr_list_is_that_controllers(bmc):
    rows = sdr_rows(bmc.ipmitool("-b", "7", "-t", "0x72", "sdr", "list"))
    assert set(rows) == {s["name"] for s in SATS["Blade7 MC"]["sensors"]}, rows
    assert rows["Blade7 Temp"] == "38 degrees C"
    assert re.match(r"1[12]\.\d+ Volts", rows["Blade7 12V"]), rows


def test_bmc_sdr_list_reads_satellite_sensors_by_bridging(fresh_bmc):
    b = fresh_bmc
    rows = sdr_rows(b.ipmitool("sdr", "list"))
    # the BMC's own sensors, and those of the satellites on its channels
    assert "CPU0 Temp" in rows and "Blade7 Temp" in rows and "Shelf Temp" in rows
    assert rows["Shelf Temp"] == "27 degrees C"
    # not those behind the shelf manager (its own SDRs list them)
    assert "Sled Temp" not in rows
    # the reading is live: it comes from the satellite through Send Message
    set_sim(b, "Blade7 Temp", 61)
    wait_for(lambda: sdr_rows(b.ipmitool("sdr", "list")).get("Blade7 Temp") == "61 degrees C",
             "Blade7 Temp reads 61 through the bridge")
    clear_sim(b, "Blade7 Temp")
    # management controller locators name the satellites
    r = ok(b.ipmitool("sdr", "elist", "mcloc"))
    assert "Blade7 MC" in r.out and "Shelf Mgr" in r.out, r.out


def test_satellite_event_logged_with_its_generator_id(fresh_bmc):
    b = fresh_bmc

    def blade_entry():
        for line in ok(b.ipmitool("sel", "list")).out.splitlines():
            rid = line.split("|")[0].strip()
            g = ok(b.ipmitool("sel", "get", f"0x{int(rid, 16):04x}"))
            # generator: slave address 72h, reached through channel 7
            if re.search(r"Generator ID\s*:\s*7072", g.out):
                return g
        return None

    set_sim(b, "Blade7 Temp", 95)              # past upper critical (90)
    g = wait_for(blade_entry, "an event from 72h on channel 7 in the SEL")
    assert "Blade7 Temp" in g.out and "going high" in g.out, g.out
    clear_sim(b, "Blade7 Temp")


def test_absent_address_is_nak(bmc):
    r = bmc.ipmitool("-b", "7", "-t", "0x76", "mc", "info")
    assert not r.ok and "0x83" in r.text, r


def test_controller_that_never_answers_times_out(bmc):
    r = bmc.ipmitool("-b", "7", "-t", "0x74", "mc", "info")
    assert not r.ok and "Timeout" in r.text, r


def test_send_message_bad_channel_and_frames(bmc):
    good = ipmb_request(0x72, APP, 0x01)
    # channel 5 does not exist: CCh; channel 1 is LAN, not a bridge: D3h
    assert_cc(raw(bmc, APP, 0x34, 0x45, *good), 0xCC)
    assert_cc(raw(bmc, APP, 0x34, 0x41, *good), 0xD3)
    # a corrupt encapsulated frame, a short one, reserved bits, a response
    assert_cc(raw(bmc, APP, 0x34, 0x47, *ipmb_request(0x72, APP, 0x01, bad_sum=True)), 0xCC)
    assert_cc(raw(bmc, APP, 0x34, 0x47, 0x72, 0x18, 0x76), 0xC7)
    assert_cc(raw(bmc, APP, 0x34, 0x77, *good), 0xCC)
    resp = ipmb_request(0x72, APP | 1, 0x01)
    assert_cc(raw(bmc, APP, 0x34, 0x47, *resp), 0xCC)
    # nobody at 76h on channel 7
    assert_cc(raw(bmc, APP, 0x34, 0x47, *ipmb_request(0x76, APP, 0x01)), 0x83)
    # and the bridge still works after all that
    ok(bmc.ipmitool("-b", "7", "-t", "0x72", "mc", "info"))


def test_channel_info_lists_the_ipmb_channels(bmc):
    for ch in (0, 7):
        d = raw_bytes(raw(bmc, APP, 0x42, ch))
        assert d[0] == ch and d[1] & 0x7F == 0x01 and d[2] & 0x1F == 0x01, d  # IPMB, IPMB-1.0
    assert_cc(raw(bmc, APP, 0x42, 0x05), 0xCC)


@pytest.fixture
def host_bmc(bmc_factory, tmp_path):
    import tempfile
    from pathlib import Path
    sockdir = Path(tempfile.mkdtemp(prefix="bb-", dir="/tmp"))
    board = load_board()
    board.pop("dcmi", None)
    board["sensors"] = []
    board["kcs"] = {"backend": "extern", "listen": f"unix:{sockdir}/kcs.sock"}
    b = bmc_factory(board=write_board(tmp_path, board))
    return b, FakeVM(str(sockdir / "kcs.sock"))


def test_host_send_message_answer_in_get_message(host_bmc):
    b, vm = host_bmc
    # the host's driver: rqSA 20h (the BMC's own, as the kernel sends), seq 9
    req = ipmb_request(0x72, APP, 0x01, rq_sa=0x20, seq=9)
    cc, _ = vm.request(APP, 0x34, bytes([0x07, *req]))
    assert cc == 0
    got = None
    for _ in range(50):
        cc, flags = vm.request(APP, 0x31)
        if cc == 0 and flags[0] & 0x01:
            cc, got = vm.request(APP, 0x33)
            break
    assert got, "no message in the receive queue"
    assert got[0] & 0x0F == 7                     # from channel 7
    msg = got[1:]                                 # netFn cs1 rsSA seq cmd cc data cs2
    assert msg[0] >> 2 == APP | 1 and msg[2] == 0x72 and msg[3] >> 2 == 9 and msg[4] == 0x01
    assert msg[5] == 0 and msg[6] == SATS["Blade7 MC"]["device_id"]
    assert csum(msg[2:-1]) == msg[-1]
    # a channel the board does not have
    cc, _ = vm.request(APP, 0x34, bytes([0x05, *req]))
    assert cc == 0xCC


def test_bridged_commands_keep_the_sessions_privilege(bmc):
    # a USER session reads a satellite's sensor, but may not set its thresholds
    r = ok(bmc.ipmitool("-b", "7", "-t", "0x72", "raw", "0x04", "0x2d", "0x80",
                        user="user", password="user", priv="USER"))
    assert raw_bytes(r)[0] > 0
    set_thr = ["-b", "7", "-t", "0x72", "raw", "0x04", "0x26", "0x80", "0x08",
               "0", "0", "0", "0xa0", "0", "0"]
    r = bmc.ipmitool(*set_thr, user="user", password="user", priv="USER")
    assert_cc(r, 0xD4)
    ok(bmc.ipmitool("-b", "7", "-t", "0x72", "raw", "0x04", "0x27", "0x80",
                    user="operator", password="operator", priv="OPERATOR"))


def test_freeipmi_bridges_satellite_sensors(bmc):
    # FreeIPMI reads sensors owned by other controllers only when asked to
    # bridge; then its readings come from the satellites through bmcd.
    r = ok(bmc.freeipmi("ipmi-sensors", "--bridge-sensors", "--no-header-output",
                        "--comma-separated-output", sdr=True))
    rows = {l.split(",")[1]: l.split(",")[3] for l in r.out.splitlines() if l.count(",") >= 4}
    assert rows.get("Blade7 Temp") == "38.00" and rows.get("Shelf Temp") == "27.00", r.out
    r = ok(bmc.freeipmi("ipmi-sensors", "--no-header-output", "--comma-separated-output", sdr=True))
    rows = {l.split(",")[1]: l.split(",")[3] for l in r.out.splitlines() if l.count(",") >= 4}
    assert rows.get("Blade7 Temp") == "N/A" and rows.get("CPU0 Temp") not in (None, "N/A"), r.out


PYGHMI_READING = """
import json, sys
from pyghmi.ipmi import command
c = command.Command(bmc=sys.argv[1], port=int(sys.argv[2]), userid="admin", password="password")
try:
    r = c.get_sensor_reading(sys.argv[3])
    print(json.dumps({"value": r.value}))
except Exception as e:
    print(json.dumps({"error": str(e)}))
"""


def test_satellite_sensors_unbridged_are_not_the_bmcs(bmc):
    """The satellites' sensor numbers are none of the BMC's: a client that
    reads them without bridging (pyghmi; FreeIPMI's threshold read) gets
    "not present", never another sensor's value or thresholds."""
    import json
    from conftest import HOST, SYS_PYTHON, run
    own = {s["number"] for s in BOARD["sensors"] if "number" in s} | set(range(1, len(BOARD["sensors"]) + 1))
    for sat in BOARD["ipmb"]["satellites"]:
        for s in sat.get("sensors", []):
            assert s["number"] not in own, (sat["name"], s)
    for name in ("Blade7 Temp", "Shelf Temp"):
        r = ok(run([SYS_PYTHON, "-c", PYGHMI_READING, HOST, str(bmc.port), name], timeout=60))
        got = json.loads(r.out)
        assert "not present" in got.get("error", ""), (name, got)
    r = ok(bmc.freeipmi("ipmi-sensors", "--output-sensor-thresholds", "--no-header-output",
                        "--comma-separated-output", sdr=True))
    rows = {l.split(",")[1]: l.split(",") for l in r.out.splitlines() if l.count(",") > 5}
    # ID,Name,Type,Reading,Units,LNR,LC,LNC,UNC,UC,UNR,Event
    for name in ("Blade7 Temp", "Blade7 12V", "Shelf Temp"):
        assert rows[name][5:11] == ["N/A"] * 6, rows[name]
    assert rows["CPU0 Temp"][8] == "85.00", rows["CPU0 Temp"]


def test_board_refuses_a_satellite_sensor_with_a_bmc_number(tmp_path):
    from conftest import BMCD, run
    board = load_board()
    board["ipmb"]["satellites"][0]["sensors"][1]["number"] = 3
    r = run([str(BMCD), "--check-config", "--board", str(write_board(tmp_path, board))])
    assert not r.ok
    assert ('ipmb.satellites[0].sensors[1].number: sensor number 3 is the BMC\'s own '
            '(sensors[2] "Inlet Temp")') in r.text, r
    # without numbers, a satellite's sensors get free ones, apart from the BMC's
    for s in board["ipmb"]["satellites"][0]["sensors"]:
        s.pop("number")
    r = run([str(BMCD), "--check-config", "--board", str(write_board(tmp_path, board))])
    assert r.ok, r
