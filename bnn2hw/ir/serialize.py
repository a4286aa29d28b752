"""Graph <-> JSON (BUILD/bnn2hw.json). Weights as one hex number per row (bits.bits_to_hex),
thresholds as integers, float32 constants as exact decimal floats."""

from __future__ import annotations

from typing import Any

import numpy as np

from bnn2hw.bits import bits_to_hex, hex_to_bits
from bnn2hw.ir.floatops import Binarizer, BinarizerKind, FloatOp, OpKind, TiePolicy
from bnn2hw.ir.graph import Graph, OutputSpec
from bnn2hw.ir.layers import (
    AccKind,
    AccOut,
    ConvGeom,
    FloatAct,
    Folding,
    InputStage,
    IntQuantizer,
    Layer,
    MatVec,
    MaxPoolBits,
    PoolGeom,
    ThresholdAct,
    ValueType,
)

__all__ = ["graph_from_json", "graph_to_json"]

J = dict[str, Any]


def _arr(a: np.ndarray | None) -> J | None:
    if a is None:
        return None
    a = np.asarray(a)
    if a.dtype == np.bool_:
        return {"shape": list(a.shape), "bool": a.astype(int).ravel().tolist()}
    if np.issubdtype(a.dtype, np.integer):
        return {"shape": list(a.shape), "int": a.ravel().tolist()}
    return {"shape": list(a.shape), "f32": [float(v) for v in a.astype(np.float32).ravel()]}


def _unarr(d: J | None) -> np.ndarray | None:
    if d is None:
        return None
    shape = tuple(d["shape"])
    if "bool" in d:
        return np.asarray(d["bool"], dtype=bool).reshape(shape)
    if "int" in d:
        return np.asarray(d["int"], dtype=np.int64).reshape(shape)
    return np.asarray(d["f32"], dtype=np.float32).reshape(shape)


def _op(op: FloatOp) -> J:
    return {
        "kind": op.kind.value,
        "c": _arr(op.c),
        "c2": _arr(op.c2),
        "mean": _arr(op.mean),
        "var": _arr(op.var),
        "eps": op.eps,
        "shape": list(op.shape),
        "source": op.source,
    }


def _unop(d: J) -> FloatOp:
    return FloatOp(
        OpKind(d["kind"]),
        c=_unarr(d["c"]),
        c2=_unarr(d["c2"]),
        mean=_unarr(d["mean"]),
        var=_unarr(d["var"]),
        eps=float(d["eps"]),
        shape=tuple(d["shape"]),
        source=d["source"],
    )


def _bin(b: Binarizer) -> J:
    return {
        "type": "binarizer",
        "kind": b.kind.value,
        "c": _arr(b.c),
        "invert": b.invert,
        "tie": b.tie.value,
        "source": b.source,
    }


def _unbin(d: J) -> Binarizer:
    c = _unarr(d["c"])
    assert c is not None
    return Binarizer(
        BinarizerKind(d["kind"]), c, bool(d["invert"]), TiePolicy(d["tie"]), d["source"]
    )


def _quant(q: IntQuantizer | Binarizer) -> J:
    if isinstance(q, Binarizer):
        return _bin(q)
    return {
        "type": "int",
        "scale": _arr(q.scale),
        "zero_point": _arr(q.zero_point),
        "qmin": q.qmin,
        "qmax": q.qmax,
        "rounding": q.rounding,
        "declared": q.declared,
        "source": q.source,
    }


def _unquant(d: J) -> IntQuantizer | Binarizer:
    if d["type"] == "binarizer":
        return _unbin(d)
    scale, zp = _unarr(d["scale"]), _unarr(d["zero_point"])
    assert scale is not None and zp is not None
    return IntQuantizer(
        scale=scale,
        zero_point=zp,
        qmin=int(d["qmin"]),
        qmax=int(d["qmax"]),
        rounding=d["rounding"],
        declared=bool(d["declared"]),
        source=d["source"],
    )


