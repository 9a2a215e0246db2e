"""Grading from a notebook vs from the equivalent ``.py``: wall time of ``grade EXERCISE``.

    python benchmarks/bench_notebook.py --exercise exercise-05 --exercise exercise-10 --repeat 5

The notebook is a course notebook's shape: the solution's imports and each function in a cell of
its own, plus the lesson's top-level work the grader must not run (``!pip install``,
``%matplotlib inline``, a 20-epoch fit on 60,000 images, a plot, ``model.summary()``). The
equivalent ``.py`` is what ``grade export`` gives for that notebook: the same imports (``keras``
too, which a plain exercise's worker then imports) and functions, without the lesson's work.
Each run is a fresh ``grade`` process, alternating .py and .ipynb; prints the medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.content import solutions_dir  # noqa: E402
from grader.registry import find_exercise  # noqa: E402
from grader.submissions import export_source  # noqa: E402

LESSON = [
    "!pip install -q kerasdrill\n%matplotlib inline\nimport numpy as np\nimport keras\nimport matplotlib.pyplot as plt",
    "x_train = np.random.rand(60000, 28, 28, 1).astype('float32')\ny_train = np.random.randint(0, 10, 60000)\n"
    "model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])\n"
    "model.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])\n"
    "history = model.fit(x_train, y_train, epochs=20, validation_split=0.2)",
    "plt.plot(history.history['loss'])\nplt.show()\nmodel.summary()",
]


def notebook_of(source: str) -> str:
    import nbformat

    from grader.notebooks import course_cells

    notebook = nbformat.v4.new_notebook()
    cells = [LESSON[0], *course_cells(source), *LESSON[1:]]
    notebook.cells = [nbformat.v4.new_code_cell(cell) for cell in cells]
    return nbformat.writes(notebook)


def timed(path: Path, exercise: str) -> float:
    command = [sys.executable, "-m", "grader", exercise, "--submission", str(path), "--format", "json"]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{path.name}: grade exited {completed.returncode}\n{completed.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", action="append", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for name in args.exercise or ["exercise-05"]:
        exercise = find_exercise(name)
        source = (solutions_dir() / exercise.file_name).read_text(encoding="utf-8")
        with tempfile.TemporaryDirectory(prefix="kerasdrill-bench-nb-") as temp:
            py = Path(temp) / "py" / exercise.file_name
            ipynb = Path(temp) / "nb" / f"{exercise.module_name}.ipynb"
            py.parent.mkdir()
            ipynb.parent.mkdir()
            ipynb.write_text(notebook_of(source), encoding="utf-8")
            py.write_text(export_source(ipynb)[0], encoding="utf-8")
            times: dict[str, list[float]] = {".py": [], ".ipynb": []}
            for _ in range(args.repeat):
                times[".py"].append(timed(py, exercise.id))
                times[".ipynb"].append(timed(ipynb, exercise.id))
        rows.append((exercise.id, statistics.median(times[".py"]), statistics.median(times[".ipynb"])))
    print(f"median of {args.repeat} fresh `grade` runs each, the reference solution\n")
    print("| exercise | equivalent .py s | .ipynb (with the lesson's 20-epoch fit) s | difference s |")
    print("|---|---:|---:|---:|")
    for exercise, py_s, nb_s in rows:
        print(f"| {exercise} | {py_s:.2f} | {nb_s:.2f} | {nb_s - py_s:+.2f} |")


if __name__ == "__main__":
    main()
