"""Boards: one JSON data file per board in ``boards/`` (next to the package).

Each file gives the board's name, FPGA part, default clock (MHz), its processing system
(``"ps": "zynq7000"`` or ``"zynq_ultrascale_plus"``) or, for an Alveo card, the Vitis shell
(``"shell"``), and the device's resource totals (LUT, FF, BRAM36 tiles and RAMB18 blocks, DSP,
URAM). The totals are the official device totals of the part; the folding search uses LUT and
RAMB18 as its budget when ``--board`` is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bnn2hw.errors import BoardError
from bnn2hw.resources import resource_dir

__all__ = ["Board", "board_dir", "list_boards", "load_board"]

_PS_KINDS = ("zynq7000", "zynq_ultrascale_plus")


@dataclass(frozen=True)
class Board:
    """One board: part, default clock, processing system or Alveo shell, resource totals."""

    key: str  # the data file's stem, e.g. "pynq-z1"
    name: str  # e.g. "PYNQ-Z1"
    description: str
    part: str
    clock_mhz: float
    ps: str | None  # "zynq7000" | "zynq_ultrascale_plus" (None on an Alveo card)
    shell: str | None  # the Alveo platform (None on a Zynq board)
    lut: int
    ff: int
    bram36: int
    bram18: int
    dsp: int
    uram: int
    # glob of the Vivado board file's name ("*:pynq-z2:part0:*"): when Vivado has it installed,
    # the deployment applies its processing-system preset (DDR, MIO, clocks)
    board_part: str | None = None

    @property
    def platform(self) -> str:
        return self.ps if self.ps is not None else f"shell {self.shell}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key": self.key,
            "part": self.part,
            "clock_mhz": self.clock_mhz,
            "ps": self.ps,
            "shell": self.shell,
            "board_part": self.board_part,
            "lut": self.lut,
            "ff": self.ff,
            "bram36": self.bram36,
            "bram18": self.bram18,
            "dsp": self.dsp,
            "uram": self.uram,
        }


def board_dir() -> Path:
    return resource_dir("boards")


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _parse(path: Path) -> Board:
    try:
        d = json.loads(path.read_text())
        r = d["resources"]
        ps, shell = d.get("ps"), d.get("shell")
        if (ps is None) == (shell is None) or (ps is not None and ps not in _PS_KINDS):
            raise ValueError(f"needs exactly one of ps ({', '.join(_PS_KINDS)}) or shell")
        ints = {k: int(r[k]) for k in ("lut", "ff", "bram36", "dsp", "uram")}
        bram18 = int(r.get("bram18", 2 * ints["bram36"]))
        if min(ints.values()) < 0 or ints["lut"] <= 0 or bram18 != 2 * ints["bram36"]:
            raise ValueError("resource totals must be non-negative and bram18 = 2 x bram36")
        clock = float(d["clock_mhz"])
        if not clock > 0:
            raise ValueError("clock_mhz must be positive")
        return Board(
            key=path.stem,
            name=str(d["name"]),
            description=str(d.get("description", "")),
            part=str(d["part"]),
            clock_mhz=clock,
            ps=None if ps is None else str(ps),
            shell=None if shell is None else str(shell),
            board_part=None if d.get("board_part") is None else str(d["board_part"]),
            bram18=bram18,
            **ints,
        )
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise BoardError(f"{path}: not a valid board file ({type(e).__name__}: {e})") from None
    except ValueError as e:
        raise BoardError(f"{path}: not a valid board file ({e})") from None


def list_boards() -> list[Board]:
    """Every board in ``boards/``, in file-name order."""
    return [_parse(p) for p in sorted(board_dir().glob("*.json"))]


def load_board(name: str) -> Board:
    """The board called ``name`` (file stem or display name, case-insensitive; '-', '_' and
    spaces ignored); BoardError listing the known boards otherwise."""
    want = _norm(name)
    path = board_dir() / f"{name.lower()}.json"
    if path.is_file():
        return _parse(path)
    boards = list_boards()
    for b in boards:
        if want in (_norm(b.key), _norm(b.name)):
            return b
    known = ", ".join(b.key for b in boards)
    raise BoardError(f"unknown board '{name}' (known boards: {known})")
