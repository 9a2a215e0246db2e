"""Notebooks graded by the same function contract as a .py: IPython syntax, top-level work not run,
errors in the learner's cell numbers, every odd notebook file graded or clearly refused."""

from __future__ import annotations

import ast
import json
import os
import textwrap

import nbformat
import pytest
from support import grade_file, solution_source, stub_source

from grader.notebooks import course_cells
from grader.registry import all_exercises, find_exercise
from grader.submissions import Submission, export_source, locate
from grader.submissions.ipython_syntax import fallback_transform, transform_cell


def write_notebook(path, cells: list[str], *, minor: int = 5, markdown: bool = True) -> os.PathLike:
    notebook = nbformat.v4.new_notebook()
    notebook.nbformat_minor = minor
    notebook.cells = [nbformat.v4.new_markdown_cell("# The lesson")] if markdown else []
    notebook.cells += [nbformat.v4.new_code_cell(cell) for cell in cells]
    if minor < 5:
        for cell in notebook.cells:
            cell.pop("id", None)
    nbformat.write(notebook, str(path))
    return path


def _summary(result) -> list[tuple[str, str, int]]:
    return [(c.name, c.status, c.points) for c in result.checks]


MODEL = [e.id for e in all_exercises() if e.needs_tf]
# plain-data exercises; one with a model check of its own (14's evaluate_model) imports Keras to grade: slow
PLAIN = [
    pytest.param(e.id, marks=pytest.mark.slow) if "grader.checking.models" in e.checks_path.read_text("utf-8") else e.id
    for e in all_exercises()
    if not e.needs_tf
]


@pytest.mark.parametrize(
    "exercise", PLAIN + [pytest.param(e, marks=pytest.mark.slow) for e in MODEL]
)  # fmt: skip
def test_every_solution_as_a_notebook_gets_full_marks(exercise, tmp_path):
    found = find_exercise(exercise)
    path = write_notebook(tmp_path / f"{found.module_name}.ipynb", course_cells(solution_source(found)))
    result = grade_file(found, path)
    assert result.score == result.max_score, _summary(result)


@pytest.mark.parametrize("exercise", PLAIN)
def test_every_stub_as_a_notebook_scores_zero_not_attempted(exercise, tmp_path):
    found = find_exercise(exercise)
    path = write_notebook(tmp_path / f"{found.module_name}.ipynb", course_cells(stub_source(found)))
    result = grade_file(found, path)
    assert result.score == 0 and all(not c.attempted for c in result.checks), _summary(result)


MESSY_TOP = """!pip install -q kerasdrill \\
    tensorflow
%matplotlib inline
%load_ext autoreload
import numpy as np
import keras
import warnings
warnings.filterwarnings("ignore")
"""
MESSY_AFTER = [
    "files = !ls\n%time N_CLASSES = 10\nkeras.Model.fit?\n",
    "%%bash\necho installing\n",
    "%%writefile helper.py\nprint('helper')\n",
    '''NOTES = """
%not a magic
!not a shell line
"""''',
    # the lesson's top-level work: 60,000 images, 20 epochs (never run while grading)
    "x_train = np.random.rand(60000, 28, 28, 1).astype('float32')\n"
    "y_train = np.random.randint(0, 10, 60000)\n"
    "model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])\n"
    "model.compile('adam', 'sparse_categorical_crossentropy')\n"
    "for epoch in range(20):\n    model.fit(x_train, y_train, epochs=1, verbose=0)\n",
    "history = model.fit(x_train, y_train, epochs=20)\nplt.plot(history.history['loss'])\nmodel.summary()\n",
    "import sys\nprint('a warning', file=sys.stderr)\n",
]


