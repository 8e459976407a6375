"""The decision rules of RULES.md §1-§5 as pure functions over a Profile.

Each public function returns a Determination (outcome, rule version, citations, explanation in
zh-TW and en). `evaluate` runs them all and gathers the answer `fincloud evaluate` prints.

The rules that depend only on a few discrete inputs (scope, classification, cadence, approval,
contract rows) are cached: there are a few hundred distinct cases, and the cache is what lets a
batch run at tens of thousands of profiles a second. Locations and materiality factors are
computed for every profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal, TypeAlias

from fincloud.rules import citations as cit
from fincloud.rules.countries import DOMESTIC, FAQ10_ASSESSED
from fincloud.rules.determination import (
    RULE_VERSION,
    Determination,
    JsonValue,
    Lang,
    merge_citations,
)
from fincloud.rules.profile import (
    FACTOR_KEYS,
    Exclusion,
    InstitutionType,
    MaterialityFactor,
    Profile,
    ServiceModel,
    parse_profile,
)
from fincloud.rules.texts import (
    CLASSIFICATION_NUMBER,
    EXCLUSION_TEXT,
    FACTOR_EN,
    FACTOR_ZH,
    INSTITUTION_EN,
    INSTITUTION_ZH,
    LEVEL_ZH,
)

Classification: TypeAlias = Literal[
    "material_consumer_finance_offshore",
    "material_offshore",
    "non_material_offshore",
    "domestic",
    "out_of_scope",
]
CLASSIFICATIONS: Final[tuple[Classification, ...]] = (
    "material_consumer_finance_offshore",
    "material_offshore",
    "non_material_offshore",
    "domestic",
    "out_of_scope",
)

# Ch 9.2 (a): the institutions the self-regulatory rules cover.
COVERED_INSTITUTIONS: Final = frozenset(
    {
        "domestic_bank",
        "foreign_bank_branch",
        "credit_cooperative",
        "bills_finance_company",
        "credit_card_institution",
    }
)

# RULES.md §4: which Annex 3 rows apply to whom.
_ROWS_EVERY: Final = frozenset(
    {
        "10.I.1",
        "10.I.2",
        "10.I.3",
        "10.I.4",
        "10.I.5",
        "10.I.6",
        "10.I.7",
        "10.I.8",
        "10.I.9",
        "10.I.10",
        "10.II",
        "19.3",
        "19.4",
        "19.5",
        "19.6.1",
    }
)
_ROWS_OFFSHORE: Final = frozenset({"17.I.3", "17.I.5"})
_ROWS_CLASS_1: Final = frozenset({"18.I.4.3.1", "18.I.4.3.2", "18.I.5", "18.I.6"})
_ROWS_APPROVAL: Final = tuple(cit.contract_row_id(r) for r in sorted(_ROWS_CLASS_1))

# Materiality proposal (docs/rules.md): any factor high, or at least three medium.
MEDIUM_FACTORS_FOR_MATERIAL: Final = 3


@dataclass(frozen=True, slots=True)
class AuditCadence:
    interval_months: int
    special_audit_required: bool

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "interval_months": self.interval_months,
            "special_audit_required": self.special_audit_required,
        }


@dataclass(frozen=True, slots=True)
class MaterialityProposal:
    proposed: bool
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]
    # True when the confirmed `material` differs from the proposal; the proposal never wins.
    disagrees_with_material: bool

    def to_json(self, lang: Lang = "zh-TW") -> dict[str, JsonValue]:
        return {
            "proposed": self.proposed,
            "reasons": list(self.reasons_zh if lang == "zh-TW" else self.reasons_en),
            "disagrees_with_material": self.disagrees_with_material,
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The answer for one profile; `parts` are the determinations it was gathered from."""

    profile: Profile
    in_scope: bool
    offshore: bool
    classification: Classification
    regulator_approval_required: bool
    audit: AuditCadence | None
    contract_rows: tuple[str, ...]
    locations_needing_assessment: tuple[str, ...]
    materiality_proposal: MaterialityProposal | None
    citations: tuple[str, ...]
    explanation_zh: tuple[str, ...]
    explanation_en: tuple[str, ...]
    parts: tuple[Determination, ...]
    rule_version: str = RULE_VERSION

    def outcome(self, lang: Lang = "zh-TW") -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {
            "in_scope": self.in_scope,
            "offshore": self.offshore,
            "classification": self.classification,
            "regulator_approval_required": self.regulator_approval_required,
            "audit": None if self.audit is None else self.audit.to_json(),
            "contract_rows": list(self.contract_rows),
            "locations_needing_assessment": list(self.locations_needing_assessment),
        }
        if self.materiality_proposal is not None:
            out["materiality_proposal"] = self.materiality_proposal.to_json(lang)
        return out

    def to_output(self, lang: Lang = "zh-TW") -> dict[str, JsonValue]:
        """The JSON `fincloud evaluate` prints: exactly the keys of issue 5."""
        out = self.outcome(lang)
        out["citations"] = list(self.citations)
        out["explanation"] = list(self.explanation_zh if lang == "zh-TW" else self.explanation_en)
        return out

    def to_record(self) -> dict[str, JsonValue]:
        """The Determination the web app stores: inputs, outcome, rule version, citations and
        the explanation in both languages (the reasons of the proposal in both too)."""
        outcome = self.outcome("zh-TW")
        if self.materiality_proposal is not None:
            proposal = self.materiality_proposal.to_json("zh-TW")
            outcome["materiality_proposal"] = {
                "proposed": proposal["proposed"],
                "reasons_zh": list(self.materiality_proposal.reasons_zh),
                "reasons_en": list(self.materiality_proposal.reasons_en),
                "disagrees_with_material": proposal["disagrees_with_material"],
            }
        return {
            "kind": "evaluation",
            "inputs": self.profile.to_json(),
            "outcome": outcome,
            "rule_version": self.rule_version,
            "citations": list(self.citations),
            "explanation_zh": list(self.explanation_zh),
            "explanation_en": list(self.explanation_en),
        }


