"""Run a generated Vivado / Vitis HLS script under a plain tclsh with the recording stand-ins
(tests/deploy_standins.tcl; with ``vitis``, also tests/deploy_standins_vitis.tcl for
package_xo) and return the recorded calls, one list of words per call. Used by
tests/integration/test_deploy_tcl.py and test_deploy_alveo.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "deploy_standins.tcl"
STANDINS_VITIS = HERE / "deploy_standins_vitis.tcl"


def run_tcl(
    script: Path, tmp: Path, *, vitis: bool = False, board_parts: str = ""
) -> list[list[str]]:
    """``script`` under the stand-ins in ``tmp`` (the working folder); ``board_parts``: the
    Vivado board files the stand-in get_board_parts reports as installed. AssertionError
    with the output when the script fails."""
    log = tmp / f"calls_{script.name}.log"
    runner = tmp / "run.tcl"
    sources = [STANDINS, *([STANDINS_VITIS] if vitis else [])]
    runner.write_text("".join(f"source {{{s}}}\n" for s in sources) + "source [lindex $argv 0]\n")
    env = dict(os.environ, B2H_TCL_LOG=str(log), B2H_STANDIN_OUT=str(tmp / "vivado_out"))
    env["B2H_BOARD_PARTS"] = board_parts
    r = subprocess.run(
        ["tclsh", str(runner), str(script)],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return [line.split("\t") for line in log.read_text().splitlines()]
