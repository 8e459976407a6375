"""The three imports: CSPs, cloud services (with locations and sub-outsourcing), outages.

Each row is applied through the owning app's services (fincloud.register.services,
fincloud.oversight.services): the same checks, the same audit events as the web pages. A row
whose record exists (a CSP by name; a service by code, else by CSP and name; an outage by the
CSP's incident reference) changes it; otherwise a new record is made.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

from django.db.models import Q

from fincloud.api.imports.columns import Column, choice_map, normalise, split_list
from fincloud.api.imports.engine import Handler, Outcome, Row, RowFault, faults_from
from fincloud.api.imports.reading import Fault
from fincloud.people.models import BusinessUnit, User
from fincloud.register import services as register
from fincloud.register.models import (
    Classification,
    CloudService,
    CloudServiceProvider,
    DeploymentModel,
    Exclusion,
    ServiceLocation,
    ServiceModel,
    ServiceStatus,
    Stage,
    SubProcessor,
)

CSP = CloudServiceProvider
SVC = CloudService


def _max(model: Any, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


def _jsonable(value: Any) -> Any:
    """A value as the report shows it (dates ISO, numbers and codes as text, records by name)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if hasattr(value, "_meta"):
        return str(value)
    return str(value)


def _changes(obj: Any, values: dict[str, Any], names: list[str]) -> dict[str, list[Any]]:
    out = {}
    for name in names:
        old = getattr(obj, name)
        new = values[name]
        if isinstance(old, Decimal | dt.date) and isinstance(new, Decimal | dt.date):
            same = old == new  # 99.95 == 99.95000; 10:00+08:00 == 02:00 UTC
        elif hasattr(old, "_meta") or hasattr(new, "_meta"):
            same = getattr(old, "pk", None) == getattr(new, "pk", None)
        else:
            same = _jsonable(old) == _jsonable(new)
        if not same:
            out[name] = [_jsonable(old), _jsonable(new)]
    return out


# -- CSPs ------------------------------------------------------------------------------------

CSP_COLUMNS = [
    Column(
        "name",
        "名稱",
        "Name",
        required=True,
        max_length=_max(CSP, "name"),
        help_zh="雲端服務業者之名稱（唯一；已存在者更新其資料）",
        help_en="The CSP's name (unique; an existing CSP is updated)",
        example="Nimbus Cloud Inc.",
    ),
    Column(
        "country",
        "國家",
        "Country",
        required=True,
        max_length=2,
        help_zh="ISO 3166-1 二碼國別，如 TW、JP、US",
        help_en="ISO 3166-1 alpha-2, e.g. TW, JP, US",
        example="US",
    ),
    Column(
        "channel",
        "簽約管道",
        "Contracting channel",
        kind="choice",
        choices=CSP.Channel,
        help_zh="direct（直接簽約）或 partner（經由合作夥伴或經銷商；須另於網頁上傳業者之金融服務"
        "附約或承諾函，第 3.3 節）",
        help_en="direct, or partner (through a partner or reseller: the CSP's FSI addendum or "
        "commitment letter is uploaded on the web page, Ch 3.3)",
        example="direct",
    ),
    Column(
        "partner_name",
        "合作夥伴或經銷商",
        "Partner or reseller",
        max_length=_max(CSP, "partner_name"),
        help_zh="經由合作夥伴簽約時必填",
        help_en="Required for the partner channel",
    ),
    Column(
        "website",
        "網站",
        "Website",
        max_length=_max(CSP, "website"),
        example="https://cloud.example.com",
    ),
    Column(
        "status_page_url",
        "狀態頁面",
        "Status page",
        max_length=_max(CSP, "status_page_url"),
        example="https://status.cloud.example.com",
    ),
    Column("note", "備註", "Note", max_length=4000),
]


