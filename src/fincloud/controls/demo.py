"""Demo data of the controls app (filled in below)."""


def load_controls_demo() -> None:
    return None
