"""Two BMCs in one bmcd process (--instance BOARD:STATEDIR[:ADDR:PORT]), each
answering ipmitool lanplus on its own port, with its own board and state
directory: users, SEL and host power of one never show on the other
(docs/architecture.md, "Instances").  Also the command-line refusals: a
second BMC on the first one's state directory, or with a host interface."""

import re

import pytest

from conftest import (BMCD, HOST, SANITIZER_MARKERS, SIM_BOARD, Bmcd, free_tcp_port, free_udp_port,
                      load_board, ok, run, write_board)


def other_board():
    """The sim board under another name, user 3 renamed, Redfish on a free
    port (not the sim board's 8443)."""
    board = load_board()
    board["name"] = "sim-b"
    board["redfish"]["listen"] = [f"{HOST}:{free_tcp_port()}"]
    for u in board["users"]:
        if u["name"] == "operator":
            u["name"] = "oper-b"
    return board


@pytest.fixture
def pair(tmp_path):
    """One bmcd with two BMCs: (a, b), each a client handle on its own port."""
    board_b = write_board(tmp_path, other_board(), "board-b.json")
    state_b = tmp_path / "state-b"
    port_b = free_udp_port()
    a = Bmcd(workdir=tmp_path / "a",
             extra_args=["--instance", f"{board_b}:{state_b}:{HOST}:{port_b}"])
    # b only talks to the second port: the process is a's.
    b = Bmcd(board=board_b, state_dir=state_b, port=port_b, workdir=tmp_path / "b")
    a.start()
    yield a, b
    a.stop_and_check()


def user_names(d):
    """{user id: name} from `user list 1`."""
    names = {}
    for line in ok(d.ipmitool("user", "list", "1")).out.splitlines():
        # "7   alpha            true    false      true       ADMINISTRATOR"
        m = re.match(r"^(\d+)\s+(.*?)\s*(?:true|false)\s", line)
        if m:
            names[int(m.group(1))] = m.group(2)
    return names


def test_users_apart(pair):
    a, b = pair
    assert user_names(a)[3] == "operator"
    assert user_names(b)[3] == "oper-b"
    ok(a.ipmitool("user", "set", "name", "7", "alpha"))
    assert user_names(a)[7] == "alpha"
    assert user_names(b)[7] == ""
    # and the other way round
    ok(b.ipmitool("user", "set", "name", "8", "beta"))
    assert user_names(b)[8] == "beta"
    assert user_names(a)[8] == ""


def test_sel_apart(pair, tmp_path):
    a, b = pair
    events = tmp_path / "events"
    events.write_text("0x04 0x07 0x01 0x6f 0x00 0xff 0xff # processor IERR\n")
    ok(a.ipmitool("sel", "add", events))
    assert "IERR" in ok(a.ipmitool("sel", "list")).out
    assert "IERR" not in ok(b.ipmitool("sel", "list")).text


def test_power_apart(pair):
    a, b = pair
    assert a.power_status()[0] == "off" and b.power_status()[0] == "off"
    ok(a.ipmitool("chassis", "power", "on"))
    a.wait_power("on")
    assert b.power_status()[0] == "off"
    ok(b.ipmitool("chassis", "power", "on"))
    b.wait_power("on")
    ok(a.ipmitool("chassis", "power", "off"))
    a.wait_power("off")
    assert b.power_status()[0] == "on"


def test_check_config_reads_every_board(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    r = run([BMCD, "--check-config", "--board", SIM_BOARD,
             "--instance", f"{bad}:{tmp_path / 's'}"])
    assert r.rc == 1, r
    assert f"{SIM_BOARD}: valid" in r.out, r
    assert f"{bad}: name: missing" in r.out, r


def refused(tmp_path, instance):
    r = run([BMCD, "--board", SIM_BOARD, "--state", tmp_path / "s1",
             "--listen", f"{HOST}:{free_udp_port()}",
             "--redfish-listen", f"{HOST}:{free_tcp_port()}", "--instance", instance], timeout=20)
    assert r.rc == 1, r
    # what the first BMC had started is torn down cleanly
    assert not any(m in r.err for m in SANITIZER_MARKERS), r
    return r.err


def test_state_dir_not_shared(tmp_path):
    p = write_board(tmp_path, other_board(), "b.json")
    err = refused(tmp_path, f"{p}:{tmp_path}/./s1:{HOST}:{free_udp_port()}")
    assert "already the state directory of another BMC" in err


def test_host_interface_first_only(tmp_path):
    board = load_board()
    board["kcs"] = {"backend": "extern", "listen": f"unix:{tmp_path}/kcs.sock"}
    p = write_board(tmp_path, board, "kcs.json")
    err = refused(tmp_path, f"{p}:{tmp_path / 's2'}:{HOST}:{free_udp_port()}")
    assert "runs on the first BMC of a process only" in err


@pytest.mark.parametrize("spec", ["board-only", ":state", "board:", "board:state:"])
def test_instance_syntax(spec):
    r = run([BMCD, "--instance", spec])
    assert r.rc == 2 and "not BOARD:STATEDIR[:ADDR:PORT]" in r.err, r
