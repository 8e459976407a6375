"""De-identification policies: which technique, with which parameters, for each column.

A policy is a YAML or JSON file (docs/deid.md has the full reference):

    fincloud_deid_policy: 1
    name: 信用卡違約資料 - 分析用
    purpose: analytics            # analytics | testing | marketing | other
    other_columns: keep           # what happens to columns the policy does not name
    columns:
      national_id: {technique: pseudonymise, key: main}
      birth_date: {technique: truncate_date, to: year}
      income: [{technique: top_bottom, top_quantile: 0.99}, {technique: round, base: 10000}]
    table:
      - {technique: suppress_records, quasi_identifiers: [sex, birth_date, city], k: 5}

Keys are named (`key: main`), never given: the material comes from a key file or the
environment (fincloud.deid.keys), and a policy holding anything that looks like key material
is refused. A marketing policy must carry `delete_by`, the date by which the institution and
the CSP delete the data (Ch 9.2 (e)). `level: search` in a hierarchy step, with a `search`
section, leaves the levels to the optimal search (fincloud.deid.privacy).

The policy's hash is the SHA-256 of its canonical JSON form (defaults filled in, keys sorted),
so two files that say the same thing have the same hash, and a changed default shows.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fincloud.deid.errors import PolicyError
from fincloud.deid.techniques import TABLE_STAGE, ColumnStep, TableStep
from fincloud.deid.techniques.generalisation import HierarchyGeneralise

_KEYISH = re.compile(r"^(?:[0-9a-fA-F]{32,}|base64:.{16,})$")


class SearchSpec(BaseModel):
    """The optimal generalisation search for the columns with `level: search` (issue 11)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    models: list[str] = Field(min_length=1)
    suppression: float = Field(0.0, ge=0, le=1)
    metric: str = "non_uniform_entropy"
    sensitive: str | None = None


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fincloud_deid_policy: Literal[1]
    name: str = Field(min_length=1)
    purpose: Literal["analytics", "testing", "marketing", "other"]
    description: str = ""
    other_columns: Literal["keep", "drop"]
    delete_by: date | None = None
    columns: dict[str, ColumnStep | list[ColumnStep]] = Field(default_factory=dict)
    table: list[TableStep] = Field(default_factory=list)
    search: SearchSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        if self.purpose == "marketing" and self.delete_by is None:
            raise ValueError(
                "delete_by: a marketing policy needs the date by which the data is deleted "
                "with the CSP (Ch 9.2 (e))"
            )
        stages = [TABLE_STAGE[s.technique] for s in self.table]
        if stages != sorted(stages):
            raise ValueError(
                "table: steps must be listed in the order they run: sample, split, "
                "suppress_records/suppress_local, then aggregate or synthesize"
            )
        if sum(1 for s in stages if s == 4) > 1:
            raise ValueError("table: aggregate and synthesize each end the table; use one")
        split_columns = {c for s in self.table if s.technique == "split" for c in s.columns}
        both = split_columns & set(self.columns)
        if both:
            raise ValueError(
                f"columns: {sorted(both)[0]!r} is moved out by split and cannot also be "
                "transformed here"
            )
        searching = [c for c, steps in self.column_steps() if _is_search(steps)]
        if searching and self.search is None:
            raise ValueError(f"columns.{searching[0]}: level: search needs a search section")
        if self.search is not None and not searching:
            raise ValueError("search: no hierarchy step has level: search")
        return self

    def column_steps(self) -> list[tuple[str, list[Any]]]:
        return [(c, s if isinstance(s, list) else [s]) for c, s in self.columns.items()]

    def key_names(self) -> set[str]:
        names: set[str] = set()
        for _, steps in self.column_steps():
            for step in steps:
                names |= step.key_names()
        return names

    def canonical_json(self) -> str:
        return json.dumps(
            self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def reversible_columns(self) -> list[str]:
        return [
            c for c, steps in self.column_steps() if any(s.technique == "encrypt" for s in steps)
        ]


def _is_search(steps: list[Any]) -> bool:
    return any(isinstance(s, HierarchyGeneralise) and s.level == "search" for s in steps)


def _reject_key_material(node: Any, where: str) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _reject_key_material(v, f"{where}.{k}" if where else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _reject_key_material(v, f"{where}[{i}]")
    elif isinstance(node, str) and _KEYISH.match(node.strip()):
        raise PolicyError(
            f"{where}: this looks like key material; a policy names keys (key: main) and the "
            "keys come from --key-file or the environment, never from the policy"
        )


def _format_error(source: str, exc: ValidationError) -> PolicyError:
    errors = exc.errors()
    # A column takes one step or a list of steps; report the branch the author meant (the
    # single step, unless they wrote a list).
    wrong_form = {"model_attributes_type", "dict_type", "list_type", "model_type"}
    meant = [e for e in errors if e["type"] not in wrong_form] or errors
    single = [e for e in meant if not any(str(p).startswith("list[") for p in e["loc"])]
    first = (single or meant)[0]
    parts = [
        str(p)
        for p in first["loc"]
        if not str(p).startswith(("tagged-union[", "function-", "list["))
    ]
    message = first["msg"].removeprefix("Value error, ")
    loc = ".".join(parts)
    return PolicyError(f"{source}: {loc}: {message}" if loc else f"{source}: {message}")


def parse_policy(data: Any, source: str = "policy") -> Policy:
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: a policy is a mapping (fincloud_deid_policy: 1, name, ...)")
    try:
        _reject_key_material(data, "")
    except PolicyError as exc:
        raise PolicyError(f"{source}: {exc}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise _format_error(source, exc) from None


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"--policy {path}: cannot read ({exc})") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise PolicyError(f"--policy {path}{where}: not valid YAML/JSON") from exc
    return parse_policy(data, str(path))
