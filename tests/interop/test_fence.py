"""Pacemaker's fence agent (Debian fence-agents) against bmcd."""

import pytest

from conftest import run


def fence(b, action, *extra, user="admin", password="password"):
    return run(["fence_ipmilan", "--ip", "127.0.0.1", "--ipport", str(b.port), "-l", user,
                "-p", password, "--lanplus", "-o", action, *extra], timeout=90,
               env=b.client_env())


@pytest.mark.parametrize("extra", [(), ("--cipher", "3"), ("--privlvl", "operator")])
def test_fence_status_off_on_reboot(fresh_bmc, extra):
    kw = dict(user="operator", password="operator") if "operator" in extra else {}
    # Fence agents exit 0 for ON, 2 for OFF, 1 for failure.
    r = fence(fresh_bmc, "status", *extra, **kw)
    assert r.rc == 2 and "Status: OFF" in r.out, r
    r = fence(fresh_bmc, "on", *extra, **kw)
    assert r.ok and "Success: Powered ON" in r.out, r
    assert fresh_bmc.power_status()[0] == "on"
    r = fence(fresh_bmc, "status", *extra, **kw)
    assert r.rc == 0 and "Status: ON" in r.out, r
    r = fence(fresh_bmc, "reboot", *extra, **kw)
    assert r.ok and "Success: Rebooted" in r.out, r
    assert fresh_bmc.power_status()[0] == "on"
    r = fence(fresh_bmc, "off", *extra, **kw)
    assert r.ok and "Success: Powered OFF" in r.out, r
    assert fresh_bmc.power_status()[0] == "off"


def test_fence_cycle_method(fresh_bmc):
    assert fence(fresh_bmc, "on").ok
    r = fence(fresh_bmc, "reboot", "--method", "cycle")
    assert r.ok and "Success: Rebooted" in r.out, r
    fresh_bmc.wait_power("on")


def test_fence_wrong_password_fails(fresh_bmc):
    r = fence(fresh_bmc, "status", password="wrong")
    assert r.rc == 1, r
