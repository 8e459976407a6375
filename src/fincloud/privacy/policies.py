"""A job's policy: read from the text a person gave, checked against the source file with
fincloud.deid's own checks and errors, and what the risk report measures.

Nothing here re-implements the policy format or the techniques: the text is parsed with
``fincloud.deid.policy.parse_policy``, checked against the columns with the engine's check,
keys with ``KeyRing.get``, hierarchies with ``Hierarchy.uncovered``; the messages are the
library's, with the server's temporary paths replaced by the names the person knows.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fincloud.deid.errors import DeidError, EncodingError, KeyMaterialError
from fincloud.deid.hierarchy import Hierarchy
from fincloud.deid.keys import KeyRing
from fincloud.deid.policy import Policy, parse_policy
from fincloud.privacy import conf
from fincloud.privacy.sources import field_error

MAX_POLICY_BYTES = 256 * 1024

POLICY_NOT_TEXT = _("Policy: the file is not UTF-8 text.")
POLICY_TOO_LARGE = _("Policy: at most 256 KB.")
POLICY_SYNTAX = _("Policy: not valid YAML or JSON (line %(line)s, column %(column)s).")
POLICY_ALIASES = _("Policy: YAML anchors and aliases (&name, *name) are not accepted.")
POLICY_NESTED = _("Policy: nested too deeply.")
KEY_SOURCE = _(
    "Keys come from the key file configured on the server (FINCLOUD_DEID_KEY_FILE) or its "
    "environment (FINCLOUD_DEID_KEY_<NAME>), never from the policy or the database."
)
BIG5_HINT = _("Choose the encoding “Big5 (CP950)” to read the file as it is.")
HIERARCHY_OUTSIDE = _(
    "Policy: columns.%(column)s: the hierarchy file %(file)s is outside the allowed directories."
)
COLUMN_NOT_IN_SOURCE = _(
    "%(label)s: column “%(column)s” is not in the source (its columns: %(columns)s)."
)
NO_QUASI_IDENTIFIERS = _(
    "Quasi-identifiers: the policy names none (no suppress_records, suppress_local, search or "
    "generalisation); name the columns an attacker could know."
)

# Column techniques an attacker can repeat on the original data without any key: the risk
# report lets the attacker map original values the same way (the hierarchy the policy uses).
PUBLIC_TECHNIQUES = {
    "keep",
    "hierarchy",
    "interval",
    "round",
    "truncate_date",
    "top_bottom",
    "tw_admin_area",
    "mask",
}
GENERALISING = {"hierarchy", "interval", "round", "truncate_date", "top_bottom", "tw_admin_area"}


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise ValidationError({"policy": POLICY_ALIASES}, code="aliases")
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise ValidationError({"policy": POLICY_ALIASES}, code="aliases")
        return super().compose_node(parent, index)


def read_policy_bytes(raw: bytes) -> str:
    if len(raw) > MAX_POLICY_BYTES:
        raise ValidationError({"policy": POLICY_TOO_LARGE}, code="too_large")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"policy": POLICY_NOT_TEXT}, code="encoding") from None


def parse_policy_text(text: str) -> Policy:
    """The policy a YAML or JSON text describes; errors are ValidationError on "policy" with
    fincloud.deid's message (naming the field or column and the rule)."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise ValidationError({"policy": POLICY_TOO_LARGE}, code="too_large")
    try:
        if text.lstrip().startswith("{"):
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise field_error(
            "policy", POLICY_SYNTAX, "syntax", line=exc.lineno, column=exc.colno
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else ("?", "?")
        raise field_error("policy", POLICY_SYNTAX, "syntax", line=line, column=column) from None
    except RecursionError:
        raise ValidationError({"policy": POLICY_NESTED}, code="nested") from None
    try:
        return parse_policy(data, "policy")
    except DeidError as exc:
        raise ValidationError({"policy": str(exc)}, code="policy") from None
    except RecursionError:
        raise ValidationError({"policy": POLICY_NESTED}, code="nested") from None


def policy_dir() -> Path:
    """Relative hierarchy paths in a policy are read from the first allowed directory."""
    dirs = conf.allowed_dirs()
    return dirs[0] if dirs else conf.work_dir()


def keyring_for(policy: Policy) -> KeyRing:
    """The configured keys, checked for every key the policy names (none loaded if it names
    none); a missing key is a ValidationError naming it and where keys come from."""
    if not policy.key_names():
        return KeyRing()
    try:
        ring = conf.keyring()
        for name in sorted(policy.key_names()):
            ring.get(name, "the policy")
    except KeyMaterialError as exc:
        raise ValidationError({"policy": f"{KEY_SOURCE} {exc}"}, code="key") from None
    return ring


def _hierarchy_steps(policy: Policy) -> list[tuple[str, Any]]:
    from fincloud.deid.techniques.generalisation import HierarchyGeneralise

    return [
        (column, step)
        for column, steps in policy.column_steps()
        for step in steps
        if isinstance(step, HierarchyGeneralise)
    ]


def load_hierarchy(step: Any, column: str) -> Hierarchy:
    """A hierarchy a policy names, read only from the allowed directories."""
    from fincloud.deid.techniques.base import RunContext, resolve_path

    path = resolve_path(policy_dir(), step.file).resolve()
    if not any(path.is_relative_to(d) for d in conf.allowed_dirs()):
        raise field_error(
            "policy", HIERARCHY_OUTSIDE, "hierarchy_outside", column=column, file=step.file
        )
    ctx = RunContext(keyring=KeyRing(), policy_dir=policy_dir(), run_key=secrets.token_bytes(32))
    try:
        hierarchy: Hierarchy = step.load(ctx, column)
    except DeidError as exc:
        raise ValidationError({"policy": str(exc)}, code="hierarchy") from None
    return hierarchy


def _column_values(source: Any, column: str) -> list[str]:
    import polars as pl

    values: set[str] = set()
    for batch in source.batches():
        values.update(batch.get_column(column).cast(pl.String).drop_nulls().unique().to_list())
    return sorted(values)


@dataclass(frozen=True)
class CheckedInputs:
    policy: Policy
    columns: list[str]
    quasi_identifiers: list[str]
    sensitive: list[str]
    target: str


def _rename(message: str, staged_path: Path, name: str) -> str:
    return message.replace(str(staged_path), name)


def open_source(path: Path, name: str, *, separator: str, encoding: str, field: str) -> Any:
    """fincloud.deid's reader of the source (a transcoded copy for Big5/CP950); errors are the
    library's, naming the file as the person knows it. The caller deletes ``transcoded``."""
    from fincloud.deid import io as dio

    transcoded: Path | None = None
    try:
        read_path = path
        if encoding == "cp950" and dio.input_format(path) == "csv":
            transcoded = dio.transcode_to_utf8(path, "cp950", conf.incoming_dir())
            read_path = transcoded
        return dio.open_source(read_path, separator), transcoded
    except EncodingError as exc:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)
        message = _rename(str(exc), path, name)
        if exc.detected:
            message = f"{message} {BIG5_HINT}"
        raise ValidationError({field: message}, code="encoding") from None
    except DeidError as exc:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)
        raise ValidationError({field: _rename(str(exc), path, name)}, code="source") from None


