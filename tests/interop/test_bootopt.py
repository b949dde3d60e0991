"""Set/Get System Boot Options (chassis 08h/09h) through real clients:
ipmitool `chassis bootdev` / `bootparam` / `bootmbox` / `raw`, the exact
raw line OpenStack Ironic sends, FreeIPMI `ipmi-chassis` and
`ipmi-chassis-config`, and pyghmi `set_bootdev` / `get_bootdev`.

The 60 s valid-bit timeout itself is tested in tests/unit/test-bootopt.c
with a short interval."""

import re
import time

import pytest

from conftest import HOST, POWER_DEADLINE, run
from pyghmi_child import pyghmi_ok

FLAGS_FILE = "boot-options"


# --------------------------------------------------------------------------
# Helpers


def bootparam(b, param, *extra):
    """ipmitool chassis bootparam get N -> (data bytes, Result)."""
    r = b.ipmitool("chassis", "bootparam", "get", param, *extra)
    assert r.ok, r
    m = re.search(r"Boot parameter data: ([0-9a-fA-F]*)", r.out)
    assert m, r
    return bytes.fromhex(m.group(1)), r


def bootflags(b):
    """What `chassis bootparam get 5` says, as a dict."""
    data, r = bootparam(b, 5)
    assert "Boot parameter 5 is valid/unlocked" in r.out, r
    m = re.search(r"- Boot Device Selector : (.+)", r.out)
    assert m, r
    return {
        "valid": "- Boot Flag Valid" in r.out,
        "persistent": "- Options apply to all future boots" in r.out,
        "efi": "- BIOS EFI boot" in r.out,
        "device": m.group(1).strip(),
        "data": data,
        "result": r,
    }


def raw(b, *data, **kw):
    return b.ipmitool("raw", *[f"0x{x:02x}" for x in data], **kw)


def rsp_code(r):
    """The completion code ipmitool reports for a failed raw command."""
    m = re.search(r"rsp=0x([0-9a-fA-F]{2})", r.text)
    return int(m.group(1), 16) if m else None


def bootdev(b, dev, *opts):
    r = b.ipmitool("chassis", "bootdev", dev, *opts)
    assert r.ok and f"Set Boot Device to {dev}" in r.out, r
    return r


# --------------------------------------------------------------------------
# ipmitool chassis bootdev / bootparam


@pytest.mark.parametrize("dev,opts,device,persistent,efi", [
    ("pxe", (), "Force PXE", False, False),
    ("disk", (), "Force Boot from default Hard-Drive", False, False),
    ("pxe", ("options=persistent,efiboot",), "Force PXE", True, True),
    ("bios", (), "Force Boot into BIOS Setup", False, False),
    ("cdrom", (), "Force Boot from CD/DVD", False, False),
    ("safe", (), "Force Boot from default Hard-Drive, request Safe-Mode", False, False),
    ("diag", (), "Force Boot from Diagnostic Partition", False, False),
    ("floppy", ("options=efiboot",), "Force Boot from Floppy/primary removable media", False, True),
    ("disk", ("options=persistent",), "Force Boot from default Hard-Drive", True, False),
])
def test_ipmitool_bootdev(bmc, dev, opts, device, persistent, efi):
    bootdev(bmc, dev, *opts)
    f = bootflags(bmc)
    assert f["valid"], f["result"]
    assert (f["device"], f["persistent"], f["efi"]) == (device, persistent, efi), f["result"]
    # ipmitool ends with 'set complete'
    data, r = bootparam(bmc, 0)
    assert data == b"\x00" and "set complete" in r.out, r


def test_ipmitool_bootdev_none(bmc):
    bootdev(bmc, "pxe")
    bootdev(bmc, "none")
    f = bootflags(bmc)
    assert f["device"] == "No override", f["result"]


def test_ironic_raw_line(bmc):
    """Ironic's exact command: parameter 3 = 08h (don't clear the valid bit
    after the 60 s timeout), then its bootdev call."""
    raw(bmc, 0x00, 0x08, 0x03, 0x00)
    r = run(["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(bmc.port),
             "-U", "admin", "-P", "password", "-R", "5", "-N", "12",
             "raw", "0x00", "0x08", "0x03", "0x08"], env=bmc.client_env())
    assert r.ok, r
    data, r = bootparam(bmc, 3)
    assert data == b"\x08", r
    assert "Don't automatically clear boot flag valid bit on timeout" in r.out, r
    bootdev(bmc, "pxe", "options=efiboot")
    f = bootflags(bmc)
    assert f["valid"] and f["device"] == "Force PXE" and f["efi"], f["result"]
    # and back, so the shared daemon keeps the default
    assert raw(bmc, 0x00, 0x08, 0x03, 0x00).ok


