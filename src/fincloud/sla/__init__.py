"""Service-level arithmetic (Ch 3.4, Ch 5.4 (b)): downtime, composite availability, attainment.

Plain Python with decimal arithmetic; no Django.
"""

from fincloud.sla.downtime import MANUAL_TABLE, Downtime, SlaError, downtime, parse_percent, table

__all__ = ["MANUAL_TABLE", "Downtime", "SlaError", "downtime", "parse_percent", "table"]