def default_quasi_identifiers(policy: Policy, columns: Sequence[str]) -> list[str]:
    """The columns the policy itself treats as quasi-identifiers: those of suppress_records /
    suppress_local and the search; else the columns it generalises."""
    named: list[str] = []
    for step in policy.table:
        if step.technique in {"suppress_records", "suppress_local"}:
            named.extend(step.quasi_identifiers)
    if policy.search is not None:
        named.extend(
            c
            for c, steps in policy.column_steps()
            if any(getattr(s, "level", None) == "search" for s in steps)
        )
    if not named:
        named = [
            c
            for c, steps in policy.column_steps()
            if any(s.technique in GENERALISING for s in steps)
        ]
    chosen = set(named)
    return [c for c in columns if c in chosen]


def check_inputs(
    *,
    staged_path: Path,
    staged_name: str,
    source_field: str,
    policy: Policy,
    separator: str,
    encoding: str,
    quasi_identifiers: Sequence[str],
    sensitive: Sequence[str],
    target: str,
) -> CheckedInputs:
    """Everything that can be checked before the run, with the library's own checks."""
    from fincloud.deid.engine import check_policy

    source, transcoded = open_source(
        staged_path, staged_name, separator=separator, encoding=encoding, field=source_field
    )
    try:
        try:
            columns = source.columns()
        except DeidError as exc:
            raise ValidationError(
                {source_field: _rename(str(exc), staged_path, staged_name)}
            ) from None
        try:
            check_policy(policy, columns, staged_name)
        except DeidError as exc:
            raise ValidationError({"policy": str(exc)}, code="policy") from None
        keyring_for(policy)
        for column, step in _hierarchy_steps(policy):
            hierarchy = load_hierarchy(step, column)
            try:
                uncovered = hierarchy.uncovered(_column_values(source, column))
            except DeidError as exc:
                raise ValidationError(
                    {source_field: _rename(str(exc), staged_path, staged_name)}
                ) from None
            if uncovered:
                from fincloud.deid.hierarchy import UncoveredValueError

                error = UncoveredValueError(uncovered[0], step.file, column)
                raise ValidationError({"policy": f"policy columns.{column}: {error}"})
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)
    shown = ", ".join(columns[:30]) + (" ..." if len(columns) > 30 else "")
    qis = list(quasi_identifiers) or default_quasi_identifiers(policy, columns)
    if not qis:
        raise ValidationError({"quasi_identifiers": NO_QUASI_IDENTIFIERS}, code="no_qis")
    labels = {
        "quasi_identifiers": _("Quasi-identifiers"),
        "sensitive": _("Sensitive attributes"),
        "target": _("Model target"),
    }
    for field, names in (
        ("quasi_identifiers", qis),
        ("sensitive", list(sensitive)),
        ("target", [target] if target else []),
    ):
        for name in names:
            if name not in columns:
                raise field_error(
                    field, COLUMN_NOT_IN_SOURCE, "column", label=labels[field], column=name,
                    columns=shown,
                )  # fmt: skip
    return CheckedInputs(policy, columns, qis, list(sensitive), target)


