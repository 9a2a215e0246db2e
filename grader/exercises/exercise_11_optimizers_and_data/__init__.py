"""Hidden checks for exercise 11 (optimizers and data)."""
