"""Files that let other engines run kerasdrill: a GitHub Actions workflow (Classroom, or a class
graded in matrix shards) and a Gradescope autograder bundle. Each module generates one thing;
:mod:`~grader.integrations.wheel` builds the kerasdrill wheel they carry, since neither GitHub's
runners nor Gradescope's machines can install kerasdrill by name."""
