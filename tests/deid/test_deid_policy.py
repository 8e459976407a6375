"""The policy format: validation with errors naming the field, keys never in the policy,
the hash, and the search section part 2 fills."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from fincloud.deid.errors import PolicyError
from fincloud.deid.policy import load_policy, parse_policy

BASE: dict[str, Any] = {
    "fincloud_deid_policy": 1,
    "name": "t",
    "purpose": "analytics",
    "other_columns": "keep",
}


def with_(**extra: Any) -> dict[str, Any]:
    return {**BASE, **extra}


def test_yaml_and_json_give_the_same_policy_and_hash(tmp_path: Path) -> None:
    data = with_(
        columns={
            "id": {"technique": "pseudonymise", "key": "main"},
            "income": [
                {"technique": "top_bottom", "top": 3_000_000},
                {"technique": "round", "base": 10_000},
            ],
        }
    )
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    (tmp_path / "p.json").write_text(json.dumps(data), "utf-8")
    a, b = load_policy(tmp_path / "p.yaml"), load_policy(tmp_path / "p.json")
    assert a == b and a.sha256() == b.sha256()
    # Defaults are part of the canonical form: writing them out changes nothing.
    data["columns"]["id"]["length"] = 20
    assert parse_policy(data).sha256() == a.sha256()
    data["columns"]["id"]["length"] = 24
    assert parse_policy(data).sha256() != a.sha256()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (with_(purpose="marketing"), "delete_by: a marketing policy needs the date"),
        (with_(other_columns="maybe"), "other_columns: Input should be 'keep' or 'drop'"),
        (with_(columns={"a": {"technique": "nope"}}), "columns.a: Input tag 'nope'"),
        (
            with_(columns={"a": {"technique": "mask", "keep_first": -1}}),
            "columns.a.mask.keep_first",
        ),
        (with_(columns={"a": {"technique": "round"}}), "columns.a.round.base: Field required"),
        (
            with_(
                columns={
                    "a": {"technique": "noise", "distribution": "laplace", "scale": 1, "seed": 3}
                }
            ),
            "columns.a.noise.seed: Extra inputs",
        ),
        (
            with_(
                table=[
                    {"technique": "aggregate", "group_by": ["a"]},
                    {"technique": "sample", "fraction": 0.5},
                ]
            ),
            "table: steps must be listed in the order they run",
        ),
        (
            with_(
                table=[{"technique": "split", "columns": ["a"]}],
                columns={"a": {"technique": "drop"}},
            ),
            "moved out by split",
        ),
        (
            with_(columns={"a": {"technique": "hierarchy", "file": "h.csv", "level": "search"}}),
            "level: search needs a search section",
        ),
        (with_(colums={}), "colums: Extra inputs are not permitted"),
    ],
)
def test_errors_name_the_field_and_the_rule(data: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(data, "policy.yaml")
    assert str(caught.value).startswith("policy.yaml: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "base64:AAECAwQFBgcICQoLDA0ODw==",
    ],
)
def test_key_material_in_a_policy_is_refused(value: str) -> None:
    data = with_(columns={"a": {"technique": "pseudonymise", "key": value}})
    with pytest.raises(PolicyError, match="looks like key material"):
        parse_policy(data, "p.yaml")
    data = with_(description=value)
    with pytest.raises(PolicyError, match=r"description: this looks like key material"):
        parse_policy(data, "p.yaml")


def test_marketing_policy_with_a_deletion_date() -> None:
    policy = parse_policy(with_(purpose="marketing", delete_by="2026-03-31"))
    assert str(policy.delete_by) == "2026-03-31"


def test_search_section_for_part_two() -> None:
    policy = parse_policy(
        with_(
            columns={"age": {"technique": "hierarchy", "file": "age.csv", "level": "search"}},
            search={"models": ["k_anonymity:k=5"], "suppression": 0.04},
        )
    )
    assert policy.search is not None and policy.search.metric == "non_uniform_entropy"
    with pytest.raises(PolicyError, match=r"search\.suppression"):
        parse_policy(
            with_(
                columns={"age": {"technique": "hierarchy", "file": "a.csv", "level": "search"}},
                search={"models": ["k_anonymity:k=5"], "suppression": 1.5},
            )
        )


def test_unreadable_policy_files(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("columns: [\n", "utf-8")
    with pytest.raises(PolicyError, match=r"bad.yaml line \d+ column \d+: not valid YAML"):
        load_policy(tmp_path / "bad.yaml")
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
