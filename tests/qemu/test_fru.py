"""FRU inventory from the EVB's EEPROM (I2C bus 7, 0x50), programmed at boot
from qemu/mkfru's image and read by bmcd byte by byte over /dev/i2c-7."""

import re


def test_fru_print_shows_the_eeprom(bmc):
    out = bmc.ipmitool("fru", "print", "0")
    assert re.search(r"Board Mfg\s*:\s*ASPEED", out), out
    assert re.search(r"Board Product\s*:\s*AST2600 EVB", out), out
    assert re.search(r"Board Serial\s*:\s*EVB2600A20001", out), out
    assert re.search(r"Chassis Type\s*:\s*Rack Mount Chassis", out), out
    assert re.search(r"Product Asset Tag\s*:\s*QEMU-ASSET-7", out), out
    assert re.search(r"Board Mfg Date\s*:.*2024", out), out


def test_fru_read_raw_matches_the_image(bmc, tmp_path):
    import subprocess
    from conftest import ROOT
    image = tmp_path / "want.bin"
    subprocess.run([str(ROOT / "qemu" / "mkfru"), str(image)], check=True)
    got = tmp_path / "got.bin"
    bmc.ipmitool("fru", "read", "0", str(got))
    assert got.read_bytes() == image.read_bytes()
