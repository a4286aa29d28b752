"""Shared fixtures: a session-wide cache of the test models (built by the suite itself)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
