#!/usr/bin/env python3
"""Train a small binarized MLP on scikit-learn's 8x8 digits and export it to ONNX.

Usage: python examples/digits_mlp/train.py [--out DIR] [--epochs N] [--seed S]

Model (input: 64 raw integer pixels in [0, 16], no normalisation inside the model):
    BinaryLinear(64->256)  -> BatchNorm1d -> sign
    BinaryLinear(256->256) -> BatchNorm1d -> sign
    BinaryLinear(256->10)  -> BatchNorm1d (affine)   = logits

Writes DIR/digits_mlp.onnx and DIR/test_set.npz (held-out inputs float32 (N, 64), labels int64).
Everything is seeded and deterministic; runs on CPU with 2 threads.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

HERE = Path(__file__).resolve().parent
HIDDEN = 256


# --------------------------------------------------------------------------- binarization


class _BinarizeWeight(torch.autograd.Function):
    """where(w >= 0, +1, -1); straight-through gradient where |w| <= 1."""

    @staticmethod
    def forward(ctx, w: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(w)
        return torch.where(w >= 0, 1.0, -1.0).to(w.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (w,) = ctx.saved_tensors
        return grad * (w.abs() <= 1).to(grad.dtype)


class _SignSTE(torch.autograd.Function):
    """where(x >= 0, +1, -1); saturating straight-through gradient (1 where |x| <= 1)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= 1).to(grad.dtype)


