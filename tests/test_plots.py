"""Learning curves (``--plot``): the files, what they show, and that they never change a score.

One learner workspace for exercise 10 is graded once with ``GradeOptions.plot_dir`` (the library
entry ``grade EXERCISE --plot`` sets) and once without; the PNG, the SVG, the report and the
reference cache are read from that run. Then the real CLI in a subprocess, and a subprocess
in which ``import matplotlib`` fails (the SVG alone, and a note saying how to get the PNG).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import mutate, solution_source

from grader.engine import GradeOptions, grade_exercise
from grader.messages import catalogue_for
from grader.outputs import learning_curve
from grader.registry import find_exercise
from grader.results import ExerciseResult
from grader.submissions import Submission

EXERCISE = "exercise-10"
# The learner's model name is the one string of theirs the figure shows. Keras refuses "/" in it, and
# TensorFlow refuses to train a model whose name is not a valid root scope ([A-Za-z0-9.][A-Za-z0-9_.\\>-]*):
# ">" is the one markup character a trained model's name can hold. "<script>" is tested on the drawing alone.
NAME = "net->v2"
HOSTILE = "<script>alert(1)"
SVG = "{http://www.w3.org/2000/svg}"
slow = pytest.mark.slow


def learner_source() -> str:
    """The reference with a narrower dense layer (so its curves differ) and a name of its own."""
    return mutate(
        solution_source(EXERCISE),
        ('Dense(128, activation="relu")', 'Dense(16, activation="relu")'),
        ("    ])\n", f"    ], name={NAME!r})\n"),
    )


def make_workspace(root: Path) -> Path:
    folder = root / "exercises"
    folder.mkdir(parents=True)
    (folder / find_exercise(EXERCISE).file_name).write_text(learner_source(), encoding="utf-8")
    return root


def plot_dir(workspace: Path) -> Path:
    return workspace / ".kerasdrill" / "plots"


def squeezed(text: str) -> str:
    """``text`` without whitespace: a path the report wrapped over two lines is still found."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(workspace, report text, result with --plot, result without, seconds with, seconds without)."""
    from grader.workflow import grade_and_report

    workspace = make_workspace(tmp_path_factory.mktemp("plots") / "ws")
    exercise = find_exercise(EXERCISE)
    started = time.perf_counter()
    report = io.StringIO()
    run = grade_and_report(
        [exercise], workspace=workspace, options=GradeOptions(plot_dir=str(plot_dir(workspace))), stream=report
    )
    with_plot = time.perf_counter() - started
    started = time.perf_counter()
    plain = grade_exercise(exercise, Submission(workspace / "exercises" / exercise.file_name))
    without = time.perf_counter() - started
    return workspace, report.getvalue(), run.exercises[0], plain, with_plot, without


