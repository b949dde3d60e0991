"""Users, channel access and brute-force lockout, through real clients.

ipmitool (user / channel subcommands, raw for bad input), FreeIPMI's
ipmi-config, pyghmi and nmap's ipmi-brute against bmcd on 127.0.0.1.  One
test waits out the default 60 s lockout interval once.
"""

import os
import signal
import re
import stat
import time
from pathlib import Path

import pytest

from conftest import SYS_PYTHON, load_board, make_user, run, write_board

PW20 = "0123456789abcdefghij"


def ok(r):
    assert r.ok, r
    return r


def raw(b, *data):
    return b.ipmitool("raw", *[f"0x{x:02x}" if isinstance(x, int) else x for x in data])


def rsp_code(r):
    m = re.search(r"rsp=0x([0-9a-f]{2})", r.text)
    return int(m.group(1), 16) if m else None


def user_rows(b):
    r = ok(b.ipmitool("user", "list", "1"))
    rows = {}
    for line in r.out.splitlines()[1:]:
        f = line.split()
        if f and f[0].isdigit():
            # ID [name] callin link ipmi priv...
            named = len(f) >= 6 and f[1] not in ("true", "false")
            rows[int(f[0])] = (f[1] if named else "", " ".join(f[2:] if named else f[1:]))
    return rows


def state_bytes(b):
    """Every file in the state dir, concatenated."""
    out = b""
    for p in Path(b.state_dir).iterdir():
        if p.is_file():
            out += p.read_bytes()
    return out


# --------------------------------------------------------------------------



def wait_log(b, pattern, timeout=8.0):
    """Wait for a line matching pattern in bmcd's log.  A handshake that got
    a RAKP2 and no RAKP3 (a console that found its password wrong and gave
    up) counts as a failed login after a grace period of 3 s
    (LAN_RAKP3_GRACE_USEC), so locks and counts show up that much later."""
    deadline = time.monotonic() + timeout
    while not re.search(pattern, b.stderr()):
        assert time.monotonic() < deadline, f"{pattern!r} not logged\n{b.stderr_tail()}"
        time.sleep(0.1)

def test_user_list_and_summary(bmc):
    rows = user_rows(bmc)
    assert sorted(rows) == list(range(1, 16)), rows
    assert rows[2][0] == "admin" and "ADMINISTRATOR" in rows[2][1]
    assert rows[3][0] == "operator" and "OPERATOR" in rows[3][1]
    assert rows[1][0] == "" and "NO ACCESS" in rows[1][1]
    r = ok(bmc.ipmitool("user", "summary", "1"))
    assert re.search(r"Maximum IDs\s*:\s*15", r.out), r
    assert re.search(r"Enabled User Count\s*:\s*3", r.out), r
    assert re.search(r"Fixed Name Count\s*:\s*1", r.out), r


def test_channel_info(bmc):
    r = ok(bmc.ipmitool("channel", "info"))
    assert "802.3 LAN" in r.out and "multi-session" in r.out, r
    assert re.search(r"Access Mode\s*:\s*always available", r.out), r
    r = bmc.ipmitool("channel", "info", "5")
    assert not r.ok or "not" in r.text.lower(), r


