"""Hidden checks for exercise 09 (multi-class classifier)."""
