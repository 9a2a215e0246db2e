"""An instructor's own check for exercise 10: the ConvNet must stay small enough for the lab machines.

A folder named like the exercise's folder, holding ``checks.py`` and ``messages/en.json``, adds its
checks to that exercise: ``grade exercise-10 --extra-checks examples/extra_checks``.
"""

from grader.checking import check, expect, learner_model

LIMIT = 500_000


@check(points=2)
def test_fewer_than_500k_parameters(learner):
    model = learner_model(learner.build_cnn(), "build_cnn()")
    expect(model.count_params() < LIMIT, "too_many_parameters", found=model.count_params(), limit=LIMIT)
