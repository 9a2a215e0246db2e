"""Hidden checks for exercise 06 (forward pass)."""
