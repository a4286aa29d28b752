"""``Accelerator(build).infer(x)``: model-unit float inputs -> the model's outputs, in batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bnn2hw.driver.codec import Codec
from bnn2hw.driver.transport import PynqTransport, Transport
from bnn2hw.errors import InputDataError
from bnn2hw.golden.reference import GoldenResult

__all__ = ["Accelerator"]


class Accelerator:
    """One design behind a transport.

    ``design``: a loaded build (bnn2hw.build.Build), a Codec, or the path of a build folder or
    its bnn2hw.json. ``transport``: default PynqTransport(``bitfile``). ``batch``: frames per
    transport call. A transport with ``packet_frames`` (the
    deployment's frames per output packet) gets whole packets: a short last batch is padded with
    copies of its last frame, whose outputs are dropped."""

    def __init__(
        self,
        design: Any,
        transport: Transport | None = None,
        *,
        batch: int = 64,
        bitfile: Path | str | None = None,
        packet_frames: int = 1,
    ) -> None:
        if batch < 1:
            raise ValueError(f"batch {batch}: must be >= 1")
        if isinstance(design, Codec):
            self.codec = design
        elif isinstance(design, str | Path):
            self.codec = Codec.from_json(Path(design))
        else:
            self.codec = Codec.from_graph(design.graph)
        self.batch = batch
        if transport is None:
            if bitfile is None:
                raise ValueError("give a transport or the bitfile (PYNQ)")
            transport = PynqTransport(bitfile, self.codec, batch, packet_frames=packet_frames)
        self.transport = transport

    def run(self, x: np.ndarray) -> GoldenResult:
        """Every output level the port gives (output, logits, accumulators or labels)."""
        x = np.asarray(x)
        shape = tuple(self.codec.graph.input.shape)
        if x.ndim != len(shape) + 1 or tuple(x.shape[1:]) != shape:
            raise InputDataError(
                f"inputs have shape {tuple(x.shape)}, the model takes "
                f"(N, {', '.join(map(str, shape))})"
            )
        q = self.codec.quantize(x)
        outs = []
        multiple = int(getattr(self.transport, "packet_frames", 1))
        for s in range(0, q.shape[0], self.batch):
            part = q[s : s + self.batch]
            n = int(part.shape[0])
            pad = -n % multiple
            if pad:
                part = np.concatenate([part, np.repeat(part[-1:], pad, axis=0)])
            beats = self.transport.run(self.codec.encode(part), n + pad)
            outs.append(self.codec.decode(beats)[:n])
        frames = self.codec.interface.output.frame_elems
        out = np.concatenate(outs) if outs else np.zeros((0, frames), dtype=np.int64)
        return self.codec.result(out, q)

    def infer(self, x: np.ndarray) -> np.ndarray:
        """Model-unit inputs (N, *input shape) -> the model's outputs (as ``bnn2hw run``)."""
        return self.run(x).output
