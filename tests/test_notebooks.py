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
from grader.submissions import Submission, locate
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
    code = "\n\n".join(c.source for c in notebook.cells[:-1] if c.cell_type == "code")  # the last: !grade
    assert _signatures(code) == _signatures(stub_source(found))
    assert notebook.metadata["kerasdrill"]["exercise"] == found.id
    assert notebook.cells[-1].source.startswith(f"!grade {found.id} --submission ")


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
