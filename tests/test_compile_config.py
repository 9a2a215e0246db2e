"""A learner's compile config is learner data (issue #25 item 7): whatever Keras serialised into it (a
function or object as the learning rate, strings where dicts belong, huge or special numbers), reading
it gives settings or the learner's failed check, never an exception of the grader."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checking.api import CheckFailed

KEYS = [
    "optimizer",
    "loss",
    "metrics",
    "class_name",
    "config",
    "learning_rate",
    "module",
    "registered_name",
    "initial_learning_rate",
    "from_logits",
    "name",
    "fn",
]
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["adam", "Adam", "function", "relu", "keras.activations", "binary_crossentropy", "accuracy"]),
)
trees = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), children, max_size=4),
    ),
    max_leaves=12,
)


class _Model:
    """What compile_settings reads of a reloaded model: its compile config (and no optimizer built yet)."""

    compiled = True
    optimizer = None

    def __init__(self, config):
        self.config = config

    def get_compile_config(self):
        return self.config


def test_a_callable_learning_rate_is_named_in_the_learners_failed_check():
    from grader.checking.models import compile_settings, expect_compiled

    relu = {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"}
    config = {"optimizer": {"class_name": "Adam", "config": {"learning_rate": relu}}, "loss": "binary_crossentropy"}
    found = compile_settings(_Model(config))
    assert found.learning_rate is None and found.learning_rate_problem == "keras.activations.relu"
    with pytest.raises(CheckFailed) as failed:
        expect_compiled(_Model(config), "build()", optimizer="Adam", learning_rate=0.01)
    assert failed.value.message_id == "model.learning_rate_not_number"
    schedule = {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.01, "decay_steps": 10}}
    config["optimizer"]["config"]["learning_rate"] = schedule
    assert compile_settings(_Model(config)).learning_rate == pytest.approx(0.01)


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
@settings(max_examples=300, deadline=None)
@given(config=st.one_of(trees, st.fixed_dictionaries({"optimizer": trees, "loss": trees, "metrics": trees})))
def test_any_compile_config_gives_settings_or_a_failed_check(config):
    from grader.checking.models import compile_settings, expect_compiled

    found = compile_settings(_Model(config))
    assert found.learning_rate is None or isinstance(found.learning_rate, float)
    try:
        expect_compiled(_Model(config), "build()", optimizer="Adam", learning_rate=0.01, metrics=("accuracy",))
    except CheckFailed:
        pass
