"""Ansible's Redfish modules (community.general redfish_info,
redfish_command, redfish_config, as Debian 12's `ansible` package ships
them) against bmcd: localhost playbooks (connection local) on the Redfish
port of a sim-board daemon, every change checked with ipmitool.  Skipped
when ansible-playbook or the collection is not installed (the package is
large; scripts/deps.sh does not install it)."""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import POWER_DEADLINE, ok, run

ANSIBLE = shutil.which("ansible-playbook")
COLLECTION = Path("/usr/lib/python3/dist-packages/ansible_collections/community/general/plugins/"
                  "modules/redfish_command.py")
pytestmark = pytest.mark.skipif(not ANSIBLE or not COLLECTION.exists(),
                                reason="ansible (community.general redfish modules) not installed")

ADMIN = {"username": "admin", "password": "password"}


class Ansible:
    """Runs playbooks of Redfish tasks against one daemon; results as JSON
    (the ansible.posix.json stdout callback)."""

    def __init__(self, b, workdir):
        self.b = b
        self.dir = Path(workdir)
        self.home = self.dir / "ansible-home"
        self.home.mkdir(parents=True, exist_ok=True)
        # A configuration of our own: none from /etc/ansible or the cwd.
        self.cfg = self.dir / "ansible.cfg"
        self.cfg.write_text("[defaults]\n")
        self.n = 0

    def env(self):
        env = self.b.client_env()
        env.update({
            "HOME": str(self.home),
            "ANSIBLE_LOCAL_TEMP": str(self.home / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(self.home / "rtmp"),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_CONFIG": str(self.cfg),
        })
        return env

    def play(self, *tasks, expect_ok=True):
        """Run the tasks ((module, args) pairs, baseuri and credentials
        added) as one playbook; returns each task's result."""
        pb = [{
            "hosts": "localhost", "connection": "local", "gather_facts": False,
            "tasks": [{f"community.general.{m}": dict(ADMIN, baseuri=f"127.0.0.1:{self.b.redfish_port}",
                                                      timeout=20, **args)}
                      for m, args in tasks],
        }]
        self.n += 1
        path = self.dir / f"playbook-{self.n}.yml"
        path.write_text(json.dumps(pb, indent=1))     # JSON is YAML
        p = subprocess.run([ANSIBLE, "-i", "localhost,", str(path)], cwd=self.dir, env=self.env(),
                           capture_output=True, text=True, timeout=300)
        try:
            out = json.loads(p.stdout)
        except ValueError:
            pytest.fail(f"ansible-playbook printed no JSON (rc {p.returncode}):\n{p.stdout}\n{p.stderr}")
        results = [t["hosts"]["localhost"] for t in out["plays"][0]["tasks"]]
        if expect_ok:
            for (m, args), r in zip(tasks, results):
                assert not r.get("failed"), (m, args, r.get("msg"), r)
            assert len(results) == len(tasks), (p.stdout, p.stderr)
        return results


@pytest.fixture
def ans(bmc_factory, tmp_path):
    b = bmc_factory()
    a = Ansible(b, tmp_path)
    t_end = time.monotonic() + 5
    while run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
               f"https://127.0.0.1:{b.redfish_port}/redfish/v1"], timeout=5).out != "200":
        assert time.monotonic() < t_end, "the Redfish service never answered"
        time.sleep(0.1)
    return a


def facts(result, key):
    f = result["redfish_facts"][key]
    assert f["ret"], f
    return f["entries"]


def lan_ok(b):
    r = run(["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(b.port), "-U", "admin",
             "-P", "password", "-N", "1", "-R", "1", "mc", "info"], timeout=20, env=b.client_env())
    return r.rc == 0


def test_redfish_info_inventory_logs_users_and_nic(ans):
    b = ans.b
    fru = ok(b.ipmitool("fru", "print", "0")).out
    serial = re.search(r"Product Serial\s*:\s*(\S+)", fru).group(1)
    ok(b.ipmitool("lan", "set", "1", "ipaddr", "192.0.2.10"))
    ok(b.ipmitool("event", "1"))        # a temperature threshold event into the SEL
    sysr, mgr, acc = ans.play(
        ("redfish_info", {"category": "Systems", "command": ["GetSystemInventory", "GetBootOverride"]}),
        ("redfish_info", {"category": "Manager",
                          "command": ["GetManagerNicInventory", "GetLogs", "GetNetworkProtocols"]}),
        ("redfish_info", {"category": "Accounts", "command": ["ListUsers"]}),
    )
    system = facts(sysr, "system")[0][1]
    assert system["SerialNumber"] == serial
    assert system["PowerState"].lower() == b.power_status()[0].lower()
    assert facts(sysr, "boot_override")[0][1]["BootSourceOverrideEnabled"] == "Disabled"
    nics = facts(mgr, "manager_nics")[0][1]
    assert nics[0]["IPv4Addresses"][0]["Address"] == "192.0.2.10"
    logs = facts(mgr, "log")
    entries = [e for log in logs for e in log["Entries"]]
    sel = ok(b.ipmitool("sel", "list")).out.strip().splitlines()
    assert len(entries) == len(sel) == 1, (logs, sel)
    assert "Upper Critical - going high" in entries[0]["Message"] and "Upper Critical" in sel[0], (logs, sel)
    assert entries[0]["Severity"] == "Critical"
    protos = facts(mgr, "network_protocols")
    assert protos["IPMI"] == {"ProtocolEnabled": True, "Port": b.port}
    users = {u["UserName"]: u["RoleId"] for u in facts(acc, "user")}
    ipmi_users = ok(b.ipmitool("user", "list", "1")).out
    for name, role in users.items():
        assert re.search(rf"^\s*\d+\s+{name}\s", ipmi_users, re.M), (name, ipmi_users)
    assert users["admin"] == "Administrator"


