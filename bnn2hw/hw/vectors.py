"""Frames <-> stream beats for a dataflow: what the host sends and receives, and what every layer's
output stream carries. Used by the generated test benches' vector files, by the csim and rtl
engines, and (later) by the host driver, so packing is written once.

Vector files hold one beat per line in hex (element 0 at the LSB), zero-padded to the width's
digits: top-level streams at their byte-padded TDATA width, internal taps at their exact width.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bnn2hw.hw.dataflow import Dataflow
from bnn2hw.hw.streams import Stream, beats_to_hex, hex_to_beats, pack_beats, unpack_beats

__all__ = [
    "decode_output",
    "decode_tap",
    "encode_input",
    "encode_output",
    "encode_tap",
    "hex_file_text",
    "read_hex_file",
]


def hex_file_text(lines: list[str]) -> str:
    """A vector file's text: one hex beat per line."""
    return "".join(line + "\n" for line in lines)


def read_hex_file(path: Path) -> list[str]:
    """The hex beats of a vector file."""
    return path.read_text().split()


def _frames(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.int64)
    return v.reshape(v.shape[0], -1)


def encode_input(df: Dataflow, q: np.ndarray) -> list[str]:
    """Quantized inputs (N, *input shape, bnn2hw layout) -> hex lines for the input port."""
    s = df.interface.input
    return beats_to_hex(pack_beats(_frames(q), s), s.tdata_width)


def encode_output(df: Dataflow, acc: np.ndarray, labels: np.ndarray | None) -> list[str]:
    """Golden accumulators (or labels, when selected in hardware) -> output port hex lines."""
    s = df.interface.output
    values = labels if df.interface.labels else acc
    assert values is not None
    return beats_to_hex(pack_beats(_frames(values), s), s.tdata_width)


def encode_tap(stream: Stream, bits: np.ndarray) -> list[str]:
    """A layer's binarized output (N, *shape) -> hex lines of its internal stream."""
    return beats_to_hex(pack_beats(_frames(bits), stream), stream.width)


def _decode(lines: list[str], s: Stream, what: str) -> np.ndarray:
    """Hex beats -> frames; padding bits of a byte-padded port must be zero (ValueError)."""
    if len(lines) % s.beats:
        raise ValueError(f"{what}: {len(lines)} beats is not a whole number of frames of {s.beats}")
    return unpack_beats(hex_to_beats(lines, s.width), s)


def decode_output(df: Dataflow, lines: list[str]) -> np.ndarray:
    """Output port hex lines -> (N, frame elements) int64 (accumulators or label indices)."""
    s = df.interface.output
    return _decode(lines, s, "output")


def decode_tap(stream: Stream, lines: list[str], name: str) -> np.ndarray:
    """A tap's hex lines -> (N, frame elements) uint8 bits."""
    return _decode(lines, stream, name).astype(np.uint8)
