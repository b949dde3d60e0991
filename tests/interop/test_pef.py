"""Platform Event Filtering and LAN alerts (IPMI 2.0 chapters 17 and 30):
a real snmptrapd on a loopback port receives bmcd's Platform Event Traps;
FreeIPMI's ipmi-pet decodes them against bmcd's own SDR; ipmitool `pef` and
`lan alert`, FreeIPMI `ipmi-pef-config` configure them; Alert Immediate and
PET Acknowledge through raw commands; a power-down filter acts on the sim
host."""

import os
import re
import socket
import subprocess
import time

import pytest

from conftest import HOST, assert_cc, load_board, ok, raw, raw_bytes, run, write_board
from test_sensors import set_sim, wait_for

PET_ENTERPRISE = ".1.3.6.1.4.1.3183.1.1"
PET_VARBIND = ".1.3.6.1.4.1.3183.1.1.1"


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Trapd:
    """Debian's snmptrapd on 127.0.0.1:PORT, one line per trap."""

    def __init__(self, workdir):
        self.port = free_udp_port()
        self.out = workdir / "traps.log"
        conf = workdir / "snmptrapd.conf"
        conf.write_text("disableAuthorization yes\n")
        self.log = open(self.out, "w")
        env = dict(os.environ, MIBS="", MIBDIRS=str(workdir))
        self.proc = subprocess.Popen(
            ["snmptrapd", "-f", "-Lo", "-On", "-C", "-c", str(conf), "-p", str(workdir / "pid"),
             "-F", "TRAP|%a|%N|%w|%q|%v\n", f"udp:{HOST}:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_for(lambda: "NET-SNMP version" in self.out.read_text(), "snmptrapd start")

    def traps(self):
        """[(enterprise, generic, specific, varbind bytes)]; snmptrapd folds
        long Hex-STRINGs over several lines."""
        got = []
        for rec in self.out.read_text().split("TRAP|")[1:]:
            _addr, ent, generic, specific, vbs = rec.split("|", 4)
            m = re.search(re.escape(PET_VARBIND) + r" = Hex-STRING: ([0-9A-F \n]+)", vbs)
            data = bytes.fromhex(m.group(1).replace("\n", " ")) if m else b""
            got.append((ent, int(generic), int(specific.lstrip(".")), data))
        return got

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


@pytest.fixture
def trapd(tmp_path):
    t = Trapd(tmp_path)
    yield t
    t.stop()


@pytest.fixture
def pef_bmc(bmc_factory, tmp_path, trapd):
    board = load_board()
    board["pef"] = {"enabled": True, "trap_port": trapd.port}
    b = bmc_factory(board=write_board(tmp_path, board))
    ok(b.ipmitool("lan", "alert", "set", "1", "1", "ipaddr", HOST))
    return b


def pet_fields(vb):
    """The PET variable binding's fields (PET 1.0 table 4)."""
    return {
        "guid": vb[0:16], "seq": int.from_bytes(vb[16:18], "big"),
        "timestamp": int.from_bytes(vb[18:22], "big"),
        "severity": vb[26], "sensor_device": vb[27], "sensor": vb[28], "entity": vb[29],
        "instance": vb[30], "data": vb[31:39], "manufacturer": int.from_bytes(vb[40:44], "big"),
        "system_id": int.from_bytes(vb[44:46], "big"), "oem_end": vb[46],
    }


def test_critical_temperature_raises_a_pet_trap(pef_bmc, trapd):
    b = pef_bmc
    set_sim(b, "CPU0 Temp", 99)                  # over uc (95): default filter 1
    traps = wait_for(lambda: [t for t in trapd.traps() if t[2] >> 16 == 0x01], "the trap")
    ent, generic, specific, vb = traps[0]
    assert ent == PET_ENTERPRISE and generic == 6
    # sensor type 01h, event type 01h (threshold), assertion, offset 9 (uc going high)
    assert specific == 0x010109, hex(specific)
    f = pet_fields(vb)
    assert f["severity"] == 0x10 and f["sensor_device"] == 0x20 and f["sensor"] == 1, f
    assert f["entity"] == 0x03 and f["instance"] == 1, f        # processor 1
    assert f["data"][0] == 0x59 and f["data"][2] == 190, f       # ED1, threshold 95 in 0.5 steps
    assert f["manufacturer"] == 32473 and f["system_id"] == 1 and f["oem_end"] == 0xC1, f
    # The GUID is the system GUID (Get System GUID sends it reversed).
    guid = bytes(raw_bytes(raw(b, 0x06, 0x37)))
    assert f["guid"] == guid[::-1], (f["guid"].hex(), guid.hex())
    # FreeIPMI's trap interpreter, reading bmcd's SDR, agrees.
    r = ok(run(["ipmi-pet", "-h", f"{HOST}:{b.port}", "-u", "admin", "-p", "password", "-W", "none",
                "-D", "LAN_2_0", f"--sdr-cache-directory={b.sdr_cache}",
                str(specific)] + [f"{x:02X}" for x in vb]))
    assert "CPU0 Temp" in r.out and "Upper Critical - going high" in r.out, r
    # The trap log line says where the event came from.
    assert "pef: event" in b.stderr() and "matches filter 1" in b.stderr()


def test_ipmitool_pef_views(pef_bmc):
    b = pef_bmc
    r = ok(b.ipmitool("pef", "info"))
    assert "0x51" in r.out and "Alert" in r.out and "Power-off" in r.out, r
    # ipmitool 1.8.19 prints "last add | last SEL ID | SW ID | BMC ID |
    # PEF state | actions"; PEF control bit 0 decides the state column.
    on = [x.strip() for x in ok(b.ipmitool("pef", "status")).out.split("|")]
    ok(raw(b, 0x04, 0x12, 0x01, 0x00))
    off = [x.strip() for x in ok(b.ipmitool("pef", "status")).out.split("|")]
    ok(raw(b, 0x04, 0x12, 0x01, 0x01))
    assert on[4] != off[4] and "Alert" in on[5], (on, off)
    r = ok(b.ipmitool("pef", "filter", "list"))
    assert r.out.count("enabled") >= 5 and "Alert" in r.out, r
    r = ok(b.ipmitool("pef", "policy", "list"))
    assert re.search(r"^\s*1\s*\|\s*1\s*\|", r.out, re.M) and HOST in r.out, r
    r = ok(b.ipmitool("lan", "alert", "print", "1", "1"))
    assert re.search(r"Alert IP Address\s*:\s*127\.0\.0\.1", r.out), r
    assert re.search(r"Destination Type\s*:\s*PET Trap", r.out), r


def test_freeipmi_pef_config_round_trip(pef_bmc, tmp_path):
    b = pef_bmc
    r = ok(b.freeipmi("ipmi-pef-config", "--checkout"))
    assert re.search(r"Enable_PEF\s+Yes", r.out), r
    sec = re.search(r"Section Event_Filter_1\n(.*?)EndSection", r.out, re.S)
    assert sec and re.search(r"Enable_Filter\s+Yes", sec.group(1)), r
    conf = tmp_path / "pef.conf"
    conf.write_text("Section Event_Filter_6\n"
                    "\tEnable_Filter Yes\n\tEvent_Filter_Action_Alert Yes\n"
                    "\tAlert_Policy_Number 1\n\tEvent_Severity Critical\n"
                    "\tGenerator_ID_Byte_1 0xFF\n\tGenerator_ID_Byte_2 0xFF\n"
                    "\tSensor_Type Fan\n\tSensor_Number 0xFF\n\tEvent_Trigger 0x01\n"
                    "\tEvent_Data1_Offset_Mask 0x0004\nEndSection\n"
                    "Section PEF_Conf\n\tEnable_PEF_Event_Messages Yes\nEndSection\n")
    ok(b.freeipmi("ipmi-pef-config", "--commit", f"--filename={conf}"))
    b.restart()
    r = ok(b.freeipmi("ipmi-pef-config", "--checkout"))
    sec = re.search(r"Section Event_Filter_6\n(.*?)EndSection", r.out, re.S)
    assert sec and re.search(r"Enable_Filter\s+Yes", sec.group(1)), r
    assert re.search(r"Sensor_Type\s+Fan", sec.group(1)), sec.group(1)
    assert re.search(r"Enable_PEF_Event_Messages\s+Yes", r.out), r


def alert_immediate(b, op, dest=1, event=()):
    return raw(b, 0x04, 0x16, 0x01, (op << 6) | dest, 0x00, *event)


def test_alert_immediate_and_pet_acknowledge(pef_bmc, trapd):
    b = pef_bmc
    # Destination 1 wants acknowledgements: 1 s apart, 3 retries.
    ok(b.ipmitool("lan", "alert", "set", "1", "1", "ack", "on"))
    ok(b.ipmitool("lan", "alert", "set", "1", "1", "time", "1"))
    ok(b.ipmitool("lan", "alert", "set", "1", "1", "retry", "3"))
    event = (0x41, 0x04, 0x04, 0x0C, 0x01, 0x52, 0x20, 0x20)    # a fan lc-low PEM-style event
    ok(alert_immediate(b, 0, event=event))
    assert raw_bytes(alert_immediate(b, 1))[0] == 0xFF          # in progress
    assert_cc(alert_immediate(b, 0, event=event), 0x81)         # one at a time
    first = wait_for(lambda: [t for t in trapd.traps() if t[2] >> 16 == 0x04], "the immediate trap")[0]
    assert first[2] == 0x040102, hex(first[2])
    f = pet_fields(first[3])
    # A wrong acknowledgement is refused; the right one stops the retries.
    assert_cc(raw(b, 0x04, 0x17, *(f["seq"] + 1).to_bytes(2, "little"),
                  *f["timestamp"].to_bytes(4, "little"), 0x20, 0x20, 0x0C, 0x52, 0x20, 0x20), 0xCC)
    ok(raw(b, 0x04, 0x17, *f["seq"].to_bytes(2, "little"), *f["timestamp"].to_bytes(4, "little"),
           0x20, 0x20, 0x0C, 0x52, 0x20, 0x20))
    assert raw_bytes(alert_immediate(b, 1))[0] == 0x01          # normal end
    n = len([t for t in trapd.traps() if pet_fields(t[3])["seq"] == f["seq"]])
    time.sleep(2.5)
    assert len([t for t in trapd.traps() if pet_fields(t[3])["seq"] == f["seq"]]) == n

    # Without an acknowledgement: re-sent 3 times, then "retries failed".
    ok(alert_immediate(b, 2))
    ok(alert_immediate(b, 0, event=event))
    seq = f["seq"] + 1
    wait_for(lambda: len([t for t in trapd.traps() if pet_fields(t[3])["seq"] == seq]) == 4,
             "three re-sends", deadline=10)
    wait_for(lambda: raw_bytes(alert_immediate(b, 1))[0] == 0x02, "retries failed status")


def test_power_down_filter_turns_the_host_off(pef_bmc):
    b = pef_bmc
    ok(b.ipmitool("chassis", "power", "on"))
    b.wait_power("on")
    # Filter 7: power down on any temperature's upper non-recoverable.
    entry = [0x80, 0x02, 0x00, 0x20, 0xFF, 0xFF, 0x01, 0xFF, 0x01, 0x00, 0x08,
             0, 0, 0, 0, 0, 0, 0, 0, 0]
    ok(raw(b, 0x04, 0x12, 0x06, 0x07, *entry))
    got = raw_bytes(raw(b, 0x04, 0x13, 0x06, 0x07, 0x00))
    assert got[1:] == [0x07] + entry, got
    set_sim(b, "CPU1 Temp", 110)
    b.wait_power("off", deadline=15)
    assert "pef: power down" in b.stderr()


def test_unreachable_destination_does_not_block(pef_bmc, trapd):
    b = pef_bmc
    # 127.0.0.2: loopback, but nothing listens there (snmptrapd is bound to
    # 127.0.0.1): every trap is refused, and this destination wants
    # acknowledgements, so each is re-sent.
    ok(b.ipmitool("lan", "alert", "set", "1", "2", "ipaddr", "127.0.0.2"))
    ok(b.ipmitool("lan", "alert", "set", "1", "2", "ack", "on"))
    for _ in range(5):
        ok(alert_immediate(b, 0, dest=2))
        ok(alert_immediate(b, 2, dest=2))
    # The LAN keeps answering while the alerts wait.
    for _ in range(3):
        ok(b.ipmitool("mc", "info"))
    assert not trapd.traps()


def test_pef_bad_input(pef_bmc):
    b = pef_bmc
    good = [0x80, 0x01, 0x01, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x04, 0x02] + [0] * 9
    before = raw_bytes(raw(b, 0x04, 0x13, 0x06, 0x01, 0x00))
    assert_cc(raw(b, 0x04, 0x12, 0x06, 0x00, *good), 0xC9)       # filter 0
    assert_cc(raw(b, 0x04, 0x12, 0x06, 0x11, *good), 0xC9)       # filter 17 of 16
    bad = list(good)
    bad[0] = 0xE0                                                 # reserved filter type 11b
    assert_cc(raw(b, 0x04, 0x12, 0x06, 0x01, *bad), 0xCC)
    bad = list(good)
    bad[3] = 0x03                                                 # not a severity
    assert_cc(raw(b, 0x04, 0x12, 0x06, 0x01, *bad), 0xCC)
    assert_cc(raw(b, 0x04, 0x12, 0x06, 0x01, *good[:-1]), 0xC7)   # short
    assert raw_bytes(raw(b, 0x04, 0x13, 0x06, 0x01, 0x00)) == before
    assert_cc(raw(b, 0x04, 0x12, 0x05, 0x20), 0x82)              # read-only count
    assert_cc(raw(b, 0x04, 0x12, 0x32, 0x00), 0x80)              # no parameter 50
    assert_cc(raw(b, 0x04, 0x13, 0x60, 0x00, 0x00), 0x80)        # OEM parameters
    assert_cc(raw(b, 0x04, 0x12, 0x09, 0x01, 0x1F, 0x11, 0x00), 0xCC)  # policy type 7
    assert_cc(alert_immediate(b, 0, dest=9), 0xC9)                # destination 9 of 4
    assert_cc(raw(b, 0x04, 0x16, 0x05, 0x01, 0x00), 0xCC)        # not the LAN channel
    assert_cc(raw(b, 0x04, 0x17, *([0] * 12)), 0xCC)             # nothing to acknowledge
    # Operator may read, not write.
    r = raw(b, 0x04, 0x12, 0x01, 0x00, user="operator", password="operator", priv="OPERATOR")
    assert_cc(r, 0xD4)


def test_postpone_timer_holds_events(pef_bmc, trapd):
    b = pef_bmc
    assert raw_bytes(raw(b, 0x04, 0x11, 0x0A)) == [0x0A]
    left = raw_bytes(raw(b, 0x04, 0x11, 0xFF))[0]
    assert 1 <= left <= 10
    ok(b.ipmitool("event", "1"))          # an upper critical temperature event
    time.sleep(1.0)
    assert not [t for t in trapd.traps() if t[2] >> 16 == 0x01], "sent while postponed"
    ok(raw(b, 0x04, 0x11, 0x00))          # end the postponement: queued events run
    wait_for(lambda: [t for t in trapd.traps() if t[2] >> 16 == 0x01], "the postponed trap")
    d = raw_bytes(raw(b, 0x04, 0x15))
    last_sel, last_bmc = d[4] | d[5] << 8, d[8] | d[9] << 8
    assert last_bmc == last_sel, d


def test_cold_reset_drops_alert_retries_and_runs_postponed_events(pef_bmc, trapd):
    """PEF's volatile state (IPMI 2.0 20.2: a cold reset is a restart): an
    Alert Immediate waiting for its acknowledgement is forgotten (status
    00h, a new one may start), and events held by the postpone timer go
    through the filters (a trap is sent) once the reset ends the timer."""
    b = pef_bmc
    ok(b.ipmitool("lan", "alert", "set", "1", "1", "ack", "on"))
    ok(b.ipmitool("lan", "alert", "set", "1", "1", "time", "10"))
    ok(b.ipmitool("lan", "alert", "set", "1", "1", "retry", "7"))
    event = (0x41, 0x04, 0x04, 0x0C, 0x01, 0x52, 0x20, 0x20)
    ok(alert_immediate(b, 0, event=event))
    assert raw_bytes(alert_immediate(b, 1))[0] == 0xFF          # waiting for PET Acknowledge
    # Postponed for 200 s: an upper critical temperature event is held.
    assert raw_bytes(raw(b, 0x04, 0x11, 200)) == [200]
    ok(b.ipmitool("event", "1"))
    assert not [t for t in trapd.traps() if t[2] >> 16 == 0x01], "sent while postponed"
    ok(b.ipmitool("mc", "reset", "cold"))
    wait_for(lambda: [t for t in trapd.traps() if t[2] >> 16 == 0x01], "the postponed trap")
    assert raw_bytes(raw(b, 0x04, 0x11, 0xFF)) == [0x00]
    assert raw_bytes(alert_immediate(b, 1))[0] == 0x00
    ok(alert_immediate(b, 0, event=event))                       # not 81h: none in progress
    # The configuration stayed.
    r = ok(b.ipmitool("lan", "alert", "print", "1", "1"))
    assert re.search(r"Number of Retries\s*:\s*7", r.out), r