def test_user_lifecycle(bmc_factory):
    b = bmc_factory()
    ok(b.ipmitool("user", "set", "name", "5", "alice"))
    ok(b.ipmitool("user", "set", "password", "5", "secret"))
    r = ok(b.ipmitool("user", "test", "5", "16", "secret"))
    assert "Success" in r.out, r
    r = b.ipmitool("user", "test", "5", "16", "wrong")
    assert "password incorrect" in r.text, r
    r = b.ipmitool("user", "test", "5", "20", "secret")
    assert "wrong password size" in r.text, r
    ok(b.ipmitool("user", "enable", "5"))
    ok(b.ipmitool("user", "priv", "5", "2", "1"))
    r = ok(b.ipmitool("channel", "getaccess", "1", "5"))
    assert re.search(r"User Name\s*:\s*alice", r.out), r
    assert re.search(r"Privilege Level\s*:\s*USER", r.out), r
    assert re.search(r"Enable Status\s*:\s*enabled", r.out), r

    # alice logs in at USER; chassis control and user management are D4h.
    r = ok(b.ipmitool("mc", "info", user="alice", password="secret", priv="USER"))
    assert "Device ID" in r.out
    r = b.ipmitool("chassis", "power", "off", user="alice", password="secret", priv="USER")
    assert not r.ok and "Insufficient privilege" in r.text, r
    r = b.ipmitool("user", "set", "name", "6", "mallory", user="alice", password="secret",
                   priv="USER")
    assert not r.ok and "Insufficient privilege" in r.text, r
    r = raw(b, 6, 0x45, 6, *b"mallory".ljust(16, b"\0"))
    assert r.ok  # as admin it works: the refusal above was the privilege
    # Not above her limit, and IPMI 1.5 works too.
    assert not b.ipmitool("mc", "info", user="alice", password="secret", priv="ADMINISTRATOR").ok
    ok(b.ipmitool("mc", "info", user="alice", password="secret", priv="USER", intf="lan"))

    # The 20-byte form.
    ok(b.ipmitool("user", "set", "password", "5", PW20, "20"))
    r = ok(b.ipmitool("user", "test", "5", "20", PW20))
    assert "Success" in r.out, r
    assert "wrong password size" in b.ipmitool("user", "test", "5", "16", PW20[:16]).text
    ok(b.ipmitool("mc", "info", user="alice", password=PW20, priv="USER"))
    ok(b.ipmitool("user", "set", "password", "5", "secret"))

    # channel setaccess: link auth, operator.
    ok(b.ipmitool("channel", "setaccess", "1", "5", "callin=on", "ipmi=on", "link=on",
                  "privilege=3"))
    r = ok(b.ipmitool("channel", "getaccess", "1", "5"))
    assert re.search(r"Privilege Level\s*:\s*OPERATOR", r.out), r
    assert re.search(r"Link Authentication\s*:\s*enabled", r.out), r
    ok(b.ipmitool("chassis", "status", user="alice", password="secret", priv="OPERATOR"))

    # Disabled: cannot log in.
    ok(b.ipmitool("user", "disable", "5"))
    assert not b.ipmitool("mc", "info", user="alice", password="secret", priv="USER").ok
    ok(b.ipmitool("user", "enable", "5"))

    # IPMI messaging off: cannot log in either.  (ipmitool 1.8.19's
    # "channel setaccess ... ipmi=off" still sends the bit on: use raw.)
    ok(raw(b, 6, 0x43, 0x80 | 0x20 | 1, 5, 3))
    assert not b.ipmitool("mc", "info", user="alice", password="secret", priv="USER").ok
    ok(b.ipmitool("channel", "setaccess", "1", "5", "ipmi=on", "privilege=3"))

    # Persistence across a restart.
    b.restart()
    rows = user_rows(b)
    assert rows[5][0] == "alice" and "OPERATOR" in rows[5][1], rows
    assert rows[6][0] == "mallory", rows
    ok(b.ipmitool("chassis", "status", user="alice", password="secret", priv="OPERATOR"))
    assert "Success" in ok(b.ipmitool("user", "test", "5", "16", "secret")).out

    # Nothing secret in clear on disk; the key is 0600.
    blob = state_bytes(b)
    for secret in (b"secret", PW20.encode(), b"password", b"alice", b"mallory"):
        assert secret not in blob, secret
    key = Path(b.state_dir) / "users.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((Path(b.state_dir) / "users").stat().st_mode) == 0o600
    # ... and bmcd never logged a password.
    assert "secret" not in b.stderr() and PW20 not in b.stderr()


