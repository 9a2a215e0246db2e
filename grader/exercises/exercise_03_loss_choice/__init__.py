"""Hidden checks for exercise 03 (loss choice)."""
