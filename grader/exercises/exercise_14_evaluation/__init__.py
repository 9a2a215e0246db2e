"""Hidden checks for exercise 14 (evaluation)."""
