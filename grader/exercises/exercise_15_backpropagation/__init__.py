"""Hidden checks for exercise 15 (back-propagation by hand)."""
