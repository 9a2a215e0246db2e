"""한국어: every catalogue has a Korean twin with the same ids and placeholders."""

from __future__ import annotations

import importlib
import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from support import grade_source, grade_wrong_answer, mutate, stub_source

from grader.checking.localize import localized
from grader.content import solutions_dir
from grader.messages import _ENGINE_DIR, _flatten, detect_language, is_message_ref
from grader.outputs.columns import display_width
from grader.registry import all_exercises, find_exercise

CATALOGUES = [_ENGINE_DIR] + [exercise.directory / "messages" for exercise in all_exercises()]


def placeholders(text: str) -> set[str]:
    """The ``{name:spec}`` fields of a template (literal ``{{`` ``}}`` excluded)."""
    return {f"{name}:{spec}" for _, name, spec, _ in string.Formatter().parse(text) if name is not None}


def entries(path: Path) -> dict[str, object]:
    return _flatten(json.loads(path.read_text(encoding="utf-8")))


def catalogue_pair(folder: Path) -> tuple[dict, dict]:
    return entries(folder / "en.json"), entries(folder / "ko.json")


@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda folder: folder.parent.name)
def test_korean_catalogue_has_every_id_with_the_same_placeholders(folder):
    assert (folder / "ko.json").is_file(), f"{folder}/ko.json is missing"
    english, korean = catalogue_pair(folder)
    assert sorted(set(english) - set(korean)) == [], "ids missing in ko.json"
    assert sorted(set(korean) - set(english)) == [], "ids in ko.json that en.json lacks"
    for key, text in english.items():
        other = korean[key]
        if isinstance(text, list):
            assert isinstance(other, list) and len(other) == len(text), f"{key}: {len(text)} hint levels in English"
            pairs = list(zip(text, other))
        else:
            pairs = [(text, other)]
        for en, ko in pairs:
            assert isinstance(ko, str) and ko.strip(), f"{key}: empty"
            assert placeholders(ko) == placeholders(en), f"{key}: placeholders differ"


# ----------------------------------------------------------------------------- no English left in Korean results


MODEL_EXERCISES = {  # graded with Keras: model exercises, and plain-data ones with one model check (14's evaluate)
    e.id for e in all_exercises() if e.needs_tf or "grader.checking.models" in e.checks_path.read_text(encoding="utf-8")
}
CODE_SPAN = re.compile(r"`[^`]*`")
# three or more English words in a row, outside code: a sentence the catalogue should have said in Korean
ENGLISH_RUN = re.compile(r"(?<![\w.'\"=(])[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}(?![\w.(='\"])")


def code_values(params: dict) -> list[str]:
    """The parameters' own values (learner values, calls, shapes): data, not the catalogue's words."""
    found = []
    for value in params.values():
        if is_message_ref(value):
            found += code_values(value.get("params", {}))
        elif isinstance(value, list):
            found += [str(item) for item in value if not is_message_ref(item)]
            found += [v for item in value if is_message_ref(item) for v in code_values(item.get("params", {}))]
        elif value is not None:
            found.append(str(value))
    return sorted(found, key=len, reverse=True)


PYTHON_CODE = re.compile(
    r"^(?:for|if|while|return|raise|lambda|import|from|def|with|is|else|not|in)\b|\bis None\b"
)  # a hint's own code
HANGUL = re.compile("[\uac00-\ud7a3]")
QUOTED = re.compile(r"f?'[^'\n]*'|\"[^\"\n]*\"")
FORMULA = re.compile(r"\w\s*(?:=|@|\*|\+|//|->)\s*[\w(\[{-]")  # z = x @ w + b: a formula, not prose
PLAIN_WORD = re.compile(r"(?<![\w.'\"=(\[{])[A-Za-z]{2,}(?![\w.(\['\"=])")


