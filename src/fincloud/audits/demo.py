"""Demo data of the audits app (filled in below)."""


def load_audits_demo() -> None:
    return None
