"""Models of the oversight app."""
