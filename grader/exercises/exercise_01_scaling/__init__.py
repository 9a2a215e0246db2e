"""Hidden checks for exercise 01 (scaling)."""
