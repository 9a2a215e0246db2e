"""One sub-package per exercise: exercise.json, checks.py and messages/."""
