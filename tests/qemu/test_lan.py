"""The emulated BMC over its LAN channel: ipmitool through the forwarded port."""

import re


def test_mc_info_over_lanplus_suite_17(bmc):
    out = bmc.ipmitool("mc", "info")
    assert re.search(r"Device ID\s*:\s*32\b", out), out
    assert re.search(r"Product ID\s*:\s*2600\b", out), out
    assert re.search(r"IPMI Version\s*:\s*2\.0", out), out


def test_suite_3_also_works(bmc):
    out = bmc.ipmitool("-C", "3", "chassis", "status")
    assert "System Power" in out, out


def test_bmc_lan_address_is_the_guests(bmc):
    # bmcd reads the BMC's NIC (eth0, set up by the image's /init) over rtnetlink
    out = bmc.ipmitool("lan", "print", "1")
    assert re.search(r"IP Address\s*:\s*10\.0\.2\.15", out), out


def test_boot_time_reported(bmc):
    # boot to READY under TCG: reported, not asserted beyond the fixture's limit
    assert bmc.boot_seconds is not None
    print(f"boot to bmcd ready: {bmc.boot_seconds:.1f} s")
