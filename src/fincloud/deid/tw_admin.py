"""Taiwan's administrative areas: address -> district (鄉鎮市區) -> city/county (縣市) -> region.

The 22 cities and counties and their 368 districts are in `data/tw_admin_areas.csv` (as in
force since the 2014 reorganisation; 2015 renamings such as 頭份市, 員林市 included). Addresses
written before the reorganisation still occur in customer files, so the old county names
(臺北縣, 桃園縣, 臺中縣, 臺南縣, 高雄縣) are read as their successors and an old township
name is found by its stem (板橋市 -> 板橋區, 頭份鎮 -> 頭份市); 高雄縣三民鄉, renamed 那瑪夏 in
2008, is mapped by name. 台 is read as 臺, a leading postal code and 臺灣(省) are skipped, and
full-width digits do not matter since only names are matched.

Regions follow the National Development Council's four-way split plus the outlying islands
(北部, 中部, 南部, 東部, 離島).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import polars as pl

AreaLevel = Literal["district", "city", "region"]
LEVELS: tuple[AreaLevel, ...] = ("district", "city", "region")

OLD_COUNTIES = {
    "臺北縣": "新北市",
    "桃園縣": "桃園市",
    "臺中縣": "臺中市",
    "臺南縣": "臺南市",
    "高雄縣": "高雄市",
}
# Renamed outright, not only by suffix; matched on the full old form, since Kaohsiung City
# has its own 三民區.
RENAMED = {"高雄縣三民鄉": "高雄市那瑪夏區"}


@dataclass(frozen=True)
class Area:
    city: str
    district: str
    region: str


@cache
def areas() -> tuple[Area, ...]:
    text = resources.files("fincloud.deid").joinpath("data/tw_admin_areas.csv").read_text("utf-8")
    return tuple(
        Area(r["city"], r["district"], r["region"]) for r in csv.DictReader(text.splitlines())
    )


def _stem(district: str) -> str:
    return district[:-1]


@cache
def _patterns() -> tuple[str, str, dict[str, str], dict[str, str]]:
    """(city regex, city+district regex, city+stem -> district, city -> region)."""
    cities = sorted({a.city for a in areas()}, key=len, reverse=True)
    city_re = "^(" + "|".join(cities + sorted(OLD_COUNTIES, key=len, reverse=True)) + ")"
    by_city: dict[str, list[str]] = {}
    stem_map: dict[str, str] = {}
    for a in areas():
        by_city.setdefault(a.city, []).append(_stem(a.district))
        stem_map[a.city + _stem(a.district)] = a.city + a.district
    alternatives = []
    for city, stems in by_city.items():
        ordered = sorted(set(stems), key=len, reverse=True)
        alternatives.append(f"{city}(?:{'|'.join(ordered)})")
    district_re = "^(" + "|".join(alternatives) + ")[區市鎮鄉]"
    region = {a.city: a.region for a in areas()}
    return city_re, district_re, stem_map, region


def normalise_expr(column: pl.Expr) -> pl.Expr:
    """台 -> 臺, no leading postal code, spaces or 臺灣(省)."""
    return (
        column.str.replace_all("台", "臺", literal=True)
        .str.replace_all(r"\s+", "")
        .str.replace(r"^[0-9０-９]{3,6}", "")
        .str.replace(r"^(?:中華民國)?臺灣省?", "")
        .str.replace_many(list(RENAMED), list(RENAMED.values()))
    )


def generalise_expr(column: pl.Expr, level: AreaLevel) -> pl.Expr:
    """An expression turning addresses (or district names with their city) into the area at
    `level`; null where the address names no known city/county (or, for district, no known
    district of it)."""
    import polars as pl

    city_re, district_re, stem_map, region = _patterns()
    norm = normalise_expr(column)
    city_raw = norm.str.extract(city_re, 1)
    city = city_raw.replace(OLD_COUNTIES)
    if level == "city":
        return city
    if level == "region":
        return city.replace_strict(region, default=None, return_dtype=pl.String)
    rest = norm.str.slice(city_raw.str.len_chars())
    key = (city + rest).str.extract(district_re, 1)
    return key.replace_strict(stem_map, default=None, return_dtype=pl.String)


def generalise(values: list[str | None], level: AreaLevel) -> list[str | None]:
    """The same for a plain list (used by tests and small inputs)."""
    import polars as pl

    frame = pl.DataFrame({"a": values}, schema={"a": pl.String})
    return frame.select(generalise_expr(pl.col("a"), level)).to_series().to_list()
