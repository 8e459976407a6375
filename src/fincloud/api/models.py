"""Models of the api app (personal API tokens)."""
