"""Alveo cards: the Vitis flow of BUILD/deploy/<card>/ (the link configuration and README)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bnn2hw.backends.render import render
from bnn2hw.build import Build
from bnn2hw.deploy.vivado import DeployPlan

__all__ = ["alveo_files"]


def alveo_files(
    build: Build, plan: DeployPlan, ctx: dict[str, Any], hdr: Callable[[str, str], str]
) -> dict[str, str]:
    """The text of every file of an Alveo deployment by name. ``ctx``: the template context
    of bnn2hw.deploy.vivado.deploy_files (``p`` = the plan); ``hdr(what, comment)``: the
    generated-file header."""
    return {
        "link.cfg": render("deploy/link.cfg.j2", hdr=hdr("Vitis link configuration", "#"), **ctx),
        "README.md": render(
            "deploy/README_alveo.md.j2", hdr=hdr("Deployment steps (Alveo)", "md"), **ctx
        ),
    }
