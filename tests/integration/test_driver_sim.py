"""The host driver over the simulation transport: Accelerator(build, SimTransport).infer on the
digits MLP and CNN examples, batched, bit-exact against the golden model (logits equal exactly,
accumulators equal), with and without random stalls."""

from __future__ import annotations

import importlib.util
import types
from pathlib import Path

import numpy as np
import pytest

from bnn2hw.build import Build, load_build
from bnn2hw.cli import main
from bnn2hw.driver import Accelerator, Codec, SimTransport
from bnn2hw.golden import run_golden
from bnn2hw.rtl_sim import Stalls

pytestmark = pytest.mark.rtl

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FRAMES = 56  # 3 full batches of 16 and a partial one
BATCH = 16


def _load_package(folder: Path) -> types.ModuleType:
    """The deployed ``accel`` package, imported under a unique name (its ``bnn2hw.driver``
    import is this installation's: the same modules as its copy, tested separately)."""
    spec = importlib.util.spec_from_file_location(f"accel_{id(folder)}", folder / "__init__.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _compile(name: str, tmp: Path) -> tuple[Build, np.ndarray]:
    out = tmp / name
    assert main(["compile", str(EXAMPLES / name / f"{name}.onnx"), "-o", str(out)]) == 0
    x = np.load(EXAMPLES / name / "test_set.npz")["inputs"][:FRAMES]
    return load_build(out), x


@pytest.mark.parametrize("name", ["digits_mlp", "digits_cnn"])
@pytest.mark.parametrize("stalls", ["none", "both"])
def test_driver_sim_bit_exact(
    name: str, stalls: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, x = _compile(name, tmp_path)
    transport = SimTransport(build, Stalls.named(stalls, seed=5))
    acc = Accelerator(build, transport, batch=BATCH)
    res = acc.run(x)
    gold = run_golden(build.graph, x)
    assert transport.calls == -(-FRAMES // BATCH)
    np.testing.assert_array_equal(res.acc, gold.acc)
    np.testing.assert_array_equal(res.logits, gold.logits)
    y = acc.infer(x[:5])  # the plain API: the model's outputs
    assert y.dtype == gold.output.dtype
    np.testing.assert_array_equal(y, gold.output[:5])
    # the board's path: the codec from bnn2hw.json alone
    board = Accelerator(build.path / "bnn2hw.json", transport, batch=BATCH)
    assert isinstance(board.codec, Codec)
    np.testing.assert_array_equal(board.infer(x[:BATCH]), gold.output[:BATCH])
    # the deployment's driver package (what users import on the board) over the simulation
    assert main(["deploy", str(build.path), "--board", "ultra96-v2", "--batch", "4"]) == 0
    accel = _load_package(build.path / "deploy" / "ultra96-v2" / "driver" / "accel")
    deployed = accel.Accelerator(transport=transport, batch=BATCH)
    check = deployed.check(x)
    assert (check.frames, check.values, check.mismatches) == (FRAMES, gold.acc.size, 0)
    with capsys.disabled():
        print(
            f"\n  driver {name} stalls={stalls}: {FRAMES} frames in batches of {BATCH}, "
            f"{gold.acc.size} accumulators and {gold.logits.size} logits equal to golden"
        )
