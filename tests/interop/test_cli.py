"""bmcd's command line: --help, --version, --check-config, SIGTERM."""

import copy
import re
import signal

import pytest

from conftest import BMCD, ROOT, SIM_BOARD, Bmcd, load_board, run, write_board

SECRET = "Zq7-never-printed"      # 17 bytes, valid length
SECRET_LONG = "Xk9-far-too-long-secret-pw"  # 26 bytes > 20: invalid


def project_version():
    m = re.search(r"version\s*:\s*'([^']+)'", (ROOT / "meson.build").read_text())
    assert m, "no version in meson.build"
    return m.group(1)


def users_list(board):
    users = board["users"]
    assert isinstance(users, list), "expected users to be a list in boards/sim.json"
    return users


def test_help_exits_0():
    r = run([BMCD, "--help"], timeout=10)
    assert r.rc == 0, r
    assert "--board" in r.text and "--check-config" in r.text, r


def test_version_exits_0_and_prints_version():
    r = run([BMCD, "--version"], timeout=10)
    assert r.rc == 0, r
    assert project_version() in r.text, r


def test_unknown_option_is_an_error():
    r = run([BMCD, "--no-such-option"], timeout=10)
    assert r.rc not in (0, None) and r.rc > 0, r
    assert r.text.strip(), r


def test_check_config_sim_board_valid():
    r = run([BMCD, "--board", SIM_BOARD, "--check-config"], timeout=10)
    assert r.rc == 0, r


def test_check_config_missing_board_is_clear_error(tmp_path):
    missing = tmp_path / "no-such-board.json"
    r = run([BMCD, "--board", missing, "--check-config"], timeout=10)
    assert r.rc is not None and r.rc > 0, r
    assert str(missing) in r.text or "no-such-board.json" in r.text, r
    assert re.search(r"no such file|not found|cannot open|can't open|No such", r.text, re.I), r


def test_run_missing_board_exits_nonzero(tmp_path):
    missing = tmp_path / "no-such-board.json"
    r = run([BMCD, "--board", missing, "--state", tmp_path / "st", "--listen", "127.0.0.1:1"],
            timeout=10)
    assert r.rc is not None and r.rc > 0, r
    assert "no-such-board.json" in r.text, r


def test_check_config_invalid_json(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"name": "x", "users": [')
    r = run([BMCD, "--board", p, "--check-config"], timeout=10)
    assert r.rc == 1, r
    assert r.text.strip(), r


def _broken_board(tmp_path):
    """sim.json with three independent faults; returns (path, expected key paths)."""
    board = copy.deepcopy(load_board())
    users = users_list(board)
    assert len(users) >= 2
    # 1: a user without password
    del users[0]["password"]
    # 2: an over-long password (must be reported without echoing it)
    users[1]["password"] = SECRET_LONG
    # 3: an unknown key
    board["lan"]["bogus_knob"] = 1
    # 4: cipher suite 4 (not offered by bmcd)
    board["lan"]["cipher_suites"] = list(board["lan"]["cipher_suites"]) + [4]
    ci = len(board["lan"]["cipher_suites"]) - 1
    expected = ["users[0].password", "users[1].password", "lan.bogus_knob",
                f"lan.cipher_suites[{ci}]"]
    return write_board(tmp_path, board, "broken.json"), expected


def test_check_config_broken_board_lists_every_key_path(tmp_path):
    path, expected = _broken_board(tmp_path)
    r = run([BMCD, "--board", path, "--check-config"], timeout=10)
    assert r.rc == 1, r
    for key in expected:
        lines = [ln for ln in r.text.splitlines() if key in ln]
        assert lines, f"no problem line names {key!r}\n{r}"
    # one problem per line: no line names two of the keys
    for ln in r.text.splitlines():
        assert sum(k in ln for k in expected) <= 1, f"two problems on one line: {ln!r}\n{r}"
    assert SECRET_LONG not in r.text, f"password value printed\n{r}"


def _fault_missing_password(b):
    del users_list(b)[0]["password"]
    return "users[0].password"


def _fault_unknown_top_key(b):
    b["bogus_top_level"] = True
    return "bogus_top_level"


def _fault_unknown_user_key(b):
    users_list(b)[1]["colour"] = "blue"
    return "users[1].colour"


def _fault_cipher_4(b):
    b["lan"]["cipher_suites"] = [4]
    return "lan.cipher_suites[0]"


def _fault_password_too_long(b):
    users_list(b)[0]["password"] = SECRET_LONG
    return "users[0].password"


def _fault_bad_privilege(b):
    users_list(b)[0]["privilege"] = "emperor"
    return "users[0].privilege"


def _fault_session_timeout_too_small(b):
    b["lan"]["session_timeout"] = 1
    return "lan.session_timeout"


FAULTS = [_fault_missing_password, _fault_unknown_top_key, _fault_unknown_user_key,
          _fault_cipher_4, _fault_password_too_long, _fault_bad_privilege,
          _fault_session_timeout_too_small]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.__name__[7:] for f in FAULTS])