def test_bootparam_get_every_parameter(bmc):
    """Every parameter 0-7 reads back with version 1, in ipmitool's words."""
    expect = {
        0: "Set In Progress :",
        1: "Service Partition Selector :",
        2: "Service Partition Scan :",
        3: "BMC boot flag valid bit clearing :",
        4: "Boot Info Acknowledge :",
        5: "Boot Flags :",
        6: "Boot Initiator Info :",
        7: "IANA PEN",
    }
    for param, text in expect.items():
        data, r = bootparam(bmc, param)
        assert "Boot parameter version: 1" in r.out, r
        assert f"Boot parameter {param} is valid/unlocked" in r.out, r
        assert text in r.out, r
    r = bmc.ipmitool("chassis", "bootparam", "get", "8")
    assert not r.ok and "Unsupported parameter" in r.text, r


def test_boot_mailbox(bmc):
    """ipmitool bootmbox writes blocks (short last block) and reads them
    back until the BMC answers C9h past the last one."""
    text = "bmcd boot initiator mailbox, several blocks"
    r = bmc.ipmitool("chassis", "bootmbox", "set", "text", "7154", text)
    assert r.ok and "failed" not in r.text, r
    r = bmc.ipmitool("chassis", "bootmbox", "get", "text")
    assert r.ok, r
    assert "IANA PEN       : 7154" in r.out, r
    blocks = re.findall(r"Block\s+(\d+) Data : '(.*)'", r.out)
    assert [int(n) for n, _ in blocks] == [0, 1, 2, 3, 4], r
    assert "".join(d for _, d in blocks) == text, r
    r = bmc.ipmitool("chassis", "bootmbox", "set", "block", "5", "7154", "1", "2")
    assert "Hit end of mailbox writing block 5" in r.text, r


# --------------------------------------------------------------------------
# Bad input: completion codes as ipmitool shows them


@pytest.mark.parametrize("what,data,cc", [
    ("set unsupported parameter", (0x00, 0x08, 0x63, 0x00), 0x80),
    ("set parameter 8", (0x00, 0x08, 0x08, 0x00), 0x80),
    ("get unsupported parameter", (0x00, 0x09, 0x63, 0x00, 0x00), 0x80),
    ("get reserved selector bit", (0x00, 0x09, 0x85, 0x00, 0x00), 0xcc),
    ("flags reserved bit", (0x00, 0x08, 0x05, 0x81, 0x04, 0x00, 0x00, 0x00), 0xcc),
    ("flags reserved device", (0x00, 0x08, 0x05, 0x80, 0x28, 0x00, 0x00, 0x00), 0xcc),
    ("flags reserved console redirection", (0x00, 0x08, 0x05, 0x80, 0x04, 0x03, 0x00, 0x00), 0xcc),
    ("flags reserved mux control", (0x00, 0x08, 0x05, 0x80, 0x04, 0x00, 0x07, 0x00), 0xcc),
    ("valid bit clearing reserved bit", (0x00, 0x08, 0x03, 0x20), 0xcc),
    ("set in progress reserved value", (0x00, 0x08, 0x00, 0x03), 0xcc),
    ("flags too short", (0x00, 0x08, 0x05, 0x80, 0x04, 0x00, 0x00), 0xc7),
    ("flags 1 byte", (0x00, 0x08, 0x05, 0x80), 0xc7),
    ("flags 2 bytes", (0x00, 0x08, 0x05, 0x80, 0x04), 0xc7),
    ("flags 3 bytes", (0x00, 0x08, 0x05, 0x80, 0x04, 0x00), 0xc7),
    ("mailbox without data", (0x00, 0x08, 0x07, 0x01), 0xc7),
    ("info acknowledge 1 byte", (0x00, 0x08, 0x04, 0x01), 0xc7),
    ("no selector", (0x00, 0x08), 0xc7),
    ("flags too long", (0x00, 0x08, 0x05, 0x80, 0x04, 0x00, 0x00, 0x00, 0x00), 0xc7),
    ("valid bit clearing too long", (0x00, 0x08, 0x03, 0x08, 0x00), 0xc7),
    ("get too short", (0x00, 0x09, 0x05, 0x00), 0xc7),
    ("get too long", (0x00, 0x09, 0x05, 0x00, 0x00, 0x00), 0xc7),
    ("mailbox block past the end", (0x00, 0x08, 0x07, 0x09, 0x01), 0xc9),
])
def test_bad_input(bmc, what, data, cc):
    before = bootflags(bmc)["data"]
    r = raw(bmc, *data)
    assert not r.ok and rsp_code(r) == cc, f"{what}: want rsp=0x{cc:02x}\n{r}"
    assert bootflags(bmc)["data"] == before, what
    assert bmc.alive()


