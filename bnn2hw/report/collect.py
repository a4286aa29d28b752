"""Gather what the report shows from a build folder: bnn2hw.json (layers, folding, hardware,
estimates and synthesis results when ``bnn2hw estimate`` recorded them) and verify.json (the
latest ``bnn2hw verify`` result of each engine), then write report.md and report.html."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bnn2hw.atomic import write_text_atomic
from bnn2hw.errors import BuildError
from bnn2hw.report.render import (
    BoardUse,
    LayerRow,
    ReportData,
    Resources,
    VerifyRow,
    html,
    markdown,
)

__all__ = ["VERIFY_FILE", "collect", "record_verification", "write_report"]

VERIFY_FILE = "verify.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise BuildError(f"{path}: not found; is {path.parent} a bnn2hw build folder?") from None
    except (OSError, ValueError) as e:
        raise BuildError(f"{path}: unreadable ({type(e).__name__})") from None
    if not isinstance(data, dict):
        raise BuildError(f"{path}: expected a JSON object")
    return data


def _resources(d: object) -> Resources | None:
    """{"lut", "ff", "bram18"[, "bram36", "lutram"]} -> Resources: LUTs counting those used as
    distributed RAM (as a device's LUT total does), a RAMB36 as two RAMB18."""
    if not isinstance(d, dict) or "lut" not in d:
        return None
    bram18 = int(d.get("bram18", 0)) + 2 * int(d.get("bram36", 0))
    lut = int(d["lut"]) + int(d.get("lutram", 0))
    return Resources(lut=lut, ff=int(d.get("ff", 0)), bram18=bram18)


def _verification(
    build: Path,
) -> tuple[list[VerifyRow], dict[str, list[tuple[str, int, int]]]]:
    """The rows of verify.json, and per layer (engine, values compared, mismatches)."""
    rows: list[VerifyRow] = []
    per_layer: dict[str, list[tuple[str, int, int]]] = {}
    vpath = build / VERIFY_FILE
    if not vpath.exists():
        return rows, per_layer
    for v in _read_json(vpath).get("results", []):
        rows.append(
            VerifyRow(
                engines=str(v["engines"]),
                frames=int(v["frames"]),
                compared=int(v["compared"]),
                mismatches=int(v["mismatches"]),
                ok=bool(v["ok"]),
                inputs=str(v.get("inputs", "")),
            )
        )
        engine = str(v["engines"]).removeprefix("golden vs ")
        for layer, c in sorted(v.get("layers", {}).items()):
            per_layer.setdefault(layer, []).append(
                (engine, int(c["compared"]), int(c["mismatches"]))
            )
    return rows, per_layer


def collect(build: Path) -> ReportData:
    """The report's content from a build folder."""
    meta = _read_json(build / "bnn2hw.json")
    hw = meta.get("hardware", {})
    estimates = meta.get("estimates", {})
    synth = meta.get("synthesis", {})
    est_layers = estimates.get("layers", {}) if isinstance(estimates, dict) else {}
    syn_layers = synth.get("layers", {}) if isinstance(synth, dict) else {}
    verification, per_layer = _verification(build)
    layers = []
    for r in meta.get("layers", []):
        layers.append(
            LayerRow(
                name=r["name"],
                kind=r["kind"],
                in_shape=tuple(r["in_shape"]),
                out_shape=tuple(r["out_shape"]),
                pe=r.get("pe"),
                simd=r.get("simd"),
                cycles=r.get("cycles"),
                estimate=_resources(est_layers.get(r["name"])),
                synth=_resources(syn_layers.get(r["name"])),
                verified=tuple(per_layer.get(r["name"], ())),
            )
        )
    board = None
    b = meta.get("board")
    if isinstance(b, dict) and "name" in b:
        board = BoardUse(
            name=str(b["name"]),
            lut=int(b["lut"]),
            ff=int(b["ff"]),
            bram18=int(b.get("bram18", 2 * int(b.get("bram36", 0)))),
        )
    search = meta.get("folding_search", {})
    src = meta.get("source", {})
    return ReportData(
        title=f"bnn2hw build report: {Path(str(src.get('file', build.name))).name}",
        header=str(meta.get("generated_by", "")).split(" -- ")[0],
        part=str(hw.get("part", "")),
        clock_mhz=float(hw.get("clock_mhz", 100.0)),
        layers=layers,
        total_estimate=_resources(estimates.get("total") if isinstance(estimates, dict) else None),
        total_synth=_resources(synth.get("total") if isinstance(synth, dict) else None),
        board=board,
        folding_note=str(search.get("explanation", "")) if isinstance(search, dict) else "",
        target_cycles=search.get("target_cycles") if isinstance(search, dict) else None,
        verification=tuple(verification),
    )


def write_report(build: Path) -> tuple[Path, Path]:
    """Write BUILD/report.md and BUILD/report.html (atomically); returns their paths."""
    data = collect(build)
    md, page = build / REPORT_MD, build / REPORT_HTML
    write_text_atomic(md, markdown(data))
    write_text_atomic(page, html(data))
    return md, page


def record_verification(build: Path, rows: list[dict[str, Any]]) -> Path:
    """Merge the latest verification rows (one per engine pair) into BUILD/verify.json."""
    path = build / VERIFY_FILE
    old = _read_json(path).get("results", []) if path.exists() else []
    keep = {r["engines"]: r for r in old}
    for r in rows:
        keep[r["engines"]] = r
    text = json.dumps({"results": [keep[k] for k in sorted(keep)]}, indent=1) + "\n"
    write_text_atomic(path, text)
    return path