# -- scope (Ch 9.2) ---------------------------------------------------------------------------


def determine_scope(
    institution_type: InstitutionType,
    license_business_or_customer_data: bool,
    csp_processes_or_stores_data: bool,
    exclusion: Exclusion = "none",
) -> Determination:
    """Ch 9.2: in scope when (a), (b) and (c) hold and no exclusion applies."""
    return _scope(
        institution_type, license_business_or_customer_data, csp_processes_or_stores_data, exclusion
    )[1]


@cache
def _scope(
    institution_type: InstitutionType,
    license_business_or_customer_data: bool,
    csp_processes_or_stores_data: bool,
    exclusion: Exclusion,
) -> tuple[bool, Determination]:
    zh: list[str] = []
    en: list[str] = []
    cites: list[str] = [cit.SCOPE_CRITERION_A, cit.SCOPE_CRITERION_B, cit.SCOPE_CRITERION_C]
    failed: list[str] = []
    inst_zh = INSTITUTION_ZH[institution_type]
    inst_en = INSTITUTION_EN[institution_type]
    if institution_type not in COVERED_INSTITUTIONS:
        failed.append("a")
        zh.append(
            f"非屬範疇：判斷原則 (a) 不符，機構類型為{inst_zh}，非本國銀行、外國銀行在臺分行、"
            "信用合作社、票券金融公司或信用卡業務機構（第9章二）。"
        )
        en.append(
            f"Out of scope: test (a) fails: the institution is {inst_en}, not a domestic bank, "
            "a foreign bank's branch in Taiwan, a credit cooperative, a bills finance company "
            "or a credit card business institution (Ch 9.2)."
        )
    if not license_business_or_customer_data:
        failed.append("b")
        zh.append(
            "非屬範疇：判斷原則 (b) 不符，委外作業未涉及營業執照所載項目或客戶資訊相關作業"
            "（第9章二）。"
        )
        en.append(
            "Out of scope: test (b) fails: the outsourced work involves neither business-licence "
            "items nor customer information (Ch 9.2)."
        )
    if not csp_processes_or_stores_data:
        failed.append("c")
        zh.append(
            "非屬範疇：判斷原則 (c) 不符，未由雲端服務業者提供資料處理或儲存服務"
            "（直接委託或由受委託機構複委託均同）（第9章二）。"
        )
        en.append(
            "Out of scope: test (c) fails: no CSP processes or stores the data, whether "
            "contracted directly or through the contractor's sub-outsourcing (Ch 9.2)."
        )
    if exclusion != "none":
        letter, text_zh, text_en = EXCLUSION_TEXT[exclusion]
        cites.append(cit.EXCLUSION_BY_NAME[exclusion])
        zh.append(f"非屬範疇：適用第9章二排除情境 ({letter})，{text_zh}。")
        en.append(f"Out of scope: exclusion ({letter}) of Ch 9.2 applies: {text_en}.")
    in_scope = not failed and exclusion == "none"
    if in_scope:
        zh.append(
            "屬金融機構作業委外使用雲端服務之範疇（第9章二判斷原則 (a)(b)(c) 均符合）："
            f"{inst_zh}、涉及營業執照所載項目或客戶資訊、由雲端服務業者處理或儲存資料。"
        )
        en.append(
            "In scope of cloud outsourcing (Ch 9.2 tests (a), (b) and (c) all hold): "
            f"{inst_en}; the work involves business-licence items or customer information; "
            "a CSP processes or stores the data."
        )
        if institution_type == "foreign_bank_branch":
            cites.extend(cit.FOREIGN_BRANCH_ITEMS)
            zh.append(
                "外國銀行在臺分行：監督、盡職調查、定期審查、契約約定及查核得由總（母）行、總機構"
                "或經授權之區域總部統籌辦理並援用其報告，分行仍應指派專責窗口，並評估援用之查核"
                "人員之獨立性、資格與專業性（第9章一 (a)–(e)）。"
            )
            en.append(
                "Foreign bank branch: oversight, due diligence, periodic review, the contract and "
                "the audit may be handled by the head office, group or authorised regional "
                "headquarters and their reports relied on; the branch still names a contact "
                "and assesses the independence and qualification of the auditors it relies on "
                "(Ch 9.1 (a)-(e))."
            )
    else:
        cites.append(cit.SCOPE_SECTION)
        zh.append(
            "非屬範疇不代表無須控管：建議仍衡量雲端服務之風險，執行妥適之風險管理及控管程序"
            "（總則2、第9章二）。"
        )
        en.append(
            "Out of scope is not 'no controls': the manual still recommends weighing the "
            "service's risks and running suitable risk management and controls "
            "(Preface 2, Ch 9.2)."
        )
        if exclusion == "non_identifying_marketing":
            cites.extend(cit.PRIVACY_POINTS)
            zh.append(
                "數位行銷仍應注意第9章二隱私要點：(a) 依個資法告知使用目的、範圍、對象及方式，"
                "取得當事人明確同意，僅蒐集、處理與利用必要之資料；(b) 分析與傳輸時評估代碼化或"
                "去識別化；(c) 傳輸時使用雜湊演算法（SHA256）；(d) 監測消費者回應與反饋；"
                "(e) 活動結束或當事人請求刪除時，協同雲端服務業者刪除其個人資料。"
            )
            en.append(
                "Marketing still owes the privacy points of Ch 9.2: (a) notice of purpose, "
                "scope, recipients and means under the Personal Data Protection Act, explicit "
                "consent, only the data needed; (b) pseudonymisation or de-identification in "
                "analysis and transfer; (c) SHA-256 hashing in transfer; (d) monitor consumer "
                "responses and feedback; (e) delete the personal data with the CSP when the "
                "campaign ends or the data subject asks."
            )
    return in_scope, Determination(
        kind="scope",
        inputs={
            "institution_type": institution_type,
            "license_business_or_customer_data": license_business_or_customer_data,
            "csp_processes_or_stores_data": csp_processes_or_stores_data,
            "exclusion": exclusion,
        },
        outcome={
            "in_scope": in_scope,
            "failed_criteria": tuple(failed),
            "exclusion": exclusion,
        },
        citations=tuple(dict.fromkeys(cites)),
        explanation_zh=tuple(zh),
        explanation_en=tuple(en),
    )