def test_set_in_progress_claimed(bmc):
    """81h: 'set in progress' while another party holds it; ipmitool
    bootdev still works (it gives up on set-in-progress)."""
    assert raw(bmc, 0x00, 0x08, 0x00, 0x01).ok
    try:
        r = raw(bmc, 0x00, 0x08, 0x00, 0x01)
        assert not r.ok and rsp_code(r) == 0x81, r
        data, r = bootparam(bmc, 0)
        assert "set in progress" in r.out, r
        bootdev(bmc, "cdrom")
        assert bootflags(bmc)["device"] == "Force Boot from CD/DVD"
    finally:
        assert raw(bmc, 0x00, 0x08, 0x00, 0x00).ok
    data, r = bootparam(bmc, 0)
    assert data == b"\x00", r


def test_parameter_invalid_mark(bmc):
    """Bit 7 of the selector marks a parameter invalid/locked; a set with
    no data changes only the mark (pyghmi then reports no override)."""
    assert raw(bmc, 0x00, 0x08, 0x01, 0x05).ok
    assert raw(bmc, 0x00, 0x08, 0x81).ok
    data, r = bootparam(bmc, 1)
    assert data == b"\x05" and "Boot parameter 1 is invalid/locked" in r.out, r
    assert raw(bmc, 0x00, 0x08, 0x01).ok
    data, r = bootparam(bmc, 1)
    assert data == b"\x05" and "Boot parameter 1 is valid/unlocked" in r.out, r


def test_privilege(bmc):
    """Operator commands: a USER session gets D4h, an OPERATOR one works."""
    r = raw(bmc, 0x00, 0x09, 0x05, 0x00, 0x00, user="user", password="user", priv="USER")
    assert not r.ok and rsp_code(r) == 0xd4, r
    r = raw(bmc, 0x00, 0x08, 0x01, 0x00, user="user", password="user", priv="USER")
    assert not r.ok and rsp_code(r) == 0xd4, r
    r = bmc.ipmitool("chassis", "bootparam", "get", "5", user="operator", password="operator",
                     priv="OPERATOR")
    assert r.ok and "Boot Flags :" in r.out, r


# --------------------------------------------------------------------------
# Semantics: next boot only vs persistent, restarts, the state file


def wait_flags(b, pred, deadline=POWER_DEADLINE):
    t_end = time.monotonic() + deadline
    while True:
        f = bootflags(b)
        if pred(f) or time.monotonic() >= t_end:
            return f
        time.sleep(0.2)


def test_next_boot_only_used_by_power_on(fresh_bmc):
    b = fresh_bmc
    bootdev(b, "pxe")
    assert bootflags(b)["valid"]
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    f = wait_flags(b, lambda f: not f["valid"])
    assert not f["valid"], f["result"]
    # the BMC acknowledged for the BIOS: ack bit 0 cleared
    data, r = bootparam(b, 4)
    assert data[1] & 0x01 == 0, r
    # pyghmi's reading of it: no override
    res = pyghmi(b, "get")
    assert res["get"] == {"bootdev": "default", "persistent": True}, res


def test_persistent_survives_boots(fresh_bmc):
    b = fresh_bmc
    bootdev(b, "disk", "options=persistent")
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    assert b.ipmitool("chassis", "power", "reset").ok
    time.sleep(0.5)
    f = bootflags(b)
    assert f["valid"] and f["persistent"], f["result"]
    assert f["device"] == "Force Boot from default Hard-Drive", f["result"]


def test_next_boot_only_used_by_reset_and_cycle(fresh_bmc):
    b = fresh_bmc
    assert b.ipmitool("chassis", "power", "on").ok
    b.wait_power("on")
    bootdev(b, "cdrom")
    assert b.ipmitool("chassis", "power", "reset").ok
    f = wait_flags(b, lambda f: not f["valid"])
    assert not f["valid"], f["result"]
    bootdev(b, "bios")
    # let the reset pulse end: the sim refuses a press while one is held
    # (chassis control answers FFh then, not C0h)
    time.sleep(0.5)
    assert b.ipmitool("chassis", "power", "cycle").ok
    f = wait_flags(b, lambda f: not f["valid"])
    assert not f["valid"], f["result"]
    b.wait_power("on")


