"""The ast2600-evb board file and the GPIO host's keys, checked by a native
bmcd (--check-config): every problem is reported with its key path."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

BOARD = ROOT / "boards" / "ast2600-evb.json"


def native_bmcd():
    for p in (os.environ.get("BMCD"), ROOT / "build" / "bmcd", ROOT / "build-q" / "bmcd"):
        if p and Path(p).is_file():
            return Path(p)
    pytest.skip("no native bmcd build (build/ or build-q/)")


def check(tmp_path, board):
    p = tmp_path / "board.json"
    p.write_text(json.dumps(board))
    r = subprocess.run([str(native_bmcd()), "--check-config", "--board", str(p)],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def test_evb_board_is_valid(tmp_path):
    rc, out = check(tmp_path, json.loads(BOARD.read_text()))
    assert rc == 0, out


def test_gpio_keys_are_checked(tmp_path):
    board = json.loads(BOARD.read_text())
    g = board["host"]["gpio"]
    del g["power_good"]
    g["identify_led"]["active_lo"] = True
    g["reset_button"]["line"] = ""
    g["force_off_ms"] = 100
    g["bogus"] = 1
    rc, out = check(tmp_path, board)
    assert rc != 0
    for want in ("host.gpio.power_good: missing",
                 "host.gpio.identify_led.active_lo: unknown key",
                 "host.gpio.reset_button.line: not a GPIO line name",
                 "host.gpio.force_off_ms: must be longer than power_pulse_ms",
                 "host.gpio.bogus: unknown key"):
        assert want in out, out


def test_gpio_backend_needs_its_section(tmp_path):
    board = json.loads(BOARD.read_text())
    del board["host"]["gpio"]
    rc, out = check(tmp_path, board)
    assert rc != 0 and "host.gpio: missing" in out, out
