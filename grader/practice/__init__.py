"""SELF-STUDY: the learner's own front ends over the grading library.

``progress`` (what the workspace remembers), ``hints`` (``grade hint``, ``grade next``),
``solution`` (``grade solution``), ``watch`` (``grade watch``). Each grades through
:mod:`grader.workflow` like ``grade EXERCISE`` does; none is needed for grading.
"""
