"""Models of the audits app."""