class Sign(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.compiler.is_exporting() or not torch.is_grad_enabled():
            # Plain op so the ONNX graph gets Where(x >= 0, 1, -1).
            return torch.where(x >= 0, 1.0, -1.0)
        return _SignSTE.apply(x)


class BinaryLinear(nn.Linear):
    """Linear layer with latent real weights in [-1, 1], binarized to +/-1 in forward."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__(in_features, out_features, bias=False)
        nn.init.uniform_(self.weight, -1.0, 1.0)
        self.frozen = False  # True once the latent weights were replaced by their +/-1 values

    def binary_weight(self) -> torch.Tensor:
        return torch.where(self.weight >= 0, 1.0, -1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.frozen:
            return F.linear(x, self.weight)
        return F.linear(x, _BinarizeWeight.apply(self.weight))

    @torch.no_grad()
    def freeze_(self) -> None:
        """Overwrite the latent weights with +/-1 (for export).

        Without this the exporter keeps the latent real weights plus GreaterOrEqual/Where in the
        graph (the ONNX constant folder skips tensors this large), so the +/-1 matrix would not
        appear as a constant.
        """
        self.weight.copy_(self.binary_weight())
        self.frozen = True

    @torch.no_grad()
    def clip_(self) -> None:
        self.weight.clamp_(-1.0, 1.0)


# --------------------------------------------------------------------------- models


class BinaryMLP(nn.Module):
    def __init__(self, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.fc1 = BinaryLinear(64, hidden)
        self.bn1 = nn.BatchNorm1d(hidden)
        self.fc2 = BinaryLinear(hidden, hidden)
        self.bn2 = nn.BatchNorm1d(hidden)
        self.fc3 = BinaryLinear(hidden, 10)
        self.bn3 = nn.BatchNorm1d(10, affine=True)
        self.sign = Sign()

    def pre_signs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The values fed to each sign (for the no-exact-zero check)."""
        a1 = self.bn1(self.fc1(x))
        a2 = self.bn2(self.fc2(self.sign(a1)))
        return [a1, a2]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.sign(self.bn1(self.fc1(x)))
        x = self.sign(self.bn2(self.fc2(x)))
        return self.bn3(self.fc3(x))

    def clip_(self) -> None:
        for m in self.modules():
            if isinstance(m, BinaryLinear):
                m.clip_()


class FloatMLP(nn.Module):
    """Full-precision reference of the same shape (Linear no bias -> BN -> ReLU)."""

    def __init__(self, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(64, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, 10, bias=False),
            nn.BatchNorm1d(10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def clip_(self) -> None:
        pass


# --------------------------------------------------------------------------- training


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    digits = load_digits()
    x = digits.data.astype(np.float32)  # integers 0..16
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    return x_tr, x_te, y_tr, y_te


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return (model(x).argmax(1) == y).float().mean().item()


def train(
    model: nn.Module,
    x_tr: torch.Tensor,
    y_tr: torch.Tensor,
    epochs: int,
    seed: int,
    lr: float,
    batch: int = 64,
) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    n = x_tr.shape[0]
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        # drop the last partial batch so BatchNorm never sees a tiny batch
        for i in range(0, n - batch + 1, batch):
            idx = perm[i : i + batch]
            loss = F.cross_entropy(model(x_tr[idx]), y_tr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            model.clip_()
        sched.step()
    model.eval()
    return model


# --------------------------------------------------------------------------- export


def export_onnx(model: BinaryMLP, path: Path) -> None:
    import onnx

    model = copy.deepcopy(model).eval()
    for m in model.modules():
        if isinstance(m, BinaryLinear):
            m.freeze_()
    example = (torch.zeros(1, 64),)
    onnx_program = torch.onnx.export(
        model,
        example,
        dynamo=True,
        verbose=False,
        input_names=["pixels"],
        output_names=["logits"],
        dynamic_shapes={"x": {0: torch.export.Dim.DYNAMIC}},
    )
    onnx_program.optimize()
    onnx_program.save(str(path), external_data=False)

    m = onnx.load(str(path))
    # The exporter names the dynamic batch dimension after its symbol (e.g. "s77"); call it "batch".
    batch_syms = {
        d.dim_param
        for vi in (*m.graph.input, *m.graph.output)
        for d in vi.type.tensor_type.shape.dim[:1]
        if d.dim_param
    }
    for vi in (*m.graph.input, *m.graph.output, *m.graph.value_info):
        for d in vi.type.tensor_type.shape.dim:
            if d.dim_param in batch_syms:
                d.dim_param = "batch"
    del m.metadata_props[:]
    for key, value in (("bnn2hw.input_int", "uint5"),):
        p = m.metadata_props.add()
        p.key, p.value = key, value
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, str(path))


def describe_onnx(path: Path) -> None:
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(path))
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    for node in m.graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    inits[node.output[0]] = numpy_helper.to_array(a.t)
    print(f"ONNX graph (opset {[(o.domain or 'ai.onnx', o.version) for o in m.opset_import]}):")
    for inp in m.graph.input:
        dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
        print(f"  input  {inp.name}: {dims}")
    for node in m.graph.node:
        args = []
        for name in node.input:
            if name in inits:
                a = inits[name]
                args.append(f"{name}{list(a.shape)}" if a.ndim else f"{name}={a.item():g}")
            else:
                args.append(name)
        print(f"  {node.op_type}({', '.join(args)}) -> {', '.join(node.output)}")
    for out in m.graph.output:
        dims = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
        print(f"  output {out.name}: {dims}")
    for name, a in inits.items():
        if a.ndim == 2:
            scale = np.abs(a).max(axis=1, keepdims=True)
            rows_pm = bool(np.all(np.abs(a) == scale))
            print(
                f"  matrix {name}{list(a.shape)}: every row is ±c_i: {rows_pm}, "
                f"±1 only: {bool(np.all(np.abs(a) == 1))}, "
                f"c_i in [{scale.min():.4g}, {scale.max():.4g}]"
            )
            if not rows_pm:
                raise SystemExit(f"{name} is not a per-row scaled ±1 matrix")
    print(f"  metadata: {[(p.key, p.value) for p in m.metadata_props]}")


def check_onnx(model: BinaryMLP, path: Path, x_te: torch.Tensor) -> None:
    import onnx
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    xs = x_te.numpy()
    ort_logits = sess.run(["logits"], {"pixels": xs})[0]
    with torch.no_grad():
        ref = model(x_te).numpy()
    same_argmax = bool(np.array_equal(ort_logits.argmax(1), ref.argmax(1)))
    rel = float(np.max(np.abs(ort_logits - ref)) / max(np.max(np.abs(ref)), 1e-12))
    elem_ok = bool(np.allclose(ort_logits, ref, rtol=1e-5, atol=1e-5 * np.max(np.abs(ref))))
    print(
        f"onnxruntime vs torch on {len(xs)} test inputs: argmax equal={same_argmax}, "
        f"max |diff| / max |logit| = {rel:.2e}, allclose(rtol=1e-5)={elem_ok}"
    )
    if not (same_argmax and rel <= 1e-5):
        raise SystemExit("ONNX model disagrees with the torch model")

    # The hidden +/-1 activations must be bit-identical too: expose every activation Where
    # (Where(x >= 0, 1, -1) fed by a computed tensor) as an extra graph output.
    m = onnx.load(str(path))
    consts = {t.name for t in m.graph.initializer}
    consts |= {o for n in m.graph.node if n.op_type == "Constant" for o in n.output}
    ge_of_act = {
        n.output[0]
        for n in m.graph.node
        if n.op_type == "GreaterOrEqual" and n.input[0] not in consts
    }
    sign_outs = [
        n.output[0] for n in m.graph.node if n.op_type == "Where" and n.input[0] in ge_of_act
    ]
    for name in sign_outs:
        m.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        )
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ref_signs = [torch.where(a >= 0, 1.0, -1.0).numpy() for a in model.pre_signs(x_te)]
    got = sess.run(sign_outs, {"pixels": xs})
    if len(got) != len(ref_signs):
        raise SystemExit(
            f"expected {len(ref_signs)} sign layers in the ONNX graph, found {len(got)}"
        )
    flips = [int((g != r).sum()) for g, r in zip(got, ref_signs, strict=True)]
    print(f"hidden sign activations (ONNX vs torch), mismatching bits per layer: {flips}")
    if any(flips):
        raise SystemExit("ONNX hidden activations disagree with the torch model")


@torch.no_grad()
def check_no_zero_presign(model: BinaryMLP, x_te: torch.Tensor) -> None:
    """No BN output feeding a sign is exactly 0 on the test set (so x >= 0 is never a tie).

    Also reports how far each hidden neuron's equivalent integer threshold is from an integer:
    sign(BN(z)) with integer z = W·x is `z >= t` (gamma > 0) or `z <= t` (gamma < 0) with
    t = mean - beta * sqrt(var + eps) / gamma; a t within float rounding of an integer would make
    the float reference and an integer-threshold implementation disagree for z == t.
    """
    model.eval()
    for i, a in enumerate(model.pre_signs(x_te), start=1):
        zeros = int((a == 0).sum())
        margin = float(a.abs().min())
        print(f"pre-sign layer {i}: exact zeros={zeros}, min |value|={margin:.3e}")
        if zeros:
            raise SystemExit(f"pre-sign value exactly 0 in layer {i}")
    for i, bn in enumerate((model.bn1, model.bn2), start=1):
        g = bn.weight.double()
        t = (
            bn.running_mean.double()
            - bn.bias.double() * torch.sqrt(bn.running_var.double() + bn.eps) / g
        )
        frac = (t - t.round()).abs()
        print(
            f"layer {i} thresholds: {int((g < 0).sum())} of {len(g)} neurons with gamma < 0, "
            f"t in [{float(t.min()):.1f}, {float(t.max()):.1f}], "
            f"min distance of t to an integer {float(frac.min()):.2e}"
        )


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: script dir)")
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (both models)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

    x_tr_np, x_te_np, y_tr_np, y_te_np = load_data()
    x_tr, y_tr = torch.from_numpy(x_tr_np), torch.from_numpy(y_tr_np)
    x_te, y_te = torch.from_numpy(x_te_np), torch.from_numpy(y_te_np)
    print(f"digits: {len(x_tr)} train / {len(x_te)} test, seed {args.seed}, {args.epochs} epochs")

    t0 = time.perf_counter()
    seed_everything(args.seed)
    fmodel = train(FloatMLP(), x_tr, y_tr, args.epochs, args.seed, lr=args.lr)
    t_float = time.perf_counter() - t0
    float_acc = accuracy(fmodel, x_te, y_te)
    print(f"float MLP test accuracy: {float_acc:.4f}  ({t_float:.1f} s)")

    t0 = time.perf_counter()
    seed_everything(args.seed)
    bmodel = train(BinaryMLP(), x_tr, y_tr, args.epochs, args.seed, lr=args.lr)
    t_bnn = time.perf_counter() - t0
    bnn_acc = accuracy(bmodel, x_te, y_te)
    print(f"BNN test accuracy:       {bnn_acc:.4f}  ({t_bnn:.1f} s)")

    check_no_zero_presign(bmodel, x_te)

    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / "digits_mlp.onnx"
    export_onnx(bmodel, onnx_path)
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes, dynamic batch)")
    describe_onnx(onnx_path)
    check_onnx(bmodel, onnx_path, x_te)

    npz_path = args.out / "test_set.npz"
    np.savez_compressed(
        npz_path, inputs=x_te_np.astype(np.float32), labels=y_te_np.astype(np.int64)
    )
    print(f"wrote {npz_path} (inputs {x_te_np.shape} float32, labels {y_te_np.shape} int64)")


if __name__ == "__main__":
    main()