class CspHandler(Handler):
    kind = "csps"
    columns = CSP_COLUMNS
    editable = ["country", "channel", "partner_name", "website", "status_page_url", "note"]

    def key(self, row: Row) -> Any:
        return normalise(row.values["name"])

    def prepare(self, rows: list[Row], actor: Any) -> None:
        names = [r.values["name"] for r in rows]
        self.existing = {c.name: c for c in CSP.objects.filter(name__in=names)}

    def apply(self, row: Row, actor: Any) -> Outcome:
        values = {k: v for k, v in row.values.items() if k in row.present}
        name = values["name"]
        if "channel" in values and not values["channel"]:
            values["channel"] = CSP.Channel.DIRECT
        csp = self.existing.get(name)
        if csp is None:
            fields = {k: values[k] for k in self.editable if k in values}
            csp = register.csp_create(actor=actor, name=name, **fields)
            self.existing[name] = csp
            return Outcome("created", name, str(csp.code))
        names = [k for k in self.editable if k in values]
        changes = _changes(csp, values, names)
        if changes:
            register.csp_update(actor=actor, csp=csp, **{k: values[k] for k in changes})
            return Outcome("updated", name, str(csp.code), changes)
        return Outcome("unchanged", name, str(csp.code))


# -- services --------------------------------------------------------------------------------

LOCATION = re.compile(
    r"^(?P<country>[A-Za-z]{2})(?:\s+(?P<region>.*?))?\s*(?:[(（](?P<role>[^)）]*)[)）])?$"
)


def _role(text: str) -> str | None:
    if not text.strip():
        return ServiceLocation.Role.BOTH
    return choice_map(ServiceLocation.Role).get(normalise(text))


def parse_locations(text: str, row: int, column: str) -> list[register.LocationInput]:
    """``TW Taipei (both); JP Tokyo (backup)``: country code, region, role in brackets."""
    out = []
    faults = []
    for entry in split_list(text):
        match = LOCATION.match(entry.strip())
        role = _role(match.group("role") or "") if match else None
        if match is None or role is None:
            faults.append(
                Fault(
                    "location",
                    f"“{entry}” is not “country region (role)”, e.g. “JP Tokyo (backup)”; roles: "
                    + ", ".join(ServiceLocation.Role.values),
                    f"「{entry}」不是「國別 地區（用途）」格式，如「JP Tokyo (backup)」；用途："
                    + "、".join(ServiceLocation.Role.values),
                    row=row,
                    column=column,
                )
            )
            continue
        out.append(
            register.LocationInput(
                country=match.group("country").upper(),
                region=(match.group("region") or "").strip(),
                role=role,
            )
        )
    if faults:
        raise RowFault(*faults)
    return out


def parse_chain(text: str, row: int) -> list[dict[str, Any]]:
    """``name | country | function | parent | locations`` per sub-processor, ';' between them;
    the parent empty for the CSP's own sub-contractor; locations ``CC region, CC region``."""
    out = []
    faults = []
    for entry in split_list(text):
        parts = [p.strip() for p in entry.split("|")]
        if len(parts) < 3 or not parts[0] or not parts[1]:
            faults.append(
                Fault(
                    "sub_processor",
                    f"“{entry}” is not “name | country | function | parent | locations”",
                    f"「{entry}」不是「名稱 | 國別 | 功能 | 上層複委託對象 | 處理地點」格式",
                    row=row,
                    column="sub_processors",
                )
            )
            continue
        parts += [""] * (5 - len(parts))
        locations = parse_locations(
            parts[4].replace(",", ";").replace("，", ";"), row, "sub_processors"
        )
        out.append(
            {
                "name": parts[0],
                "country": parts[1].upper(),
                "function": parts[2],
                "parent": parts[3],
                "locations": locations,
            }
        )
    if faults:
        raise RowFault(*faults)
    return out