def test_state_survives_restart(bmc_factory, tmp_path):
    b = bmc_factory(state_dir=tmp_path / "state")
    bootdev(b, "pxe", "options=persistent,efiboot")
    assert raw(b, 0x00, 0x08, 0x03, 0x08).ok
    assert raw(b, 0x00, 0x08, 0x01, 0x2a).ok
    r = b.ipmitool("chassis", "bootmbox", "set", "text", "7154", "kept")
    assert r.ok, r
    b.restart()
    f = bootflags(b)
    assert f["valid"] and f["persistent"] and f["efi"] and f["device"] == "Force PXE", f["result"]
    assert bootparam(b, 3)[0] == b"\x08"
    assert bootparam(b, 1)[0] == b"\x2a"
    r = b.ipmitool("chassis", "bootmbox", "get", "text", "block", "0")
    assert r.ok and "'kept'" in r.out, r
    # volatile: set in progress, boot info acknowledge
    assert bootparam(b, 0)[0] == b"\x00"
    assert bootparam(b, 4)[0] == b"\x00\x00"
    # a next-boot override also survives the restart (with a fresh 60 s)
    bootdev(b, "cdrom")
    b.restart()
    f = bootflags(b)
    assert f["valid"] and not f["persistent"] and f["device"] == "Force Boot from CD/DVD", f["result"]


@pytest.mark.parametrize("content", [b"", b"BOPT", b"BOPT\x01" + b"\xff" * 89, b"x" * 4096])
def test_corrupt_state_file_ignored(bmc_factory, tmp_path, content):
    state = tmp_path / "state"
    b = bmc_factory(state_dir=state)
    bootdev(b, "pxe", "options=persistent")
    assert (state / FLAGS_FILE).exists()
    b.stop_and_check()
    (state / FLAGS_FILE).write_bytes(content)
    b.proc = None
    b.returncode = None
    b.start()
    f = bootflags(b)
    assert not f["valid"] and f["device"] == "No override", f["result"]
    assert "boot-options" in b.stderr() and "corrupt" in b.stderr(), b.stderr_tail()
    # and it is written afresh
    bootdev(b, "disk", "options=persistent")
    b.restart()
    assert bootflags(b)["device"] == "Force Boot from default Hard-Drive"


def test_freeipmi_get_boot_flags(fresh_bmc):
    b = fresh_bmc
    bootdev(b, "cdrom", "options=efiboot")
    r = b.freeipmi("ipmi-chassis", "--get-boot-flags")
    assert r.ok, r
    assert re.search(r"Boot device selector\s*: Force boot from default CD/DVD", r.out), r
    assert re.search(r"BIOS boot type\s*: Extensible firmware Interface boot", r.out), r


SET_BOOT_FLAGS_FAILED = "ipmi_cmd_set_sytem_boot_option_boot_flags failed: "


def test_freeipmi_set_boot_flags(fresh_bmc):
    """FreeIPMI 1.6.10's legacy `ipmi-chassis --set-boot-flags` (hidden
    options) is broken on the client side: its argument parser never
    initialises the *_arg values, and set_boot_flags() takes the flags given
    on the command line from the BMC's current ones and the flags *not*
    given from those uninitialised stack bytes.  libfreeipmi range-checks
    them before sending, so depending on what the process's stack happens
    to hold (CPU features, LD_BIND_NOW, environment) it either refuses with
    "invalid parameters" and sends nothing, or sends a Set whose other flags
    are garbage and whose device is the one it read (valgrind shows both).
    So: whatever it does, bmcd stays consistent (flags unchanged, or valid
    and readable), and the same boot flags are set through the FreeIPMI path
    that works, ipmi-config's Chassis_Boot_Flags (docs/commands.md)."""
    b = fresh_bmc
    before = bootflags(b)
    assert not before["valid"] and before["device"] == "No override", before["result"]
    # LD_BIND_NOW changes what the dynamic loader leaves on the stack: on
    # the machines seen so far one of the two runs refuses.
    for env in ({}, {"LD_BIND_NOW": "1"}):
        prev = bootflags(b)
        r = run_with_env(b, env, "ipmi-chassis", "--set-boot-flags", "--boot-device=PXE")
        assert not r.timed_out, r
        f = bootflags(b)
        if r.ok:
            assert not r.err.strip(), r
            assert f["valid"], f["result"]
        else:
            # One line from set_boot_flags(): the client-side refusal, or a
            # completion code for garbage bmcd would not take; never a
            # session or transport failure.
            assert r.err.strip().startswith(SET_BOOT_FLAGS_FAILED), r
            assert "\n" not in r.err.strip(), r
            assert f["data"] == prev["data"], (f["result"], r)
        # bmcd answers FreeIPMI's reader afterwards.
        g = b.freeipmi("ipmi-chassis", "--get-boot-flags")
        assert g.ok and "Boot device selector" in g.out, g

    # The working FreeIPMI path for the same flags.
    r = b.freeipmi("ipmi-config", "--category=chassis", "--commit",
                   "--key-pair=Chassis_Boot_Flags:Boot_Device=PXE",
                   "--key-pair=Chassis_Boot_Flags:Boot_Flags_Persistent=No")
    assert r.ok and not r.err.strip(), r
    f = bootflags(b)
    assert f["valid"] and f["device"] == "Force PXE" and not f["persistent"], f["result"]
    g = b.freeipmi("ipmi-chassis", "--get-boot-flags")
    assert g.ok and re.search(r"Boot device selector\s*: Force PXE", g.out), g
    r = b.freeipmi("ipmi-config", "--category=chassis", "--checkout",
                   "--section=Chassis_Boot_Flags")
    assert r.ok and re.search(r"^\s*Boot_Device\s+PXE\s*$", r.out, re.M), r