def english_left(text: str, params: dict) -> list[str]:
    """English the catalogue should have said in Korean: a run of three English words inside Korean
    text, or a text with no Hangul at all that still has words (not only code, numbers and names)."""
    for value in code_values(params):
        if value:
            text = text.replace(value, " ")
    text = QUOTED.sub(" ", CODE_SPAN.sub(" ", text))  # `code` and 'strings' in code are code
    if not HANGUL.search(text):
        words = PLAIN_WORD.findall(text)
        if PYTHON_CODE.search(text.strip()) or FORMULA.search(text) or len(words) < 2:
            return []
        return [" ".join(words)]
    return [run for run in ENGLISH_RUN.findall(text) if not PYTHON_CODE.search(run)]


def wrong_answers_of(exercise) -> dict:
    module = importlib.import_module(f"test_exercise_{exercise.number:02d}")
    return module.WRONG_ANSWERS


def results_of(exercise, tmp_path):
    yield "the stub", grade_source(exercise.id, stub_source(exercise), tmp_path)
    for name in wrong_answers_of(exercise):
        yield name, grade_wrong_answer(exercise.id, wrong_answers_of(exercise), name)


def _beside_its_self_test(exercise) -> list:
    """Marks for ``exercise``'s case: slow for a model exercise, and the xdist group of its self-test file (on the
    worker that ran that file, its wrong answers' grades are cached; on another, each model would train again)."""
    return [pytest.mark.xdist_group(f"test_exercise_{exercise.number:02d}")] + (
        [pytest.mark.slow] if exercise.id in MODEL_EXERCISES else []
    )


@pytest.mark.parametrize(
    "exercise", [pytest.param(e, marks=_beside_its_self_test(e)) for e in all_exercises()], ids=lambda e: e.id
)
def test_every_wrong_answer_reads_wholly_in_korean(exercise, tmp_path):
    problems = []
    for name, result in results_of(exercise, tmp_path):
        korean = localized(result, "ko")
        for check in korean.checks:
            texts = [check.title, *check.hints] + ([check.message] if not check.passed else [])
            for text in texts:
                for run in english_left(text, check.params):
                    problems.append(f"{name} / {check.name}: {run!r} in {text[:160]!r}")
    assert problems == []


def test_the_english_detector_finds_a_sentence_and_spares_code():
    assert english_left("conv_output_size(28, 3) returned 25; expected 26.", {"call": "conv_output_size(28, 3)"})
    assert not english_left("`model.fit(x, y, epochs=5)` 호출이 실패했습니다: padding='same'", {})
    assert not english_left("{call} 호출이 실패", {}) and not english_left("Dense(64, activation='relu') 층", {})
    assert not english_left("for other in others: (other - lo) 처럼 계산", {})
    assert english_left("결과: the loss keeps falling after epoch 3", {}), "an English phrase inside Korean"
    assert not english_left(
        "for weights, bias, activation in layers: x = dense_forward(x, weights, bias, activation)", {}
    )


# ----------------------------------------------------------------------------- the CLI in Korean