SERVICE_COLUMNS = [
    Column(
        "code",
        "代碼",
        "Code",
        kind="uuid",
        help_zh="fincloud 之服務代碼（UUID）：有值者更新該服務；空白者依業者與名稱比對，無則新增",
        help_en="fincloud's service code (UUID): given, that service is updated; empty, the "
        "service is matched by CSP and name, else created",
    ),
    Column(
        "name",
        "服務名稱",
        "Service name",
        required=True,
        max_length=_max(SVC, "name"),
        example="信用卡授權核心系統 Card authorisation core",
    ),
    Column(
        "csp",
        "雲端服務業者",
        "Cloud service provider",
        required=True,
        max_length=_max(CSP, "name"),
        help_zh="業者名稱（須已登錄或先匯入業者）",
        help_en="The CSP's name (registered already, or import the CSPs first)",
        example="Nimbus Cloud Inc.",
    ),
    Column(
        "unit",
        "業務單位",
        "Business unit",
        required=True,
        max_length=40,
        help_zh="單位代稱（short name）",
        help_en="The unit's short name",
        example="retail",
    ),
    Column(
        "owner",
        "負責人",
        "Owner",
        max_length=150,
        help_zh="負責人之帳號",
        help_en="The owner's username",
    ),
    Column(
        "service_model",
        "服務模式",
        "Service model",
        required=True,
        kind="choice",
        choices=ServiceModel,
        help_zh="IaaS、PaaS 或 SaaS",
        help_en="IaaS, PaaS or SaaS",
        example="SaaS",
    ),
    Column(
        "deployment_model",
        "部署模式",
        "Deployment model",
        kind="choice",
        choices=DeploymentModel,
        help_zh="public、private、community、hybrid（空白為 public）",
        help_en="public, private, community or hybrid (empty: public)",
    ),
    Column(
        "business_process",
        "支援之業務流程",
        "Business process served",
        required=True,
        max_length=_max(SVC, "business_process"),
        example="信用卡授權與清算",
    ),
    Column(
        "information_system",
        "支援之資訊系統",
        "Information system served",
        max_length=_max(SVC, "information_system"),
    ),
    Column("description", "說明", "Description", max_length=4000),
    Column(
        "involves_license_business",
        "涉及營業執照所載業務",
        "Involves business-licence items",
        kind="bool",
        help_zh="是／否",
        help_en="yes / no",
    ),
    Column("customer_data", "客戶資料", "Customer data", kind="bool"),
    Column("personal_data", "個人資料", "Personal data", kind="bool"),
    Column(
        "consumer_finance_system",
        "消費金融資訊系統",
        "Consumer-finance information system",
        kind="bool",
    ),
    Column(
        "csp_processes_or_stores_data",
        "業者處理或儲存資料",
        "CSP processes or stores the data",
        kind="bool",
        help_zh="空白為是",
        help_en="empty: yes",
    ),
    Column(
        "exclusion",
        "排除適用情形",
        "Exclusion",
        kind="choice",
        choices=Exclusion,
        help_zh="第 9.2 節 (a)-(e) 之一，或 none",
        help_en="One of Ch 9.2 (a)-(e), or none",
    ),
    Column(
        "availability_target",
        "可用性目標（%）",
        "Availability target (%)",
        kind="decimal",
        minimum=0,
        maximum=100,
        example="99.95",
    ),
    Column(
        "rto_minutes", "RTO（分鐘）", "RTO (minutes)", kind="int", minimum=0, maximum=2_147_483_647
    ),
    Column(
        "rpo_minutes", "RPO（分鐘）", "RPO (minutes)", kind="int", minimum=0, maximum=2_147_483_647
    ),
    Column("planned_start", "預定啟用日", "Planned start", kind="date", example="2026-07-01"),
    Column(
        "annual_spend_twd",
        "年度費用（新臺幣）",
        "Annual spend (TWD)",
        kind="decimal",
        minimum=0,
        maximum=Decimal("9" * 16),
    ),
    Column(
        "data_records",
        "客戶資料筆數",
        "Customer records held",
        kind="int",
        minimum=0,
        maximum=9_223_372_036_854_775_807,
    ),
    Column(
        "locations",
        "資料處理及儲存地點",
        "Processing and storage locations",
        kind="list",
        help_zh="「國別 地區（用途）」，以分號分隔；用途為 processing、storage、both、backup",
        help_en="“country region (role)”, separated by ';'; roles: processing, storage, "
        "both, backup",
        example="JP Tokyo (both); SG Singapore (backup)",
    ),
    Column(
        "sub_processors",
        "複委託",
        "Sub-outsourcing",
        kind="list",
        help_zh="每一複委託對象「名稱 | 國別 | 功能 | 上層對象 | 地點」，以分號分隔；上層對象空白"
        "為業者本身；地點「國別 地區」以逗號分隔",
        help_en="Each sub-processor “name | country | function | parent | locations”, "
        "separated by ';'; parent empty: the CSP itself; locations “country region”, "
        "separated by ','",
        example="Equinix | SG | colocation | | SG Singapore",
    ),
    # Set only by the pre-use assessment and the stage actions: an export carries them, an
    # import never changes them.
    Column("stage", "階段", "Stage", kind="choice", choices=Stage, read_only=True),
    Column("status", "狀態", "Status", kind="choice", choices=ServiceStatus, read_only=True),
    Column(
        "classification",
        "分級",
        "Classification",
        kind="choice",
        choices=Classification,
        read_only=True,
    ),
]

