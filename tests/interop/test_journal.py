"""Login events reach journald as structured fields (native protocol),
when stderr is the journal stream systemd set up."""

import json

from conftest import BMCD, SIM_BOARD, SYS_PYTHON, free_tcp_port, free_udp_port, run


def test_login_events_have_journal_fields(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    r = run(["unshare", "-m", "--propagation", "private", SYS_PYTHON,
             str(__import__("pathlib").Path(__file__).with_name("journal_capture.py")),
             BMCD, SIM_BOARD, state, free_udp_port(),
             "--redfish-listen", f"127.0.0.1:{free_tcp_port()}"], timeout=90)
    assert r.ok, r
    entries = json.loads(r.out.strip().splitlines()[-1])
    events = [e for e in entries if "BMCD_EVENT" in e]
    ok = [e for e in events if e["BMCD_EVENT"] == "login-success"]
    bad = [e for e in events if e["BMCD_EVENT"] == "login-failure"]
    assert ok and bad, entries
    for e in ok + bad:
        assert e["BMCD_USER"] == "admin" and e["BMCD_USER_ID"] == "2", e
        assert e["BMCD_SOURCE"].startswith("127.0.0.1:") and e["BMCD_CHANNEL"] == "1", e
        assert e["SYSLOG_IDENTIFIER"] == "bmcd" and e["MESSAGE"].startswith("login: "), e
    assert ok[0]["PRIORITY"] == "6" and bad[0]["PRIORITY"] == "4"
    # The password is in no field.
    assert "wrong-password" not in r.out and '"password"' not in r.out
