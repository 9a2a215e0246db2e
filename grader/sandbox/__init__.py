"""The learner's side of the trust boundary: everything that runs in, or speaks to, the worker process.

* :mod:`~grader.sandbox.launcher` and :mod:`~grader.sandbox.worker`: the process that imports the
  learner's file and calls its functions (the only place learner code ever runs);
* :mod:`~grader.sandbox.client`: the grading process's handle on a worker (spawn, deadlines, kill)
  and :class:`~grader.sandbox.client.Learner`, the proxy checks call;
* :mod:`~grader.sandbox.protocol` and :mod:`~grader.sandbox.keras_codec`: the wire format, values in
  safe formats only (JSON, ``.npy`` without pickle, ``.keras`` in safe mode);
* :mod:`~grader.sandbox.limits`, :mod:`~grader.sandbox.isolation`, :mod:`~grader.sandbox.environment`:
  what the worker may use and see; :mod:`~grader.sandbox.forkserver`: warm Keras for model workers;
* :mod:`~grader.sandbox.probes`: grader-owned code that observes the worker's state;
* :mod:`~grader.sandbox.capture`: what the learner printed, read back as text.

Import rule (``tests/test_architecture.py``): nothing here imports :mod:`grader.checking`, pytest, the
exercises' checks or the outputs; the worker's import closure is this package plus
:mod:`grader.outcomes`. The verdict is never computed here.
"""
