"""bnn2hw.nn.fit / accuracy / predict: reproducible, clips binary weights after every step, drops
the last partial batch, cosine schedule, the three optimizers, and its refusals."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from bnn2hw import nn as bnn  # noqa: E402

pytestmark = pytest.mark.torch


def _data(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 17, size=(n, 16)).astype(np.float32)
    y = (x[:, :8].sum(1) > x[:, 8:].sum(1)).astype(np.int64)
    return x, y


def _bnn(seed: int = 0, stochastic: bool = False) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        bnn.QuantInput(5),
        bnn.BinaryLinear(16, 32, stochastic=stochastic),
        bnn.BatchNorm1d(32),
        bnn.Sign(stochastic=stochastic),
        bnn.BinaryLinear(32, 2),
        bnn.BatchNorm1d(2),
    )


def _state(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}


@pytest.mark.parametrize("stochastic", [False, True])
def test_reproducible(stochastic: bool) -> None:
    x, y = _data()
    runs = []
    for _ in range(2):
        m = bnn.fit(_bnn(stochastic=stochastic), x, y, epochs=3, lr=1e-2, batch=32, seed=5)
        runs.append(_state(m))
    assert runs[0].keys() == runs[1].keys()
    assert all(np.array_equal(runs[0][k], runs[1][k]) for k in runs[0])
    other = _state(bnn.fit(_bnn(stochastic=stochastic), x, y, epochs=3, lr=1e-2, seed=6))
    assert not all(np.array_equal(runs[0][k], other[k]) for k in runs[0])


def test_clips_binary_weights_after_every_step() -> None:
    x, y = _data()
    float_layer = nn.Linear(2, 2, bias=False)
    model = nn.Sequential(_bnn(), float_layer)
    seen: list[float] = []

    def check(_m: nn.Module, _inp: tuple[torch.Tensor, ...]) -> None:
        seen.append(max(float(b.weight.detach().abs().max()) for b in bnn.binary_layers(model)))

    model[0][1].register_forward_pre_hook(check)
    # a learning rate this large pushes latent weights far out of [-1, 1] in one step
    bnn.fit(model, x, y, epochs=2, lr=5.0, batch=50, schedule="constant")
    assert len(seen) == 2 * (len(x) // 50)
    assert max(seen) == 1.0
    assert float(float_layer.weight.detach().abs().max()) > 1.0  # float layers are left alone
    assert not model.training


def test_drops_the_last_partial_batch() -> None:
    x, y = _data(n=150)
    model = _bnn()
    sizes: list[int] = []
    model[1].register_forward_pre_hook(
        lambda m, inp: sizes.append(int(inp[0].shape[0])) if m.training else None
    )
    bnn.fit(model, x, y, epochs=3, lr=1e-2, batch=64)
    assert sizes == [64] * (3 * 2)


def test_cosine_schedule_and_epoch_log() -> None:
    x, y = _data()
    logs: list[bnn.EpochLog] = []
    bnn.fit(_bnn(), x, y, epochs=4, lr=0.02, on_epoch=logs.append)
    assert [e.epoch for e in logs] == [1, 2, 3, 4] and all(e.epochs == 4 for e in logs)
    lrs = [e.lr for e in logs]
    assert lrs[0] == pytest.approx(0.02)
    assert lrs == pytest.approx([0.01 * (1 + np.cos(np.pi * k / 4)) for k in range(4)])
    assert all(np.isfinite(e.loss) and e.seconds >= 0 for e in logs)
    logs.clear()
    bnn.fit(_bnn(), x, y, epochs=3, lr=0.02, schedule="constant", on_epoch=logs.append)
    assert [e.lr for e in logs] == pytest.approx([0.02] * 3)


@pytest.mark.parametrize("optimizer", ["adam", "adamax", "shift-adamax"])
def test_optimizers_learn(optimizer: str) -> None:
    x, y = _data(n=400)
    logs: list[bnn.EpochLog] = []
    m = bnn.fit(_bnn(), x, y, epochs=15, lr=1e-2, optimizer=optimizer, on_epoch=logs.append)  # type: ignore[arg-type]
    assert logs[-1].loss < logs[0].loss
    assert bnn.accuracy(m, x, y) > 0.7


def test_accuracy_and_predict() -> None:
    x, y = _data(n=100)
    m = bnn.fit(_bnn(), x, y, epochs=2, lr=1e-2, batch=20)
    m.train()
    out = bnn.predict(m, x, batch=7)
    assert m.training  # predict restores the mode
    with torch.no_grad():
        ref = m.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(out, ref)
    assert bnn.accuracy(m, x, y) == float((ref.argmax(1) == y).mean())
    assert bnn.accuracy(m, torch.from_numpy(x), torch.from_numpy(y)) == bnn.accuracy(m, x, y)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"lr": 0.0}, "lr"),
        ({"batch": 1000}, "batch"),
        ({"optimizer": "sgd"}, "optimizer"),
        ({"schedule": "step"}, "schedule"),
        ({"optimizer": "shift-adamax", "weight_decay": 1e-4}, "weight decay"),
    ],
)
def test_refusals(kwargs: dict[str, object], match: str) -> None:
    x, y = _data(n=100)
    args: dict[str, object] = {"epochs": 1, "lr": 1e-2, **kwargs}
    with pytest.raises(ValueError, match=match):
        bnn.fit(_bnn(), x, y, **args)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="labels"):
        bnn.fit(_bnn(), x, y[:-1], epochs=1, lr=1e-2)