SERVICE_FIELDS = [
    c.key
    for c in SERVICE_COLUMNS
    if not c.read_only and c.key not in {"code", "locations", "sub_processors"}
]


class ServiceHandler(Handler):
    kind = "services"
    columns = SERVICE_COLUMNS

    def key(self, row: Row) -> Any:
        if row.values.get("code"):
            return ("code", row.values["code"])
        return ("name", normalise(row.values["csp"]), normalise(row.values["name"]))

    def prepare(self, rows: list[Row], actor: Any) -> None:
        csp_names = {r.values["csp"] for r in rows}
        self.csps = {c.name: c for c in CSP.objects.filter(name__in=csp_names)}
        self.units = {
            u.short_name: u
            for u in BusinessUnit.objects.filter(short_name__in={r.values["unit"] for r in rows})
        }
        owners = {r.values.get("owner") for r in rows if r.values.get("owner")}
        self.users = {u.username: u for u in User.objects.filter(username__in=owners)}
        codes = [r.values["code"] for r in rows if r.values.get("code")]
        names = [r.values["name"] for r in rows if not r.values.get("code")]
        existing = (
            SVC.objects.filter(Q(code__in=codes) | Q(name__in=names))
            .select_related("csp", "unit", "owner")
            .prefetch_related("locations__sub_processor", "sub_processors__parent")
        )
        self.by_code = {s.code: s for s in existing}
        self.pending: list[tuple[int, register.NewService]] = []
        self.by_name: dict[tuple[int, str], list[CloudService]] = {}
        for s in existing:
            self.by_name.setdefault((s.csp_id, s.name), []).append(s)

    def finish(self, actor: Any) -> list[Fault]:
        if not self.pending:
            return []
        rows = [number for number, _ in self.pending]
        try:
            register.service_create_many(actor=actor, items=[item for _, item in self.pending])
        except register.BulkCreateError as exc:
            faults: list[Fault] = []
            for index, error in sorted(exc.by_index.items()):
                faults.extend(faults_from(error, rows[index], self))
            return faults
        return []

    def field_column(self, field_name: str) -> str | None:
        if field_name in {"country", "region", "role"}:
            return "locations"
        if field_name in {"parent", "function"}:
            return "sub_processors"
        return super().field_column(field_name)

    def _resolve(self, row: Row) -> dict[str, Any]:
        v = row.values
        faults = []
        csp = self.csps.get(v["csp"])
        if csp is None:
            faults.append(
                Fault(
                    "unknown_csp",
                    f"no cloud service provider is named “{v['csp']}” (import the CSPs first)",
                    f"無名為「{v['csp']}」之雲端服務業者（請先匯入業者）",
                    row=row.number,
                    column="csp",
                )
            )
        unit = self.units.get(v["unit"])
        if unit is None:
            faults.append(
                Fault(
                    "unknown_unit",
                    f"no business unit has the short name “{v['unit']}”",
                    f"無代稱為「{v['unit']}」之業務單位",
                    row=row.number,
                    column="unit",
                )
            )
        owner = None
        if v.get("owner"):
            owner = self.users.get(v["owner"])
            if owner is None:
                faults.append(
                    Fault(
                        "unknown_owner",
                        f"no person has the username “{v['owner']}”",
                        f"無帳號為「{v['owner']}」之人員",
                        row=row.number,
                        column="owner",
                    )
                )
        if faults:
            raise RowFault(*faults)
        values = {k: v[k] for k in SERVICE_FIELDS if k in row.present}
        values["csp"] = csp
        values["unit"] = unit
        if "owner" in row.present:
            values["owner"] = owner
        if values.get("deployment_model") == "":
            values["deployment_model"] = DeploymentModel.PUBLIC
        if values.get("exclusion") == "":
            values["exclusion"] = Exclusion.NONE
        if (
            values.get("csp_processes_or_stores_data") is None
            and "csp_processes_or_stores_data" in values
        ):
            values["csp_processes_or_stores_data"] = True
        for name in (
            "involves_license_business",
            "customer_data",
            "personal_data",
            "consumer_finance_system",
        ):
            if name in values and values[name] is None:
                values[name] = False
        return values

    def _existing(self, row: Row, csp: CloudServiceProvider) -> CloudService | None:
        code = row.values.get("code")
        if code:
            return self.by_code.get(code)
        matches = self.by_name.get((csp.pk, row.values["name"]), [])
        if len(matches) > 1:
            raise RowFault(
                Fault(
                    "ambiguous_service",
                    f"{len(matches)} services of this CSP have this name; give the code",
                    f"此業者有 {len(matches)} 個同名服務；請填代碼",
                    row=row.number,
                    column="name",
                )
            )
        return matches[0] if matches else None

    def apply(self, row: Row, actor: Any) -> Outcome:
        # Every fault of the row at once: the references, the locations, the chain.
        faults: list[Fault] = []
        values: dict[str, Any] = {}
        locations: list[register.LocationInput] | None = None
        chain: list[dict[str, Any]] | None = None
        try:
            values = self._resolve(row)
        except RowFault as exc:
            faults += exc.faults
        try:
            if "locations" in row.present:
                locations = parse_locations(row.values["locations"], row.number, "locations")
            if "sub_processors" in row.present:
                chain = parse_chain(row.values["sub_processors"], row.number)
        except RowFault as exc:
            faults += exc.faults
        if faults:
            raise RowFault(*faults)
        service = self._existing(row, values["csp"])
        label = row.values["name"]
        if service is None:
            # New services are written together at the end (register.service_create_many:
            # the same checks and audit events as one by one, in batches).
            code = row.values.get("code") or uuid.uuid4()
            self.pending.append(
                (
                    row.number,
                    register.NewService(
                        fields=values,
                        locations=locations or [],
                        sub_processors=[
                            register.SubProcessorInput(
                                name=e["name"],
                                country=e["country"],
                                function=e["function"],
                                parent=e["parent"],
                                locations=e["locations"],
                            )
                            for e in chain or []
                        ],
                        code=code,
                    ),
                )
            )
            return Outcome("created", label, str(code))
        changes = _changes(service, values, list(values))
        if changes:
            service = register.service_update(
                actor=actor, service=service, **{k: values[k] for k in changes}
            )
        if locations is not None:
            changes.update(self._sync_locations(service, locations, actor))
        if chain is not None:
            changes.update(self._sync_chain(service, chain, actor, row))
        if changes:
            return Outcome("updated", label, str(service.code), changes)
        return Outcome("unchanged", label, str(service.code))

    @staticmethod
    def _loc_key(loc: Any) -> tuple[str, str, str]:
        return (loc.country, loc.region, loc.role)

    def _sync_locations(
        self, service: CloudService, wanted: list[register.LocationInput], actor: Any
    ) -> dict[str, list[Any]]:
        current = [loc for loc in service.locations.all() if loc.sub_processor_id is None]
        have = {self._loc_key(loc): loc for loc in current}
        want = {self._loc_key(loc): loc for loc in wanted}
        if set(have) == set(want):
            return {}
        for key, loc in want.items():
            if key not in have:
                register.location_add(
                    actor=actor,
                    service=service,
                    country=loc.country,
                    region=loc.region,
                    role=loc.role,
                )
        for key, location in have.items():
            if key not in want:
                register.location_remove(actor=actor, location=location)
        return {"locations": [_locations_text(have), _locations_text(want)]}

    def _add_chain(
        self,
        service: CloudService,
        chain: list[dict[str, Any]],
        existing: dict[str, SubProcessor],
        actor: Any,
        row: Row,
    ) -> None:
        names = {e["name"] for e in chain} | set(existing)
        pending = [e for e in chain if e["name"] not in existing]
        made = dict(existing)
        # Parents before children; a parent must be in the chain.
        while pending:
            progressed = False
            for entry in list(pending):
                parent_name = entry["parent"]
                if parent_name and parent_name not in names:
                    raise RowFault(
                        Fault(
                            "unknown_parent",
                            f"“{entry['name']}” is sub-contracted by “{parent_name}”, which is "
                            "not in the chain",
                            f"「{entry['name']}」之上層對象「{parent_name}」不在複委託鏈中",
                            row=row.number,
                            column="sub_processors",
                        )
                    )
                if parent_name and parent_name not in made:
                    continue
                made[entry["name"]] = register.sub_processor_add(
                    actor=actor,
                    service=service,
                    name=entry["name"],
                    country=entry["country"],
                    function=entry["function"],
                    parent=made.get(parent_name) if parent_name else None,
                    locations=entry["locations"],
                )
                pending.remove(entry)
                progressed = True
            if not progressed:
                raise RowFault(
                    Fault(
                        "chain_cycle",
                        "the sub-outsourcing chain goes round in a circle",
                        "複委託鏈形成循環",
                        row=row.number,
                        column="sub_processors",
                    )
                )

    def _sync_chain(
        self, service: CloudService, chain: list[dict[str, Any]], actor: Any, row: Row
    ) -> dict[str, list[Any]]:
        current = {s.name: s for s in service.sub_processors.all()}
        wanted = {e["name"]: e for e in chain}
        before = _chain_text(service)
        for name, entry in wanted.items():
            sub = current.get(name)
            if sub is None:
                continue
            parent = sub.parent.name if sub.parent is not None else ""
            if (sub.country, sub.function, parent) != (
                entry["country"],
                entry["function"],
                entry["parent"],
            ):
                raise RowFault(
                    Fault(
                        "sub_processor_changed",
                        f"the sub-processor “{name}” is registered with another country, function "
                        "or parent; change it on the service's page",
                        f"複委託對象「{name}」已登錄之國別、功能或上層對象不同；請於服務頁面修改",
                        row=row.number,
                        column="sub_processors",
                    )
                )
            have_locs = {
                (loc.country, loc.region, loc.role): loc
                for loc in service.locations.all()
                if loc.sub_processor_id == sub.pk
            }
            want_locs = {(loc.country, loc.region, loc.role) for loc in entry["locations"]}
            for key in want_locs - set(have_locs):
                register.location_add(
                    actor=actor,
                    service=service,
                    country=key[0],
                    region=key[1],
                    role=key[2],
                    sub_processor=sub,
                )
            for key in set(have_locs) - want_locs:
                register.location_remove(actor=actor, location=have_locs[key])
        # Remove the ones no longer listed, children first.
        gone = [s for name, s in current.items() if name not in wanted]
        while gone:
            leaves = [s for s in gone if not any(o.parent_id == s.pk for o in gone)]
            for sub in leaves:
                register.sub_processor_remove(actor=actor, sub_processor=sub)
                gone.remove(sub)
        self._add_chain(
            service, chain, {n: s for n, s in current.items() if n in wanted}, actor, row
        )
        after = _chain_text(service)
        return {"sub_processors": [before, after]} if before != after else {}


