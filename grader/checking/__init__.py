"""The grading side of the trust boundary, and the API check authors import.

A check is a pytest function in an exercise's ``checks.py`` (the package's own,
or an instructor's folder given as another registry root)::

    from grader.checking import check, expect, as_int

    @check(points=2)
    def test_dense_params_with_bias(learner, rng):
        n, units = int(rng.integers(1, 1000)), int(rng.integers(1, 500))
        found = as_int(learner.dense_params(n, units), f"dense_params({n}, {units})")
        expect(found == n * units + units, "bias_missing", n=n, units=units, found=found)

``from grader.checking import ...`` is the one documented import: the marker, failures with
message ids, type guards, the values that cross from the worker (:class:`ModelFile`,
:class:`KerasObjectSpec`, ...), the learner problems a check may catch (:class:`LearnerRaised`),
and the model helpers of :mod:`grader.checking.models` (imported lazily: they import Keras).

Modules: :mod:`~grader.checking.api` (the author API), :mod:`~grader.checking.plugin` (the pytest
plugin that turns outcomes into results), :mod:`~grader.checking.runner` (``pytest.main`` per check
source), :mod:`~grader.checking.models` (model checks), :mod:`~grader.checking.explain` (Keras-2 habits).
Everything here runs only in the grading process, where learner code never runs; it may import
:mod:`grader.sandbox` (to talk to the worker), never the other way round.
"""

from __future__ import annotations

from typing import Any

from grader.checking.api import (
    ANY_KIND,
    CHECK_MARKER,
    CheckFailed,
    as_array,
    as_int,
    as_number,
    as_tuple_of_ints,
    check,
    close,
    expect,
    fail,
    same,
    type_name,
    wrong_type,
)
from grader.messages import message_ref
from grader.outcomes import LearnerProblem, LearnerRaised, LearnerTimeout, NotAttempted
from grader.sandbox.figures import AxesData, FigureData, LineData
from grader.sandbox.keras_codec import load_model
from grader.sandbox.protocol import DatasetSample, KerasObjectSpec, ModelFile, Opaque, TrainingHistory, preview

_MODEL_HELPERS = (
    "learner_model",
    "layer_table",
    "expect_same_layers",
    "compile_settings",
    "expect_compiled",
    "loss_advice",
    "loss_name",
    "label_format",
    "deterministic",
    "train",
    "predict",
    "accuracy",
    "r2_score",
    "dataset_name",
    "fit_and_score",
    "held_out_score",
)

__all__ = [
    "ANY_KIND",
    "AxesData",
    "CHECK_MARKER",
    "CheckFailed",
    "DatasetSample",
    "FigureData",
    "KerasObjectSpec",
    "LearnerProblem",
    "LearnerRaised",
    "LearnerTimeout",
    "LineData",
    "ModelFile",
    "NotAttempted",
    "Opaque",
    "as_array",
    "as_int",
    "as_number",
    "as_tuple_of_ints",
    "check",
    "expect",
    "fail",
    "load_model",
    "message_ref",
    "preview",
    "same",
    "close",
    "TrainingHistory",
    "type_name",
    "wrong_type",
    *_MODEL_HELPERS,
]


def __getattr__(name: str) -> Any:
    if name in _MODEL_HELPERS:  # imports Keras: only for the checks that need a model
        from grader.checking import models

        return getattr(models, name)
    raise AttributeError(f"module 'grader.checking' has no attribute {name!r}")
