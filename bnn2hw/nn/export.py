"""Export a bnn2hw.nn model to ONNX in the form the compiler imports exactly.

The exported graph holds the binary weights as +-1 constants (``MatMul``/``Gemm``/``Conv``), each
per-channel factor as ``Mul`` and offset as ``Add``/``Sub`` (XNOR-Net scales, BatchNorm, RSign
thresholds), binary padding as an explicit ``Pad``, and every sign as ``Where(x >= 0, 1, -1)``, so
no tie is left to a convention. An integer input is declared in the metadata
``bnn2hw.input_int``. The export then runs the file in onnxruntime on the example input and
checks it against the PyTorch model: every hidden sign bit equal, outputs equal.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from bnn2hw import __version__
from bnn2hw.nn.layers import (
    BatchNorm1d,
    BatchNorm2d,
    QuantInput,
    Sign,
    _BinaryWeights,
    _ExactBatchNorm,
    check_finite,
)

__all__ = ["ExportCheck", "export_onnx", "sign_tensors", "torch_reference", "torch_tensors"]

BATCH = "batch"


@dataclass(frozen=True)
class ExportCheck:
    """What the export's self-check compared (onnxruntime against PyTorch)."""

    frames: int
    sign_layers: int
    sign_bits: int
    sign_mismatches: int
    max_output_diff: float

    def describe(self) -> str:
        return (
            f"{self.frames} frames: {self.sign_bits} hidden sign bits in {self.sign_layers} "
            f"layers, {self.sign_mismatches} mismatches; largest output difference "
            f"{self.max_output_diff:.3g}"
        )


@torch.no_grad()
def torch_reference(model: nn.Module, x: torch.Tensor) -> tuple[np.ndarray, list[np.ndarray]]:
    """The model's eval output and every Sign module's output (execution order) on x."""
    was_training = model.training
    model.eval()
    signs: list[np.ndarray] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: signs.append(out.detach().numpy().copy()))
        for m in model.modules()
        if isinstance(m, Sign)
    ]
    try:
        out = model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return out.detach().numpy(), signs


def _exact_batchnorms(model: nn.Module) -> None:
    """Swap torch BatchNorm modules for bnn2hw's exact ones (same parameters and statistics)."""
    for name, child in list(model.named_children()):
        if isinstance(child, (nn.BatchNorm1d, nn.BatchNorm2d)) and not isinstance(
            child, _ExactBatchNorm
        ):
            cls = BatchNorm2d if isinstance(child, nn.BatchNorm2d) else BatchNorm1d
            new = cls(
                child.num_features,
                eps=child.eps,
                momentum=child.momentum,
                affine=child.affine,
                track_running_stats=child.track_running_stats,
            )
            new.load_state_dict(child.state_dict())
            setattr(model, name, new)
        else:
            _exact_batchnorms(child)


def _frozen_copy(model: nn.Module) -> nn.Module:
    m = copy.deepcopy(model)
    _exact_batchnorms(m)
    m.eval()
    for name, mod in m.named_modules():
        if isinstance(mod, _ExactBatchNorm) and not mod.track_running_stats:
            raise ValueError(
                f"export_onnx: BatchNorm '{name}' has no running statistics "
                "(track_running_stats=False), so inference depends on the batch; "
                "train it with running statistics"
            )
        if isinstance(mod, (_BinaryWeights, _ExactBatchNorm)):
            mod.freeze_()
    return m


def _input_int(model: nn.Module, given: str | None) -> str | None:
    declared = {m.int_type for m in model.modules() if isinstance(m, QuantInput)}
    if len(declared) > 1:
        raise ValueError(f"export_onnx: several QuantInput modules ({sorted(declared)})")
    if given is not None and declared and given not in declared:
        raise ValueError(f"export_onnx: input_int={given!r} but the model declares {declared}")
    return given or (declared.pop() if declared else None)


def sign_tensors(model: str | Path | object) -> list[str]:
    """The exported graph's sign outputs, Where(GreaterOrEqual(x, 0), 1, -1) on computed
    tensors, in graph order: the same order as the model's Sign modules run."""
    import onnx

    m = onnx.load(str(model)) if isinstance(model, str | Path) else model
    assert isinstance(m, onnx.ModelProto)
    consts = {t.name for t in m.graph.initializer}
    consts |= {o for n in m.graph.node if n.op_type == "Constant" for o in n.output}
    ge = {
        n.output[0]
        for n in m.graph.node
        if n.op_type == "GreaterOrEqual" and n.input[0] not in consts
    }
    return [n.output[0] for n in m.graph.node if n.op_type == "Where" and n.input[0] in ge]