# -- locations (Ch 1.2) -----------------------------------------------------------------------

_LOCATION_CITATIONS: Final = (cit.LOCATION_FAQ_LIST,)


def determine_locations(
    locations: tuple[str, ...],
    assessed: frozenset[str] = FAQ10_ASSESSED,
) -> Determination:
    """Offshore when any processing or storage location is outside Taiwan; offshore locations
    off the FAQ-10 list need their own data-protection assessment (Ch 1.2 (c))."""
    return _locations(locations, assessed)[2]


def _locations(
    locations: tuple[str, ...], assessed: frozenset[str]
) -> tuple[bool, tuple[str, ...], Determination]:
    offshore_codes = sorted(code for code in locations if code != DOMESTIC)
    needing = tuple(code for code in offshore_codes if code not in assessed)
    if offshore_codes:
        listed = "、".join(offshore_codes)
        zh = [f"資料處理或儲存地含境外（{listed}），屬境外。"]
        en = [
            f"The data is processed or stored outside Taiwan ({', '.join(offshore_codes)}): "
            "offshore."
        ]
        if needing:
            zh.append(
                f"境外地點 {'、'.join(needing)} 不在委外辦法問答集第10題已評估國家清單內"
                "（第1章二 (c)），須另行評估並記錄當地資料保護法規不低於我國要求。"
            )
            en.append(
                f"Not on the FAQ-10 list of Ch 1.2 (c): {', '.join(needing)}; record an "
                "assessment that the data-protection law there is not lower than Taiwan's."
            )
        else:
            zh.append(
                f"境外地點 {listed} 均在委外辦法問答集第10題已評估國家清單內（第1章二 (c)）。"
            )
            en.append(
                f"Every offshore location ({', '.join(offshore_codes)}) is on the FAQ-10 list "
                "of Ch 1.2 (c)."
            )
    else:
        zh = ["資料處理及儲存地僅在境內（TW），屬境內。"]
        en = ["The data is processed and stored only in Taiwan (TW): domestic."]
    return (
        bool(offshore_codes),
        needing,
        Determination(
            kind="locations",
            inputs={"locations": locations},
            outcome={"offshore": bool(offshore_codes), "locations_needing_assessment": needing},
            citations=_LOCATION_CITATIONS,
            explanation_zh=tuple(zh),
            explanation_en=tuple(en),
        ),
    )


