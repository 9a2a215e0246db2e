"""Grading in processes forked from the warm Keras fork server.

A model exercise's checks need Keras (reference models, a learner's model loaded in safe mode, held-out
scores). Importing TensorFlow costs about 4 s of CPU, and the fork server has already paid it for the
workers. So the grading process (``grade``, a batch's grading process) does not run those checks
itself: it asks the server for a child (:mod:`grader.warm.child`) that grades the submission and sends
back the result as JSON (:class:`grader.warm.session.ForkedSession`). A cold ``grade exercise-10`` pays
one TensorFlow import instead of two.

The child is forked before it holds anything of the grader's: its environment (with the grading
secret) arrives over a pipe after it has forked its own copy of the server
(:func:`grader.sandbox.forkserver.start_private_server`), from which its workers and trainers are
forked, so no learner's process ever shares memory with a process that knew the secret or ran a
TensorFlow op.
"""
