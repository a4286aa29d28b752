"""Fixtures of the deployment tests: the two bundled examples compiled once per session (per
xdist worker) and deployed to every board in boards/, the Zynq boards also with --ip hls."""

from __future__ import annotations

from pathlib import Path

import pytest

from bnn2hw.boards import list_boards
from bnn2hw.build import Build, load_build
from bnn2hw.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEPLOYED_MODELS = {
    "mlp": EXAMPLES / "digits_mlp" / "digits_mlp.onnx",
    "cnn": EXAMPLES / "digits_cnn" / "digits_cnn.onnx",
}


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    """name ("mlp", "cnn") -> the build, with BUILD/deploy/<board> for every board and
    BUILD/deploy/<board>-hls for every Zynq board."""
    root = tmp_path_factory.mktemp("deploy")
    out = {}
    for name, model in DEPLOYED_MODELS.items():
        b = root / name
        assert main(["compile", str(model), "-o", str(b), "--golden-frames", "2"]) == 0
        for board in list_boards():
            assert main(["deploy", str(b), "--board", board.key]) == 0
            if board.ps is not None:
                assert main(["deploy", str(b), "--board", board.key, "--ip", "hls"]) == 0
        out[name] = load_build(b)
    return out
