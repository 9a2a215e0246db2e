"""Hidden checks for exercise 02 (layer stack)."""
