"""Model zoo for the test suite: small binarized networks built from scratch, plus float references.

Every factory writes one ONNX file into the directory it is given and returns a :class:`ModelCase`
describing it. Factories are deterministic per ``seed`` (weights, BatchNorm statistics and the
ONNX file contents do not depend on global RNG state, which is left untouched).

Dialects:

* ``"torch"``: plain ONNX exported from a hand-written PyTorch model (dynamo or TorchScript
  exporter); runs in onnxruntime. The batch dimension is exported as dynamic (``"batch"``).
* ``"qonnx"``: Brevitas ``export_qonnx`` output (``Quant`` / ``BipolarQuant`` nodes); runs in the
  qonnx executor. Exported with batch 1 and a batch-1 ``Reshape`` ([1, -1]) in the graph.
* ``"finn"``: hand-built FINN-style streamlined graph (``MatMul`` / ``Conv`` with BIPOLAR
  weights followed by ``MultiThreshold``); runs in the qonnx executor. Batch 1.

Weights are always binary (±1, optionally times a per-output-channel factor). BatchNorm
statistics are not random noise: they are *placed* from the network's own accumulator
distribution (see :func:`_place_thresholds`) so that every binarizing threshold lies inside the
range the accumulator actually reaches, at a random quantile of it, and at least 0.2 accumulator
units away from every reachable accumulator value. This keeps binarized activations
non-degenerate and free of float ties (no ``Sign`` ever sees an exact 0, and BatchNorm folding
or a different evaluation order cannot flip a bit). FINN ``MultiThreshold`` graphs instead put
some thresholds *exactly* on reachable integer accumulator values, to exercise the ``x >= t``
tie rule, which is exact in float for integer accumulators.

Torch and Brevitas are imported lazily: importing this module and using the FINN factories or
:func:`run_reference` needs only numpy, onnx, onnxruntime and qonnx.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import io
import logging
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = [
    "FACTORIES",
    "ModelCase",
    "binarized_tensor_names",
    "brevitas_cnv",
    "brevitas_lfc",
    "brevitas_sfc",
    "brevitas_tfc",
    "finn_cnn",
    "finn_tfc",
    "qonnx_batched_copy",
    "run_reference",
    "torch_cnn",
    "torch_mlp",
    "torch_outputs",
]

#: Float inputs are drawn on this grid (see :meth:`ModelCase.sample`).
FLOAT_GRID_STEPS = 4096
#: Minimum distance, in accumulator units, between a threshold and any reachable accumulator.
THRESHOLD_MARGIN = 0.2
QONNX_DOMAIN = "qonnx.custom_op.general"


@dataclass(frozen=True)
class ModelCase:
    """One ONNX model of the zoo and how to feed it.

    Attributes:
        name: Unique case name, e.g. ``"torch_mlp_dynamo"``; also the ONNX file's stem.
        path: The ``.onnx`` file written by the factory.
        input_shape: Per-frame input shape without the batch dimension, e.g. ``(64,)``.
        dialect: ``"torch"`` (onnxruntime), ``"qonnx"`` or ``"finn"`` (qonnx executor).
        compile_args: Extra ``bnn2hw compile`` arguments the model needs.
        binarized: ONNX tensor names of every binarized (±1 valued) activation, in graph order.
        low: Lowest input value, in the model's own units.
        high: Highest input value, in the model's own units.
        integer_input: Inputs must be integers in ``[low, high]``.
    """

    name: str
    path: Path
    input_shape: tuple[int, ...]
    dialect: str
    compile_args: tuple[str, ...]
    binarized: tuple[str, ...]
    low: float
    high: float
    integer_input: bool

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` random input frames.

        Integer inputs are uniform over ``{low, ..., high}``. Float inputs are uniform over the
        grid ``low + (high - low) * (k + 0.25) / 4096``, ``k = 0..4095``: a quarter step away
        from every multiple of 1/4096 of the range, so no input ever sits exactly on a rounding
        boundary of a power-of-two input quantiser (e.g. Brevitas' Q1.7 CNV input) or on a
        dyadic threshold such as 0.5 (TFC input binarization, FINN input thresholds).

        Args:
            rng: Random generator.
            n: Number of frames.

        Returns:
            float32 array of shape ``(n, *input_shape)``.
        """
        shape = (n, *self.input_shape)
        if self.integer_input:
            ints = rng.integers(int(self.low), int(self.high) + 1, size=shape)
            return ints.astype(np.float32)
        k = rng.integers(0, FLOAT_GRID_STEPS, size=shape).astype(np.float64)
        values = self.low + (self.high - self.low) * (k + 0.25) / FLOAT_GRID_STEPS
        return values.astype(np.float32)


# --------------------------------------------------------------------------------------------
# Graph helpers
# --------------------------------------------------------------------------------------------


