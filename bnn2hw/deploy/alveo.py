"""Alveo cards: the Vitis flow of BUILD/deploy/<card>/, buildable with one command.

The accelerator runs as a free-running RTL kernel (no control interface: ``ap_ctrl_none``)
between two HLS data-mover kernels, connected by AXI4-Stream links made at ``v++ --link``:

    host memory --m_axi--> mm2s --AXIS in_tdata bits--> accel --AXIS out_tdata bits--> s2mm
    --m_axi--> host memory

Files (every value computed here, the templates only fill them in):

- ``kernel/<top>_kernel.v``: the wrapper Vitis requires around the accelerator ``<top>``:
  ports ``ap_clk`` and ``ap_rst_n`` (active low; inverted and registered once into ``rst``),
  ``s_axis``/``m_axis`` at the accelerator's byte-padded TDATA widths, no TLAST (the movers
  count beats, so no packet boundary is needed).
- ``package_kernel.tcl``: Vivado batch script: the RTL of ``../../rtl`` plus the wrapper,
  packaged as an IP with the Vitis kernel properties, then ``package_xo`` ->
  ``<top>_kernel.xo`` (package_xo writes the kernel.xml from the IP: ``kernel.xml`` beside).
- ``movers/mm2s.cpp``, ``movers/s2mm.cpp``: the HLS data movers (``v++ -c``): memory rows of
  the DMA width (bnn2hw.driver.transport.to_bytes's layout) <-> the accelerator's streams, a
  whole number of frames per call (scalar ``frames``).
- ``movers/csim.cpp``: the data path under g++ (memory rows -> mm2s -> the HLS top of
  BUILD/hls -> s2mm -> memory rows), to check host-side files without a card.
- ``link.cfg``: the ``v++ --link`` configuration; ``build.sh``: the one command;
  ``README.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bnn2hw.backends.render import render
from bnn2hw.build import Build
from bnn2hw.deploy.driver_pkg import driver_files
from bnn2hw.deploy.vivado import DeployPlan
from bnn2hw.driver.transport import MM2S_KERNEL, S2MM_KERNEL

__all__ = ["AlveoNames", "alveo_files", "alveo_names"]

# kernel names, compute-unit names and stream port names: link.cfg, the wrapper and the movers
MM2S = MM2S_KERNEL
S2MM = S2MM_KERNEL
ACCEL_CU = "accel"
# the movers' AXI-Stream arguments: not "in"/"out", which Vitis HLS renames (HDL keywords)
MM2S_STREAM = "to_accel"  # mm2s's AXI-Stream output
S2MM_STREAM = "from_accel"  # s2mm's AXI-Stream input
MEM_PORT = "mem"  # each mover's m_axi port (bundle gmem)
KERNEL_TAXONOMY = "/KernelIP"


@dataclass(frozen=True)
class AlveoNames:
    """What the Alveo files name: the RTL kernel, its wrapper file, the objects v++ links."""

    kernel: str  # the RTL kernel (= the wrapper module = the packaged IP's name)
    wrapper: str  # path of the wrapper, relative to the deployment folder
    xo: str  # the RTL kernel's object, written by package_kernel.tcl
    xclbin: str  # what build.sh links
    mover_sources: tuple[str, str]  # mm2s, s2mm sources, relative to the deployment folder
    mover_xos: tuple[str, str]
    csim: str  # the g++ C-simulation main of the data path
    hz: int  # the kernel clock in Hz (every compute unit)


def alveo_names(plan: DeployPlan) -> AlveoNames:
    kernel = f"{plan.top}_kernel"
    return AlveoNames(
        kernel=kernel,
        wrapper=f"kernel/{kernel}.v",
        xo=f"{kernel}.xo",
        xclbin=f"{plan.net}.xclbin",
        mover_sources=(f"movers/{MM2S}.cpp", f"movers/{S2MM}.cpp"),
        mover_xos=(f"{MM2S}.xo", f"{S2MM}.xo"),
        csim="movers/csim.cpp",
        hz=round(plan.clock_mhz * 1_000_000),
    )


def alveo_files(
    build: Build, plan: DeployPlan, ctx: dict[str, Any], hdr: Callable[[str, str], str]
) -> dict[str, str]:
    """The text of every file of an Alveo deployment by name. ``ctx``: the template context
    of bnn2hw.deploy.vivado.deploy_files (``p`` = the plan); ``hdr(what, comment)``: the
    generated-file header."""
    names = alveo_names(plan)
    c = dict(
        ctx,
        n=names,
        mm2s=MM2S,
        s2mm=S2MM,
        accel_cu=ACCEL_CU,
        mm2s_stream=MM2S_STREAM,
        s2mm_stream=S2MM_STREAM,
        mem_port=MEM_PORT,
        taxonomy=KERNEL_TAXONOMY,
        hls_top=f"{plan.net}_top",  # the HLS top function and its header (bnn2hw.backends.hls)
        in_msb=plan.in_tdata - 1,
        out_msb=plan.out_tdata - 1,
        in_row_bytes=plan.dma_in // 8,
        out_row_bytes=plan.dma_out // 8,
    )

    def r(template: str, what: str, comment: str) -> str:
        return render(f"deploy/{template}", hdr=hdr(what, comment), **c)

    return {
        names.wrapper: r("alveo/kernel.v.j2", "Vitis RTL kernel wrapper", "//"),
        "package_kernel.tcl": r(
            "alveo/package_kernel.tcl.j2", "Vivado: package the RTL kernel (.xo)", "#"
        ),
        names.mover_sources[0]: r(
            "alveo/mm2s.cpp.j2", "Vitis HLS data mover: memory to stream", "//"
        ),
        names.mover_sources[1]: r(
            "alveo/s2mm.cpp.j2", "Vitis HLS data mover: stream to memory", "//"
        ),
        names.csim: r("alveo/csim.cpp.j2", "C-simulation of the Alveo data path", "//"),
        "link.cfg": r("link.cfg.j2", "Vitis link configuration", "#"),
        "build.sh": r("alveo/build.sh.j2", "One-command build (Vitis)", "#"),
        "README.md": r("README_alveo.md.j2", "Deployment steps (Alveo)", "md"),
        **driver_files(
            build,
            board=plan.board.key,
            transport="xrt",
            bitfile=names.xclbin,
            dma="",
            in_bits=plan.dma_in,
            out_bits=plan.dma_out,
            packet_frames=1,
        ),
    }
