"""De-identification (Ch 9.3 個人資料去識別化): techniques, policies, privacy models, search, risk.

Plain Python: no Django here.
"""
