"""Models of the manual app."""