def _pool(p: PoolGeom | None) -> J | None:
    return (
        None
        if p is None
        else {"kernel": list(p.kernel), "stride": list(p.stride), "pads": list(p.pads)}
    )


def _unpool(d: J | None) -> PoolGeom | None:
    if d is None:
        return None
    k, s, p = d["kernel"], d["stride"], d["pads"]
    return PoolGeom(kernel=(k[0], k[1]), stride=(s[0], s[1]), pads=(p[0], p[1], p[2], p[3]))


def _act(a: FloatAct | ThresholdAct | AccOut) -> J:
    if isinstance(a, ThresholdAct):
        return {
            "type": "threshold",
            "thresholds": [int(t) for t in a.thresholds],
            "flipped": [int(f) for f in a.flipped],
            "convention": a.convention,
            "near_ties": [int(c) for c in a.near_ties],
            "constant": [int(c) for c in a.constant],
        }
    if isinstance(a, AccOut):
        return {"type": "acc", "epilogue": [_op(o) for o in a.epilogue]}
    return {
        "type": "float",
        "pre": [_op(o) for o in a.pre],
        "binarizer": _bin(a.binarizer),
        "pool": _pool(a.pool),
        "post": [_op(o) for o in a.post],
        "pool_source": a.pool_source,
    }


def _unact(d: J) -> FloatAct | ThresholdAct | AccOut:
    if d["type"] == "threshold":
        return ThresholdAct(
            thresholds=np.asarray(d["thresholds"], dtype=np.int64),
            flipped=np.asarray(d["flipped"], dtype=bool),
            constant=np.asarray(d["constant"], dtype=np.int8),
            convention=str(d.get("convention", "")),
            near_ties=np.asarray(d.get("near_ties", []), dtype=np.int64),
        )
    if d["type"] == "acc":
        return AccOut(epilogue=tuple(_unop(o) for o in d["epilogue"]))
    return FloatAct(
        pre=tuple(_unop(o) for o in d["pre"]),
        binarizer=_unbin(d["binarizer"]),
        pool=_unpool(d["pool"]),
        post=tuple(_unop(o) for o in d["post"]),
        pool_source=d["pool_source"],
    )


def _layer(layer: Layer) -> J:
    if isinstance(layer, MaxPoolBits):
        return {
            "type": "maxpool",
            "name": layer.name,
            "source": layer.source,
            "in_shape": list(layer.in_shape),
            "pool": _pool(layer.pool),
            "and_mask": [int(m) for m in layer.and_mask],
            "out_tensor": layer.out_tensor,
            "binary01": layer.binary01,
            "folding": _fold(layer.folding),
        }
    conv = layer.conv
    return {
        "type": "matvec",
        "name": layer.name,
        "source": layer.source,
        "mh": layer.mh,
        "mw": layer.mw,
        "weights": [bits_to_hex(row) for row in layer.weights],
        "in_type": {"binary": layer.in_type.binary, "lo": layer.in_type.lo, "hi": layer.in_type.hi},
        "acc_kind": layer.acc_kind.value,
        "act": _act(layer.act),
        "conv": None
        if conv is None
        else {
            "in_shape": list(conv.in_shape),
            "kernel": list(conv.kernel),
            "stride": list(conv.stride),
            "pads": list(conv.pads),
            "pad_value": conv.pad_value,
        },
        "in_shape": list(layer.in_shape),
        "out_tensor": layer.out_tensor,
        "binary01": layer.binary01,
        "folding": _fold(layer.folding),
    }


def _fold(f: Folding | None) -> J | None:
    return None if f is None else {"pe": f.pe, "simd": f.simd}


def _unfold(d: J | None) -> Folding | None:
    return None if d is None else Folding(pe=int(d["pe"]), simd=int(d["simd"]))