def _constant_values(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Values of all initializers and ``Constant`` node outputs, by tensor name."""
    values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    values[node.output[0]] = numpy_helper.to_array(attr.t)
    return values


def _data_input_name(model: onnx.ModelProto) -> str:
    """Name of the (single) graph input that is not an initializer."""
    inits = {init.name for init in model.graph.initializer}
    names = [inp.name for inp in model.graph.input if inp.name not in inits]
    if len(names) != 1:
        raise ValueError(f"expected exactly one data input, found {names}")
    return names[0]


def _dynamic_tensors(model: onnx.ModelProto) -> set[str]:
    """Tensors that depend on the data input (as opposed to weights and constants)."""
    dynamic = {_data_input_name(model)}
    for node in model.graph.node:
        if any(name in dynamic for name in node.input):
            dynamic.update(name for name in node.output if name)
    return dynamic


def binarized_tensor_names(model: onnx.ModelProto) -> tuple[str, ...]:
    """Find the binarized (±1) activations of a graph, in graph order.

    A tensor counts when it depends on the data input and is the output of ``Sign``, of a
    ``Where`` selecting between the constants +1 and -1, of a ``BipolarQuant`` with unit scale, of
    a ``MultiThreshold`` with ``out_dtype="BIPOLAR"``, or of a ``MaxPool`` over a binarized
    tensor. Weight binarization (which depends only on initializers) is ignored.

    Args:
        model: The ONNX model.

    Returns:
        Tensor names in node order.
    """
    consts = _constant_values(model)
    dynamic = _dynamic_tensors(model)
    found: list[str] = []

    def const_is(name: str, value: float) -> bool:
        arr = consts.get(name)
        return arr is not None and arr.size == 1 and float(arr.reshape(())) == value

    for node in model.graph.node:
        out = node.output[0] if node.output else ""
        if out not in dynamic:
            continue
        op = node.op_type
        hit = False
        if op == "Sign":
            hit = True
        elif op == "Where":
            hit = const_is(node.input[1], 1.0) and const_is(node.input[2], -1.0)
        elif op == "BipolarQuant":
            hit = const_is(node.input[1], 1.0)
        elif op == "MultiThreshold":
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            hit = (
                attrs.get("out_dtype") in (b"BIPOLAR", "BIPOLAR")
                and float(attrs.get("out_scale", 1.0)) == 2.0
                and float(attrs.get("out_bias", 0.0)) == -1.0
            )
        elif op == "MaxPool":
            hit = node.input[0] in found
        if hit:
            found.append(out)
    return tuple(found)


# --------------------------------------------------------------------------------------------
# Float reference
# --------------------------------------------------------------------------------------------


def _file_key(path: Path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


@functools.lru_cache(maxsize=32)
def _ort_session(path: str, key: str, extra: tuple[str, ...]) -> tuple[Any, str, bool]:
    """onnxruntime session for a copy of the model with ``extra`` tensors added as outputs."""
    import onnxruntime as ort

    del key  # only part of the cache key
    model = onnx.load(path)
    outputs = {o.name for o in model.graph.output}
    missing = [name for name in extra if name not in outputs]
    if missing:
        inferred = onnx.shape_inference.infer_shapes(model)
        infos = {vi.name: vi for vi in inferred.graph.value_info}
        for name in missing:
            vi = infos.get(name)
            if vi is None:
                vi = helper.make_tensor_value_info(name, TensorProto.FLOAT, None)
            model.graph.output.append(copy.deepcopy(vi))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    in_name = _data_input_name(model)
    dims = next(i for i in model.graph.input if i.name == in_name).type.tensor_type.shape.dim
    static_batch1 = len(dims) > 0 and dims[0].HasField("dim_value") and dims[0].dim_value == 1
    return sess, in_name, static_batch1


def _run_torch_dialect(
    case: ModelCase, x: np.ndarray, names: Sequence[str]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    model = onnx.load(str(case.path), load_external_data=False)
    in_name = _data_input_name(model)
    consts = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    fetch = tuple(dict.fromkeys(n for n in names if n != in_name and n not in consts))
    sess, in_name, static_batch1 = _ort_session(str(case.path), _file_key(case.path), fetch)
    out_name = model.graph.output[0].name
    wanted = [out_name, *fetch]
    if static_batch1:
        frames = [sess.run(wanted, {in_name: x[i : i + 1]}) for i in range(len(x))]
        results = [np.concatenate([f[j] for f in frames], axis=0) for j in range(len(wanted))]
    else:
        results = sess.run(wanted, {in_name: x})
    got = dict(zip(wanted, results, strict=True))
    inter: dict[str, np.ndarray] = {}
    for name in names:
        if name == in_name:
            inter[name] = x
        elif name in consts:
            inter[name] = consts[name]
        else:
            inter[name] = got[name]
    return got[out_name], inter


def qonnx_batched_copy(path: Path, n: int) -> tuple[Any, list[str]]:
    """A qonnx ``ModelWrapper`` of the model at ``path`` modified to run ``n`` frames at once.

    Exactly these changes are made, on a copy (the file is not touched):

    1. the data input's leading (batch) dimension is set to ``n`` (it must be 1);
    2. every ``Reshape`` of a data-dependent tensor whose target shape is an initializer starting
       with 1 (the batch-1 ``[1, -1]`` flatten Brevitas exports) gets a new initializer
       ``[-1, *rest]``, where ``rest`` is that Reshape's inferred per-frame output shape without
       the batch dimension (e.g. ``[1, -1]`` -> ``[-1, 256]``);
    3. graph outputs get leading dimension ``n``; all ``value_info`` is dropped and shapes are
       re-inferred with qonnx ``InferShapes``.

    Nothing else (no weights, no node, no attribute) changes. This is only correct for graphs
    whose batch dependence is limited to such Reshapes, which holds for every zoo graph.

    Args:
        path: ONNX file (qonnx or finn dialect, batch 1).
        n: Number of frames.

    Returns:
        The modified ``ModelWrapper`` and a list describing each change made.
    """
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.infer_shapes import InferShapes

    mw = ModelWrapper(str(path))
    model = mw.model
    in_name = _data_input_name(model)
    in_shape = list(mw.get_tensor_shape(in_name))
    if in_shape[0] != 1:
        raise ValueError(f"{path}: data input batch dimension is {in_shape[0]}, expected 1")
    consts = _constant_values(model)
    dynamic = _dynamic_tensors(model)
    changes: list[str] = []
    for node in model.graph.node:
        if node.op_type != "Reshape" or node.input[0] not in dynamic:
            continue
        shape = consts.get(node.input[1])
        if shape is None or shape.size == 0 or int(shape.reshape(-1)[0]) != 1:
            continue
        if mw.get_initializer(node.input[1]) is None:
            raise ValueError(f"Reshape {node.name!r}: shape is not an initializer")
        out_shape = mw.get_tensor_shape(node.output[0])
        new_shape = np.array([-1, *out_shape[1:]], dtype=np.int64)
        new_name = f"{node.input[1]}__batched_{len(changes)}"
        mw.set_initializer(new_name, new_shape)
        changes.append(
            f"Reshape {node.name or node.output[0]!r}: shape {node.input[1]}="
            f"{shape.tolist()} -> {new_name}={new_shape.tolist()}"
        )
        node.input[1] = new_name
    mw.set_tensor_shape(in_name, [n, *in_shape[1:]])
    changes.append(f"input {in_name!r}: shape {in_shape} -> {[n, *in_shape[1:]]}")
    for out in model.graph.output:
        shape = mw.get_tensor_shape(out.name)
        mw.set_tensor_shape(out.name, [n, *shape[1:]])
    del model.graph.value_info[:]
    mw = mw.transform(InferShapes())
    return mw, changes


@functools.lru_cache(maxsize=16)
def _qonnx_model(path: str, key: str) -> Any:
    from qonnx.core.modelwrapper import ModelWrapper

    del key
    return ModelWrapper(path)


@functools.lru_cache(maxsize=8)
def _qonnx_batched_model(path: str, key: str, n: int) -> Any:
    del key
    return qonnx_batched_copy(Path(path), n)[0]


def _run_qonnx_dialect(
    case: ModelCase, x: np.ndarray, names: Sequence[str], batched: bool
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    from qonnx.core.onnx_exec import execute_onnx

    key = _file_key(case.path)
    mw = _qonnx_model(str(case.path), key)
    in_name = _data_input_name(mw.model)
    out_name = mw.graph.output[0].name
    full = bool(names)
    frames: list[dict[str, np.ndarray]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if batched:
            bmw = _qonnx_batched_model(str(case.path), key, len(x))
            frames = [execute_onnx(bmw, {in_name: x}, return_full_exec_context=full)]
        else:
            frames = [
                execute_onnx(mw, {in_name: x[i : i + 1]}, return_full_exec_context=full)
                for i in range(len(x))
            ]
    dynamic = _dynamic_tensors(mw.model)

    def gather(name: str) -> np.ndarray:
        if len(frames) == 1 or name not in dynamic:
            return np.asarray(frames[0][name])
        return np.concatenate([np.asarray(f[name]) for f in frames], axis=0)

    return gather(out_name), {name: gather(name) for name in names}


def run_reference(
    case: ModelCase,
    x: np.ndarray,
    names: Sequence[str] = (),
    *,
    batched: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Float reference execution of a zoo model.

    torch dialect: onnxruntime (CPU, one thread) on a copy of the model with the requested
    intermediate tensors added as graph outputs; frame by frame if the input has a static batch
    of 1, else the whole batch at once (zoo torch models have a dynamic batch).

    qonnx/finn dialects: ``qonnx.core.onnx_exec.execute_onnx`` on a qonnx ``ModelWrapper``, with
    ``return_full_exec_context`` when intermediates are requested. With ``batched=True``
    (default) the whole batch runs at once on :func:`qonnx_batched_copy` of the model (batch
    dimension set to ``len(x)``, batch-1 ``[1, -1]`` Reshapes rewritten to ``[-1, K]``; nothing
    else changes). With ``batched=False`` the unmodified model runs frame by frame and the
    frames are concatenated along axis 0. Both give bit-identical results on every zoo model
    (checked in tests/unit/test_zoo.py); frame by frame is slow because the qonnx executor
    builds one onnxruntime session per standard node per call (500 frames: brevitas_cnv about
    55 s, 80 s with intermediates; brevitas_tfc about 11 s; batched: about 3 s and 0.3 s).

    Args:
        case: The model.
        x: Inputs, shape ``(n, *case.input_shape)``, float32.
        names: ONNX tensor names of intermediates to return.
        batched: qonnx/finn execution mode, see above; ignored for the torch dialect.

    Returns:
        ``(output, {name: tensor})``; the output is the model's first graph output, shape
        ``(n, ...)``; intermediates that depend on the input have leading dimension ``n``.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.shape[1:] != case.input_shape:
        raise ValueError(f"{case.name}: input shape {x.shape[1:]} != {case.input_shape}")
    if case.dialect == "torch":
        return _run_torch_dialect(case, x, names)
    if case.dialect in ("qonnx", "finn"):
        return _run_qonnx_dialect(case, x, names, batched)
    raise ValueError(f"unknown dialect {case.dialect!r}")


# --------------------------------------------------------------------------------------------
# Torch models
# --------------------------------------------------------------------------------------------

#: Torch modules of the cases built in this process, by resolved ONNX path.
_TORCH_MODELS: dict[Path, Any] = {}


def torch_outputs(case: ModelCase, x: np.ndarray) -> np.ndarray:
    """Output of the original PyTorch / Brevitas module behind a torch or qonnx case.

    Only available in the process that ran the factory (the module is kept in memory).

    Args:
        case: A case built by a torch or Brevitas factory in this process.
        x: Inputs, shape ``(n, *case.input_shape)``.

    Returns:
        The module's eval-mode output as float32 numpy.
    """
    import torch

    model = _TORCH_MODELS.get(Path(case.path).resolve())
    if model is None:
        raise KeyError(f"{case.name}: no torch module recorded for {case.path} in this process")
    with torch.no_grad():
        out = model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
    return _as_numpy(out)


def _as_numpy(t: Any) -> np.ndarray:
    value = getattr(t, "value", t)  # brevitas QuantTensor
    return value.detach().cpu().numpy().astype(np.float32)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence exporter chatter (stdout, warnings, torch loggers); errors still propagate.

    Captured stdout is replayed on stderr if the block raises.
    """
    buf = io.StringIO()
    loggers = [logging.getLogger(n) for n in ("torch", "torch.onnx", "torch.export", "onnxscript")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(buf):
            warnings.simplefilter("ignore")
            yield
    except BaseException:
        sys.stderr.write(buf.getvalue())
        raise
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@contextlib.contextmanager
def _seeded_torch(seed: int) -> Iterator[None]:
    """Seed torch's global RNG inside the block and restore it afterwards."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@functools.cache
def _nets() -> Any:
    """Torch module classes (defined lazily so this file imports without torch)."""
    import types

    import torch
    import torch.nn.functional as F
    from torch import nn

    def binarize(w: torch.Tensor) -> torch.Tensor:
        return torch.where(w >= 0, 1.0, -1.0)

    class BinaryLinear(nn.Module):
        """Linear layer with ±1 weights (latent float weights binarized in forward).

        ``xnor_alpha`` multiplies each output row by ``mean(|w|)`` of that row (XNOR-Net).
        """

        def __init__(self, fin: int, fout: int, *, bias: bool = False, xnor_alpha: bool = False):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(fout, fin).uniform_(-1.0, 1.0))
            self.bias = nn.Parameter(torch.empty(fout).uniform_(-3.0, 3.0)) if bias else None
            self.xnor_alpha = xnor_alpha

        def alpha(self) -> torch.Tensor:
            return self.weight.abs().mean(dim=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            w = binarize(self.weight)
            if self.xnor_alpha:
                w = w * self.alpha().unsqueeze(1)
            return F.linear(x, w, self.bias)

    class BinaryConv2d(nn.Module):
        """3x3 convolution with ±1 weights, optional learnable per-channel scale ``alpha``."""

        def __init__(self, cin: int, cout: int, *, padding: int = 0, alpha: bool = False):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(cout, cin, 3, 3).uniform_(-1.0, 1.0))
            self.padding = padding
            self.alpha = (
                nn.Parameter(torch.empty(cout, 1, 1, 1).uniform_(0.5, 1.5)) if alpha else None
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            w = binarize(self.weight)
            if self.alpha is not None:
                w = w * self.alpha
            return F.conv2d(x, w, None, padding=self.padding)

    class Mlp(nn.Module):
        """64 -> 48 -> 32 -> 10 binary MLP (Sign, then Where binarization, BN logits)."""

        def __init__(self) -> None:
            super().__init__()
            self.fc0 = BinaryLinear(64, 48, xnor_alpha=True)
            self.bn0 = nn.BatchNorm1d(48)
            self.fc1 = BinaryLinear(48, 32, bias=True)
            self.bn1 = nn.BatchNorm1d(32)
            self.fc2 = BinaryLinear(32, 10)
            self.bn2 = nn.BatchNorm1d(10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.sign(self.bn0(self.fc0(x)))
            x = self.bn1(self.fc1(x))
            x = torch.where(x >= 0, 1.0, -1.0)
            return self.bn2(self.fc2(x))

        def sites(self) -> list[tuple[nn.Module, torch.Tensor, torch.Tensor, torch.Tensor]]:
            """(bn, a, b, shift): BN input = a * integer_accumulator + b; flip at BN == shift."""
            zero48, zero32 = torch.zeros(48), torch.zeros(32)
            assert self.fc1.bias is not None
            return [
                (self.bn0, self.fc0.alpha().detach(), zero48, zero48),
                (self.bn1, torch.ones(32), self.fc1.bias.detach(), zero32),
            ]

        def epilogues(self) -> list[nn.Module]:
            return [self.bn2]

    class Cnn(nn.Module):
        """(1, 12, 12) uint8 -> 10 logits binary CNN covering padding / pooling / scale cases."""

        def __init__(self) -> None:
            super().__init__()
            self.conv0 = BinaryConv2d(1, 8, padding=1)  # zero padding on the integer input
            # Per-channel constant scale with negative entries (becomes an ONNX Mul).
            scale0 = torch.empty(1, 8, 1, 1).uniform_(0.5, 2.0)
            scale0[0, ::3] *= -1.0
            self.register_buffer("scale0", scale0)
            self.bn0 = nn.BatchNorm2d(8)
            self.pool0 = nn.MaxPool2d(2)  # binary pool: after the sign
            self.conv1 = BinaryConv2d(8, 16, alpha=True)  # XNOR-style per-channel alpha
            self.bn1 = nn.BatchNorm2d(16)
            self.pool1 = nn.MaxPool2d(2)  # conv -> BN -> pool -> sign
            self.conv2 = BinaryConv2d(16, 16)
            self.pool2 = nn.MaxPool2d(2, stride=1)  # conv -> pool -> BN -> sign (overlapping)
            self.bn2 = nn.BatchNorm2d(16)
            rsign = torch.empty(1, 16, 1, 1).uniform_(0.1, 0.5)
            rsign[0, ::2] *= -1.0
            self.rsign_beta = nn.Parameter(rsign)  # ReActNet RSign threshold
            self.fc0 = BinaryLinear(16 * 2 * 2, 32)
            self.bn3 = nn.BatchNorm1d(32)
            self.fc1 = BinaryLinear(32, 10)
            self.bn4 = nn.BatchNorm1d(10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.conv0(x) * self.scale0
            x = self.pool0(torch.sign(self.bn0(x)))
            x = F.pad(x, (1, 1, 1, 1), value=-1.0)
            x = torch.sign(self.pool1(self.bn1(self.conv1(x))))
            x = F.pad(x, (1, 1, 1, 1), value=1.0)
            x = self.bn2(self.pool2(self.conv2(x)))
            x = torch.sign(x - self.rsign_beta)
            x = torch.flatten(x, 1)
            x = self.bn3(self.fc0(x))
            x = torch.where(x >= 0, 1.0, -1.0)
            return self.bn4(self.fc1(x))

        def sites(self) -> list[tuple[nn.Module, torch.Tensor, torch.Tensor, torch.Tensor]]:
            """(bn, a, b, shift): BN input = a * integer_accumulator + b; flip at BN == shift."""
            z8, z16, z32 = torch.zeros(8), torch.zeros(16), torch.zeros(32)
            assert self.conv1.alpha is not None
            return [
                (self.bn0, torch.as_tensor(self.scale0).reshape(8), z8, z8),
                (self.bn1, self.conv1.alpha.detach().reshape(16), z16, z16),
                (self.bn2, torch.ones(16), z16, self.rsign_beta.detach().reshape(16)),
                (self.bn3, torch.ones(32), z32, z32),
            ]

        def epilogues(self) -> list[nn.Module]:
            return [self.bn4]

    return types.SimpleNamespace(
        BinaryLinear=BinaryLinear, BinaryConv2d=BinaryConv2d, Mlp=Mlp, Cnn=Cnn
    )


def _capture_input(model: Any, module: Any, x: np.ndarray) -> np.ndarray:
    """Run ``model`` on ``x`` and return the input ``module`` received, channels last, 2-D."""
    import torch

    seen: list[np.ndarray] = []

    class _Stop(Exception):
        pass

    def hook(_mod: Any, args: tuple[Any, ...]) -> None:
        seen.append(_as_numpy(args[0]).astype(np.float64))
        raise _Stop  # no need to run the rest of the network

    handle = module.register_forward_pre_hook(hook)
    try:
        with torch.no_grad():
            model(torch.from_numpy(x))
    except _Stop:
        pass
    finally:
        handle.remove()
    z = seen[0]
    if z.ndim > 2:
        z = np.moveaxis(z, 1, -1)
    return z.reshape(-1, z.shape[-1]) if z.ndim > 1 else z.reshape(-1, 1)


def _random_gamma(rng: np.random.Generator, c: int) -> np.ndarray:
    """|γ| in [0.5, 1.5], about 30 % negative, at least one of each sign when c > 1."""
    neg = rng.random(c) < 0.3
    if c > 1:
        neg[rng.integers(c)] = True
        if neg.all():
            neg[rng.integers(c)] = False
    return np.where(neg, -1.0, 1.0) * rng.uniform(0.5, 1.5, c)


def _place_thresholds(
    model: Any,
    bn: Any,
    a: np.ndarray,
    b: np.ndarray,
    shift: np.ndarray,
    x_cal: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Set a BatchNorm's statistics so the following binarization has a good threshold.

    The BN input is ``z = a * n + b`` per channel with ``n`` an integer accumulator (``a`` may
    be negative). For each channel a target ``t = floor(q) + u`` is chosen, ``q`` a random
    quantile in [0.3, 0.7] of the observed ``n`` and ``u`` uniform in
    [THRESHOLD_MARGIN, 1 - THRESHOLD_MARGIN]; γ, β and the variance are random, and the running
    mean is solved so that ``BN(a * t + b) == shift`` exactly, i.e. the sign (of ``BN - shift``)
    flips at ``n = t``, at least THRESHOLD_MARGIN away from every integer.
    """
    import torch

    z = _capture_input(model, bn, x_cal)
    c = z.shape[1]
    a, b, shift = (np.asarray(v, dtype=np.float64).reshape(c) for v in (a, b, shift))
    if len(z) > 50_000:  # plenty for quantiles; keeps conv layers cheap
        z = z[rng.choice(len(z), 50_000, replace=False)]
    n = (z - b) / a
    if np.abs(n - np.round(n)).max() > 1e-3:
        raise AssertionError("BN input is not on the expected accumulator grid")
    q = np.array([np.quantile(n[:, i], rng.uniform(0.3, 0.7)) for i in range(c)])
    t = np.floor(q) + rng.uniform(THRESHOLD_MARGIN, 1.0 - THRESHOLD_MARGIN, c)
    gamma = _random_gamma(rng, c)
    beta = rng.uniform(-0.5, 0.5, c)
    sd = z.std(axis=0)
    sd = np.where(sd > 1e-6, sd, 1.0)
    var = sd**2 * rng.uniform(0.5, 2.0, c)
    s = np.sqrt(var + bn.eps)
    mean = a * t + b + (beta - shift) * s / gamma
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
        bn.running_mean.copy_(torch.from_numpy(mean))
        bn.running_var.copy_(torch.from_numpy(var))


def _place_epilogue(model: Any, bn: Any, x_cal: np.ndarray, rng: np.random.Generator) -> None:
    """Random but well-scaled statistics for a BatchNorm / TensorNorm producing logits."""
    import torch

    z = _capture_input(model, bn, x_cal)
    c = bn.running_mean.numel()
    if c == 1:
        z = z.reshape(-1, 1)
    sd = z.std(axis=0)
    sd = np.where(sd > 1e-6, sd, 1.0)
    mean = z.mean(axis=0) + rng.uniform(-0.5, 0.5, c) * sd
    var = sd**2 * rng.uniform(0.5, 2.0, c)
    gamma = _random_gamma(rng, c) if c > 1 else rng.uniform(0.5, 1.5, 1)
    beta = rng.uniform(-0.5, 0.5, c)
    with torch.no_grad():
        for param, value in (
            (bn.weight, gamma),
            (bn.bias, beta),
            (bn.running_mean, mean),
            (bn.running_var, var),
        ):
            param.copy_(torch.from_numpy(value).reshape(param.shape))


def _export_torch(
    model: Any, path: Path, example: np.ndarray, *, dynamo: bool, opset: int | None
) -> None:
    """Export with the dynamo or TorchScript exporter, input "x", output "logits", dynamic batch."""
    import torch

    x = torch.from_numpy(example)
    kwargs: dict[str, Any] = {"input_names": ["x"], "output_names": ["logits"]}
    if opset is not None:
        kwargs["opset_version"] = opset
    if dynamo:
        kwargs["external_data"] = False  # default True: weights would go to a side .data file
        kwargs["dynamic_shapes"] = {"x": {0: torch.export.Dim("batch")}}
    else:
        kwargs["dynamic_axes"] = {"x": {0: "batch"}, "logits": {0: "batch"}}
    with _quiet():
        torch.onnx.export(model, (x,), str(path), dynamo=dynamo, **kwargs)
    if opset is not None:
        got = _default_opset(onnx.load(str(path), load_external_data=False))
        if got != opset:
            # The dynamo exporter silently (behind a warning) emits opset 18 when asked for less.
            raise ValueError(
                f"{path.name}: asked for opset {opset}, exporter (dynamo={dynamo}) wrote {got}"
            )


def _default_opset(model: onnx.ModelProto) -> int:
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def _build_torch_case(
    kind: str,
    out_dir: Path,
    *,
    seed: int,
    dynamo: bool,
    opset: int | None,
    input_shape: tuple[int, ...],
    high: float,
    compile_args: tuple[str, ...],
) -> ModelCase:
    nets = _nets()
    name = f"torch_{kind}_{'dynamo' if dynamo else 'torchscript'}"
    if opset is not None:
        name += f"_op{opset}"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.onnx"
    proto = ModelCase(name, path, input_shape, "torch", compile_args, (), 0.0, high, True)
    rng = np.random.default_rng([seed, 1])
    x_cal = proto.sample(rng, 512)
    with _seeded_torch(seed):
        model = nets.Mlp() if kind == "mlp" else nets.Cnn()
    model.eval()
    for bn, a, b, shift in model.sites():
        _place_thresholds(model, bn, a.numpy(), b.numpy(), shift.numpy(), x_cal, rng)
    for bn in model.epilogues():
        _place_epilogue(model, bn, x_cal, rng)
    _export_torch(model, path, x_cal[:2], dynamo=dynamo, opset=opset)
    _TORCH_MODELS[path.resolve()] = model
    binarized = binarized_tensor_names(onnx.load(str(path)))
    return ModelCase(name, path, input_shape, "torch", compile_args, binarized, 0.0, high, True)


def torch_mlp(
    out_dir: Path, *, seed: int = 0, dynamo: bool = True, opset: int | None = None
) -> ModelCase:
    """Binary MLP on 64 integer features in [0, 15] (sklearn-digits-like), 10 logits.

    ``BinaryLinear(64→48, XNOR alpha = mean|w| per row) → BN → torch.sign``,
    ``BinaryLinear(48→32, float bias) → BN → where(x >= 0, 1, -1)``,
    ``BinaryLinear(32→10) → BN`` (logits). Exported with a dynamic batch dimension.

    Args:
        out_dir: Directory to write ``<name>.onnx`` into.
        seed: Weight / statistics seed.
        dynamo: Use the dynamo exporter (default) or the TorchScript one.
        opset: Opset passed to the exporter (exporter default when None).

    Returns:
        The case (dialect "torch", compile args ``--input-int uint4``).
    """
    return _build_torch_case(
        "mlp",
        out_dir,
        seed=seed,
        dynamo=dynamo,
        opset=opset,
        input_shape=(64,),
        high=15.0,
        compile_args=("--input-int", "uint4"),
    )


def torch_cnn(
    out_dir: Path, *, seed: int = 0, dynamo: bool = True, opset: int | None = None
) -> ModelCase:
    """Binary CNN on (1, 12, 12) integer pixels in [0, 255], 10 logits.

    Layers (shapes per frame)::

        conv0  BinaryConv2d(1→8, 3x3, zero pad 1) on the integer input      8x12x12
               * per-channel constant (some negative) → BN → sign
               MaxPool2d(2) on the ±1 map (binary pool)                     8x6x6
        conv1  F.pad(value=-1) → BinaryConv2d(8→16, per-channel alpha)      16x6x6
               → BN → MaxPool2d(2) → sign                                   16x3x3
        conv2  F.pad(value=+1) → BinaryConv2d(16→16)                        16x3x3
               → MaxPool2d(2, stride=1) → BN (γ<0 channels)                 16x2x2
               → RSign: sign(x - beta_c), beta (1,16,1,1) learnable, nonzero
        fc0    flatten (NCHW) → BinaryLinear(64→32) → BN → where(x >= 0, 1, -1)
        fc1    BinaryLinear(32→10) → BN (logits)

    Args:
        out_dir: Directory to write ``<name>.onnx`` into.
        seed: Weight / statistics seed.
        dynamo: Use the dynamo exporter (default) or the TorchScript one.
        opset: Opset passed to the exporter (exporter default when None).

    Returns:
        The case (dialect "torch", compile args ``--input-int uint8``).
    """
    return _build_torch_case(
        "cnn",
        out_dir,
        seed=seed,
        dynamo=dynamo,
        opset=opset,
        input_shape=(1, 12, 12),
        high=255.0,
        compile_args=("--input-int", "uint8"),
    )


# --------------------------------------------------------------------------------------------
# Brevitas models
# --------------------------------------------------------------------------------------------


def _build_brevitas_case(
    cfg: str, name: str, out_dir: Path, seed: int, input_shape: tuple[int, ...], n_cal: int
) -> ModelCase:
    with _quiet():  # brevitas warns about optional packages on import
        import torch
        from brevitas.export import export_qonnx
        from brevitas_examples.bnn_pynq.models import model_with_cfg

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.onnx"
    proto = ModelCase(name, path, input_shape, "qonnx", (), (), 0.0, 1.0, False)
    rng = np.random.default_rng([seed, 2])
    x_cal = proto.sample(rng, n_cal)
    with _seeded_torch(seed), _quiet():
        model, _ = model_with_cfg(cfg, pretrained=False)
    model.eval()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for i, bn in enumerate(bns):
        c = bn.num_features
        # CNV's first conv sees the Q1.7 input (grid 1/128); everything else is ±1 x ±1.
        a = np.full(c, 1.0 / 128.0 if (cfg.startswith("cnv") and i == 0) else 1.0)
        _place_thresholds(model, bn, a, np.zeros(c), np.zeros(c), x_cal, rng)
    tensor_norm = [m for m in model.modules() if type(m).__name__ == "TensorNorm"]
    for tn in tensor_norm:
        _place_epilogue(model, tn, x_cal, rng)
    with _quiet():
        # external_data=False: otherwise torch leaves a stale <name>.onnx.data beside the file
        # (Brevitas re-saves the model self-contained after export but never deletes it).
        export_qonnx(model, torch.from_numpy(x_cal[:1]), str(path), external_data=False)
    _TORCH_MODELS[path.resolve()] = model
    binarized = binarized_tensor_names(onnx.load(str(path)))
    return ModelCase(name, path, input_shape, "qonnx", (), binarized, 0.0, 1.0, False)


def brevitas_tfc(out_dir: Path, *, seed: int = 0) -> ModelCase:
    """Brevitas bnn_pynq ``tfc_1w1a`` (784-64-64-64-10), random weights, placed BN statistics.

    Exported with ``brevitas.export.export_qonnx`` at batch 1. Input (1, 28, 28) floats in
    [0, 1], binarized inside the model (``BipolarQuant(2x - 1)``).

    Args:
        out_dir: Directory to write ``brevitas_tfc.onnx`` into.
        seed: Weight / statistics seed.

    Returns:
        The case (dialect "qonnx").
    """
    return _build_brevitas_case("tfc_1w1a", "brevitas_tfc", out_dir, seed, (1, 28, 28), 512)


def brevitas_sfc(out_dir: Path, *, seed: int = 0) -> ModelCase:
    """Brevitas bnn_pynq ``sfc_1w1a`` (784-256-256-256-10); otherwise as :func:`brevitas_tfc`."""
    return _build_brevitas_case("sfc_1w1a", "brevitas_sfc", out_dir, seed, (1, 28, 28), 512)


def brevitas_lfc(out_dir: Path, *, seed: int = 0) -> ModelCase:
    """Brevitas bnn_pynq ``lfc_1w1a`` (784-1024-1024-1024-10); otherwise as :func:`brevitas_tfc`."""
    return _build_brevitas_case("lfc_1w1a", "brevitas_lfc", out_dir, seed, (1, 28, 28), 512)


def brevitas_cnv(out_dir: Path, *, seed: int = 0) -> ModelCase:
    """Brevitas bnn_pynq ``cnv_1w1a`` (CIFAR-10 CNV), random weights, placed BN statistics.

    Exported with ``brevitas.export.export_qonnx`` at batch 1. Input (3, 32, 32) floats in
    [0, 1], quantised inside the model to Q1.7 (``Quant(2x - 1)``, 8 bit).

    Args:
        out_dir: Directory to write ``brevitas_cnv.onnx`` into.
        seed: Weight / statistics seed.

    Returns:
        The case (dialect "qonnx").
    """
    return _build_brevitas_case("cnv_1w1a", "brevitas_cnv", out_dir, seed, (3, 32, 32), 64)


# --------------------------------------------------------------------------------------------
# FINN-style hand-built graphs
# --------------------------------------------------------------------------------------------


class _FinnGraph:
    """Tiny builder for FINN-style streamlined graphs (float32, batch 1)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.bipolar: list[str] = []
        self.binarized: list[str] = []
        self._count = 0

    def fresh(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def init(self, stem: str, value: np.ndarray) -> str:
        name = self.fresh(stem)
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, **attrs: Any) -> str:
        out = self.fresh(stem)
        domain = QONNX_DOMAIN if op == "MultiThreshold" else ""
        name = f"{op}_{self._count}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, domain=domain, **attrs))
        return out

    def threshold(self, x: str, thresholds: np.ndarray) -> str:
        thr = self.init("thresholds", thresholds.reshape(-1, 1).astype(np.float32))
        out = self.node(
            "MultiThreshold",
            [x, thr],
            "act",
            out_dtype="BIPOLAR",
            out_scale=2.0,
            out_bias=-1.0,
        )
        self.binarized.append(out)
        return out

    def bipolar_weights(self, stem: str, shape: tuple[int, ...]) -> str:
        w = np.where(self.rng.random(shape) < 0.5, -1.0, 1.0).astype(np.float32)
        name = self.init(stem, w)
        self.bipolar.append(name)
        return name

    def acc_thresholds(self, acc: np.ndarray, k: int) -> np.ndarray:
        """Thresholds for ±1·±1 accumulators over ``k`` terms (reachable: integers of k's parity).

        Per channel: a random quantile in [0.3, 0.7] of the observed accumulator, snapped to the
        nearest reachable value, then kept there (half of the channels: ``acc == t`` ties do
        happen and exercise the ``>=`` rule), or moved up by 0.5 (half-integer) or by 1 (an
        integer of the other parity, never reached) for a quarter of the channels each.
        """
        c = acc.shape[-1]
        acc = acc.reshape(-1, c)
        q = np.array([np.quantile(acc[:, i], self.rng.uniform(0.3, 0.7)) for i in range(c)])
        reach = 2.0 * np.round((q - k) / 2.0) + k  # nearest value of the right parity
        offset = self.rng.choice([0.0, 0.5, 1.0], size=c, p=[0.5, 0.25, 0.25])
        return reach + offset


def _write_finn(
    g: _FinnGraph,
    name: str,
    out_dir: Path,
    in_name: str,
    in_shape: list[int],
    out: str,
    n_out: int,
) -> Path:
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes

    graph = helper.make_graph(
        g.nodes,
        name,
        [helper.make_tensor_value_info(in_name, TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, n_out])],
        initializer=g.inits,
    )
    model = helper.make_model(
        graph,
        producer_name="bnn2hw-tests-zoo",
        opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(QONNX_DOMAIN, 1)],
    )
    model.ir_version = 8
    mw = ModelWrapper(model)
    mw.set_tensor_datatype(in_name, DataType["FLOAT32"])
    for w in g.bipolar:
        mw.set_tensor_datatype(w, DataType["BIPOLAR"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mw = mw.transform(InferShapes()).transform(InferDataTypes())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.onnx"
    mw.save(str(path))
    return path


def _input_thresholds(rng: np.random.Generator, c: int) -> np.ndarray:
    """Input binarization thresholds: multiples of 1/256 in [0.25, 0.75] (never hit by inputs)."""
    return rng.integers(64, 193, size=c) / 256.0


def finn_tfc(out_dir: Path, *, seed: int = 0) -> ModelCase:
    """FINN-style streamlined TFC: 784 → 64 → 64 → 64 → 10, all ±1, MultiThreshold activations.

    Graph: ``MultiThreshold`` on the float input (per-pixel thresholds in [0.25, 0.75]) →
    3 x (``MatMul`` with BIPOLAR weights → ``MultiThreshold`` BIPOLAR, thresholds (64, 1)) →
    ``MatMul`` → ``Mul`` (per-class float scale, some negative) → ``Add`` (per-class bias).
    Input ``global_in`` (1, 784) floats in [0, 1]; no Reshape.

    Args:
        out_dir: Directory to write ``finn_tfc.onnx`` into.
        seed: Weight / threshold seed.

    Returns:
        The case (dialect "finn").
    """
    rng = np.random.default_rng([seed, 3])
    g = _FinnGraph(rng)
    proto = ModelCase("finn_tfc", Path(), (784,), "finn", (), (), 0.0, 1.0, False)
    x_cal = proto.sample(rng, 512).astype(np.float64)
    t_in = _input_thresholds(rng, 784)
    act = g.threshold("global_in", t_in)
    a_cal = np.where(x_cal >= t_in, 1.0, -1.0)
    fin = 784
    for _ in range(3):
        w_name = g.bipolar_weights("weights", (fin, 64))
        w = numpy_helper.to_array(g.inits[-1]).astype(np.float64)
        acc_cal = a_cal @ w
        thr = g.acc_thresholds(acc_cal, fin)
        act = g.threshold(g.node("MatMul", [act, w_name], "acc"), thr)
        a_cal = np.where(acc_cal >= thr, 1.0, -1.0)
        fin = 64
    w_name = g.bipolar_weights("weights", (64, 10))
    acc = g.node("MatMul", [act, w_name], "acc")
    scale = rng.uniform(0.05, 0.5, 10) * np.where(rng.random(10) < 0.3, -1.0, 1.0)
    scaled = g.node("Mul", [acc, g.init("scale", scale.astype(np.float32))], "scaled")
    bias = rng.uniform(-1.0, 1.0, 10).astype(np.float32)
    out = g.node("Add", [scaled, g.init("bias", bias)], "global_out")
    path = _write_finn(g, "finn_tfc", out_dir, "global_in", [1, 784], out, 10)
    return ModelCase("finn_tfc", path, (784,), "finn", (), tuple(g.binarized), 0.0, 1.0, False)


def finn_cnn(out_dir: Path, *, seed: int = 0) -> ModelCase:
    """Small FINN-style conv net on (1, 10, 10) float input in [0, 1].

    Graph::

        MultiThreshold (global threshold, shape (1, 1))            1x10x10 ±1
        Conv(1→8, 3x3, no pad, BIPOLAR) → MultiThreshold (8, 1)      8x8x8
        MaxPool 2x2 (binary pool)                                    8x4x4
        Conv(8→16, 3x3, no pad, BIPOLAR) → MultiThreshold (16, 1)    16x2x2
        Reshape [1, -1] (NCHW flatten, batch-1 like Brevitas)        64
        MatMul(64→32, BIPOLAR) → MultiThreshold (32, 1)
        MatMul(32→10, BIPOLAR) → Mul (per-class scale) → Add (per-class bias)

    Args:
        out_dir: Directory to write ``finn_cnn.onnx`` into.
        seed: Weight / threshold seed.

    Returns:
        The case (dialect "finn").
    """
    rng = np.random.default_rng([seed, 4])
    g = _FinnGraph(rng)
    shape = (1, 10, 10)
    proto = ModelCase("finn_cnn", Path(), shape, "finn", (), (), 0.0, 1.0, False)
    x_cal = proto.sample(rng, 512).astype(np.float64)
    t_in = _input_thresholds(rng, 1)
    act = g.threshold("global_in", t_in)
    a_cal = np.where(x_cal >= t_in[0], 1.0, -1.0)
    conv_attrs = {"kernel_shape": [3, 3], "pads": [0, 0, 0, 0], "strides": [1, 1]}
    for cin, cout, pool in ((1, 8, True), (8, 16, False)):
        w_name = g.bipolar_weights("weights", (cout, cin, 3, 3))
        w = numpy_helper.to_array(g.inits[-1]).astype(np.float64)
        acc_cal = _conv3x3(a_cal, w)
        thr = g.acc_thresholds(np.moveaxis(acc_cal, 1, -1), cin * 9)
        acc = g.node("Conv", [act, w_name], "acc", **conv_attrs)
        act = g.threshold(acc, thr)
        a_cal = np.where(acc_cal >= thr[None, :, None, None], 1.0, -1.0)
        if pool:
            act = g.node("MaxPool", [act], "pool", kernel_shape=[2, 2], strides=[2, 2])
            g.binarized.append(act)
            n, c, h, w_ = a_cal.shape
            a_cal = a_cal.reshape(n, c, h // 2, 2, w_ // 2, 2).max(axis=(3, 5))
    flat_shape = g.init("flat_shape", np.array([1, -1], dtype=np.int64))
    act = g.node("Reshape", [act, flat_shape], "flat")
    a_cal = a_cal.reshape(len(a_cal), -1)
    w_name = g.bipolar_weights("weights", (64, 32))
    acc_cal = a_cal @ numpy_helper.to_array(g.inits[-1]).astype(np.float64)
    thr = g.acc_thresholds(acc_cal, 64)
    act = g.threshold(g.node("MatMul", [act, w_name], "acc"), thr)
    w_name = g.bipolar_weights("weights", (32, 10))
    acc = g.node("MatMul", [act, w_name], "acc")
    scale = rng.uniform(0.05, 0.5, 10) * np.where(rng.random(10) < 0.3, -1.0, 1.0)
    scaled = g.node("Mul", [acc, g.init("scale", scale.astype(np.float32))], "scaled")
    bias = rng.uniform(-1.0, 1.0, 10).astype(np.float32)
    out = g.node("Add", [scaled, g.init("bias", bias)], "global_out")
    path = _write_finn(g, "finn_cnn", out_dir, "global_in", [1, *shape], out, 10)
    return ModelCase("finn_cnn", path, shape, "finn", (), tuple(g.binarized), 0.0, 1.0, False)


def _conv3x3(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Valid 3x3 cross-correlation, NCHW x OIHW, float64 (for threshold placement only)."""
    n, _, h, wd = x.shape
    out = np.zeros((n, w.shape[0], h - 2, wd - 2))
    for dy in range(3):
        for dx in range(3):
            patch = x[:, :, dy : dy + h - 2, dx : dx + wd - 2]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, dy, dx])
    return out


#: All factories by short name, for parametrising tests.
FACTORIES: dict[str, Callable[..., ModelCase]] = {
    "torch_mlp": torch_mlp,
    "torch_cnn": torch_cnn,
    "brevitas_tfc": brevitas_tfc,
    "brevitas_sfc": brevitas_sfc,
    "brevitas_lfc": brevitas_lfc,
    "brevitas_cnv": brevitas_cnv,
    "finn_tfc": finn_tfc,
    "finn_cnn": finn_cnn,
}