def _messy(exercise: str, tmp_path, *, minor: int = 5) -> os.PathLike:
    cells = course_cells(solution_source(exercise))
    first, *functions = cells
    copied = functions[0]  # a copied cell (same source, in Colab the same id), run twice: harmless
    ordered = [MESSY_TOP + first, *reversed(functions), copied, *MESSY_AFTER]
    path = write_notebook(tmp_path / f"{find_exercise(exercise).module_name}.ipynb", ordered, minor=minor)
    data = json.loads(path.read_text(encoding="utf-8"))
    code = [cell for cell in data["cells"] if cell["cell_type"] == "code"]
    if "id" in code[0]:
        code[-1]["id"] = code[0]["id"]  # a duplicated id, which nbformat would silently rename
    for cell in code:
        cell.pop("outputs", None)  # and no outputs field at all
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
@pytest.mark.parametrize("minor", [5, 0])  # 0: Colab's nbformat 4.0
def test_a_messy_notebook_grades_the_same_as_the_py(tmp_path, minor):
    exercise = find_exercise("exercise-05")
    py = tmp_path / "py" / exercise.file_name
    py.parent.mkdir()
    py.write_text(solution_source(exercise), encoding="utf-8")
    notebook = grade_file(exercise, _messy("exercise-05", tmp_path, minor=minor))
    assert _summary(notebook) == _summary(grade_file(exercise, py))
    notes = " ".join(str(note) for note in notebook.notes)
    assert "pip install" in notes and "%%bash" in notes and "%%writefile" in notes
    assert "model.fit" in notes or "for epoch" in notes


@pytest.mark.slow
def test_a_messy_model_notebook_never_trains_at_the_top_and_grades_the_same(tmp_path):
    exercise = find_exercise("exercise-10")
    py = tmp_path / "py" / exercise.file_name
    py.parent.mkdir()
    py.write_text(solution_source(exercise), encoding="utf-8")
    assert _summary(grade_file(exercise, _messy("exercise-10", tmp_path))) == _summary(grade_file(exercise, py))


def test_a_syntax_error_names_the_cell_and_the_other_cells_are_graded(tmp_path):
    cells = course_cells(solution_source("exercise-05")) + ["x = 1\ndef broken(:\n    pass\n"]
    path = write_notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", cells)
    result = grade_file("exercise-05", path)
    assert result.score == result.max_score
    cell = len(cells) + 1  # the markdown cell comes first
    assert any(note["params"].get("cell") == cell and note["params"]["line"] == 2 for note in result.notes)


def test_a_traceback_names_the_learners_cell_and_line(tmp_path):
    source = solution_source("exercise-05").replace("def to_4d(", "def _old_to_4d(", 1)
    late = "import numpy as np\n\n\ndef to_4d(images):\n    images = np.asarray(images)\n    raise ValueError('oops')\n"
    path = write_notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", [source, late])
    check = next(c for c in grade_file("exercise-05", path).checks if c.name.startswith("to_4d"))
    assert "In cell 3, line 6, in to_4d" in check.message + check.details, check.message


def test_top_level_code_runs_with_run_all(tmp_path):
    from grader.engine import GradeOptions

    cells = course_cells(solution_source("exercise-05")) + ["%time N = 3\n!echo hi\nprint('top level ran', N)\n"]
    path = write_notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", cells)
    assert "top level ran" not in grade_file("exercise-05", path).output
    ran = grade_file("exercise-05", path, options=GradeOptions(run_all=True))
    assert "top level ran 3" in ran.output and ran.score == ran.max_score


@pytest.mark.parametrize(
    "content, graded",
    [
        ("{not json", "JSON is broken at line 1"),
        ('{"hello": "world"}', "no cells"),
        ("[1, 2]", "not a notebook"),
        ('{"nbformat": 2, "worksheets": []}', "old nbformat 2"),
        (b"\xff\xfe\x00junk", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_a_clear_message_not_a_grader_fault(tmp_path, content, graded):
    path = tmp_path / "exercise_05_cnn_shapes.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = grade_file("exercise-05", path)
    assert not result.internal_error and result.score == 0
    assert graded in result.checks[0].message, result.checks[0].message


def test_an_nbformat_3_notebook_is_graded(tmp_path):
    cells = [{"cell_type": "code", "input": cell, "outputs": [], "language": "python"} for cell in
             course_cells(solution_source("exercise-05"))]  # fmt: skip
    path = tmp_path / "exercise_05_cnn_shapes.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": cells}]}))
    result = grade_file("exercise-05", path)
    assert result.score == result.max_score


