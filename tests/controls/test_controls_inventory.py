"""Reading the Ch 6.1 asset inventory from a CSV and from provider exports (AWS Config,
Azure Resource Graph): real formats, small realistic files under tests/data/inventory."""

from __future__ import annotations

import json

import pytest

from fincloud.controls.inventory import (
    InventoryError,
    category_for,
    read_csv,
    read_inventory,
    read_provider_json,
)

from paths import REPO_ROOT

DATA = REPO_ROOT / "tests" / "data" / "inventory"


def load(name):
    return read_inventory(name, (DATA / name).read_bytes())


def test_aws_config_snapshot_reads_live_resources_and_skips_deleted():
    records = {r.external_id: r for r in load("aws-config-snapshot.json")}
    assert len(records) == 5  # six items, one ResourceDeleted
    assert not any("deadbeef" in key for key in records)
    ec2 = records["arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0a1b2c3d4e5f60718"]
    assert ec2.category == "compute"
    assert ec2.name == "loan-api-prod-1"  # the Name tag when resourceName is null
    assert ec2.owner == "it.ops"
    assert ec2.classification == "confidential"
    assert ec2.region == "ap-northeast-1"
    assert ec2.source == "aws_config"
    assert ec2.tags["env"] == "prod"
    volume = records["arn:aws:ec2:ap-northeast-1:123456789012:volume/vol-0f1e2d3c4b5a69788"]
    assert (volume.category, volume.classification) == ("storage", "confidential")  # 機密
    bucket = records["arn:aws:s3:::tw-bank-loan-documents-prod"]
    assert (bucket.category, bucket.classification, bucket.custodian) == (
        "storage",
        "restricted",
        "it.ops",
    )
    trail = records["arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/org-trail"]
    assert trail.category == "derived_data"  # Ch 6.1 (a): monitoring records are assets too
    assert trail.classification == ""  # not classified yet: shown as a gap, not refused


def test_aws_select_resource_config_results_are_json_strings_with_tag_lists():
    records = load("aws-config-select.json")
    by_type = {r.resource_type: r for r in records}
    fn = by_type["AWS::Lambda::Function"]
    assert (fn.name, fn.owner, fn.classification, fn.category) == (
        "payments-webhook",
        "it.ops",
        "confidential",
        "compute",
    )
    key = by_type["AWS::KMS::Key"]
    assert key.name == "1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6"
    assert key.category == "software"


def test_azure_resource_graph_result():
    records = {r.name: r for r in load("azure-resource-graph.json")}
    assert set(records) == {
        "crm-portal-prod",
        "crm-sql-prod/crm",
        "kv-crm-prod",
        "vnet-hub-eastasia",
    }
    assert records["crm-portal-prod"].category == "compute"
    assert records["crm-portal-prod"].classification == "restricted"  # 限閱
    assert records["crm-sql-prod/crm"].category == "storage"
    assert records["crm-sql-prod/crm"].custodian == "it.ops"
    assert records["kv-crm-prod"].tags == {}  # "tags": null
    assert records["vnet-hub-eastasia"].category == "network"
    assert records["vnet-hub-eastasia"].region == "eastasia"
    assert all(r.source == "azure_resource_graph" for r in records.values())


def test_azure_rest_shape_and_a_plain_list_read_the_same():
    data = json.loads((DATA / "azure-resource-graph.json").read_text())
    rest = {"totalRecords": 4, "count": 4, "data": data["data"], "resultTruncated": "false"}
    assert read_provider_json(json.dumps(rest)) == read_provider_json(json.dumps(data["data"]))


def test_csv_with_bom_and_chinese_classification():
    records = {r.external_id: r for r in load("assets.csv")}
    assert len(records) == 4
    first = records["asset-001"]
    assert first.name == "核心帳務批次主機"
    assert first.classification == "confidential"
    assert first.tags == {"env": "prod", "app": "core"}
    assert records["asset-004"].classification == "internal"
    assert records["asset-003"].category == "derived_data"


@pytest.mark.parametrize(
    ("text", "where", "field", "code"),
    [
        ("id,name,colour\nx,y,z\n", "line 1", "colour", "unknown_column"),
        ("name\nx\n", "line 1", "id", "missing_column"),
        ("id,name,category\na,b,cloud\n", "line 2", "category", "unknown_category"),
        (
            "id,name,classification\na,b,top secret\n",
            "line 2",
            "classification",
            "unknown_classification",
        ),
        ("id,name\na,b\n,c\n", "line 3", "id", "missing"),
        ("id,name,tags\na,b,env\n", "line 2", "tags", "tag_not_key_value"),
        ("id,name\na,b,c\n", "line 2", "row", "too_many_cells"),
    ],
)
def test_csv_errors_name_the_line_and_field(text, where, field, code):
    with pytest.raises(InventoryError) as info:
        read_csv(text)
    assert (info.value.where, info.value.field_name, info.value.code) == (where, field, code)


@pytest.mark.parametrize(
    ("text", "field", "code"),
    [
        ('{"configurationItems": [{"resourceId": "x"}]}', "resourceType", "missing"),
        ('{"data": [{"id": "/x", "name": "n"}]}', "type", "missing"),
        ('{"data": [{"type": "microsoft.web/sites", "name": "n"}]}', "id", "missing"),
        ('{"data": [{"id": "/x", "type": "t", "tags": "a=b"}]}', "tags", "tags_not_object"),
        ('{"something": []}', "file", "unknown_format"),
        ('{"data": {"id": 1}}', "data", "not_a_list"),
    ],
)
def test_provider_json_errors_name_the_item_and_field(text, field, code):
    with pytest.raises(InventoryError) as info:
        read_provider_json(text)
    assert (info.value.field_name, info.value.code) == (field, code)


def test_broken_json_names_line_and_column():
    with pytest.raises(InventoryError) as info:
        read_provider_json('{"data": [\n  {"id": }\n]}')
    assert info.value.where == "line 2 column 10"


def test_unknown_extension_and_non_utf8_are_refused():
    with pytest.raises(InventoryError, match="unknown_extension"):
        read_inventory("assets.xlsx", b"PK")
    with pytest.raises(InventoryError, match="not_utf8"):
        read_inventory("assets.csv", "id,name\n1,主機".encode("big5"))


def test_category_mapping_falls_back_to_other():
    assert category_for("AWS::RDS::DBInstance") == "storage"
    assert category_for("microsoft.network/networksecuritygroups") == "network"
    assert category_for("AWS::Glue::Job") == "other"
