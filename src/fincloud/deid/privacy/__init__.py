"""Privacy models, optimal generalisation search, re-identification risk and utility (Ch 9.3).

The search reproduces ARX (the reference tool for these models) exactly on its published
cases; see docs/deid-privacy.md.
"""

from fincloud.deid.privacy.metrics import Metric, MetricError, parse_metric
from fincloud.deid.privacy.models import ModelError, PrivacyModel, parse_model
from fincloud.deid.privacy.search import SearchError, SearchResult, search

__all__ = [
    "Metric",
    "MetricError",
    "ModelError",
    "PrivacyModel",
    "SearchError",
    "SearchResult",
    "parse_metric",
    "parse_model",
    "search",
]
