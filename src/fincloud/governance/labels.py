"""Human names for the catalog-driven keys of this app (activities, groups, topics, stages)."""

from __future__ import annotations

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from fincloud.catalog import Node
from fincloud.governance import manual

# The activity keys are the catalog's ch1.4.sod.* data ("<subject>.<activity>"); only their
# names are written here, in the manual's words (啟動、核可及執行變更 ...).
ACTIVITY_LABELS = {
    "change.initiate": _("initiate changes"),
    "change.approve": _("approve changes"),
    "change.execute": _("execute changes"),
    "access.request": _("request access rights"),
    "access.approve": _("approve access rights"),
    "access.implement": _("implement access rights"),
    "code.design": _("design code"),
    "code.implement": _("implement code"),
    "code.review": _("review code"),
    "security_controls.design": _("design cloud security controls"),
    "security_controls.audit": _("audit cloud security controls"),
}


def lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def node_text(node: Node | str) -> str:
    if isinstance(node, str):
        found = manual.catalog().find(node)
        if found is None:
            return node
        node = found
    return node.text(lang())  # type: ignore[arg-type]


def item_letter(node_id: str) -> str:
    """ "ch1.4.sod.a" -> "(a)"."""
    return f"({node_id.rsplit('.', 1)[-1]})"


def activity_label(activity: str) -> str:
    return str(ACTIVITY_LABELS.get(activity, activity))


def activity_choices() -> list[tuple[str, str]]:
    from fincloud.governance.sod import rules_from_nodes

    out = []
    for rule in rules_from_nodes(manual.sod_items()):
        for name in rule.names():
            out.append((name, f"{item_letter(rule.item_id)} {activity_label(name)}"))
    return out


def duty_choices() -> list[tuple[str, str]]:
    return [(n.id, f"{item_letter(n.id)} {short_duty(n)}") for n in manual.duties()]


def short_duty(node: Node) -> str:
    """The duty's name: the text before its colon ("雲端服務需求申請")."""
    text = node.text(lang())  # type: ignore[arg-type]
    for sep in ("：", ":"):
        if sep in text:
            return text.split(sep, 1)[0]
    return text


def group_label(group_id: str) -> str:
    if not group_id:
        return gettext("Not mapped")
    return node_text(group_id)


def group_choices() -> list[tuple[str, str]]:
    cat = manual.catalog()
    return [(g.id, node_text(cat.get(g.id))) for g in manual.training_table().groups]


def topic_choices() -> list[tuple[str, str]]:
    """Everything a course may cover: the audience topics and the table's stage cells."""
    cat = manual.catalog()
    out = [
        ("ch4.1.d", gettext("All staff: IT security awareness (Ch 4.1 (d))")),
        ("ch4.1.a", gettext("Board: cloud risk awareness (Ch 4.1 (a))")),
    ]
    for group in manual.training_table().groups:
        name = node_text(cat.get(group.id))
        for cell in group.cells:
            out.append((cell.id, f"{name}: {node_text(cat.get(cell.id))}"))
    return out


def topic_label(topic: str) -> str:
    return dict(topic_choices()).get(topic, topic)