# -- classification, cadence, approval, contract rows (Ch 7.1, Ch 3.3, A3) --------------------


def _classify(
    in_scope: bool, offshore: bool, material: bool, consumer_finance_system: bool
) -> Classification:
    if not in_scope:
        return "out_of_scope"
    if not offshore:
        return "domestic"
    if not material:
        return "non_material_offshore"
    if consumer_finance_system:
        return "material_consumer_finance_offshore"
    return "material_offshore"


@cache
def classify(
    in_scope: bool, offshore: bool, material: bool, consumer_finance_system: bool
) -> Determination:
    """Ch 7.1 table: the four classifications, most demanding first (RULES.md §2)."""
    cls = _classify(in_scope, offshore, material, consumer_finance_system)
    if cls == "out_of_scope":
        zh = "非屬範疇：不分級，無查核頻率、主管機關核准及附件3合約檢核之要求。"
        en = (
            "Out of scope: no classification, and no audit cadence, regulatory approval or "
            "Annex 3 checklist applies."
        )
        cites: tuple[str, ...] = (cit.CADENCE_TABLE,)
    else:
        number = CLASSIFICATION_NUMBER[cls]
        cites = (cit.CADENCE_TABLE, cit.CADENCE_ROWS[number], cit.RISK_ITEM_MATERIALITY)
        if cls == "material_consumer_finance_offshore":
            zh = "分級1：雲端委外作業涉及重大性消費金融業務資訊系統委託至境外處理。"
            en = (
                "Classification 1: a material consumer-finance information system processed "
                "offshore."
            )
        elif cls == "material_offshore":
            zh = "分級2：具重大性之境外雲端委外作業。"
            en = "Classification 2: material offshore cloud outsourcing."
        elif cls == "non_material_offshore":
            zh = "分級3：不具重大性之境外雲端委外作業。"
            en = "Classification 3: non-material offshore cloud outsourcing."
            if consumer_finance_system:
                zh += "消費金融業務資訊系統惟不具重大性，仍屬分級3。"
                en += " A consumer-finance system, but not material, so still classification 3."
        else:
            zh = "分級4：境內雲端委外作業。"
            en = "Classification 4: domestic cloud outsourcing."
            if material:
                zh += "具重大性，惟查核頻率表之境內列不分重大性。"
                en += (
                    " Material, but the cadence table's domestic row does not depend on "
                    "materiality."
                )
    return Determination(
        kind="classification",
        inputs={
            "in_scope": in_scope,
            "offshore": offshore,
            "material": material,
            "consumer_finance_system": consumer_finance_system,
        },
        outcome=cls,
        citations=cites,
        explanation_zh=(zh,),
        explanation_en=(en,),
    )