def test_login_logged(bmc_factory):
    b = bmc_factory()
    ok(b.ipmitool("mc", "info"))
    b.ipmitool("mc", "info", password="nope")
    b.ipmitool("mc", "info", user="nobody", password="nope")
    time.sleep(0.2)
    err = b.stderr()
    assert re.search(r'login: user 2 "admin" from 127\.0\.0\.1:\d+ on channel 1', err), err
    # The failed RAKP2 is counted when it is abandoned (no RAKP3 within the grace).
    wait_log(b, r'bad password for user 2 "admin" from 127\.0\.0\.1:\d+ on channel 1')
    err = b.stderr()
    assert re.search(r'refused unknown or disabled user "nobody" from 127\.0\.0\.1', err)


def test_bad_input(bmc):
    before = user_rows(bmc)
    cases = [
        # Set User Name: NUL in the middle, all NUL, > 16 bytes, ID 0, past max, user 1
        ((6, 0x45, 5, *b"ev\0e".ljust(16, b"\0")), 0xCC),
        # (an all-NUL name deletes the user: test_user_delete_*)
        # a name another ID already has
        ((6, 0x45, 5, *b"admin".ljust(16, b"\0")), 0xCC),
        ((6, 0x45, 5, *b"a" * 17), 0xC7),
        ((6, 0x45, 0, *b"zero".ljust(16, b"\0")), 0xCC),
        ((6, 0x45, 16, *b"past".ljust(16, b"\0")), 0xCC),
        ((6, 0x45, 1, *b"anon".ljust(16, b"\0")), 0xCC),
        # Set User Password: 21 bytes, wrong length for the form, ID 0 / past max
        ((6, 0x47, 0x85, 2, *b"x" * 21), 0xC7),
        ((6, 0x47, 0x85, 2, *b"x" * 16), 0xC7),
        ((6, 0x47, 0, 2, *b"x" * 16), 0xCC),
        ((6, 0x47, 16, 2, *b"x" * 16), 0xCC),
        # Get/Set User Access: invalid channel, ID 0 / past max, reserved privilege
        ((6, 0x44, 5, 2), 0xCC),
        ((6, 0x44, 1, 0), 0xCC),
        ((6, 0x44, 1, 16), 0xCC),
        ((6, 0x43, 0x95, 2, 2), 0xCC),
        ((6, 0x43, 0x91, 2, 0), 0xCC),
        # Get/Set Channel Access: no such channel, session-less channel
        ((6, 0x41, 5, 0x40), 0xCC),
        ((6, 0x40, 5, 0x42, 0x44), 0xCC),
        ((6, 0x41, 15, 0x40), 0x82),
        ((6, 0x40, 1, 0x47, 0x44), 0x83),
        ((6, 0x40, 1, 0x42, 0x46), 0xCC),
        # Get User Name past max
        ((6, 0x46, 16), 0xCC),
    ]
    for data, want in cases:
        r = raw(bmc, *data)
        assert not r.ok and rsp_code(r) == want, (data, r)
    assert user_rows(bmc) == before
    r = ok(raw(bmc, 6, 0x41, 1, 0x80))
    assert r.out.split() == ["22", "04"], r


def test_channel_disabled_and_limit(bmc_factory):
    b = bmc_factory()
    # Volatile privilege limit OPERATOR: admin cannot get ADMINISTRATOR.
    ok(raw(b, 6, 0x40, 1, 0x00, 0x80 | 3))
    assert not b.ipmitool("mc", "info").ok
    ok(b.ipmitool("chassis", "status", priv="OPERATOR"))
    r = ok(b.ipmitool("raw", "6", "0x41", "1", "0x80", priv="OPERATOR"))
    assert r.out.split() == ["22", "03"], r
    # Volatile settings do not survive a restart.
    b.restart()
    ok(b.ipmitool("mc", "info"))
    # Volatile access mode disabled: no new sessions (RMCP+ or IPMI 1.5).
    ok(raw(b, 6, 0x40, 1, 0x80 | 0x20 | 0, 0x00))
    assert not b.ipmitool("mc", "info").ok
    assert not b.ipmitool("mc", "info", intf="lan").ok
    assert "channel 1 is disabled" in b.stderr()
    b.restart()
    r = ok(b.ipmitool("channel", "info"))
    assert "always available" in r.out
    # Non-volatile: disabled after the restart too.
    ok(raw(b, 6, 0x40, 1, 0x40 | 0x20 | 0, 0x40 | 4))
    ok(b.ipmitool("mc", "info"))  # the volatile setting still allows it
    b.restart()
    assert not b.ipmitool("mc", "info").ok


