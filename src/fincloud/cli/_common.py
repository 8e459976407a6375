"""Helpers shared by the command-line modules.

Kept free of heavy imports: `fincloud sla` and `fincloud evaluate` must start fast.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

# Exit codes: 0 ok, 1 the work ran and found a problem (a failed batch line, a broken chain),
# 2 bad input (usage, unknown id, malformed file).
EXIT_PROBLEM = 1
EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one line to standard error and exit; never a traceback."""
    sys.stderr.write(f"fincloud: error: {message}\n")
    raise typer.Exit(code)
