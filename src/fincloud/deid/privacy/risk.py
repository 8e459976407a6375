"""Re-identification risk and the manual's three tests, measured (Ch 9.3 (a)-(c)).

Ch 9.3 asks whether, after de-identification, (a) a person can still be singled out
(是否仍可能識別當事人), (b) the data can still be linked with other personal data
(是否仍可能與其他個人資料相連結), (c) something can still be inferred about a person
(是否仍可能推論出該資料與特定人相關). This module answers with measurements on the released
table, and on the original when it is given (the attacker's background knowledge):

- Risk of the three classic attacker models (as ARX reports them): the *prosecutor* knows the
  person is in the release (risk of a record = 1 / size of its class); the *journalist* links
  with a population table (1 / size of the matching group in the original, when given; without
  it the release is its own population and the risk equals the prosecutor's); the *marketer*
  tries to re-identify everyone (expected share of records re-identified).
- (a) singling out: records unique on the quasi-identifiers, in the release and in the population.
- (b) linkability: the expected share of released records an attacker holding the original data
  links to the right person, on the quasi-identifiers and on every column the release shares
  with the original unchanged (an unchanged amount column can link on its own).
- (c) inference: how often the majority value of a sensitive attribute within a record's class
  is its true value, against guessing the overall majority; records whose value is certain.

The attacker knows the hierarchies: original values are mapped to the labels the release uses
(any level of the hierarchy, per value), and ``*`` in a released cell matches any value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fincloud.deid.hierarchy import Hierarchy

if TYPE_CHECKING:
    import polars as pl

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SUPPRESSED = "*"
DEFAULT_THRESHOLD = 0.2  # a record is at risk above 1/5, i.e. in a class of fewer than 5


class RiskError(ValueError):
    """The tables do not allow the measurement asked for."""


@dataclass(frozen=True)
class AttackerRisk:
    highest: float  # the largest re-identification probability of any record
    average: float  # mean probability over records (the attack's expected success rate)
    records_at_risk: float  # share of records whose probability exceeds the threshold


@dataclass(frozen=True)
class SinglingOut:
    sample_unique_records: int
    sample_unique_share: float
    population_unique_records: int | None  # needs the original
    population_unique_share: float | None
    possible: bool


@dataclass(frozen=True)
class Linkage:
    columns: tuple[str, ...]
    expected_correct_links: float  # share of released records linked to the right person
    unique_links: int  # records that match exactly one person, in both tables
    unique_link_share: float
    baseline: float  # a random guess: 1 / population size


@dataclass(frozen=True)
class Linkability:
    quasi_identifiers: Linkage
    shared_columns: Linkage
    excluded_columns: tuple[str, ...]  # changed columns that cannot be matched value for value
    possible: bool


@dataclass(frozen=True)
class Inference:
    attribute: str
    success_rate: float  # majority value within the record's class is the true value
    baseline: float  # the overall majority value is the true value
    advantage: float  # (success - baseline) / (1 - baseline), 0 if no better than guessing
    certain_records: int  # every record of the class has the same value (homogeneity)
    certain_share: float
    possible: bool


@dataclass(frozen=True)
class RiskReport:
    records: int
    classes: int
    smallest_class: int
    threshold: float
    prosecutor: AttackerRisk
    journalist: AttackerRisk
    journalist_population: str  # "original" or "release"
    marketer: float
    singling_out: SinglingOut
    linkability: Linkability | None
    inference: tuple[Inference, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _strings(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    import polars as pl

    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RiskError(f"column {missing[0]!r} is not in the data")
    return frame.select([pl.col(c).cast(pl.String).fill_null("") for c in columns])


def class_sizes(frame: pl.DataFrame, columns: Sequence[str]) -> IntArray:
    """Size of the equivalence class (same values in ``columns``) of every record."""
    import polars as pl

    if not columns:
        return np.full(frame.height, frame.height, dtype=np.int64)
    sizes = _strings(frame, columns).select(pl.len().over(list(columns)).alias("n"))
    return sizes.get_column("n").to_numpy().astype(np.int64)


def _attacker(risk: FloatArray, threshold: float) -> AttackerRisk:
    if risk.size == 0:
        return AttackerRisk(0.0, 0.0, 0.0)
    return AttackerRisk(
        highest=float(risk.max()),
        average=float(risk.mean()),
        records_at_risk=float(np.count_nonzero(risk > threshold) / risk.size),
    )


def _value_mapping(
    released: pl.Series, original: pl.Series, hierarchy: Hierarchy | None
) -> dict[str, str] | None:
    """How the attacker maps an original value to the release's label, or None if impossible.

    Unchanged columns map each value to itself. Generalised columns map each value to the
    lowest label of its hierarchy row that the release uses.
    """
    used = set(released.drop_nulls().unique().to_list()) - {SUPPRESSED}
    values = set(original.drop_nulls().unique().to_list())
    if used <= values:
        return {v: v for v in values}
    if hierarchy is None:
        return None
    mapping: dict[str, str] = {}
    for row in hierarchy.rows:
        for label in row:
            if label in used:
                mapping[row[0]] = label
                break
    if not used <= set(mapping.values()):
        return None
    return mapping


def _population_counts(
    release: pl.DataFrame,
    original: pl.DataFrame,
    columns: Sequence[str],
    mappings: Mapping[str, Mapping[str, str]],
) -> IntArray:
    """For every released record: original records matching it (``*`` matches anything)."""
    import polars as pl

    rel = _strings(release, columns)
    ori = _strings(original, columns).with_columns(
        [
            pl.col(c).replace_strict(dict(mappings[c]), default=None, return_dtype=pl.String)
            for c in columns
        ]
    )
    starred = rel.select([(pl.col(c) == SUPPRESSED).alias(c) for c in columns]).to_numpy()
    patterns = {tuple(bool(x) for x in row) for row in np.unique(starred, axis=0)}
    result = np.zeros(release.height, dtype=np.int64)
    for pattern in patterns:
        keys = [c for c, star in zip(columns, pattern, strict=True) if not star]
        mask = np.all(starred == np.array(pattern), axis=1)
        if not keys:
            result[mask] = original.height
            continue
        counts = ori.drop_nulls(keys).group_by(keys).agg(pl.len().alias("_n"))
        joined = (
            rel.with_row_index("_row")
            .filter(pl.Series(mask))
            .join(counts, on=keys, how="left")
            .sort("_row")
        )
        rows = joined.get_column("_row").to_numpy()
        result[rows] = joined.get_column("_n").fill_null(0).to_numpy()
    return result


def _linkage(
    release: pl.DataFrame,
    original: pl.DataFrame,
    columns: Sequence[str],
    mappings: Mapping[str, Mapping[str, str]],
) -> Linkage:
    sample = class_sizes(release, columns)
    population = np.maximum(_population_counts(release, original, columns, mappings), sample)
    n = max(release.height, 1)
    unique = int(np.count_nonzero((sample == 1) & (population == 1)))
    return Linkage(
        columns=tuple(columns),
        expected_correct_links=float(np.sum(1.0 / population) / n),
        unique_links=unique,
        unique_link_share=unique / n,
        baseline=1.0 / max(original.height, 1),
    )


def _inference(release: pl.DataFrame, quasi: Sequence[str], attribute: str) -> Inference:
    import polars as pl

    frame = _strings(release, [*quasi, attribute])
    n = frame.height
    counts = frame.group_by([*quasi, attribute]).agg(pl.len().alias("_n"))
    if quasi:
        per_class = counts.group_by(list(quasi)).agg(
            pl.col("_n").max().alias("_max"),
            pl.col("_n").sum().alias("_size"),
            pl.len().alias("_values"),
        )
    else:
        per_class = counts.select(
            pl.col("_n").max().alias("_max"),
            pl.col("_n").sum().alias("_size"),
            pl.len().alias("_values"),
        )
    success = float(per_class.get_column("_max").to_numpy().sum()) / n
    overall = frame.group_by(attribute).agg(pl.len().alias("_n"))
    baseline = float(overall.get_column("_n").to_numpy().max()) / n
    certain = int(per_class.filter(pl.col("_values") == 1).get_column("_size").sum())
    advantage = 0.0 if baseline >= 1.0 else max((success - baseline) / (1.0 - baseline), 0.0)
    return Inference(
        attribute=attribute,
        success_rate=success,
        baseline=baseline,
        advantage=advantage,
        certain_records=certain,
        certain_share=certain / n,
        possible=certain > 0 or advantage > 0.0,
    )


def assess_risk(
    release: pl.DataFrame,
    quasi_identifiers: Sequence[str],
    *,
    original: pl.DataFrame | None = None,
    hierarchies: Mapping[str, Hierarchy] | None = None,
    sensitive: Sequence[str] = (),
    threshold: float = DEFAULT_THRESHOLD,
) -> RiskReport:
    """Risk of ``release`` (the de-identified table), with ``original`` as background knowledge.

    To measure the original itself ("before"), pass it as ``release`` without ``original``.
    """
    if not 0.0 <= threshold <= 1.0:
        raise RiskError(f"threshold must be in [0, 1], got {threshold}")
    if release.height == 0:
        raise RiskError("the released data has no records")
    quasi = list(quasi_identifiers)
    hierarchies = hierarchies or {}
    sizes = class_sizes(release, quasi)
    prosecutor = 1.0 / sizes
    n = release.height
    classes = int(np.sum(1.0 / sizes).round())

    population: IntArray | None = None
    linkability: Linkability | None = None
    if original is not None:
        mappings: dict[str, dict[str, str]] = {}
        excluded: list[str] = []
        shared = [c for c in release.columns if c in original.columns]
        for column in shared:
            mapping = _value_mapping(
                _strings(release, [column]).get_column(column),
                _strings(original, [column]).get_column(column),
                hierarchies.get(column),
            )
            if mapping is None:
                excluded.append(column)
            else:
                mappings[column] = mapping
        unmapped = [c for c in quasi if c not in mappings]
        if unmapped:
            raise RiskError(
                f"quasi-identifier {unmapped[0]!r}: its released values cannot be matched to the "
                "original (give its hierarchy with --qi ATTRIBUTE=HIERARCHY.csv)"
            )
        population = np.maximum(_population_counts(release, original, quasi, mappings), sizes)
        link_columns = [c for c in shared if c in mappings]
        on_qis = _linkage(release, original, quasi, mappings)
        on_shared = _linkage(release, original, link_columns, mappings)
        linkability = Linkability(
            quasi_identifiers=on_qis,
            shared_columns=on_shared,
            excluded_columns=tuple(excluded),
            possible=on_qis.unique_links > 0 or on_shared.unique_links > 0,
        )

    journalist_risk = prosecutor if population is None else 1.0 / population
    marketer = float(np.mean(journalist_risk))
    sample_unique = int(np.count_nonzero(sizes == 1))
    population_unique = None if population is None else int(np.count_nonzero(population == 1))
    singling = SinglingOut(
        sample_unique_records=sample_unique,
        sample_unique_share=sample_unique / n,
        population_unique_records=population_unique,
        population_unique_share=None if population_unique is None else population_unique / n,
        possible=(population_unique if population_unique is not None else sample_unique) > 0,
    )
    inference = tuple(_inference(release, quasi, attribute) for attribute in sensitive)
    return RiskReport(
        records=n,
        classes=classes,
        smallest_class=int(sizes.min()),
        threshold=threshold,
        prosecutor=_attacker(prosecutor, threshold),
        journalist=_attacker(journalist_risk, threshold),
        journalist_population="release" if population is None else "original",
        marketer=marketer,
        singling_out=singling,
        linkability=linkability,
        inference=inference,
    )
