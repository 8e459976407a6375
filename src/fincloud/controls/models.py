"""Models of the controls app."""
