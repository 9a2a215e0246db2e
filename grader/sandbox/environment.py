"""The environment variables a worker (and the fork server) start with.

The grading process's own environment minus what would let the learner's code
change how Python starts (``PYTHONPATH``, ``PYTHONSTARTUP``, ...) and the grading
secret, plus a quiet
TensorFlow, a fixed hash seed, and ``HOME``/``TMPDIR`` inside the session folder
so whatever the learner writes there is deleted with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Environment for every process that may import TensorFlow: no start-up noise.
QUIET_TF_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}

#: The grading secret (:mod:`grader.checking.held_out`): the grading process's alone.
SECRET_VARIABLE = "KERASDRILL_SECRET"

_DROPPED = ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONHOME", "PYTHONBREAKPOINT", SECRET_VARIABLE)
_PRIVATE_DIRS = (
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_RUNTIME_DIR",
    "KERAS_HOME",
)


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
    env = {key: value for key, value in source.items() if key not in _DROPPED}
    env.update(QUIET_TF_ENV)
    env.update({"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"})
    return env


def worker_environment(base: Mapping[str, str], session_dir: str, extra: Mapping[str, str]) -> dict[str, str]:
    """One worker's environment: ``base`` plus ``extra``, with ``HOME`` and ``TMPDIR`` in ``session_dir``."""
    env = dict(base, **extra)
    private_tmp = os.path.join(session_dir, "tmp")
    env.update(HOME=os.path.join(session_dir, "home"), TMPDIR=private_tmp, TEMP=private_tmp, TMP=private_tmp)
    for name in _PRIVATE_DIRS:
        env.pop(name, None)
    return env
