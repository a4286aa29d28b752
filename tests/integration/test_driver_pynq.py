"""PynqTransport's buffer and shape logic against a fake ``pynq`` module (no board, no tools):
a fake DMA whose transfer copies the input buffer through the golden model's output encoding,
so Accelerator.infer over it must equal golden."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.driver import Accelerator, Codec, PynqTransport
from bnn2hw.driver.transport import dma_bits, from_bytes, to_bytes
from bnn2hw.golden import run_golden
from bnn2hw.hw.streams import pack_beats, unpack_beats

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class FakeBuffer(np.ndarray):
    flushed = 0
    invalidated = 0

    def flush(self) -> None:
        FakeBuffer.flushed += 1

    def invalidate(self) -> None:
        FakeBuffer.invalidated += 1

    def freebuffer(self) -> None:
        pass


class FakeSend:
    def __init__(self, dma: FakeDma) -> None:
        self.dma = dma

    def transfer(self, buf: Any) -> None:
        self.dma.accept(buf)

    def wait(self) -> None:
        pass


class FakeRecv:
    def __init__(self, dma: FakeDma) -> None:
        self.dma = dma

    def transfer(self, buf: Any) -> None:
        self.dma.deliver(buf)

    def wait(self) -> None:
        pass


class FakeDma:
    """The accelerator as golden computes it behind the DMA: MM2S takes the input bytes at the
    DMA width (the accelerator sees their low TDATA bits), S2MM hands out one packet of
    ``packet_frames`` frames per transfer (zero-extended to the DMA width)."""

    def __init__(self, codec: Codec) -> None:
        self.codec = codec
        self.sendchannel = FakeSend(self)
        self.recvchannel = FakeRecv(self)
        self.pending = np.zeros((0, 0), dtype=np.uint8)
        self.sends: list[int] = []
        self.recvs: list[int] = []

    def accept(self, src: Any) -> None:
        itf = self.codec.interface
        in_bits, out_bits = src.shape[1] * 8, dma_bits(itf.out_tdata)
        assert src.dtype == np.uint8 and in_bits == dma_bits(itf.in_tdata)
        beats = from_bytes(np.asarray(src), in_bits)
        q = unpack_beats(beats, itf.input).reshape(-1, *self.codec.graph.input.out_shape)
        self.pending = to_bytes(pack_beats(run_golden_q(self.codec, q), itf.output), out_bits)
        self.sends.append(src.shape[0])

    def deliver(self, dst: Any) -> None:
        k = dst.shape[0]
        assert dst.shape[1] == self.pending.shape[1] and k <= self.pending.shape[0]
        dst[:] = self.pending[:k]
        self.pending = self.pending[k:]
        self.recvs.append(k)


FRAMES_X: dict[int, np.ndarray] = {}


def run_golden_q(codec: Codec, q: np.ndarray) -> np.ndarray:
    """Golden accumulators of the frames whose quantized inputs are q (looked up by content)."""
    x = FRAMES_X[0]
    qa = codec.quantize(x).reshape(x.shape[0], -1)
    rows = [int(np.flatnonzero((qa == r.reshape(-1)).all(axis=1))[0]) for r in q]
    return run_golden(codec.graph, x[rows]).acc.reshape(len(rows), -1)


def fake_pynq(codec: Codec) -> tuple[types.ModuleType, list[FakeDma]]:
    mod = types.ModuleType("pynq")
    made: list[FakeDma] = []

    class Overlay:
        def __init__(self, path: str) -> None:
            self.path = path
            self.ip_dict: dict[str, dict[str, Any]] = {"axi_dma_0": {}, "bnn_0": {}}
            self.axi_dma_0 = FakeDma(codec)
            made.append(self.axi_dma_0)

    def allocate(shape: tuple[int, ...], dtype: Any) -> FakeBuffer:
        return np.zeros(shape, dtype=dtype).view(FakeBuffer)

    mod.Overlay = Overlay  # type: ignore[attr-defined]
    mod.allocate = allocate  # type: ignore[attr-defined]
    return mod, made


def test_bytes_roundtrip() -> None:
    beats = np.array([0, 1, (1 << 70) - 1, 0x1234], dtype=object)
    b = to_bytes(beats, 72)
    assert b.shape == (4, 9) and b.dtype == np.uint8 and b[3, 0] == 0x34 and b[3, 1] == 0x12
    assert list(from_bytes(b, 72)) == list(beats)


def test_dma_bits() -> None:
    assert [dma_bits(b) for b in (8, 16, 24, 72, 512)] == [8, 16, 32, 128, 512]


@pytest.mark.parametrize("packet", [1, 4])
@pytest.mark.parametrize("name", ["digits_mlp", "digits_cnn"])
def test_pynq_transport_fake(
    name: str, packet: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / name
    assert main(["compile", str(EXAMPLES / name / f"{name}.onnx"), "-o", str(out)]) == 0
    build = load_build(out)
    codec = Codec.from_graph(build.graph)
    x = np.load(EXAMPLES / name / "test_set.npz")["inputs"][:21]
    FRAMES_X[0] = x
    mod, made = fake_pynq(codec)
    monkeypatch.setitem(sys.modules, "pynq", mod)
    acc = Accelerator(out, bitfile=tmp_path / "bnn.bit", batch=8, packet_frames=packet)
    t = acc.transport
    assert isinstance(t, PynqTransport)
    itf = codec.interface
    ib, ob = dma_bits(itf.in_tdata) // 8, dma_bits(itf.out_tdata) // 8
    assert t.inbuf.shape == (8 * itf.input.beats, ib)
    assert t.outbuf.shape == (8 * itf.output.beats, ob)
    y = acc.infer(x)
    np.testing.assert_array_equal(y, run_golden(build.graph, x).output)
    # three calls: 8, 8 and the last 5 frames (padded to whole packets), one MM2S transfer
    # each and one S2MM transfer per packet
    last = 5 + (-5 % packet)
    assert made[0].sends == [k * itf.input.beats for k in (8, 8, last)]
    assert made[0].recvs == [packet * itf.output.beats] * ((16 + last) // packet)
    with pytest.raises(ValueError, match="more than the DMA's 67,108,863"):
        PynqTransport(tmp_path / "bnn.bit", codec, (1 << 26) // itf.input.beats)
    with pytest.raises(ValueError, match="buffers hold 8"):
        t.run(codec.encode(codec.quantize(x[:9])), 9)
    t.close()


BOARD_SIDE = """
import sys
for m in ("onnx", "onnxruntime", "torch", "brevitas", "qonnx", "jinja2", "cocotb", "cocotb_tools"):
    sys.modules[m] = None  # not installed on the board
import numpy as np
from bnn2hw.driver import Accelerator, Codec
codec = Codec.from_json(sys.argv[1])
x = np.load(sys.argv[2])
beats = codec.encode(codec.quantize(x))
print(len(beats), codec.interface.input.beats, codec.interface.output.beats)
"""


def test_board_side_imports_no_compiler(tmp_path: Path) -> None:
    """What runs on the board (Codec from bnn2hw.json, quantise, pack) imports no onnx, torch,
    jinja2 or cocotb."""
    import subprocess

    out = tmp_path / "b"
    assert main(["compile", str(EXAMPLES / "digits_mlp" / "digits_mlp.onnx"), "-o", str(out)]) == 0
    x = np.load(EXAMPLES / "digits_mlp" / "test_set.npz")["inputs"][:3]
    np.save(tmp_path / "x.npy", x)
    r = subprocess.run(
        [sys.executable, "-c", BOARD_SIDE, str(out / "bnn2hw.json"), str(tmp_path / "x.npy")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    n, ib, _ = map(int, r.stdout.split())
    assert n == 3 * ib