@cache
def regulator_approval(classification: Classification) -> Determination:
    """RULES.md §4: classification 1 needs the regulator's approval (委外辦法 §18 I)."""
    required = classification == "material_consumer_finance_offshore"
    if classification == "out_of_scope":
        zh: tuple[str, ...] = ()
        en: tuple[str, ...] = ()
        cites: tuple[str, ...] = ()
    elif required:
        zh = (
            "須向主管機關申請核准：重大性消費金融業務資訊系統委託至境外處理，應檢具委外辦法"
            "§18 I 所列書件（附件3第2部分 §18 各列）。",
        )
        en = (
            "The regulator's approval is required: a material consumer-finance information "
            "system processed offshore is filed with the documents of 委外辦法 §18 I "
            "(Annex 3 part 2, the §18 rows).",
        )
        cites = _ROWS_APPROVAL
    else:
        zh = (
            "無須向主管機關申請核准：僅重大性消費金融業務資訊系統委託至境外處理者，"
            "須依委外辦法§18 I 申請。",
        )
        en = (
            "No regulator's approval is needed: only a material consumer-finance information "
            "system processed offshore needs it (委外辦法 §18 I).",
        )
        cites = _ROWS_APPROVAL
    return Determination(
        kind="regulator_approval",
        inputs={"classification": classification},
        outcome=required,
        citations=cites,
        explanation_zh=zh,
        explanation_en=en,
    )


_CADENCE: Final[dict[Classification, AuditCadence]] = {
    # Ch 7.1: classification 1 needs a general and a special audit every year
    "material_consumer_finance_offshore": AuditCadence(12, True),
    "material_offshore": AuditCadence(12, False),
    # Ch 7.1: every two years "or as the institution's resources decide"; 24 is the default
    "non_material_offshore": AuditCadence(24, False),
    "domestic": AuditCadence(24, False),
}


@cache
def audit_cadence(
    classification: Classification, service_model: ServiceModel, material: bool = False
) -> Determination:
    """Ch 7.1 (a) cadence table; Ch 7.3 tailors the programme and adds focus items."""
    cadence = _CADENCE.get(classification)
    if cadence is None:
        return Determination(
            kind="audit_cadence",
            inputs={"classification": classification, "service_model": service_model},
            outcome=None,
            citations=(),
            explanation_zh=(),
            explanation_en=(),
        )
    number = CLASSIFICATION_NUMBER[classification]
    if number == 1:
        zh = ["查核頻率：每年至少辦理一次一般性查核及一次專案查核（12個月）（第7章一 (a)）。"]
        en = [
            "Audit: at least one general and one special (project) audit every year "
            "(12 months) (Ch 7.1 (a))."
        ]
    elif number == 2:
        zh = ["查核頻率：每年至少辦理一次查核（12個月）（第7章一 (a)）。"]
        en = ["Audit: at least one audit every year (12 months) (Ch 7.1 (a))."]
    else:
        zh = [
            "查核頻率：每兩年辦理一次查核或依據組織資源決定查核頻率（預設24個月，機構政策得調整）"
            "（第7章一 (a)）。"
        ]
        en = [
            "Audit: one audit every two years, or as the institution's resources decide (24 "
            "months by default; the institution's policy may change it) (Ch 7.1 (a))."
        ]
    zh.append(f"查核項目依服務模式（{service_model}）及責任模型調整（第7章三查核項目表）。")
    en.append(
        f"Tailor the audit programme (the Ch 7.3 table) to the service model, {service_model}."
    )
    cites = [cit.CADENCE_ROWS[number], cit.AUDIT_TABLE]
    if material:
        cites.extend(cit.AUDIT_FOCUS)
        zh.append(
            "具重大性：查核重點另含第7章三 (a)–(f)：機房實體安全、重要系統及控制環節、盡職調查報告"
            "內容、資料刪除與災難復原流程、營運持續控制措施、服務作業妥適性及規範符合性。"
        )
        en.append(
            "Material: the audit also covers the focus items of Ch 7.3 (a)-(f): physical "
            "security of the data centres, key systems and controls, the due-diligence reports, "
            "data deletion and disaster recovery, business-continuity controls, and whether "
            "the service meets its SLA, the self-regulatory rules and ISO 27001/27017."
        )
    return Determination(
        kind="audit_cadence",
        inputs={
            "classification": classification,
            "service_model": service_model,
            "material": material,
        },
        outcome=cadence.to_json(),
        citations=tuple(cites),
        explanation_zh=tuple(zh),
        explanation_en=tuple(en),
    )


