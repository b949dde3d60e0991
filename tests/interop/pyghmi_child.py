"""python3-pyghmi (Debian's /usr/bin/python3) in a child process.

pyghmi can wait forever on a silent BMC, so it always runs in a child with a
timeout; the child logs in, runs a test's body with `c` (the logged-in
pyghmi Command) and `args` (the extra arguments), and prints one JSON line:
what the body put in `out`, or the error and its trace."""

import json
import textwrap

from conftest import SYS_PYTHON, run

FRAME = """
import json, os, sys, traceback
out = {}
try:
    from pyghmi.ipmi import command
    kw = {'privlevel': int(sys.argv[4])} if sys.argv[4] else {}
    args = sys.argv[5:]
    c = command.Command(bmc='127.0.0.1', userid=sys.argv[2], password=sys.argv[3],
                        port=int(sys.argv[1]), keepalive=False, **kw)
%s
    c.ipmi_session.logout()
    out['done'] = True
except BaseException as e:
    out['error'] = '%%s: %%s' %% (type(e).__name__, e)
    out['trace'] = traceback.format_exc()
sys.stdout.write(json.dumps(out, default=str) + '\\n')
sys.stdout.flush()
os._exit(0)
"""


def script(body):
    """The child's program, `body` (any indentation) inside its try."""
    return FRAME % textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")


def pyghmi_run(b, body, *args, user="admin", password="password", privlevel=None, timeout=60):
    """Run `body` against daemon `b`: (the child's JSON, the run's Result)."""
    priv = "" if privlevel is None else str(privlevel)
    r = run([SYS_PYTHON, "-c", script(body), b.port, user, password, priv, *args],
            timeout=timeout, env=b.client_env())
    assert not r.timed_out, f"pyghmi hung\n{r}"
    lines = [ln for ln in r.out.splitlines() if ln.startswith("{")]
    assert lines, r
    return json.loads(lines[-1]), r


def pyghmi_ok(b, body, *args, **kw):
    """pyghmi_run, asserting that the body ran without an error."""
    res, r = pyghmi_run(b, body, *args, **kw)
    assert "error" not in res, f"{res.get('error')}\n{res.get('trace')}\n{r}"
    return res
