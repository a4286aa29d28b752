"""The emitted HLS project as files: deterministic, self-consistent, sanitised, and with the
top-level interface defined in bnn2hw/hw/streams.py. No torch needed (onnx.helper models)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zoo
from onnx_builders import hostile_copy, label_model, save, tiny_mlp

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.hw.dataflow import lower
from bnn2hw.stimuli import random_inputs
from bnn2hw.verify import verify_graph


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "build" not in p.relative_to(root).parts[:2]
    }


def _finn_cnn(tmp: Path) -> Path:
    return zoo.finn_cnn(tmp, seed=3).path


def test_emission_is_deterministic(tmp_path: Path) -> None:
    model = _finn_cnn(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["compile", str(model), "-o", str(out)]) == 0
    ta, tb = _tree(a), _tree(b)
    assert ta.keys() == tb.keys()
    differ = [k for k in ta if ta[k] != tb[k]]
    assert not differ, f"files differ between two compiles: {differ}"
    hls = [k for k in ta if k.startswith("hls/")]
    print(f"\n{len(ta)} files ({len(hls)} in hls/) byte-identical across two compiles")
    for k in hls:
        if k.endswith((".cpp", ".hpp", ".tcl", "Makefile")) and "/include/" not in f"/{k}":
            text = ta[k].decode()
            assert "bnn2hw 0.1.0" in text.splitlines()[1] or "bnn2hw" in text[:300], k
            assert "sha256:" in text[:400], k


def _references(build: Path) -> tuple[list[str], list[str]]:
    tcl = (build / "hls" / "run_hls.tcl").read_text()
    tcl_files = re.findall(r"\$here/([^\s\"}]+)", tcl)
    mk = (build / "hls" / "Makefile").read_text()
    mk_files: list[str] = []
    for var in ("TOP_SRC", "TB_SRC"):
        mk_files += re.findall(rf"^{var} := (\S+)", mk, flags=re.M)
    block = re.search(r"^HEADERS := \\\n((?:\t.*\n)+)", mk, flags=re.M)
    assert block is not None
    mk_files += [ln.strip().rstrip("\\").strip() for ln in block.group(1).splitlines()]
    return tcl_files, mk_files


def test_scripts_refer_only_to_existing_files(tmp_path: Path) -> None:
    build = tmp_path / "b"
    assert main(["compile", str(_finn_cnn(tmp_path)), "-o", str(build)]) == 0
    hls = build / "hls"
    tcl_files, mk_files = _references(build)
    assert "tb/golden" in tcl_files  # csim/cosim argument
    missing = [f for f in tcl_files + mk_files if not (hls / f).exists()]
    assert not missing, missing
    # every generated or library source is known to both scripts
    sources = {str(p.relative_to(hls)) for p in hls.rglob("*.[ch]pp")}
    assert sources <= set(mk_files)
    assert {f for f in sources if not f.startswith("csim/")} <= set(tcl_files)
    assert not any(f.startswith("csim/") for f in tcl_files)  # Vitis uses its own hls::stream
    # every quoted include resolves inside the project (ap_int.h / hls_stream.h are the tools')
    for src in sources:
        for inc in re.findall(r'#include "([^"]+)"', (hls / src).read_text()):
            if inc in ("ap_int.h", "hls_stream.h"):
                continue
            roots = [hls, hls / "include", (hls / src).parent]
            assert any((r / inc).exists() for r in roots), f'{src}: #include "{inc}"'
    # the Tcl script is valid Tcl: run it under tclsh with the Vitis commands recorded
    if shutil.which("tclsh"):
        stub = tmp_path / "stub.tcl"
        stub.write_text(
            "set calls {}\n"
            "foreach c {open_project set_top add_files open_solution set_part create_clock "
            "csim_design csynth_design cosim_design export_design} {\n"
            '  proc $c args "lappend ::calls \\[list $c {*}\\$args\\]"\n}\n'
            "rename exit _exit\nproc exit args {}\n"
            f"source {hls / 'run_hls.tcl'}\n"
            "foreach c $calls { puts $c }\n"
        )
        out = subprocess.run(["tclsh", str(stub)], capture_output=True, text=True, check=True)
        calls = out.stdout.splitlines()
        assert any(c.startswith("csim_design") for c in calls)
        assert any(c.startswith("export_design -format ip_catalog") for c in calls)
        assert any(c.startswith("set_part xc7z020clg400-1") for c in calls)
        assert any(c.startswith("create_clock -period 10") for c in calls)


def test_top_interface_matches_stream_definitions(tmp_path: Path) -> None:
    build = tmp_path / "b"
    model = label_model(tmp_path, argmax=False, scale=0.5)
    assert main(["compile", str(model), "-o", str(build), "--topk", "2"]) == 0
    b = load_build(build)
    itf = lower(b.graph).interface
    hpp = (b.hls_dir / f"{b.graph.name}_top.hpp").read_text()
    consts = dict(re.findall(r"constexpr (?:unsigned|bool) (\w+) = (\w+);", hpp))
    assert consts["IN_TDATA"] == str(itf.in_tdata)
    assert consts["OUT_TDATA"] == str(itf.out_tdata)
    assert consts["IN_BEATS"] == str(itf.input.beats)
    assert consts["OUT_BEATS"] == str(itf.output.beats)
    assert consts["IN_ELEMS"] == str(itf.input.elems)
    assert consts["IN_BITS"] == str(itf.input.bits)
    assert consts["OUT_LABELS"] == "true" and itf.labels
    sig = re.search(
        rf"void {b.graph.name}_top\(hls::stream<ap_uint<(\d+)>>& in, "
        r"hls::stream<ap_uint<(\d+)>>& out\)",
        (b.hls_dir / f"{b.graph.name}_top.cpp").read_text(),
    )
    assert sig is not None
    assert (int(sig.group(1)), int(sig.group(2))) == (itf.in_tdata, itf.out_tdata)
    assert itf.in_tdata % 8 == 0 and itf.out_tdata % 8 == 0
    assert itf.output.elems == 2  # the two labels, one beat per frame


@pytest.mark.parametrize("kind", ["tiny_mlp", "finn_cnn"])
def test_hostile_names_compile_and_match(kind: str, tmp_path: Path) -> None:
    if kind == "tiny_mlp":
        src = save(tiny_mlp(), tmp_path / "tiny.onnx")
    else:
        src = _finn_cnn(tmp_path)
    model = hostile_copy(src, tmp_path)
    build = tmp_path / "b"
    assert main(["compile", str(model), "-o", str(build)]) == 0
    b = load_build(build)
    for p in b.hls_dir.rglob("*"):
        if p.is_file() and p.suffix in (".cpp", ".hpp", ".tcl", ".md", "") and p.name != "golden":
            text = p.read_text()
            assert text.isascii(), p
            for bad in ("*/ /*", "${y}", "`z`", "\\te"):
                assert bad not in text, (p, bad)
    x = random_inputs(b.graph, 40, seed=5)
    res = verify_graph(b.graph, b.model_path, x, ["golden", "onnx", "csim"], hls_dir=b.hls_dir)
    for e, cmp in res.comparisons.items():
        print(
            f"\nhostile {kind} golden vs {e}: {cmp.bits_compared:,} values, "
            f"{cmp.bit_mismatches} mismatches"
        )
    assert res.ok
    log = b.hls_dir / "build" / "compiler.log"
    assert not log.exists() or "warning" not in log.read_text()


@pytest.mark.parametrize(
    ("argmax", "scale", "topk"), [(True, -2.0, None), (False, 0.5, 3), (False, -0.5, 6)]
)
def test_label_select_in_hardware(
    argmax: bool, scale: float, topk: int | None, tmp_path: Path
) -> None:
    """ArgMax in the model or --topk: the hardware returns labels; csim equals golden."""
    model = label_model(tmp_path, argmax=argmax, scale=scale)
    build = tmp_path / "b"
    extra = ["--topk", str(topk)] if topk else []
    assert main(["compile", str(model), "-o", str(build), *extra]) == 0
    b = load_build(build)
    x = random_inputs(b.graph, 300, seed=2)
    engines = ["golden", "onnx", "csim"]
    res = verify_graph(b.graph, b.model_path, x, engines, hls_dir=b.hls_dir)
    cmp = res.comparisons["csim"]
    print(
        f"\nlabels (scale {scale:+g}, k={topk or 1}): {cmp.labels_agree}/{cmp.labels_compared}"
        f" frames agree, {cmp.bits_compared:,} values compared"
    )
    assert res.ok and cmp.labels_compared == 300 and cmp.output_is_labels
