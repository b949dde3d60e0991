"""The BMC watchdog timer (IPMI 2.0 chapter 27: App 22h reset, 24h set,
25h get) through real clients: ipmitool `mc watchdog` and `raw`, FreeIPMI
`ipmi-raw`.  Expiry actions run through the power state machine of the
simulated host, so they are checked with `chassis power status`."""

import re
import time

import pytest

from conftest import POWER_DEADLINE

SMS_OS = 0x04


def field(text, name):
    """Value of an ipmitool 'Name:   value' line, or None."""
    m = re.search(r"^\s*" + re.escape(name) + r"\s*:\s*(.*?)\s*$", text, re.M)
    return m.group(1) if m else None


def seconds(text, name):
    v = field(text, name)
    assert v is not None, f"no {name!r} line in:\n{text}"
    m = re.match(r"([0-9.]+) sec", v)
    assert m, f"{name}: {v!r}"
    return float(m.group(1))


def hexargs(*data):
    return [f"0x{b:02x}" for b in data]


def set_wdt(d, use, actions, pretimeout, clear, countdown, **kw):
    """Set Watchdog Timer through `ipmitool raw`; countdown in 100 ms."""
    return d.ipmitool("raw", "0x06", "0x24",
                      *hexargs(use, actions, pretimeout, clear, countdown & 0xff, countdown >> 8), **kw)


def get_wdt(d, **kw):
    r = d.ipmitool("mc", "watchdog", "get", **kw)
    assert r.ok, r
    return r


def get_raw(d):
    """Get Watchdog Timer response data bytes, through `ipmitool raw`."""
    r = d.ipmitool("raw", "0x06", "0x25")
    assert r.ok, r
    data = [int(b, 16) for b in re.findall(r"\b[0-9a-fA-F]{2}\b", r.out)]
    assert len(data) == 8, r
    return data


def assert_rsp(r, cc):
    assert not r.ok, r
    assert f"rsp=0x{cc:02x}" in r.text.lower(), f"want completion code {cc:#04x}\n{r}"


def wait_log(d, text, deadline=POWER_DEADLINE):
    t_end = time.monotonic() + deadline
    while text not in d.stderr():
        if time.monotonic() >= t_end:
            pytest.fail(f"{text!r} never appeared in bmcd's log\n{d.stderr_tail()}", pytrace=False)
        time.sleep(0.1)


def power_on(d):
    r = d.ipmitool("chassis", "power", "on")
    assert r.ok, r
    d.wait_power("on")


def watch_power(d, seconds_):
    """Every power state seen by polling for `seconds_`."""
    seen = []
    t_end = time.monotonic() + seconds_
    while time.monotonic() < t_end:
        state, _ = d.power_status()
        if not seen or seen[-1] != state:
            seen.append(state)
        time.sleep(0.05)
    return seen


def check_restart_cause(d):
    """`chassis restart_cause` (Get System Restart Cause) names the
    watchdog, when the BMC implements that command."""
    r = d.ipmitool("chassis", "restart_cause")
    if not r.ok:
        return
    assert "watchdog" in r.out.lower(), r


# ---------------------------------------------------------------- get / set / reset


def test_fresh_get_and_uninitialized_reset(fresh_bmc):
    d = fresh_bmc
    r = get_wdt(d)
    assert field(r.out, "Watchdog Timer Is") == "Stopped", r
    assert seconds(r.out, "Initial Countdown") == 0.0, r
    assert get_raw(d) == [0] * 8
    # Reset before any Set: 80h, "attempt to start un-initialized watchdog".
    r = d.ipmitool("raw", "0x06", "0x22")
    assert_rsp(r, 0x80)
    r = d.ipmitool("mc", "watchdog", "reset")
    assert not r.ok, r
    assert "uninitialized" in r.text.lower(), r
    r = get_wdt(d)
    assert field(r.out, "Watchdog Timer Is") == "Stopped", r


