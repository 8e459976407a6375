"""The manual's decision rules (RULES.md §1-§5) as pure functions: no Django, no I/O.

    from fincloud.rules import evaluate, parse_profile
    result = evaluate(parse_profile({...}))
    result.to_output("zh-TW")      # what `fincloud evaluate` prints
    result.to_record()             # the Determination the web app stores

Names are loaded on first use (PEP 562), so `fincloud.sla`, which needs only the citations and
the Determination type, does not pay for importing the engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fincloud.rules.determination import RULE_VERSION, Determination
    from fincloud.rules.engine import (
        CLASSIFICATIONS,
        AuditCadence,
        Evaluation,
        MaterialityProposal,
        applicable_contract_rows,
        audit_cadence,
        classify,
        determine_locations,
        determine_scope,
        evaluate,
        evaluate_mapping,
        propose_materiality,
        regulator_approval,
    )
    from fincloud.rules.profile import MaterialityFactor, Profile, ProfileError, parse_profile

_WHERE = {
    "RULE_VERSION": "determination",
    "Determination": "determination",
    "CLASSIFICATIONS": "engine",
    "AuditCadence": "engine",
    "Evaluation": "engine",
    "MaterialityProposal": "engine",
    "applicable_contract_rows": "engine",
    "audit_cadence": "engine",
    "classify": "engine",
    "determine_locations": "engine",
    "determine_scope": "engine",
    "evaluate": "engine",
    "evaluate_mapping": "engine",
    "propose_materiality": "engine",
    "regulator_approval": "engine",
    "MaterialityFactor": "profile",
    "Profile": "profile",
    "ProfileError": "profile",
    "parse_profile": "profile",
}

__all__ = [
    "CLASSIFICATIONS",
    "RULE_VERSION",
    "AuditCadence",
    "Determination",
    "Evaluation",
    "MaterialityFactor",
    "MaterialityProposal",
    "Profile",
    "ProfileError",
    "applicable_contract_rows",
    "audit_cadence",
    "classify",
    "determine_locations",
    "determine_scope",
    "evaluate",
    "evaluate_mapping",
    "parse_profile",
    "propose_materiality",
    "regulator_approval",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'fincloud.rules' has no attribute {name!r}")
    return getattr(import_module(f"fincloud.rules.{module}"), name)
