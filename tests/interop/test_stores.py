"""Every store in the state directory at start (issue 23): what is no file
(a directory in its place) is moved aside to NAME.corrupt, logged by name,
and bmcd starts without it, storing new writes again; a store that cannot
be read (EMFILE under a low fd limit) is neither rebuilt nor written over:
that BMC does not start, its log names the file and the errno, and every
store on disk is byte-identical afterwards."""

import os
import resource
import subprocess

import pytest

from conftest import SANITIZER_MARKERS, Bmcd, ok
from test_flashfaults import FILES, Writer, admin_session, all_ok

# Every file a store module loads at start on the sim board.
STORES = ("sel", "sdr", "fru-0", "lan-config", "boot-options", "users", "keys", "users.key",
          "lockout", "channels", "sysinfo", "lan-enabled", "sol", "chassis", "dcmi", "pef",
          "guid")
# A bad user store puts LAN logins in recovery (docs/users.md): no session
# to check the other stores through.
RECOVERY = ("users", "keys", "users.key")


def start_again(b, name):
    b.stderr_path = b.workdir / f"bmcd-{name}.stderr"
    b.proc = None
    return b.start()


@pytest.mark.parametrize("name", STORES)
def test_directory_at_start(tmp_path, name):
    """A directory (not empty) where the store should be: bmcd starts, logs
    the file and what it did, the directory is kept as NAME.corrupt, the
    other stores are as they were, and new writes are stored again (also
    across the next restart)."""
    b = Bmcd(workdir=tmp_path).start()
    try:
        w = Writer()
        con = admin_session(b)
        all_ok(w, con, "before")
        con.close()
        b.stop_and_check()
        state = b.state_dir
        f = state / name
        if f.exists():
            f.unlink()
        f.mkdir()
        (f / "x").write_bytes(b"kept")
        start_again(b, f"dir-{name}")
        log = b.stderr()
        assert f"{name} is a directory" in log and f"moved to {name}.corrupt" in log, log
        aside = state / (name + ".corrupt")
        assert aside.is_dir() and (aside / "x").read_bytes() == b"kept"
        if name in RECOVERY:
            assert "LAN LOGINS ARE REFUSED" in log, log
            return
        # What was in that store is gone (defaults); everything else is kept.
        w.want = {k: v for k, v in w.want.items() if FILES[k] != name}
        if name == "sel":
            w.sel.clear()
        if name == "sdr":
            w.sdr.clear()
        con = admin_session(b)
        w.check(con, f"{name} a directory at start")
        all_ok(w, con, f"{name} moved aside, new writes")
        con.close()
        if name == "sel":
            r = ok(b.ipmitool("sel", "elist"))
            assert len([x for x in r.out.splitlines() if "|" in x]) == len(w.sel), r.out
        b.stop_and_check()
        start_again(b, f"dir-{name}-restart")
        con = admin_session(b)
        w.check(con, f"{name} moved aside, after a restart")
        con.close()
        assert f.is_file() or not f.exists()
    finally:
        if b.alive():
            b.stop_and_check()


def snapshot(state):
    return {p.name: p.read_bytes() for p in state.iterdir() if p.is_file()}


def test_read_error_touches_nothing(tmp_path):
    """Start under every fd limit from 8 up to the first that starts: where
    a store read fails (EMFILE), bmcd exits non-zero naming the file and
    the errno, and no store is rebuilt, moved aside or written over."""
    b = Bmcd(workdir=tmp_path).start()
    w = Writer()
    con = admin_session(b)
    all_ok(w, con, "before")
    con.close()
    b.stop_and_check()
    before = snapshot(b.state_dir)
    hit = set()
    limit = 8
    for limit in range(8, 256):
        def low_fd_limit(n=limit):
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
        try:
            r = subprocess.run(b.argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=2, cwd=str(b.workdir), preexec_fn=low_fd_limit)
        except subprocess.TimeoutExpired:
            break               # it is up: every store was read
        assert r.returncode > 0, f"fd limit {limit}: exit {r.returncode}\n{r.stderr}"
        assert not any(m in r.stderr for m in SANITIZER_MARKERS), r.stderr
        for line in r.stderr.splitlines():
            if "cannot read" in line and "Too many open files" in line:
                hit.add(line.split("cannot read ")[1].split(";")[0])
        assert snapshot(b.state_dir) == before, f"fd limit {limit}: a store changed\n{r.stderr}"
        assert not list(b.state_dir.glob("*.corrupt*")), f"fd limit {limit}\n{r.stderr}"
        assert "moved to" not in r.stderr and "making new" not in r.stderr, r.stderr
    else:
        pytest.fail("bmcd did not start under a 255 fd limit")
    # The stores the limit caught while loading (at least one).
    assert hit, f"no store read failed with EMFILE below fd limit {limit}"
    print("EMFILE while loading:", sorted(hit))
    # And with enough fds, all of it is there.
    b2 = start_again(b, "after")
    con = admin_session(b2)
    w.check(con, "after the failed starts")
    con.close()
    b2.stop_and_check()
