"""The build report: report.md reads as aligned plain text, report.html embeds valid SVG plots
(parsed as XML, one bar per layer), board utilisation and verification appear when recorded,
and both files are byte-identical when written twice."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from onnx_builders import save, tiny_mlp

from bnn2hw.cli import main
from bnn2hw.report import collect, record_verification, write_report
from bnn2hw.report.svg import Series, bar_chart, hbar_chart

SVG_NS = "{http://www.w3.org/2000/svg}"


class _Svgs(HTMLParser):
    """Cuts the inline <svg> elements out of an HTML page, checks tags balance."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.feed(text)
        self.svgs = re.findall(r"<svg .*?</svg>", text, flags=re.S)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("meta", "br", "img", "line", "rect", "path", "link"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("line", "rect", "path"):
            return
        assert self.stack and self.stack[-1] == tag, (self.stack[-3:], tag)
        self.stack.pop()


def _build(tmp_path: Path) -> Path:
    model = save(tiny_mlp(), tmp_path / "m.onnx")
    build = tmp_path / "b"
    assert main(["compile", str(model), "-o", str(build)]) == 0
    return build


def _enrich(build: Path) -> None:
    """Add estimates, synthesis results, a board and a folding note to bnn2hw.json, as the
    estimate command and the folding search record them."""
    path = build / "bnn2hw.json"
    meta = json.loads(path.read_text())
    names = [r["name"] for r in meta["layers"]]
    meta["estimates"] = {
        "layers": {n: {"lut": 100 * (i + 1), "ff": 50, "bram18": i} for i, n in enumerate(names)},
        "total": {"lut": 1000, "ff": 500, "bram18": 3},
    }
    meta["synthesis"] = {
        "layers": {n: {"lut": 90 * (i + 1), "ff": 40, "bram18": i} for i, n in enumerate(names)},
        "total": {"lut": 1100, "ff": 450, "bram18": 2, "bram36": 1},
    }
    meta["board"] = {"name": "PYNQ-Z1", "lut": 53200, "ff": 106400, "bram18": 280}
    meta["folding_search"] = {"explanation": "target met by every layer", "target_cycles": 40}
    path.write_text(json.dumps(meta))


def test_svg_charts_are_valid_xml() -> None:
    svg = bar_chart(
        "t <&>",
        ["a", "b", "c"],
        [Series("x", [1, None, 3]), Series("y", [2, 2, 0])],
        unit="cycles",
        line=("target", 2.5),
        highlight=2,
    )
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    bars = [r for r in root.iter(SVG_NS + "rect") if r.find(SVG_NS + "title") is not None]
    assert len(bars) == 5  # one value missing
    h = ET.fromstring(hbar_chart("u", [("LUT", 120.0, "too big"), ("FF", 10.0, "")]))
    reds = [r for r in h.iter(SVG_NS + "rect") if r.get("fill") == "#e15759"]
    assert len(reds) == 1  # the bar over 100%


def test_report_files(tmp_path: Path) -> None:
    build = _build(tmp_path)
    md, page = write_report(build)
    text = md.read_text()
    layers = [r["name"] for r in json.loads((build / "bnn2hw.json").read_text())["layers"]]
    for name in layers:
        assert re.search(rf"^\| {name}( \*)? ", text, flags=re.M), name
    table = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len({len(ln) for ln in table}) == 1  # aligned columns: reads well in a terminal
    assert "<" not in text

    _enrich(build)
    record_verification(
        build,
        [
            {
                "engines": "golden vs rtl",
                "frames": 10,
                "compared": 40,
                "mismatches": 0,
                "ok": True,
                "inputs": "10 random frames",
            },
        ],
    )
    md, page = write_report(build)
    text = md.read_text()
    assert "## Board utilisation (PYNQ-Z1)" in text and "## Verification" in text
    assert "golden vs rtl" in text and "PASS" in text
    assert "target met by every layer" in text
    data = collect(build)
    assert data.total_synth is not None and data.total_synth.bram18 == 4  # RAMB36 = 2 x 18
    page_text = page.read_text()
    parsed = _Svgs(page_text)
    assert not parsed.stack  # every element closed
    assert len(parsed.svgs) == 4  # cycles, LUTs, block RAM, board utilisation
    for svg in parsed.svgs:
        root = ET.fromstring(svg)
        assert root.tag == SVG_NS + "svg" and int(root.get("width", "0")) > 0
    cycles_svg = ET.fromstring(parsed.svgs[0])
    bars = [r for r in cycles_svg.iter(SVG_NS + "rect") if r.find(SVG_NS + "title") is not None]
    assert len(bars) == len(layers)
    again_md, again_html = md.read_bytes(), page.read_bytes()
    write_report(build)
    assert md.read_bytes() == again_md and page.read_bytes() == again_html


def test_report_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """compile writes the report; verify records its result in it; estimate adds estimates;
    `bnn2hw report` prints the markdown; a --board build shows the board's utilisation."""
    model = save(tiny_mlp(), tmp_path / "m.onnx")
    build = tmp_path / "b"
    assert main(["compile", str(model), "-o", str(build), "--target-fps", "1e6"]) == 0
    assert (build / "report.md").exists() and (build / "report.html").exists()
    assert main(["verify", str(build), "--random", "20", "--engines", "golden,onnx"]) == 0
    assert main(["estimate", str(build)]) == 0
    capsys.readouterr()
    assert main(["report", str(build)]) == 0
    out = capsys.readouterr().out
    assert "golden vs onnx" in out and "PASS" in out and "LUT est" in out
    assert "## Folding" in out  # the search's explanation
    assert "verified against golden" in out
    hidden = [ln for ln in out.splitlines() if ln.startswith("| l00_")]
    assert hidden and "onnx ok" in hidden[0]  # per layer: which engines matched it
    rows = json.loads((build / "verify.json").read_text())["results"]
    assert [r["engines"] for r in rows] == ["golden vs onnx"] and rows[0]["frames"] == 20

    board = tmp_path / "z"
    assert main(["compile", str(model), "-o", str(board), "--board", "pynq-z1"]) == 0
    text = (board / "report.md").read_text()
    assert "## Board utilisation (PYNQ-Z1)" in text and "xc7z020clg400-1" in text
    assert len(_Svgs((board / "report.html").read_text()).svgs) == 4
