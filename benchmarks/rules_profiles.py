"""Deterministic random profiles for the rules benchmarks (a helper; running it does nothing)."""

from __future__ import annotations

import random

from fincloud.rules.countries import ISO_3166_ALPHA2
from fincloud.rules.profile import EXCLUSIONS, INSTITUTION_TYPES, SERVICE_MODELS

_CODES = sorted(ISO_3166_ALPHA2)
_COMMON = ["TW", "JP", "SG", "US", "HK", "KR", "IE", "DE", "AU", "VN", "CN", "TH"]


def profiles(count: int, seed: int = 2025, factors_every: int = 10) -> list[dict[str, object]]:
    """A mix close to a real register: most services in scope, a third offshore, a few
    exclusions; locations from a short list of usual regions plus any ISO code now and then;
    one profile in `factors_every` carries the seven materiality factors."""
    rnd = random.Random(seed)
    out: list[dict[str, object]] = []
    for i in range(count):
        offshore = rnd.random() < 0.4
        if offshore:
            pool = _CODES if rnd.random() < 0.2 else _COMMON
            locations = rnd.sample(pool, rnd.randint(1, 3))
        else:
            locations = ["TW"]
        profile: dict[str, object] = {
            "institution_type": rnd.choice(INSTITUTION_TYPES),
            "license_business_or_customer_data": rnd.random() < 0.85,
            "csp_processes_or_stores_data": rnd.random() < 0.9,
            "exclusion": "none" if rnd.random() < 0.8 else rnd.choice(EXCLUSIONS),
            "service_model": rnd.choice(SERVICE_MODELS),
            "locations": locations,
            "consumer_finance_system": rnd.random() < 0.3,
            "material": rnd.random() < 0.4,
        }
        if factors_every and i % factors_every == 0:
            profile["materiality_factors"] = {
                k: {"level": rnd.choice(["low", "medium", "high"]), "note": f"理由 {k}"}
                for k in "abcdefg"
            }
        out.append(profile)
    return out
