"""Streams between hardware stages, and the accelerator's top-level interface: defined once here
and used by every backend (HLS C++, Verilog) and by the host side (csim/rtl engines, driver).

A stream carries a frame as consecutive beats. A beat holds ``elems`` elements of ``bits`` bits,
element i in bits ``[i*bits +: bits]`` (bits.py's convention); integers are two's complement.
The elements of a frame are its tensor flattened in bnn2hw's layout (NHWC, or flat).

Top-level interface (AXI-Stream, one frame per call of the top):
  * input: the quantized input tensor (bits, or the integer codes of the first layer), NHWC,
    ``first consumer's elements`` per beat; TDATA is the beat padded with zero MSBs to a
    multiple of 8 bits;
  * output: the last layer's integer accumulators (PE per beat; popcounts unsigned, integer
    dot products two's complement), or, when the model selects labels in hardware, one beat
    holding the K label indices (best first); TDATA padded to a multiple of 8 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnn2hw.ir.quant import quant_range

__all__ = ["Interface", "Stream", "beats_to_hex", "hex_to_beats", "pack_beats", "unpack_beats"]


@dataclass(frozen=True)
class Stream:
    """One stream: ``beats`` beats per frame of ``elems`` elements of ``bits`` bits."""

    elems: int
    bits: int
    beats: int
    signed: bool = False

    @property
    def width(self) -> int:
        return self.elems * self.bits

    @property
    def frame_elems(self) -> int:
        return self.elems * self.beats

    @property
    def tdata_width(self) -> int:
        """The width of an external (AXI-Stream) port carrying this stream: bytes."""
        return (self.width + 7) // 8 * 8


@dataclass(frozen=True)
class Interface:
    """The accelerator's top-level streams (exact element layout; TDATA byte-padded)."""

    input: Stream
    output: Stream
    labels: bool  # the output holds label indices rather than accumulators

    @property
    def in_tdata(self) -> int:
        return self.input.tdata_width

    @property
    def out_tdata(self) -> int:
        return self.output.tdata_width


def pack_beats(values: np.ndarray, s: Stream) -> np.ndarray:
    """(N, frame elements) integers -> (N * beats, ) beats as Python ints (object array).

    Values must fit ``s.bits`` (unsigned, or two's complement when ``s.signed``)."""
    v = np.asarray(values, dtype=np.int64).reshape(-1, s.beats, s.elems)
    lo, hi = quant_range(s.bits, s.signed, narrow=False)
    if v.size and (v.min() < lo or v.max() > hi):
        raise ValueError(f"values span [{v.min()}, {v.max()}], outside {s.bits}-bit range")
    u = v & ((1 << s.bits) - 1)
    out = np.zeros(v.shape[:2], dtype=object)
    for i in range(s.elems):
        out = out | (u[..., i].astype(object) << (i * s.bits))
    return out.reshape(-1)


def unpack_beats(beats: np.ndarray, s: Stream) -> np.ndarray:
    """Inverse of :func:`pack_beats`: beats (Python ints) -> (N, frame elements) int64."""
    b = np.asarray(beats, dtype=object).reshape(-1, s.beats)
    mask = (1 << s.bits) - 1
    out = np.empty((*b.shape, s.elems), dtype=np.int64)
    for i in range(s.elems):
        out[..., i] = ((b >> (i * s.bits)) & mask).astype(np.int64)
    if s.signed:
        out = np.where(out >= (1 << (s.bits - 1)), out - (1 << s.bits), out)
    return out.reshape(b.shape[0], s.frame_elems)


def beats_to_hex(beats: np.ndarray, width: int) -> list[str]:
    """Beats as hex lines, zero-padded to ceil(width/4) digits (the .hex/.mem word format)."""
    digits = max(1, (width + 3) // 4)
    return [f"{int(b):0{digits}x}" for b in np.asarray(beats, dtype=object).reshape(-1)]


def hex_to_beats(lines: list[str], width: int) -> np.ndarray:
    """Hex lines -> beats (object array of Python ints); ValueError on bad text or stray bits."""
    out = np.empty(len(lines), dtype=object)
    for i, line in enumerate(lines):
        v = int(line, 16)
        if v >> width:
            raise ValueError(f"beat {i}: bits set beyond width {width}")
        out[i] = v
    return out
