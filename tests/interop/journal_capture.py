"""Run inside a private mount namespace (unshare -m): put a datagram socket
where journald's native socket lives, start bmcd with its stderr named in
JOURNAL_STREAM (as systemd does for a service logging to the journal), make
one failed and one good login with ipmitool, and print the journal entries
bmcd sent, as JSON.  Usage: journal_capture.py BMCD BOARD STATE_DIR PORT [BMCD-ARG]..."""

import json
import os
import socket
import subprocess
import sys
import time

bmcd, board, state, port = sys.argv[1:5]
extra = sys.argv[5:]
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)
os.makedirs("/run/systemd/journal")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("/run/systemd/journal/socket")
sock.settimeout(0.2)

err = open(os.path.join(state, "..", "stderr"), "wb")
st = os.fstat(err.fileno())
env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
proc = subprocess.Popen([bmcd, "--board", board, "--state", state, "--listen", f"127.0.0.1:{port}",
                         *extra],
                        stderr=err, stdout=subprocess.DEVNULL, env=env)


def ipmitool(password):
    return subprocess.run(["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", port, "-U", "admin",
                           "-P", password, "-N", "1", "-R", "2", "mc", "info"],
                          capture_output=True, timeout=30).returncode


try:
    deadline = time.monotonic() + 10
    while ipmitool("password") != 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    ipmitool("wrong-password")
    ipmitool("wrong-password")
    entries = []
    # ipmitool checks the RAKP2 itself and stops: bmcd counts the wrong
    # password once the handshake has gone 3 s without a RAKP3.
    end = time.monotonic() + 6
    while time.monotonic() < end:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        fields = {}
        for line in data.decode(errors="replace").split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = v
        entries.append(fields)
finally:
    proc.terminate()
    proc.wait(10)
print(json.dumps(entries))