def test_null_user_authcap(bmc_factory):
    b = bmc_factory()
    r = ok(b.ipmitool("channel", "authcap", "1", "4"))
    assert re.search(r"Anonymous login enabled\s*:\s*no", r.out), r
    assert re.search(r"Null user names exist\s*:\s*no", r.out), r
    ok(b.ipmitool("user", "enable", "1"))
    ok(b.ipmitool("channel", "setaccess", "1", "1", "ipmi=on", "privilege=2"))
    r = ok(b.ipmitool("channel", "authcap", "1", "4"))
    assert re.search(r"Anonymous login enabled\s*:\s*yes", r.out), r
    ok(b.ipmitool("mc", "info", user="", password="", priv="USER"))
    ok(b.ipmitool("user", "set", "password", "1", "anonpw"))
    r = ok(b.ipmitool("channel", "authcap", "1", "4"))
    assert re.search(r"Null user names exist\s*:\s*yes", r.out), r
    assert re.search(r"Anonymous login enabled\s*:\s*no", r.out), r
    ok(b.ipmitool("user", "disable", "1"))
    assert not b.ipmitool("mc", "info", user="", password="anonpw", priv="USER").ok


def corrupt_and_restart(b, content=None):
    b.stop_and_check()
    users = Path(b.state_dir) / "users"
    data = bytearray(users.read_bytes())
    if content is None:
        data[len(data) // 2] ^= 0x40
    else:
        data = bytearray(content)
    users.write_bytes(bytes(data))
    b.proc = None
    b.returncode = None
    b.start()
    return bytes(data)


def test_corrupt_users_file(bmc_factory):
    """A corrupt users file never brings the factory users back silently:
    LAN logins are refused and the log says how to recover; the documented
    step (delete users.corrupt, restart) brings the board's users back."""
    b = bmc_factory()
    ok(b.ipmitool("user", "set", "name", "5", "alice"))
    ok(b.ipmitool("user", "set", "password", "2", "changedpw"))
    data = corrupt_and_restart(b)
    err = b.stderr()
    assert re.search(r"users cannot be decrypted.*moved to users\.corrupt\. LAN LOGINS ARE REFUSED",
                     err), err
    assert "delete users.corrupt" in err and "NOT restored automatically" in err, err
    assert (Path(b.state_dir) / "users.corrupt").read_bytes() == data
    assert not (Path(b.state_dir) / "users").exists()
    # neither the factory password nor the one set before gets in, on any path
    for pw in ("password", "changedpw"):
        assert not b.ipmitool("mc", "info", password=pw).ok
        assert not b.ipmitool("mc", "info", password=pw, intf="lan", authtype="MD5").ok
    assert "user state was corrupt and has not been recovered" in b.stderr()
    # a restart changes nothing
    b.restart()
    assert not b.ipmitool("mc", "info").ok
    # the documented recovery step: remove users.corrupt (a deliberate act), restart
    b.stop_and_check()
    (Path(b.state_dir) / "users.corrupt").unlink()
    b.proc = None
    b.returncode = None
    b.start()
    ok(b.ipmitool("mc", "info"))
    assert user_rows(b)[5][0] == "", user_rows(b)


def test_corrupt_users_recovered_in_band(bmc_factory, tmp_path):
    """In-band (the host interface needs no login) an administrator sets a
    user up: that is the new state and LAN logins work again, for it only."""
    import tempfile
    from kcsclient import FakeVM
    sockdir = Path(tempfile.mkdtemp(prefix="bk-", dir="/tmp"))
    board = load_board()
    board["kcs"] = {"backend": "extern", "listen": f"unix:{sockdir}/kcs.sock"}
    b = bmc_factory(board=write_board(tmp_path, board))
    corrupt_and_restart(b, b"garbage")
    assert "state: users is malformed" in b.stderr()
    assert not b.ipmitool("mc", "info").ok
    vm = FakeVM(str(sockdir / "kcs.sock"))
    try:
        cc, _ = vm.request(6, 0x45, bytes([2]) + b"rescue".ljust(16, b"\0"))
        assert cc == 0
        cc, _ = vm.request(6, 0x47, bytes([2, 2]) + b"rescuepw".ljust(16, b"\0"))
        assert cc == 0
        cc, _ = vm.request(6, 0x47, bytes([2, 1]))
        assert cc == 0
        cc, _ = vm.request(6, 0x43, bytes([0x90 | 1, 2, 4]))
        assert cc == 0
    finally:
        vm.close()
    assert "recovered by an administrator" in b.stderr()
    ok(b.ipmitool("mc", "info", user="rescue", password="rescuepw"))
    assert not b.ipmitool("mc", "info").ok       # admin/password stays gone
    b.restart()
    ok(b.ipmitool("mc", "info", user="rescue", password="rescuepw"))


def test_state_dir_made_0700(bmc_factory, tmp_path):
    state = tmp_path / "widestate"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)
    b = bmc_factory(state_dir=state)
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    ok(b.ipmitool("mc", "info"))


