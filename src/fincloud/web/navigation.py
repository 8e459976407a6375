"""The navigation, grouped the way the manual's Annex 2 groups the work.

日常執行與控管 (institution-level, ongoing) / 使用前評估 / 使用中評估 / 使用後, plus the audit
trail and administration. Apps register their pages in ``AppConfig.ready()``; a page shows only
to those who hold its capability, and only pages that exist are registered (no dead links).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    capability: str
    order: int = 100


@dataclass
class NavGroup:
    key: str
    label: str | Promise
    hint: str | Promise
    items: list[NavItem] = field(default_factory=list)


GROUPS: dict[str, NavGroup] = {
    "daily": NavGroup(
        "daily",
        _("Daily execution and control"),
        _("Institution-level and ongoing: policy, governance, risk mechanism, training"),
    ),
    "before": NavGroup("before", _("Before use"), _("Pre-use assessment of each cloud service")),
    "in_use": NavGroup("in_use", _("In use"), _("Monitoring, review, controls, audits")),
    "after": NavGroup("after", _("After use"), _("Exit, data transfer and deletion")),
    "manual": NavGroup("manual", _("Practice manual"), _("The manual as data")),
    "audit": NavGroup("audit", _("Audit trail"), _("Who did what, when")),
    "admin": NavGroup("admin", _("Administration"), _("People, units and roles")),
}


def register(group: str, item: NavItem) -> None:
    items = GROUPS[group].items
    if all(existing.url_name != item.url_name for existing in items):
        items.append(item)
        items.sort(key=lambda i: i.order)


def for_user(user: object) -> list[dict[str, object]]:
    can = getattr(user, "can", None)
    menu: list[dict[str, object]] = []
    for group in GROUPS.values():
        visible = [
            {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
            for item in group.items
            if can is not None and can(item.capability)
        ]
        menu.append({"key": group.key, "label": group.label, "hint": group.hint, "items": visible})
    # Stage groups always show (the manual's structure); the others only when they hold a page.
    return [g for g in menu if g["items"] or g["key"] in {"daily", "before", "in_use", "after"}]
