"""The deployment plan (every value the Vivado/Vitis scripts need, computed here) and the files.

Zynq boards get a Vivado batch flow: ``package_ip.tcl`` packages the emitted RTL (BUILD/rtl,
from its filelist.f, with the weight/threshold .mem files) as an IP; ``block_design.tcl`` builds
the block design (processing system with its PL clock at the build's clock, AXI DMA in simple
mode whose MM2S/S2MM stream widths are the accelerator's input/output TDATA widths, the
b2h_axis_tlast core ending every output frame with TLAST for the DMA, proc_sys_reset,
SmartConnects for the DMA's AXI-Lite control port and its memory ports to the PS HP0 port,
addresses); ``build.tcl`` runs both, synthesis, implementation and the bitstream and copies the
.bit, .hwh and .xsa to ``out/``; ``build.sh`` is the one command. With ``ip="hls"`` (written to
BUILD/deploy/<board>-hls/) the accelerator is instead the HLS project (BUILD/hls) synthesised
and exported as an IP by Vitis HLS (``hls_ip.tcl``, run by ``build.sh`` before Vivado), with the
port names Vitis HLS gives it. Alveo cards: bnn2hw.deploy.alveo.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bnn2hw.backends.render import header, render
from bnn2hw.backends.verilog.emit import design_sources, top_module
from bnn2hw.boards import Board
from bnn2hw.build import Build, swap_folder
from bnn2hw.deploy.driver_pkg import driver_files
from bnn2hw.driver.transport import DMA_LENGTH_BITS, dma_bits
from bnn2hw.errors import BuildError
from bnn2hw.hw.dataflow import lower

__all__ = [
    "HLS_PORTS",
    "RTL_PORTS",
    "AccelPorts",
    "DeployPlan",
    "deploy_files",
    "deploy_target",
    "dma_width",
    "plan_deploy",
    "write_deploy",
]

VIVADO_VERSION = "2022.2"  # the version the flow is written for (later ones take it too)
# Xilinx IP by VLNV without version: create_bd_cell takes the catalog's current one
_PS_IP = {
    "zynq7000": "xilinx.com:ip:processing_system7",
    "zynq_ultrascale_plus": "xilinx.com:ip:zynq_ultra_ps_e",
}
DMA_IP = "xilinx.com:ip:axi_dma"
RESET_IP = "xilinx.com:ip:proc_sys_reset"
SMARTCONNECT_IP = "xilinx.com:ip:smartconnect"
CONCAT_IP = "xilinx.com:ip:xlconcat"
IP_VENDOR = "bnn2hw.org"
IP_LIBRARY = "bnn2hw"
IP_VERSION = "1.0"
TLAST_CORE = "b2h_axis_tlast"
IP_KINDS = ("rtl", "hls")
HLS_LIBRARY = "hls"
HLS_SOLUTION = "sol1"
# Vitis HLS names an AXI-Stream port after its C argument, with "_r" appended to names that are
# HDL keywords: the HLS top's arguments ``in``/``out`` (backends/hls top.hpp) become in_r/out_r.
HLS_STREAM_PORTS = ("in_r", "out_r")


@dataclass(frozen=True)
class AccelPorts:
    """The accelerator's block-design pins: stream interfaces, clock, reset and its polarity."""

    s_axis: str
    m_axis: str
    clk: str
    rst: str
    rst_active_low: bool


RTL_PORTS = AccelPorts("s_axis", "m_axis", "clk", "rst", rst_active_low=False)
HLS_PORTS = AccelPorts(*HLS_STREAM_PORTS, "ap_clk", "ap_rst_n", rst_active_low=True)


