"""python3-pyghmi (Debian's /usr/bin/python3) against bmcd.

pyghmi can wait forever on a silent BMC, so it always runs in a child
process with a timeout; the child prints one JSON line with what it saw."""

from conftest import expected_identity
from pyghmi_child import pyghmi_run

BODY = """
    out['power0'] = c.get_power()
    if args[0] == 'power':
        out['set_on'] = c.set_power('on', wait=20)
        out['power1'] = c.get_power()
        out['set_off'] = c.set_power('off', wait=20)
        out['power2'] = c.get_power()
    raw = c.raw_command(netfn=6, command=1)
    raw['data'] = list(raw.get('data', b''))
    out['raw'] = raw
"""


def pyghmi(d, user, password, what, timeout=60, privlevel=None):
    return pyghmi_run(d, BODY, what, user=user, password=password, privlevel=privlevel,
                      timeout=timeout)


def test_pyghmi_power_and_raw(fresh_bmc, sim_board):
    res, r = pyghmi(fresh_bmc, "admin", "password", "power")
    assert "error" not in res, f"{res.get('error')}\n{res.get('trace')}\n{r}"
    assert res["power0"] == {"powerstate": "off"}, res
    assert res["set_on"]["powerstate"] == "on", res
    assert res["power1"] == {"powerstate": "on"}, res
    assert res["power2"] == {"powerstate": "off"}, res
    raw = res["raw"]
    assert raw.get("code", 0) == 0 and "error" not in raw, raw
    data = raw["data"]
    assert len(data) >= 11, raw
    mfg = data[6] | data[7] << 8 | (data[8] & 0x0f) << 16
    assert mfg == expected_identity(sim_board).get("manufacturer_id", 32473), raw
    # another client agrees
    state, sr = fresh_bmc.power_status()
    assert state == "off", sr


def test_pyghmi_readonly_on_shared(bmc):
    res, r = pyghmi(bmc, "admin", "password", "read")
    assert "error" not in res, f"{res.get('error')}\n{res.get('trace')}\n{r}"
    assert res["power0"] == {"powerstate": "off"}, res
    assert len(res["raw"]["data"]) >= 11, res


def test_pyghmi_user_level(bmc):
    """The USER account, asking for a USER session (privlevel=2), can read
    the power state.  (pyghmi's default asks for ADMINISTRATOR, then
    OPERATOR, and bmcd rightly refuses both for this account.)"""
    res, r = pyghmi(bmc, "user", "user", "read", privlevel=2)
    assert "error" not in res, f"{res.get('error')}\n{res.get('trace')}\n{r}"
    assert res["power0"] == {"powerstate": "off"}, res


def test_pyghmi_wrong_password_refused(bmc):
    res, r = pyghmi(bmc, "admin", "wrong-password", "read")
    assert "error" in res, f"logged in with a wrong password: {res}"
    assert "power0" not in res, res
    assert bmc.alive()
    ok = bmc.ipmitool("mc", "info", cipher=17)
    assert ok.ok, ok