def test_freeipmi_config(bmc_factory, tmp_path):
    b = bmc_factory()
    r = ok(b.freeipmi("ipmi-config", "--checkout", "--section", "User1", "--section", "User2",
                      "--section", "User3", "--section", "User4", "--section", "User5",
                      "--section", "Lan_Channel"))
    assert re.search(r"Section User2\s+.*?Username\s+admin", r.out, re.S), r
    assert re.search(r"Section User5\s+.*?Enable_User\s+No", r.out, re.S), r
    assert re.search(r"Volatile_Access_Mode\s+Always_Available", r.out), r
    conf = tmp_path / "user5.conf"
    conf.write_text(
        "Section User5\n"
        "\tUsername dave\n"
        "\tPassword davepw\n"
        "\tEnable_User Yes\n"
        "\tLan_Enable_IPMI_Msgs Yes\n"
        "\tLan_Privilege_Limit Operator\n"
        "EndSection\n")
    ok(b.freeipmi("ipmi-config", "--commit", f"--filename={conf}"))
    r = ok(b.freeipmi("ipmi-config", "--checkout", "--section", "User5"))
    assert re.search(r"Username\s+dave", r.out) and re.search(r"Lan_Privilege_Limit\s+Operator",
                                                               r.out), r
    ok(b.freeipmi("ipmi-config", "--diff", f"--filename={conf}"))
    ok(b.ipmitool("chassis", "status", user="dave", password="davepw", priv="OPERATOR"))
    # A changed password and name.
    conf.write_text("Section User5\n\tUsername dave2\n\tPassword davepw2\nEndSection\n")
    ok(b.freeipmi("ipmi-config", "--commit", f"--filename={conf}"))
    ok(b.ipmitool("chassis", "status", user="dave2", password="davepw2", priv="OPERATOR"))
    assert not b.ipmitool("chassis", "status", user="dave2", password="davepw",
                          priv="OPERATOR").ok


PYGHMI = """
import sys
from pyghmi.ipmi import command
c = command.Command(bmc='127.0.0.1', userid='admin', password='password', port=int(sys.argv[1]))
assert c.create_user(uid=7, name='carol', password='carolpw', privilege_level='user')
assert c.set_user_password(7, password='carolpw2')
u = c.get_users()
print(u[7]['name'], u[7]['access']['privilege_level'], u[2]['name'])
"""


