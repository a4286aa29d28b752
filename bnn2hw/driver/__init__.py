"""Host driver: ``Accelerator(build).infer(x) -> y`` over a pluggable transport.

The board needs the bnn2hw package installed (its numpy-only modules: ``bnn2hw.ir``,
``bnn2hw.hw``, ``bnn2hw.golden``; no onnx, torch or compiler tools are imported), the build's
``bnn2hw.json`` (the graph: input quantiser, stream layout, float epilogue) and the bitstream;
``PynqTransport`` imports ``pynq`` only when it is created. On the host, ``SimTransport`` runs
the build's Verilog design under Verilator instead of the board.
"""

from __future__ import annotations

from bnn2hw.driver.accelerator import Accelerator
from bnn2hw.driver.codec import Codec
from bnn2hw.driver.transport import PynqTransport, SimTransport, Transport

__all__ = ["Accelerator", "Codec", "PynqTransport", "SimTransport", "Transport"]
