"""bnn2hw.deploy.driver_pkg.BOARD_MODULES (what a deployment copies into its driver folder) is
exactly the set of bnn2hw modules ``import bnn2hw.driver`` loads in a fresh interpreter, and
they import nothing outside numpy and the standard library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bnn2hw.deploy.driver_pkg import BOARD_MODULES, package_root

PROBE = """
import json, sys
before = set(sys.modules)
import bnn2hw.driver
new = sorted(set(sys.modules) - before)
print(json.dumps([[m, getattr(sys.modules[m], "__file__", None)] for m in new]))
"""


def test_board_modules_are_the_driver_import_closure() -> None:
    r = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(r.stdout)
    root = package_root()
    ours = sorted(
        Path(f).resolve().relative_to(root).as_posix()
        for m, f in loaded
        if m == "bnn2hw" or m.startswith("bnn2hw.")
    )
    assert ours == sorted(BOARD_MODULES)
    third_party = {
        m.split(".")[0]
        for m, f in loaded
        if f and "site-packages" in f and not m.startswith(("bnn2hw", "numpy", "_distutils"))
    }
    assert third_party <= {"__editable___bnn2hw_0_1_0_finder"}, third_party
