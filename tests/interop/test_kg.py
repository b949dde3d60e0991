"""K_G (the BMC key, two-key login) and username/privilege lookup."""

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
