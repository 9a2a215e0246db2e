"""Hidden checks for exercise 10 (CNN model)."""
