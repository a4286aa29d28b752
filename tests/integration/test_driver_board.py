"""The deployment's driver folder run as on a PYNQ board: a separate Python process with only
the driver folder (its ``accel`` package and its copy of bnn2hw's numpy-only modules), numpy
and a stand-in ``pynq`` whose DMA answers each frame's input bytes with the bytes the
accelerator must send back (precomputed here from the golden model). The onnx/torch/jinja2/
cocotb packages are blocked and every bnn2hw module loaded must come from the driver folder."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest
from driver_host import run_driver

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.deploy.driver_pkg import BOARD_MODULES, PACKAGE, package_root
from bnn2hw.driver import Codec
from bnn2hw.driver.transport import dma_bits, to_bytes
from bnn2hw.golden import run_golden
from bnn2hw.hw.streams import pack_beats

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

FAKE_PYNQ = '''
"""Stand-in pynq: Overlay with one AXI DMA "dma" that maps each input frame's bytes to the
output bytes in table.npz (the golden accelerator); checks buffer widths and packet sizes."""
import numpy as np

_t = np.load(__file__.replace("pynq.py", "table.npz"))
IN_ROWS, OUT_ROWS = _t["in_rows"], _t["out_rows"]
IN_BEATS, OUT_BEATS, PACKET = (int(v) for v in _t["geometry"])
LOOKUP = {r.tobytes(): i for i, r in enumerate(IN_ROWS)}
CORRUPT = int(_t["corrupt"])
LOG = []


class Buffer(np.ndarray):
    def flush(self):
        LOG.append("flush")

    def invalidate(self):
        LOG.append("invalidate")

    def freebuffer(self):
        pass


def allocate(shape, dtype):
    return np.zeros(shape, dtype=dtype).view(Buffer)


class _Send:
    def __init__(self, dma):
        self.dma = dma

    def transfer(self, buf):
        rows = np.asarray(buf)
        assert rows.dtype == np.uint8 and rows.shape[1] == IN_ROWS.shape[1] // IN_BEATS
        frames = rows.reshape(-1, IN_ROWS.shape[1])
        out = [OUT_ROWS[LOOKUP[f.tobytes()]].copy() for f in frames]
        if CORRUPT and self.dma.frames == 0:
            out[0][0] ^= 1
        self.dma.frames += len(frames)
        self.dma.pending = np.concatenate(out).reshape(-1, OUT_ROWS.shape[1] // OUT_BEATS)
        LOG.append(("mm2s", rows.shape[0]))

    def wait(self):
        pass


class _Recv:
    def __init__(self, dma):
        self.dma = dma

    def transfer(self, buf):
        k = buf.shape[0]
        assert k == PACKET * OUT_BEATS, (k, PACKET, OUT_BEATS)
        buf[:] = self.dma.pending[:k]
        self.dma.pending = self.dma.pending[k:]
        LOG.append(("s2mm", k))

    def wait(self):
        pass


class _Dma:
    def __init__(self):
        self.frames = 0
        self.pending = None
        self.sendchannel, self.recvchannel = _Send(self), _Recv(self)


class Overlay:
    def __init__(self, path):
        assert path.endswith(".bit"), path
        self.ip_dict = {"dma": {}, "accel": {}}
        self.dma = _Dma()
'''


def _deploy(tmp: Path, name: str, batch: int) -> tuple[Path, Path]:
    out = tmp / name
    assert main(["compile", str(EXAMPLES / name / f"{name}.onnx"), "-o", str(out)]) == 0
    assert main(["deploy", str(out), "--board", "pynq-z1", "--batch", str(batch)]) == 0
    return out, out / "deploy" / "pynq-z1" / "driver"


@pytest.mark.parametrize(
    ("name", "packet", "corrupt"),
    [("digits_mlp", 4, False), ("digits_cnn", 1, False), ("digits_mlp", 1, True)],
)
def test_driver_folder_on_a_board(name: str, packet: int, corrupt: bool, tmp_path: Path) -> None:
    out, driver = _deploy(tmp_path, name, packet)
    graph = load_build(out).graph
    codec = Codec.from_graph(graph)
    itf = codec.interface
    x = np.load(EXAMPLES / name / "test_set.npz")["inputs"][:50]
    golden = run_golden(graph, x)
    # the bytes the DMA moves for each frame, at the deployment's stream widths
    ib, ob = dma_bits(itf.in_tdata), dma_bits(itf.out_tdata)
    in_rows = to_bytes(codec.encode(codec.quantize(x)), ib).reshape(len(x), -1)
    out_rows = to_bytes(pack_beats(golden.acc.reshape(len(x), -1), itf.output), ob)
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "pynq.py").write_text(FAKE_PYNQ)
    np.savez(
        fake / "table.npz",
        in_rows=in_rows,
        out_rows=out_rows.reshape(len(x), -1),
        geometry=np.array([itf.input.beats, itf.output.beats, packet]),
        corrupt=np.array(int(corrupt)),
    )
    np.save(tmp_path / "x.npy", x)
    dep = json.loads((driver / PACKAGE / "deployment.json").read_text())
    assert (dep["in_bits"], dep["out_bits"], dep["packet_frames"]) == (ib, ob, packet)
    (tmp_path / "out").mkdir()
    (driver.parent / "out").mkdir()
    (driver.parent / "out" / "system.bit").touch()
    args = [str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "--batch", "8", "--check"]
    r = run_driver(driver, args, fake, "pynq", cwd=tmp_path / "out")
    assert (r.modules, r.outside) == (len(BOARD_MODULES), []), r.stderr
    lines = r.lines
    compared = len(x) * itf.output.frame_elems
    if corrupt:
        assert r.returncode == 1, r.stderr
        assert f"50 frames: {compared} values compared with the golden model, 1 mismatches" in lines
        return
    assert r.returncode == 0, r.stderr
    assert f"50 frames: {compared} values compared with the golden model, 0 mismatches" in lines
    y = np.load(tmp_path / "y.npy")
    assert y.shape == golden.output.shape and np.array_equal(y, golden.output)
    # batches of 8 frames (the last 2, padded to whole packets): one MM2S transfer per call,
    # one S2MM transfer per packet
    dma = [e for e in r.log if isinstance(e, tuple)]
    last = 2 + (-2 % packet)
    mm2s = [k for op, k in dma if op == "mm2s"]
    s2mm = [k for op, k in dma if op == "s2mm"]
    assert mm2s == [8 * itf.input.beats] * 6 + [last * itf.input.beats]
    assert s2mm == [packet * itf.output.beats] * ((48 + last) // packet)


def test_driver_folder_is_the_library_code(tmp_path: Path) -> None:
    """Every module in driver/bnn2hw/ is the installed bnn2hw module byte for byte below its
    header, parses as Python 3.10 (PYNQ 3.0's Python), and the package parses too."""
    _, driver = _deploy(tmp_path, "digits_mlp", 1)
    root = package_root()
    files = sorted(p.relative_to(driver).as_posix() for p in driver.rglob("*") if p.is_file())
    assert files == sorted(
        [f"bnn2hw/{m}" for m in BOARD_MODULES]
        + [f"{PACKAGE}/__init__.py", f"{PACKAGE}/bnn2hw.json", f"{PACKAGE}/deployment.json"]
        + ["infer.py"]
    )
    for m in BOARD_MODULES:
        text = (driver / "bnn2hw" / m).read_text()
        head, _, body = text.partition("\n# bnn2hw/")
        assert head.startswith("# SPDX") and "Generated by bnn2hw" in head
        body = body.split("\n", 1)[1]
        assert body == (root / m).read_text(), m
    for p in driver.rglob("*.py"):
        ast.parse(p.read_text(), filename=str(p), feature_version=(3, 10))
