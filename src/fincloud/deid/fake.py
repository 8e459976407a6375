"""Realistic Taiwanese customer data for tests and benchmarks (`fincloud deid fake`).

Every identifier passes its check rule (national IDs, resident certificates in both formats,
business numbers under the 2023 rule, Luhn-valid card numbers), phones fit the numbering plan
and match the customer's city, addresses are real districts with made-up roads and numbers,
and the amounts are skewed like real balances. Names are common surnames with common given-name
characters. None of it is anyone's real data: the numbers are drawn at random, so an existing
person may by chance share one, as with any valid test number.

Vectorised with NumPy and Polars: a million rows take a few seconds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from fincloud.deid import tw_admin
from fincloud.identifiers import tw_id

SURNAMES = (
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高"
    "潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴"
)
# Rough shares of the commonest surnames (陳 about 11%, 林 8% ...), then a flat tail.
_SURNAME_WEIGHTS = [11.1, 8.3, 6.0, 5.3, 5.1, 4.1, 4.0, 3.2, 2.9, 2.6, 2.3, 1.9, 1.6, 1.6, 1.5]
GIVEN = "家建志明俊宏文偉雅婷怡君淑芬美玲惠如佩珊欣宜冠廷承翰柏宇子豪彥霖詩涵品妤思妤宥辰允嘉琪佳蓉"
# City/county shares of population (2024, percent), for letters, phones and addresses.
CITY_SHARE = {
    "新北市": 17.5, "臺中市": 12.1, "高雄市": 11.8, "臺北市": 10.7, "桃園市": 9.9,
    "臺南市": 7.9, "彰化縣": 5.3, "屏東縣": 3.4, "雲林縣": 2.9, "新竹縣": 2.5, "苗栗縣": 2.3,
    "嘉義縣": 2.1, "南投縣": 2.0, "宜蘭縣": 1.9, "新竹市": 1.9, "基隆市": 1.5, "花蓮縣": 1.3,
    "嘉義市": 1.1, "臺東縣": 0.9, "金門縣": 0.6, "澎湖縣": 0.5, "連江縣": 0.1,
}  # fmt: skip
# The ID letter of each city/county (today's letter for the merged ones).
CITY_LETTER = {
    "臺北市": "A", "臺中市": "B", "基隆市": "C", "臺南市": "D", "高雄市": "E", "新北市": "F",
    "宜蘭縣": "G", "桃園市": "H", "嘉義市": "I", "新竹縣": "J", "苗栗縣": "K", "南投縣": "M",
    "彰化縣": "N", "新竹市": "O", "雲林縣": "P", "嘉義縣": "Q", "屏東縣": "T", "花蓮縣": "U",
    "臺東縣": "V", "金門縣": "W", "澎湖縣": "X", "連江縣": "Z",
}  # fmt: skip
CITY_AREA_CODE = {
    "臺北市": "02", "新北市": "02", "基隆市": "02", "桃園市": "03", "新竹市": "03",
    "新竹縣": "03", "宜蘭縣": "03", "花蓮縣": "03", "苗栗縣": "037", "臺中市": "04",
    "彰化縣": "04", "南投縣": "049", "雲林縣": "05", "嘉義市": "05", "嘉義縣": "05",
    "臺南市": "06", "澎湖縣": "06", "高雄市": "07", "屏東縣": "08", "臺東縣": "089",
    "金門縣": "082", "連江縣": "0836",
}  # fmt: skip
ROADS = ["中正路", "中山路", "民生路", "民權路", "民族路", "復興路", "建國路", "和平路",
         "光復路", "自由路", "信義路", "忠孝路", "仁愛路", "成功路", "文化路",
         "中華路"]  # fmt: skip
SECTIONS = ["", "", "", "一段", "二段", "三段"]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com.tw", "hotmail.com", "msa.hinet.net", "outlook.com"]
OCCUPATIONS = ["軍公教", "製造業", "服務業", "金融業", "資訊業", "醫療", "自營商", "學生",
               "家管", "退休"]  # fmt: skip
_PINYIN = ["chen", "lin", "huang", "chang", "lee", "wang", "wu", "liu", "tsai", "yang", "hsu",
           "cheng", "hsieh", "kuo", "hung"]  # fmt: skip

COLUMNS = (
    "customer_no", "name", "id_number", "gender", "birth_date", "mobile", "landline", "email",
    "address", "account_no", "card_no", "employer_ubn", "occupation", "annual_income",
    "credit_limit", "balance", "opened_on", "note",
)  # fmt: skip

IntArray = npt.NDArray[np.int64]


def _indices(
    rng: np.random.Generator, count: int, n: int, weights: list[float] | None = None
) -> IntArray:
    p = None
    if weights is not None:
        w = np.asarray(weights + [min(weights)] * (count - len(weights)), dtype=float)
        p = w / w.sum()
    return rng.choice(count, size=n, p=p).astype(np.int64)


def _pick(items: list[str], index: IntArray) -> pl.Series:
    return pl.Series(items, dtype=pl.String).gather(pl.Series(index))


def tw_id_check_digits(codes: IntArray, second_values: IntArray, serial: IntArray) -> IntArray:
    """Check digits for first letters' two-digit `codes`, second-position values (gender
    digit, or the last digit of an old-format second letter's code) and 7-digit serials."""
    total = codes // 10 + (codes % 10) * 9 + second_values * 8
    for position, weight in enumerate((7, 6, 5, 4, 3, 2, 1)):
        digit = (serial // 10 ** (6 - position)) % 10
        total += digit * weight
    return (10 - total % 10) % 10


def _luhn_complete(payload: IntArray, length: int) -> IntArray:
    """Append Luhn check digits to (length-1)-digit payloads."""
    total = np.zeros_like(payload)
    for k in range(length - 1):  # k = 0 is the rightmost payload digit, doubled
        digit = (payload // 10**k) % 10
        if k % 2 == 0:
            digit = digit * 2
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
    return payload * 10 + (10 - total % 10) % 10


def _business_numbers(rng: np.random.Generator, n: int) -> IntArray:
    """Random 8-digit numbers that pass the 2023 rule: seven random digits and a last digit
    (weight 1) that makes the sum divisible by 5 (one of two choices, drawn at random)."""
    head = rng.integers(0, 10**7, size=n, dtype=np.int64)
    z = np.zeros(n, dtype=np.int64)
    for i, weight in enumerate((1, 2, 1, 2, 1, 2, 4)):
        product = ((head // 10 ** (6 - i)) % 10) * weight
        z += product // 10 + product % 10
    last = (5 - z % 5) % 5 + 5 * rng.integers(0, 2, size=n)
    return head * 10 + last


def generate(rows: int, seed: int = 0) -> pl.DataFrame:  # noqa: PLR0915 - one column after another
    """`rows` customers; the same seed gives the same rows."""
    rng = np.random.default_rng(seed)
    n = rows
    cities = list(CITY_SHARE)
    city_i = _indices(rng, len(cities), n, list(CITY_SHARE.values()))
    # District: uniform within the city (index into one flat table of all 368).
    all_areas = tw_admin.areas()
    flat_district = [a.district for a in all_areas]
    first = np.array([next(i for i, a in enumerate(all_areas) if a.city == c) for c in cities])
    count = np.array([sum(a.city == c for a in all_areas) for c in cities])
    district_i = first[city_i] + (rng.random(n) * count[city_i]).astype(np.int64)
    female = rng.random(n) < 0.5

    # Identity numbers: 97% national IDs, 2% new-format and 1% old-format resident certificates.
    letters = sorted(tw_id.LETTER_CODES)
    letter_code = np.array([tw_id.LETTER_CODES[x] for x in letters])
    home_letter = np.array([letters.index(CITY_LETTER[c]) for c in cities])[city_i]
    moved = rng.random(n) < 0.3  # registered first elsewhere than they live
    letter_i = np.where(moved, rng.integers(0, 26, n), home_letter)
    kind = rng.random(n)
    new_res = (kind >= 0.97) & (kind < 0.99)
    old_res = kind >= 0.99
    second_value = np.where(female, 2, 1)
    second_value = np.where(new_res, np.where(female, 9, 8), second_value)
    # Old format: A/C male, B/D female; their codes end in 0, 2 (male), 1, 3 (female).
    old_letter_i = np.where(female, 1, 0) + 2 * rng.integers(0, 2, n)  # index into "ABCD"
    second_value = np.where(old_res, old_letter_i, second_value)
    second_char_i = np.where(old_res, 10 + old_letter_i, second_value)  # into "0123456789ABCD"
    serial = rng.integers(0, 10**7, size=n, dtype=np.int64)
    check = tw_id_check_digits(letter_code[letter_i], second_value, serial)

    day0 = int(np.datetime64("1970-01-01", "D").astype(np.int64))
    birth = rng.integers(
        int(np.datetime64("1940-01-01", "D").astype(np.int64)) - day0,
        int(np.datetime64("2006-12-31", "D").astype(np.int64)) - day0,
        size=n,
    )
    opened = rng.integers(
        int(np.datetime64("2000-01-01", "D").astype(np.int64)) - day0,
        int(np.datetime64("2025-06-30", "D").astype(np.int64)) - day0,
        size=n,
    )
    area_codes = [CITY_AREA_CODE[c] for c in cities]
    # Subscriber lengths that fit the numbering plan: 02 and 04 (Taichung) 8 digits, 049
    # 7 digits, otherwise 9 minus the length of the area code.
    sub_len_by_city = np.array(
        [8 if a in ("02", "04", "049") and a != "049" else (7 if a == "049" else 9 - len(a))
         for a in area_codes]
    )  # fmt: skip
    sub_len = sub_len_by_city[city_i]
    subscriber = rng.integers(2 * 10 ** (sub_len - 1), 10**sub_len, dtype=np.int64)

    card_kind = _indices(rng, 3, n, [60.0, 30.0, 10.0])  # Visa, Mastercard, JCB
    # Issuer prefixes as the networks assign them: Visa 4, Mastercard 51-55, JCB 3528-3589.
    visa = 4 * 10**14 + rng.integers(0, 10**14, n, dtype=np.int64)
    mastercard = rng.integers(51, 56, n) * 10**13 + rng.integers(0, 10**13, n, dtype=np.int64)
    jcb = rng.integers(3528, 3590, n) * 10**11 + rng.integers(0, 10**11, n, dtype=np.int64)
    card_payload = np.where(card_kind == 0, visa, np.where(card_kind == 1, mastercard, jcb))
    card = _luhn_complete(card_payload, 16)

    income = np.round(np.exp(rng.normal(13.3, 0.6, n)), -3)  # median about NT$ 600k a year
    limit = np.clip(np.round(income * rng.uniform(0.2, 0.6, n), -4), 20_000, 2_000_000)
    balance = np.round(limit * rng.beta(1.2, 4.0, n))

    frame = pl.DataFrame(
        {
            "_city": _pick(cities, city_i), "_district": _pick(flat_district, district_i),
            "_letter": _pick(letters, letter_i),
            "_second": _pick(list("0123456789ABCD"), second_char_i),
            "_serial": serial, "_check": check, "_female": female,
            "_birth": birth, "_opened": opened, "_area": _pick(area_codes, city_i),
            "_sub": subscriber, "_card": card, "_income": income, "_limit": limit,
            "_balance": balance, "_has_ubn": rng.random(n) < 0.6,
            "_ubn": _business_numbers(rng, n), "_note": rng.integers(0, 10, n),
            "_surname": _pick(list(SURNAMES), _indices(rng, len(SURNAMES), n, _SURNAME_WEIGHTS)),
            "_given1": _pick(list(GIVEN), _indices(rng, len(GIVEN), n)),
            "_given2": _pick(list(GIVEN), _indices(rng, len(GIVEN), n)),
            "_mobile": rng.integers(0, 10**8, size=n, dtype=np.int64),
            "_plain_mobile": rng.random(n) < 0.3,
            "_road": _pick(ROADS, _indices(rng, len(ROADS), n)),
            "_section": _pick(SECTIONS, _indices(rng, len(SECTIONS), n)),
            "_number": rng.integers(1, 400, n), "_floor": rng.integers(1, 15, n),
            "_pinyin": _pick(_PINYIN, _indices(rng, len(_PINYIN), n)),
            "_mailno": rng.integers(1, 9999, n),
            "_domain": _pick(EMAIL_DOMAINS, _indices(rng, len(EMAIL_DOMAINS), n)),
            "_bank": rng.integers(1, 1000, n), "_branch": rng.integers(0, 10000, n),
            "_acct": rng.integers(0, 10**7, n),
            "_occupation": _pick(OCCUPATIONS, _indices(rng, len(OCCUPATIONS), n)),
        }
    )  # fmt: skip
    c = pl.col
    mobile_digits = pl.lit("09") + c("_mobile").cast(pl.String).str.zfill(8)
    id_number = (
        c("_letter") + c("_second") + c("_serial").cast(pl.String).str.zfill(7)
        + c("_check").cast(pl.String)
    )  # fmt: skip
    mobile = (
        pl.when(c("_plain_mobile"))
        .then(mobile_digits)
        .otherwise(
            mobile_digits.str.slice(0, 4) + "-" + mobile_digits.str.slice(4, 3) + "-"
            + mobile_digits.str.slice(7, 3)
        )
    )  # fmt: skip
    sub = c("_sub").cast(pl.String)
    # Written as people do: (02)2345-6789, (03)345-6789, (037)123-456, (0836)22345.
    written_len = sub.str.len_chars()
    cut = pl.when(written_len >= 7).then(written_len - 4).otherwise(3)
    landline = (
        pl.when(written_len == 5)
        .then("(" + c("_area") + ")" + sub)
        .otherwise("(" + c("_area") + ")" + sub.str.slice(0, cut) + "-" + sub.str.slice(cut))
    )
    card_s = c("_card").cast(pl.String)
    card_no = pl.concat_str([card_s.str.slice(i * 4, 4) for i in range(4)], separator="-")
    email = c("_pinyin") + c("_mailno").cast(pl.String) + "@" + c("_domain")
    note = (
        pl.when(c("_note") == 0).then("客戶來電更新手機 " + mobile_digits)
        .when(c("_note") == 1).then("臨櫃核對身分證" + id_number + "無誤")
        .when(c("_note") == 2).then("信用卡 " + card_no + " 掛失補發")
        .when(c("_note") == 3).then("寄送對帳單至 " + email)
        .when(c("_note") == 4).then(pl.lit("VIP 客戶"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )  # fmt: skip
    return frame.select(
        customer_no=pl.lit("C") + pl.int_range(1, n + 1).cast(pl.String).str.zfill(9),
        name=c("_surname") + c("_given1") + c("_given2"),
        id_number=id_number,
        gender=pl.when(c("_female")).then(pl.lit("F")).otherwise(pl.lit("M")),
        birth_date=c("_birth").cast(pl.Date).cast(pl.String),
        mobile=mobile,
        landline=landline,
        email=email,
        address=(
            c("_city") + c("_district") + c("_road") + c("_section")
            + c("_number").cast(pl.String) + "號" + c("_floor").cast(pl.String) + "樓"
        ),
        account_no=(
            c("_bank").cast(pl.String).str.zfill(3) + "-"
            + c("_branch").cast(pl.String).str.zfill(4) + "-"
            + c("_acct").cast(pl.String).str.zfill(7)
        ),
        card_no=card_no,
        employer_ubn=pl.when(c("_has_ubn")).then(c("_ubn").cast(pl.String).str.zfill(8)),
        occupation=c("_occupation"),
        annual_income=c("_income").cast(pl.Int64),
        credit_limit=c("_limit").cast(pl.Int64),
        balance=c("_balance").cast(pl.Int64),
        opened_on=c("_opened").cast(pl.Date).cast(pl.String),
        note=note,
    )  # fmt: skip
