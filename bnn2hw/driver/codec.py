"""Frames <-> stream beats for one design: the encode/decode path the rtl engine and the driver
share (input quantisation, bit packing into beats, output unpacking, float epilogue)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bnn2hw.errors import BuildError
from bnn2hw.golden.reference import GoldenResult, port_result, quantize_input
from bnn2hw.hw.dataflow import lower
from bnn2hw.hw.streams import Interface, Stream, hex_to_beats, pack_beats, unpack_beats
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.serialize import graph_from_json

__all__ = ["Codec", "decode_beats"]


def decode_beats(s: Stream, beats: np.ndarray) -> np.ndarray:
    """Output beats -> (N, frame elements) int64; ValueError on a partial frame or nonzero
    padding bits."""
    b = np.asarray(beats, dtype=object).reshape(-1)
    if b.size % s.beats:
        raise ValueError(f"output: {b.size} beats is not a whole number of frames of {s.beats}")
    if any(int(v) >> s.width for v in b):
        raise ValueError(f"output: bits set beyond width {s.width} (padding must be zero)")
    return unpack_beats(b, s)


@dataclass(frozen=True)
class Codec:
    """The host side of one design's AXI-Stream ports."""

    graph: Graph
    interface: Interface

    @classmethod
    def from_graph(cls, graph: Graph) -> Codec:
        return cls(graph, lower(graph).interface)

    @classmethod
    def from_json(cls, path: Path) -> Codec:
        """From a build folder or its bnn2hw.json (needs no onnx: what the board loads)."""
        p = Path(path)
        j = p / "bnn2hw.json" if p.is_dir() else p
        try:
            graph = graph_from_json(json.loads(j.read_text())["graph"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise BuildError(f"{j}: cannot load the design ({type(e).__name__}: {e})") from None
        return cls.from_graph(graph)

    @property
    def in_frame_beats(self) -> int:
        return self.interface.input.beats

    @property
    def out_frame_beats(self) -> int:
        return self.interface.output.beats

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Model-unit inputs (N, *input shape) -> quantized hardware inputs."""
        return quantize_input(self.graph.input, x)

    def encode(self, q: np.ndarray) -> np.ndarray:
        """Quantized inputs -> input beats (N * in_frame_beats,) as Python ints."""
        q = np.asarray(q, dtype=np.int64)
        return pack_beats(q.reshape(q.shape[0], -1), self.interface.input)

    def decode(self, beats: np.ndarray) -> np.ndarray:
        """Output beats -> (N, frame elements) int64 (accumulators or label indices)."""
        return decode_beats(self.interface.output, beats)

    def decode_hex(self, lines: list[str]) -> np.ndarray:
        """Output hex lines (the simulator's log) -> (N, frame elements) int64."""
        return self.decode(hex_to_beats(lines, self.interface.output.width))

    def result(self, out: np.ndarray, q: np.ndarray) -> GoldenResult:
        """Decoded output frames -> the model's outputs, as golden lays them out."""
        return port_result(self.graph, out, self.interface.labels, {"input": q})
