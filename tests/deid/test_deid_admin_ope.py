"""Taiwan administrative areas and the order-preserving tokens' properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fincloud.deid import tw_admin
from fincloud.deid.techniques.ope import ope_encode


def test_the_area_table_has_22_cities_and_368_districts() -> None:
    areas = tw_admin.areas()
    assert len(areas) == 368
    assert len({a.city for a in areas}) == 22
    assert sum(a.city == "新北市" for a in areas) == 29
    assert sum(a.city == "高雄市" for a in areas) == 38


@pytest.mark.parametrize(
    ("address", "district", "city", "region"),
    [
        ("106台北市大安區復興南路一段390號", "臺北市大安區", "臺北市", "北部"),
        ("臺北縣板橋市文化路一段188號", "新北市板橋區", "新北市", "北部"),  # before 2010
        ("桃園縣中壢市中大路300號", "桃園市中壢區", "桃園市", "北部"),  # before 2014
        ("苗栗縣頭份鎮中正路1號", "苗栗縣頭份市", "苗栗縣", "中部"),  # 頭份 became a city in 2015
        ("高雄縣三民鄉民權村", "高雄市那瑪夏區", "高雄市", "南部"),  # renamed 2008
        ("高雄市三民區建國二路", "高雄市三民區", "高雄市", "南部"),
        ("臺灣省臺東縣臺東市中華路", "臺東縣臺東市", "臺東縣", "東部"),
        ("臺中市東勢區", "臺中市東勢區", "臺中市", "中部"),
        ("臺中市東區", "臺中市東區", "臺中市", "中部"),
        ("連江縣南竿鄉介壽村", "連江縣南竿鄉", "連江縣", "離島"),
    ],
)
def test_address_to_district_city_and_region(
    address: str, district: str, city: str, region: str
) -> None:
    assert tw_admin.generalise([address], "district") == [district]
    assert tw_admin.generalise([address], "city") == [city]
    assert tw_admin.generalise([address], "region") == [region]


def test_unknown_places_give_nothing() -> None:
    assert tw_admin.generalise(["東京都港區", "臺北市", None], "district") == [None, None, None]
    assert tw_admin.generalise(["臺北市"], "city") == ["臺北市"]


KEY = bytes(range(32))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(-1000, 1000),
    st.integers(0, 10**6),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=200),
)
def test_order_preserving_tokens_are_strictly_increasing(
    lo: int, width: int, offsets: list[int]
) -> None:
    hi = lo + width
    values = np.array(sorted({lo + (o % (width + 1)) for o in offsets}), dtype=np.int64)
    tokens = ope_encode(KEY, values, lo, hi)
    assert np.all(np.diff(tokens) > 0)
    assert tokens.min() >= 0 and tokens.max() < (width + 1) << 16
    # One value at a time gives the same token: no dependence on the other values.
    assert ope_encode(KEY, values[:1], lo, hi)[0] == tokens[0]
