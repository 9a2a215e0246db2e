"""Nothing in the folder `grade` runs in is imported, and killing `grade` leaves nothing behind (issue #25).

Before: the fork server was started with ``python -s -c`` and the grader's working folder, so a
``json.py`` at a Classroom repository's root was imported by it (and by every trainer forked from
it); after SIGKILL of `grade batch` its grading processes, fork servers and workers kept running;
after SIGTERM of `grade` the session folder stayed in the temp folder and the worker ran on.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import solution_source, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")

PLANTED = ("json", "numpy", "keras")


def _grade_command() -> list[str]:
    """`grade` as a learner or a Classroom workflow runs it: the console script (its own folder
    first on sys.path, never the working folder)."""
    script = Path(sys.executable).with_name("grade")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-P", "-m", "grader"]  # -P (3.11+): the working folder is not on sys.path


def _plant(folder: Path, marker: Path) -> None:
    for name in PLANTED:
        (folder / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r} + ' imported from ' + __file__ + '\\n')\n"
            f"raise ImportError('planted {name}')\n",
            encoding="utf-8",
        )


MODES = {"root": False, "ordinary user": True}  # mode -> KERASDRILL_UNPRIVILEGED_SANDBOX


def _env(tmp_path: Path, mode: str = "root") -> dict[str, str]:
    temp = tmp_path / "temp"
    temp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(temp)}
    env.pop("KERASDRILL_UNPRIVILEGED_SANDBOX", None)
    if MODES[mode]:
        env["KERASDRILL_UNPRIVILEGED_SANDBOX"] = "1"
    return env


@pytest.mark.slow
def test_modules_planted_where_grade_runs_are_never_imported(tmp_path):
    """A model exercise (fork server, trainer) graded from a folder holding json.py, numpy.py and
    keras.py: none of them is imported by any process the grader starts."""
    marker = tmp_path / "imported.txt"
    repo = tmp_path / "repo"
    repo.mkdir()
    _plant(repo, marker)
    (repo / "exercise_10_cnn_model.py").write_text(solution_source("exercise-10"), encoding="utf-8")
    completed = subprocess.run(
        [*_grade_command(), "exercise-10", "--submission", "exercise_10_cnn_model.py", "--format", "json"],
        cwd=repo,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert not marker.exists(), marker.read_text()
    report = json.loads(completed.stdout)
    assert report["score"] == report["max_score"], completed.stderr[-2000:]


def test_modules_planted_beside_a_class_are_never_imported(tmp_path):
    """`grade batch .` run inside a class folder whose root and learner folders hold json.py,
    numpy.py and keras.py: the grading processes and fork servers import none of them."""
    marker = tmp_path / "imported.txt"
    class_dir = tmp_path / "class"
    learner = class_dir / "ada"
    learner.mkdir(parents=True)
    _plant(class_dir, marker)
    (learner / "exercise_04_parameter_counts.py").write_text(solution_source("exercise-04"), encoding="utf-8")
    out = tmp_path / "out"
    completed = subprocess.run(
        [*_grade_command(), "batch", ".", "--out", str(out), "--exercise", "exercise-04", "--workers", "2"],
        cwd=class_dir,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert not marker.exists(), marker.read_text()
    learners = json.loads((out / "results.json").read_text(encoding="utf-8"))["learners"]
    assert [(row["learner"], row["score"]) for row in learners] == [("ada", 16)], completed.stderr[-2000:]


# ----------------------------------------------------------------------------- process lifetime


def _parents() -> dict[int, int]:
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
                found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return found


def _descendants(root: int) -> set[int]:
    parents = _parents()
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            alive.add(pid)
    return alive


LOOPS_AT_IMPORT = "while True:\n    pass\n"


SLEEPERS = {  # exercise -> (its file, the function that sleeps for ten minutes when called)
    "exercise-04": ("exercise_04_parameter_counts.py", "def batchnorm_params(channels):"),
    # a model exercise: graded in a child forked from the Keras fork server, which must end too
    "exercise-02": ("exercise_02_layer_stack.py", "def build_linear_regression(n_features):"),
}


# the model exercise's cases start the Keras fork server (seconds each): in the full run, not the quick one
SLEEPER_PARAMS = [pytest.param(e, marks=pytest.mark.slow) if e == "exercise-02" else e for e in SLEEPERS]


def _grade_a_sleeper(tmp_path: Path, env: dict[str, str], exercise: str = "exercise-04") -> subprocess.Popen:
    """`grade EXERCISE` on a file whose first-called function sleeps for ten minutes, started."""
    name, function = SLEEPERS[exercise]
    source = solution_source(exercise).replace(function, f"{function}\n    import time\n    time.sleep(600)", 1)
    submission = tmp_path / name
    submission.write_text(source, encoding="utf-8")
    return subprocess.Popen(
        [*_grade_command(), exercise, "--submission", str(submission), "--timeout", "300"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("exercise", SLEEPER_PARAMS)
@pytest.mark.parametrize("mode", list(MODES))
def test_a_killed_batch_takes_every_process_it_started_along(mode, exercise, tmp_path):
    """SIGKILL of `grade batch` while two learners loop at import: its grading processes, fork
    servers (for a model exercise, the class's one Keras server, its copies and the children
    grading there), launchers and workers all end within seconds, and their session folders are removed."""
    env = _env(tmp_path, mode)
    class_dir = tmp_path / "class"
    for name in ("ada", "bob"):
        (class_dir / name).mkdir(parents=True)
        (class_dir / name / SLEEPERS[exercise][0]).write_text(LOOPS_AT_IMPORT, encoding="utf-8")
    batch = subprocess.Popen(
        [
            *_grade_command(),
            "batch",
            str(class_dir),
            "--out",
            str(tmp_path / "out"),
            "--exercise",
            exercise,
            "--workers",
            "2",
            "--load-timeout",
            "120",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # two grading processes, each with a fork server, a launcher and a looping worker
        assert wait_for(lambda: len(_descendants(batch.pid)) >= 6, 60), _descendants(batch.pid)
        assert wait_for(lambda: len(list(Path(env["TMPDIR"]).iterdir())) >= 2, 60)  # both learners begun
        time.sleep(0.5)
        started = _descendants(batch.pid)
        batch.kill()
        batch.wait()
        assert wait_for(lambda: not _alive(started), 15), [
            Path(f"/proc/{p}/cmdline").read_bytes()[:120] for p in _alive(started)
        ]
        assert wait_for(lambda: list(Path(env["TMPDIR"]).iterdir()) == [], 10), [
            str(p) for p in Path(env["TMPDIR"]).rglob("*")
        ]
    finally:
        batch.kill()


@pytest.mark.parametrize("exercise", SLEEPER_PARAMS)
@pytest.mark.parametrize("mode", list(MODES))
def test_sigterm_removes_the_session_folder_and_ends_the_worker(mode, exercise, tmp_path):
    """SIGTERM of `grade` while the learner's function runs: `grade` ends as SIGTERM says, its
    worker (and, for a model exercise, the child grading it) ends with it, and nothing is left in
    the temp folder."""
    env = _env(tmp_path, mode)
    grade = _grade_a_sleeper(tmp_path, env, exercise)
    try:
        assert wait_for(lambda: len(_descendants(grade.pid)) >= 2, 120)  # a launcher and its worker
        assert wait_for(lambda: any(Path(env["TMPDIR"]).iterdir()), 60)  # the session folder
        time.sleep(2.0)  # the worker is inside the learner's sleep
        started = _descendants(grade.pid)
        grade.send_signal(signal.SIGTERM)
        assert grade.wait(timeout=30) == -signal.SIGTERM
        assert wait_for(lambda: not _alive(started), 15), _alive(started)
        assert list(Path(env["TMPDIR"]).iterdir()) == []
    finally:
        grade.kill()


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(MODES))
def test_sigterm_while_a_model_trains_leaves_no_trainer_folder(mode, tmp_path):
    """SIGTERM of `grade` while a trainer fits the learner's model (exercise 02's training check runs
    first and trains while the next check waits for the learner): the trainer is killed, and the
    folder its model file was written to is removed with the session folder."""
    env = _env(tmp_path, mode)
    grade = _grade_a_sleeper(tmp_path, env, "exercise-02")
    temp = Path(env["TMPDIR"])
    try:
        assert wait_for(lambda: any(p.name.startswith("kerasdrill-trainer-") for p in temp.iterdir()), 120)
        started = _descendants(grade.pid)
        grade.send_signal(signal.SIGTERM)
        assert grade.wait(timeout=30) == -signal.SIGTERM
        assert wait_for(lambda: not _alive(started), 15), _alive(started)
        assert wait_for(lambda: list(temp.iterdir()) == [], 10), [str(p) for p in temp.rglob("*")]
    finally:
        grade.kill()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root's sessions are mounts and its workers have cgroups")
def test_what_a_killed_grader_left_behind_is_removed_by_the_next_grade(tmp_path):
    """SIGKILL runs no cleanup: the killed grader's session tmpfs and its worker's cgroups stay. The
    next `grade` on the machine removes them (their owner's pid, in their names, is gone)."""
    env = _env(tmp_path)
    grade = _grade_a_sleeper(tmp_path, env)
    try:
        assert wait_for(lambda: len(_descendants(grade.pid)) >= 2, 60)
        time.sleep(1.0)
        grade.kill()
        grade.wait()
    finally:
        grade.kill()

    def left() -> dict:
        mounts = [
            line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines() if env["TMPDIR"] in line
        ]
        cgroups = [str(p) for p in Path("/sys/fs/cgroup").glob(f"*/kerasdrill-kerasdrill-04-p{grade.pid}-*")]
        return {"mounts": mounts, "cgroups": cgroups}

    assert wait_for(lambda: left()["mounts"], 5), "the killed grader left no mount: the test proves nothing"
    completed = subprocess.run(
        [*_grade_command(), "exercise-05", "--solutions"], env=env, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stdout[-2000:]
    assert left() == {"mounts": [], "cgroups": []}
    assert list(Path(env["TMPDIR"]).iterdir()) == []
