"""nmap's IPMI scripts against bmcd.

The scripts' port rules only match UDP 623; a '+' before a script name makes
nmap run it on the port we give anyway.  vulns.showall makes ipmi-cipher-zero
print its verdict when the target is not vulnerable (otherwise it is silent,
and silence would prove nothing).  UDP scanning needs root."""

import os
import re

import pytest

from conftest import HOST, run


@pytest.fixture(scope="module")
def nmap_out(bmc):
    assert os.geteuid() == 0, "nmap -sU needs root"
    r = run(["nmap", "-sU", "-Pn", "-n", "-p", str(bmc.port), "--max-retries", "1",
             "--host-timeout", "60s", "--script-timeout", "30s",
             "--script", "+ipmi-version,+ipmi-cipher-zero",
             "--script-args", "vulns.showall", HOST], timeout=90, env=bmc.client_env())
    assert r.ok, r
    return r


def section(out, name):
    """The lines of one script's output block."""
    lines, inside = [], False
    for ln in out.splitlines():
        if re.match(r"^\|_?\s?" + re.escape(name) + ":", ln):
            inside = True
            lines.append(ln)
            if ln.startswith("|_"):
                break
            continue
        if inside:
            if not ln.startswith("|"):
                break
            lines.append(ln)
            if ln.startswith("|_"):
                break
    return "\n".join(lines)


def value(block, key):
    m = re.search(r"^\|_?\s+" + re.escape(key) + r":[ \t]*(.*)$", block, re.M)
    return m.group(1).strip() if m else None


def test_port_open(nmap_out, bmc):
    assert re.search(rf"^{bmc.port}/udp\s+open\s", nmap_out.out, re.M), nmap_out


def test_ipmi_version_no_weak_auth(nmap_out):
    block = section(nmap_out.out, "ipmi-version")
    assert block, f"no ipmi-version output\n{nmap_out}"
    assert "IPMI-2.0" in block and "IPMI-1.5" not in block, block
    user_auth = [a.strip() for a in (value(block, "UserAuth") or "").split(",") if a.strip()]
    assert "md5" in user_auth, block
    for bad in ("null", "password", "md2", "oem_auth"):
        assert bad not in user_auth, f"{bad} auth offered\n{block}"
    pass_auth = [a.strip() for a in (value(block, "PassAuth") or "").split(",") if a.strip()]
    for bad in ("null_user", "anonymous_user"):
        assert bad not in pass_auth, f"{bad}\n{block}"
    assert "2.0" in (value(block, "Level") or ""), block


def script_debug(bmc, script):
    """nmap -d output lines about one script: why it failed, if it did."""
    r = run(["nmap", "-sU", "-Pn", "-n", "-d", "-p", str(bmc.port), "--max-retries", "1",
             "--script", "+" + script, "--script-args", "vulns.showall", HOST],
            timeout=90, env=bmc.client_env())
    lines = r.text.splitlines()
    keep = [i for i, ln in enumerate(lines) if "threw an error" in ln]
    return "\n".join(lines[keep[0]:keep[0] + 6]) if keep else "(nmap -d shows no script error)"


def test_ipmi_cipher_zero_not_vulnerable(nmap_out, bmc):
    block = section(nmap_out.out, "ipmi-cipher-zero")
    assert block, f"no ipmi-cipher-zero verdict (no reply to a cipher-0 Open Session?)\n{nmap_out}"
    assert "NOT VULNERABLE" in block, f"{block}\n{script_debug(bmc, 'ipmi-cipher-zero')}"
    assert not re.search(r"State:\s+VULNERABLE", block), block