def torch_tensors(
    model: nn.Module, x: torch.Tensor, onnx_path: str | Path
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The PyTorch model as a reference for the compiler's engines: its output on x and its
    sign outputs keyed by the exported ONNX tensor names (as ``bnn2hw verify`` keys the
    onnxruntime reference)."""
    out, signs = torch_reference(model, x)
    names = sign_tensors(onnx_path)
    if len(names) != len(signs):
        raise ValueError(
            f"{onnx_path}: {len(names)} sign nodes but {len(signs)} Sign modules ran on x"
        )
    return out, dict(zip(names, signs, strict=True))


def _finish(path: Path, input_int: str | None, source_hash: str) -> None:
    import onnx

    m = onnx.load(str(path))
    syms = {
        d.dim_param
        for vi in (*m.graph.input, *m.graph.output)
        for d in vi.type.tensor_type.shape.dim[:1]
        if d.dim_param
    }
    for vi in (*m.graph.input, *m.graph.output, *m.graph.value_info):
        for d in vi.type.tensor_type.shape.dim:
            if d.dim_param in syms:
                d.dim_param = BATCH
    del m.metadata_props[:]
    meta = {"bnn2hw.exporter": f"bnn2hw.nn {__version__}", "bnn2hw.sign_at_zero": "+1"}
    meta["bnn2hw.torch_state_sha256"] = source_hash
    if input_int is not None:
        meta["bnn2hw.input_int"] = input_int
    for key, value in sorted(meta.items()):
        p = m.metadata_props.add()
        p.key, p.value = key, value
    m.producer_name, m.producer_version = "bnn2hw.nn", __version__
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, str(path))


def _state_hash(model: nn.Module) -> str:
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def _check(model: nn.Module, path: Path, x: torch.Tensor, input_name: str) -> ExportCheck:
    import onnx
    import onnxruntime as ort

    ref_out, ref_signs = torch_reference(model, x)
    m = onnx.load(str(path))
    names = sign_tensors(m)
    for name in names:
        m.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        )
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    got = sess.run(None, {input_name: x.numpy()})
    out, signs = got[0], got[1:]
    if len(signs) != len(ref_signs):
        raise ValueError(
            f"export_onnx: {path}: {len(signs)} sign nodes in the graph but {len(ref_signs)} Sign "
            "modules ran; use bnn2hw.nn.Sign/RSign for every binary activation"
        )
    bits = sum(int(r.size) for r in ref_signs)
    flips = sum(int((g != r).sum()) for g, r in zip(signs, ref_signs, strict=True))
    diff = float(np.max(np.abs(out.astype(np.float64) - ref_out))) if out.size else 0.0
    check = ExportCheck(len(x), len(signs), bits, flips, diff)
    scale = max(float(np.max(np.abs(ref_out))), 1.0) if ref_out.size else 1.0
    if flips or out.shape != ref_out.shape or diff > 1e-5 * scale:
        path.unlink(missing_ok=True)
        raise ValueError(
            f"export_onnx: onnxruntime disagrees with the PyTorch model ({check.describe()}); "
            "nothing written"
        )
    return check


def _torch_export(model: nn.Module, x: torch.Tensor, input_name: str, output_name: str) -> Any:
    """torch.onnx.export (dynamo) with a dynamic batch, without its unrelated chatter
    (torchvision registration notices, pytree deprecation warnings)."""
    logger = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return torch.onnx.export(
                model,
                (x,),
                dynamo=True,
                verbose=False,
                input_names=[input_name],
                output_names=[output_name],
                dynamic_shapes=({0: torch.export.Dim.DYNAMIC},),
            )
    finally:
        logger.setLevel(level)


def export_onnx(
    model: nn.Module,
    example_input: torch.Tensor,
    path: str | Path,
    *,
    input_name: str = "input",
    output_name: str = "output",
    input_int: str | None = None,
) -> ExportCheck:
    """Write ``model`` (eval mode, latent weights binarized) as ONNX at ``path``.

    Args:
        model: a torch module built from bnn2hw.nn layers and plain torch ops (Flatten,
            MaxPool2d, ...). It is not modified (a frozen copy is exported).
        example_input: a batch of real inputs (N, ...); the batch dimension is exported dynamic
            and the export is checked on these inputs.
        input_int: the integer type of the input ("uint8", "uint5", "int4", ...), unless the
            model starts with a QuantInput that declares it.

    Returns what the onnxruntime-against-PyTorch check compared. Raises ValueError (nothing
    written) if the model has NaN/inf parameters or the export disagrees with PyTorch.
    """
    path = Path(path)
    check_finite(model)
    int_type = _input_int(model, input_int)
    frozen = _frozen_copy(model)
    x = example_input.detach().to(torch.float32)
    program = _torch_export(frozen, x, input_name, output_name)
    assert program is not None
    program.optimize()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    program.save(str(tmp), external_data=False)
    try:
        _finish(tmp, int_type, _state_hash(model))
        check = _check(model, tmp, x, input_name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return check
