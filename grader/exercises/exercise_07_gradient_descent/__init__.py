"""Hidden checks for exercise 07 (gradient descent)."""
