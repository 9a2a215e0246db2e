"""Hidden checks for exercise 05 (CNN shapes)."""
