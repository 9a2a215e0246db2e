"""Hidden checks for exercise 13 (convolution and pooling by hand)."""
