"""Transports: move input beats to the accelerator and bring its output beats back.

A transport is anything with ``run(beats, frames) -> beats``: ``beats`` is a 1-D object array of
Python ints, one per AXI-Stream beat (element 0 at the LSB, the TDATA padding bits zero), for
``frames`` whole frames; it returns the output beats of those frames in the same form.
"""

from __future__ import annotations

import importlib
import math
import tempfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bnn2hw.driver.codec import Codec
from bnn2hw.errors import BuildError

__all__ = [
    "DMA_LENGTH_BITS",
    "PynqTransport",
    "SimTransport",
    "Transport",
    "XrtTransport",
    "dma_bits",
    "from_bytes",
    "to_bytes",
]

# the deployment's AXI DMA length register (c_sg_length_width): one transfer moves at most
# 2**26 - 1 bytes
DMA_LENGTH_BITS = 26
# an Alveo deployment's data-mover kernels (bnn2hw.deploy.alveo) and their arguments:
#   mm2s(mem, to_accel, frames): memory rows -> the accelerator's input stream
#   s2mm(from_accel, mem, frames): its output stream -> memory rows
MM2S_KERNEL, MM2S_MEM_ARG, MM2S_FRAMES_ARG = "mm2s", 0, 2
S2MM_KERNEL, S2MM_MEM_ARG, S2MM_FRAMES_ARG = "s2mm", 1, 2


class Transport(Protocol):
    def run(self, beats: np.ndarray, frames: int) -> np.ndarray:
        """Input beats of ``frames`` frames -> their output beats (object arrays of ints)."""
        ...


def to_bytes(beats: np.ndarray, tdata_bits: int) -> np.ndarray:
    """Beats -> (n, tdata bytes) uint8, little-endian (TDATA byte 0 = bits 7..0)."""
    nb = tdata_bits // 8
    b = np.asarray(beats, dtype=object).reshape(-1)
    raw = b"".join(int(v).to_bytes(nb, "little") for v in b)
    return np.frombuffer(raw, dtype=np.uint8).reshape(b.size, nb).copy()