def colour_pixels(path: Path, colour: str, tolerance: float = 60.0) -> int:
    """How many pixels of the PNG at ``path`` are within ``tolerance`` (RGB distance) of ``colour``."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return int((np.linalg.norm(pixels - target, axis=-1) < tolerance).sum())


# ----------------------------------------------------------------------------- one graded run


@slow
def test_the_png_has_the_expected_size_and_both_curves(graded):
    from PIL import Image

    workspace, _, result, _, _, _ = graded
    png = plot_dir(workspace) / "exercise_10.png"
    assert png.is_file() and str(png) in result.plots, result.notes
    with Image.open(png) as image:
        assert image.size == (learning_curve.WIDTH, learning_curve.HEIGHT) == (800, 450)
    # each series is two polylines (loss, val_loss) of ~300 px at 2.5 px, plus markers: a legend sample alone is ~90
    yours = colour_pixels(png, learning_curve.COLORS["yours"])
    reference = colour_pixels(png, learning_curve.COLORS["reference"])
    assert yours > 800 and reference > 500, (yours, reference)
    series = result.learning_curves["series"]
    assert set(series) == {"yours", "reference"}
    for name in series:
        assert len(series[name]["loss"]) == len(series[name]["val_loss"]) == 6  # the check's EPOCHS
        assert all(isinstance(v, float) and v > 0 for v in series[name]["loss"] + series[name]["val_loss"])
    assert series["yours"] != series["reference"]  # 16 dense units are not 128


@slow
def test_the_svg_parses_and_draws_four_polylines(graded):
    workspace, _, result, _, _, _ = graded
    svg = plot_dir(workspace) / "exercise_10.svg"
    assert str(svg) in result.plots
    root = ET.parse(svg).getroot()
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 800 450"
    lines = {(p.get("data-series"), p.get("data-kind")) for p in root.iter(f"{SVG}polyline")}
    assert lines == {(s, k) for s in ("yours", "reference") for k in ("loss", "val_loss")}
    for polyline in root.iter(f"{SVG}polyline"):
        assert len(polyline.get("points").split()) == 6


@slow
def test_the_learners_model_name_is_escaped_text_in_the_svg(graded):
    workspace, _, result, _, _, _ = graded
    assert result.learning_curves["model"] == NAME
    text = (plot_dir(workspace) / "exercise_10.svg").read_text(encoding="utf-8")
    assert NAME not in text and "net-&gt;v2" in text
    root = ET.fromstring(text)
    assert any(NAME in "".join(node.itertext()) for node in root.iter(f"{SVG}text"))  # shown, as text


@slow
def test_the_report_names_the_file_and_plotting_never_changes_the_verdict(graded):
    workspace, report, result, plain, with_plot, without = graded
    png, svg = plot_dir(workspace) / "exercise_10.png", plot_dir(workspace) / "exercise_10.svg"
    assert squeezed(str(png)) in squeezed(report) and squeezed(str(svg)) in squeezed(report), report
    assert [note["$message"] for note in result.notes] == ["plots.written"]
    assert result.score == plain.score and 0 < result.score < result.max_score  # the layer checks fail, it learns
    assert [(c.name, c.status, c.points, c.message) for c in result.checks] == [
        (c.name, c.status, c.points, c.message) for c in plain.checks
    ]
    assert not plain.plots and not plain.learning_curves and not plain.notes
    print(f"\nexercise 10 graded with --plot (reference computed): {with_plot:.1f} s; without: {without:.1f} s")


@slow
def test_the_reference_curves_are_cached_and_the_result_round_trips(graded):
    workspace, _, result, _, _, _ = graded
    cached = list((plot_dir(workspace) / ".reference").glob("exercise_10-*.json"))
    assert len(cached) == 1
    entry = json.loads(cached[0].read_text(encoding="utf-8"))
    assert entry["trains"] is True and entry["first"] in entry["curves"]
    assert entry["curves"][entry["first"]]["loss"] == result.learning_curves["series"]["reference"]["loss"]
    stored = json.loads(json.dumps(result.to_dict()))
    assert ExerciseResult.from_dict(stored).to_dict() == result.to_dict()
    assert stored["plots"] == result.plots and stored["learning_curves"] == result.learning_curves


# ----------------------------------------------------------------------------- subprocesses


@slow
def test_the_cli_writes_the_plot_and_names_it(graded, tmp_path):
    source_workspace = graded[0]
    workspace = make_workspace(tmp_path / "ws")
    reference = plot_dir(workspace) / ".reference"
    reference.mkdir(parents=True)
    for cached in (plot_dir(source_workspace) / ".reference").glob("*.json"):  # the reference is paid for once
        (reference / cached.name).write_bytes(cached.read_bytes())
    command = [sys.executable, "-m", "grader.cli", EXERCISE, "--plot", "--workspace", str(workspace)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=workspace)
    if "No such option" in completed.stderr and "--plot" in completed.stderr:
        pytest.skip("grade EXERCISE --plot is not wired into grader/cli.py yet (GradeOptions.plot_dir is)")
    png = plot_dir(workspace) / "exercise_10.png"
    assert squeezed(str(png)) in squeezed(completed.stdout), completed.stdout + completed.stderr[-2000:]
    assert png.is_file() and (plot_dir(workspace) / "exercise_10.svg").is_file()
    assert colour_pixels(png, learning_curve.COLORS["yours"]) > 800


@slow
def test_without_matplotlib_the_svg_is_written_with_a_note(graded, tmp_path):
    source_workspace = graded[0]
    workspace = make_workspace(tmp_path / "ws")
    folder = plot_dir(workspace)
    (folder / ".reference").mkdir(parents=True)
    for cached in (plot_dir(source_workspace) / ".reference").glob("*.json"):
        (folder / ".reference" / cached.name).write_bytes(cached.read_bytes())
    (folder / "exercise_10.png").write_bytes(b"an old plot")  # from a run when matplotlib was still there
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.modules["matplotlib"] = None  # as if it were not installed: `import matplotlib` raises ImportError
        # (in this process only: the checks run here, not in a child of the fork server, which has it)
        from grader.engine import GradeOptions
        from grader.registry import find_exercise
        from grader.workflow import grade_and_report

        run = grade_and_report([find_exercise({EXERCISE!r})], workspace={str(workspace)!r},
                               options=GradeOptions(plot_dir={str(folder)!r}, fork_checks=False))
        print("RESULT", json.dumps(run.exercises[0].to_dict()))
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.split("RESULT ", 1)[1])
    svg = folder / "exercise_10.svg"
    assert [note["$message"] for note in result["notes"]] == ["plots.no_matplotlib"]
    assert result["plots"] == [str(svg)] and svg.is_file() and not (folder / "exercise_10.png").exists()
    assert squeezed('pip install "kerasdrill[plots]"') in squeezed(completed.stdout)  # how to get the PNG
    assert squeezed(str(svg)) in squeezed(completed.stdout)
    ET.parse(svg)


@slow
def test_exercise_12_plots_its_recipe_and_exercise_11_says_it_trains_nothing(tmp_path):
    """12's checks train nothing: plot.py trains the learner's MLP, re-initialised from the seed in the
    grading process, so the reference graded as a learner draws exactly the reference's curves."""
    from grader.submissions import locate

    options = GradeOptions(plot_dir=str(tmp_path))
    twelve = find_exercise("exercise-12")
    result = grade_exercise(twelve, locate(twelve, solutions=True), options)
    assert result.passed and [note["$message"] for note in result.notes] == ["plots.written"], result.notes
    series = result.learning_curves["series"]
    assert series["yours"] == series["reference"] and len(series["yours"]["val_loss"]) == 20
    assert (tmp_path / "exercise_12.png").is_file()
    eleven = find_exercise("exercise-11")
    result = grade_exercise(eleven, locate(eleven, solutions=True), options)
    assert result.passed and not result.plots
    assert result.notes == [{"$message": "plots.no_training", "params": {"exercise": "exercise-11"}}]
    cached = json.loads(next((tmp_path / ".reference").glob("exercise_11-*.json")).read_text(encoding="utf-8"))
    assert cached["trains"] is False  # the next run knows without grading the reference again


