"""Apply a full-domain generalisation: generalise the quasi-identifiers, suppress the records of
classes that fail the privacy models (Ch 9.3: 概化技術 and 抑制技術 together)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from fincloud.deid.hierarchy import Hierarchy, HierarchyError
from fincloud.deid.privacy.encoding import encode_table
from fincloud.deid.privacy.metrics import Metric, parse_metric
from fincloud.deid.privacy.models import PrivacyModel, parse_model
from fincloud.deid.privacy.search import PrivacySearch, SearchResult

if TYPE_CHECKING:
    import polars as pl

# ARX writes this in every quasi-identifier of a suppressed record.
SUPPRESSED = "*"


@dataclass(frozen=True)
class Anonymised:
    frame: pl.DataFrame
    result: SearchResult
    suppressed_records: int


def generalise_frame(
    frame: pl.DataFrame,
    quasi_identifiers: Mapping[str, Hierarchy],
    levels: Mapping[str, int],
) -> pl.DataFrame:
    """Replace each quasi-identifier by its value at ``levels[name]`` (other columns unchanged)."""
    import polars as pl

    expressions = []
    for name, hierarchy in quasi_identifiers.items():
        level = levels[name]
        if not 0 <= level < hierarchy.height:
            raise HierarchyError(
                f"level {level} of {name!r} is outside 0..{hierarchy.max_level} "
                f"of {hierarchy.source}"
            )
        column = pl.col(name).cast(pl.String)
        expressions.append(column.replace_strict(hierarchy.mapping(level)).alias(name))
    return frame.with_columns(expressions)


def suppression_mask(
    frame: pl.DataFrame,
    quasi_identifiers: Mapping[str, Hierarchy],
    levels: Mapping[str, int],
    models: Sequence[PrivacyModel | str],
    *,
    sensitive: str | None = None,
    sensitive_hierarchy: Hierarchy | None = None,
) -> npt.NDArray[np.bool_]:
    """Per record of ``frame``: is it in a class of the transformation ``levels`` that fails
    the models (so that it must be suppressed)? For a policy that already knows its levels."""
    parsed_models = [parse_model(m) if isinstance(m, str) else m for m in models]
    table = encode_table(
        frame, quasi_identifiers, sensitive=sensitive, sensitive_hierarchy=sensitive_hierarchy
    )
    # The metric plays no part in the check; any will do.
    searcher = PrivacySearch(table, parsed_models, suppression=1.0, metric=Metric("height"))
    node = searcher.lattice.node_id([levels[name] for name in table.names])
    return searcher.failing_records(node)


def anonymise(
    frame: pl.DataFrame,
    quasi_identifiers: Mapping[str, Hierarchy],
    models: Sequence[PrivacyModel | str],
    *,
    suppression: float,
    metric: Metric | str,
    sensitive: str | None = None,
    sensitive_hierarchy: Hierarchy | None = None,
    suppressed: Literal["mask", "drop"] = "mask",
) -> Anonymised:
    """Search the optimal transformation and apply it.

    Suppressed records keep their place with ``*`` in every quasi-identifier (as ARX writes
    them) when ``suppressed="mask"``, or are removed (record suppression) with ``"drop"``.
    Raises the same errors as `fincloud.deid.privacy.search`.
    """
    import polars as pl

    parsed_models = [parse_model(m) if isinstance(m, str) else m for m in models]
    parsed_metric = parse_metric(metric) if isinstance(metric, str) else metric
    table = encode_table(
        frame, quasi_identifiers, sensitive=sensitive, sensitive_hierarchy=sensitive_hierarchy
    )
    searcher = PrivacySearch(table, parsed_models, suppression=suppression, metric=parsed_metric)
    result = searcher.run()
    if result.transformation is None:
        return Anonymised(frame.clear(), result, 0)
    node = searcher.lattice.node_id(result.transformation)
    failing = searcher.failing_records(node)
    levels = dict(zip(table.names, result.transformation, strict=True))
    generalised = generalise_frame(frame, quasi_identifiers, levels)
    mask = pl.Series("_suppressed", failing)
    if suppressed == "drop":
        out = generalised.filter(~mask)
    else:
        out = generalised.with_columns(
            [
                pl.when(mask).then(pl.lit(SUPPRESSED)).otherwise(pl.col(name)).alias(name)
                for name in quasi_identifiers
            ]
        )
    return Anonymised(out, result, int(np.count_nonzero(failing)))
