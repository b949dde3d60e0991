"""FRU inventory (IPMI 2.0 chapter 34, Storage netfn 0Ah 10h-12h) through
real clients: ipmitool `fru print|read|write` and `raw`, FreeIPMI
`ipmi-fru -W none`, pyghmi `get_inventory()`.  Also: a written FRU
survives a restart, a corrupt state file is logged and ignored, an
EEPROM-backed FRU (a plain file standing in for the at24 sysfs file) is
read from and written through to, and bad requests get the spec's
completion codes with nothing stored."""

import re
from datetime import datetime, timezone

import pytest

from conftest import (BMCD, assert_cc, hexargs, load_board, ok, raw, raw_bytes,
                      run, write_board)
from pyghmi_child import pyghmi_ok

FRU_SIZE = 512          # sim board FRU 0


# --------------------------------------------------------------------------
# A small FRU codec, independent of bmcd's, to build images and check them.


def cks(b):
    return (-sum(b)) & 0xFF


def tl_field(s):
    b = s.encode("latin-1")
    return bytes([0xC0 | len(b)]) + b


def area(fixed, fields):
    body = bytes([1, 0]) + bytes(fixed) + b"".join(tl_field(f) for f in fields) + b"\xc1"
    n = (len(body) + 1 + 7) // 8 * 8
    body = body[:1] + bytes([n // 8]) + body[2:] + bytes(n - len(body) - 1)
    return body + bytes([cks(body)])


def image(chassis=None, board=None, product=None, size=FRU_SIZE):
    hdr, body, off = [1, 0, 0, 0, 0, 0, 0], b"", 8
    for i, a in ((2, chassis), (3, board), (4, product)):
        if a is not None:
            hdr[i] = off // 8
            body += a
            off += len(a)
    img = bytes(hdr) + bytes([cks(hdr)]) + body
    return img.ljust(size, b"\0")


def written_image(tag="W", size=FRU_SIZE):
    return image(area([0x11], [f"{tag}-CHS-PART", f"{tag}CHSSERIAL"]),
                 area([0, 0, 0, 0], ["Other Mfg", f"{tag} Board", f"{tag}BSERIAL", "OB-PART", "f1"]),
                 area([0], ["Other Mfg", f"{tag} Product", "WP-1", "2.0", f"{tag}PSERIAL",
                            f"{tag}-ASSET", "f1"]), size=size)


def parse_fru(img):
    """Check an image the way the spec says (checksums, 8-byte areas, C1h)
    and return {area: [field strings]} plus fixed bytes."""
    assert img[0] == 1 and cks(img[:7]) == img[7], img[:8].hex()
    out = {}
    for name, i, nfixed in (("chassis", 2, 1), ("board", 3, 4), ("product", 4, 1)):
        if not img[i]:
            continue
        off = img[i] * 8
        n = img[off + 1] * 8
        a = img[off:off + n]
        assert a[0] == 1 and n % 8 == 0 and sum(a) & 0xFF == 0, f"{name} area"
        p, fields = 2 + nfixed, []
        while a[p] != 0xC1:
            ln = a[p] & 0x3F
            assert a[p] >> 6 == 3, f"{name}: type/length {a[p]:#x} is not 8-bit text"
            fields.append(a[p + 1:p + 1 + ln].decode("latin-1"))
            p += 1 + ln
            assert p < n - 1, f"{name}: no C1h"
        out[name] = {"fixed": list(a[2:2 + nfixed]), "fields": fields}
    return out


# --------------------------------------------------------------------------
# Helpers


def field(text, name):
    m = re.search(r"^\s*" + re.escape(name) + r"\s*:\s*(.*?)\s*$", text, re.M)
    return m.group(1) if m else None


def read_fru(b, fru_id, tmp_path, name="read.bin"):
    p = tmp_path / name
    ok(b.ipmitool("fru", "read", fru_id, p))
    return p.read_bytes()


def write_fru(b, fru_id, img, tmp_path, name="write.bin"):
    p = tmp_path / name
    p.write_bytes(img)
    r = ok(b.ipmitool("fru", "write", fru_id, p))
    return r


def sim_fru0(board):
    return next(f for f in board["fru"] if f["id"] == 0)


# --------------------------------------------------------------------------
# Reading: every client sees the sim board's FRU 0


def test_ipmitool_fru_print(bmc, sim_board):
    f = sim_fru0(sim_board)
    r = ok(bmc.ipmitool("fru", "print", "0"))
    assert field(r.out, "Chassis Type") == "Rack Mount Chassis", r
    assert field(r.out, "Chassis Part Number") == f["chassis"]["part_number"], r
    assert field(r.out, "Chassis Serial") == f["chassis"]["serial"], r
    assert field(r.out, "Chassis Extra") == f["chassis"]["custom"][0], r
    assert field(r.out, "Board Mfg Date") == "Fri Mar  1 09:30:00 2024 UTC", r
    assert field(r.out, "Board Mfg") == f["board"]["manufacturer"], r
    assert field(r.out, "Board Product") == f["board"]["product"], r
    assert field(r.out, "Board Serial") == f["board"]["serial"], r
    assert field(r.out, "Board Part Number") == f["board"]["part_number"], r
    assert field(r.out, "Product Manufacturer") == f["product"]["manufacturer"], r
    assert field(r.out, "Product Name") == f["product"]["name"], r
    assert field(r.out, "Product Part Number") == f["product"]["part_number"], r
    assert field(r.out, "Product Version") == f["product"]["version"], r
    assert field(r.out, "Product Serial") == f["product"]["serial"], r
    assert field(r.out, "Product Asset Tag") == f["product"]["asset_tag"], r


def test_ipmitool_fru_print_all(bmc):
    """Without an ID ipmitool prints the built-in FRU, then walks the SDR's
    FRU locators: no errors, FRU 0 once."""
    r = ok(bmc.ipmitool("fru", "print"))
    assert "Builtin FRU Device (ID 0)" in r.out, r
    assert r.out.count("Product Name") == 1, r
    assert "Error" not in r.text, r


def test_ipmitool_fru_read_is_valid_fru(bmc, sim_board, tmp_path):
    img = read_fru(bmc, 0, tmp_path)
    assert len(img) == FRU_SIZE
    f = sim_fru0(sim_board)
    areas = parse_fru(img)
    assert areas["chassis"]["fixed"] == [23]            # rack mount
    assert areas["chassis"]["fields"] == [f["chassis"]["part_number"], f["chassis"]["serial"],
                                          *f["chassis"]["custom"]]
    b = f["board"]
    assert areas["board"]["fields"] == [b["manufacturer"], b["product"], b["serial"],
                                        b["part_number"], b["fru_file_id"]]
    fixed = areas["board"]["fixed"]
    minutes = fixed[1] | fixed[2] << 8 | fixed[3] << 16
    epoch = datetime(1996, 1, 1, tzinfo=timezone.utc).timestamp()
    assert epoch + minutes * 60 == datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc).timestamp()
    p = f["product"]
    assert areas["product"]["fields"] == [p["manufacturer"], p["name"], p["part_number"],
                                          p["version"], p["serial"], p["asset_tag"],
                                          p["fru_file_id"]]


@pytest.mark.parametrize("mode", [dict(driver="LAN_2_0", cipher=3),
                                  dict(driver="LAN_2_0", cipher=17),
                                  dict(driver="LAN", cipher=None)],
                         ids=["LAN_2_0-I3", "LAN_2_0-I17", "LAN-MD5"])
def test_freeipmi_ipmi_fru(bmc, sim_board, mode):
    f = sim_fru0(sim_board)
    r = ok(bmc.freeipmi("ipmi-fru", sdr=True, **mode))
    assert re.search(r"FRU Inventory Device: .*\(ID 00h\)", r.out), r
    assert field(r.out, "FRU Chassis Type") == "Rack Mount Chassis", r
    assert field(r.out, "FRU Chassis Serial Number") == f["chassis"]["serial"], r
    assert field(r.out, "FRU Board Manufacturing Date/Time") == "03/01/24 - 09:30:00", r
    assert field(r.out, "FRU Board Serial Number") == f["board"]["serial"], r
    assert field(r.out, "FRU Product Name") == f["product"]["name"], r
    assert field(r.out, "FRU Product Serial Number") == f["product"]["serial"], r
    assert field(r.out, "FRU Product Asset Tag") == f["product"]["asset_tag"], r
    assert "error" not in r.out.lower(), r


def test_pyghmi_get_inventory(bmc, sim_board):
    res = pyghmi_ok(bmc, "out['inventory'] = [[n, d] for n, d in c.get_inventory()]")
    inv = dict((n, d) for n, d in res["inventory"])
    system = inv["System"]
    f = sim_fru0(sim_board)
    assert system["Chassis type"] == "Rack Mount Chassis", system
    assert system["Chassis serial number"] == f["chassis"]["serial"], system
    assert system["Board manufacture date"] == "2024-03-01T09:30", system
    assert system["Board manufacturer"] == f["board"]["manufacturer"], system
    assert system["Board serial number"] == f["board"]["serial"], system
    assert system["Board model"] == f["board"]["part_number"], system
    assert system["Manufacturer"] == f["product"]["manufacturer"], system
    assert system["Product name"] == f["product"]["name"], system
    assert system["Serial Number"] == f["product"]["serial"], system
    assert system["Asset Number"] == f["product"]["asset_tag"], system
    assert system["Hardware Version"] == f["product"]["version"], system


# --------------------------------------------------------------------------
# Completion codes (nothing changes)


def test_area_info_and_reads(bmc):
    assert raw_bytes(raw(bmc, 0x0A, 0x10, 0)) == [FRU_SIZE & 0xFF, FRU_SIZE >> 8, 0x00]
    d = raw_bytes(raw(bmc, 0x0A, 0x11, 0, 0, 0, 8))
    assert d[0] == 8 and d[1] == 0x01 and sum(d[1:9]) & 0xFF == 0, d
    # A count running past the end comes back cut at the end.
    d = raw_bytes(raw(bmc, 0x0A, 0x11, 0, (FRU_SIZE - 2) & 0xFF, (FRU_SIZE - 2) >> 8, 16))
    assert d[0] == 2 and len(d) == 3, d


def test_bad_requests(bmc):
    for cmd, data in ((0x10, [5]), (0x11, [5, 0, 0, 1]), (0x12, [5, 0, 0, 1])):
        assert_cc(raw(bmc, 0x0A, cmd, *data), 0xCB)                # no such FRU
    assert_cc(raw(bmc, 0x0A, 0x11, 0, FRU_SIZE & 0xFF, FRU_SIZE >> 8, 1), 0xC9)   # at the end
    assert_cc(raw(bmc, 0x0A, 0x11, 0, 0xFF, 0xFF, 1), 0xC9)
    # 255 bytes and the count fit RMCP+ (test_optional_cmds.py), not an
    # IPMI 1.5 message (one length byte): CAh.
    assert_cc(raw(bmc, 0x0A, 0x11, 0, 0, 0, 255, intf="lan"), 0xCA)
    assert_cc(raw(bmc, 0x0A, 0x11, 0, 0, 0), 0xC7)                 # short request
    assert_cc(raw(bmc, 0x0A, 0x10), 0xC7)
    assert_cc(raw(bmc, 0x0A, 0x12, 0, 0, 0), 0xC7)                 # no data


def test_bad_writes_store_nothing(fresh_bmc, tmp_path):
    b = fresh_bmc
    before = read_fru(b, 0, tmp_path, "before.bin")
    end = FRU_SIZE - 2
    assert_cc(raw(b, 0x0A, 0x12, 0, end & 0xFF, end >> 8, 1, 2, 3), 0xC9)   # runs past the end
    assert_cc(raw(b, 0x0A, 0x12, 0, FRU_SIZE & 0xFF, FRU_SIZE >> 8, 1), 0xC9)
    assert_cc(raw(b, 0x0A, 0x12, 0, 0xFF, 0xFF, 1), 0xC9)
    # A whole common header that is not one (bad checksum): refused.
    assert_cc(raw(b, 0x0A, 0x12, 0, 0, 0, 1, 0, 1, 2, 3, 0, 0, 0x55), 0xCC)
    # A USER session may read but not write.
    assert_cc(raw(b, 0x0A, 0x12, 0, 0x10, 0x01, 1, user="user", password="user", priv="USER"),
              0xD4)
    assert read_fru(b, 0, tmp_path, "after.bin") == before
    assert not (b.state_dir / "fru-0").exists()
    ok(raw(b, 0x0A, 0x10, 0, user="user", password="user", priv="USER"))


def test_write_returns_count(fresh_bmc, tmp_path):
    b = fresh_bmc
    d = raw_bytes(raw(b, 0x0A, 0x12, 0, 0xF0, 0x01, 0xAA, 0xBB, 0xCC))
    assert d == [3], d
    d = raw_bytes(raw(b, 0x0A, 0x11, 0, 0xF0, 0x01, 3))
    assert d == [3, 0xAA, 0xBB, 0xCC], d
    assert (b.state_dir / "fru-0").exists()


# --------------------------------------------------------------------------
# Writing and persistence


def test_ipmitool_fru_write_persists(fresh_bmc, tmp_path):
    b = fresh_bmc
    img = written_image("W")
    write_fru(b, 0, img, tmp_path)
    assert read_fru(b, 0, tmp_path, "back.bin") == img
    r = ok(b.ipmitool("fru", "print", "0"))
    assert field(r.out, "Product Name") == "W Product", r
    assert field(r.out, "Chassis Type") == "Main Server Chassis", r
    b.restart()
    assert "from the state dir" in b.stderr(), b.stderr_tail()
    assert read_fru(b, 0, tmp_path, "restarted.bin") == img
    r = ok(b.freeipmi("ipmi-fru", sdr=True))
    assert field(r.out, "FRU Product Serial Number") == "WPSERIAL", r


def test_corrupt_state_file_falls_back_to_board(bmc_factory, sim_board, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "fru-0").write_bytes(b"BFRU\x01garbage that is not a FRU image")
    b = bmc_factory(state_dir=state)
    assert re.search(r"state file fru-0 is corrupt", b.stderr()), b.stderr_tail()
    r = ok(b.ipmitool("fru", "print", "0"))
    assert field(r.out, "Product Name") == sim_fru0(sim_board)["product"]["name"], r
    # The next write replaces the corrupt file.
    img = written_image("X")
    write_fru(b, 0, img, tmp_path)
    b.restart()
    assert "corrupt" not in b.stderr(), b.stderr_tail()
    assert read_fru(b, 0, tmp_path, "x.bin") == img


def test_board_change_does_not_override_written_fru(bmc_factory, tmp_path):
    """After a write the stored image is authoritative, even when the board
    file's FRU contents change."""
    board = load_board()
    state = tmp_path / "state"
    b = bmc_factory(board=write_board(tmp_path, board), state_dir=state)
    img = written_image("Y")
    write_fru(b, 0, img, tmp_path)
    b.stop_and_check()
    sim_fru0(board)["product"]["name"] = "Changed Name"
    b2 = bmc_factory(board=write_board(tmp_path, board, "board2.json"), state_dir=state)
    assert read_fru(b2, 0, tmp_path, "y.bin") == img


# --------------------------------------------------------------------------
# EEPROM-backed FRUs: a plain file stands in for the at24 sysfs file


def eeprom_board(tmp_path, eeprom, **extra):
    board = load_board()
    board["fru"].append({"id": 2, "name": "PSU1 FRU", "eeprom": {"path": str(eeprom)}, **extra})
    return write_board(tmp_path, board, f"eeprom-{extra.get('read_only', False)}.json")


def test_eeprom_fru_read_and_write_through(bmc_factory, tmp_path):
    eeprom = tmp_path / "eeprom"
    first = image(None, None, area([0], ["PSU Vendor", "PSU 800W", "PSU-800", "A1", "PSUSER001",
                                          "", ""]), size=256)
    eeprom.write_bytes(first)
    b = bmc_factory(board=eeprom_board(tmp_path, eeprom), state_dir=tmp_path / "state")
    assert raw_bytes(raw(b, 0x0A, 0x10, 2)) == [0x00, 0x01, 0x00]      # 256 bytes, from the file
    r = ok(b.ipmitool("fru", "print", "2"))
    assert field(r.out, "Product Name") == "PSU 800W", r
    assert field(r.out, "Product Serial") == "PSUSER001", r
    r = ok(b.freeipmi("ipmi-fru", sdr=True))
    assert "PSU1 FRU" in r.out and "PSUSER001" in r.out, r

    new = image(None, None, area([0], ["PSU Vendor", "PSU 800W", "PSU-800", "A2", "PSUSER777",
                                        "ASSET-P", ""]), size=256)
    write_fru(b, 2, new, tmp_path, "psu.bin")
    assert eeprom.read_bytes() == new               # written through
    assert (b.state_dir / "fru-2").exists()          # and kept in the state dir
    b.restart()
    r = ok(b.ipmitool("fru", "print", "2"))
    assert field(r.out, "Product Serial") == "PSUSER777", r


def test_eeprom_fru_read_only(bmc_factory, tmp_path):
    eeprom = tmp_path / "eeprom"
    img = image(None, None, area([0], ["V", "RO Part", "", "", "ROSERIAL", "", ""]), size=128)
    eeprom.write_bytes(img)
    b = bmc_factory(board=eeprom_board(tmp_path, eeprom, read_only=True))
    assert_cc(raw(b, 0x0A, 0x12, 2, 0x10, 0x00, 1), 0x80)          # write-protected
    assert eeprom.read_bytes() == img
    assert read_fru(b, 2, tmp_path, "ro.bin") == img


def test_eeprom_missing_is_busy_not_fatal(bmc_factory, tmp_path):
    eeprom = tmp_path / "no-such-eeprom"
    b = bmc_factory(board=eeprom_board(tmp_path, eeprom))
    assert "no-such-eeprom" in b.stderr(), b.stderr_tail()
    assert_cc(raw(b, 0x0A, 0x10, 2), 0x81)                        # FRU device busy
    ok(b.ipmitool("fru", "print", "0"))


# --------------------------------------------------------------------------
# The board file


def test_bad_fru_section_is_refused_with_every_path(tmp_path):
    board = load_board()
    board["fru"] = [
        {"id": 0, "size": 16, "product": {"name": "x" * 64, "serial": "a"}},
        {"id": 0, "eeprom": {"path": "relative"}},
        {"id": 3, "board": {"mfg_date": "yesterday"}, "colour": "red"},
    ]
    p = write_board(tmp_path, board)
    r = run([BMCD, "--board", p, "--check-config"], timeout=10)
    assert r.rc != 0, r
    for want in ("fru[0].product.name: longer than 63 bytes",
                 "fru[0].product.serial: a one-character value",
                 "fru[1].id: FRU device ID 0 is used twice",
                 "fru[1].eeprom.path: not an absolute path",
                 "fru[2].board.mfg_date: \"yesterday\" is not",
                 "fru[2].colour: unknown key"):
        assert want in r.text, f"missing {want!r}\n{r}"
