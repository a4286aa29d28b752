"""The one bit-order convention of bnn2hw, defined here and nowhere else.

Encoding: bit 1 means +1, bit 0 means -1.

Packing: a vector of N bits is stored in little-endian order: element ``j`` of the vector goes in
bit ``j % 64`` of word ``j // 64`` (uint64 words). The same rule gives the hex words of the
hardware backends: element ``j`` of a SIMD-wide chunk lands in bit ``j`` of that chunk, and
element ``i`` of a stream beat occupies bits ``[i*w +: w]``. Padding bits beyond N are 0.

Folded weight memories (MVAU, FINN's layout, :func:`mvau_weight_words`): with PE rows and SIMD
columns per cycle, ``mem[pe][nf*SF + sf]`` holds row ``nf*PE + pe``, columns
``sf*SIMD .. sf*SIMD + SIMD-1`` (column ``sf*SIMD + j`` in bit j); thresholds ``t[pe][nf]``
belong to row ``nf*PE + pe``, and element pe of an output beat of fold nf is that row.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "WORD_BITS",
    "bipolar_to_bits",
    "bits_to_bipolar",
    "bits_to_hex",
    "hex_to_bits",
    "mvau_fold_rows",
    "mvau_rom_words",
    "mvau_weight_words",
    "n_words",
    "pack_bits",
    "unpack_bits",
]

WORD_BITS = 64


def n_words(n_bits: int) -> int:
    """Number of uint64 words that hold ``n_bits`` bits."""
    return (n_bits + WORD_BITS - 1) // WORD_BITS


def bipolar_to_bits(x: np.ndarray) -> np.ndarray:
    """Map a {-1,+1} array to {0,1} uint8 (+1 -> 1). Values other than +-1 raise ValueError."""
    x = np.asarray(x)
    pos = x == 1
    if not np.all(pos | (x == -1)):
        raise ValueError("array is not bipolar: values other than -1 and +1 present")
    return pos.astype(np.uint8)


def bits_to_bipolar(b: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    """Map {0,1} bits to {-1,+1} values of the given dtype."""
    return (np.asarray(b, dtype=np.int8) * 2 - 1).astype(dtype)


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack the last axis of a {0,1} array into little-endian uint64 words.

    Args:
        bits: (..., N) array of 0/1 values.

    Returns:
        (..., n_words(N)) uint64 array; bit ``j % 64`` of word ``j // 64`` is element ``j``.
    """
    bits = np.asarray(bits, dtype=np.uint8)
    n = bits.shape[-1]
    nw = n_words(n)
    pad = nw * WORD_BITS - n
    if pad:
        bits = np.concatenate([bits, np.zeros((*bits.shape[:-1], pad), dtype=np.uint8)], axis=-1)
    as_bytes = np.packbits(
        bits.reshape(*bits.shape[:-1], nw, WORD_BITS), axis=-1, bitorder="little"
    )
    return np.ascontiguousarray(as_bytes).view("<u8").reshape(*bits.shape[:-1], nw)


def unpack_bits(words: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: (..., W) uint64 words to (..., n) uint8 bits."""
    words = np.ascontiguousarray(np.asarray(words, dtype="<u8"))
    as_bytes = words.view(np.uint8).reshape(*words.shape[:-1], words.shape[-1] * 8)
    bits = np.unpackbits(as_bytes, axis=-1, bitorder="little")
    return bits[..., :n]


def bits_to_hex(bits: np.ndarray) -> str:
    """A {0,1} vector as one hex number whose bit j is element j (element 0 is the LSB).

    Zero-padded to ceil(N/4) digits: this is also the word format of the backends' .mem files.
    """
    bits = np.asarray(bits, dtype=np.uint8).ravel()
    n = bits.size
    if n == 0:
        return ""
    value = int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")
    return f"{value:0{(n + 3) // 4}x}"


def hex_to_bits(text: str, n: int) -> np.ndarray:
    """Inverse of :func:`bits_to_hex`; raises ValueError on malformed text or stray bits."""
    value = int(text, 16)
    if value >> n:
        raise ValueError(f"hex value has bits beyond {n}")
    raw = value.to_bytes((n + 7) // 8, "little")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:n].copy()


def _chunks_to_hex(chunks: np.ndarray) -> np.ndarray:
    """(..., S) bits -> (...) hex strings of S bits each (element 0 = LSB)."""
    s = chunks.shape[-1]
    flat = chunks.reshape(-1, s)
    by = np.packbits(flat, axis=-1, bitorder="little")
    digits = (s + 3) // 4
    out = [f"{int.from_bytes(row.tobytes(), 'little'):0{digits}x}" for row in by]
    return np.asarray(out, dtype=object).reshape(chunks.shape[:-1])


def mvau_weight_words(w: np.ndarray, pe: int, simd: int) -> np.ndarray:
    """(MH, MW) bits -> (PE, NF*SF) hex words of SIMD bits: ``mem[pe][nf*SF + sf]``."""
    mh, mw = w.shape
    nf, sf = mh // pe, mw // simd
    if nf * pe != mh or sf * simd != mw:
        raise ValueError(f"PE={pe} must divide MH={mh} and SIMD={simd} must divide MW={mw}")
    t = np.asarray(w, dtype=np.uint8).reshape(nf, pe, sf, simd).transpose(1, 0, 2, 3)
    return _chunks_to_hex(t.reshape(pe, nf * sf, simd))


def mvau_rom_words(w: np.ndarray, pe: int, simd: int) -> np.ndarray:
    """(MH, MW) bits -> NF*SF hex words of PE*SIMD bits, the Verilog MVAU's weight memory:
    word ``nf*SF + sf`` holds ``mem[pe][nf*SF + sf]`` (see :func:`mvau_weight_words`) in bits
    ``[pe*SIMD +: SIMD]``."""
    mh, mw = w.shape
    nf, sf = mh // pe, mw // simd
    if nf * pe != mh or sf * simd != mw:
        raise ValueError(f"PE={pe} must divide MH={mh} and SIMD={simd} must divide MW={mw}")
    t = np.asarray(w, dtype=np.uint8).reshape(nf, pe, sf, simd).transpose(0, 2, 1, 3)
    return _chunks_to_hex(t.reshape(nf * sf, pe * simd))


def mvau_fold_rows(v: np.ndarray, pe: int) -> np.ndarray:
    """(MH,) per-row values -> (PE, NF): ``t[pe][nf]`` is row ``nf*PE + pe``."""
    v = np.asarray(v)
    return v.reshape(-1, pe).T