def _locations_text(locations: dict[tuple[str, str, str], Any]) -> str:
    return "; ".join(
        f"{country} {region} ({role})".replace("  ", " ")
        for country, region, role in sorted(locations)
    )


def _chain_text(service: CloudService) -> str:
    subs = SubProcessor.objects.filter(service=service).select_related("parent").order_by("name")
    locs = ServiceLocation.objects.filter(service=service, sub_processor__isnull=False)
    by_sub: dict[int, list[str]] = {}
    for loc in locs.order_by("country", "region"):
        by_sub.setdefault(loc.sub_processor_id or 0, []).append(
            f"{loc.country} {loc.region}".strip()
        )
    return "; ".join(
        " | ".join(
            [
                s.name,
                s.country,
                s.function,
                s.parent.name if s.parent is not None else "",
                ", ".join(by_sub.get(s.pk, [])),
            ]
        )
        for s in subs
    )


# -- outages ---------------------------------------------------------------------------------

OUTAGE_COLUMNS = [
    Column(
        "start",
        "開始時間",
        "Start",
        kind="datetime",
        required=True,
        help_zh="ISO 8601，如 2026-03-31T14:05；未註明時區者為臺北時間",
        help_en="ISO 8601, e.g. 2026-03-31T14:05; without an offset: Asia/Taipei",
        example="2026-03-31T14:05",
    ),
    Column(
        "end",
        "結束時間",
        "End",
        kind="datetime",
        help_zh="空白表示尚未恢復",
        help_en="Empty: still going on",
        example="2026-03-31T15:20",
    ),
    Column(
        "services",
        "受影響之服務",
        "Affected services",
        kind="list",
        required=True,
        help_zh="服務代碼或完整名稱，以分號分隔",
        help_en="Service codes or exact names, separated by ';'",
        example="信用卡授權核心系統 Card authorisation core",
    ),
    Column(
        "planned",
        "計畫性維護",
        "Planned maintenance",
        kind="bool",
        help_zh="是／否（空白為否）",
        help_en="yes / no (empty: no)",
    ),
    Column("title", "標題", "Title", max_length=300),
    Column("cause", "原因", "Cause", max_length=2000),
    Column(
        "csp_reference",
        "業者事件編號",
        "CSP reference",
        max_length=200,
        help_zh="業者之事件編號：同一業者同一編號者更新既有紀錄",
        help_en="The CSP's incident reference: the same CSP and reference updates the outage",
    ),
]


