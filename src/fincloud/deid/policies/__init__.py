"""Example policies that ship with fincloud (presets for the CLI and the web job).

- `credit_analytics.yaml`: the Taiwan credit-default data for analytics at a CSP.
- `customers_marketing.yaml`: a campaign list (Ch 9.2's privacy points for marketing).
- `customers_testing.yaml`: synthetic rows for a test environment.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def example(name: str) -> Path:
    """The path of a shipped example policy (`credit_analytics` ...)."""
    return Path(str(resources.files("fincloud.deid.policies").joinpath(f"{name}.yaml")))


def examples() -> list[str]:
    folder = resources.files("fincloud.deid.policies")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )
