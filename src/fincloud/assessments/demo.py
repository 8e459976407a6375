"""Demo data of the assessments: the manual's Annex 4 vendor A/B/C example (idempotent)."""

from __future__ import annotations


def load_demo() -> None:
    from fincloud.assessments.services import comparison_load_a4_example

    comparison_load_a4_example(actor=None)
