"""Reading a cloud asset inventory (Ch 6.1) from the files people actually have.

Plain Python (no Django). Ch 6.1 basic (a) asks for an inventory of the institution's cloud
information assets: compute, software, network, storage and derived data (monitoring records,
statistics ...); (b) controls by category and security classification; (c) owners, custodians
and users. Advanced (a) asks for automated asset management, which in practice means importing
what the provider already knows:

- a CSV (UTF-8, with or without the byte-order mark Excel writes) with a header row;
- an AWS Config export: a configuration snapshot or history file (``configurationItems``), the
  output of ``aws configservice select-resource-config`` (``Results``, each a JSON string) or of
  ``list-discovered-resources`` (``resourceIdentifiers``);
- an Azure Resource Graph result: ``az graph query`` (``data`` with ``count``/``total_records``),
  the REST API (``data`` with ``totalRecords``), or a plain list of resources.

Each reader returns ``AssetRecord``s or raises ``InventoryError`` naming the line (CSV) or the
item (JSON) and the field, so that nothing is half-imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

MAX_ASSETS: Final = 50_000
MAX_TAGS: Final = 100


class InventoryError(ValueError):
    """Bad inventory input: ``where`` is e.g. 'line 4' or 'configurationItems[2]'."""

    def __init__(self, where: str, field_name: str, code: str, detail: str = "") -> None:
        self.where = where
        self.field_name = field_name
        self.code = code
        self.detail = detail
        super().__init__(f"{where}: {field_name}: {code}{': ' + detail if detail else ''}")


# Ch 6.1 basic (a): the categories of cloud information assets the manual names.
CATEGORIES: Final = ("compute", "software", "network", "storage", "derived_data", "other")
# The institution's information classification (a common four-level scheme in Taiwan's banks:
# 公開 / 內部使用 / 限閱 / 機密); "" = not yet classified.
CLASSIFICATIONS: Final = ("public", "internal", "restricted", "confidential")
SOURCES: Final = ("manual", "csv", "aws_config", "azure_resource_graph")

_CLASSIFICATION_WORDS: Final[dict[str, str]] = {
    "public": "public",
    "公開": "public",
    "internal": "internal",
    "內部使用": "internal",
    "內部": "internal",
    "restricted": "restricted",
    "限閱": "restricted",
    "sensitive": "restricted",
    "confidential": "confidential",
    "機密": "confidential",
    "secret": "confidential",
}
_CLASSIFICATION_TAGS: Final = ("classification", "dataclassification", "data-classification")
_OWNER_TAGS: Final = ("owner", "assetowner", "asset-owner")
_CUSTODIAN_TAGS: Final = ("custodian", "assetcustodian")

# Provider resource types -> Ch 6.1 category. Prefix matches on the lower-cased type.
_AWS_CATEGORY: Final = (
    ("aws::ec2::instance", "compute"),
    ("aws::lambda::", "compute"),
    ("aws::ecs::", "compute"),
    ("aws::eks::", "compute"),
    ("aws::autoscaling::", "compute"),
    ("aws::ec2::volume", "storage"),
    ("aws::s3::", "storage"),
    ("aws::rds::", "storage"),
    ("aws::dynamodb::", "storage"),
    ("aws::efs::", "storage"),
    ("aws::backup::", "storage"),
    ("aws::ec2::vpc", "network"),
    ("aws::ec2::subnet", "network"),
    ("aws::ec2::securitygroup", "network"),
    ("aws::ec2::networkacl", "network"),
    ("aws::ec2::internetgateway", "network"),
    ("aws::ec2::natgateway", "network"),
    ("aws::ec2::vpnconnection", "network"),
    ("aws::ec2::eip", "network"),
    ("aws::elasticloadbalancing", "network"),
    ("aws::cloudfront::", "network"),
    ("aws::apigateway", "network"),
    ("aws::cloudtrail::", "derived_data"),
    ("aws::logs::", "derived_data"),
    ("aws::cloudwatch::", "derived_data"),
    ("aws::config::", "derived_data"),
    ("aws::kms::", "software"),
    ("aws::iam::", "software"),
    ("aws::secretsmanager::", "software"),
    ("aws::ssm::", "software"),
)
_AZURE_CATEGORY: Final = (
    ("microsoft.compute/virtualmachines", "compute"),
    ("microsoft.compute/virtualmachinescalesets", "compute"),
    ("microsoft.web/sites", "compute"),
    ("microsoft.containerservice/", "compute"),
    ("microsoft.compute/disks", "storage"),
    ("microsoft.storage/", "storage"),
    ("microsoft.sql/", "storage"),
    ("microsoft.dbfor", "storage"),
    ("microsoft.documentdb/", "storage"),
    ("microsoft.recoveryservices/", "storage"),
    ("microsoft.network/", "network"),
    ("microsoft.operationalinsights/", "derived_data"),
    ("microsoft.insights/", "derived_data"),
    ("microsoft.keyvault/", "software"),
    ("microsoft.web/serverfarms", "software"),
)


@dataclass(frozen=True, slots=True)
class AssetRecord:
    external_id: str  # ARN, Azure resource id, or the CSV's id: unique per service
    name: str
    category: str
    resource_type: str = ""
    region: str = ""
    owner: str = ""  # a username or a name as written in the source
    custodian: str = ""
    classification: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    source: str = "csv"


def category_for(resource_type: str) -> str:
    low = resource_type.lower()
    table = _AWS_CATEGORY if low.startswith("aws::") else _AZURE_CATEGORY
    for prefix, category in table:
        if low.startswith(prefix):
            return category
    return "other"


def classification_from(value: str) -> str | None:
    """'機密', 'Confidential', 'confidential' -> 'confidential'; '' -> ''; unknown -> None."""
    text = value.strip()
    if not text:
        return ""
    return _CLASSIFICATION_WORDS.get(text.lower(), _CLASSIFICATION_WORDS.get(text))


def _tag(tags: Mapping[str, str], names: Iterable[str]) -> str:
    lowered = {k.lower().replace("_", ""): v for k, v in tags.items()}
    for name in names:
        value = lowered.get(name.replace("_", ""))
        if value:
            return value
    return ""


def _tags(raw: Any, where: str) -> dict[str, str]:
    """Tags as AWS and Azure write them: {"k": "v"}, [{"key": k, "value": v}] or
    [{"tagName": k, "tagValue": v}] (old Config snapshots)."""
    if raw is None or raw == "":
        return {}
    out: dict[str, str] = {}
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = []
        for entry in raw:
            if not isinstance(entry, Mapping):
                raise InventoryError(where, "tags", "tag_not_object")
            key = entry.get("key", entry.get("Key", entry.get("tagName")))
            value = entry.get("value", entry.get("Value", entry.get("tagValue", "")))
            items.append((key, value))
    else:
        raise InventoryError(where, "tags", "tags_not_object")
    for key, value in items:
        if not isinstance(key, str) or not key:
            raise InventoryError(where, "tags", "tag_key_not_text")
        out[key[:128]] = "" if value is None else str(value)[:256]
    if len(out) > MAX_TAGS:
        raise InventoryError(where, "tags", "too_many_tags", str(MAX_TAGS))
    return out


def _record(
    where: str,
    *,
    external_id: Any,
    name: Any,
    resource_type: str,
    region: Any,
    tags: dict[str, str],
    source: str,
    category: str = "",
    owner: str = "",
    custodian: str = "",
    classification: str = "",
) -> AssetRecord:
    if not isinstance(external_id, str) or not external_id.strip():
        raise InventoryError(where, "id", "missing")
    cls_text = classification or _tag(tags, _CLASSIFICATION_TAGS)
    cls = classification_from(cls_text)
    if cls is None:
        raise InventoryError(where, "classification", "unknown_classification", cls_text)
    return AssetRecord(
        external_id=external_id.strip()[:500],
        name=(str(name).strip() if name else "")[:200] or external_id.strip()[-200:],
        category=category or category_for(resource_type),
        resource_type=resource_type[:200],
        region=(str(region).strip() if region else "")[:60],
        owner=(owner or _tag(tags, _OWNER_TAGS))[:150],
        custodian=(custodian or _tag(tags, _CUSTODIAN_TAGS))[:150],
        classification=cls,
        tags=tags,
        source=source,
    )


# -- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS: Final = (
    "id",
    "name",
    "category",
    "type",
    "region",
    "owner",
    "custodian",
    "classification",
    "tags",
)
CSV_REQUIRED: Final = ("id", "name")


def _csv_tags(text: str, where: str) -> dict[str, str]:
    """'env=prod; app=loan' -> {"env": "prod", "app": "loan"}."""
    out: dict[str, str] = {}
    for raw in text.replace("；", ";").split(";"):
        part = raw.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise InventoryError(where, "tags", "tag_not_key_value", part)
        out[key.strip()[:128]] = value.strip()[:256]
    return out


def read_csv(text: str) -> list[AssetRecord]:
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise InventoryError("line 1", "header", "empty_file")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InventoryError("line 1", unknown[0], "unknown_column", ", ".join(CSV_COLUMNS))
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise InventoryError("line 1", missing[0], "missing_column")
    reader.fieldnames = header
    out: list[AssetRecord] = []
    for row in reader:
        where = f"line {reader.line_num}"
        if None in row:
            raise InventoryError(where, "row", "too_many_cells")
        cells = {k: (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        category = cells.get("category", "").lower()
        if category and category not in CATEGORIES:
            raise InventoryError(where, "category", "unknown_category", ", ".join(CATEGORIES))
        if not cells.get("name"):
            raise InventoryError(where, "name", "missing")
        out.append(
            _record(
                where,
                external_id=cells.get("id", ""),
                name=cells["name"],
                resource_type=cells.get("type", ""),
                region=cells.get("region", ""),
                tags=_csv_tags(cells.get("tags", ""), where),
                source="csv",
                category=category,
                owner=cells.get("owner", ""),
                custodian=cells.get("custodian", ""),
                classification=cells.get("classification", ""),
            )
        )
        if len(out) > MAX_ASSETS:
            raise InventoryError(where, "row", "too_many_assets", str(MAX_ASSETS))
    return _unique(out)


# -- provider exports (JSON) ----------------------------------------------------------------------


def _aws_item(item: Mapping[str, Any], where: str) -> AssetRecord:
    resource_type = item.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        raise InventoryError(where, "resourceType", "missing")
    arn = item.get("ARN") or item.get("arn")
    resource_id = item.get("resourceId")
    tags = _tags(item.get("tags"), where)
    return _record(
        where,
        external_id=arn or (f"{resource_type}/{resource_id}" if resource_id else None),
        name=item.get("resourceName") or tags.get("Name") or resource_id,
        resource_type=resource_type,
        region=item.get("awsRegion") or item.get("region") or "",
        tags=tags,
        source="aws_config",
    )


def _aws_deleted(item: Mapping[str, Any]) -> bool:
    """A history file also lists deleted resources ("ResourceDeleted",
    "ResourceDeletedNotRecorded"): they are no longer assets."""
    return str(item.get("configurationItemStatus", "")).startswith("ResourceDeleted")


def _azure_item(item: Mapping[str, Any], where: str) -> AssetRecord:
    resource_type = item.get("type")
    if not isinstance(resource_type, str) or not resource_type:
        raise InventoryError(where, "type", "missing")
    return _record(
        where,
        external_id=item.get("id"),
        name=item.get("name"),
        resource_type=resource_type,
        region=item.get("location") or "",
        tags=_tags(item.get("tags"), where),
        source="azure_resource_graph",
    )


def _objects(items: Any, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(items, list):
        raise InventoryError(key, key, "not_a_list")
    if len(items) > MAX_ASSETS:
        raise InventoryError(key, key, "too_many_assets", str(MAX_ASSETS))
    out: list[Mapping[str, Any]] = []
    for i, raw in enumerate(items):
        item = raw
        if isinstance(raw, str):  # select-resource-config: each result is a JSON string
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InventoryError(f"{key}[{i}]", "item", "bad_json", str(exc)) from None
        if not isinstance(item, Mapping):
            raise InventoryError(f"{key}[{i}]", "item", "not_an_object")
        out.append(item)
    return out


def read_provider_json(text: str) -> list[AssetRecord]:
    """Detect the provider format by its keys and read it."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InventoryError(
            f"line {exc.lineno} column {exc.colno}", "file", "bad_json", exc.msg
        ) from None
    except RecursionError:
        raise InventoryError("file", "file", "too_deep") from None
    if isinstance(data, Mapping):
        for key in ("configurationItems", "Results", "resourceIdentifiers", "ResourceIdentifiers"):
            if key in data:
                items = _objects(data[key], key)
                return _unique(
                    [
                        _aws_item(it, f"{key}[{i}]")
                        for i, it in enumerate(items)
                        if not _aws_deleted(it)
                    ]
                )
        if "data" in data:
            items = _objects(data["data"], "data")
            return _unique([_azure_item(it, f"data[{i}]") for i, it in enumerate(items)])
        if "value" in data:  # Azure Resource Manager list responses
            items = _objects(data["value"], "value")
            return _unique([_azure_item(it, f"value[{i}]") for i, it in enumerate(items)])
        raise InventoryError("file", "file", "unknown_format")
    if isinstance(data, list):
        items = _objects(data, "items")
        if items and "resourceType" in items[0]:
            return _unique([_aws_item(it, f"[{i}]") for i, it in enumerate(items)])
        return _unique([_azure_item(it, f"[{i}]") for i, it in enumerate(items)])
    raise InventoryError("file", "file", "unknown_format")


def read_inventory(name: str, content: bytes) -> list[AssetRecord]:
    """Read an uploaded file by its extension: .csv or .json."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InventoryError("file", "file", "not_utf8", f"byte {exc.start}") from None
    lower = name.lower()
    if lower.endswith(".csv"):
        return read_csv(text)
    if lower.endswith(".json"):
        return read_provider_json(text)
    raise InventoryError("file", "file", "unknown_extension", name)


def _unique(records: list[AssetRecord]) -> list[AssetRecord]:
    """The last record of an id wins (a snapshot can repeat a resource in history files)."""
    by_id: dict[str, AssetRecord] = {}
    for record in records:
        by_id[record.external_id] = record
    return list(by_id.values())