PYGHMI_DELETE = """
import sys
from pyghmi.ipmi import command
c = command.Command(bmc='127.0.0.1', userid='admin', password='password', port=int(sys.argv[1]))
assert c.create_user(uid=7, name='carol', password='carolpw', privilege_level='user')
print('created', c.get_users()[7]['name'])
assert c.user_delete(7)
print('deleted', 7 not in c.get_users())
"""


def test_user_delete_pyghmi(bmc_factory):
    """pyghmi's user_delete() sets a 16-byte all-NUL name (and tries all
    FFh when that gets CCh): the user is gone, its login refused."""
    b = bmc_factory()
    r = ok(run([SYS_PYTHON, "-c", PYGHMI_DELETE, str(b.port)], timeout=60, env=b.client_env()))
    assert "created carol" in r.out and "deleted True" in r.out, r
    assert "user 7 \"carol\" deleted" in b.stderr()
    assert user_rows(b)[7][0] == "", user_rows(b)
    assert not b.ipmitool("mc", "info", user="carol", password="carolpw", priv="USER").ok
    # the slot is unused again: disabled, NO ACCESS, no password
    r = ok(b.ipmitool("channel", "getaccess", "1", "7"))
    assert re.search(r"Enable Status\s*:\s*disabled", r.out), r
    assert re.search(r"Privilege Level\s*:\s*NO ACCESS", r.out), r
    r = b.ipmitool("user", "test", "7", "16", "carolpw")
    assert "password incorrect" in r.text, r


def test_user_delete_freeipmi_and_duplicate_name(bmc_factory):
    b = bmc_factory()
    make_user(b, 3, "bob", "bobpw")
    ok(b.ipmitool("mc", "info", user="bob", password="bobpw", priv="USER"))
    # FreeIPMI deletes with an empty Username (sent as 16 NUL bytes)
    ok(b.freeipmi("ipmi-config", "--commit", "--key-pair=User3:Username="))
    assert user_rows(b)[3][0] == "", user_rows(b)
    assert not b.ipmitool("mc", "info", user="bob", password="bobpw", priv="USER").ok
    # the persisted state agrees
    b.restart()
    assert user_rows(b)[3][0] == ""
    # a name another ID has is refused (logins look users up by name), the
    # same name on the same ID is fine
    r = b.ipmitool("user", "set", "name", "6", "admin")
    assert not r.ok, r
    r = raw(b, 6, 0x45, 6, *b"admin".ljust(16, b"\0"))
    assert rsp_code(r) == 0xCC, r
    assert user_rows(b)[6][0] == ""
    ok(b.ipmitool("user", "set", "name", "2", "admin"))
    ok(b.ipmitool("mc", "info"))


def test_pyghmi_users(bmc_factory):
    b = bmc_factory()
    r = ok(run([SYS_PYTHON, "-c", PYGHMI, str(b.port)], timeout=60, env=b.client_env()))
    assert r.out.split() == ["carol", "user", "admin"], r
    ok(b.ipmitool("mc", "info", user="carol", password="carolpw2", priv="USER"))


def test_nmap_brute_finds_nothing(bmc_factory, tmp_path):
    assert os.geteuid() == 0, "nmap -sU needs root"
    b = bmc_factory()
    userdb = tmp_path / "users.txt"
    passdb = tmp_path / "pass.txt"
    userdb.write_text("admin\nroot\n")
    passdb.write_text("".join(f"guess{i}\n" for i in range(8)))
    r = run(["nmap", "-sU", "-Pn", "-n", "-p", str(b.port), "--script", "+ipmi-brute",
             "--script-args", f"userdb={userdb},passdb={passdb}", "127.0.0.1"],
            timeout=120, env=b.client_env())
    assert r.ok, r
    assert "ipmi-brute" in r.out and "No valid accounts found" in r.out, r
    wait_log(b, "locked out")


