"""Exercise 11 optimizers-and-data: stub 0, solution full, wrong answers lose exactly their checks."""

from __future__ import annotations

import pytest
from support import describe, grade_source, grade_wrong_answer, mutate, solution_source, wrong_answer_test

EXERCISE = "exercise-11"
pytestmark = pytest.mark.slow


WRONG_ANSWERS = {
    "x and y shuffled separately": (
        [
            (
                "    dataset = tf.data.Dataset.from_tensor_slices((x, y))  # x and y stay paired\n    if shuffle:\n        dataset = dataset.shuffle(len(x), seed=seed)\n",
                "    if shuffle:\n        x = tf.random.shuffle(x, seed=seed)\n        y = tf.random.shuffle(y, seed=seed + 1)\n    dataset = tf.data.Dataset.from_tensor_slices((x, y))\n",
            )
        ],
        {"batches_cover_every_sample_once_with_its_label"},
    ),
    "learning_rate=None passed through": (
        [
            (
                '    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}',
                '    kwargs = {"learning_rate": learning_rate or 0.001}',
            )
        ],
        {"default_learning_rates"},
    ),
    "learning_rate=None passed on to Keras": (
        [
            (
                '    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}  # None: Keras\'s default',
                '    kwargs = {"learning_rate": learning_rate}',
            )
        ],
        {"default_learning_rates"},
    ),
    "batch before shuffle": (
        [
            (
                "    if shuffle:\n        dataset = dataset.shuffle(len(x), seed=seed)\n    return dataset.batch(batch_size)",
                "    dataset = dataset.batch(batch_size)\n    if shuffle:\n        dataset = dataset.shuffle(len(x), seed=seed)\n    return dataset",
            )
        ],
        {"shuffle_is_seeded_and_optional"},
    ),
    "shuffle buffer of one batch": (
        [("dataset.shuffle(len(x), seed=seed)", "dataset.shuffle(batch_size, seed=seed)")],
        {"shuffle_is_seeded_and_optional"},
    ),
    "batch() forgotten": (
        [("    return dataset.batch(batch_size)", "    return dataset")],
        {"batch_sizes"},
    ),
    "momentum defaults to 0": (
        [('        kwargs["momentum"] = momentum or 0.9', '        kwargs["momentum"] = momentum')],
        {"momentum_and_nesterov"},
    ),
    "nesterov ignored": (
        [('        kwargs["nesterov"] = name == "nesterov" or nesterov', '        kwargs["nesterov"] = nesterov')],
        {"momentum_and_nesterov"},
    ),
    "only numpy is seeded": (
        [("    random.seed(seed)\n    np.random.seed(seed)\n    tf.random.set_seed(seed)", "    np.random.seed(seed)")],
        {"set_seed_makes_runs_repeatable"},
    ),
    "shuffle without a seed": (
        [("dataset.shuffle(len(x), seed=seed)", "dataset.shuffle(len(x))")],
        {"shuffle_is_seeded_and_optional"},
    ),
    "adam as the compile default": (
        [('    return "rmsprop"', '    return "adam"')],
        {"default_compile_optimizer"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_separate_shuffle_feedback_names_the_broken_pairs():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "x and y shuffled separately")
    message = result.check("batches_cover_every_sample_once_with_its_label").message
    assert "shuffled separately" in message, message


def test_keras2_lr_habit_gets_the_keras3_form(tmp_path):
    source = mutate(solution_source(EXERCISE), ('{"learning_rate": learning_rate}', '{"lr": learning_rate}'))
    result = grade_source(EXERCISE, source, tmp_path)
    check = result.check("optimizer_classes_and_given_learning_rates")
    assert "learning_rate" in check.message and "Keras 3" in check.message, check.message


def test_learning_rate_none_feedback_names_the_default():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "learning_rate=None passed on to Keras")
    check = result.check("default_learning_rates")
    assert check.status == "failed" and "learning_rate=None should keep Keras's default" in check.message, check.message


def test_batch_then_shuffle_feedback():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "batch before shuffle")
    check = result.check("shuffle_is_seeded_and_optional")
    assert "shuffle first, then batch" in check.message, check.message


def test_keras_set_random_seed_alone_is_enough(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        (
            "    random.seed(seed)\n    np.random.seed(seed)\n    tf.random.set_seed(seed)",
            "    keras.utils.set_random_seed(seed)",
        ),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.score == result.max_score, describe(result)


def test_hints_have_a_nudge_and_a_formula():
    import json

    from grader.registry import find_exercise

    catalogue = json.loads((find_exercise(EXERCISE).directory / "messages" / "en.json").read_text(encoding="utf-8"))
    for name, entry in catalogue["checks"].items():
        assert isinstance(entry["hint"], list) and len(entry["hint"]) >= 2, name


def test_set_seed_through_a_helper_function_and_an_alias_earns_the_points(tmp_path):
    """The seed check loads only imports, constants, aliases and functions: a set_seed that calls a
    helper defined at the top and uses `keras = tf.keras` (a Keras-2 habit) still works there."""
    source = mutate(
        solution_source(EXERCISE),
        (
            "def set_seed(seed):\n    random.seed(seed)\n    np.random.seed(seed)\n    tf.random.set_seed(seed)",
            "SEEDING = tf.keras\n\n\ndef _seed_everything(seed):\n    SEEDING.utils.set_random_seed(seed)\n\n\n"
            "def set_seed(seed):\n    _seed_everything(seed)",
        ),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.score == result.max_score, describe(result)


def test_set_seed_that_needs_other_top_level_code_is_told_why(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        (
            "def set_seed(seed):\n    random.seed(seed)\n    np.random.seed(seed)\n    tf.random.set_seed(seed)",
            "class Seeder:\n    sources = (random.seed, np.random.seed, tf.random.set_seed)\n\n\n"
            "def set_seed(seed):\n    for source in Seeder.sources:\n        source(seed)",
        ),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    check = result.check("set_seed_makes_runs_repeatable")
    assert check.status == "failed" and "only your imports, constants and functions" in check.message, check.message
    assert "Seeder" in check.message and "set_seed(" in check.message, check.message
    assert "probe" not in check.message and "random_draws" not in check.message, check.message
    assert result.score == result.max_score - check.max_points, describe(result)
