"""The BMC rebooting (last in the session: it resets the emulated machine).
bmcd's state dir is JFFS2 on the FMC flash's rwfs partition, so what was
set over IPMI before the reboot is still there after it."""

import re


def test_state_survives_a_bmc_reboot(bmc):
    bmc.ipmitool("user", "set", "name", "5", "persisted")
    bmc.ipmitool("chassis", "policy", "always-on")
    bmc.reboot()
    print(f"reboot to bmcd ready: {bmc.boot_seconds:.1f} s")
    out = bmc.ipmitool("user", "list", "1")
    assert re.search(r"^5\s+persisted\b", out, re.M), out
    out = bmc.ipmitool("chassis", "status")
    assert re.search(r"Power Restore Policy\s*:\s*always-on", out), out
    # always-on: the host comes back on by itself after the BMC's restart
    assert bmc.poll(lambda: "is on" in bmc.ipmitool("chassis", "power", "status")), bmc.console()[-3000:]
