"""Bad models and bad arguments: exit code 2, one clear line on stderr, nothing left behind.

Every case builds its own broken file or argument list; the CLI runs in-process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_builders import mlp_nodes, save, tiny_mlp

from bnn2hw.cli import main

Case = Callable[[Path], list[str]]


def _model(tmp: Path, mutate: Callable[[list, list], None] | None = None, **kw) -> Path:
    nodes, inits = mlp_nodes()
    if mutate is not None:
        mutate(nodes, inits)
    return save(tiny_mlp(nodes, inits, **kw), tmp / "m.onnx")


def _set_init(inits: list, name: str, value: np.ndarray) -> None:
    i = next(k for k, t in enumerate(inits) if t.name == name)
    inits[i] = numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)


def _node(nodes: list, name: str) -> int:
    return next(k for k, n in enumerate(nodes) if n.name == name)


def _compile(tmp: Path, model: Path, *extra: str) -> list[str]:
    return ["compile", str(model), "-o", str(tmp / "build"), *extra]


# ---- model files ------------------------------------------------------------------------------


def missing_file(t: Path) -> list[str]:
    return _compile(t, t / "nope.onnx")


def empty_file(t: Path) -> list[str]:
    (t / "e.onnx").write_bytes(b"")
    return _compile(t, t / "e.onnx")


def truncated_file(t: Path) -> list[str]:
    data = _model(t).read_bytes()
    (t / "tr.onnx").write_bytes(data[: len(data) // 2])
    return _compile(t, t / "tr.onnx")


def garbage_bytes(t: Path) -> list[str]:
    (t / "g.onnx").write_bytes(np.random.default_rng(0).bytes(3000))
    return _compile(t, t / "g.onnx")


def text_file(t: Path) -> list[str]:
    (t / "j.onnx").write_text('{"not": "onnx"}\n')
    return _compile(t, t / "j.onnx")


def folder_as_model(t: Path) -> list[str]:
    (t / "dir.onnx").mkdir()
    return _compile(t, t / "dir.onnx")


def unsupported_op(t: Path) -> list[str]:
    def m(nodes, inits):
        nodes[_node(nodes, "add_bias")] = helper.make_node("Add", ["a2", "bias"], ["z"], name="ab")
        nodes.append(helper.make_node("Softmax", ["z"], ["y"], name="softmax", axis=1))

    return _compile(t, _model(t, m))


def non_binary_weights(t: Path) -> list[str]:
    return _compile(
        t, _model(t, lambda n, i: _set_init(i, "w1", np.random.default_rng(1).normal(size=(16, 8))))
    )


def zero_weights(t: Path) -> list[str]:
    def m(nodes, inits):
        w = np.ones((16, 8), np.float32)
        w[3, 2] = 0
        _set_init(inits, "w1", w)

    return _compile(t, _model(t, m))


def nan_in_batchnorm(t: Path) -> list[str]:
    return _compile(
        t, _model(t, lambda n, i: _set_init(i, "mean", np.array([0, 1, np.nan, 0, 0, 0, 0, 0])))
    )


def negative_variance(t: Path) -> list[str]:
    return _compile(
        t, _model(t, lambda n, i: _set_init(i, "var", np.array([1, 1, 1, -2, 1, 1, 1, 1])))
    )


def inf_in_batchnorm_scale(t: Path) -> list[str]:
    return _compile(t, _model(t, lambda n, i: _set_init(i, "gamma", np.full(8, np.inf))))


def batchnorm_training_mode(t: Path) -> list[str]:
    def m(nodes, inits):
        k = _node(nodes, "bn1")
        nodes[k] = helper.make_node(
            "BatchNormalization",
            ["a1", "gamma", "beta", "mean", "var"],
            ["b1"],
            name="bn1",
            training_mode=1,
        )

    return _compile(t, _model(t, m))


def real_input_into_layer(t: Path) -> list[str]:
    def m(nodes, inits):
        del nodes[_node(nodes, "sign_in")]
        nodes[_node(nodes, "mm1")] = helper.make_node("MatMul", ["x", "w1"], ["a1"], name="mm1")

    return _compile(t, _model(t, m))


def symbolic_input_dim(t: Path) -> list[str]:
    inp = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "F"])]
    return _compile(t, _model(t, inputs=inp))


def two_inputs(t: Path) -> list[str]:
    inp = [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 16]),
        helper.make_tensor_value_info("x2", TensorProto.FLOAT, ["N", 16]),
    ]
    return _compile(t, _model(t, inputs=inp))


def two_outputs(t: Path) -> list[str]:
    out = [
        helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4]),
        helper.make_tensor_value_info("s1", TensorProto.FLOAT, ["N", 8]),
    ]
    return _compile(t, _model(t, outputs=out))


def branch(t: Path) -> list[str]:
    def m(nodes, inits):
        nodes[_node(nodes, "add_bias")] = helper.make_node("Add", ["a2", "a2"], ["y"], name="res")

    return _compile(t, _model(t, m))


def _conv_model(
    t: Path,
    *,
    pads=(0, 0, 0, 0),
    group: int = 1,
    dilations=(1, 1),
    pool: dict | None = None,
    sign_in: bool = True,
) -> Path:
    rng = np.random.default_rng(0)
    cin = 2
    w = np.where(rng.random((4, cin // group, 3, 3)) < 0.5, 1.0, -1.0).astype(np.float32)
    w2 = np.where(rng.random((4 * 16, 3)) < 0.5, 1.0, -1.0).astype(np.float32)
    nodes = [
        helper.make_node("Sign", ["x"], ["xs"], name="sign_in"),
        helper.make_node(
            "Conv",
            ["xs", "w"],
            ["c"],
            name="conv",
            pads=list(pads),
            group=group,
            dilations=list(dilations),
            kernel_shape=[3, 3],
        ),
        helper.make_node("Add", ["c", "cb"], ["cbo"], name="cbias"),
        helper.make_node("Sign", ["cbo"], ["s"], name="sign1"),
    ]
    last = "s"
    if pool is not None:
        nodes.append(helper.make_node("MaxPool", ["s"], ["p"], name="pool", **pool))
        last = "p"
    nodes += [
        helper.make_node("Flatten", [last], ["f"], name="flat", axis=1),
        helper.make_node("MatMul", ["f", "w2"], ["y"], name="fc"),
    ]
    inits = [
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(w2, "w2"),
        numpy_helper.from_array(np.full((1, 4, 1, 1), 0.5, np.float32), "cb"),
    ]
    inp = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", cin, 6, 6])]
    out = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])]
    return save(tiny_mlp(nodes, inits, inputs=inp, outputs=out), t / "conv.onnx")


def zero_padding_binary_conv(t: Path) -> list[str]:
    return _compile(t, _conv_model(t, pads=(1, 1, 1, 1)))


def grouped_conv(t: Path) -> list[str]:
    return _compile(t, _conv_model(t, group=2))


def dilated_conv(t: Path) -> list[str]:
    return _compile(t, _conv_model(t, dilations=(2, 2)))


def maxpool_ceil_mode(t: Path) -> list[str]:
    return _compile(
        t, _conv_model(t, pool={"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1})
    )


def two_bit_activation(t: Path) -> list[str]:
    def m(nodes, inits):
        k = _node(nodes, "sign1")
        nodes[k] = helper.make_node(
            "Quant",
            ["b1", "qs", "qz", "qb"],
            ["s1"],
            name="quant2",
            domain="qonnx.custom_op.general",
            signed=1,
            narrow=0,
            rounding_mode="ROUND",
        )
        inits += [
            numpy_helper.from_array(np.float32(0.5), n)
            if n == "qs"
            else numpy_helper.from_array(np.float32(v), n)
            for n, v in (("qs", 0.5), ("qz", 0.0), ("qb", 2.0))
        ]

    p = _model(t, m)
    mo = onnx.load(str(p))
    mo.opset_import.append(helper.make_opsetid("qonnx.custom_op.general", 1))
    onnx.save(mo, str(p))
    return _compile(t, p)


def multibit_multithreshold(t: Path) -> list[str]:
    def m(nodes, inits):
        nodes[_node(nodes, "sign1")] = helper.make_node(
            "MultiThreshold", ["b1", "thr"], ["s1"], name="mt", domain="qonnx.custom_op.general"
        )
        inits.append(numpy_helper.from_array(np.zeros((8, 3), np.float32), "thr"))

    return _compile(t, _model(t, m))


def binarized_output(t: Path) -> list[str]:
    def m(nodes, inits):
        nodes[_node(nodes, "add_bias")] = helper.make_node("Add", ["a2", "bias"], ["z"], name="ab")
        nodes.append(helper.make_node("Sign", ["z"], ["y"], name="sign_out"))

    return _compile(t, _model(t, m))


def reachable_sign_tie(t: Path) -> list[str]:
    def m(nodes, inits):  # MatMul straight into Sign: K=16 is even, so acc = 0 is reachable
        nodes[_node(nodes, "bn1")] = helper.make_node("Identity", ["a1"], ["b1"], name="noop")

    return _compile(t, _model(t, m))


def external_data(t: Path) -> list[str]:
    p = _model(t)
    mo = onnx.load(str(p))
    onnx.save(
        mo,
        str(t / "ext.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="ext.data",
        size_threshold=0,
    )
    return _compile(t, t / "ext.onnx")


def dangling_input(t: Path) -> list[str]:
    def m(nodes, inits):
        nodes[_node(nodes, "mm2")] = helper.make_node("MatMul", ["ghost", "w2"], ["a2"], name="mm2")

    return _compile(t, _model(t, m))


def where_non_bipolar(t: Path) -> list[str]:
    def m(nodes, inits):
        k = _node(nodes, "sign1")
        nodes[k : k + 1] = [
            helper.make_node("GreaterOrEqual", ["b1", "zero"], ["ge"], name="ge"),
            helper.make_node("Where", ["ge", "one", "zero"], ["s1"], name="where01"),
        ]
        inits += [
            numpy_helper.from_array(np.float32(0), "zero"),
            numpy_helper.from_array(np.float32(1), "one"),
        ]

    return _compile(t, _model(t, m))


def reshape_drops_batch(t: Path) -> list[str]:
    def m(nodes, inits):
        k = _node(nodes, "mm2")
        nodes[k:k] = [helper.make_node("Reshape", ["s1", "shp"], ["s1r"], name="bad_reshape")]
        nodes[k + 1] = helper.make_node("MatMul", ["s1r", "w2"], ["a2"], name="mm2")
        inits.append(numpy_helper.from_array(np.array([8, -1], np.int64), "shp"))

    return _compile(t, _model(t, m))


def transpose_on_data(t: Path) -> list[str]:
    def m(nodes, inits):
        k = _node(nodes, "mm2")
        nodes[k:k] = [helper.make_node("Transpose", ["s1"], ["s1t"], name="tr", perm=[1, 0])]
        nodes[k + 1] = helper.make_node("MatMul", ["s1t", "w2"], ["a2"], name="mm2")

    return _compile(t, _model(t, m))


def per_channel_activation_scale(t: Path) -> list[str]:
    def m(nodes, inits):
        nodes[_node(nodes, "sign1")] = helper.make_node(
            "BipolarQuant", ["b1", "bqs"], ["s1"], name="bq", domain="qonnx.custom_op.general"
        )
        inits.append(numpy_helper.from_array(np.linspace(1, 2, 8).astype(np.float32), "bqs"))

    return _compile(t, _model(t, m))


# ---- arguments --------------------------------------------------------------------------------


def existing_output_folder(t: Path) -> list[str]:
    (t / "build").mkdir()
    (t / "build" / "keep.txt").write_text("user data")
    return _compile(t, _model(t))


def bad_input_int_type(t: Path) -> list[str]:
    return _compile(t, _model(t), "--input-int", "float7")


def bad_input_range(t: Path) -> list[str]:
    return _compile(t, _model(t), "--input-range", "3,1")


def bad_topk(t: Path) -> list[str]:
    return _compile(t, _model(t), "--topk", "9")


def topk_not_provable(t: Path) -> list[str]:
    def m(nodes, inits):
        _set_init(inits, "bias", np.array([0.1, 0.2, 0.3, 0.4]))
        nodes.append(helper.make_node("Mul", ["y0", "sc"], ["y"], name="per_class_scale"))
        nodes[_node(nodes, "add_bias")] = helper.make_node(
            "Add", ["a2", "bias"], ["y0"], name="add_bias"
        )
        inits.append(numpy_helper.from_array(np.array([1, -1, 2, 3], np.float32), "sc"))

    return _compile(t, _model(t, m), "--topk", "1")


def _build(t: Path) -> Path:
    assert main(_compile(t, _model(t))) == 0
    return t / "build"


def _run(
    t: Path,
    x: np.ndarray | None,
    *,
    model: Path | None = None,
    engine: str = "golden",
    out: str = "y.npy",
    extra: tuple[str, ...] = (),
) -> list[str]:
    """argv of `bnn2hw run` on the tiny model (or `model`), saving x as the inputs if given."""
    if x is not None:
        np.save(t / "x.npy", x)
    model = model or _model(t)
    return [
        "run",
        str(model),
        *extra,
        "--inputs",
        str(t / "x.npy"),
        "--engine",
        engine,
        "-o",
        str(t / out),
    ]


def run_inputs_missing(t: Path) -> list[str]:
    return _run(t, None)


def run_inputs_wrong_shape(t: Path) -> list[str]:
    return _run(t, np.zeros((3, 15), np.float32))


def run_inputs_no_batch(t: Path) -> list[str]:
    return _run(t, np.zeros(16, np.float32), engine="onnx")


def _int_model(t: Path) -> Path:
    def m(nodes, inits):
        del nodes[_node(nodes, "sign_in")]
        nodes[_node(nodes, "mm1")] = helper.make_node("MatMul", ["x", "w1"], ["a1"], name="mm1")

    return _model(t, m)


def run_non_integer_inputs(t: Path) -> list[str]:
    return _run(
        t, np.full((2, 16), 1.5, np.float32), model=_int_model(t), extra=("--input-int", "uint8")
    )


def run_inputs_out_of_range(t: Path) -> list[str]:
    return _run(
        t, np.full((2, 16), 300, np.float32), model=_int_model(t), extra=("--input-int", "uint8")
    )


def run_inputs_nan(t: Path) -> list[str]:
    x = np.zeros((2, 16), np.float32)
    x[1, 3] = np.nan
    return _run(t, x)


def run_inputs_not_npy(t: Path) -> list[str]:
    (t / "x.npy").write_text("1,2,3\n")
    return _run(t, None)


def run_inputs_strings(t: Path) -> list[str]:
    return _run(t, np.array([["a"] * 16]))


def run_unknown_engine(t: Path) -> list[str]:
    return _run(t, np.zeros((2, 16), np.float32), engine="fpga")


def run_output_not_npy(t: Path) -> list[str]:
    return _run(t, np.ones((2, 16), np.float32), out="y.txt")


def verify_missing_build(t: Path) -> list[str]:
    return ["verify", str(t / "nobuild"), "--random", "5"]


def verify_not_a_build(t: Path) -> list[str]:
    (t / "plain").mkdir()
    return ["verify", str(t / "plain"), "--random", "5"]


def verify_corrupt_json(t: Path) -> list[str]:
    b = _build(t)
    (b / "bnn2hw.json").write_text('{"format": 1, "graph": {"name": ')
    return ["verify", str(b), "--random", "5"]


def verify_corrupt_weights(t: Path) -> list[str]:
    b = _build(t)
    meta = json.loads((b / "bnn2hw.json").read_text())
    meta["graph"]["layers"][0]["weights"][0] = "zz"
    (b / "bnn2hw.json").write_text(json.dumps(meta))
    return ["verify", str(b), "--random", "5"]


def verify_unknown_engine(t: Path) -> list[str]:
    return ["verify", str(_build(t)), "--engines", "golden,vivado"]


def verify_zero_random(t: Path) -> list[str]:
    return ["verify", str(_build(t)), "--random", "0"]


def verify_single_engine(t: Path) -> list[str]:
    return ["verify", str(_build(t)), "--engines", "golden"]


def folding_file_missing(t: Path) -> list[str]:
    return _compile(t, _model(t), "--folding", str(t / "nofold.json"))


def folding_file_not_json(t: Path) -> list[str]:
    (t / "f.json").write_text("pe=4\n")
    return _compile(t, _model(t), "--folding", str(t / "f.json"))


def folding_pe_not_divisor(t: Path) -> list[str]:
    (t / "f.json").write_text(json.dumps({"l00_dense": {"pe": 3, "simd": 4}}))
    return _compile(t, _model(t), "--folding", str(t / "f.json"))


def folding_simd_not_divisor(t: Path) -> list[str]:
    (t / "f.json").write_text(json.dumps({"l00_dense": {"pe": 4, "simd": 5}}))
    return _compile(t, _model(t), "--folding", str(t / "f.json"))


def folding_unknown_layer(t: Path) -> list[str]:
    (t / "f.json").write_text(json.dumps({"conv7": {"pe": 1, "simd": 1}}))
    return _compile(t, _model(t), "--folding", str(t / "f.json"))


def folding_bad_value(t: Path) -> list[str]:
    (t / "f.json").write_text(json.dumps({"l00_dense": {"pe": "8", "simd": 0}}))
    return _compile(t, _model(t), "--folding", str(t / "f.json"))


def clock_not_positive(t: Path) -> list[str]:
    return _compile(t, _model(t), "--clock-mhz", "0")


def csim_without_ap_int(t: Path) -> list[str]:
    """No ap_int.h anywhere (ENV below hides the installed package)."""
    model = _model(t)
    b = t / "b"
    assert main(["compile", str(model), "-o", str(b)]) == 0
    np.save(t / "x.npy", np.zeros((2, 16), np.float32) + 0.5)
    return ["run", str(b), "--inputs", str(t / "x.npy"), "--engine", "csim", "-o", str(t / "y.npy")]


def rtl_design_missing(t: Path) -> list[str]:
    """A build whose Verilog design was removed."""
    model = _model(t)
    b = t / "b"
    assert main(["compile", str(model), "-o", str(b)]) == 0
    (b / "rtl" / "filelist.f").unlink()
    np.save(t / "x.npy", np.zeros((2, 16), np.float32) + 0.5)
    return ["run", str(b), "--inputs", str(t / "x.npy"), "--engine", "rtl", "-o", str(t / "y.npy")]


def rtl_unknown_simulator(t: Path) -> list[str]:
    np.save(t / "x.npy", np.zeros((2, 16), np.float32) + 0.5)
    args = ["--engine", "rtl", "--simulator", "modelsim", "-o", str(t / "y.npy")]
    return ["run", str(_model(t)), "--inputs", str(t / "x.npy"), *args]


def no_command(t: Path) -> list[str]:
    return []


def unknown_command(t: Path) -> list[str]:
    return ["synthesize", "x.onnx"]


def compile_missing_output(t: Path) -> list[str]:
    return ["compile", str(_model(t))]


CASES: list[Case] = [
    missing_file,
    empty_file,
    truncated_file,
    garbage_bytes,
    text_file,
    folder_as_model,
    unsupported_op,
    non_binary_weights,
    zero_weights,
    nan_in_batchnorm,
    negative_variance,
    inf_in_batchnorm_scale,
    batchnorm_training_mode,
    real_input_into_layer,
    symbolic_input_dim,
    two_inputs,
    two_outputs,
    branch,
    zero_padding_binary_conv,
    grouped_conv,
    dilated_conv,
    maxpool_ceil_mode,
    two_bit_activation,
    multibit_multithreshold,
    binarized_output,
    reachable_sign_tie,
    external_data,
    dangling_input,
    where_non_bipolar,
    reshape_drops_batch,
    transpose_on_data,
    per_channel_activation_scale,
    existing_output_folder,
    bad_input_int_type,
    bad_input_range,
    bad_topk,
    topk_not_provable,
    run_inputs_missing,
    run_inputs_wrong_shape,
    run_inputs_no_batch,
    run_non_integer_inputs,
    run_inputs_out_of_range,
    run_inputs_nan,
    run_inputs_not_npy,
    run_inputs_strings,
    run_unknown_engine,
    run_output_not_npy,
    verify_missing_build,
    verify_not_a_build,
    verify_corrupt_json,
    verify_corrupt_weights,
    verify_unknown_engine,
    verify_zero_random,
    verify_single_engine,
    no_command,
    unknown_command,
    compile_missing_output,
    folding_file_missing,
    folding_file_not_json,
    folding_pe_not_divisor,
    folding_simd_not_divisor,
    folding_unknown_layer,
    folding_bad_value,
    clock_not_positive,
    csim_without_ap_int,
    rtl_design_missing,
    rtl_unknown_simulator,
]

# Environment of a case (set for its run only).
ENV = {
    "csim_without_ap_int": {
        "BNN2HW_AP_INCLUDE": "/nonexistent",
        "XILINX_HLS": "/nonexistent",
        "BNN2HW_NO_PACKAGES": "1",
    }
}

# What each message must mention (the node, file or argument at fault).
MENTIONS = {
    "unsupported_op": "softmax",
    "non_binary_weights": "mm1",
    "zero_weights": "zeros",
    "nan_in_batchnorm": "bn1",
    "negative_variance": "channel 3",
    "inf_in_batchnorm_scale": "bn1",
    "batchnorm_training_mode": "eval",
    "real_input_into_layer": "--input-int",
    "symbolic_input_dim": "'F'",
    "branch": "res",
    "zero_padding_binary_conv": "-1",
    "grouped_conv": "group",
    "dilated_conv": "dilations",
    "maxpool_ceil_mode": "ceil_mode",
    "two_bit_activation": "quant2",
    "multibit_multithreshold": "mt",
    "binarized_output": "without a sign",
    "reachable_sign_tie": "channel",
    "external_data": "external",
    "dangling_input": "ghost",
    "where_non_bipolar": "where01",
    "reshape_drops_batch": "bad_reshape",
    "transpose_on_data": "Transpose",
    "per_channel_activation_scale": "bq",
    "existing_output_folder": "--force",
    "bad_input_int_type": "float7",
    "topk_not_provable": "host",
    "run_non_integer_inputs": "integer",
    "run_inputs_out_of_range": "[0, 255]",
    "run_inputs_wrong_shape": "(N, 16)",
    "verify_corrupt_weights": "corrupt",
    "verify_unknown_engine": "vivado",
    "run_output_not_npy": ".npy",
    "run_inputs_nan": "nan",
    "verify_not_a_build": "bnn2hw.json",
    "truncated_file": "truncated",
    "empty_file": "empty",
    "folding_file_missing": "nofold.json",
    "folding_file_not_json": "f.json",
    "folding_pe_not_divisor": "PE=3 must divide the output channels MH=8",
    "folding_simd_not_divisor": "SIMD=5 must divide the fan-in MW=16",
    "folding_unknown_layer": "conv7",
    "folding_bad_value": "positive integers",
    "clock_not_positive": "--clock-mhz",
    "csim_without_ap_int": "ap_int.h",
    "rtl_design_missing": "filelist.f",
    "rtl_unknown_simulator": "modelsim",
}


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var, value in ENV.get(case.__name__, {}).items():
        monkeypatch.setenv(var, value)
    argv = case(tmp_path)
    capsys.readouterr()
    before = sorted(p.name for p in tmp_path.iterdir())
    had_build = (tmp_path / "build").exists()
    keep = tmp_path / "build" / "keep.txt"
    had_keep = keep.exists()
    rc = main(argv)
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert rc == 2, f"exit {rc}, stderr: {err!r}"
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    assert lines[0].startswith(("bnn2hw: error:", "bnn2hw: ")) and "Traceback" not in err
    assert "internal error" not in lines[0], lines[0]
    mention = MENTIONS.get(case.__name__)
    if mention:
        assert mention.lower() in lines[0].lower(), lines[0]
    after = sorted(p.name for p in tmp_path.iterdir())
    if not had_build:
        assert not (tmp_path / "build").exists(), "a build folder was left behind"
    elif had_keep:
        assert keep.read_text() == "user data"
    assert [a for a in after if a not in before and a != "y.npy"] == [], after
    assert not (tmp_path / "y.npy").exists() or rc == 0
    print(f"{case.__name__}: {lines[0]}")


def test_at_least_30_kinds() -> None:
    assert len(CASES) >= 30


def test_console_script_exit_code(tmp_path: Path) -> None:
    """The installed entry point (not only main()) gives 2 and one line."""
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "bnn2hw",
            "compile",
            str(tmp_path / "no.onnx"),
            "-o",
            str(tmp_path / "b"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "file not found" in p.stderr
    assert not (tmp_path / "b").exists()
