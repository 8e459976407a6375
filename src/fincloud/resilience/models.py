"""Models of the resilience app."""