def from_bytes(data: np.ndarray, tdata_bits: int) -> np.ndarray:
    """Inverse of :func:`to_bytes`: (n, tdata bytes) uint8 -> beats (object array of ints)."""
    d = np.ascontiguousarray(np.asarray(data, dtype=np.uint8).reshape(-1, tdata_bits // 8))
    out = np.empty(d.shape[0], dtype=object)
    for i in range(d.shape[0]):
        out[i] = int.from_bytes(d[i].tobytes(), "little")
    return out


class SimTransport:
    """The build's Verilog design under Verilator (cocotb harness), host only.

    ``stalls``: random input gaps / output back-pressure (bnn2hw.rtl_sim.Stalls), none by default.
    The simulator is compiled once per build (cached in BUILD/sim)."""

    def __init__(self, build: Any, stalls: Any = None, simulator: str = "verilator") -> None:
        from bnn2hw.engines.rtl_engine import build_rtl_sim
        from bnn2hw.hw.dataflow import lower, stage_cycles

        self.codec = Codec.from_graph(build.graph)
        self.stalls = stalls
        self.sim = build_rtl_sim(
            build.graph, build.rtl_dir, build.path / "sim", simulator=simulator
        )
        self._frame_cycles = sum(stage_cycles(s) for s in lower(build.graph).stages)
        self.calls = 0

    def run(self, beats: np.ndarray, frames: int) -> np.ndarray:
        from bnn2hw.hw.streams import beats_to_hex
        from bnn2hw.rtl_sim import Stalls, run_stream_sim

        itf = self.codec.interface
        self.calls += 1
        with tempfile.TemporaryDirectory(prefix="bnn2hw-driver-") as tmp:
            log = run_stream_sim(
                self.sim,
                beats_to_hex(beats, itf.in_tdata),
                Path(tmp),
                in_frame_beats=itf.input.beats,
                out_frame_beats=itf.output.beats,
                stalls=self.stalls or Stalls(),
                watchdog=4 * self._frame_cycles + 10_000,
            )
        want = frames * itf.output.beats
        if log.hung or len(log.beats) != want:
            raise BuildError(
                f"RTL simulation returned {len(log.beats)} of {want} output beats "
                f"({'hung' if log.hung else 'stopped'} after {log.cycles} cycles)"
            )
        return np.asarray(log.beats, dtype=object)


def dma_bits(tdata_bits: int) -> int:
    """The AXI DMA stream width the deployment gives a ``tdata_bits`` port: a power of two in
    8..1024 (the rule of bnn2hw.deploy's block design, which zero-extends the accelerator's
    output to it and passes the low bits of the input on)."""
    w = 8
    while w < tdata_bits:
        w *= 2
    return w


class _RowTransport:
    """What the board transports share: buffers of ``batch`` frames whose beats are rows of
    ``in_bits``/``out_bits`` (default :func:`dma_bits` of the TDATA widths) in memory."""

    def __init__(self, codec: Codec, batch: int, in_bits: int | None, out_bits: int | None) -> None:
        itf = codec.interface
        self.codec = codec
        self.batch = batch
        self.in_bits = in_bits or dma_bits(itf.in_tdata)
        self.out_bits = out_bits or dma_bits(itf.out_tdata)
        self.in_shape = (batch * itf.input.beats, self.in_bits // 8)
        self.out_shape = (batch * itf.output.beats, self.out_bits // 8)

    def _check_frames(self, frames: int) -> None:
        if frames > self.batch:
            raise ValueError(f"{frames} frames: the buffers hold {self.batch}")

    def _output_beats(self, rows: np.ndarray) -> np.ndarray:
        """Output rows (uint8) -> beats, the TDATA bits above the accelerator's cut off."""
        out = from_bytes(rows, self.out_bits)
        return out & ((1 << self.codec.interface.out_tdata) - 1)


class PynqTransport(_RowTransport):
    """The bitstream on a PYNQ board: pynq.Overlay, its AXI DMA (sendchannel feeds s_axis,
    recvchannel drains m_axis), one pair of pynq.allocate buffers sized for ``batch`` frames.

    Buffers hold one beat per row of the DMA stream width in bytes (``in_bits``/``out_bits``,
    default :func:`dma_bits` of the TDATA widths). The block design ends an output packet
    (TLAST) every ``packet_frames`` frames (``bnn2hw deploy --batch``, default 1): every call
    sends all its input beats in one MM2S transfer and receives one S2MM transfer per packet.
    ``dma``: the DMA's name in the overlay (default: the first ``*dma*`` IP)."""

    def __init__(
        self,
        bitfile: Path | str,
        codec: Codec,
        batch: int,
        *,
        dma: str | None = None,
        packet_frames: int = 1,
        in_bits: int | None = None,
        out_bits: int | None = None,
    ) -> None:
        if batch % packet_frames:
            raise ValueError(f"batch {batch}: must be a multiple of {packet_frames} (a packet)")
        pynq = importlib.import_module("pynq")  # only on the board
        super().__init__(codec, batch, in_bits, out_bits)
        self.pynq = pynq
        self.packet_frames = packet_frames
        self.overlay = pynq.Overlay(str(bitfile))
        if dma is None:
            names = [k for k in self.overlay.ip_dict if "dma" in k.lower()]
            if not names:
                raise BuildError(f"{bitfile}: the overlay has no DMA IP")
            dma = sorted(names)[0]
        self.dma = getattr(self.overlay, dma)
        limit = (1 << DMA_LENGTH_BITS) - 1
        if self.in_shape[0] * self.in_shape[1] > limit:
            raise ValueError(
                f"batch {batch}: {self.in_shape[0] * self.in_shape[1]:,} bytes in one MM2S "
                f"transfer, more than the DMA's {limit:,}; use a smaller batch"
            )
        self.inbuf = pynq.allocate(shape=self.in_shape, dtype=np.uint8)
        self.outbuf = pynq.allocate(shape=self.out_shape, dtype=np.uint8)

    def run(self, beats: np.ndarray, frames: int) -> np.ndarray:
        itf = self.codec.interface
        self._check_frames(frames)
        if frames % self.packet_frames:
            raise ValueError(f"{frames} frames: not whole packets of {self.packet_frames}")
        n_in, n_out = frames * itf.input.beats, frames * itf.output.beats
        self.inbuf[:n_in] = to_bytes(beats, self.in_bits)
        self.inbuf.flush()
        send, recv = self.dma.sendchannel, self.dma.recvchannel
        step = self.packet_frames * itf.output.beats
        send.transfer(self.inbuf[:n_in])
        for k in range(0, n_out, step):
            recv.transfer(self.outbuf[k : k + step])
            recv.wait()
        send.wait()
        self.outbuf.invalidate()
        return self._output_beats(np.asarray(self.outbuf[:n_out]))

    def close(self) -> None:
        for buf in (self.inbuf, self.outbuf):
            buf.freebuffer()


class XrtTransport(_RowTransport):
    """The xclbin of an Alveo deployment through XRT's Python binding (``pyxrt``, imported
    when this is created): the data movers ``mm2s`` and ``s2mm`` around the free-running
    accelerator; one buffer of ``batch`` frames each way, rows of ``in_bits``/``out_bits``
    (default :func:`dma_bits` of the TDATA widths; the movers' memory rows). Each call writes
    the input rows, starts s2mm then mm2s for the frames, waits for both and reads the rows."""

    def __init__(
        self,
        xclbin: Path | str,
        codec: Codec,
        batch: int,
        *,
        device: int = 0,
        in_bits: int | None = None,
        out_bits: int | None = None,
    ) -> None:
        xrt = importlib.import_module("pyxrt")  # only on a host with XRT
        super().__init__(codec, batch, in_bits, out_bits)
        self.xrt = xrt
        self.device = xrt.device(device)
        uuid = self.device.load_xclbin(xrt.xclbin(str(xclbin)))
        self.mm2s = xrt.kernel(self.device, uuid, MM2S_KERNEL, xrt.kernel.shared)
        self.s2mm = xrt.kernel(self.device, uuid, S2MM_KERNEL, xrt.kernel.shared)
        self.in_bo = xrt.bo(
            self.device, math.prod(self.in_shape), xrt.bo.normal, self.mm2s.group_id(MM2S_MEM_ARG)
        )
        self.out_bo = xrt.bo(
            self.device,
            math.prod(self.out_shape),
            xrt.bo.normal,
            self.s2mm.group_id(S2MM_MEM_ARG),
        )

    def run(self, beats: np.ndarray, frames: int) -> np.ndarray:
        xrt, itf = self.xrt, self.codec.interface
        self._check_frames(frames)
        rows = to_bytes(beats, self.in_bits)
        n_in, n_out = rows.size, frames * itf.output.beats * self.out_bits // 8
        sync = xrt.xclBOSyncDirection
        self.in_bo.write(rows.tobytes(), 0)
        self.in_bo.sync(sync.XCL_BO_SYNC_BO_TO_DEVICE, n_in, 0)
        runs = []
        for kernel, mem_arg, frames_arg, bo in (
            (self.s2mm, S2MM_MEM_ARG, S2MM_FRAMES_ARG, self.out_bo),  # drain first
            (self.mm2s, MM2S_MEM_ARG, MM2S_FRAMES_ARG, self.in_bo),
        ):
            r = xrt.run(kernel)
            r.set_arg(mem_arg, bo)
            r.set_arg(frames_arg, frames)
            r.start()
            runs.append(r)
        done = xrt.ert_cmd_state.ERT_CMD_STATE_COMPLETED
        for r, name in zip(runs, (S2MM_KERNEL, MM2S_KERNEL), strict=True):
            state = r.wait()
            if state != done:
                raise BuildError(f"XRT: kernel {name} ended in state {state}")
        self.out_bo.sync(sync.XCL_BO_SYNC_BO_FROM_DEVICE, n_out, 0)
        return self._output_beats(np.frombuffer(bytes(self.out_bo.read(n_out, 0)), np.uint8))