def test_set_get_reset_off(bmc):
    """Shared daemon, action none: the host's power is never touched."""
    d = bmc
    r = set_wdt(d, SMS_OS, 0x00, 0, 0x00, 100)          # 10 s, no action
    assert r.ok, r
    r = get_wdt(d)
    assert field(r.out, "Watchdog Timer Use") == "SMS/OS (0x04)", r
    assert field(r.out, "Watchdog Timer Is") == "Stopped", r
    assert field(r.out, "Watchdog Timer Action").startswith("No action"), r
    assert seconds(r.out, "Initial Countdown") == 10.0, r
    assert seconds(r.out, "Present Countdown") == 10.0, r

    r = d.ipmitool("mc", "watchdog", "reset")
    assert r.ok, r
    r1 = get_wdt(d)
    assert field(r1.out, "Watchdog Timer Is") == "Started/Running", r1
    assert field(r1.out, "Watchdog Timer Use") == "SMS/OS (0x44)", r1
    time.sleep(1.0)
    r2 = get_wdt(d)
    p1, p2 = seconds(r1.out, "Present Countdown"), seconds(r2.out, "Present Countdown")
    assert 0 < p2 < p1 <= 10.0, f"present countdown did not decrease\n{r1}\n{r2}"

    # A reset restarts from the initial countdown.
    r = d.ipmitool("mc", "watchdog", "reset")
    assert r.ok, r
    p3 = seconds(get_wdt(d).out, "Present Countdown")
    assert p2 < p3 <= 10.0, (p2, p3)

    r = d.ipmitool("mc", "watchdog", "off")
    assert r.ok, r
    r = get_wdt(d)
    assert field(r.out, "Watchdog Timer Is") == "Stopped", r
    a = seconds(r.out, "Present Countdown")
    time.sleep(0.5)
    assert seconds(get_wdt(d).out, "Present Countdown") == a, "a stopped timer kept counting"


def test_set_dont_stop(fresh_bmc):
    """Byte 1 bit 6 ("don't stop"): a running timer keeps running with the
    new values; without it Set stops the timer; on a stopped timer it does
    not start it."""
    d = fresh_bmc
    assert set_wdt(d, SMS_OS, 0x00, 0, 0, 600).ok
    assert d.ipmitool("mc", "watchdog", "reset").ok
    assert get_raw(d)[0] == 0x44
    r = set_wdt(d, 0x40 | SMS_OS, 0x00, 0, 0, 300)        # don't stop, 30 s
    assert r.ok, r
    data = get_raw(d)
    assert data[0] == 0x44, f"running timer stopped by a don't-stop Set: {data}"
    assert data[4] | data[5] << 8 == 300
    assert 250 <= (data[6] | data[7] << 8) <= 300, data   # restarted from the new value
    r = set_wdt(d, SMS_OS, 0x00, 0, 0, 300)               # stop
    assert r.ok, r
    data = get_raw(d)
    assert data[0] == 0x04, data
    assert data[6] | data[7] << 8 == 300, data
    r = set_wdt(d, 0x40 | SMS_OS, 0x00, 0, 0, 200)        # stays stopped
    assert r.ok, r
    assert get_raw(d)[0] == 0x04


def test_dont_log_and_pretimeout_reported(fresh_bmc):
    d = fresh_bmc
    r = set_wdt(d, 0x80 | 0x03, 0x20 | 0x01, 5, 0, 600)   # OS load, don't log, NMI 5 s, reset
    assert r.ok, r
    r = get_wdt(d)
    assert field(r.out, "Watchdog Timer Use") == "OS Load (0x83)", r
    assert field(r.out, "Watchdog Timer Logging") == "Off", r
    assert field(r.out, "Watchdog Timer Action").startswith("Hard Reset"), r
    assert "NMI" in field(r.out, "Pre-timeout interrupt"), r
    assert field(r.out, "Pre-timeout interval") == "5 seconds", r
    assert get_raw(d)[:4] == [0x83, 0x21, 5, 0]


def test_pretimeout_then_expiry(fresh_bmc):
    """Pre-timeout (NMI, 4 s before a 5 s countdown) is logged; after it a
    Reset no longer restarts the timer (D5h); expiry then sets the flag.
    The host is off and the action is none: no power change."""
    d = fresh_bmc
    assert set_wdt(d, SMS_OS, 0x20, 4, 0, 50).ok
    assert d.ipmitool("mc", "watchdog", "reset").ok
    wait_log(d, "watchdog pre-timeout: SMS/OS, NMI interrupt 4 s before expiry", deadline=4)
    r = d.ipmitool("raw", "0x06", "0x22")
    assert_rsp(r, 0xd5)
    wait_log(d, "watchdog expired: SMS/OS, action none")
    data = get_raw(d)
    assert data[0] == 0x04 and data[3] == 0x10, data
    state, sr = d.power_status()
    assert state == "off", sr


