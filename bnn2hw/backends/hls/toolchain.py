"""Where C-simulation finds its tools: g++ and Xilinx's Apache-2.0 ``ap_int.h`` headers.

``ap_int.h`` is never copied into bnn2hw: it comes from ``$BNN2HW_AP_INCLUDE``, from
``$XILINX_HLS/include`` (a Vitis HLS installation), or from an installed package that ships
Xilinx's headers (hls4ml: ``hls4ml/templates/vivado/ap_types``). Packages are located with
``importlib.util.find_spec``, which does not import them; ``$BNN2HW_NO_PACKAGES=1`` skips them
(to use only an explicit folder or Vitis).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from bnn2hw.errors import BuildError
from bnn2hw.resources import resource_dir

__all__ = ["ap_include_dir", "cxx", "hls_library_dir"]

_PACKAGE_DIRS = (("hls4ml", ("templates", "vivado", "ap_types")),)


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def ap_include_dir() -> Path:
    """The folder holding ``ap_int.h``; BuildError naming what was tried when none is found."""
    tried = []
    env = os.environ.get("BNN2HW_AP_INCLUDE")
    if env:
        tried.append(f"$BNN2HW_AP_INCLUDE={env}")
        if (Path(env) / "ap_int.h").is_file():
            return Path(env)
    xil = os.environ.get("XILINX_HLS")
    if xil:
        tried.append(f"$XILINX_HLS/include={xil}/include")
        if (Path(xil) / "include" / "ap_int.h").is_file():
            return Path(xil) / "include"
    packages = () if os.environ.get("BNN2HW_NO_PACKAGES") else _PACKAGE_DIRS
    for pkg, sub in packages:
        base = _package_dir(pkg)
        tried.append(f"package {pkg}")
        if base is not None and (base.joinpath(*sub) / "ap_int.h").is_file():
            return base.joinpath(*sub)
    raise BuildError(
        "ap_int.h not found (tried " + ", ".join(tried) + "); install hls4ml "
        "(pip install hls4ml) or point BNN2HW_AP_INCLUDE at a folder holding ap_int.h"
    )


def cxx() -> str:
    """The C++ compiler for C-simulation ($CXX or g++)."""
    exe = os.environ.get("CXX", "g++")
    found = shutil.which(exe)
    if found is None:
        raise BuildError(f"C++ compiler '{exe}' not found; install g++ or set CXX")
    return found


def hls_library_dir() -> Path:
    """The hand-written HLS library (hls/bnn2hw/*.hpp) and the C-simulation stream header."""
    return resource_dir("hls")