class OutageHandler(Handler):
    kind = "outages"
    columns = OUTAGE_COLUMNS

    def key(self, row: Row) -> Any:
        ref = row.values.get("csp_reference") or ""
        if ref:
            return ("ref", ref, tuple(sorted(split_list(row.values["services"]))))
        return ("row", row.number)

    def apply(self, row: Row, actor: Any) -> Outcome:
        from django.core.exceptions import ValidationError

        from fincloud.oversight import services as oversight
        from fincloud.oversight.models import Outage

        v = row.values
        names = split_list(v["services"])
        try:
            services = oversight.resolve_service_names(names)
        except ValidationError as exc:
            raise RowFault(
                *[
                    Fault("unknown_service", m, m, row=row.number, column="services")
                    for m in exc.messages
                ]
            ) from None
        start: dt.datetime = v["start"]
        end: dt.datetime | None = v["end"]
        fields = {
            "start": start,
            "end": end,
            "planned": bool(v.get("planned")),
            "title": v.get("title", ""),
            "cause": v.get("cause", ""),
            "csp_reference": v.get("csp_reference", ""),
        }
        csps = {s.csp_id for s in services}
        existing = None
        if fields["csp_reference"] and len(csps) == 1:
            existing = (
                Outage.objects.filter(csp_id=csps.pop(), csp_reference=fields["csp_reference"])
                .prefetch_related("services")
                .first()
            )
        label = fields["title"] or f"{start:%Y-%m-%d %H:%M}"
        if existing is None:
            outage = oversight.outage_record(actor=actor, services=services, **fields)
            return Outcome("created", label, str(outage.code))
        changes = _changes(existing, fields, ["start", "end", "planned", "title", "cause"])
        old = sorted(str(s.code) for s in existing.services.all())
        new = sorted(str(s.code) for s in services)
        if old != new:
            changes["services"] = [old, new]
        if not changes:
            return Outcome("unchanged", label, str(existing.code))
        oversight.outage_update(actor=actor, outage=existing, services=services, **fields)
        return Outcome("updated", label, str(existing.code), changes)


HANDLERS: dict[str, type[Handler]] = {
    "csps": CspHandler,
    "services": ServiceHandler,
    "outages": OutageHandler,
}
