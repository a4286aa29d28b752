"""The README demo: compile the bundled example model, verify it, and report.

    ./dev.sh demo [--model PATH] [--test-set NPZ] [--out DIR]

The default model is the binarized digits CNN (examples/digits_cnn); the MLP runs with
``--model examples/digits_mlp/digits_mlp.onnx``. The test set defaults to the test_set.npz next
to the model.

Steps: bnn2hw compile (integer model + HLS C++ project + Verilog design) -> bnn2hw verify golden
against onnxruntime, the g++ C-simulation of the HLS project and the Verilator simulation of the
Verilog design under random stalls (1000 random frames + the held-out test set) -> golden-model
accuracy on the test set -> bnn2hw deploy for a PYNQ-Z2 (fit check, Vivado flow, the board's
driver folder) -> that driver package run over the Verilator simulation instead of the board,
checked against the golden model. Exits non-zero if any step fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bnn2hw.cli import main as bnn2hw

HERE = Path(__file__).resolve().parent
DEFAULT_MODEL = HERE / "digits_cnn" / "digits_cnn.onnx"


def step(title: str, argv: list[str]) -> None:
    print(f"\n$ bnn2hw {' '.join(argv)}", flush=True)
    rc = bnn2hw(argv)
    if rc != 0:
        print(f"demo: step '{title}' failed with exit code {rc}", file=sys.stderr)
        raise SystemExit(rc)


def deploy_and_check(build: Path, x: np.ndarray, board: str = "pynq-z2") -> None:
    """Deploy for ``board``, then run the deployment's own driver package (what the board
    imports) over the Verilator simulation and compare with the golden model."""
    import importlib.util

    from bnn2hw.build import load_build
    from bnn2hw.driver import SimTransport

    step("deploy", ["deploy", str(build), "--board", board, "--force"])
    init = build / "deploy" / board / "driver" / "accel" / "__init__.py"
    spec = importlib.util.spec_from_file_location("accel", init)
    assert spec is not None and spec.loader is not None
    accel = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(accel)
    print(f"\n$ python: accel.Accelerator(transport=SimTransport(build)).check(x)  # {init}")
    acc = accel.Accelerator(transport=SimTransport(load_build(build)), batch=16)
    result = acc.check(x)
    print(f"driver over the RTL simulation: {result}")
    if result.mismatches:
        raise SystemExit(1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument(
        "--test-set", type=Path, help="held-out set (default: test_set.npz next to the model)"
    )
    ap.add_argument("--out", type=Path, default=Path("build") / "demo")
    args = ap.parse_args()
    if args.test_set is None:
        args.test_set = args.model.parent / "test_set.npz"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    step("compile", ["compile", str(args.model), "-o", str(args.out), "--force"])
    engines = ["--engines", "golden,onnx,csim,rtl"]
    step("verify random", ["verify", str(args.out), "--random", "1000", *engines])
    if args.test_set.exists():
        data = np.load(args.test_set)
        x_path = args.out.parent / f"{args.out.name}_test_inputs.npy"
        np.save(x_path, data["inputs"])
        step("verify test set", ["verify", str(args.out), "--inputs", str(x_path), *engines])
        y_path = args.out.parent / f"{args.out.name}_test_golden.npy"
        step(
            "run golden",
            [
                "run",
                str(args.out),
                "--inputs",
                str(x_path),
                "--engine",
                "golden",
                "-o",
                str(y_path),
            ],
        )
        acc = float((np.load(y_path).argmax(axis=1) == data["labels"]).mean())
        print(
            f"\ngolden model (bit-exact integer model) accuracy on the "
            f"{len(data['labels'])} held-out digits: {acc:.2%}"
        )
        deploy_and_check(args.out, data["inputs"][:64])
    print(f"\ndemo: done; build in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
