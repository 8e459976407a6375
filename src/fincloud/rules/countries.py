"""Country codes: ISO 3166-1 alpha-2 and the FAQ-10 list of Ch 1.2 (c).

The 249 officially assigned alpha-2 codes, upper case. A test checks this table against the
`iso3166.tab` that ships with the installed tzdata package, so a new code shows up there first.
"""

from __future__ import annotations

from typing import Final

DOMESTIC: Final = "TW"

ISO_3166_ALPHA2: Final = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

# Ch 1.2 (c), quoting FAQ item 10 of the outsourcing regulation: countries already assessed as
# having data-protection law not lower than Taiwan's. "德國、法國、荷蘭、奧地利、愛爾蘭、芬蘭
# 等歐盟國家" names six EU members; RULES.md §5: the default list holds exactly the named ones.
FAQ10_ASSESSED: Final = frozenset(
    {
        "DE",  # 德國
        "FR",  # 法國
        "NL",  # 荷蘭
        "AT",  # 奧地利
        "IE",  # 愛爾蘭
        "FI",  # 芬蘭
        "CH",  # 瑞士
        "IS",  # 冰島
        "US",  # 美國
        "GB",  # 英國
        "IN",  # 印度
        "JP",  # 日本
        "KR",  # 韓國
        "HK",  # 香港
        "PH",  # 菲律賓
        "MY",  # 馬來西亞
        "SG",  # 新加坡
        "AU",  # 澳洲
    }
)
