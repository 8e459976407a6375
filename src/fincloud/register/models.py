"""Models of the register app."""