def test_redfish_command_power_boot_logs_users(ans):
    b = ans.b
    ans.play(("redfish_command", {"category": "Systems", "command": ["PowerOn"]}))
    b.wait_power("on")
    ans.play(("redfish_command", {"category": "Systems", "command": ["SetOneTimeBoot"],
                                  "bootdevice": "Pxe", "boot_override_mode": "UEFI"}))
    bp = ok(b.ipmitool("chassis", "bootparam", "get", "5")).out
    assert "Force PXE" in bp and "BIOS EFI boot" in bp and "Options apply to only next boot" in bp, bp
    ans.play(("redfish_command", {"category": "Systems", "command": ["PowerGracefulRestart"]}))
    # soft off, then on again: the host goes through off
    b.wait_power("off", deadline=POWER_DEADLINE + 5)
    b.wait_power("on")
    ans.play(("redfish_command", {"category": "Systems", "command": ["PowerForceOff"]}))
    b.wait_power("off")
    ok(b.ipmitool("event", "1"))
    ans.play(("redfish_command", {"category": "Manager", "command": ["ClearLogs"]}))
    sel = ok(b.ipmitool("sel", "list")).out.strip().splitlines()
    assert len(sel) == 1 and "cleared" in sel[0].lower(), sel
    ans.play(("redfish_command", {"category": "Accounts", "command": ["AddUser"],
                                  "new_username": "ansi", "new_password": "ansipass1",
                                  "roleid": "Operator"}))
    users = ok(b.ipmitool("user", "list", "1")).out
    assert re.search(r"^\s*\d+\s+ansi\s.*OPERATOR", users, re.M), users
    ok(b.ipmitool("mc", "info", user="ansi", password="ansipass1", priv="OPERATOR"))
    ans.play(("redfish_command", {"category": "Accounts", "command": ["DeleteUser"],
                                  "account_username": "ansi"}))
    assert not re.search(r"\sansi\s", ok(b.ipmitool("user", "list", "1")).out)


def test_redfish_config_network_protocols_and_manager_nic(ans):
    b = ans.b
    r, = ans.play(("redfish_config", {"category": "Manager", "command": ["SetManagerNic"],
                                      "nic_addr": "eth0",
                                      "nic_config": {"DHCPv4": {"DHCPEnabled": False},
                                                     "IPv4StaticAddresses": {
                                                         "Address": "192.0.2.50",
                                                         "SubnetMask": "255.255.255.0",
                                                         "Gateway": "192.0.2.1"},
                                                     "VLAN": {"VLANEnable": True, "VLANId": 12}}}))
    assert r["changed"], r
    lan = ok(b.ipmitool("lan", "print", "1")).out
    assert re.search(r"^IP Address\s*:\s*192\.0\.2\.50$", lan, re.M), lan
    assert re.search(r"^Default Gateway IP\s*:\s*192\.0\.2\.1$", lan, re.M), lan
    assert re.search(r"^802\.1q VLAN ID\s*:\s*12$", lan, re.M), lan
    r, = ans.play(("redfish_config", {"category": "Manager", "command": ["SetNetworkProtocols"],
                                      "network_protocols": {"IPMI": {"ProtocolEnabled": False}}}))
    assert r["changed"], r
    assert not lan_ok(b)
    # Asking again changes nothing (the module compares with what GET shows).
    r, = ans.play(("redfish_config", {"category": "Manager", "command": ["SetNetworkProtocols"],
                                      "network_protocols": {"IPMI": {"ProtocolEnabled": False}}}))
    assert not r["changed"], r
    ans.play(("redfish_config", {"category": "Manager", "command": ["SetNetworkProtocols"],
                                 "network_protocols": {"IPMI": {"ProtocolEnabled": True}}}))
    assert lan_ok(b)
    # HTTPS cannot be turned off: the module reports the service's error.
    r, = ans.play(("redfish_config", {"category": "Manager", "command": ["SetNetworkProtocols"],
                                      "network_protocols": {"HTTPS": {"ProtocolEnabled": False}}}),
                  expect_ok=False)
    assert r.get("failed") and "HTTPS/ProtocolEnabled" in r.get("msg", ""), r
    assert lan_ok(b)
