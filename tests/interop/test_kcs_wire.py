"""The system interface over QEMU's ipmi-bmc-extern protocol, driven by a
fake VM (kcsclient.FakeVM) on the sim board: framing, escaping and checksum,
the host's privilege and allow-list, message flags, the event message
buffer and SMS_ATN, Send Message / Get Message, system info parameters, and
power control commands sent to the VM.  The real guest is in test_kcs_qemu.py."""

import tempfile
import time
from pathlib import Path

import pytest

from conftest import load_board, write_board
from kcsclient import FakeVM, ATTN, ATTN_IRQ, NOATTN, request_frame, MSG

APP, CHASSIS, SENSOR, STORAGE = 0x06, 0x00, 0x04, 0x0A


@pytest.fixture
def kcs_bmc(bmc_factory, tmp_path):
    sockdir = Path(tempfile.mkdtemp(prefix="bk-", dir="/tmp"))

    def make(allow=None):
        board = load_board()
        # no sensor events racing the tests' own (and nothing naming sensors)
        for key in ("sensors", "dcmi"):
            board.pop(key, None)
        board["kcs"] = {"backend": "extern", "listen": f"unix:{sockdir}/kcs.sock"}
        if allow is not None:
            board["kcs"]["allow"] = allow
        b = bmc_factory(board=write_board(tmp_path, board, name=f"b{time.monotonic_ns()}.json"))
        vm = FakeVM(str(sockdir / "kcs.sock"))
        return b, vm

    yield make


def test_get_device_id_over_kcs(kcs_bmc):
    b, vm = kcs_bmc()
    cc, data = vm.request(APP, 0x01)
    assert cc == 0 and len(data) >= 11
    assert data[0] == load_board()["identity"]["device_id"]


def test_escaped_bytes_and_bad_frames(kcs_bmc):
    b, vm = kcs_bmc()
    # a bad checksum is dropped without an answer (QEMU times out itself)
    vm.seq = 5
    vm.send_raw(request_frame(6, APP, 0x01, bad_checksum=True))
    assert vm.request(APP, 0x01, timeout=0.5) is not None
    # garbage and an over-long frame, then a good request still works
    vm.send_raw(bytes(range(0x00, 0xA0)) * 3 + bytes([MSG]))
    # System info with bytes that need escaping (A0, A1, AA) round-trips
    block = bytes([0xA0, 0xA1, 0xAA, 0xB0, 0xB1, 0xBA]) + bytes(10)
    cc, _ = vm.request(APP, 0x58, bytes([0x02, 0x01]) + block)
    assert cc == 0
    cc, data = vm.request(APP, 0x59, bytes([0, 0x02, 0x01, 0]))
    assert cc == 0 and data == bytes([0x11, 0x01]) + block


def test_sysif_only_and_lan_only_commands(kcs_bmc):
    b, vm = kcs_bmc()
    # session commands are refused on the system interface
    cc, _ = vm.request(APP, 0x3B, b"\x04")
    assert cc == 0xC1
    # message flags exist only there
    cc, _ = vm.request(APP, 0x31)
    assert cc == 0
    r = b.ipmitool("raw", "0x06", "0x31")
    assert not r.ok and "Invalid command" in r.text, r


def test_allow_list(kcs_bmc):
    b, vm = kcs_bmc(allow=["06:01", "0a:*"])
    assert vm.request(APP, 0x01)[0] == 0
    assert vm.request(STORAGE, 0x40)[0] == 0        # Get SEL Info: 0a:* allowed
    assert vm.request(CHASSIS, 0x02, b"\x00")[0] == 0xD4
    assert vm.request(APP, 0x2F)[0] == 0xD4


def test_wrong_length_and_unknown(kcs_bmc):
    b, vm = kcs_bmc()
    assert vm.request(APP, 0x01, b"\x00")[0] == 0xC7
    assert vm.request(0x30, 0x01)[0] == 0xC1
    assert vm.request(APP, 0x01, lun=1)[0] == 0xC2


def test_event_buffer_and_sms_atn(kcs_bmc):
    b, vm = kcs_bmc()
    # host off: the event goes to the SEL only
    r = b.ipmitool("raw", "0x04", "0x02", "0x04", "0x05", "0x07", "0x6f", "0x00", "0xff", "0xff")
    assert r.ok, r
    assert vm.request(APP, 0x31) == (0, b"\x00")
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    vm.controls.clear()
    # event buffer + SEL enabled (the default 0Ch); a Platform Event from LAN
    r = b.ipmitool("raw", "0x04", "0x02", "0x04", "0x05", "0x07", "0x6f", "0x00", "0xff", "0xff")
    assert r.ok, r
    assert vm.wait_control(ATTN) or vm.wait_control(ATTN_IRQ), vm.controls
    assert vm.request(APP, 0x31) == (0, b"\x02")
    cc, ev = vm.request(APP, 0x35)
    assert cc == 0 and len(ev) == 16
    assert ev[2] == 0x02 and ev[9:16] == bytes([0x04, 0x05, 0x07, 0x6F, 0x00, 0xFF, 0xFF]), ev.hex()
    assert vm.wait_control(NOATTN)
    assert vm.request(APP, 0x35)[0] == 0x80
    # disabled: events do not go there
    assert vm.request(APP, 0x2E, b"\x08")[0] == 0
    b.ipmitool("raw", "0x04", "0x02", "0x04", "0x05", "0x07", "0x6f", "0x01", "0xff", "0xff")
    assert vm.request(APP, 0x31) == (0, b"\x00")


