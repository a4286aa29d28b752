"""Golden model frames/s against onnxruntime on the same torch-exported models, in one run.

    .venv/bin/python benches/bench_golden.py [--frames N] [--threads T]

Models: a CNV-shaped binary CNN (BNN-PYNQ CNV topology: 8-bit input, 6 binary 3x3 convs with
BatchNorm and sign, max-pool after the sign, 3 dense layers) and the bundled digits MLP. Random
weights and BatchNorm statistics; both exported with torch.onnx.export (dynamo) and run by
onnxruntime as float32. Prints frames/s of each engine and the ratio golden / onnxruntime
(DESIGN.md target: >= 3.4).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bnn2hw.build import compile_model
from bnn2hw.engines import run_onnx
from bnn2hw.frontend import ImportOptions
from bnn2hw.golden import run_golden

ROOT = Path(__file__).resolve().parents[1]


def cnv_torch(path: Path) -> None:
    import torch
    from torch import nn

    torch.manual_seed(0)

    def sign(x: torch.Tensor) -> torch.Tensor:
        return torch.where(x >= 0, 1.0, -1.0)

    class BinConv(nn.Conv2d):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return nn.functional.conv2d(x, sign(self.weight))

    class BinLinear(nn.Linear):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return nn.functional.linear(x, sign(self.weight))

    class Cnv(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            chans = [
                (3, 64, False),
                (64, 64, True),
                (64, 128, False),
                (128, 128, True),
                (128, 256, False),
                (256, 256, False),
            ]
            self.convs = nn.ModuleList(BinConv(a, b, 3, bias=False) for a, b, _ in chans)
            self.bns = nn.ModuleList(nn.BatchNorm2d(b) for _, b, _ in chans)
            self.pool = [p for _, _, p in chans]
            self.fcs = nn.ModuleList(
                [
                    BinLinear(256, 512, bias=False),
                    BinLinear(512, 512, bias=False),
                    BinLinear(512, 10, bias=False),
                ]
            )
            self.fbns = nn.ModuleList([nn.BatchNorm1d(512), nn.BatchNorm1d(512)])
            for bn, fan in [
                (b, c.in_channels * 9) for b, c in zip(self.bns, self.convs, strict=True)
            ] + [(self.fbns[0], 256), (self.fbns[1], 512)]:
                scale = 128.0 * fan if bn is self.bns[0] else fan
                bn.running_mean.uniform_(-0.3 * scale**0.5, 0.3 * scale**0.5)
                bn.running_var.fill_(scale)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for conv, bn, pool in zip(self.convs, self.bns, self.pool, strict=True):
                x = sign(bn(conv(x)))
                if pool:
                    x = nn.functional.max_pool2d(x, 2)
            x = x.flatten(1)
            x = sign(self.fbns[0](self.fcs[0](x)))
            x = sign(self.fbns[1](self.fcs[1](x)))
            return self.fcs[2](x)

    model = Cnv().eval()
    torch.onnx.export(
        model,
        (torch.zeros(1, 3, 32, 32),),
        str(path),
        dynamo=True,
        dynamic_shapes={"x": {0: torch.export.Dim.DYNAMIC}},
        external_data=False,
        verbose=False,
    )


def rate(fn: Callable[[], object], frames: int) -> float:
    fn()  # warm-up
    t0 = time.perf_counter()
    fn()
    return frames / (time.perf_counter() - t0)


def bench(name: str, path: Path, options: ImportOptions, x: np.ndarray) -> None:
    graph = compile_model(path, options)
    g = rate(lambda: run_golden(graph, x), len(x))
    o = rate(lambda: run_onnx(path, x), len(x))
    print(f"{name:<12}{len(x):>8}{g:>14,.0f}{o:>16,.0f}{g / o:>10.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=256)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'model':<12}{'frames':>8}{'golden fr/s':>14}{'onnxrt fr/s':>16}{'ratio':>10}")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "cnv.onnx"
        cnv_torch(p)
        x = rng.integers(0, 256, (args.frames, 3, 32, 32)).astype(np.float32)
        bench("CNV", p, ImportOptions(input_int="uint8"), x)
    data = np.load(ROOT / "examples" / "digits_mlp" / "test_set.npz")
    x = np.resize(data["inputs"], (max(args.frames, 4096), 64)).astype(np.float32)
    bench("digits MLP", ROOT / "examples" / "digits_mlp" / "digits_mlp.onnx", ImportOptions(), x)


if __name__ == "__main__":
    main()
