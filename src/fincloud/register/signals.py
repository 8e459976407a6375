"""Signals the register sends, so other apps can react without the register importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that changed an input of the rules for a service (locations,
# sub-processors, data categories, exclusion, service model, CSP, the institution's type).
# Keyword arguments: service (CloudService), fields (list[str]), actor (User or None).
# The assessments app marks its own determinations for that service stale.
service_inputs_changed = Signal()

# Sent once, inside the transaction, when service_create_many has registered many services at
# once (a bulk import); their rows are inserted in batches, so post_save is not sent for each.
# Keyword arguments: services (list[CloudService]), actor (User or None). An app that follows
# new services (the assessments' re-evaluation of materiality per CSP) connects here too.
services_created = Signal()