def test_lockout(bmc_factory):
    """5 wrong passwords lock the user; the right one is then refused (the
    same answer as a wrong one) until the 60 s lockout interval is over."""
    b = bmc_factory()
    for i in range(5):
        assert not b.ipmitool("mc", "info", user="operator", password=f"bad{i}",
                              priv="OPERATOR").ok
    wait_log(b, "locked out for 60 s")
    r = b.ipmitool("mc", "info", user="operator", password="operator", priv="OPERATOR")
    locked_at = time.monotonic()
    assert not r.ok, r
    # IPMI 1.5 is refused too; other users are not affected.
    assert not b.ipmitool("mc", "info", user="operator", password="operator",
                          priv="OPERATOR", intf="lan").ok
    ok(b.ipmitool("mc", "info"))
    # An admin re-enabling another locked user unlocks it at once.
    for i in range(6):
        b.ipmitool("mc", "info", user="user", password=f"bad{i}", priv="USER")
    wait_log(b, r'user 4 "user" locked out')
    assert not b.ipmitool("mc", "info", user="user", password="user", priv="USER").ok
    ok(b.ipmitool("user", "enable", "4"))
    ok(b.ipmitool("mc", "info", user="user", password="user", priv="USER"))
    # After the interval the right password works again.
    time.sleep(max(0, 61 - (time.monotonic() - locked_at)))
    ok(b.ipmitool("mc", "info", user="operator", password="operator", priv="OPERATOR"))
    assert "unlocked: lockout interval over" in b.stderr()


def test_parallel_logins_same_user(bmc_factory):
    """Handshakes of one user from one address that overlap are not
    mistaken for abandoned ones."""
    from concurrent.futures import ThreadPoolExecutor
    b = bmc_factory()
    with ThreadPoolExecutor(max_workers=6) as ex:
        results = list(ex.map(lambda _: b.ipmitool("mc", "info"), range(12)))
    for r in results:
        assert r.ok, r
    assert "locked out" not in b.stderr()


def test_slow_parallel_handshakes_are_not_bad_passwords(bmc_factory):
    """A management host under load: eight consoles on one address start
    their logins as the same user (RAKP2 received) before any sends its
    RAKP3.  None is a wrong password: all complete, nothing is counted, the
    user is not locked (the soak's burst: every new RAKP1 counted the other
    consoles' handshakes still under way, and five locked the administrator
    out for a minute)."""
    from rmcpclient import Console
    b = bmc_factory()
    consoles = [Console(b.port).begin() for _ in range(8)]
    try:
        for c in consoles:
            c.finish()
            assert c.get_device_id()
    finally:
        for c in consoles:
            c.sock.close()
    assert "bad password" not in b.stderr(), b.stderr_tail()
    ok(b.ipmitool("mc", "info"))


def test_lockout_survives_restart(bmc_factory):
    """A user locked by bad passwords stays locked across a restart of bmcd
    for the rest of the lockout interval (30 s here), then the right password
    works; a lock 'until an administrator enables it' survives as such."""
    b = bmc_factory()
    ok(b.ipmitool("lan", "set", "1", "bad_pass_thresh", "3", "0", "6", "3"))
    for i in range(3):
        assert not b.ipmitool("mc", "info", user="operator", password=f"bad{i}",
                              priv="OPERATOR").ok
    # (A handshake the console abandoned counts after the grace period.)
    wait_log(b, "locked out for 30 s")
    locked_at = time.monotonic()
    assert not b.ipmitool("mc", "info", user="operator", password="operator", priv="OPERATOR").ok
    assert (Path(b.state_dir) / "lockout").exists()
    b.restart()
    assert re.search(r'user 3 "operator" is still locked out for \d+ s', b.stderr()), b.stderr_tail()
    for intf in ("lanplus", "lan"):
        assert not b.ipmitool("mc", "info", user="operator", password="operator",
                              priv="OPERATOR", intf=intf).ok, intf
    # SIGKILL (no clean stop) keeps it too.
    b.stop(signal.SIGKILL)
    b.proc = None
    b.returncode = None
    b.start()
    assert not b.ipmitool("mc", "info", user="operator", password="operator", priv="OPERATOR").ok
    assert time.monotonic() - locked_at < 30, "too slow to check the lock within its interval"
    time.sleep(max(0, 31 - (time.monotonic() - locked_at)))
    ok(b.ipmitool("mc", "info", user="operator", password="operator", priv="OPERATOR"))

    # Lockout interval 0: locked until an administrator enables the user.
    ok(b.ipmitool("lan", "set", "1", "bad_pass_thresh", "2", "0", "6", "0"))
    for i in range(2):
        assert not b.ipmitool("mc", "info", user="user", password=f"bad{i}", priv="USER").ok
    wait_log(b, "until an administrator enables it")
    assert not b.ipmitool("mc", "info", user="user", password="user", priv="USER").ok
    b.restart()
    assert "is still locked out until an administrator enables it" in b.stderr(), b.stderr_tail()
    assert not b.ipmitool("mc", "info", user="user", password="user", priv="USER").ok
    ok(b.ipmitool("user", "enable", "4"))
    b.restart()
    ok(b.ipmitool("mc", "info", user="user", password="user", priv="USER"))
    assert "still locked" not in b.stderr()