def test_the_newer_of_py_and_ipynb_is_graded_and_the_note_says_so(tmp_path):
    exercise = find_exercise("exercise-05")
    py = tmp_path / exercise.file_name
    py.write_text("x = 1\n", encoding="utf-8")
    notebook = write_notebook(tmp_path / f"{exercise.module_name}.ipynb", ["x = 2"])
    os.utime(py, (1_000_000_000, 1_000_000_000))  # the .py is older
    chosen = locate(exercise, path=tmp_path)
    assert chosen.path == notebook.resolve() and chosen.notes[0]["params"]["chosen"] == notebook.name
    assert locate(exercise, path=tmp_path, prefer="py").path == py.resolve()
    os.utime(notebook, (900_000_000, 900_000_000))
    assert locate(exercise, path=tmp_path).path == py.resolve()


@pytest.mark.parametrize(
    "cell",
    [
        "x = !ls\n",
        "!pip install \\\n   numpy\n",
        "%%bash\necho hi\n",
        "%%writefile a.py\nprint(1)\n",
        "model.fit?\n",
        "%time x = 1\n",
        's = """\n%not magic\n!nor this\n"""\n',
        "%matplotlib inline\nimport numpy as np\n",
        "%timeit -n 10 f(3)\n",
        "def f():\n    !echo hi\n    return 1\n",
        "x = %env HOME\n",
        "y = a % b\nz = x != 3\n",
    ],
)
def test_without_ipython_the_fallback_reads_magics_as_ipython_does(cell):
    pytest.importorskip("IPython")  # the reference: IPython's own transformer
    ours, theirs = fallback_transform(cell), transform_cell(cell)
    assert ast.dump(ast.parse(ours)) == ast.dump(ast.parse(theirs)), (ours, theirs)