# ---------------------------------------------------------------- expiry actions


def test_expiry_power_cycle(fresh_bmc):
    d = fresh_bmc
    power_on(d)
    r = set_wdt(d, SMS_OS, 0x03, 0, 0x10, 15)            # 1.5 s, power cycle
    assert r.ok, r
    r = d.ipmitool("mc", "watchdog", "reset")
    assert r.ok, r
    seen = watch_power(d, 1.5 + 0.5 + 1.0 + 1.5 + 3.0)   # countdown, off, cycle, on, slack
    assert "off" in seen and seen[-1] == "on" and seen.index("off") > 0, \
        f"power states seen: {seen}\n{d.stderr_tail()}"
    assert "watchdog expired: SMS/OS, action power cycle" in d.stderr()
    r = get_wdt(d)
    assert field(r.out, "Watchdog Timer Is") == "Stopped", r
    assert "SMS/OS" in r.out.split("Timer Expiration Flags")[1], r
    assert get_raw(d)[3] == 0x10
    assert seconds(r.out, "Present Countdown") == 0.0, r
    check_restart_cause(d)
    # Set clears the flags it is told to.
    assert set_wdt(d, SMS_OS, 0x00, 0, 0x10, 100).ok
    assert get_raw(d)[3] == 0x00


def test_expiry_hard_reset(fresh_bmc):
    d = fresh_bmc
    power_on(d)
    assert set_wdt(d, 0x03, 0x01, 0, 0, 15).ok           # OS load, hard reset
    assert d.ipmitool("mc", "watchdog", "reset").ok
    wait_log(d, "watchdog expired: OS load, action hard reset")
    wait_log(d, "host power: reset")
    assert watch_power(d, 1.0) == ["on"]
    data = get_raw(d)
    assert data[0] == 0x03 and data[3] == 0x08, data
    check_restart_cause(d)


def test_expiry_power_down(fresh_bmc):
    d = fresh_bmc
    power_on(d)
    assert set_wdt(d, SMS_OS, 0x02, 0, 0, 15).ok
    assert d.ipmitool("mc", "watchdog", "reset").ok
    d.wait_power("off")
    assert "watchdog expired: SMS/OS, action power down" in d.stderr()
    assert watch_power(d, 1.5) == ["off"], "the host came back on after a power down"
    data = get_raw(d)
    assert data[0] == 0x04 and data[3] == 0x10, data


def test_expiry_with_host_off_skips_action(fresh_bmc):
    d = fresh_bmc
    assert set_wdt(d, SMS_OS, 0x03, 0, 0, 5).ok
    assert d.ipmitool("mc", "watchdog", "reset").ok
    wait_log(d, "watchdog: host is off, power cycle skipped")
    assert watch_power(d, 1.0) == ["off"]
    assert get_raw(d)[3] == 0x10


# ---------------------------------------------------------------- host power


