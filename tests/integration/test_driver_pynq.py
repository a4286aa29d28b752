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
from bnn2hw.driver.transport import from_bytes, to_bytes
from bnn2hw.golden import run_golden
from bnn2hw.hw.streams import pack_beats

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


class FakeChannel:
    def __init__(self, dma: FakeDma) -> None:
        self.dma = dma
        self.buf: Any = None

    def transfer(self, buf: Any) -> None:
        self.buf = buf

    def wait(self) -> None:
        self.dma.step()


class FakeDma:
    """The accelerator as golden computes it, fed and drained through the byte buffers."""

    def __init__(self, codec: Codec) -> None:
        self.codec = codec
        self.sendchannel = FakeChannel(self)
        self.recvchannel = FakeChannel(self)
        self.transfers: list[tuple[int, int]] = []

    def step(self) -> None:
        src, dst = self.sendchannel.buf, self.recvchannel.buf
        if src is None or dst is None:
            return
        itf = self.codec.interface
        assert src.dtype == np.uint8 and src.shape[1] == itf.in_tdata // 8
        beats = from_bytes(np.asarray(src), itf.in_tdata)
        from bnn2hw.hw.streams import unpack_beats

        q = unpack_beats(beats, itf.input).reshape(-1, *self.codec.graph.input.out_shape)
        g = run_golden_q(self.codec, q)
        out = to_bytes(pack_beats(g, itf.output), itf.out_tdata)
        assert dst.shape == out.shape
        dst[:] = out
        self.transfers.append((src.shape[0], dst.shape[0]))
        self.sendchannel.buf = self.recvchannel.buf = None


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


@pytest.mark.parametrize("name", ["digits_mlp", "digits_cnn"])
def test_pynq_transport_fake(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / name
    assert main(["compile", str(EXAMPLES / name / f"{name}.onnx"), "-o", str(out)]) == 0
    build = load_build(out)
    codec = Codec.from_graph(build.graph)
    x = np.load(EXAMPLES / name / "test_set.npz")["inputs"][:21]
    FRAMES_X[0] = x
    mod, made = fake_pynq(codec)
    monkeypatch.setitem(sys.modules, "pynq", mod)
    acc = Accelerator(out, bitfile=tmp_path / "bnn.bit", batch=8)
    t = acc.transport
    assert isinstance(t, PynqTransport)
    itf = codec.interface
    assert t.inbuf.shape == (8 * itf.input.beats, itf.in_tdata // 8)
    assert t.outbuf.shape == (8 * itf.output.beats, itf.out_tdata // 8)
    y = acc.infer(x)
    np.testing.assert_array_equal(y, run_golden(build.graph, x).output)
    # three transfers: 8, 8 and a partial 5 frames, each sized to its frames
    assert made[0].transfers == [(k * itf.input.beats, k * itf.output.beats) for k in (8, 8, 5)]
    with pytest.raises(ValueError, match="buffers hold 8"):
        t.run(codec.encode(codec.quantize(x[:9])), 9)
    t.close()
