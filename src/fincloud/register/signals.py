"""Signals the register sends, so other apps can react without the register importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that changed an input of the rules for a service (locations,
# sub-processors, data categories, exclusion, service model, CSP, the institution's type).
# Keyword arguments: service (CloudService), fields (list[str]), actor (User or None).
# The assessments app marks its own determinations for that service stale.
service_inputs_changed = Signal()
