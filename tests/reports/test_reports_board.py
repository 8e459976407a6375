import pytest
from fincloud.reports.services import report_generate
from reports.factories_reports import pdf_text
from audits.factories_audits import classified, CSPFactory
from assessments.factories_assessments import institution

pytestmark = pytest.mark.django_db

def test_explore(personas):
    institution()
    a = CSPFactory(name="Nimbus Cloud"); b = CSPFactory(name="雲端甲公司")
    classified("material_consumer_finance_offshore", csp=a)
    classified("material_offshore", csp=a)
    classified("domestic", csp=b)
    run, data = report_generate(actor=personas["examiner"], name="board", fmt="pdf")
    print(pdf_text(data))
    print(pdf_text(data, layout=False)[:3000])
    import subprocess
    print(subprocess.run(["pdfinfo","-"],input=data,capture_output=True).stdout.decode())