WRONG_05 = ("return (size - kernel_size) // strides + 1", "return (size - kernel_size) // strides")


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LC_ALL": "Korean_Korea.949"}, "ko"),
        ({"LC_MESSAGES": "ko"}, "ko"),
        ({"LANGUAGE": "fr:ko", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LANGUAGE": "fr", "LANG": "ko_KR.UTF-8"}, "ko"),
        ({"KERASDRILL_LANG": "en", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_comes_from_the_environment(environ, expected):
    assert detect_language(environ) == expected


def run_grade(args, cwd, **env):
    environ = {k: v for k, v in os.environ.items() if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, env={**environ, **env}
    )


def table_rows(report: str) -> list[str]:
    return [line for line in report.splitlines() if re.search(r"\s\d+/\d+(\s|$)", line) and "점수" not in line]


@pytest.fixture
def workspace(tmp_path):
    assert run_grade(["init", str(tmp_path)], tmp_path).returncode == 0
    return tmp_path


@pytest.mark.parametrize("how", ["--lang ko", "LANG=ko_KR.UTF-8", "grade --lang ko EX"])
def test_grade_in_korean_prints_a_korean_aligned_table_for_the_stub_and_a_wrong_answer(workspace, how):
    args, env = (["exercise-05"], {"LANG": "ko_KR.UTF-8"}) if how.startswith("LANG") else (["exercise-05"], {})
    if how == "--lang ko":
        args = ["exercise-05", "--lang", "ko"]
    elif how.startswith("grade --lang"):
        args = ["--lang", "ko", "exercise-05"]
    target = workspace / "exercises" / "exercise_05_cnn_shapes.py"
    for source in (None, mutate((solutions_dir() / target.name).read_text(), WRONG_05)):
        if source is not None:
            target.write_text(source, encoding="utf-8")
        report = run_grade(args, workspace, **env).stdout
        assert "점수" in report and "힌트" in report and "CNN 형태 계산" in report
        rows = table_rows(report)
        assert len(rows) == len(find_exercise("05").declared_checks())
        assert len({display_width(row.split("/")[0].rstrip("0123456789")) for row in rows}) == 1, "points line up"
        failing = [line for line in report.splitlines() if line.startswith("      ")]
        assert failing and not [line for line in failing if english_left(line, {})], failing


def test_a_cp949_console_gets_ascii_stand_ins_not_a_crash(workspace):
    result = subprocess.run(
        [sys.executable, "-m", "grader", "exercise-05", "--lang", "ko"],
        cwd=workspace,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "cp949"},
    )
    assert result.returncode == 1, result.stderr.decode("cp949", "replace")
    text = result.stdout.decode("cp949")  # every byte is cp949: Hangul kept, symbols replaced
    assert "점수" in text and "✗" not in text and "·" not in text.splitlines()[3]
    assert run_grade(["list", "--lang", "ko"], workspace, PYTHONIOENCODING="ascii").returncode == 0


def test_a_result_graded_in_english_re_renders_in_korean_and_back(workspace):
    result = grade_source(
        "exercise-05", mutate((solutions_dir() / "exercise_05_cnn_shapes.py").read_text(), WRONG_05), workspace
    )
    korean = localized(result, "ko")
    assert korean.title == "CNN 형태 계산" and all(
        HANGUL.search(c.title + c.message) for c in korean.checks if not c.passed
    )
    back = localized(korean, "en")
    assert [(c.title, c.message, c.hints) for c in back.checks] == [
        (c.title, c.message, c.hints) for c in result.checks
    ]


def test_a_korean_notebook_has_korean_markdown_and_grades_in_korean(workspace):
    out = workspace / "nb"
    assert run_grade(["notebook", "05", "--out", str(out), "--lang", "ko"], workspace).returncode == 0
    notebook = json.loads((out / "exercise_05_cnn_shapes.ipynb").read_text(encoding="utf-8"))
    markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    assert "CNN 형태 계산" in markdown and "작성한 코드 확인하기" in markdown
    assert "".join(notebook["cells"][-1]["source"]).endswith("language='ko');")
    assert notebook["metadata"]["kerasdrill"]["language"] == "ko"


@pytest.mark.parametrize("exercise_id", ["exercise-01", "exercise-03", "exercise-05", "exercise-06", "exercise-15"])
def test_the_checks_pseudo_code_for_an_input_they_do_not_show_reads_in_korean(exercise_id, tmp_path):
    """A call is shown with what it was given; an input too large to show is written as pseudo-code
    (`<uint8 images of shape (5, 8, 8)>`, `train of shape (20, 3)`), which reads in the learner's language."""
    seen = 0
    for name, result in results_of(find_exercise(exercise_id), tmp_path):
        korean = {check.name: check for check in localized(result, "ko").checks}
        for check in result.checks:
            call = str(check.params.get("call", ""))
            if " of shape " in call and call in check.message:
                seen += 1
                message = korean[check.name].message
                assert call not in message and "모양 (" in message, (name, message)
    assert seen  # the English report keeps its wording, and these exercises do write such calls
