"""Layout and pooling ops: Identity, Dropout, Flatten, Reshape, Pad, MaxPool, Shape."""

from __future__ import annotations

import numpy as np
import onnx

from bnn2hw.frontend.context import Ctx
from bnn2hw.frontend.load import attr
from bnn2hw.frontend.ops_act import layer_name
from bnn2hw.frontend.values import AccVal, Act, Const, InputVal
from bnn2hw.ir.floatops import FloatOp, OpKind
from bnn2hw.ir.layers import MaxPoolBits, PoolGeom

__all__ = ["HANDLERS", "nchw_flat_order"]


def nchw_flat_order(h: int, w: int, c: int) -> np.ndarray:
    """For each element of an NHWC-flattened (h, w, c) tensor, its index in NCHW flattening."""
    hh, ww, cc = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return (cc * h * w + hh * w + ww).reshape(-1).astype(np.int64)


def identity(ctx: Ctx, node: onnx.NodeProto) -> None:
    ctx.set(node, ctx.get(node, 0))


def _target_shape(ctx: Ctx, node: onnx.NodeProto, frame: tuple[int, ...]) -> tuple[int, ...]:
    """Per-frame output shape of Flatten/Reshape; the batch dimension must be kept."""
    size = int(np.prod(frame))
    if node.op_type == "Flatten":
        axis = attr(node, "axis", 1)
        if axis != 1:
            ctx.fail(node, f"Flatten axis={axis}: only axis=1 (keep the batch) is supported")
        return (size,)
    t = [int(d) for d in ctx.const(node, 1).ravel()]
    if not t or t[0] not in (0, 1, -1):
        ctx.fail(node, f"reshape to {t} does not keep the batch dimension first")
    rest = [frame[i - 1] if d == 0 and i - 1 < len(frame) else d for i, d in enumerate(t)][1:]
    if t[0] == -1 and -1 in rest:
        ctx.fail(node, f"reshape to {t} is ambiguous")
    if -1 in rest:
        known = int(np.prod([d for d in rest if d != -1]))
        if known == 0 or size % known:
            ctx.fail(node, f"reshape to {t} does not fit {size} elements per frame")
        rest = [size // known if d == -1 else d for d in rest]
    if int(np.prod(rest)) != size:
        ctx.fail(node, f"reshape to {t} changes the number of elements per frame ({size})")
    return tuple(rest)


def reshape(ctx: Ctx, node: onnx.NodeProto) -> None:
    v = ctx.get(node, 0)
    if isinstance(v, InputVal):
        shape = _target_shape(ctx, node, v.shape)
        v.ops.append(FloatOp(OpKind.RESHAPE, shape=shape, source=node.name or node.output[0]))
        v.shape = shape
        ctx.set(node, v)
        return
    if isinstance(v, Act):
        shape = _target_shape(ctx, node, v.model_shape)
        if shape == v.model_shape:
            ctx.set(node, v)
            return
        if len(shape) != 1:
            ctx.fail(
                node, f"reshape of an activation to {list(shape)}; only flattening is supported"
            )
        if v.pad is not None:
            ctx.fail(node, "padding followed by flatten is not supported")
        order = nchw_flat_order(*v.shape) if len(v.shape) == 3 else v.order
        ctx.set(
            node,
            Act(
                v.vtype,
                v.scale,
                (int(np.prod(v.shape)),),
                shape,
                node.output[0],
                v.binary01,
                order,
                None,
                v.producer,
            ),
        )
        return
    if isinstance(v, AccVal):
        shape = _target_shape(ctx, node, v.model_shape)
        if shape != v.model_shape:
            if len(shape) != 1:
                ctx.fail(node, f"reshape of accumulators to {list(shape)} not supported")
            v.model_shape = shape
            v.flattened = True
        ctx.set(node, v)
        return
    ctx.fail(node, "reshape of this tensor is not supported")


def pad(ctx: Ctx, node: onnx.NodeProto) -> None:
    v = ctx.get(node, 0)
    mode = attr(node, "mode", "constant")
    if mode != "constant":
        ctx.fail(node, f"mode='{mode}' padding is not supported (constant padding only)")
    if ctx.opset < 11:
        pads = list(attr(node, "pads", []))
        value = float(attr(node, "value", 0.0))
    else:
        pads = [int(p) for p in ctx.const(node, 1).ravel()]
        cv = ctx.opt_const(node, 2)
        value = 0.0 if cv is None or cv.size == 0 else float(np.asarray(cv).ravel()[0])
        axes = ctx.opt_const(node, 3)
        if axes is not None:
            if not isinstance(v, Act) or len(v.model_shape) != 3:
                ctx.fail(node, "padding with axes is supported on (N, C, H, W) activations only")
            full = [0] * 8
            for k, ax in enumerate(int(a) % 4 for a in axes.ravel()):
                full[ax], full[ax + 4] = pads[k], pads[k + len(axes.ravel())]
            pads = full
    if not isinstance(v, Act) or len(v.shape) != 3:
        ctx.fail(
            node,
            "padding is supported on (N, C, H, W) activations only (after the input is quantized)",
        )
    assert isinstance(v, Act)
    if len(pads) != 8 or any(p < 0 for p in pads) or pads[0] or pads[1] or pads[4] or pads[5]:
        ctx.fail(node, f"pads={pads}: only non-negative padding of H and W is supported")
    if v.pad is not None:
        ctx.fail(node, "two Pad nodes in a row are not supported")
    hw = (pads[2], pads[3], pads[6], pads[7])
    if v.vtype.binary:
        if v.binary01:
            ok, bit = value in (0.0, 1.0), int(value)
        else:
            ok, bit = abs(value) == v.scale, int(value > 0)
        if not ok:
            ctx.fail(
                node,
                f"pad value {value:g} is not a value of this binary activation "
                f"(+-{v.scale:g}); pad with -1 or +1",
            )
        pv = bit
    else:
        q = value / v.scale
        if q != round(q):
            ctx.fail(node, f"pad value {value:g} is not on the input's integer grid")
        pv = round(q)
    ctx.set(
        node,
        Act(
            v.vtype,
            v.scale,
            v.shape,
            v.model_shape,
            node.output[0],
            v.binary01,
            v.order,
            (hw, pv),
            v.producer,
        ),
    )  # type: ignore[arg-type]


def maxpool(ctx: Ctx, node: onnx.NodeProto) -> None:
    v = ctx.get(node, 0)
    if len(node.output) > 1 and node.output[1]:
        ctx.fail(node, "MaxPool with an indices output is not supported")
    kernel = tuple(attr(node, "kernel_shape", []))
    if len(kernel) != 2:
        ctx.fail(node, f"kernel_shape={list(kernel)}: only 2-D max-pooling is supported")
    stride = tuple(attr(node, "strides", [1, 1]))
    pads = tuple(attr(node, "pads", [0, 0, 0, 0]))
    if attr(node, "auto_pad", "NOTSET") not in ("NOTSET", "VALID", ""):
        ctx.fail(node, "auto_pad SAME is not supported for MaxPool; give explicit pads")
    if attr(node, "ceil_mode", 0):
        ctx.fail(node, "ceil_mode=1 is not supported; use floor mode (ceil_mode=0)")
    if any(d != 1 for d in attr(node, "dilations", [1, 1])):
        ctx.fail(node, "dilated max-pooling is not supported")
    geom = PoolGeom(
        kernel=(kernel[0], kernel[1]),
        stride=(stride[0], stride[1]),
        pads=(pads[0], pads[1], pads[2], pads[3]),
    )
    if isinstance(v, Act):
        if not v.vtype.binary or len(v.shape) != 3:
            ctx.fail(node, "max-pooling is supported on binary (N, C, H, W) activations")
        if v.pad is not None:
            ctx.fail(node, "padding before max-pooling is not supported")
        h, w, c = v.shape
        oh, ow = geom.out_hw(h, w)
        if oh <= 0 or ow <= 0:
            ctx.fail(node, f"window {list(kernel)} does not fit the {h}x{w} input")
        name = layer_name(ctx, "pool")
        layer = MaxPoolBits(
            name=name,
            source=node.name or node.output[0],
            in_shape=(h, w, c),
            pool=geom,
            and_mask=np.zeros(c, dtype=bool),
            out_tensor=node.output[0],
            binary01=v.binary01,
        )
        ctx.layers.append(layer)
        ctx.set(
            node,
            Act(
                v.vtype,
                v.scale,
                (oh, ow, c),
                (c, oh, ow),
                node.output[0],
                v.binary01,
                None,
                None,
                name,
            ),
        )
        return
    if isinstance(v, AccVal):
        if v.pool is not None:
            ctx.fail(node, "two max-pools before one activation are not supported")
        if len(v.shape) != 3:
            ctx.fail(node, "max-pooling of a dense layer's output is not supported")
        oh, ow = geom.out_hw(v.shape[0], v.shape[1])
        if oh <= 0 or ow <= 0:
            ctx.fail(node, f"window {list(kernel)} does not fit the {v.shape[0]}x{v.shape[1]} map")
        v.pool = geom
        v.pool_source = node.name or node.output[0]
        v.shape = (oh, ow, v.shape[2])
        v.model_shape = (v.shape[2], oh, ow)
        ctx.set(node, v)
        return
    ctx.fail(node, "max-pooling of this tensor is not supported")


def shape(ctx: Ctx, node: onnx.NodeProto) -> None:
    v = ctx.get(node, 0)
    if isinstance(v, InputVal):
        frame = v.shape
    elif isinstance(v, Act | AccVal):
        frame = v.model_shape
    else:
        ctx.fail(node, "Shape of this tensor is not supported")
        raise AssertionError
    full = np.asarray([1, *frame], dtype=np.int64)
    start, end = attr(node, "start", 0), attr(node, "end", None)
    ctx.set(node, Const(full[start:end]))


HANDLERS = {
    "Identity": identity,
    "Dropout": identity,
    "Flatten": reshape,
    "Reshape": reshape,
    "Pad": pad,
    "MaxPool": maxpool,
    "Shape": shape,
}
