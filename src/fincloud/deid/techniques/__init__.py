"""The techniques of the manual's table (Ch 9.3), one module per family.

- 統計工具 statistical: `statistical` (sample, aggregate)
- 密碼式工具 cryptographic: `encryption` (encrypt, AES-SIV), `ope` (order_preserving)
- 抑制技術 suppression: `masking` (mask), `suppression` (drop, suppress, suppress_records,
  suppress_local)
- 假名化技術 pseudonymisation: `pseudonymisation` (pseudonymise, HMAC-SHA-256)
- 解析 splitting: `splitting` (split)
- 概化技術 generalisation: `generalisation` (hierarchy, interval, round, truncate_date,
  top_bottom, tw_admin_area)
- 隨機化技術 randomisation: `randomisation` (noise, swap, microaggregate)
- 合成資料 synthetic data: `synthetic` (synthesize)
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fincloud.deid.techniques.encryption import Encrypt
from fincloud.deid.techniques.generalisation import (
    AdminArea,
    HierarchyGeneralise,
    Interval,
    Round,
    TopBottom,
    TruncateDate,
)
from fincloud.deid.techniques.masking import Mask
from fincloud.deid.techniques.ope import OrderPreserving
from fincloud.deid.techniques.pseudonymisation import Pseudonymise
from fincloud.deid.techniques.randomisation import Microaggregate, Noise, Swap
from fincloud.deid.techniques.splitting import Split
from fincloud.deid.techniques.statistical import Aggregate, Sample
from fincloud.deid.techniques.suppression import (
    Drop,
    Keep,
    Suppress,
    SuppressLocal,
    SuppressRecords,
)
from fincloud.deid.techniques.synthetic import Synthesize

ColumnStep = Annotated[
    Keep | Drop | Mask | Suppress | Pseudonymise | Encrypt | OrderPreserving
    | HierarchyGeneralise | Interval | Round | TruncateDate | TopBottom | AdminArea
    | Noise | Swap | Microaggregate,
    Field(discriminator="technique"),
]  # fmt: skip
TableStep = Annotated[
    Sample | Split | SuppressRecords | SuppressLocal | Aggregate | Synthesize,
    Field(discriminator="technique"),
]

# The order table steps run in (and must be written in): sampling first, splitting before the
# column techniques see the identifiers, suppression after generalisation, a change of the
# table's shape last.
TABLE_STAGE = {
    "sample": 0,
    "split": 1,
    "suppress_records": 3,
    "suppress_local": 3,
    "aggregate": 4,
    "synthesize": 4,
}
COLUMN_STAGE = 2

__all__ = ["COLUMN_STAGE", "TABLE_STAGE", "ColumnStep", "TableStep"]