def _unlayer(d: J) -> Layer:
    if d["type"] == "maxpool":
        pool = _unpool(d["pool"])
        assert pool is not None
        ish = d["in_shape"]
        return MaxPoolBits(
            name=d["name"],
            source=d["source"],
            in_shape=(ish[0], ish[1], ish[2]),
            pool=pool,
            and_mask=np.asarray(d["and_mask"], dtype=bool),
            out_tensor=d["out_tensor"],
            binary01=bool(d["binary01"]),
            folding=_unfold(d.get("folding")),
        )
    mh, mw = int(d["mh"]), int(d["mw"])
    if len(d["weights"]) != mh:
        raise ValueError(f"layer {d['name']}: {len(d['weights'])} weight rows, expected {mh}")
    w = np.stack([hex_to_bits(h, mw) for h in d["weights"]]) if mh else np.zeros((0, mw), np.uint8)
    c = d["conv"]
    conv = (
        None
        if c is None
        else ConvGeom(
            in_shape=tuple(c["in_shape"]),
            kernel=tuple(c["kernel"]),
            stride=tuple(c["stride"]),
            pads=tuple(c["pads"]),
            pad_value=int(c["pad_value"]),
        )
    )  # type: ignore[arg-type]
    t = d["in_type"]
    return MatVec(
        name=d["name"],
        source=d["source"],
        weights=w.astype(np.uint8),
        in_type=ValueType(bool(t["binary"]), int(t["lo"]), int(t["hi"])),
        acc_kind=AccKind(d["acc_kind"]),
        act=_unact(d["act"]),
        conv=conv,
        in_shape=tuple(d["in_shape"]),
        out_tensor=d["out_tensor"],
        binary01=bool(d["binary01"]),
        folding=_unfold(d.get("folding")),
    )


def graph_to_json(g: Graph) -> J:
    i = g.input
    return {
        "name": g.name,
        "source_file": g.source_file,
        "source_hash": g.source_hash,
        "dialect": g.dialect,
        "sign_at_zero": g.tie.value,
        "input": {
            "name": i.name,
            "shape": list(i.shape),
            "ops": [_op(o) for o in i.ops],
            "quant": _quant(i.quant),
            "out_shape": list(i.out_shape),
            "nchw": i.nchw,
            "range": list(i.range),
            "quant_tensor": i.quant_tensor,
            "integer_input": i.integer_input,
            "binary01": i.binary01,
        },
        "layers": [_layer(layer) for layer in g.layers],
        "output": {
            "name": g.output.name,
            "shape": list(g.output.shape),
            "nchw": g.output.nchw,
            "topk": g.output.topk,
            "topk_in_model": g.output.topk_in_model,
            "argmax_keepdims": g.output.argmax_keepdims,
            "topk_sign": g.output.topk_sign,
        },
    }


def graph_from_json(d: J) -> Graph:
    """Rebuild a Graph; raises KeyError/ValueError/TypeError on malformed data."""
    i = d["input"]
    stage = InputStage(
        shape=tuple(i["shape"]),
        ops=tuple(_unop(o) for o in i["ops"]),
        quant=_unquant(i["quant"]),
        out_shape=tuple(i["out_shape"]),
        nchw=bool(i["nchw"]),
        range=(float(i["range"][0]), float(i["range"][1])),
        name=i["name"],
        quant_tensor=i["quant_tensor"],
        integer_input=bool(i["integer_input"]),
        binary01=bool(i["binary01"]),
    )
    o = d["output"]
    out = OutputSpec(
        name=o["name"],
        shape=tuple(o["shape"]),
        nchw=bool(o["nchw"]),
        topk=o["topk"],
        topk_in_model=bool(o["topk_in_model"]),
        argmax_keepdims=bool(o["argmax_keepdims"]),
        topk_sign=int(o["topk_sign"]),
    )
    return Graph(
        name=d["name"],
        source_file=d["source_file"],
        source_hash=d["source_hash"],
        dialect=d["dialect"],
        input=stage,
        tie=TiePolicy(d["sign_at_zero"]),
        layers=tuple(_unlayer(layer) for layer in d["layers"]),
        output=out,
    )
