"""Progress: a bar redrawn in place on a terminal, one line per finished step otherwise."""

from __future__ import annotations

import io

from bnn2hw.progress import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    with Progress(3, "synth", stream=out) as p:
        for name in ("a", "b", "c"):
            p.start(name)
            p.done(f"{name} ok")
    lines = out.getvalue().splitlines()
    assert [ln.split(" (")[0] for ln in lines] == [
        "synth [1/3] a",
        "synth [2/3] b",
        "synth [3/3] c",
    ]
    assert lines[-1].endswith(": c ok")


def test_bar_on_a_terminal() -> None:
    out = _Tty()
    with Progress(4, "sim", stream=out) as p:
        p.start("x")
        p.done()
        p.done()
    text = out.getvalue()
    assert "\r[" + "#" * 12 + "." * 12 + "] 2/4" in text and text.endswith("\n")


def test_disabled_is_silent() -> None:
    out = _Tty()
    with Progress(2, "x", stream=out, enabled=False) as p:
        p.start("a")
        p.done("b")
    assert out.getvalue() == ""
