"""ARX's published results on the Adult data (../shared/data/adult/arx-reference-cases.json).

Every case must give the same optimal transformation and the information loss within 1e-9
relative; a case without a solution must be reported as such, with the nearest transformation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from fincloud.deid.hierarchy import Hierarchy, read_hierarchy
from fincloud.deid.privacy import search
from fincloud.deid.privacy.models import EntropyLDiversity, KAnonymity, PrivacyModel

# Parametrisation happens before fixtures exist: find ../shared the way tests/conftest.py does.
_SHARED = Path(
    os.environ.get("FINCLOUD_SHARED", Path(__file__).resolve().parents[2].parent / "shared")
)


def _cases() -> list[dict[str, Any]]:
    path = _SHARED / "data" / "adult" / "arx-reference-cases.json"
    if not path.is_file():  # the fixture below fails with a clear message instead
        return []
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases


@pytest.fixture(scope="module")
def adult(shared_data: Path) -> pl.DataFrame:
    return pl.read_csv(shared_data / "adult" / "adult.csv", separator=";", infer_schema=False)


def _models(case: dict[str, Any]) -> list[PrivacyModel]:
    models: list[PrivacyModel] = []
    for spec in case["privacy"]:
        if spec["model"] == "k_anonymity":
            models.append(KAnonymity(spec["k"]))
        elif spec["model"] == "entropy_l_diversity":
            models.append(EntropyLDiversity(float(spec["l"]), spec["estimator"]))
        else:  # pragma: no cover - the file holds only these two
            raise AssertionError(f"model not handled by this test: {spec}")
    return models


def _hierarchies(
    shared_data: Path, columns: list[str], sensitive: str | None
) -> dict[str, Hierarchy]:
    # Quasi-identifiers in the column order of adult.csv, the sensitive attribute left out.
    return {
        name: read_hierarchy(shared_data / "adult" / f"adult_hierarchy_{name}.csv", attribute=name)
        for name in columns
        if name != sensitive
    }


def test_the_reference_file_has_the_seven_published_cases(shared_data: Path) -> None:
    cases = json.loads((shared_data / "adult" / "arx-reference-cases.json").read_text())["cases"]
    assert len(cases) == 7
    assert sum(case["transformation"] is None for case in cases) == 1


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case["name"])
def test_arx_reference_case(case: dict[str, Any], adult: pl.DataFrame, shared_data: Path) -> None:
    assert case["metric"]["name"] == "non_uniform_entropy"
    assert case["metric"]["aggregate"] == "sum"
    metric = "non_uniform_entropy" + (":monotonic" if case["metric"]["monotonic"] else "")
    sensitive = case["sensitive"]
    result = search(
        adult,
        _hierarchies(shared_data, adult.columns, sensitive),
        _models(case),
        suppression=case["suppression_limit"],
        metric=metric,
        sensitive=sensitive,
    )
    if case["transformation"] is None:
        assert result.transformation is None
        assert result.information_loss is None
        assert result.as_dict()["transformation"] is None
        # The nearest transformation is reported; here no class of any transformation can be
        # 100-diverse (occupation has 14 values), so every record violates everywhere.
        assert result.nearest is not None
        assert result.nearest.violating_records == adult.height
        assert result.reason is not None and "14" in result.reason
        return
    assert list(result.transformation or ()) == case["transformation"]
    expected = case["information_loss"]
    assert result.information_loss == pytest.approx(expected, rel=1e-9, abs=0.0)
    assert result.suppressed_records is not None
    # Never more suppressed than the limit, floor(share * records) as ARX computes it.
    assert result.suppressed_records <= int(case["suppression_limit"] * adult.height)
    if case["suppression_limit"] == 0:
        assert result.suppressed_records == 0