def test_percent_time_keeps_its_assignment(tmp_path):
    cells = [solution_source("exercise-05"), "%time LIMIT = 7\n"]
    prepared = Submission(write_notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", cells)).prepare(tmp_path / "s")
    namespace: dict = {}
    exec(compile(prepared.path.read_text(encoding="utf-8"), "nb", "exec"), namespace)  # noqa: S102 - our own test
    assert namespace["LIMIT"] == 7


def test_the_last_definition_wins_as_in_a_kernel(tmp_path):
    first = textwrap.dedent("""
        def conv_output_size(n, f, padding="valid", stride=1):
            return -1
    """)
    cells = [first, solution_source("exercise-05")]
    result = grade_file("exercise-05", write_notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", cells))
    assert result.score == result.max_score


def test_export_prints_what_the_grader_imports_cell_by_cell(tmp_path):
    import subprocess
    import sys

    cells = ["# about x\nimport numpy as np\nx = 1; print(x)\n", "model.fit(x)\n"]
    path = write_notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", cells)
    command = [sys.executable, "-m", "grader", "export", "05", "--submission", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "# cell 2\n# about x\nimport numpy as np\nx = 1\n"
    assert "model.fit(x)" in completed.stderr and "print(x)" in completed.stderr


# ----------------------------------------------------------------------------- notebooks made from the stubs


def _signatures(source: str) -> list[str]:
    tree = ast.parse(source)
    return [f"{node.name}({ast.unparse(node.args)})" for node in tree.body if isinstance(node, ast.FunctionDef)]


@pytest.mark.parametrize("exercise", [e.id for e in all_exercises()])
def test_a_generated_notebook_is_valid_deterministic_and_agrees_with_its_stub(exercise):
    from grader.notebooks import build_notebook

    found = find_exercise(exercise)
    notebook = build_notebook(found)
    nbformat.validate(notebook)
    assert nbformat.writes(notebook) == nbformat.writes(build_notebook(found))
    code = "\n\n".join(c.source for c in notebook.cells[:-1] if c.cell_type == "code")  # the last grades
    assert _signatures(code) == _signatures(stub_source(found))
    assert notebook.metadata["kerasdrill"]["exercise"] == found.id
    assert f"grade_this_notebook({found.id!r}" in notebook.cells[-1].source  # the kernel's own Python grades
    assert "!grade" not in notebook.cells[-1].source  # `grade` may not be on the kernel's PATH


@pytest.mark.parametrize("exercise", PLAIN)  # the model exercises' solutions as notebooks are trained above
def test_a_generated_notebook_scores_0_and_filled_in_full_marks(exercise, tmp_path):
    from grader.notebooks import build_notebook

    found = find_exercise(exercise)
    stub = tmp_path / "stub" / f"{found.module_name}.ipynb"
    stub.parent.mkdir()
    stub.write_text(nbformat.writes(build_notebook(found)), encoding="utf-8")
    unattempted = grade_file(found, stub)
    assert unattempted.score == 0 and all(not c.attempted for c in unattempted.checks), _summary(unattempted)
    assert unattempted.notes == []  # nothing to tell about a fresh notebook
    solved = tmp_path / f"{found.module_name}.ipynb"
    solved.write_text(nbformat.writes(build_notebook(found, solution_source(found))), encoding="utf-8")
    assert grade_file(found, solved).score == found.max_score


def test_a_notebook_made_from_an_older_stub_is_named_stale(tmp_path):
    from grader.notebooks import build_notebook

    exercise = find_exercise("exercise-05")
    notebook = build_notebook(exercise, solution_source(exercise))
    notebook.metadata["kerasdrill"]["version"] = "000000000000"
    path = tmp_path / "exercise_05_cnn_shapes.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    result = grade_file(exercise, path)
    assert result.score == result.max_score and result.notes[0]["$message"] == "notebook.stale"


def test_grade_init_notebooks_writes_every_exercise_as_a_notebook(tmp_path):
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "grader", "init", str(tmp_path / "course"), "--notebooks"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    written = sorted(p.name for p in (tmp_path / "course" / "exercises").iterdir())
    assert written == sorted(f"{e.module_name}.ipynb" for e in all_exercises())


def test_grade_batch_reads_notebooks_in_a_class_folder(tmp_path):
    import csv
    import subprocess
    import sys

    exercise = find_exercise("exercise-04")
    for learner, source in (("ann", solution_source(exercise)), ("ben", stub_source(exercise))):
        (tmp_path / "class" / learner).mkdir(parents=True)
        write_notebook(tmp_path / "class" / learner / f"{exercise.module_name}.ipynb", course_cells(source))
    out = tmp_path / "grades"
    command = [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out", str(out), "--workers", "1"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8-sig")))
    column = f"exercise-04 ({exercise.max_score} pts)"
    assert [(row["learner"], row[column]) for row in rows] == [
        ("ann", str(exercise.max_score)),
        ("ben", "0"),
    ]


def test_an_import_this_python_lacks_is_noted_not_fatal(tmp_path):
    cells = ["import numpy as np\nimport kerasdrill_no_such_plotting_library as plt\n", solution_source("exercise-05")]
    result = grade_file("exercise-05", write_notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", cells))
    assert result.score == result.max_score
    assert any(note["params"].get("modules") == "kerasdrill_no_such_plotting_library" for note in result.notes)


def test_reading_ipython_syntax_does_not_import_the_ipython_shell():
    """IPython's package import costs ~0.55 s; its input transformer alone is all a notebook needs."""
    import subprocess
    import sys

    pytest.importorskip("IPython")
    code = (
        "import sys; from grader.submissions.ipython_syntax import transform_cell; "
        "assert transform_cell('x = !ls\\n') == \"x = get_ipython().getoutput('ls')\\n\"; "
        "print('IPython' in sys.modules)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.stdout.strip() == "False", completed.stderr


# ----------------------------------------------------------------------------- a kernel's rules (issue #26)


def _notebook_file(tmp_path, exercise: str, cells: list[str]):
    return write_notebook(tmp_path / f"{find_exercise(exercise).module_name}.ipynb", cells)


def _note_ids(result) -> list[str]:
    return [note["$message"] for note in result.notes]


def _rendered_notes(result, language: str = "en") -> list[str]:
    from grader.messages import catalogue_for

    catalogue = catalogue_for(None, language)
    return [catalogue.render(note["$message"], **note["params"]) for note in result.notes]


def test_data_loading_and_downloads_at_the_top_level_are_not_run(tmp_path):
    # Hands-On ML ch.10: load_iris(as_frame=True) needs pandas, fetch_california_housing downloads
    lesson = (
        "from sklearn.datasets import load_iris, fetch_california_housing, fetch_openml\n"
        "iris = load_iris(as_frame=True)\nhousing = fetch_california_housing()\n"
        "mnist = fetch_openml('mnist_784', as_frame=False)\nX, y = mnist.data, mnist.target\n"
    )
    result = grade_file(
        "exercise-05", _notebook_file(tmp_path, "exercise-05", [lesson, solution_source("exercise-05")])
    )
    assert result.score == result.max_score, _summary(result)
    data_note = next(text for text in _rendered_notes(result) if "loading or downloading" in text)
    assert "load_iris(as_frame=True)" in data_note and "fetch_california_housing()" in data_note


def test_a_module_that_is_not_installed_is_noted_once_and_never_pasted_back(tmp_path):
    cells = [
        "import numpy as np\nimport kerasdrill_missing_plots as kmp\nfrom kerasdrill_missing_plots import style\n"
        "LIMIT = 3\n",
        solution_source("exercise-05"),
        "import kerasdrill_missing_plots\nWIDTH = 4\n",
    ]
    path = _notebook_file(tmp_path, "exercise-05", cells)
    exported, notes = export_source(path)
    assert "kerasdrill_missing_plots" not in exported and "LIMIT = 3" in exported and "WIDTH = 4" in exported
    assert [n["params"]["modules"] for n in notes if n["$message"] == "notebook.not_installed"] == [
        "kerasdrill_missing_plots"
    ]
    result = grade_file("exercise-05", path)
    assert result.score == result.max_score, _summary(result)


def _indented(source: str) -> str:
    return textwrap.indent(source, "    ")


def test_definitions_under_main_run_as_in_a_kernel_and_its_lesson_calls_do_not(tmp_path):
    body = (
        solution_source("exercise-05") + "\nfor size in (28, 14):\n    print('kernel ran', size)\nprint('main ran')\n"
    )
    cell = 'if __name__ == "__main__":\n' + _indented(body)
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", [cell]))
    assert result.score == result.max_score, _summary(result)
    assert "main ran" not in result.output and "kernel ran" not in result.output
    assert {"notebook.skipped_output", "notebook.skipped_loop"} <= set(_note_ids(result))
    from grader.engine import GradeOptions

    ran = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", [cell]), options=GradeOptions(run_all=True))
    assert "main ran" in ran.output and ran.score == ran.max_score  # --run-all: the whole block, as a kernel


def test_a_try_import_fallback_keeps_its_definitions_even_when_their_bodies_print(tmp_path):
    solution = solution_source("exercise-05").replace(
        "def to_4d(images):\n",
        "def to_4d(images):\n    print('adding a channel axis')\n    for _ in range(1):\n        pass\n",
    )
    cell = (
        "try:\n    import kerasdrill_fast_backend as backend\n    FAST = True\n"
        "except ImportError:\n    FAST = False\n" + _indented(solution)
    )
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", [cell]))
    assert result.score == result.max_score, _summary(result)
    assert not [text for text in _rendered_notes(result) if "kerasdrill_fast_backend" in text or "training" in text]


def test_a_failing_line_stops_its_own_cell_only_and_is_named_without_verbose(tmp_path):
    from grader.outputs.text import render_text

    source = solution_source("exercise-05")
    head, marker, rest = source.partition("def to_4d(")
    cells = [head, "SHAPE = (28, 28)\nSIDE = SHAPE[2]\n" + marker + rest]
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", cells))
    lost = {c.name for c in result.checks if not c.passed}
    assert lost == {c.name for c in result.checks if c.name.startswith(("to_4d", "output_shapes"))}, _summary(result)
    report = render_text(result)
    assert "cell 3, line 2: IndexError: tuple index out of range" in " ".join(report.split())
    to_4d = next(c for c in result.checks if c.name == "to_4d_adds_channel_axis")
    assert to_4d.message_id == "notebook.missing_cell_stopped" and "Check the spelling" not in to_4d.message
    assert "Hint (" not in report  # every failure is about the file: no check's hint is about it


def test_the_hint_is_that_of_a_check_that_failed_on_its_answer(tmp_path):
    from grader.outputs.text import render_text

    source = solution_source("exercise-05").replace(
        "return (size - pool_size) // strides + 1", "return size // pool_size"
    )
    head, marker, rest = source.partition("def pool_output_size(")
    assert marker
    cells = ["import math\nimport numpy as np\nBROKEN = 1 / 0\n" + head, marker + rest]
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", cells))
    assert result.hint_check is not None and result.hint_check.name.startswith("pool")
    assert f"Hint ({result.hint_check.title})" in render_text(result)


def test_a_function_rebound_in_a_later_cell_is_explained_not_a_spelling_mistake(tmp_path):
    from test_korean import english_left

    from grader.checking.localize import localized

    later = "import numpy as np\nz = np.linspace(-5, 5, 100)\nsigmoid = 1 / (1 + np.exp(-z))\nplt.plot(z, sigmoid)\n"
    path = _notebook_file(tmp_path, "exercise-06", [solution_source("exercise-06"), later])
    result = grade_file("exercise-06", path)
    check = next(c for c in result.checks if c.name == "sigmoid")
    assert check.message_id == "notebook.missing_rebound", check.message
    assert check.params["cell"] == 2 and check.params["rebound_cell"] == 3 and check.params["rebound_line"] == 3
    korean = next(c for c in localized(result, "ko").checks if c.name == "sigmoid")
    assert not english_left(korean.message, korean.params), korean.message


def test_a_statement_that_uses_a_name_from_a_later_cell_is_left_out_and_says_so(tmp_path):
    cells = [solution_source("exercise-05"), "PADDED = SIZE + 2\n", "SIZE = 28\n"]
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", cells))
    assert result.score == result.max_score
    later = next(n for n in result.notes if n["$message"] == "notebook.skipped_later")
    assert {key: later["params"][key] for key in ("cell", "line", "names", "later")} == {
        "cell": 3,
        "line": 1,
        "names": "SIZE",
        "later": 4,
    }


def test_each_skipped_block_is_labelled_by_what_it_is():
    from grader.submissions.notebook import _skip_notes
    from grader.submissions.top_level import select

    cells = [
        "import numpy as np\nfrom sklearn.datasets import load_iris\n",
        "X = load_iris().data\nmodel = build()\nmodel.fit(X)\nplt.plot(X)\nfor i in range(3):\n    pass\n",
        "def build():\n    return 1\n",
        "try:\n    import kerasdrill_missing\nexcept ImportError:\n    kerasdrill_missing = None\n",
        "from google.colab import drive\ndrive.mount('/content/drive')\nundefined_thing.run()\nY = nowhere + 1\n",
    ]
    selection = select([(n, ast.parse(c)) for n, c in enumerate(cells, start=1)])
    kinds = {(s.cell, s.text.split("(")[0]): s.kind for s in selection.skipped}
    assert kinds[(2, "X = load_iris")] == "data" and kinds[(2, "model = build")] == "work"
    assert kinds[(2, "model.fit")] == "work" and kinds[(2, "plt.plot")] == "output"
    assert kinds[(2, "for i in range")] == "loop" and kinds[(5, "from google.colab import drive")] == "colab"
    assert kinds[(5, "Y = nowhere + 1")] == "undefined"
    assert not [s for s in selection.skipped if s.cell == 4]  # the try: import block is kept whole
    ids = [note["$message"] for note in _skip_notes(selection.skipped)]
    assert len(ids) == len(set(ids)) and "notebook.skipped_data" in ids and "notebook.skipped_loop" in ids


def test_korean_notes_are_wholly_korean_however_many_cells(tmp_path):
    from test_korean import english_left

    cells = [solution_source("exercise-05")] + [f"print({i})\n" for i in range(12)]
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", cells))
    notes = _rendered_notes(result, "ko")
    assert notes and all("more" not in text for text in notes), notes
    assert not [text for note, text in zip(result.notes, notes) if english_left(text, note["params"])], notes
    assert any("외 4개" in text for text in notes), notes


def test_a_function_that_raises_names_its_cell_and_line_in_the_message(tmp_path):
    source = solution_source("exercise-05").replace("def to_4d(", "def _old_to_4d(", 1)
    late = "import numpy as np\n\n\ndef to_4d(images):\n    images = np.asarray(images)\n    raise ValueError('oops')\n"
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", [source, late]))
    check = next(c for c in result.checks if c.name.startswith("to_4d"))
    assert check.message.endswith("(cell 3, line 6)"), check.message


def test_a_from_future_import_in_a_cell_holds_for_later_cells_as_in_ipython(tmp_path):
    cells = ["import numpy as np\n", "from __future__ import annotations\n" + solution_source("exercise-05")]
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", cells))
    assert result.score == result.max_score, _summary(result)


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_a_large_notebook_of_blocks_is_prepared_in_linear_time(tmp_path):
    """Every kind of skip and kept block, 4,000 cells of them: quadratic work here took minutes."""
    import subprocess
    import sys

    cell = (
        "try:\n    import numpy as np\nexcept ImportError:\n    np = None\n"
        'if __name__ == "__main__":\n    def f{i}(x):\n        print(x)\n        return x\n    print(f{i}(1))\n'
        "c{i} = LATE_{i}\nplt.plot([1])\nX{i} = load_iris()\n"
    )
    cells = [solution_source("exercise-05")] + [cell.format(i=i) for i in range(4000)]
    path = _notebook_file(tmp_path, "exercise-05", cells)
    code = (
        "import sys, tempfile; from grader.submissions import Submission; "
        f"p = Submission(__import__('pathlib').Path({str(path)!r})).prepare(tempfile.mkdtemp()); "
        "print(len(p.units), len(p.line_map))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split()[0] == "4001"
    result = grade_file("exercise-05", path)
    assert result.score == result.max_score, _summary(result)


def test_a_name_only_the_lessons_skipped_code_makes_is_explained_when_a_function_needs_it(tmp_path):
    from test_korean import english_left

    from grader.checking.localize import localized

    data = "from sklearn.datasets import load_digits\ndigits = load_digits()\nN_PIXELS = digits.images.shape[1]\n"
    source = solution_source("exercise-05").replace(
        "def to_4d(images):\n", "def to_4d(images):\n    assert N_PIXELS > 0\n"
    )
    result = grade_file("exercise-05", _notebook_file(tmp_path, "exercise-05", [data, source]))
    check = next(c for c in result.checks if c.name == "to_4d_adds_channel_axis")
    assert check.params["tip"]["$message"] == "notebook.name_not_run", check.message
    assert "`N_PIXELS` is made in cell 2 (line 3)" in check.message
    korean = next(c for c in localized(result, "ko").checks if c.name == check.name)
    assert not english_left(korean.message, korean.params), korean.message


# ----------------------------------------------------------------------------- the grade cell in a real kernel

KERNEL_EXERCISE = "exercise-04"  # plain data: a kernel and a grading in a few seconds


def _in_kernel(notebook, cwd, env: dict[str, str] | None = None) -> str:
    """Run ``notebook`` top to bottom in a real IPython kernel (nbclient + ipykernel) whose folder is ``cwd``, as
    Jupyter does; the grade cell's printed text. ``env`` replaces the kernel's environment (PATH without
    ``grade``)."""
    from nbclient import NotebookClient

    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    environment = {key: value for key, value in os.environ.items() if key != "JPY_SESSION_NAME"}
    environment.update({"PATH": "/usr/bin:/bin", **(env or {})})  # no venv bin/, so no `grade` command
    client.execute(env=environment)
    outputs = notebook.cells[-1].get("outputs", [])
    return "".join(output.get("text", "") for output in outputs if output.get("output_type") == "stream")


def _generated(source: str | None = None, language: str = "en"):
    from grader.notebooks import build_notebook

    return build_notebook(find_exercise(KERNEL_EXERCISE), source, language=language)


def test_in_a_real_kernel_a_renamed_copy_in_another_folder_is_graded_without_grade_on_path(tmp_path):
    exercise = find_exercise(KERNEL_EXERCISE)
    folder = tmp_path / "Downloads"  # not where `grade init` wrote it, and renamed as Jupyter's "Make a copy" does
    folder.mkdir()
    notebook = _generated(solution_source(exercise))
    (folder / f"Copy of {exercise.module_name}.ipynb").write_text(nbformat.writes(notebook), encoding="utf-8")
    printed = _in_kernel(notebook, folder)
    assert f"Score: {exercise.max_score}/{exercise.max_score}" in printed, printed
    assert "command not found" not in printed


def test_in_a_real_kernel_unsaved_edits_are_never_graded_from_the_stale_file(tmp_path):
    exercise = find_exercise(KERNEL_EXERCISE)
    on_disk = _generated()  # the stub, as saved
    (tmp_path / f"{exercise.module_name}.ipynb").write_text(nbformat.writes(on_disk), encoding="utf-8")
    in_kernel = _generated(solution_source(exercise))  # every function filled in and run, not saved
    printed = _in_kernel(in_kernel, tmp_path)
    assert "Save the notebook first" in printed and "Score:" not in printed, printed


def test_in_a_real_kernel_the_file_jupyter_names_is_graded_from_any_folder(tmp_path):
    exercise = find_exercise(KERNEL_EXERCISE)
    (tmp_path / "notes").mkdir()
    (tmp_path / "elsewhere").mkdir()
    notebook = _generated(solution_source(exercise), language="ko")
    path = tmp_path / "notes" / "내 과제.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    printed = _in_kernel(notebook, tmp_path / "elsewhere", {"JPY_SESSION_NAME": str(path)})  # Jupyter Server sets it
    assert f"{exercise.max_score}/{exercise.max_score}" in printed and "점수" in printed, printed


def test_in_a_real_kernel_no_file_found_says_what_to_do_never_grade_init(tmp_path):
    printed = _in_kernel(_generated(), tmp_path)
    assert "Could not find this notebook's file" in printed and "grade init" not in printed, printed


COLAB_FRONTEND = """import json, sys, types
# Colab's frontend, as google.colab._message.blocking_request("get_ipynb") answers: {"ipynb": <the live notebook>}
_message = types.ModuleType("google.colab._message")
_message.blocking_request = lambda request, timeout_sec=None: {"ipynb": json.loads(LIVE)} if request == "get_ipynb" else None
colab = types.ModuleType("google.colab")
colab._message = _message
sys.modules.update({"google": types.ModuleType("google"), "google.colab": colab, "google.colab._message": _message})
"""


def test_in_a_real_kernel_on_colab_the_live_notebook_is_graded(tmp_path):
    exercise = find_exercise(KERNEL_EXERCISE)
    live = _generated(solution_source(exercise))  # nothing saved in the kernel's folder (/content on Colab)
    notebook = _generated(solution_source(exercise))
    frontend = f"LIVE = {nbformat.writes(live)!r}\n" + COLAB_FRONTEND
    notebook.cells.insert(0, nbformat.v4.new_code_cell(frontend))
    printed = _in_kernel(notebook, tmp_path)
    assert f"Score: {exercise.max_score}/{exercise.max_score}" in printed, printed