@slow
def test_exercise_16_draws_the_learners_own_early_stopping_history_beside_the_references(tmp_path):
    """16's checks run the learner's fit_with_early_stopping in the worker: its history is the curve (never
    fitted again), beside the reference solution's run of the same check. It used to say it trained nothing."""
    sixteen = find_exercise("exercise-16")
    options = GradeOptions(plot_dir=str(tmp_path))
    source = tmp_path / "learner" / sixteen.file_name
    source.parent.mkdir()
    source.write_text(solution_source(sixteen), encoding="utf-8")
    result = grade_exercise(sixteen, Submission(source), options)
    assert result.passed and [note["$message"] for note in result.notes] == ["plots.written"], result.notes
    series = result.learning_curves["series"]
    assert series["yours"] == series["reference"] and 1 < len(series["yours"]["val_loss"]) < 40
    assert result.learning_curves["data"] == "noisy_regression" and (tmp_path / "exercise_16.png").is_file()

    never_stops = mutate(solution_source(sixteen), ("        callbacks=[early_stopping],\n", ""))
    source.write_text(never_stops, encoding="utf-8")
    result = grade_exercise(sixteen, Submission(source), options)
    assert not result.passed and [note["$message"] for note in result.notes] == ["plots.written"], result.notes
    series = result.learning_curves["series"]
    assert len(series["yours"]["loss"]) == len(series["yours"]["val_loss"]) == 40  # what the learner's fit ran
    assert len(series["reference"]["val_loss"]) < 40


