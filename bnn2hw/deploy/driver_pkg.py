"""The board driver of a deployment: BUILD/deploy/<board>/driver/, a folder the board (or the
Alveo card's host) runs from with nothing but Python, numpy and pynq (or XRT's pyxrt):

- ``accel/``: the package users import (``from accel import Accelerator``;
  ``Accelerator().infer(x)``), holding the design (``bnn2hw.json``) and ``deployment.json``
  (transport, bitstream or xclbin, DMA name and widths, frames per output packet);
- ``bnn2hw/``: the numpy-only part of bnn2hw the driver runs (:data:`BOARD_MODULES`: the IR,
  the stream layout, the golden model, ``bnn2hw.driver``), copied verbatim from this
  installation below a header line, so the board encodes and decodes frames with the very code
  the rtl engine runs against the Verilator simulation (and can check itself against golden);
- ``infer.py``: X.npy -> Y.npy on the board, ``--check`` compares with the golden model.
"""

from __future__ import annotations

import json
from pathlib import Path

import bnn2hw
from bnn2hw.backends.render import header, render
from bnn2hw.build import JSON_NAME, Build
from bnn2hw.driver.accelerator import DEPLOYMENT_JSON
from bnn2hw.ir.graph import Graph

__all__ = ["BOARD_MODULES", "DRIVER_DIR", "PACKAGE", "driver_files"]

DRIVER_DIR = "driver"  # the driver folder, inside the deployment folder
PACKAGE = "accel"  # the package the deployment's users import
# Every module ``import bnn2hw.driver`` loads (tests/unit/test_driver_modules.py keeps this
# list equal to what a fresh interpreter imports): numpy and the standard library only.
BOARD_MODULES: tuple[str, ...] = (
    "__init__.py",
    "arith.py",
    "bits.py",
    "errors.py",
    "summary.py",
    "driver/__init__.py",
    "driver/accelerator.py",
    "driver/codec.py",
    "driver/transport.py",
    "golden/__init__.py",
    "golden/reference.py",
    "golden/windows.py",
    "hw/__init__.py",
    "hw/dataflow.py",
    "hw/streams.py",
    "ir/__init__.py",
    "ir/floatops.py",
    "ir/folding.py",
    "ir/graph.py",
    "ir/layers.py",
    "ir/quant.py",
    "ir/serialize.py",
)


def package_root() -> Path:
    return Path(bnn2hw.__file__).resolve().parent


def copied_module(graph: Graph, rel: str) -> str:
    """``bnn2hw/<rel>`` as the driver folder holds it: a header, then the source unchanged."""
    src = (package_root() / rel).read_text()
    hdr = header(graph, f"bnn2hw/{rel}, copied unchanged below for the board driver", "#")
    return f"{hdr}\n{src}"


def driver_files(
    build: Build,
    *,
    board: str,
    transport: str,
    bitfile: str,
    dma: str,
    in_bits: int,
    out_bits: int,
    packet_frames: int,
) -> dict[str, str]:
    """The driver folder's files by path relative to the deployment folder (``driver/...``).
    ``transport``: "pynq" (Zynq: AXI DMA ``dma``) or "xrt" (Alveo: the data movers);
    ``bitfile``: the default bitstream or xclbin, relative to the deployment folder."""
    g = build.graph
    batch = packet_frames * max(1, 64 // packet_frames)
    deployment = {
        "board": board,
        "transport": transport,
        "design": JSON_NAME,
        "bitfile": f"../../{bitfile}",
        "dma": dma,
        "in_bits": in_bits,
        "out_bits": out_bits,
        "packet_frames": packet_frames,
        "batch": batch,
    }
    ctx = {
        "net": g.name,
        "board": board,
        "package": PACKAGE,
        "transport": transport,
        "bitfile": bitfile,
        "batch": batch,
        "packet_frames": packet_frames,
    }
    files = {f"bnn2hw/{rel}": copied_module(g, rel) for rel in BOARD_MODULES}
    files[f"{PACKAGE}/__init__.py"] = render(
        "deploy/accel_init.py.j2",
        hdr=header(g, "Board driver package: Accelerator().infer(x)", "#"),
        **ctx,
    )
    files[f"{PACKAGE}/{DEPLOYMENT_JSON}"] = json.dumps(deployment, indent=2) + "\n"
    files[f"{PACKAGE}/{JSON_NAME}"] = (build.path / JSON_NAME).read_text()
    files["infer.py"] = render(
        "deploy/infer.py.j2",
        hdr=header(g, "Host driver: run the accelerator on the board", "#"),
        **ctx,
    )
    return {f"{DRIVER_DIR}/{name}": text for name, text in files.items()}
