"""Render the build report: BUILD/report.md (reads well in a terminal) and BUILD/report.html
(the same tables plus inline SVG plots: cycles per layer, resources per layer, board
utilisation). Both are deterministic: the same build gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from bnn2hw.report.svg import Series, bar_chart, hbar_chart

__all__ = ["BoardUse", "LayerRow", "ReportData", "Resources", "VerifyRow", "html", "markdown"]


@dataclass(frozen=True)
class Resources:
    lut: int
    ff: int
    bram18: int  # in RAMB18 units (a RAMB36 counts 2)

    @property
    def bram36_tiles(self) -> float:
        return self.bram18 / 2


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    pe: int | None
    simd: int | None
    cycles: int | None
    estimate: Resources | None = None
    synth: Resources | None = None
    verified: tuple[tuple[str, int, int], ...] = ()  # (engine, compared, mismatches)


@dataclass(frozen=True)
class VerifyRow:
    engines: str  # "golden vs rtl"
    frames: int
    compared: int
    mismatches: int
    ok: bool
    inputs: str = ""


@dataclass(frozen=True)
class BoardUse:
    name: str
    lut: int
    ff: int
    bram18: int


@dataclass(frozen=True)
class ReportData:
    title: str
    header: str  # "bnn2hw 0.1.0 from model.onnx (sha256:...)"
    part: str
    clock_mhz: float
    layers: Sequence[LayerRow]
    total_estimate: Resources | None = None
    total_synth: Resources | None = None
    board: BoardUse | None = None
    folding_note: str = ""
    target_cycles: int | None = None
    verification: Sequence[VerifyRow] = field(default_factory=tuple)

    @property
    def bottleneck(self) -> LayerRow | None:
        timed = [la for la in self.layers if la.cycles is not None]
        return max(timed, key=lambda la: la.cycles or 0) if timed else None

    @property
    def frames_per_s(self) -> float | None:
        b = self.bottleneck
        return None if b is None or not b.cycles else self.clock_mhz * 1e6 / b.cycles


def _shape(s: Sequence[int]) -> str:
    return "x".join(str(d) for d in s)


def _num(v: int | float | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.1f}"
    return f"{int(v):,}"


def _ratio(a: int | None, b: int | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}"


def _layer_table(d: ReportData) -> tuple[list[str], list[list[str]]]:
    head = ["layer", "kind", "in", "out", "PE", "SIMD", "cycles", "share"]
    has_est = any(la.estimate for la in d.layers)
    has_syn = any(la.synth for la in d.layers)
    if has_est:
        head += ["LUT est", "FF est", "BRAM18 est"]
    if has_syn:
        head += ["LUT synth", "FF synth", "BRAM18 synth", "LUT est/synth"]
    has_ver = any(la.verified for la in d.layers)
    if has_ver:
        head.append("verified against golden")
    b = d.bottleneck
    rows = []
    for la in d.layers:
        share = f"{la.cycles / b.cycles:.0%}" if b and b.cycles and la.cycles is not None else "-"
        mark = " *" if b is not None and la.name == b.name else ""
        r = [
            la.name + mark,
            la.kind,
            _shape(la.in_shape),
            _shape(la.out_shape),
            _num(la.pe),
            _num(la.simd),
            _num(la.cycles),
            share,
        ]
        if has_est:
            e = la.estimate
            r += [_num(e.lut), _num(e.ff), _num(e.bram18)] if e else ["-"] * 3
        if has_syn:
            s = la.synth
            r += [_num(s.lut), _num(s.ff), _num(s.bram18)] if s else ["-"] * 3
            r.append(_ratio(la.estimate.lut if la.estimate else None, s.lut if s else None))
        if has_ver:
            r.append(_verified(la))
        rows.append(r)
    return head, rows


def _verified(la: LayerRow) -> str:
    """'onnx, csim ok' or 'rtl: 3 of 40 differ' per engine that compared this layer."""
    if not la.verified:
        return "-"
    ok = [e for e, _, bad in la.verified if bad == 0]
    parts = [", ".join(ok) + " ok"] if ok else []
    parts += [f"{e}: {bad:,} of {n:,} differ" for e, n, bad in la.verified if bad]
    return "; ".join(parts)


def _summary_lines(d: ReportData) -> list[str]:
    lines = [f"target part {d.part} at {d.clock_mhz:g} MHz"]
    b = d.bottleneck
    if b is not None and d.frames_per_s is not None:
        lines.append(
            f"bottleneck {b.name}: {b.cycles:,} cycles per frame -> "
            f"{d.frames_per_s:,.0f} frames/s at {d.clock_mhz:g} MHz"
        )
    if d.target_cycles is not None:
        lines.append(f"target: at most {d.target_cycles:,} cycles per frame")
    for what, r in (("estimated", d.total_estimate), ("Yosys synth_xilinx", d.total_synth)):
        if r is not None:
            lines.append(
                f"{what}: {r.lut:,} LUT, {r.ff:,} FF, {r.bram18:,} RAMB18 "
                f"({r.bram36_tiles:g} BRAM36 tiles)"
            )
    return lines


def _board_rows(d: ReportData) -> list[tuple[str, float, str]]:
    if d.board is None:
        return []
    use = d.total_synth or d.total_estimate
    if use is None:
        return []
    b = d.board
    return [
        ("LUT", 100 * use.lut / b.lut, f"{use.lut:,} / {b.lut:,}"),
        ("FF", 100 * use.ff / b.ff, f"{use.ff:,} / {b.ff:,}"),
        ("BRAM18", 100 * use.bram18 / b.bram18, f"{use.bram18:,} / {b.bram18:,}"),
    ]


def _verify_table(d: ReportData) -> tuple[list[str], list[list[str]]]:
    head = ["engines", "inputs", "frames", "values compared", "mismatches", "result"]
    rows = [
        [
            v.engines,
            v.inputs,
            _num(v.frames),
            _num(v.compared),
            _num(v.mismatches),
            "PASS" if v.ok else "FAIL",
        ]
        for v in d.verification
    ]
    return head, rows


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    """A pipe table padded to column width, so it also reads well as plain text."""
    cols = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, cols, strict=True)) + " |"

    return [line(head), "|" + "|".join("-" * (w + 2) for w in cols) + "|"] + [line(r) for r in rows]


def markdown(d: ReportData) -> str:
    out = [f"# {d.title}", "", d.header, ""]
    out += [f"- {s}" for s in _summary_lines(d)]
    if d.folding_note:
        out += ["", "## Folding", "", d.folding_note]
    out += ["", "## Layers", "", "`*` marks the bottleneck; share = cycles / bottleneck.", ""]
    out += _md_table(*_layer_table(d))
    rows = _board_rows(d)
    if rows:
        out += ["", f"## Board utilisation ({d.board.name if d.board else ''})", ""]
        out += _md_table(
            ["resource", "used / available", "percent"],
            [[n, note, f"{v:.1f}%"] for n, v, note in rows],
        )
    if d.verification:
        out += ["", "## Verification", ""]
        out += _md_table(*_verify_table(d))
    return "\n".join(out) + "\n"


def charts(d: ReportData) -> list[str]:
    """The report's SVG plots."""
    names = [la.name for la in d.layers]
    b = d.bottleneck
    svgs = [
        bar_chart(
            "Cycles per frame per layer (pipeline balance)",
            names,
            [Series("cycles", [la.cycles for la in d.layers])],
            unit="cycles / frame",
            line=("target", float(d.target_cycles)) if d.target_cycles else None,
            highlight=names.index(b.name) if b is not None else None,
        )
    ]
    lut: list[Series] = []
    bram: list[Series] = []
    if any(la.estimate for la in d.layers):
        lut.append(
            Series("estimate", [la.estimate.lut if la.estimate else None for la in d.layers])
        )
        bram.append(
            Series("estimate", [la.estimate.bram18 if la.estimate else None for la in d.layers])
        )
    if any(la.synth for la in d.layers):
        lut.append(Series("Yosys", [la.synth.lut if la.synth else None for la in d.layers]))
        bram.append(Series("Yosys", [la.synth.bram18 if la.synth else None for la in d.layers]))
    if lut:
        svgs.append(bar_chart("LUTs per layer", names, lut, unit="LUT"))
        svgs.append(bar_chart("Block RAM per layer", names, bram, unit="RAMB18"))
    rows = _board_rows(d)
    if rows and d.board is not None:
        svgs.append(hbar_chart(f"Utilisation of {d.board.name}", rows))
    return svgs


_CSS = (
    "body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222}"
    "table{border-collapse:collapse;margin:8px 0}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}"
    "td:first-child,th:first-child{text-align:left}"
    "tr.bottleneck td{background:#fff3cd}"
)


def _html_table(head: list[str], rows: list[list[str]], mark: str | None = None) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for r in rows:
        cls = " class='bottleneck'" if mark is not None and r[0].startswith(mark + " *") else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def html(d: ReportData) -> str:
    b = d.bottleneck
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(d.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(d.title)}</h1>",
        f"<p>{escape(d.header)}</p>",
        "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in _summary_lines(d)) + "</ul>",
    ]
    if d.folding_note:
        parts += ["<h2>Folding</h2>", f"<p>{escape(d.folding_note)}</p>"]
    parts += ["<h2>Layers</h2>", _html_table(*_layer_table(d), mark=b.name if b else None)]
    parts += ["<h2>Plots</h2>"]
    parts += [f"<figure>{svg}</figure>" for svg in charts(d)]
    if d.verification:
        parts += ["<h2>Verification</h2>", _html_table(*_verify_table(d))]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