def test_a_plain_data_exercise_says_it_trains_nothing_and_imports_no_tensorflow(tmp_path):
    code = textwrap.dedent(
        f"""
        import sys
        from grader import find_exercise, locate_submission
        from grader.engine import GradeOptions, grade_exercise
        e = find_exercise("exercise-04")
        r = grade_exercise(e, locate_submission(e, solutions=True), GradeOptions(plot_dir={str(tmp_path)!r}))
        assert r.passed and not r.plots, r.to_dict()
        assert [n["$message"] for n in r.notes] == ["plots.no_training"], r.notes
        heavy = [m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "sklearn", "matplotlib")]
        assert not heavy, heavy
        """
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- the drawing alone


def test_render_svg_escapes_every_label_and_skips_missing_values():
    hostile = '<script>alert("x")</script>&\x00]]>'
    labels = {name: hostile for name in learning_curve.LABEL_IDS}
    curves = {"yours": {"loss": [1.0, None, 0.5, float("nan"), 0.25], "val_loss": [1.2, 0.9, 0.8, 0.85, 0.9]}}
    text = learning_curve.render_svg(curves, labels)
    assert "<script" not in text and "]]>" not in text and "\x00" not in text
    root = ET.fromstring(text)  # well-formed despite the control character
    assert not list(root.iter(f"{SVG}script"))
    segments = [p for p in root.iter(f"{SVG}polyline") if p.get("data-kind") == "loss"]
    assert [len(p.get("points").split()) for p in segments] == []  # no two finite losses are neighbours
    assert len([p for p in root.iter(f"{SVG}polyline") if p.get("data-kind") == "val_loss"]) == 1
    assert len(list(root.iter(f"{SVG}circle"))) == 3 + 5  # a marker for every finite value


def test_a_model_named_like_markup_is_text_in_the_svg_never_markup():
    catalogue = catalogue_for(find_exercise(EXERCISE))
    labels = learning_curve.labels_for(catalogue, exercise=EXERCISE, title="A ConvNet", model=HOSTILE + "</text>")
    text = learning_curve.render_svg({"yours": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}}, labels)
    assert "<script" not in text and "&lt;script&gt;alert(1)&lt;/text&gt;" in text
    root = ET.fromstring(text)
    assert not list(root.iter(f"{SVG}script"))
    assert any(HOSTILE in "".join(node.itertext()) for node in root.iter(f"{SVG}text"))


@settings(max_examples=60, deadline=None)
@given(title=st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1, max_size=200))
def test_a_title_too_wide_for_the_figure_is_shortened_in_every_language(title):
    from grader.outputs.columns import display_width

    for language in ("en", "ko"):
        labels = learning_curve.labels_for(
            catalogue_for(find_exercise("exercise-16"), language), exercise="exercise-16", title=title
        )
        assert display_width(labels["title"]) <= learning_curve.TITLE_COLUMNS
        assert display_width(labels["subtitle"]) <= learning_curve.SUBTITLE_COLUMNS
        assert labels["title"].startswith("exercise-16")


def test_labels_come_from_the_catalogue_and_hide_keras_default_names():
    catalogue = catalogue_for(find_exercise(EXERCISE))
    labels = learning_curve.labels_for(
        catalogue, exercise=EXERCISE, title="A ConvNet", data="digits", model="sequential_3"
    )
    assert labels["yours"] == catalogue.render("plots.yours") and "exercise-10" in labels["title"]
    named = learning_curve.labels_for(catalogue, exercise=EXERCISE, title="A ConvNet", model="my_cnn")
    assert "my_cnn" in named["yours"]


def test_korean_labels_in_the_svg_and_a_png_of_the_same_size_with_or_without_a_korean_font(tmp_path):
    from PIL import Image

    exercise = find_exercise(EXERCISE)
    korean = learning_curve.labels_for(catalogue_for(exercise, "ko"), exercise=EXERCISE, title="합성곱 신경망")
    english = learning_curve.labels_for(catalogue_for(exercise, "en"), exercise=EXERCISE, title="A ConvNet")
    assert korean["epoch"] != english["epoch"] and any(ord(ch) >= 0x1100 for ch in korean["epoch"])
    curves = {"yours": {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7]}}
    assert korean["epoch"] in learning_curve.render_svg(curves, korean)  # the browser's fonts draw it
    learning_curve.write_png(curves, tmp_path / "ko.png", korean, fallback_labels=english)
    with Image.open(tmp_path / "ko.png") as image:  # a CJK font if matplotlib finds one, else English labels
        assert image.size == (800, 450)


def test_a_tampered_reference_cache_is_not_drawn():
    """The cache lives in the learner's workspace: a curve is used only if it is numbers as the grader wrote them."""
    from grader.engine import _is_curve

    good = {"trains": True, "data": "digits", "loss": [1.0, 0.5], "val_loss": [1.2, None]}
    assert _is_curve(good)
    for bad in (
        {**good, "loss": ["<script>", 0.5]},
        {**good, "loss": [True, 0.5]},
        {**good, "val_loss": [1.0]},
        {**good, "data": 3},
        {**good, "trains": "yes"},
        [1, 2],
    ):
        assert not _is_curve(bad), bad
