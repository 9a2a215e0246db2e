"""Front end for instructors: ``grade batch CLASS_DIR`` grades a whole class.

* :mod:`~grader.batch.layout`: which folders are learners, and their files;
* :mod:`~grader.batch.pool`: warm grading processes, one learner at a time each;
* :mod:`~grader.batch.runner`: :func:`grade_class`, the class's results in learner order;
* :mod:`~grader.batch.report`: :func:`grade_and_write`, the CLI's one call (grade, progress, outputs).
"""

from __future__ import annotations

from grader.batch.runner import grade_class

__all__ = ["grade_class"]
