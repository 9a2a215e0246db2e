"""Similar submissions: winnowing on Python tokens, the stub's code and the class's common code left out.

The reference test is the worked example of Schleimer, Wilkerson and Aiken, "Winnowing: Local Algorithms
for Document Fingerprinting" (SIGMOD 2003), Figure 2: hashes 77 74 42 17 98 50 17 98 8 88 67 39 77 74 42
17 98 with windows of 4 give the fingerprints 17 17 8 39 17 at positions 3 6 8 11 15 (0-based).
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from support import solution_source, stub_source

from grader.batch.similarity import WINDOW, K, class_similarity, kgram_hashes, similar_pairs, tokens, winnow

PAPER = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98]


def test_winnowing_gives_the_papers_fingerprints():
    assert winnow(PAPER, 4) == [(17, 3), (17, 6), (8, 8), (39, 11), (17, 15)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=WINDOW, max_size=80), st.integers(0, 60), st.integers(1, 40))
def test_every_shared_run_of_a_window_of_hashes_shares_a_fingerprint(hashes, offset, noise_seed):
    """The guarantee: two sequences sharing ``window`` consecutive hashes share a fingerprint."""
    rng = random.Random(noise_seed)
    run = hashes[:WINDOW]
    other = [rng.randint(100, 200) for _ in range(offset)] + run + [rng.randint(100, 200) for _ in range(5)]
    mine = {h for h, _ in winnow(hashes, WINDOW)}
    theirs = {h for h, _ in winnow(other, WINDOW)}
    assert mine & theirs


def test_renamed_variables_reworded_comments_and_docstrings_change_no_token():
    one = 'def f(xs):\n    """Sum."""\n    total = 0  # start\n    for x in xs:\n        total += x * 2\n    return total\n'
    two = "def g(values):\n    '''Add them up.'''\n    acc = 0\n\n    for v in values:  # each\n        acc += v * 3\n    return acc\n"
    assert [t.text for t in tokens(one)] == [t.text for t in tokens(two)]


def test_a_file_that_does_not_tokenize_still_gives_its_tokens_up_to_the_error():
    assert [t.text for t in tokens("x = (1,\n")][:3] == ["N", "=", "("]
    assert tokens("\x00\x00") == [] or all(t.text for t in tokens("\x00\x00"))


ORIGINAL = """
def conv_output_size(size, kernel_size, strides=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError("padding must be valid or same")
    remaining = size
    if padding == "valid":
        remaining = remaining - kernel_size
        steps = 0
        while remaining >= 0:
            steps = steps + 1
            remaining = remaining - strides
        return steps
    steps = 0
    while remaining > 0:
        steps += 1
        remaining -= strides
    return steps
"""


def _copy_of(text: str) -> str:
    return (
        text.replace("remaining", "left").replace("steps", "count").replace("padding must", "bad padding:")
        + "\n# my own work\n"
    )


def _class(n: int = 12) -> dict[str, str]:
    """n learners: most hand in the reference (common code), two a rare implementation, one copying it."""
    sources = {f"learner-{i:02d}": solution_source("exercise-05") for i in range(n)}
    sources["learner-03"] = (
        solution_source("exercise-05").replace("""def conv_output_size(""", "def _unused_conv_output_size(") + ORIGINAL
    )
    sources["learner-08"] = solution_source("exercise-05").replace(
        """def conv_output_size(""", "def _unused_conv_output_size("
    ) + _copy_of(ORIGINAL)
    return sources


def test_a_near_copy_is_found_and_the_common_answer_is_not():
    pairs = similar_pairs(_class(), stub_source("exercise-05"))
    assert [(p.a, p.b) for p in pairs] == [("learner-03", "learner-08")]
    assert pairs[0].score >= 0.8 and pairs[0].blocks


def test_the_stub_alone_never_makes_learners_similar():
    stub = stub_source("exercise-05")
    sources = {"a": stub + "\nx = 1\n", "b": stub + "\ny = 2\n", "c": stub}
    assert similar_pairs(sources, stub) == []
    assert similar_pairs({"a": stub, "b": stub}, "") != []  # the control: without stripping, the stub matches


def test_the_report_record_holds_the_matching_lines_side_by_side():
    record = class_similarity({"exercise-05": _class()}, {"exercise-05": stub_source("exercise-05")})
    (pair,) = record["exercises"]["exercise-05"]
    passage = pair["passages"][0]
    assert any("while left" in line for p in pair["passages"] for line in p["b"])
    assert any("while remaining" in line for p in pair["passages"] for line in p["a"])
    assert passage["a_lines"][0] <= passage["a_lines"][1]


def test_the_same_shape_gives_the_same_kgram_hash():
    assert (
        kgram_hashes(tokens("a = b + c * d - e / f ** g"), K)[0]
        == kgram_hashes(tokens("x = y + z * w - v / u ** t"), K)[0]
    )


def test_matching_lines_on_the_page_are_text_never_markup():
    import jinja2

    from grader.messages import catalogue_for
    from grader.outputs.sanitize import HTML, sanitized
    from grader.outputs.similarity import render_html_section

    evil = "x = '</pre><script>alert(1)</script>'  \u202e"
    record = {
        "method": "m",
        "exercises": {
            "exercise-05": [
                {
                    "a": "<b>a</b>",
                    "b": "b",
                    "score": 1.0,
                    "passages": [{"a_lines": [1, 1], "b_lines": [1, 1], "a": [evil], "b": [evil]}],
                }
            ]
        },
    }
    html = str(render_html_section(sanitized(record, HTML), catalogue_for(None, "en"), jinja2))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>a</b>" not in html
    assert "\u202e" not in html and "never proof" in html


def test_a_notebooks_code_cells_are_compared_like_a_py_file(tmp_path):
    import json

    from grader.batch.layout import LearnerFolder
    from grader.batch.similarity import learner_sources
    from grader.registry import find_exercise

    exercise = find_exercise("exercise-05")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / exercise.file_name).write_text(ORIGINAL, encoding="utf-8")
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "notes"}]
    cells.append(
        {"cell_type": "code", "metadata": {}, "source": _copy_of(ORIGINAL), "outputs": [], "execution_count": 1}
    )
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "b" / f"{exercise.module_name}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    learners = [LearnerFolder(name, tmp_path / name, tmp_path) for name in ("a", "b")]
    files = learner_sources(learners, [exercise])
    assert "while left" in files["exercise-05"]["b"]
    assert [(p.a, p.b) for p in similar_pairs(files["exercise-05"])] == [("a", "b")]