def test_corrupt_lockout_file(bmc_factory):
    b = bmc_factory()
    b.stop_and_check()
    (Path(b.state_dir) / "lockout").write_bytes(b"BLCK\x01garbage")
    b.proc = None
    b.returncode = None
    b.start()
    assert "lockout is corrupt; moved to lockout.corrupt" in b.stderr(), b.stderr_tail()
    ok(b.ipmitool("mc", "info"))


def test_passwords_only_over_encrypted_sessions(bmc_factory, tmp_path):
    """Set User Password carries the password: a LAN session without
    encryption (IPMI 1.5, RMCP+ suite 2) gets D5h and nothing changes;
    lanplus with suites 3 and 17 (AES-CBC) works."""
    board = load_board()
    board["lan"]["cipher_suites"] = [2, 3, 17]      # 2: integrity, no confidentiality
    b = bmc_factory(board=write_board(tmp_path, board))
    make_user(b, 5, "alice", "secret")
    r = b.ipmitool("user", "set", "password", "5", "leaked", intf="lan", authtype="MD5")
    assert not r.ok, r
    r = b.ipmitool("raw", "6", "0x47", "5", "2", *["0x41"] * 16, intf="lan", authtype="MD5")
    assert rsp_code(r) == 0xD5, r
    r = b.ipmitool("raw", "6", "0x47", "5", "2", *["0x41"] * 16, cipher=2)
    assert rsp_code(r) == 0xD5, r
    # the password "test" operation carries it too
    r = b.ipmitool("user", "test", "5", "16", "secret", intf="lan", authtype="MD5")
    assert "Success" not in r.out, r
    assert "refused on session" in b.stderr() and "not encrypted" in b.stderr()
    # nothing changed: the old password still logs in, the new one does not
    ok(b.ipmitool("mc", "info", user="alice", password="secret", priv="USER"))
    assert not b.ipmitool("mc", "info", user="alice", password="leaked", priv="USER").ok
    assert "leaked" not in b.stderr()
    # encrypted sessions: fine
    for cipher in (3, 17):
        pw = f"new{cipher}"
        ok(b.ipmitool("user", "set", "password", "5", pw, cipher=cipher))
        ok(b.ipmitool("mc", "info", user="alice", password=pw, priv="USER"))
    # FreeIPMI over IPMI 1.5 cannot commit a password either; over LAN_2_0 it can
    conf = tmp_path / "pw.conf"
    conf.write_text("Section User5\n\tPassword viafreeipmi\nEndSection\n")
    assert not b.freeipmi("ipmi-config", "--commit", f"--filename={conf}", driver="LAN",
                          cipher=None).ok
    ok(b.freeipmi("ipmi-config", "--commit", f"--filename={conf}"))
    ok(b.ipmitool("mc", "info", user="alice", password="viafreeipmi", priv="USER"))