def assessment_hierarchies(policy: Policy, original: Any, keyring: KeyRing) -> dict[str, Hierarchy]:
    """How an attacker without the keys maps original values to released ones, per column:
    the policy's own hierarchy files, and for the other public techniques (intervals,
    rounding, masks ...) the value -> label pairs the policy's steps give on the original,
    applied with fincloud.deid itself. Keyed or random techniques are left out: nobody
    without the key can repeat them, so they cannot be used to link."""
    import polars as pl

    from fincloud.deid.engine import apply_to_frame

    out: dict[str, Hierarchy] = {}
    for column, steps in policy.column_steps():
        techniques = {s.technique for s in steps}
        if column not in original.columns or techniques <= {"keep"}:
            continue
        if not techniques <= PUBLIC_TECHNIQUES:
            continue
        if any(getattr(s, "level", None) == "search" for s in steps):
            if len(steps) == 1:
                out[column] = load_hierarchy(steps[0], column)
            continue
        single = parse_policy(
            {
                "fincloud_deid_policy": 1,
                "name": policy.name,
                "purpose": "other",
                "other_columns": "keep",
                "columns": {column: [s.model_dump(mode="json") for s in steps]},
            },
            "policy",
        )
        released = apply_to_frame(
            original.select(column), single, keyring=keyring, policy_dir=policy_dir()
        ).frame
        pairs = (
            pl.DataFrame(
                {
                    "value": original.get_column(column).cast(pl.String),
                    "label": released.get_column(column).cast(pl.String).fill_null(""),
                }
            )
            .drop_nulls("value")
            .unique(maintain_order=True)
        )
        if pairs.height == 0 or pairs.get_column("value").n_unique() != pairs.height:
            continue  # not a function of the value: cannot be repeated value by value
        rows = tuple((v, label, "*") for v, label in pairs.iter_rows())
        out[column] = Hierarchy(rows, source=f"policy columns.{column}", attribute=column)
    return out
