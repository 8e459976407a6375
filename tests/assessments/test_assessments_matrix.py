"""The configurable 5x5 risk matrix and its heat map."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.assessments.matrix import (
    LEVELS,
    RATINGS,
    MatrixError,
    default_matrix,
    heat_map,
    parse_matrix,
    worst,
)


def test_default_matrix_bands_likelihood_times_impact():
    m = default_matrix()
    assert m.rating(1, 1) == "low"
    assert m.rating(1, 3) == "low"  # 3
    assert m.rating(2, 2) == "medium"  # 4
    assert m.rating(2, 4) == "high"  # 8
    assert m.rating(3, 5) == "critical"  # 15
    assert m.rating(5, 5) == "critical"


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_default_rating_never_falls_as_likelihood_or_impact_rises(li, im):
    m = default_matrix()
    here = RATINGS.index(m.rating(li, im))
    if li < 5:
        assert RATINGS.index(m.rating(li + 1, im)) >= here
    if im < 5:
        assert RATINGS.index(m.rating(li, im + 1)) >= here


def test_accept_up_to_is_the_risk_appetite():
    m = default_matrix()
    assert m.accepted("low") and m.accepted("medium")
    assert not m.accepted("high") and not m.accepted("critical")


def test_a_configured_matrix_round_trips():
    data = default_matrix().to_json()
    data["accept_up_to"] = "low"
    data["cells"][0][0] = "low"
    m = parse_matrix(data)
    assert m.accept_up_to == "low"
    assert m.to_json() == data


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda d: d.update(cells=d["cells"][:4]), "cells", "five_rows"),
        (lambda d: d["cells"][2].append("low"), "cells[3]", "five_columns"),
        (lambda d: d["cells"][0].__setitem__(0, "severe"), "cells[1][1]", "unknown_rating"),
        # a higher likelihood rated lower than the one below it is not comparable
        (lambda d: d["cells"][4].__setitem__(4, "low"), "cells[5][5]", "not_monotonic"),
        (lambda d: d.update(accept_up_to="none"), "accept_up_to", "unknown_rating"),
        (lambda d: d.update(impact_en=["a", "b"]), "impact_en", "five_labels"),
        (lambda d: d["likelihood_zh"].__setitem__(1, " "), "likelihood_zh", "empty_label"),
    ],
)
def test_bad_matrices_name_the_field_and_the_rule(change, field, code):
    data = default_matrix().to_json()
    change(data)
    with pytest.raises(MatrixError) as exc:
        parse_matrix(data)
    assert (exc.value.field, exc.value.code) == (field, code)


def test_heat_map_counts_per_cell_and_lays_likelihood_upwards():
    m = default_matrix()
    hm = heat_map(m, [(5, 5), (5, 5), (1, 2), (9, 9)], "zh-hant")
    assert hm.total == 3  # the point outside the grid is left out
    cells = {(c.likelihood, c.impact): c for c in hm.cells}
    assert len(cells) == 25
    assert cells[(5, 5)].count == 2 and cells[(5, 5)].rating == "critical"
    assert cells[(1, 2)].count == 1
    # likelihood 5 is the top row, impact 5 the right-most column
    assert cells[(5, 1)].y < cells[(1, 1)].y
    assert cells[(1, 5)].x > cells[(1, 1)].x
    assert hm.likelihood_labels[0].text == "1 極少發生"
    assert heat_map(m, [], "en").impact_labels[4].text == "5 Severe"


def test_worst_rating():
    assert worst(["low", "high", "medium"]) == "high"
    assert worst([]) is None
