"""``grade report OLD NEW`` / ``grade batch --compare OLD``: per learner and per check, what changed and why."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from grader.batch.regrade import diff_classes, is_regrade
from grader.messages import catalogue_for
from grader.results import CheckResult, ClassResult, ExerciseResult, LearnerResult, RunResult

PROVENANCE = {"grader_version": "1.0", "exercise_versions": {"exercise-05": "aaa"}, "seed": 0, "language": "en"}


def _learner(name: str, statuses: dict[str, str], file: str = "f1") -> LearnerResult:
    checks = [CheckResult(c, f"title {c}", s, 2 if s == "passed" else 0, 2) for c, s in statuses.items()]
    return LearnerResult(
        name, RunResult([ExerciseResult("exercise-05", "x", "x", "x.py", checks)]), files={"exercise-05": file}
    )


def _class(learners: list[LearnerResult], **provenance) -> ClassResult:
    return ClassResult(
        learners=learners,
        exercises=["exercise-05"],
        max_points={"exercise-05": 4},
        provenance={**PROVENANCE, **provenance},
    )


BEFORE = _class(
    [
        _learner("alice", {"a": "passed", "b": "failed"}),
        _learner("bob", {"a": "passed", "b": "passed"}),
        _learner("carol", {"a": "failed", "b": "failed"}),
        _learner("gone", {"a": "passed", "b": "passed"}),
    ]
)


def _diff(after: ClassResult):
    return diff_classes(BEFORE, after, catalogue_for(None, "en"))


def test_a_changed_file_is_the_reason_and_the_changed_check_is_named():
    after = _class([_learner("alice", {"a": "passed", "b": "passed"}, file="f2"), *BEFORE.learners[1:]])
    diff = _diff(after)
    assert diff.reasons == [] and diff.unchanged == 3
    (alice,) = diff.learners
    assert (alice.learner, alice.score_before, alice.score_after) == ("alice", 2, 4)
    assert [(c.check, c.status_before, c.status_after) for c in alice.checks] == [("b", "failed", "passed")]
    assert alice.reasons == ["the learner's file changed for exercise-05"]


def test_new_checks_a_new_grader_and_a_new_seed_are_named_class_wide_and_per_learner():
    after = _class(
        [_learner("alice", {"a": "passed", "b": "failed", "c": "failed"}), *BEFORE.learners[1:]],
        grader_version="1.1",
        exercise_versions={"exercise-05": "bbb"},
        seed=7,
    )
    diff = _diff(after)
    assert diff.reasons == ["kerasdrill 1.0 -> 1.1", "the checks of exercise-05 changed", "seed 0 -> 7"]
    (alice,) = diff.learners
    assert [(c.check, c.status_before, c.points_before) for c in alice.checks] == [("c", "", None)]
    assert alice.reasons == ["the checks of exercise-05 changed"]


def test_a_change_with_nothing_different_is_flagged_as_worth_a_look():
    after = _class([_learner("alice", {"a": "timeout", "b": "failed"}), *BEFORE.learners[1:]])
    (alice,) = _diff(after).learners
    assert "not deterministic" in alice.reasons[0]


def test_learners_on_one_side_only_are_listed():
    after = _class([*BEFORE.learners[:3], _learner("new", {"a": "passed", "b": "passed"})])
    diff = _diff(after)
    assert [(c.learner, c.reasons) for c in diff.learners] == [
        ("new", ["only in the second result"]),
        ("gone", ["only in the first result"]),
    ]


def test_another_commit_at_the_deadline_is_a_reason():
    def due(commit):
        return {"due": "2026-12-01T23:59:00+09:00", "learners": {"alice": {"commit": commit}}}

    before = replace(BEFORE, provenance={**PROVENANCE, "deadline": due("a" * 40)})
    after = _class(
        [_learner("alice", {"a": "passed", "b": "passed"}, "f2"), *BEFORE.learners[1:]], deadline=due("b" * 40)
    )
    (alice,) = diff_classes(before, after).learners
    assert "another commit at the deadline: aaaaaaaaaaaa -> bbbbbbbbbbbb" in alice.reasons


HOSTILE = "<img src=x onerror=alert(1)>\x1b]8;;http://x\x07::error::x"


@pytest.fixture
def two_results(tmp_path):
    before = _class([*BEFORE.learners, _learner(HOSTILE, {"a": "passed", "b": "passed"})])
    after = _class([*BEFORE.learners, _learner(HOSTILE, {"a": "failed", "b": "passed"}, file="f9")], seed=3)
    paths = []
    for name, graded in (("old", before), ("new", after)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(graded.to_dict()), encoding="utf-8")
        paths.append(tmp_path / name)
    return paths


def _report(*args):
    return subprocess.run([sys.executable, "-m", "grader", "report", *map(str, args)], capture_output=True, text=True)


def test_grade_report_old_new_prints_the_diff_with_learner_text_escaped(two_results):
    assert is_regrade(two_results)
    completed = _report(*two_results)
    assert completed.returncode == 0, completed.stderr
    assert "Why: seed 0 -> 3" in completed.stdout
    assert "2/4 -> 0/4" not in completed.stdout and "4/4 -> 2/4" in completed.stdout
    assert "\x1b" not in completed.stdout and "\n::error" not in completed.stdout
    assert ":%3Aerror" in completed.stdout


def test_grade_report_old_new_writes_a_page_where_learner_markup_stays_text(two_results, tmp_path):
    page = tmp_path / "diff.html"
    completed = _report(*two_results, "--out", page)
    assert completed.returncode == 0, completed.stderr
    html = page.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count('class="learner-change"') == 1 and "\x1b" not in html


def test_two_shards_are_still_merged_not_compared(tmp_path):
    paths = []
    for k in (1, 2):
        graded = _class([BEFORE.learners[k - 1]], **{"class": {"learners": ["alice", "bob"], "shard": [k, 2]}})
        (tmp_path / str(k)).mkdir()
        (tmp_path / str(k) / "results.json").write_text(json.dumps(graded.to_dict()), encoding="utf-8")
        paths.append(tmp_path / str(k))
    assert not is_regrade(paths)
