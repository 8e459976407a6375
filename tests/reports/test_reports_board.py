"""The board summary (PDF) read back with pdftotext and pdfinfo: the Traditional Chinese
headings, the classification counts equal to the register export's, the concentration chart
naming every CSP with its services and share, the quarter's incident; the frame on every page
(A4, page n of m, the institution, the generation time in Asia/Taipei). One PDF per test
module: WeasyPrint is the slow part."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from collections import Counter

import pytest
from django.utils import timezone

from fincloud.register.models import Classification, CloudService, Institution
from fincloud.reports.services import report_generate
from fincloud.resilience import services as resilience

from assessments.factories_assessments import institution
from audits.factories_audits import CSPFactory, classified
from reports.factories_reports import pdf_text, sha256

pytestmark = pytest.mark.django_db

HEADINGS = (
    "董事會摘要報告",
    "各分級之服務數",
    "各分級之服務數（全部階段）",  # the chart's own title, not the heading again
    "雲端服務業者集中度",
    "各雲端服務業者之服務數（紅色為具重大性者）",
    "逾期事項",
    "本季資安事件",
    "本季未達服務水準",
)
INCIDENT = "跨境專線中斷致授權延遲"


@pytest.fixture
def board(personas):
    """Six services on three CSPs (one with a Chinese name), in four classifications, one
    incident detected this quarter; the board summary of that quarter as PDF, and the register
    export (CSV) of the same moment."""
    institution()
    nimbus, kumo, local = (
        CSPFactory(name="Nimbus Cloud"),
        CSPFactory(name="Kumo Cloud"),
        CSPFactory(name="雲端甲公司"),
    )
    card = classified("material_consumer_finance_offshore", csp=nimbus, name="信用卡授權")
    classified("material_offshore", csp=nimbus)
    classified("material_offshore", csp=kumo)
    classified("non_material_offshore", csp=nimbus)
    classified("domestic", csp=local)
    classified("domestic", csp=local)
    detected = timezone.now() - dt.timedelta(minutes=5)
    incident = resilience.incident_report(
        actor=personas["legal"],
        title=INCIDENT,
        description="專線中斷四十分鐘",
        service=card,
        category="outage",
        severity="high",
        detected_at=detected,
    )
    day = timezone.localtime(detected).date()
    quarter = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    run, data = report_generate(
        actor=personas["approver"], name="board", fmt="pdf", params={"quarter": quarter}
    )
    _r, register_csv = report_generate(actor=personas["approver"], name="register", fmt="csv")
    return {
        "run": run,
        "data": data,
        "text": pdf_text(data),
        "quarter": quarter,
        "incident": incident,
        "register": list(csv.DictReader(io.StringIO(register_csv.decode("utf-8-sig")))),
    }


def test_frame_on_every_page(board):
    info = subprocess.run(
        ["pdfinfo", "-"], input=board["data"], capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2
    text = board["text"]
    page_texts = text.split("\f")[:pages]
    name = Institution.objects.get().name_zh
    for number, page in enumerate(page_texts, start=1):
        assert f"第 {number} 頁，共 {pages} 頁" in page
        assert name in page
        assert re.search(r"產製時間 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(Asia/Taipei\)", page)
    stamp = timezone.localtime(board["run"].requested_at).strftime("%Y-%m-%d %H:%M")
    assert f"產製時間 {stamp}" in text
    for heading in HEADINGS:
        assert heading in text, heading
    assert board["run"].sha256 == sha256(board["data"])


def test_classification_counts_equal_the_register(board):
    register = Counter(row["分級"] for row in board["register"])
    database = Counter(CloudService.objects.values_list("classification", flat=True))
    assert register == database
    labels = dict(Classification.choices)
    shown = {}
    for line in board["text"].splitlines():
        match = re.match(r"^\s*(分級\d · \S+|非屬範疇|尚未分級)\s{2,}(\d+)\s*$", line)
        if match:
            shown[match.group(1)] = int(match.group(2))
    assert len(shown) == len(labels) + 1  # every classification and "not classified yet"
    for value, label in labels.items():
        assert shown[str(label)] == register.get(value, 0), label
    assert shown["尚未分級"] == register.get("", 0)
    assert sum(shown.values()) == len(board["register"]) == 6
    assert re.search(r"^\s*雲端服務\s+6$", board["text"], re.M)  # the facts: services in all


def test_concentration_names_every_csp_with_its_share(board):
    text = board["text"]
    total = CloudService.objects.count()
    per_csp = Counter(CloudService.objects.values_list("csp__name", flat=True))
    material = Counter(
        CloudService.objects.filter(material=True).values_list("csp__name", flat=True)
    )
    assert set(per_csp) == {"Nimbus Cloud", "Kumo Cloud", "雲端甲公司"}
    for name, count in per_csp.items():
        # Once as a bar label of the chart (kept as text in the SVG), once in the table.
        assert text.count(name) == 2, name
        share = f"{count / total * 100:.1f} %"
        assert re.search(rf"{re.escape(name)}\s+{count}\s+{material[name]}\s+{share}", text), name
    # Largest first in the chart and the table.
    order = [m.group(1) for m in re.finditer(r"(Nimbus Cloud|Kumo Cloud|雲端甲公司)", text)]
    assert order[0] == "Nimbus Cloud"


def test_the_quarters_incident(board):
    text = pdf_text(board["data"], layout=False)
    incident = board["incident"]
    assert "本季未發生事件" not in text
    # The incidents table's row, in its columns' order: reference (on one line), detected
    # (Asia/Taipei), service, severity, status, title.
    table = text[text.index("標題", text.index("本季資安事件")) :]
    detected = timezone.localtime(incident.detected_at)
    cells = [
        incident.reference,
        f"{detected:%Y-%m-%d}\n{detected:%H:%M}",
        incident.service.name,
        incident.get_severity_display(),
        incident.get_status_display(),
        INCIDENT,
    ]
    positions = [table.find(c) for c in cells]
    where = list(zip(cells, positions, strict=True))
    assert -1 not in positions and positions == sorted(positions), where
    assert f"{board['quarter']} 已計算達成情形之 0 項服務中，0 項未達服務水準。" in text
