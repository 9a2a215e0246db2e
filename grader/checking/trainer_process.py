"""The trainer process: answers one request of :mod:`grader.checking.trainer`, then exits.

A trainer is forked from the warm Keras fork server (or started fresh where there is none) and runs
no learner code: it loads, in safe mode, the model the grading process saved from the copy it judged,
trains it seeded (:mod:`grader.checking.models`), and replies with numbers only.

Kept apart from :mod:`grader.checking.trainer`, the grading side of the pipe: ``models`` imports that
side to ask for a fit, and this module imports ``models`` to do it, so no two modules import each
other, and the grading side stays importable without Keras (the engine and exercise 11 import it).
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
import warnings
from typing import Any

from grader.sandbox import protocol


def serve(argv: list[str]) -> None:
    """Run in the trainer: ``argv`` is ``[request_fd, reply_fd, memory_mb]``. Answers one request
    (its ``"op"`` names one of :data:`OPS`), then exits."""
    from grader.sandbox import isolation
    from grader.sandbox.limits import cap_memory

    try:
        isolation.die_with_parent()  # the fork server, or the grading process that started it
        cap_memory(int(argv[2]))
        one_thread_per_op()
        with os.fdopen(int(argv[0]), "rb") as requests:
            request = protocol.read_message(requests)
        reply = OPS[request["op"]](request)
        with os.fdopen(int(argv[1]), "wb") as replies:
            protocol.write_message(replies, reply)
    finally:
        os._exit(0)  # no TensorFlow teardown: the reply is all that matters


def one_thread_per_op() -> None:
    """Run each TensorFlow op on this thread alone (before the first op: TensorFlow reads it once).

    The course's models are small (8x8 digits, batches of 32): split over the machine's cores, an op's
    pieces take less time than handing them out, and the idle threads of TensorFlow's pools spin while
    they wait. One thread per op: the same held-out scores (measured: identical accuracies on the
    reference and textbook models of every trained exercise), ~0.3 s less CPU per digits ConvNet fit.
    Ops still run one after another in graph order; the trainer runs nothing else.
    """
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # pragma: no cover - an op has run already: keep TensorFlow's own pools
        pass


def _fit(model: Any, data: dict, request: dict, **fit_kwargs: Any) -> dict:
    """``models.train`` on the request's training part, with its seed, epochs, batch size and budget."""
    from grader.checking import models

    return models.train(
        model,
        data["x_train"],
        data["y_train"],
        seed=request["seed"],
        epochs=request["epochs"],
        batch_size=request["batch_size"],
        budget_s=request["budget_s"],
        **fit_kwargs,
    )


def _train(request: dict) -> dict:
    def scored(model: Any, data: dict) -> dict:
        from grader.checking import models

        if request["epochs"] > 0:
            _fit(model, data, request)
        if request["metric"] == "r2":
            score = models.r2_score(data["y_test"], models.predict(model, data["x_test"]))
        else:
            score = models.accuracy(model, data["x_test"], data["y_test"])
        return {"score": score}

    return _with_model(request, scored)


def _learning_curve(request: dict) -> dict:
    def curve(model: Any, data: dict) -> dict:
        history = _fit(model, data, request, validation_data=(data["x_test"], data["y_test"]))
        from grader.checking.models import finite_or_none

        return {key: [finite_or_none(v) for v in history.get(key, [])] for key in ("loss", "val_loss")}

    return _with_model(request, curve)


def _with_model(request: dict, action: Any) -> dict:
    """``action(model, data)`` on the request's model, loaded in safe mode; a failure as a reply."""
    from grader.checking import models

    codec = protocol.Codec()
    data = {part: codec.decode(request[part]) for part in ("x_train", "y_train", "x_test", "y_test")}
    folder = tempfile.mkdtemp(prefix="model-", dir=request.get("folder"))  # in the grading side's folder
    try:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(request["model"]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import keras

            # A Dropout (any seeded random layer) draws its seed generator's state from Python's random
            # module while it is loaded: seeded first, or it would be the fork server's, new every run.
            models.deterministic(request["seed"])
            model = keras.saving.load_model(path, safe_mode=True)
        return action(model, data)
    except models.TrainingTooSlow:
        return {"failure": "too_slow"}
    except MemoryError:
        return {"failure": "out_of_memory"}
    except Exception as exc:  # the model cannot be trained as built and compiled
        if type(exc).__name__ == "ResourceExhaustedError":  # TensorFlow's out-of-memory
            return {"failure": "out_of_memory"}
        return {"failure": "error", "error_type": type(exc).__name__, "error": models._error_text(exc)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _seeded_draws(request: dict) -> dict:
    from types import SimpleNamespace

    import keras

    from grader.sandbox.probes import random_draws_after_set_seed

    return {
        "draws": random_draws_after_set_seed(SimpleNamespace(set_seed=keras.utils.set_random_seed), request["seed"])
    }


#: What a trainer can be asked: op -> handler(request) -> reply.
OPS = {"train_and_score": _train, "learning_curve": _learning_curve, "seeded_draws": _seeded_draws}