@cache
def _rows(
    classification: Classification, material: bool, consumer_finance_system: bool
) -> tuple[str, ...]:
    if classification == "out_of_scope":
        return ()
    offshore = classification != "domestic"
    class_1 = classification == "material_consumer_finance_offshore"
    row_18_ii_6 = material and consumer_finance_system
    return tuple(
        row
        for row in cit.CONTRACT_ROWS
        if row in _ROWS_EVERY
        or (offshore and row in _ROWS_OFFSHORE)
        or (class_1 and row in _ROWS_CLASS_1)
        # RULES.md §4: 18.II.6 for a material consumer-finance system, domestic or offshore
        or (row_18_ii_6 and row == "18.II.6")
    )


@cache
def applicable_contract_rows(
    classification: Classification, material: bool, consumer_finance_system: bool
) -> Determination:
    """RULES.md §4 and Annex 3: the rows that apply, in the manual's order."""
    inputs: dict[str, JsonValue] = {
        "classification": classification,
        "material": material,
        "consumer_finance_system": consumer_finance_system,
    }
    if classification == "out_of_scope":
        return Determination(
            kind="contract_rows",
            inputs=inputs,
            outcome=(),
            citations=(),
            explanation_zh=(),
            explanation_en=(),
        )
    offshore = classification != "domestic"
    class_1 = classification == "material_consumer_finance_offshore"
    row_18_ii_6 = material and consumer_finance_system
    rows = _rows(classification, material, consumer_finance_system)
    zh = [
        f"適用附件3合約檢核列（依手冊順序）：{'、'.join(rows)}。",
        "10.I.1–10.I.10、10.II、19.3–19.6.1：所有屬範疇之雲端委外均適用（委外辦法§10、§19）。",
    ]
    en = [
        f"Annex 3 rows that apply (in the manual's order): {', '.join(rows)}.",
        "10.I.1-10.I.10, 10.II, 19.3-19.6.1: every in-scope cloud outsourcing (委外辦法 §10, §19).",
    ]
    cites = [cit.contract_row_id(row) for row in rows]
    if offshore:
        zh.append("17.I.3、17.I.5：作業委託境外處理（委外辦法§17 I）。")
        en.append("17.I.3, 17.I.5: the work is processed offshore (委外辦法 §17 I).")
    if class_1:
        zh.append(
            "18.I.4.3.1、18.I.4.3.2、18.I.5、18.I.6：分級1申請核准之書件（委外辦法§18 I）；"
            "18.I.4.3.2 須就每一資料處理地及儲存地（不論是否在問答集第10題清單內）提出法律、"
            "政治、經濟安定性評估說明（第1章二 (a)）。"
        )
        en.append(
            "18.I.4.3.1, 18.I.4.3.2, 18.I.5, 18.I.6: the approval documents of classification 1 "
            "(委外辦法 §18 I); 18.I.4.3.2 needs a documented assessment of the legal, political "
            "and economic stability of every processing and storage location, on the FAQ-10 "
            "list or not (Ch 1.2 (a))."
        )
        cites.append(cit.LOCATION_STABILITY)
    if row_18_ii_6:
        cites.append(cit.MANDATORY_ITEM_11)
        if offshore:
            zh.append(
                "18.II.6：重大性消費金融業務資訊系統委託至境外處理，契約須載明移轉至其他雲端服務業者"
                "或移回時，原業者之系統遷移、資料處理義務及服務中斷之賠償責任（第3章三應記載事項第11項）。"
            )
            en.append(
                "18.II.6: a material consumer-finance system processed offshore: the contract "
                "states the CSP's duties of system migration and data handling, and its "
                "liability for interruption, when the work moves to another CSP or back "
                "in-house (Ch 3.3 mandatory item 11)."
            )
        else:
            zh.append(
                "18.II.6 亦適用於境內之重大性消費金融業務資訊系統：第3章三應記載事項第11項及"
                "委外辦法§18 以「委託至境外」為條件，而附件3該列所印自律規範§5 II①(6)「如涉及"
                "重大性消費金融業務資訊系統委託由雲端服務業者處理」並無境外條件；手冊前後不一，"
                "本系統採較嚴格之解讀"
                "（多列之項目可敘明理由判為不適用，漏列則為缺口）。"
            )
            en.append(
                "18.II.6 applies to a domestic material consumer-finance system too: Ch 3.3 "
                "mandatory item 11 and 委外辦法 §18 say 'processed by an offshore CSP', while the "
                "自律規範 §5 II①(6) wording Annex 3 prints with the row has no offshore "
                "condition; the manual disagrees with itself and we take the stricter reading "
                "(an extra row can be judged not applicable with a reason; a missing row is a gap)."
            )
    elif consumer_finance_system:
        zh.append("18.II.6 不適用：消費金融業務資訊系統不具重大性。")
        en.append("18.II.6 does not apply: the consumer-finance system is not material.")
    return Determination(
        kind="contract_rows",
        inputs=inputs,
        outcome=rows,
        citations=tuple(cites),
        explanation_zh=tuple(zh),
        explanation_en=tuple(en),
    )


