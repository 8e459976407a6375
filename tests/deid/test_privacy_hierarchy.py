"""ARX hierarchy files: reading, generalising, and the error for an uncovered value."""

from __future__ import annotations

from pathlib import Path

import pytest

from fincloud.deid.hierarchy import (
    HierarchyError,
    UncoveredValueError,
    flat_hierarchy,
    format_hierarchy,
    interval_hierarchy,
    parse_hierarchy,
    read_hierarchy,
)


def test_reads_adult_age_hierarchy(shared_data: Path) -> None:
    path = shared_data / "adult" / "adult_hierarchy_age.csv"
    hierarchy = read_hierarchy(path, attribute="age")
    assert hierarchy.height == 5
    assert len(hierarchy.rows) == 100
    assert hierarchy.generalise("39", 0) == "39"
    assert hierarchy.generalise("39", 4) == "*"
    # Every level-1 value of the file is the generalisation of the original value in its row.
    assert hierarchy.mapping(1)["1"] == "0-4"


def test_every_adult_value_is_covered(shared_data: Path) -> None:
    adult = shared_data / "adult"
    header, *lines = (adult / "adult.csv").read_text(encoding="utf-8").splitlines()
    columns = header.split(";")
    for position, name in enumerate(columns):
        hierarchy = read_hierarchy(adult / f"adult_hierarchy_{name}.csv", attribute=name)
        values = {line.split(";")[position] for line in lines}
        assert hierarchy.uncovered(values) == []
        assert {hierarchy.generalise(v, hierarchy.max_level) for v in values} == {"*"}


def test_uncovered_value_names_value_and_file(tmp_path: Path) -> None:
    path = tmp_path / "sex.csv"
    path.write_text("Male;*\nFemale;*\n", encoding="utf-8")
    hierarchy = read_hierarchy(path, attribute="sex")
    with pytest.raises(UncoveredValueError) as info:
        hierarchy.generalise("Other", 1)
    message = str(info.value)
    assert "'Other'" in message
    assert str(path) in message
    assert info.value.value == "Other"
    with pytest.raises(UncoveredValueError):
        hierarchy.check_covers(["Male", "X"])


def test_ragged_and_duplicate_rows_are_rejected() -> None:
    with pytest.raises(HierarchyError, match="line 2"):
        parse_hierarchy("a;x;*\nb;*\n", source="h.csv")
    with pytest.raises(HierarchyError, match="repeats line 1"):
        parse_hierarchy("a;*\na;*\n", source="h.csv")
    with pytest.raises(HierarchyError, match=r"outside 0\.\.1"):
        parse_hierarchy("a;*\n").generalise("a", 2)


def test_quoted_cells_and_other_separator() -> None:
    hierarchy = parse_hierarchy('"a;b",x,*\nc,x,*\n', sep=",")
    assert hierarchy.generalise("a;b", 1) == "x"
    assert hierarchy.level(2) == ("*", "*")


def test_interval_hierarchy_nests_and_reads_numbers_in_any_form() -> None:
    # The credit data writes some limits as 1.00E+05.
    hierarchy = interval_hierarchy(["20000", "1.00E+05", "180000"], [50000, 100000])
    assert hierarchy.rows == (
        ("20000", "0-49999", "0-99999", "*"),
        ("1.00E+05", "100000-149999", "100000-199999", "*"),
        ("180000", "150000-199999", "100000-199999", "*"),
    )
    with pytest.raises(HierarchyError, match="nest"):
        interval_hierarchy(["1"], [5, 7])
    with pytest.raises(HierarchyError, match="not a number"):
        interval_hierarchy(["ten"], [5])


def test_flat_hierarchy_and_round_trip_through_the_arx_format() -> None:
    hierarchy = flat_hierarchy(["1", "2", "1", "a;b"])
    assert hierarchy.rows == (("1", "*"), ("2", "*"), ("a;b", "*"))
    text = format_hierarchy(hierarchy)
    assert text.splitlines()[2] == '"a;b";*'
    assert parse_hierarchy(text).rows == hierarchy.rows
