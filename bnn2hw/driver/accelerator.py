"""``Accelerator(build).infer(x)``: model-unit float inputs -> the model's outputs, in batches;
``Accelerator.deployed(folder)``: the same for a deployment's driver folder (deployment.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bnn2hw.driver.codec import Codec
from bnn2hw.driver.transport import PynqTransport, Transport, XrtTransport
from bnn2hw.errors import BuildError, InputDataError
from bnn2hw.golden.reference import GoldenResult, run_golden

__all__ = ["DEPLOYMENT_JSON", "Accelerator", "Check", "Deployment"]

DEPLOYMENT_JSON = "deployment.json"


@dataclass(frozen=True)
class Deployment:
    """What ``bnn2hw deploy`` tells the board driver (``deployment.json`` in its package):
    the transport ("pynq": a Zynq board's AXI DMA; "xrt": an Alveo card's data movers), the
    design file, the default bitstream (.bit or .xclbin), the DMA's name and stream widths,
    and the frames per output packet (TLAST every ``packet_frames`` frames)."""

    folder: Path
    board: str
    transport: str
    design: Path
    bitfile: Path
    dma: str
    in_bits: int
    out_bits: int
    packet_frames: int
    batch: int

    @classmethod
    def load(cls, folder: Path | str) -> Deployment:
        f = Path(folder)
        j = f / DEPLOYMENT_JSON
        try:
            d = json.loads(j.read_text())
            return cls(
                folder=f,
                board=str(d["board"]),
                transport=str(d["transport"]),
                design=f / d["design"],
                bitfile=(f / d["bitfile"]).resolve(),
                dma=str(d["dma"]),
                in_bits=int(d["in_bits"]),
                out_bits=int(d["out_bits"]),
                packet_frames=int(d["packet_frames"]),
                batch=int(d["batch"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise BuildError(f"{j}: cannot load the deployment ({type(e).__name__}: {e})") from None


@dataclass(frozen=True)
class Check:
    """The accelerator against the golden model on the same inputs: the port's integers
    (accumulators, or label indices when labels are selected in hardware), exact."""

    frames: int
    values: int
    mismatches: int

    def __str__(self) -> str:
        return (
            f"{self.frames} frames: {self.values} values compared with the golden model, "
            f"{self.mismatches} mismatches"
        )


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

    def check(self, x: np.ndarray, got: GoldenResult | None = None) -> Check:
        """Run ``x`` here (or take ``got``, this accelerator's result for ``x``) and in the
        golden model (numpy, on this CPU); compare exactly."""
        got = self.run(x) if got is None else got
        want = run_golden(self.codec.graph, np.asarray(x))
        a, b = (got.labels, want.labels) if self.codec.interface.labels else (got.acc, want.acc)
        assert a is not None and b is not None
        a, b = np.asarray(a).reshape(len(x), -1), np.asarray(b).reshape(len(x), -1)
        if a.shape != b.shape:
            raise BuildError(f"output frames of shape {a.shape[1:]}, golden {b.shape[1:]}")
        return Check(frames=len(x), values=int(a.size), mismatches=int((a != b).sum()))

    @classmethod
    def deployed(
        cls,
        folder: Path | str,
        bitfile: Path | str | None = None,
        *,
        batch: int | None = None,
        transport: Transport | None = None,
    ) -> Accelerator:
        """The accelerator of a deployment's driver package (``folder`` holds deployment.json
        and the design): the deployment's transport (PYNQ's DMA with its widths and packet
        length, or XRT's data movers) on ``bitfile`` (default: the deployment's bitstream or
        xclbin), unless ``transport`` is given."""
        d = Deployment.load(folder)
        codec = Codec.from_json(d.design)
        n = d.batch if batch is None else batch
        if transport is None and d.transport == "xrt":
            transport = XrtTransport(
                bitfile or d.bitfile, codec, n, in_bits=d.in_bits, out_bits=d.out_bits
            )
        elif transport is None:
            transport = PynqTransport(
                bitfile or d.bitfile,
                codec,
                n,
                dma=d.dma,
                packet_frames=d.packet_frames,
                in_bits=d.in_bits,
                out_bits=d.out_bits,
            )
        return cls(codec, transport, batch=n)