# -- materiality proposal (Ch 2.2) --------------------------------------------------------------


def propose_materiality(
    factors: tuple[MaterialityFactor, ...], material: bool
) -> tuple[MaterialityProposal, Determination]:
    """Propose materiality from the seven Ch 2.2 factors: material when any factor is high or at
    least three are medium (docs/rules.md says why). The confirmed `material` always wins;
    a disagreement is flagged for the person who confirms."""
    high = [(k, f) for k, f in zip(FACTOR_KEYS, factors, strict=True) if f.level == "high"]
    medium = [(k, f) for k, f in zip(FACTOR_KEYS, factors, strict=True) if f.level == "medium"]
    reasons_zh: list[str] = []
    reasons_en: list[str] = []
    if high:
        proposed = True
        chosen = high
    elif len(medium) >= MEDIUM_FACTORS_FOR_MATERIAL:
        proposed = True
        chosen = medium
        reasons_zh.append(f"無高等級因素，但有 {len(medium)} 項因素為中（達三項以上）。")
        reasons_en.append(
            f"No factor is high, but {len(medium)} factors are medium (three or more)."
        )
    else:
        proposed = False
        chosen = []
        reasons_zh.append(f"無高等級因素，且僅 {len(medium)} 項因素為中（未達三項）。")
        reasons_en.append(
            f"No factor is high and only {len(medium)} are medium (fewer than three)."
        )
    for key, factor in chosen:
        reasons_zh.append(f"({key}) {FACTOR_ZH[key]}：{LEVEL_ZH[factor.level]}，{factor.note}")
        reasons_en.append(f"({key}) {FACTOR_EN[key]}: {factor.level}; {factor.note}")
    disagrees = proposed != material
    proposal = MaterialityProposal(
        proposed=proposed,
        reasons_zh=tuple(reasons_zh),
        reasons_en=tuple(reasons_en),
        disagrees_with_material=disagrees,
    )
    word_zh = {True: "具重大性", False: "不具重大性"}
    word_en = {True: "material", False: "not material"}
    zh = [
        "重大性建議（第2章二因素 (a)–(g)：任一因素為高或三項以上為中即建議具重大性）："
        f"{word_zh[proposed]}。"
    ]
    en = [
        "Materiality proposal (Ch 2.2 factors (a)-(g): material when any factor is high or "
        f"three or more are medium): {word_en[proposed]}."
    ]
    zh.extend(reasons_zh)
    en.extend(reasons_en)
    if disagrees:
        zh.append(
            f"注意：確認之重大性判斷為「{word_zh[material]}」，與系統建議「{word_zh[proposed]}」不一致；"
            "以確認之判斷為準，請記錄理由。"
        )
        en.append(
            f"Note: the confirmed judgement ({word_en[material]}) differs from the proposal "
            f"({word_en[proposed]}); the confirmed judgement stands; record the reason."
        )
    else:
        zh.append(f"確認之重大性判斷「{word_zh[material]}」與系統建議一致。")
        en.append(f"The confirmed judgement ({word_en[material]}) agrees with the proposal.")
    zh.append(
        "重大性應定期檢視，並於同一雲端服務業者之委外規模增加或委外性質改變時重新評估（第2章二）。"
    )
    en.append(
        "Re-evaluate materiality periodically and whenever the exposure to the same CSP grows "
        "or the nature of the work changes (Ch 2.2)."
    )
    inputs: dict[str, JsonValue] = {
        "materiality_factors": {
            k: {"level": f.level, "note": f.note} for k, f in zip(FACTOR_KEYS, factors, strict=True)
        },
        "material": material,
    }
    determination = Determination(
        kind="materiality_proposal",
        inputs=inputs,
        outcome={"proposed": proposed, "disagrees_with_material": disagrees},
        citations=(cit.RISK_ITEM_MATERIALITY, *cit.MATERIALITY_FACTORS.values()),
        explanation_zh=tuple(zh),
        explanation_en=tuple(en),
    )
    return proposal, determination


