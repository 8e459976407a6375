"""Names the explanations use, in Traditional Chinese and English."""

from __future__ import annotations

from typing import Final

INSTITUTION_ZH: Final = {
    "domestic_bank": "本國銀行",
    "foreign_bank_branch": "外國銀行在臺分行",
    "credit_cooperative": "信用合作社",
    "bills_finance_company": "票券金融公司",
    "credit_card_institution": "信用卡業務機構",
    "other": "其他機構",
}
INSTITUTION_EN: Final = {
    "domestic_bank": "a domestic bank",
    "foreign_bank_branch": "a foreign bank's branch in Taiwan",
    "credit_cooperative": "a credit cooperative",
    "bills_finance_company": "a bills finance company",
    "credit_card_institution": "a credit card business institution",
    "other": "another kind of institution",
}

# Ch 9.2: the five exclusions, as (letter, zh, en).
EXCLUSION_TEXT: Final = {
    "market_information_platform": (
        "a",
        "市場資訊服務及交易暨通訊平台採用雲端服務平台提供金融機構服務",
        "market information services and trading/communication platforms that serve "
        "institutions from a cloud",
    ),
    "no_customer_data_environment": (
        "b",
        "於雲端建置之環境或資訊系統無涉客戶資訊之儲存或處理（如無客戶資訊之開發或測試環境、"
        "官方網站、公開資訊網站或下載平台、教育訓練平台）",
        "an environment or system in the cloud that stores or processes no customer "
        "information (development or test without customer data, the official website, "
        "public information or download platforms, training platforms)",
    ),
    "non_identifying_marketing": (
        "c",
        "數位廣告投放或數位行銷活動未涉及利用直接或間接識別客戶身分者",
        "digital advertising or marketing that does not directly or indirectly identify customers",
    ),
    "video_conferencing": (
        "d",
        "使用雲端視訊開會軟體及相關之通訊服務工具",
        "cloud video-conferencing software and related communication tools",
    ),
    "internal_collaboration": (
        "e",
        "內部營運或行政事項使用數位辦公協作軟體，且該作業委外未涉及營業執照所載業務項目"
        "（即使內部郵件提及客戶資料加以傳輸或處理，仍非屬範疇）",
        "digital office collaboration for internal operations or administration that does not "
        "involve business-licence items (even if internal e-mail carries customer data)",
    ),
}

# Ch 2.2 materiality factors (FAQ 4), short names.
FACTOR_ZH: Final = {
    "a": "關鍵業務（營收獲利、持續營運計畫之關鍵營運流程）",
    "b": "對盈餘、償付能力、流動性、籌資能力、資本及風險之影響",
    "c": "服務中斷或資料保護、資安問題對聲譽、營運目標、客戶權益、交易對手或金融市場之影響"
    "（含時效關鍵性與RTO）",
    "d": "建置成本",
    "e": "移回或改由其他雲端服務業者提供之移轉成本",
    "f": "對同一雲端服務業者之總暴險",
    "g": "業者面臨營運問題時維持內控制度及法規遵循之能力",
}
FACTOR_EN: Final = {
    "a": "core business (revenue and profit, a critical process in the continuity plan)",
    "b": "impact on earnings, solvency, liquidity, funding, capital and risk",
    "c": "impact of a CSP failure or data/security incident on reputation, objectives, "
    "customer rights, counterparties or the market (incl. time-criticality and RTO)",
    "d": "build cost",
    "e": "cost of moving back in-house or to another CSP",
    "f": "total exposure to the same CSP",
    "g": "ability to keep internal control and compliance if the CSP has trouble",
}
LEVEL_ZH: Final = {"low": "低", "medium": "中", "high": "高"}

CLASSIFICATION_NUMBER: Final = {
    "material_consumer_finance_offshore": 1,
    "material_offshore": 2,
    "non_material_offshore": 3,
    "domestic": 4,
}

CLASSIFICATION_ZH: Final = {
    "material_consumer_finance_offshore": "分級1 重大性消費金融業務資訊系統委託至境外處理",
    "material_offshore": "分級2 具重大性之境外雲端委外作業",
    "non_material_offshore": "分級3 不具重大性之境外雲端委外作業",
    "domestic": "分級4 境內雲端委外作業",
    "out_of_scope": "非屬範疇",
}
CLASSIFICATION_EN: Final = {
    "material_consumer_finance_offshore": "1, material consumer-finance system offshore",
    "material_offshore": "2, material offshore",
    "non_material_offshore": "3, non-material offshore",
    "domestic": "4, domestic",
    "out_of_scope": "out of scope",
}
