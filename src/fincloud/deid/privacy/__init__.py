"""Privacy models, optimal generalisation search, re-identification risk and utility (Ch 9.3).

The search reproduces ARX (the reference tool for these models) on its published cases; see
docs/deid-privacy.md. Entry points:

- `search(frame, hierarchies, models, suppression=..., metric=...)`: the optimal transformation;
- `anonymise(...)`: search and apply (generalise, suppress the failing records);
- `suppression_mask(...)`: the records a known transformation must suppress;
- `assess(release, quasi_identifiers, original=...)`: risk, the three tests, utility.
"""

from fincloud.deid.privacy.metrics import Metric, MetricError, parse_metric
from fincloud.deid.privacy.models import ModelError, PrivacyModel, parse_model
from fincloud.deid.privacy.report import Assessment, assess
from fincloud.deid.privacy.search import SearchError, SearchResult, search
from fincloud.deid.privacy.transform import Anonymised, anonymise, suppression_mask

__all__ = [
    "Anonymised",
    "Assessment",
    "Metric",
    "MetricError",
    "ModelError",
    "PrivacyModel",
    "SearchError",
    "SearchResult",
    "anonymise",
    "assess",
    "parse_metric",
    "parse_model",
    "search",
    "suppression_mask",
]