def test_send_message_to_host_queue(kcs_bmc):
    b, vm = kcs_bmc()
    vm.request(APP, 0x30, b"\x0b")
    vm.controls.clear()
    r = b.ipmitool("raw", "0x06", "0x34", "0x0f", "0x11", "0x22", "0x33")
    assert r.ok, r
    assert vm.wait_control(ATTN) or vm.wait_control(ATTN_IRQ)
    assert vm.request(APP, 0x31) == (0, b"\x01")
    cc, data = vm.request(APP, 0x33)
    assert cc == 0 and data == bytes([0x41, 0x11, 0x22, 0x33])   # channel 1, admin
    assert vm.request(APP, 0x33)[0] == 0x80
    assert vm.wait_control(NOATTN)


def test_send_message_to_self_over_ipmb(kcs_bmc):
    b, vm = kcs_bmc()
    # IPMB request to 20h from 81h: Get Device ID
    hdr = bytes([0x20, APP << 2])
    body = bytes([0x81, 0x04, 0x01])
    msg = hdr + bytes([(-sum(hdr)) & 0xFF]) + body + bytes([(-sum(body)) & 0xFF])
    assert vm.request(APP, 0x34, b"\x00" + msg)[0] == 0
    cc, data = vm.request(APP, 0x33)
    assert cc == 0 and data[0] & 0x0F == 0
    ipmb = data[1:]
    assert ipmb[0] == (APP | 1) << 2 and ipmb[2] == 0x20 and ipmb[4] == 0x01 and ipmb[5] == 0
    assert sum(ipmb[2:]) & 0xFF == 0
    # another target: nobody at 52h on the sim board's channel 0 (NAK on
    # write; bridging to the satellites is in test_bridge.py)
    hdr = bytes([0x52, APP << 2])
    msg = hdr + bytes([(-sum(hdr)) & 0xFF]) + body + bytes([(-sum(body)) & 0xFF])
    assert vm.request(APP, 0x34, b"\x00" + msg)[0] == 0x83


def test_system_info_from_host_seen_over_lan(kcs_bmc):
    b, vm = kcs_bmc()
    name = b"kcs-host-name"
    block0 = bytes([0, len(name)]) + name + bytes(14 - len(name))
    assert vm.request(APP, 0x58, bytes([0x02, 0x00]) + block0)[0] == 0
    r = b.ipmitool("mc", "getsysinfo", "system_name")
    assert r.ok and r.out.strip() == "kcs-host-name", r
    r = b.ipmitool("mc", "setsysinfo", "os_name", "Linux 6.1")
    assert r.ok, r
    cc, data = vm.request(APP, 0x59, bytes([0, 0x04, 0, 0]))
    assert cc == 0 and data[4:4 + data[3]] == b"Linux 6.1"
    assert vm.request(APP, 0x59, bytes([0, 0x40, 0, 0]))[0] == 0x80


def test_power_commands_reach_the_vm_only_on_qemu_host(kcs_bmc):
    """On the sim board the VM is not the host: chassis control must not
    send power commands down the KCS connection."""
    b, vm = kcs_bmc()
    r = b.ipmitool("chassis", "power", "on")
    assert r.ok
    b.wait_power("on")
    vm._pump(0.5)
    assert not any(c[:1] in (b"\x03", b"\x04", b"\x09") for c in vm.controls)


def test_cold_reset_empties_queue_event_buffer_and_flags(kcs_bmc):
    """A cold reset (IPMI 2.0 20.2) restarts the BMC as if power-cycled: a
    message queued for the host and an event in the event message buffer
    are gone, the message flags are clear and SMS_ATN drops; a warm reset
    keeps them."""
    b, vm = kcs_bmc()
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")

    def fill():
        vm.controls.clear()
        r = b.ipmitool("raw", "0x06", "0x34", "0x0f", "0x11", "0x22", "0x33")
        assert r.ok, r
        r = b.ipmitool("raw", "0x04", "0x02", "0x04", "0x05", "0x07", "0x6f", "0x00", "0xff", "0xff")
        assert r.ok, r
        assert vm.wait_control(ATTN) or vm.wait_control(ATTN_IRQ), vm.controls
        assert vm.request(APP, 0x31) == (0, b"\x03")

    fill()
    r = b.ipmitool("mc", "reset", "warm")
    assert r.ok, r
    assert vm.request(APP, 0x31) == (0, b"\x03")
    vm.controls.clear()
    r = b.ipmitool("mc", "reset", "cold")
    assert r.ok, r
    assert vm.wait_control(NOATTN), vm.controls
    assert vm.request(APP, 0x31) == (0, b"\x00")
    assert vm.request(APP, 0x33)[0] == 0x80         # Get Message: queue empty
    assert vm.request(APP, 0x35)[0] == 0x80         # Read Event Message Buffer: empty
    # Both still work afterwards (FreeIPMI's cold reset this time).
    fill()
    r = b.freeipmi("bmc-device", "--cold-reset")
    assert r.ok, r
    assert vm.wait_control(NOATTN), vm.controls
    assert vm.request(APP, 0x31) == (0, b"\x00")
