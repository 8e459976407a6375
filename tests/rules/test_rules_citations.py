"""Every catalog id the rules and the SLA calculator cite exists in the catalog.

If a catalog chapter drops or renames an id, the test fails and names the ids it cannot find.
"""

from __future__ import annotations

import re

from fincloud.catalog import load_catalog
from fincloud.rules import citations as cit
from fincloud.rules.engine import _CADENCE
from fincloud.rules.texts import CLASSIFICATION_NUMBER

# docs/catalog-format.md, "Ids"
ID_SHAPE = re.compile(r"^(ch[0-9]|a[1-5])(\.[A-Za-z0-9_]+)*$")


def test_cited_ids_have_the_catalog_id_shape() -> None:
    ids = cit.all_cited_ids()
    assert len(ids) == len(set(ids))
    for node_id in ids:
        assert ID_SHAPE.match(node_id), node_id
    assert [cit.contract_row_id(r) for r in cit.CONTRACT_ROWS][:2] == ["a3.10.I.1", "a3.10.I.2"]


def test_every_cited_id_exists_in_the_catalog() -> None:
    catalog = load_catalog()
    missing = [node_id for node_id in cit.all_cited_ids() if node_id not in catalog]
    assert missing == [], f"cited ids missing from catalog {catalog.edition}: {missing}"


def test_the_catalog_cadence_rows_agree_with_the_rules() -> None:
    catalog = load_catalog()
    for classification, cadence in _CADENCE.items():
        number = CLASSIFICATION_NUMBER[classification]
        data = catalog.get(cit.CADENCE_ROWS[number]).to_dict()["data"]
        assert data["classification"] == number
        assert data["interval_months"] == cadence.interval_months
        assert data["special_audit"] == cadence.special_audit_required
