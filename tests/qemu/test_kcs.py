"""Smoke test of bmcd's Linux kcs_bmc backend on the emulated BMC: the kernel
makes /dev/ipmi-kcs3 from the device tree's KCS3 node (enabled by
run-ast2600), bmcd serves it, and a Get Device ID written into KCS3 from
outside (kcs_host.py) gets bmcd's answer."""

from kcs_host import KcsHost


def test_kcs3_device_served(bmc):
    assert "kcs_bmc device backend on /dev/ipmi-kcs3" in bmc.console()


def test_get_device_id_over_kcs3(bmc):
    resp = KcsHost(bmc.qmp).transact(bytes([0x06 << 2, 0x01]))
    # netfn 07h (response) << 2, cmd 01h, completion 00h, device ID 32, revision 1
    assert resp[:3] == bytes([0x07 << 2, 0x01, 0x00]), resp.hex()
    assert resp[3] == 32 and resp[4] & 0x0F == 1, resp.hex()
    assert len(resp) in (14, 18), resp.hex()


def test_chassis_status_over_kcs3(bmc):
    resp = KcsHost(bmc.qmp).transact(bytes([0x00 << 2, 0x01]))
    assert resp[:3] == bytes([0x01 << 2, 0x01, 0x00]), resp.hex()