@dataclass(frozen=True)
class PsPorts:
    """The processing system's pins and interfaces the block design uses."""

    config: tuple[tuple[str, str], ...]  # CONFIG.* properties set on the PS cell
    clock: str  # PL clock output
    resetn: str  # PL reset output (active low)
    master: str  # AXI master for the DMA's control port
    master_clk: str
    slave: str  # high-performance AXI slave for the DMA's memory ports
    slave_clk: str
    irq: str  # fabric interrupt input (the DMA's two interrupts, concatenated)
    automation_rule: str
    # apply_bd_automation -config as Tcl words ($preset: 1 when the board file is in use)
    automation_config: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DeployPlan:
    board: Board
    net: str  # the graph name
    top: str  # the accelerator's top module
    clock_mhz: float
    in_tdata: int  # the accelerator's s_axis TDATA bits (byte-padded)
    out_tdata: int  # its m_axis TDATA bits
    dma_in: int  # the DMA's MM2S stream width (a width the AXI DMA supports)
    dma_out: int  # its S2MM stream width
    in_beats: int  # input beats per frame
    out_beats: int  # output beats per frame
    batch: int  # frames per DMA S2MM packet (TLAST after batch x out_beats beats)
    sources: tuple[str, ...]  # Verilog files, relative to BUILD/rtl, compile order
    mems: tuple[str, ...]  # memory initialisation files, relative to BUILD/rtl
    include_dirs: tuple[str, ...]
    ps: PsPorts | None
    ip: str = "rtl"  # "rtl": the Verilog design packaged as IP; "hls": Vitis HLS's IP of BUILD/hls
    hls_top: str = ""  # the HLS top function
    hls_sources: tuple[str, ...] = ()  # relative to BUILD/hls: the top .cpp, then the headers

    @property
    def packet_beats(self) -> int:
        return self.batch * self.out_beats

    @property
    def ip_vlnv(self) -> str:
        if self.ip == "hls":
            return f"{IP_VENDOR}:{HLS_LIBRARY}:{self.hls_top}:{IP_VERSION}"
        return f"{IP_VENDOR}:{IP_LIBRARY}:{self.top}:{IP_VERSION}"

    @property
    def ip_repo(self) -> tuple[str, ...]:
        """Where the accelerator's IP is, relative to the deployment folder."""
        if self.ip == "hls":
            return ("hls_project", HLS_SOLUTION, "impl", "ip")
        return ("ip_repo",)

    @property
    def accel(self) -> AccelPorts:
        return HLS_PORTS if self.ip == "hls" else RTL_PORTS

    @property
    def clock_ns(self) -> str:
        return f"{1000.0 / self.clock_mhz:.6g}"

    @property
    def folder(self) -> str:
        """The deployment's folder name under BUILD/deploy/."""
        return self.board.key if self.ip == "rtl" else f"{self.board.key}-{self.ip}"

    @property
    def ps_ip(self) -> str:
        assert self.board.ps is not None
        return _PS_IP[self.board.ps]

    @property
    def kernel(self) -> str:
        return self.top


def dma_width(bits: int) -> int:
    """The AXI DMA stream width carrying ``bits``-bit TDATA (the driver's
    :func:`~bnn2hw.driver.transport.dma_bits`); BuildError above the DMA's 1024 bits."""
    w = dma_bits(bits)
    if w > 1024:
        raise BuildError(
            f"a {bits}-bit stream is wider than the AXI DMA's 1024 bits; refold the first or "
            "last layer with a smaller SIMD/PE"
        )
    return w


def _mhz(x: float) -> str:
    return f"{x:g}"


