"""Hidden checks for exercise 12 (regularization)."""
