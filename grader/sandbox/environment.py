"""The environment variables a worker (and the fork server) start with: an allowlist.

Only the variables named here pass from the grading process's environment (the language and
time zone, ``PATH``, the numeric libraries' thread and CPU settings); nothing else does, whatever
it holds (``KERASDRILL_SECRET``, CI tokens, cloud credentials). To them come a quiet TensorFlow,
a fixed hash seed, the sandbox's own settings, and ``HOME``/``TMPDIR`` inside the session folder
so whatever the learner writes there is deleted with it. The fork server starts with this
environment too, so not even its start-up block (``/proc/self/environ``) holds anything else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Environment for every process that may import TensorFlow: no start-up noise.
QUIET_TF_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}

#: The grading secret (:mod:`grader.checking.held_out`): the grading process's alone.
SECRET_VARIABLE = "KERASDRILL_SECRET"

#: Passed on by name.
PASSED = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "KERAS_BACKEND",
    "CUDA_VISIBLE_DEVICES",
)
#: Passed on by prefix: the locale, and the thread/CPU settings of OpenBLAS, OpenMP and MKL (on some
#: processors OPENBLAS_CORETYPE keeps an older OpenBLAS from computing wrong results).
PASSED_PREFIXES = ("LC_", "OPENBLAS_", "OMP_", "MKL_", "GOTO_")


#: The folders the worker must not see (hidden checks, solutions, learners' folders), os.pathsep-joined.
HIDE_VARIABLE = "KERASDRILL_HIDE"
#: "1": set up only the layers an ordinary user gets (Landlock, seccomp), even as root: how tests
#: and instructors see what a learner's own machine gives.
UNPRIVILEGED_VARIABLE = "KERASDRILL_UNPRIVILEGED_SANDBOX"


def quiet_tensorflow(environ: dict[str, str] | None = None) -> None:
    """Silence TensorFlow's start-up lines in this process (call before anything imports it)."""
    target = os.environ if environ is None else environ
    for key, value in QUIET_TF_ENV.items():
        target.setdefault(key, value)


def base_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What every process on the learner's side starts from (the fork server too)."""
    source = os.environ if environ is None else environ
    env = {key: value for key, value in source.items() if key in PASSED or key.startswith(PASSED_PREFIXES)}
    env.update(QUIET_TF_ENV)
    env.update({"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"})
    # scikit-learn's joblib would test for POSIX semaphores (no /dev/shm here, System V IPC refused)
    # and print "joblib will operate in serial mode" as if the learner's code had: serial it is
    env["JOBLIB_MULTIPROCESSING"] = "0"
    # exercise 16's figure: drawn without a window whatever the learner's desktop. Here, not per worker:
    # `import keras` imports matplotlib.pyplot, so a warm fork server reads the backend before any worker exists
    env["MPLBACKEND"] = "Agg"
    return env


def worker_environment(base: Mapping[str, str], session_dir: str, extra: Mapping[str, str]) -> dict[str, str]:
    """One worker's environment: ``base`` plus ``extra``, with ``HOME`` and ``TMPDIR`` in ``session_dir``."""
    env = dict(base, **extra)
    private_tmp = os.path.join(session_dir, "tmp")
    env.update(HOME=os.path.join(session_dir, "home"), TMPDIR=private_tmp, TEMP=private_tmp, TMP=private_tmp)
    # matplotlib's font cache in the session folder (deleted with it; elsewhere it would warn about a temporary
    # cache in the learner's output). A warm fork server imported it already: `import keras` imports pyplot.
    env["MPLCONFIGDIR"] = os.path.join(session_dir, "home", ".matplotlib")
    return env