def _ps_ports(board: Board, clock_mhz: float) -> PsPorts | None:
    if board.ps == "zynq7000":
        return PsPorts(
            config=(
                ("PCW_FPGA0_PERIPHERAL_FREQMHZ", _mhz(clock_mhz)),
                ("PCW_USE_M_AXI_GP0", "1"),
                ("PCW_USE_S_AXI_HP0", "1"),
                ("PCW_S_AXI_HP0_DATA_WIDTH", "64"),
                ("PCW_USE_FABRIC_INTERRUPT", "1"),
                ("PCW_IRQ_F2P_INTR", "1"),
            ),
            clock="FCLK_CLK0",
            resetn="FCLK_RESET0_N",
            master="M_AXI_GP0",
            master_clk="M_AXI_GP0_ACLK",
            slave="S_AXI_HP0",
            slave_clk="S_AXI_HP0_ACLK",
            irq="IRQ_F2P",
            automation_rule="xilinx.com:bd_rule:processing_system7",
            automation_config=(
                ("make_external", "{FIXED_IO, DDR}"),
                ("apply_board_preset", "$preset"),
                ("Master", "Disable"),
                ("Slave", "Disable"),
            ),
        )
    if board.ps == "zynq_ultrascale_plus":
        return PsPorts(
            config=(
                ("PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ", _mhz(clock_mhz)),
                ("PSU__USE__M_AXI_GP0", "1"),
                ("PSU__USE__M_AXI_GP1", "0"),
                ("PSU__USE__M_AXI_GP2", "0"),
                ("PSU__USE__S_AXI_GP2", "1"),
                ("PSU__SAXIGP2__DATA_WIDTH", "64"),
                ("PSU__USE__IRQ0", "1"),
            ),
            clock="pl_clk0",
            resetn="pl_resetn0",
            master="M_AXI_HPM0_FPD",
            master_clk="maxihpm0_fpd_aclk",
            slave="S_AXI_HP0_FPD",
            slave_clk="saxihp0_fpd_aclk",
            irq="pl_ps_irq0",
            automation_rule="xilinx.com:bd_rule:zynq_ultra_ps_e",
            automation_config=(("apply_board_preset", "$preset"),),
        )
    return None


def _hls_sources(build: Build) -> tuple[str, tuple[str, ...]]:
    """The HLS top function and the project's synthesis sources (no test bench, no g++-only
    csim/ headers), relative to BUILD/hls."""
    hls = build.hls_dir
    top = f"{build.graph.name}_top"
    if not (hls / f"{top}.cpp").is_file():
        raise BuildError(f"{hls}: no {top}.cpp; recompile the build (bnn2hw compile)")
    headers = sorted(
        p.relative_to(hls).as_posix()
        for p in hls.rglob("*.hpp")
        if p.relative_to(hls).parts[0] not in ("csim", "tb")
    )
    return top, (f"{top}.cpp", *headers)


def plan_deploy(build: Build, board: Board, batch: int = 1, ip: str = "rtl") -> DeployPlan:
    """Everything the deployment scripts need, from the build and the board; ``batch``
    frames make one output packet (one DMA S2MM transfer, ended by TLAST); ``ip``: the
    accelerator from the Verilog design ("rtl") or from the HLS project via Vitis HLS ("hls")."""
    if batch < 1:
        raise BuildError(f"batch {batch}: must be at least 1 frame per packet")
    if ip not in IP_KINDS:
        raise BuildError(f"--ip {ip}: choose one of {', '.join(IP_KINDS)}")
    if ip == "hls" and board.ps is None:
        raise BuildError(
            f"--ip hls: {board.name} is an Alveo card, whose deployment packages the RTL "
            "kernel; deploy without --ip (or --ip rtl)"
        )
    hls_top, hls_sources = _hls_sources(build) if ip == "hls" else ("", ())
    graph = build.graph
    iface = lower(graph).interface
    rtl = build.rtl_dir
    if not (rtl / "filelist.f").is_file():
        raise BuildError(f"{rtl}: no filelist.f; recompile the build (bnn2hw compile)")
    sources = tuple(p.relative_to(rtl).as_posix() for p in design_sources(rtl))
    missing = [s for s in sources if not (rtl / s).is_file()]
    if missing:
        raise BuildError(f"{rtl}: {missing[0]} listed in filelist.f is missing; recompile")
    if f"cores/{TLAST_CORE}.v" not in sources:
        raise BuildError(f"{rtl}: no cores/{TLAST_CORE}.v; recompile with this bnn2hw")
    mems = tuple(sorted(p.name for p in rtl.glob("*.mem")))
    hw = build.meta.get("hardware", {})
    # the build's clock when it was compiled for this board's part, else the board's default
    clock = (
        float(hw["clock_mhz"])
        if isinstance(hw, dict) and hw.get("part") == board.part and "clock_mhz" in hw
        else board.clock_mhz
    )
    return DeployPlan(
        board=board,
        net=graph.name,
        top=top_module(graph),
        clock_mhz=clock,
        in_tdata=iface.in_tdata,
        out_tdata=iface.out_tdata,
        dma_in=dma_width(iface.in_tdata),
        dma_out=dma_width(iface.out_tdata),
        in_beats=iface.input.beats,
        out_beats=iface.output.beats,
        batch=batch,
        sources=tuple(s for s in sources if not s.endswith(f"/{TLAST_CORE}.v")),
        mems=mems,
        include_dirs=("cores",),
        ps=_ps_ports(board, clock),
        ip=ip,
        hls_top=hls_top,
        hls_sources=hls_sources,
    )