def test_check_config_single_fault(tmp_path, fault):
    board = copy.deepcopy(load_board())
    key = fault(board)
    p = write_board(tmp_path, board, "case.json")
    r = run([BMCD, "--board", p, "--check-config"], timeout=10)
    assert r.rc == 1, r
    assert key in r.text, r
    assert SECRET_LONG not in r.text, r


def test_broken_board_refuses_to_start(tmp_path):
    path, _ = _broken_board(tmp_path)
    r = run([BMCD, "--board", path, "--state", tmp_path / "st", "--listen", "127.0.0.1:1", "-v"],
            timeout=10)
    assert r.rc is not None and r.rc > 0, r
    assert SECRET_LONG not in r.text, r


def test_password_never_logged(tmp_path):
    """A daemon run with -v, with good and bad logins, never prints a password."""
    board = copy.deepcopy(load_board())
    users = users_list(board)
    admin = next(u for u in users if str(u.get("privilege", "")).upper().startswith("ADMIN"))
    admin["password"] = SECRET
    p = write_board(tmp_path, board, "secret.json")
    r = run([BMCD, "--board", p, "--check-config", "-v"], timeout=10)
    assert r.rc == 0, r
    assert SECRET not in r.text, r
    d = Bmcd(board=p, workdir=tmp_path / "d").start()
    try:
        good = d.ipmitool("mc", "info", user=admin["name"], password=SECRET, cipher=17)
        bad = d.ipmitool("mc", "info", user=admin["name"], password=SECRET + "x", cipher=17)
        bad15 = d.ipmitool("mc", "info", intf="lan", authtype="MD5", user=admin["name"],
                           password=SECRET[::-1])
    finally:
        d.stop_and_check()
    assert good.ok, good
    assert not bad.ok, bad
    assert not bad15.ok, bad15
    log = d.stderr() + d.stdout_path.read_text(errors="replace")
    assert log.strip(), "bmcd -v printed nothing at all"
    assert SECRET not in log, f"password in bmcd output:\n{log}"
    assert SECRET[::-1] not in log, f"password attempt in bmcd output:\n{log}"


def test_sigterm_exits_0(tmp_path):
    d = Bmcd(workdir=tmp_path).start()
    r = d.ipmitool("mc", "info")
    assert r.ok, r
    assert d.alive()
    d.stop_and_check()


def test_sigint_exits_0(tmp_path):
    d = Bmcd(workdir=tmp_path).start()
    rc = d.stop(signal.SIGINT)
    assert rc == 0, f"SIGINT: status {rc}\n{d.stderr_tail()}"


def test_ready_notification_sent(tmp_path):
    d = Bmcd(workdir=tmp_path).start()
    try:
        assert any("READY=1" in m.split("\n") for m in d.notify_messages), d.notify_messages
        # READY means ready: the very first request is answered.
        r = d.ipmitool("raw", "0x06", "0x01", cipher=3)
        assert r.ok, r
    finally:
        d.stop_and_check()
