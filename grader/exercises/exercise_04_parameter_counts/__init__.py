"""Hidden checks for exercise 04 (parameter counts)."""
