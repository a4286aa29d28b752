"""Progress of long steps (synthesis, simulation) on stderr.

On a terminal: one bar redrawn in place, ``[#######.......]  3/9  synth l02_conv  41 s``. Not on
a terminal (logs, CI, pytest): one plain line per finished step, so a log shows what ran and how
long it took. Library code reports through a ``Progress`` it is given (or none); only the CLI
creates one that draws.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]

BAR = 24


class Progress:
    """A counter of ``total`` steps drawn on ``stream`` (stderr by default).

    Use as a context manager; ``start(what)`` names the step now running, ``done(note)`` ends
    it. ``enabled=False`` makes every call a no-op (library default)."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, enabled: bool = True
    ) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self.count = 0
        self.what = ""
        self.t0 = time.perf_counter()
        self.t_step = self.t0

    def __enter__(self) -> Progress:
        self._draw()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def begin(self, total: int) -> None:
        """Set the number of steps once it is known (the counter starts again at 0)."""
        self.total = max(total, 1)
        self.count = 0
        self._draw()

    def start(self, what: str) -> None:
        self.what = what
        self.t_step = time.perf_counter()
        self._draw()

    def update(self, count: int) -> None:
        """Set how many steps are done so far (e.g. frames out of a running simulation)."""
        count = max(0, min(count, self.total))
        if count != self.count:
            self.count = count
            self._draw()

    def done(self, note: str = "") -> None:
        self.count = min(self.count + 1, self.total)
        dt = time.perf_counter() - self.t_step
        if self.enabled and not self.tty:
            extra = f": {note}" if note else ""
            self.stream.write(
                f"{self.label} [{self.count}/{self.total}] {self.what} ({dt:.1f} s){extra}\n"
            )
            self.stream.flush()
        self._draw()

    def _draw(self) -> None:
        if not self.tty:
            return
        filled = BAR * self.count // self.total
        elapsed = time.perf_counter() - self.t0
        line = (
            f"\r[{'#' * filled}{'.' * (BAR - filled)}] {self.count}/{self.total}  "
            f"{self.label} {self.what}  {elapsed:.0f} s"
        )
        self.stream.write(line[:120].ljust(80))
        self.stream.flush()
