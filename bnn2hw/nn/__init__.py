"""bnn2hw.nn: binarized layers for training in PyTorch, and their exact ONNX export.

Only the training extra imports this package (it needs torch); the compiler never does.

    from bnn2hw import nn as bnn
    model = torch.nn.Sequential(
        bnn.QuantInput(5), bnn.BinaryLinear(64, 256), bnn.BatchNorm1d(256), bnn.Sign(),
        bnn.BinaryLinear(256, 10), bnn.BatchNorm1d(10))
    bnn.fit(model, x_train, y_train, epochs=100, lr=1e-2)  # clips weights after every step
    bnn.export_onnx(model, x_example, "model.onnx")
"""

from bnn2hw.nn.export import (
    ExportCheck,
    export_onnx,
    sign_tensors,
    torch_reference,
    torch_tensors,
)
from bnn2hw.nn.functional import ap2, binarize, hard_sigmoid, sign, sign_ste, stochastic_sign_ste
from bnn2hw.nn.layers import (
    BatchNorm1d,
    BatchNorm2d,
    BinaryConv2d,
    BinaryLinear,
    QuantInput,
    RSign,
    ShiftBatchNorm1d,
    ShiftBatchNorm2d,
    Sign,
    binary_layers,
    check_finite,
    clip_weights,
)
from bnn2hw.nn.optim import ShiftAdaMax
from bnn2hw.nn.training import EpochLog, accuracy, deterministic, fit, predict

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BinaryConv2d",
    "BinaryLinear",
    "EpochLog",
    "ExportCheck",
    "QuantInput",
    "RSign",
    "ShiftAdaMax",
    "ShiftBatchNorm1d",
    "ShiftBatchNorm2d",
    "Sign",
    "accuracy",
    "ap2",
    "binarize",
    "binary_layers",
    "check_finite",
    "clip_weights",
    "deterministic",
    "export_onnx",
    "fit",
    "hard_sigmoid",
    "predict",
    "sign",
    "sign_ste",
    "sign_tensors",
    "stochastic_sign_ste",
    "torch_reference",
    "torch_tensors",
]