def deploy_files(build: Build, plan: DeployPlan) -> dict[str, str]:
    """The text of every file of the deployment folder (DeployPlan.folder) by name."""
    board = plan.board
    g = build.graph
    ctx = {"p": plan, "mhz": _mhz(plan.clock_mhz), "vivado_version": VIVADO_VERSION}
    ctx.update(
        dma_ip=DMA_IP,
        dma_length_bits=DMA_LENGTH_BITS,
        concat_ip=CONCAT_IP,
        hls_library=HLS_LIBRARY,
        reset_ip=RESET_IP,
        smartconnect_ip=SMARTCONNECT_IP,
        ip_vendor=IP_VENDOR,
        ip_library=IP_LIBRARY,
        ip_version=IP_VERSION,
        tlast_core=TLAST_CORE,
    )

    def hdr(what: str, comment: str) -> str:
        return header(g, what, comment)

    if board.ps is None:
        from bnn2hw.deploy.alveo import alveo_files

        return alveo_files(build, plan, ctx, hdr)
    ip_script = (
        {
            "hls_ip.tcl": render(
                "deploy/hls_ip.tcl.j2",
                hdr=hdr("Vitis HLS: synthesise the HLS project and export it as an IP", "#"),
                **ctx,
            )
        }
        if plan.ip == "hls"
        else {
            "package_ip.tcl": render(
                "deploy/package_ip.tcl.j2",
                hdr=hdr("Vivado: package the RTL as an IP", "#"),
                **ctx,
            )
        }
    )
    return {
        **ip_script,
        "block_design.tcl": render(
            "deploy/block_design.tcl.j2", hdr=hdr("Vivado: the block design", "#"), **ctx
        ),
        "build.tcl": render(
            "deploy/build.tcl.j2", hdr=hdr("Vivado: the whole flow to the bitstream", "#"), **ctx
        ),
        "build.sh": render("deploy/build.sh.j2", hdr=hdr("One-command build", "#"), **ctx),
        "README.md": render(
            "deploy/README_zynq.md.j2", hdr=hdr("Deployment steps (Zynq)", "md"), **ctx
        ),
        **driver_files(
            build,
            board=board.key,
            transport="pynq",
            bitfile="out/system.bit",
            dma="dma",
            in_bits=plan.dma_in,
            out_bits=plan.dma_out,
            packet_frames=plan.batch,
        ),
    }


def deploy_target(build: Build, plan: DeployPlan, *, force: bool = False) -> Path:
    """The deployment folder; BuildError when it exists and not ``force``."""
    out = build.path / "deploy" / plan.folder
    if out.exists() and not force:
        raise BuildError(f"{out}: already exists; pass --force to replace it")
    return out


def write_deploy(build: Build, plan: DeployPlan, *, force: bool = False) -> Path:
    """Write BUILD/deploy/<board key>/ (``ip="hls"``: <board key>-hls/) atomically (temporary
    folder, then rename); BuildError when it exists and not ``force``. Returns the folder."""
    out = deploy_target(build, plan, force=force)
    files = deploy_files(build, plan)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{plan.folder}.", dir=out.parent))
    try:
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text)
            if name.endswith((".sh", "infer.py")):
                os.chmod(tmp / name, 0o755)
        os.chmod(tmp, 0o755)
        swap_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
