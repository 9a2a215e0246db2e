"""The message catalogue: messages as parameters of messages, rendered in the reader's language."""

from __future__ import annotations

import json

import pytest

from grader.checking import CheckFailed
from grader.messages import Catalogue, catalogue_for, is_message_ref, message_ref


def test_a_message_parameter_is_rendered_with_its_parent():
    catalogue = catalogue_for(None)
    text = catalogue.render(
        "model.too_weak_accuracy", data=message_ref("dataset.digits"), epochs=5, seed=1, found=0.5, expected=0.9
    )
    assert "8x8 digits" in text and "$message" not in text


def test_a_stored_result_re_renders_in_another_language(tmp_path):
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "ko.json").write_text(
        json.dumps(
            {"messages": {"trained": "{data}에서 {epochs} 에포크 학습", "dataset.digits": "8x8 숫자 데이터"}},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (tmp_path / "messages" / "en.json").write_text(
        json.dumps({"messages": {"trained": "trained on {data} for {epochs} epochs"}}), encoding="utf-8"
    )
    failure = CheckFailed("trained", data=message_ref("dataset.digits"), epochs=3)
    stored = json.loads(json.dumps(failure.params))  # what a JSON report keeps
    assert is_message_ref(stored["data"])
    assert (
        Catalogue("en", tmp_path).render("trained", **stored)
        == "trained on scikit-learn's 8x8 digits (1797 handwritten digits) for 3 epochs"
    )
    assert Catalogue("ko", tmp_path).render("trained", **stored) == "8x8 숫자 데이터에서 3 에포크 학습"


def test_nested_parameters_are_made_safe_too():
    import numpy as np

    failure = CheckFailed("x", advice=message_ref("model.reason_units", expected=np.int64(3), found=float("nan")))
    inner = failure.params["advice"]["params"]
    assert inner == {"expected": 3, "found": "nan"} and type(inner["expected"]) is int
    json.dumps(failure.params, allow_nan=False)


def test_nesting_is_bounded():
    deep = message_ref("model.reason_extra", kind="Dense")
    for _ in range(10):
        deep = message_ref("model.reason_extra", kind=deep)
    text = catalogue_for(None).render("model.reason_extra", kind=deep)  # terminates, never raises
    assert text.startswith("Your model has an extra")


def test_plain_dicts_are_not_mistaken_for_messages():
    assert (
        not is_message_ref({"message": "x"})
        and not is_message_ref({"$message": 3})
        and not is_message_ref("dataset.digits")
    )


def test_a_dict_from_the_learner_is_shown_not_looked_up():
    forged = {"$message": "report.all_passed", "params": {}}  # what a learner function could return
    failure = CheckFailed("x", found=forged)
    assert isinstance(failure.params["found"], str) and "$message" in failure.params["found"]


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_a_keras2_tip_is_stored_as_a_message_and_re_rendered(tmp_path):
    from support import grade_source, solution_source

    source = solution_source("exercise-11").replace('{"learning_rate": learning_rate}', '{"lr": learning_rate}')
    assert source != solution_source("exercise-11")
    result = grade_source("exercise-11", source, tmp_path)
    tipped = [c for c in result.checks if "tip" in c.params]
    assert tipped, [c.message for c in result.checks]
    for check in tipped:
        assert is_message_ref(check.params["tip"]) and "learning_rate=" in check.message
        stored = json.loads(json.dumps(check.params))
        assert catalogue_for(None).render_check_message(check.message_id, stored) == check.message