def run_with_env(b, extra_env, tool, *args):
    """b.freeipmi() with extra variables in the client's environment."""
    env = dict(b.client_env(), **extra_env)
    saved = b.client_env
    b.client_env = lambda: env
    try:
        return b.freeipmi(tool, *args)
    finally:
        b.client_env = saved


def test_freeipmi_chassis_config(fresh_bmc):
    b = fresh_bmc
    bootdev(b, "pxe", "options=persistent")
    r = b.freeipmi("ipmi-chassis-config", "--checkout")
    assert r.ok, r
    assert "Section Chassis_Boot_Flags" in r.out, r
    assert re.search(r"^\s*Boot_Device\s+PXE\s*$", r.out, re.M), r
    assert re.search(r"^\s*Boot_Flags_Persistent\s+Yes\s*$", r.out, re.M), r
    r = b.freeipmi("ipmi-chassis-config", "--commit",
                   "--key-pair=Chassis_Boot_Flags:Boot_Device=CD-DVD",
                   "--key-pair=Chassis_Boot_Flags:BIOS_Boot_Type=EFI")
    assert r.ok, r
    f = bootflags(b)
    assert f["valid"] and f["device"] == "Force Boot from CD/DVD" and f["efi"], f["result"]
    r = b.freeipmi("ipmi-chassis-config", "--diff",
                   "--key-pair=Chassis_Boot_Flags:Boot_Device=CD-DVD")
    assert r.ok, r


# --------------------------------------------------------------------------
# pyghmi

PYGHMI = """
    for step in args:
        if step == 'get':
            out['get'] = c.get_bootdev()
        else:
            dev, persist, uefi = step.split(',')
            out.setdefault('set', []).append(
                c.set_bootdev(dev, persist=persist == '1', uefiboot=uefi == '1'))
            out.setdefault('gets', []).append(c.get_bootdev())
"""


def pyghmi(b, *steps, timeout=60):
    return pyghmi_ok(b, PYGHMI, *steps, timeout=timeout)


def test_pyghmi_bootdev(fresh_bmc):
    b = fresh_bmc
    res = pyghmi(b, "network,1,1", "hd,0,0", "optical,0,1", "setup,1,0", "default,0,0")
    assert res["gets"] == [
        {"bootdev": "network", "persistent": True, "uefimode": True},
        {"bootdev": "hd", "persistent": False, "uefimode": False},
        {"bootdev": "optical", "persistent": False, "uefimode": True},
        {"bootdev": "setup", "persistent": True, "uefimode": False},
        {"bootdev": "default", "persistent": True},
    ], res
    # pyghmi's set_bootdev first sends Ironic's 00 08 03 08
    assert bootparam(b, 3)[0] == b"\x08"


def test_pyghmi_and_ipmitool_agree(fresh_bmc):
    b = fresh_bmc
    res = pyghmi(b, "network,1,1")
    assert res["gets"][0] == {"bootdev": "network", "persistent": True, "uefimode": True}, res
    f = bootflags(b)
    assert (f["valid"], f["device"], f["persistent"], f["efi"]) == (True, "Force PXE", True, True)
    bootdev(b, "cdrom")
    res = pyghmi(b, "get")
    assert res["get"] == {"bootdev": "optical", "persistent": False, "uefimode": False}, res
