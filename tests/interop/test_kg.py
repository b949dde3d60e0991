"""K_G (the BMC key, two-key login) and username/privilege lookup."""

import re

import pytest

from conftest import load_board, write_board


@pytest.fixture
def kg_bmc(bmc_factory, tmp_path):
    board = load_board()
    board["lan"]["kg"] = "bmckey"
    return bmc_factory(board=write_board(tmp_path, board))


def test_kg_ipmitool(kg_bmc):
    r = kg_bmc.ipmitool("mc", "info", extra=("-k", "bmckey"))
    assert r.ok and "Device ID" in r.out, r
    # Without the key, or with a wrong one, the session cannot be made.
    assert not kg_bmc.ipmitool("mc", "info").ok
    assert not kg_bmc.ipmitool("mc", "info", extra=("-k", "wrongkey")).ok
    # A live session keeps working after the failures.
    assert kg_bmc.ipmitool("mc", "info", extra=("-k", "bmckey")).ok


def test_kg_status_reported(kg_bmc):
    r = kg_bmc.ipmitool("channel", "authcap", "1", "4", extra=("-k", "bmckey"))
    assert r.ok, r
    assert "non-zero" in r.out, r.out


def test_kg_freeipmi(kg_bmc):
    r = kg_bmc.freeipmi("bmc-info", "-k", "bmckey", driver="LAN_2_0", cipher=17)
    assert r.ok and "Device ID" in r.out, r
    assert not kg_bmc.freeipmi("bmc-info", "-k", "nottheky", driver="LAN_2_0", cipher=17).ok


def test_no_kg_by_default(bmc):
    r = bmc.ipmitool("channel", "authcap", "1", "4")
    assert r.ok and "default (all zeroes)" in r.out, r


@pytest.mark.parametrize("user,password,level,cmd", [
    ("admin", "password", "ADMINISTRATOR+", ("mc", "info")),
    ("operator", "operator", "OPERATOR+", ("chassis", "status")),
])
def test_username_privilege_lookup(bmc, user, password, level, cmd):
    # "+" makes ipmitool clear the name-only bit in RAKP1's role byte.
    r = bmc.ipmitool(*cmd, user=user, password=password, priv=level)
    assert r.ok, r


def test_username_privilege_lookup_above_limit(bmc):
    r = bmc.ipmitool("mc", "info", user="operator", password="operator", priv="ADMINISTRATOR+")
    assert not r.ok, r


# --------------------------------------------------------------------------
# Set Channel Security Keys (06:56): FreeIPMI's Lan_Conf_Security_Keys


def raw_cc(r):
    m = re.search(r"rsp=0x([0-9a-f]{2})", r.text)
    return 0 if r.ok else (int(m.group(1), 16) if m else None)


def test_kg_set_with_ipmi_config(fresh_bmc):
    b = fresh_bmc
    r = b.freeipmi("ipmi-config", "--checkout", "--section=Lan_Conf_Security_Keys")
    assert r.ok, r
    assert "K_G                                           0x" + "00" * 20 in r.out, r
    r = b.freeipmi("ipmi-config", "--commit", "--key-pair=Lan_Conf_Security_Keys:K_g=newkey")
    assert r.ok, r
    assert "channel 1: K_G set" in b.stderr() and "newkey" not in b.stderr()
    # now a login needs the new K_G: ipmitool -k (text) and -y (hex), FreeIPMI -k
    assert not b.ipmitool("mc", "info").ok
    assert b.ipmitool("mc", "info", extra=("-k", "newkey")).ok
    hexkey = "newkey".encode().hex() + "00" * 14
    assert b.ipmitool("mc", "info", extra=("-y", hexkey)).ok
    r = b.ipmitool("channel", "authcap", "1", "4", extra=("-k", "newkey"))
    assert r.ok and "non-zero" in r.out, r
    r = b.freeipmi("ipmi-config", "--checkout", "--section=Lan_Conf_Security_Keys", "-k", "newkey")
    assert r.ok and re.search(r"K_G\s+newkey\n", r.out), r
    # kept across a restart (sealed in the state directory, not in clear)
    b.restart()
    assert not b.ipmitool("mc", "info").ok
    assert b.ipmitool("mc", "info", extra=("-k", "newkey")).ok
    for p in b.state_dir.iterdir():
        if p.is_file():
            assert b"newkey" not in p.read_bytes(), p
    # cleared again with all zero: K_UID is used
    r = b.freeipmi("ipmi-config", "--commit",
                   "--key-pair=Lan_Conf_Security_Keys:K_g=0x" + "00" * 20, "-k", "newkey")
    assert r.ok, r
    assert b.ipmitool("mc", "info").ok
    r = b.ipmitool("channel", "authcap", "1", "4")
    assert "default (all zeroes)" in r.out, r


def test_channel_keys_refusals_and_lock(fresh_bmc):
    b = fresh_bmc
    # K_R: stored and read back (unused by RAKP: bmcd's random numbers)
    r = b.freeipmi("ipmi-config", "--commit", "--key-pair=Lan_Conf_Security_Keys:K_r=rkey")
    assert r.ok, r
    r = b.freeipmi("ipmi-config", "--checkout", "--section=Lan_Conf_Security_Keys")
    assert r.ok and "K_R                                           rkey" in r.out, r
    assert b.ipmitool("mc", "info").ok
    # administrator only; never over a session without encryption
    r = b.ipmitool("raw", "6", "0x56", "1", "0", "1", user="operator", password="operator",
                   priv="OPERATOR")
    assert raw_cc(r) == 0xD4, r
    r = b.ipmitool("raw", "6", "0x56", "1", "0", "1", intf="lan", authtype="MD5")
    assert raw_cc(r) == 0xD5, r
    # bad fields: key ID, operation, channel; key lengths (81h none, 82h > 20)
    for data, want in ((("1", "0", "2"), 0xCC), (("1", "3", "1"), 0xCC), (("5", "0", "1"), 0xCC),
                       (("1", "1", "1"), 0x81), (("1", "1", "1", *["0x41"] * 21), 0x82),
                       (("1", "0", "1", "0x41"), 0xC7)):
        r = b.ipmitool("raw", "6", "0x56", *data)
        assert raw_cc(r) == want, (data, r)
    # read: 02h unlocked + 20 bytes
    r = b.ipmitool("raw", "6", "0x56", "1", "0", "1")
    assert r.ok and r.out.split() == ["02"] + ["00"] * 20, r
    # lock K_G: 01h; then a set is refused with 80h and changes nothing
    r = b.ipmitool("raw", "6", "0x56", "1", "2", "1")
    assert r.ok and r.out.split() == ["01"], r
    r = b.ipmitool("raw", "6", "0x56", "1", "1", "1", "0x41")
    assert raw_cc(r) == 0x80, r
    b.restart()
    r = b.ipmitool("raw", "6", "0x56", "1", "0", "1")
    assert r.ok and r.out.split() == ["01"] + ["00"] * 20, r
    assert b.ipmitool("mc", "info").ok
