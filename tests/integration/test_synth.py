"""Yosys synth_xilinx (pyosys) on the skid buffer and on small ROMs: sensible cell counts, ROM
attributes honoured (block RAM vs LUTs), and failures reported as one BuildError line."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bnn2hw.errors import BuildError
from bnn2hw.synth import SynthResult, synth_xilinx

RTL = Path(__file__).resolve().parents[2] / "rtl"

pytestmark = pytest.mark.rtl


def _show(what: str, r: SynthResult) -> None:
    print(f"\n{what}: {r.seconds:.1f} s\n  {r.summary()}\n  cells {r.cells}")


def _rom(tmp: Path, name: str, depth: int, width: int, style: str | None) -> Path:
    """A parameterised synchronous-read ROM reading name.mem (random words) with $readmemh."""
    attr = f'(* rom_style = "{style}" *) ' if style else ""
    src = tmp / f"{name}.v"
    src.write_text(
        f"""`default_nettype none
module {name} #(
    parameter integer DEPTH = 16,
    parameter integer WIDTH = 8,
    parameter integer AW = $clog2(DEPTH)
) (
    input  wire             clk,
    input  wire [AW-1:0]    addr,
    output reg  [WIDTH-1:0] data
);
    {attr}reg [WIDTH-1:0] mem [0:DEPTH-1];
    initial $readmemh("{name}.mem", mem);
    always @(posedge clk) data <= mem[addr];
endmodule
"""
    )
    rng = random.Random(f"{name}{depth}x{width}")
    digits = (width + 3) // 4
    (tmp / f"{name}.mem").write_text(
        "".join(f"{rng.getrandbits(width):0{digits}x}\n" for _ in range(depth))
    )
    return src


def test_skid_buffer(tmp_path: Path) -> None:
    r = synth_xilinx(
        [RTL / "b2h_axis_skid.v"], "b2h_axis_skid", params={"WIDTH": 32}, workdir=tmp_path
    )
    _show("b2h_axis_skid WIDTH=32", r)
    assert r.ffs >= 2 * 32  # output and skid data registers
    assert 0 < r.luts <= 2 * 32
    assert r.bram18 == r.bram36 == r.lutram == r.dsp == 0
    assert r.luts == sum(r.lut_by_size.values())
    assert (tmp_path / "yosys.log").is_file()
    assert list(r.modules) == ["b2h_axis_skid"]  # flattened: one module


def test_block_rom_maps_to_bram(tmp_path: Path) -> None:
    src = _rom(tmp_path, "rom_blk", 1024, 64, "block")
    r = synth_xilinx(
        [src],
        "rom_blk",
        params={"DEPTH": 1024, "WIDTH": 64},
        workdir=tmp_path / "synth",
        mem_dir=tmp_path,
    )
    _show("1024 x 64 ROM, rom_style=block", r)
    assert r.bram18 + r.bram36 >= 1
    assert r.bram18_equiv * 18 * 1024 >= 1024 * 64  # all 64 Kib in block RAM
    assert r.luts <= 8  # no ROM in LUTs


def test_distributed_rom_maps_to_luts(tmp_path: Path) -> None:
    src = _rom(tmp_path, "rom_lut", 16, 8, "distributed")
    r = synth_xilinx(
        [src],
        "rom_lut",
        params={"DEPTH": 16, "WIDTH": 8},
        workdir=tmp_path / "synth",
        mem_dir=tmp_path,
    )
    _show("16 x 8 ROM, rom_style=distributed", r)
    assert r.bram18 == r.bram36 == 0
    assert r.lutram == 0  # Yosys maps no ROM to LUTRAM: LUTs, as Vivado's distributed ROM
    assert r.luts > 0  # the contents were read: random words do not fold to constants
    assert r.ffs == 8  # the synchronous read register


def test_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.v"
    bad.write_text("module bad(input wire a, output wire b);\n  assign b = a +;\nendmodule\n")
    with pytest.raises(BuildError) as e:
        synth_xilinx([bad], "bad", workdir=tmp_path / "synth")
    msg = str(e.value)
    print(f"\n{msg}")
    assert "\n" not in msg
    assert msg.startswith("bad: ") and "ERROR" in msg and "syntax error" in msg
    assert str(tmp_path / "synth" / "yosys.log") in msg
    with pytest.raises(BuildError, match=r"b2h_axis_skid: .*NOPE"):
        synth_xilinx(
            [RTL / "b2h_axis_skid.v"],
            "b2h_axis_skid",
            params={"NOPE": 1},
            workdir=tmp_path / "param",
        )


@pytest.mark.parametrize(("depth", "bram"), [(1055, False), (1056, True)])
def test_rom_without_attribute_threshold(tmp_path: Path, depth: int, bram: bool) -> None:
    """No attribute: block RAM once floor(bits / 64) beats one RAMB18's cost (131): 8448 bits."""
    src = _rom(tmp_path, "rom_auto", depth, 8, None)
    r = synth_xilinx(
        [src],
        "rom_auto",
        params={"DEPTH": depth, "WIDTH": 8},
        workdir=tmp_path / "synth",
        mem_dir=tmp_path,
    )
    _show(f"{depth} x 8 ROM ({depth * 8} bits), no attribute", r)
    assert (r.bram18, r.bram36) == ((1, 0) if bram else (0, 0))
    assert (r.luts > 0) != bram