def test_power_down_stops_timer_reset_does_not(fresh_bmc):
    """The spec: the timer stops whenever the system powers down.  A system
    reset leaves it running (see chassis/watchdog.h)."""
    d = fresh_bmc
    power_on(d)
    assert set_wdt(d, SMS_OS, 0x00, 0, 0, 600).ok
    assert d.ipmitool("mc", "watchdog", "reset").ok
    assert d.ipmitool("chassis", "power", "reset").ok
    time.sleep(0.5)
    assert get_raw(d)[0] == 0x44, "a system reset stopped the watchdog"
    assert d.ipmitool("chassis", "power", "off").ok
    d.wait_power("off")
    data = get_raw(d)
    assert data[0] == 0x04, f"still running after power down: {data}"
    present = data[6] | data[7] << 8
    assert 0 < present < 600, data
    assert "watchdog: stopped, the host powered down" in d.stderr()


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("data,cc", [
    ((0x00, 0x00, 0, 0, 0x64, 0), 0xcc),    # timer use 0: reserved
    ((0x06, 0x00, 0, 0, 0x64, 0), 0xcc),    # timer use 6
    ((0x07, 0x00, 0, 0, 0x64, 0), 0xcc),    # timer use 7
    ((0x0c, 0x00, 0, 0, 0x64, 0), 0xcc),    # reserved bit 3 in timer use
    ((0x04, 0x04, 0, 0, 0x64, 0), 0xcc),    # action 4
    ((0x04, 0x08, 0, 0, 0x64, 0), 0xcc),    # reserved bit 3 in actions
    ((0x04, 0x40, 0, 0, 0x64, 0), 0xcc),    # pre-timeout interrupt 4
    ((0x04, 0x80, 0, 0, 0x64, 0), 0xcc),    # reserved bit 7 in actions
    ((0x04, 0x30, 11, 0, 0x64, 0), 0xcc),   # pre-timeout 11 s > countdown 10 s
    ((0x04, 0x00, 0, 0x01, 0x64, 0), 0xcc),  # reserved expiration flag bit 0
    ((0x04, 0x00, 0, 0x40, 0x64, 0), 0xcc),  # reserved expiration flag bit 6
    ((0x04, 0x00, 0, 0, 0x64), 0xc7),       # short
    ((0x04, 0x00, 0, 0, 0x64, 0, 0), 0xc7),  # long
], ids=["use0", "use6", "use7", "use-bit3", "action4", "action-bit3", "pre4", "action-bit7",
        "pretimeout-too-long", "flag-bit0", "flag-bit6", "short", "long"])
def test_set_refused(bmc, data, cc):
    r = bmc.ipmitool("raw", "0x06", "0x24", *hexargs(*data))
    assert_rsp(r, cc)


def test_set_accepts_edges(fresh_bmc):
    d = fresh_bmc
    # Pre-timeout interval equal to the countdown; the interval without an
    # interrupt selected is not checked.
    assert set_wdt(d, SMS_OS, 0x30, 10, 0, 100).ok
    assert set_wdt(d, SMS_OS, 0x00, 200, 0, 100).ok
    assert set_wdt(d, 0x05, 0x00, 0, 0x3e, 0xffff).ok       # OEM, every flag, 6553.5 s
    assert get_raw(d)[4:6] == [0xff, 0xff]


def test_privileges(fresh_bmc):
    """Appendix G: Set and Reset need OPERATOR, Get needs USER."""
    d = fresh_bmc
    user = dict(user="user", password="user", priv="USER")
    op = dict(user="operator", password="operator", priv="OPERATOR")
    assert_rsp(set_wdt(d, SMS_OS, 0, 0, 0, 100, **user), 0xd4)
    assert_rsp(d.ipmitool("raw", "0x06", "0x22", **user), 0xd4)
    r = get_wdt(d, **user)
    assert field(r.out, "Watchdog Timer Is") == "Stopped", r
    assert field(r.out, "Watchdog Timer Use") == "Reserved (0x00)", "USER's Set took effect"
    r = set_wdt(d, SMS_OS, 0, 0, 0, 100, **op)
    assert r.ok, r
    assert d.ipmitool("mc", "watchdog", "reset", **op).ok
    r = get_wdt(d, **user)
    assert field(r.out, "Watchdog Timer Is") == "Started/Running", r
    assert d.ipmitool("mc", "watchdog", "off", **op).ok


# ---------------------------------------------------------------- FreeIPMI


def _freeipmi_rcvd(r):
    m = re.search(r"rcvd:\s*((?:[0-9A-Fa-f]{2}\s*)+)", r.out)
    assert m, r
    return [int(b, 16) for b in m.group(1).split()]


def test_freeipmi_raw(fresh_bmc):
    d = fresh_bmc
    r = d.freeipmi("ipmi-raw", "0", "6", "24", "04", "00", "00", "00", "32", "00")
    assert r.ok, r
    assert _freeipmi_rcvd(r)[:2] == [0x24, 0x00], r
    r = d.freeipmi("ipmi-raw", "0", "6", "22")
    assert r.ok and _freeipmi_rcvd(r)[:2] == [0x22, 0x00], r
    r = d.freeipmi("ipmi-raw", "0", "6", "25")
    assert r.ok, r
    data = _freeipmi_rcvd(r)
    assert data[:2] == [0x25, 0x00], r
    body = data[2:]
    assert body[0] == 0x44 and body[4:6] == [0x32, 0x00], r
    assert 0 < (body[6] | body[7] << 8) <= 0x32, r
