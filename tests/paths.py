"""Where things are: the checkout, and ../shared beside it (FINCLOUD_SHARED overrides)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FINCLOUD_SHARED", REPO_ROOT.parent / "shared")).resolve()
