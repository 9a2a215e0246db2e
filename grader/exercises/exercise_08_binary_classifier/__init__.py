"""Hidden checks for exercise 08 (binary classifier)."""
