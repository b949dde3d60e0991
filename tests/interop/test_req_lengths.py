"""Request lengths and fields of the commands whose parsing moved to the
command table (IPMI_CMD_LENS) or to optional trailing bytes, through real
ipmitool raw requests: every length the spec does not define is C7h, a bad
field is CCh, and the valid forms still work.
"""

import pytest

from conftest import assert_cc, ok, raw, raw_bytes

PW16 = list(b"lengths-test-pw!")
PW20 = list(b"lengths-test-pw-20b!")
UID = 5			# unused in the sim board's initial state


@pytest.mark.parametrize("data", [
    (0x00, 0x00),			# own session: 1 byte only
    (0x01, 0x00),			# Nth session: 1 byte only
    (0xfe, 0x01, 0x02),			# 3 bytes: no form has it
    (0xff, 0x01, 0x02, 0x03),		# 4 bytes: no form has it
    (0xfe, 0x01, 0x00, 0x00, 0x00),	# by handle: 2 bytes, not 5
    (0xff, 0x01),			# by ID: 5 bytes, not 2
    (0x00, 0, 0, 0, 0, 0),		# 6 bytes: past the longest form
])
def test_get_session_info_bad_lengths(bmc, data):
    assert_cc(raw(bmc, 0x06, 0x3d, *data), 0xc7)


def test_get_session_info_valid_forms(bmc):
    own = raw_bytes(ok(raw(bmc, 0x06, 0x3d, 0x00)))
    assert own[0] != 0			# this session's handle
    by_handle = raw_bytes(ok(raw(bmc, 0x06, 0x3d, 0xfe, own[0])))
    assert by_handle[:6] == own[:6]
    # No session has ID 0x01010101 or handle 0: handle 0, no details.
    assert len(raw_bytes(ok(raw(bmc, 0x06, 0x3d, 0xff, 1, 1, 1, 1)))) == 3
    assert len(raw_bytes(ok(raw(bmc, 0x06, 0x3d, 0xfe, 0x00)))) == 3


def test_close_session_id_zero_needs_a_handle(bmc):
    assert_cc(raw(bmc, 0x06, 0x3c, 0, 0, 0, 0), 0xc7)
    assert_cc(raw(bmc, 0x06, 0x3c, 0, 0, 0, 0, 0xfd), 0x88)	# no such handle
    # An ID that does not exist, with or without a (then unused) handle.
    assert_cc(raw(bmc, 0x06, 0x3c, 1, 2, 3, 4), 0x87)
    assert_cc(raw(bmc, 0x06, 0x3c, 1, 2, 3, 4, 0xfd), 0x87)


@pytest.mark.parametrize("data", [
    (UID,),					# 1 byte
    (UID, 0x02, 0x41),			# 3 bytes
    (UID, 0x02, *PW16[:15]),		# 17 bytes
    (UID, 0x02, *PW20, 0x41),		# 23 bytes
    (UID, 0x02, *PW16, 0x41, 0x42),	# 20 bytes
])
def test_set_user_password_bad_lengths(fresh_bmc, data):
    assert_cc(raw(fresh_bmc, 0x06, 0x47, *data), 0xc7)


def test_set_user_password_size_must_match_the_form(fresh_bmc):
    b = fresh_bmc
    # Set and test take exactly the size bit 7 names.
    assert_cc(raw(b, 0x06, 0x47, UID, 0x02, *PW20), 0xc7)
    assert_cc(raw(b, 0x06, 0x47, 0x80 | UID, 0x02, *PW16), 0xc7)
    assert_cc(raw(b, 0x06, 0x47, UID, 0x03, *PW20), 0xc7)
    ok(raw(b, 0x06, 0x47, UID, 0x02, *PW16))
    ok(raw(b, 0x06, 0x47, UID, 0x03, *PW16))
    assert_cc(raw(b, 0x06, 0x47, UID, 0x03, *PW16[:-1], 0x22), 0x80)	# mismatch
    assert_cc(raw(b, 0x06, 0x47, 0x80 | UID, 0x03, *PW20), 0x81)	# wrong size
    ok(raw(b, 0x06, 0x47, 0x80 | UID, 0x02, *PW20))
    ok(raw(b, 0x06, 0x47, 0x80 | UID, 0x03, *PW20))
    # Enable and disable take no password, or one of either size (ignored).
    ok(raw(b, 0x06, 0x47, UID, 0x01))
    ok(raw(b, 0x06, 0x47, UID, 0x00, *PW16))
    ok(raw(b, 0x06, 0x47, UID, 0x01, *PW20))
    ok(raw(b, 0x06, 0x47, 0x80 | UID, 0x03, *PW20))		# password kept
    # A reserved bit is a bad field, at any valid length.
    assert_cc(raw(b, 0x06, 0x47, 0x40 | UID, 0x01), 0xcc)
    assert_cc(raw(b, 0x06, 0x47, UID, 0x04 | 0x01, *PW16), 0xcc)


def test_set_user_access_optional_session_limit(fresh_bmc):
    b = fresh_bmc
    ok(raw(b, 0x06, 0x43, 0x90 | 1, UID, 0x04))		# no limit byte
    ok(raw(b, 0x06, 0x43, 0x90 | 1, UID, 0x04, 0x02))		# limit 2
    assert_cc(raw(b, 0x06, 0x43, 0x90 | 1, UID, 0x04, 0x12), 0xcc)	# reserved bits
    assert_cc(raw(b, 0x06, 0x43, 0x90 | 1, UID, 0x04, 0x02, 0x00), 0xc7)
    assert_cc(raw(b, 0x06, 0x43, 0x90 | 1, UID), 0xc7)


def test_chassis_identify_optional_bytes(bmc):
    ok(raw(bmc, 0x00, 0x04))					# default 15 s
    ok(raw(bmc, 0x00, 0x04, 0x00))				# off
    ok(raw(bmc, 0x00, 0x04, 0x00, 0x00))
    assert_cc(raw(bmc, 0x00, 0x04, 0x00, 0x02), 0xcc)		# reserved force bits
    assert_cc(raw(bmc, 0x00, 0x04, 0x00, 0x00, 0x00), 0xc7)


@pytest.mark.parametrize("netfn,cmd,data", [
    (0x04, 0x28, (1, 0x80, 0, 0, 0, 0, 0)),	# Set Sensor Event Enable: 7 bytes
    (0x04, 0x2a, (1,)),				# Re-arm Sensor Events: 1 byte
    (0x04, 0x20, (0, 0)),			# Get Device SDR Info: 2 bytes
    (0x06, 0x48, (1, 1, 0, 0, 0)),		# Activate Payload: 5 bytes
    (0x06, 0x4c, (1, UID, 2, 0, 0)),		# Set User Payload Access: 5 bytes
    (0x0a, 0x44, tuple(range(15))),		# Add SEL Entry: 15 bytes
])
def test_other_converted_commands_bad_lengths(bmc, netfn, cmd, data):
    assert_cc(raw(bmc, netfn, cmd, *data), 0xc7)


def test_get_device_sdr_info_optional_operation(bmc):
    sensors = raw_bytes(ok(raw(bmc, 0x04, 0x20)))
    assert raw_bytes(ok(raw(bmc, 0x04, 0x20, 0x00))) == sensors
    assert len(raw_bytes(ok(raw(bmc, 0x04, 0x20, 0x01)))) == len(sensors)
