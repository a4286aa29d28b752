"""Host driver: ``Accelerator(build).infer(x) -> y`` over a pluggable transport.

The board runs this package from a deployment's driver folder (``bnn2hw deploy``: a verbatim
copy of it and the numpy-only modules it imports, ``bnn2hw.ir``, ``bnn2hw.hw``,
``bnn2hw.golden``; no onnx, torch or compiler tools), with the build's ``bnn2hw.json`` (input
quantiser, stream layout, float epilogue) and the bitstream; ``PynqTransport`` imports ``pynq``
only when it is created. On the host, ``SimTransport`` runs the build's Verilog design under
Verilator instead of the board.
"""

from __future__ import annotations

from bnn2hw.driver.accelerator import Accelerator, Check, Deployment
from bnn2hw.driver.codec import Codec
from bnn2hw.driver.transport import PynqTransport, SimTransport, Transport

__all__ = [
    "Accelerator",
    "Check",
    "Codec",
    "Deployment",
    "PynqTransport",
    "SimTransport",
    "Transport",
]