# -- everything together -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Discrete:
    """The part of an evaluation that depends only on the discrete inputs (cached)."""

    classification: Classification
    scope: Determination
    rest: tuple[Determination, ...]
    # Citations of scope, locations (always the same id) and the rest, merged once.
    citations: tuple[str, ...]
    rest_zh: tuple[str, ...]
    rest_en: tuple[str, ...]


@cache
def _discrete(  # noqa: PLR0917 - positional on purpose: the cache key is built fastest that way
    institution_type: InstitutionType,
    license_business_or_customer_data: bool,
    csp_processes_or_stores_data: bool,
    exclusion: Exclusion,
    service_model: ServiceModel,
    offshore: bool,
    material: bool,
    consumer_finance_system: bool,
) -> _Discrete:
    in_scope, scope = _scope(
        institution_type,
        license_business_or_customer_data,
        csp_processes_or_stores_data,
        exclusion,
    )
    cls = _classify(in_scope, offshore, material, consumer_finance_system)
    rest = (
        classify(in_scope, offshore, material, consumer_finance_system),
        regulator_approval(cls),
        audit_cadence(cls, service_model, material),
        applicable_contract_rows(cls, material, consumer_finance_system),
    )
    return _Discrete(
        classification=cls,
        scope=scope,
        rest=rest,
        citations=merge_citations(
            scope.citations, _LOCATION_CITATIONS, *(p.citations for p in rest)
        ),
        rest_zh=tuple(line for p in rest for line in p.explanation_zh),
        rest_en=tuple(line for p in rest for line in p.explanation_en),
    )


def evaluate(profile: Profile, *, assessed: frozenset[str] = FAQ10_ASSESSED) -> Evaluation:
    """All the rules for one profile. `assessed` is the FAQ-10 list (configurable, RULES.md §5)."""
    offshore, needing, locations = _locations(profile.locations, assessed)
    d = _discrete(
        profile.institution_type,
        profile.license_business_or_customer_data,
        profile.csp_processes_or_stores_data,
        profile.exclusion,
        profile.service_model,
        offshore,
        profile.material,
        profile.consumer_finance_system,
    )
    scope = d.scope
    cls = d.classification
    zh = scope.explanation_zh + locations.explanation_zh + d.rest_zh
    en = scope.explanation_en + locations.explanation_en + d.rest_en
    citations = d.citations
    parts: tuple[Determination, ...] = (scope, locations, *d.rest)
    proposal: MaterialityProposal | None = None
    if profile.materiality_factors is not None:
        proposal, materiality = propose_materiality(profile.materiality_factors, profile.material)
        parts = (*parts, materiality)
        zh += materiality.explanation_zh
        en += materiality.explanation_en
        citations = merge_citations(citations, materiality.citations)
    return Evaluation(
        profile=profile,
        in_scope=cls != "out_of_scope",
        offshore=offshore,
        classification=cls,
        regulator_approval_required=cls == "material_consumer_finance_offshore",
        audit=_CADENCE.get(cls),
        contract_rows=_rows(cls, profile.material, profile.consumer_finance_system),
        locations_needing_assessment=needing,
        materiality_proposal=proposal,
        citations=citations,
        explanation_zh=zh,
        explanation_en=en,
        parts=parts,
    )


def evaluate_mapping(data: Mapping[str, object]) -> Evaluation:
    """Validate a profile read from JSON/YAML/CSV and evaluate it (raises ProfileError)."""
    return evaluate(parse_profile(data))
