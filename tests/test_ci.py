"""``grade ci``: the generated GitHub workflows and Gradescope bundle, run for real.

The workflows' ``run:`` steps are executed as GitHub would, in order, in a fresh venv against a
sample learner repository (the venv reuses this machine's TensorFlow through
``--system-site-packages``, so nothing is downloaded; kerasdrill itself comes from the wheel the
workflow ships). The Gradescope bundle is unpacked into a temporary folder laid out like
``/autograder``; its own ``setup.sh`` builds the venv and its ``run_autograder`` grades a correct,
a wrong and a broken submission. Exercise 04 (plain data) keeps it fast.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import yaml
from support import solution_source

from grader.cli import main as cli

EXERCISE_FILE = "exercise_04_parameter_counts.py"
BATCHNORM = '''def batchnorm_params(channels):
    """gamma and beta are trained; the moving mean and variance are not."""
    return (2 * channels, 2 * channels)'''
WRONG = solution_source("exercise-04").replace(BATCHNORM, "def batchnorm_params(channels):\n    return (channels, 0)")
ACTIONS = {
    "actions/checkout@v4",
    "actions/setup-python@v5",
    "actions/upload-artifact@v4",
    "actions/download-artifact@v4",
    "classroom-resources/autograding-grading-reporter@v1",
}
GRADESCOPE_TOP = {
    "score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
    "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard",
}  # fmt: skip
GRADESCOPE_TEST = {
    "score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
    "visibility", "extra_data",
}  # fmt: skip
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def _grade(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "grader", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """One kerasdrill wheel for every generated file (building it costs ~2 s)."""
    from grader.integrations.wheel import kerasdrill_wheel

    return kerasdrill_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(folder)], check=True, timeout=300)
    return folder


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _assert_real_commands(workflow: dict) -> None:
    """Every action is one we know; every run: line calls python, cat or a real grade subcommand."""
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert step["uses"] in ACTIONS, step["uses"]
                continue
            words = shlex.split(step["run"].replace("${{ matrix.shard }}", "1"))
            assert words[0] in ("python", "grade", "cat"), step["run"]
            if words[0] == "grade":
                assert words[1] in cli.commands, words[1]
                help_run = _grade(*words[1:2], "--help")
                for option in (w for w in words if w.startswith("--")):
                    assert option in help_run.stdout, f"grade {words[1]} has no {option}"


def _run_steps(steps: list[dict], cwd: Path, venv: Path, env: dict[str, str], shard: str = "") -> str:
    """The run: steps in order, as bash would on the runner, with the venv's python first on PATH; their log."""
    environment = {**os.environ, **env, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    environment.pop("PYTHONPATH", None)
    log = []
    for step in steps:
        if "run" not in step:
            continue
        script = step["run"].replace("${{ matrix.shard }}", shard)
        completed = subprocess.run(
            ["bash", "-e", "-c", script], cwd=cwd, env=environment, capture_output=True, text=True, timeout=600
        )
        assert completed.returncode == 0, (step, completed.stdout[-2000:], completed.stderr[-2000:])
        log.append(completed.stdout + completed.stderr)
    return "\n".join(log)


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_the_classroom_workflow_runs_and_the_reporter_gets_points_that_agree(tmp_path, wheel, venv):
    repo = tmp_path / "learner-repo"
    (repo / "exercises").mkdir(parents=True)
    (repo / "exercises" / EXERCISE_FILE).write_text(WRONG, encoding="utf-8")  # partly right: partial points
    made = _grade("ci", "github", "--out", str(repo), "-e", "exercise-04", "--wheel", str(wheel))
    assert made.returncode == 0, made.stderr
    workflow = yaml.safe_load((repo / ".github/workflows/classroom.yml").read_text(encoding="utf-8"))
    assert workflow["on"] == ["push", "repository_dispatch"]
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    job = workflow["jobs"]["run-autograding-tests"]
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    _assert_real_commands(workflow)
    grade_step = next(step for step in job["steps"] if step.get("id"))
    reporter = next(step for step in job["steps"] if "grading-reporter" in step.get("uses", ""))
    assert reporter["with"]["runners"] == grade_step["id"]
    assert reporter["env"] == {
        f"{grade_step['id'].upper()}_RESULTS": f"${{{{steps.{grade_step['id']}.outputs.result}}}}"
    }

    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    log = _run_steps(job["steps"], repo, venv, {"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)})
    line = next(line for line in outputs.read_text(encoding="utf-8").splitlines() if line.startswith("result="))
    result = json.loads(base64.b64decode(line.split("=", 1)[1]))
    alone = json.loads(_grade("exercise-04", "--submission", str(repo / "exercises"), "--format", "json").stdout)
    assert 0 < alone["score"] < alone["max_score"] == result["max_score"]
    notice = sum(test["score"] for test in result["tests"])  # what the reporter's notice adds up
    table = sum(test["status"] == "pass" for test in result["tests"]) / len(result["tests"]) * result["max_score"]
    assert notice == table == alone["score"]
    why = "one each per channel"  # the failing check's message: in the step's log, the summary and the reporter's rows
    assert why in " ".join(log.split()) and why in summary.read_text(encoding="utf-8")  # the log wraps lines
    assert any(why in test["test_code"] for test in result["tests"] if test["status"] == "fail")
    assert all(test["line_no"] == 0 for test in result["tests"])  # the reporter prints no "line undefined"
    suites = ET.parse(repo / "kerasdrill-junit.xml").getroot()
    assert suites.tag == "testsuites" and int(suites[0].get("tests")) == len(alone["checks"])
    assert f"{alone['score']}/{alone['max_score']} points" in summary.read_text(encoding="utf-8")


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_the_matrix_workflow_grades_shards_and_merges_them_like_one_batch(tmp_path, wheel, venv):
    repo = tmp_path / "course"
    for index, source in enumerate([solution_source("exercise-04"), WRONG, "def (:\n", WRONG, ""]):
        learner = repo / "class" / f"learner{index}"
        learner.mkdir(parents=True)
        if source:
            (learner / EXERCISE_FILE).write_text(source, encoding="utf-8")
    made = _grade("ci", "github", "--out", str(repo), "--matrix", "3", "-e", "exercise-04", "--wheel", str(wheel))
    assert made.returncode == 0, made.stderr
    workflow = yaml.safe_load((repo / ".github/workflows/kerasdrill-class.yml").read_text(encoding="utf-8"))
    assert workflow["jobs"]["grade"]["strategy"]["matrix"]["shard"] == [1, 2, 3]
    assert workflow["jobs"]["merge"]["needs"] == "grade"
    _assert_real_commands(workflow)
    for shard in ("1", "2", "3"):  # the matrix jobs, then what download-artifact leaves for the merge job
        _run_steps(_steps(workflow, "grade"), repo, venv, {}, shard)
        shutil.copytree(repo / f"grades-{shard}", repo / "parts" / f"grades-{shard}")
    summary = tmp_path / "step_summary"
    _run_steps(_steps(workflow, "merge"), repo, venv, {"GITHUB_STEP_SUMMARY": str(summary)})
    one = tmp_path / "one-batch"
    assert _grade("batch", str(repo / "class"), "--out", str(one), "-e", "exercise-04").returncode == 0
    assert (repo / "grades" / "gradebook.csv").read_bytes() == (one / "gradebook.csv").read_bytes()
    assert "learner4" in summary.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- Gradescope

PRIVATE = """from grader.checking import check, expect


@check(points=2)
def test_batchnorm_for_64_channels(learner):
    found = learner.batchnorm_params(64)
    expect(tuple(found) == (128, 128), "wrong_64", found=found, expected="PRIVATE-128")
"""


def _validate_gradescope(data: dict) -> None:
    """results.json against Gradescope's specification (../shared/FORMATS.md section 1)."""
    assert set(data) <= GRADESCOPE_TOP, set(data) - GRADESCOPE_TOP
    assert isinstance(data["score"], (int, float)) and isinstance(data["tests"], list)
    assert data.get("output_format", "text") in FORMATS and data.get("stdout_visibility", "visible") in VISIBILITIES
    for test in data["tests"]:
        assert set(test) <= GRADESCOPE_TEST, set(test) - GRADESCOPE_TEST
        assert test["status"] in ("passed", "failed") and test.get("visibility", "visible") in VISIBILITIES
        assert test.get("output_format", "text") in FORMATS and isinstance(test.get("output", ""), str)
        assert 0 <= test["score"] <= test["max_score"]
    assert data["score"] == sum(test["score"] for test in data["tests"])


@pytest.fixture(scope="module")
def autograder(tmp_path_factory, wheel) -> Path:
    """A folder laid out like Gradescope's /autograder, after the bundle's own setup.sh ran."""
    base = tmp_path_factory.mktemp("gradescope")
    private = base / "private" / "exercise_04_parameter_counts"
    (private / "messages").mkdir(parents=True)
    (private / "checks.py").write_text(PRIVATE, encoding="utf-8")
    messages = {
        "checks": {"batchnorm_for_64_channels": {"title": "Batch normalisation, 64 channels", "hint": ["Two each."]}},
        "messages": {"wrong_64": "Expected {expected}, found {found}."},
    }
    (private / "messages" / "en.json").write_text(json.dumps(messages), encoding="utf-8")
    zipped = base / "bundle.zip"
    made = _grade(
        "ci", "gradescope", "-e", "exercise-04", "--extra-checks", str(base / "private"),
        "--out", str(zipped), "--wheel", str(wheel),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    root = base / "autograder"
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names) and not any(n.startswith("autograder/") for n in names)
        for name in ("setup.sh", "run_autograder"):
            assert (archive.getinfo(name).external_attr >> 16) & 0o111, f"{name} is not executable"
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / name, 0o755)  # zipfile does not restore modes; Gradescope's unzip does
    env = {**os.environ, "KERASDRILL_AUTOGRADER_ROOT": str(root), "KERASDRILL_VENV_FLAGS": "--system-site-packages"}
    env.pop("PYTHONPATH", None)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True)
    assert setup.returncode == 0, setup.stderr[-3000:]
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
    return root


def _submit(root: Path, name: str, source: str) -> tuple[dict, str]:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    (root / "submission" / name).write_text(source, encoding="utf-8")
    env = {**os.environ, "KERASDRILL_AUTOGRADER_ROOT": str(root)}
    env.pop("PYTHONPATH", None)
    completed = subprocess.run(
        [str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=600, cwd=root
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8")), completed.stdout


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_gradescope_grades_a_correct_a_wrong_and_a_broken_submission(autograder):
    right, stdout = _submit(autograder, "my homework (final).py", solution_source("exercise-04"))
    wrong, _ = _submit(autograder, "submission.py", WRONG)
    broken, _ = _submit(autograder, EXERCISE_FILE, "def conv_output_size(:\n")
    for data in (right, wrong, broken):
        _validate_gradescope(data)
    full = sum(test["max_score"] for test in right["tests"])
    assert right["score"] == full == 16 + 2
    assert 0 < wrong["score"] < full and broken["score"] == 0
    assert any("SyntaxError" in test["output"] or "syntax" in test["output"].lower() for test in broken["tests"])
    private = [test for test in wrong["tests"] if "64 channels" in test["name"]]
    assert private and private[0]["status"] == "failed" and "PRIVATE" not in json.dumps(wrong)
    assert '"instructor:batchnorm_for_64_channels"' in stdout  # the instructor's full view


def test_an_empty_submission_is_a_clear_zero(autograder):
    shutil.rmtree(autograder / "submission", ignore_errors=True)
    (autograder / "submission").mkdir()
    (autograder / "submission" / "notes.txt").write_text("forgot the file", encoding="utf-8")
    env = {**os.environ, "KERASDRILL_AUTOGRADER_ROOT": str(autograder)}
    subprocess.run([str(autograder / "run_autograder")], env=env, capture_output=True, timeout=300, check=True)
    data = json.loads((autograder / "results" / "results.json").read_text(encoding="utf-8"))
    _validate_gradescope(data)
    assert data["score"] == 0 and "No .py or .ipynb file" in data["output"]


def test_a_killed_autograder_still_leaves_a_results_json(autograder):
    """results.json is written before grading starts: a container killed mid-way still shows a result."""
    shutil.rmtree(autograder / "submission", ignore_errors=True)
    shutil.rmtree(autograder / "results", ignore_errors=True)
    (autograder / "submission").mkdir()
    slow = "import time\ntime.sleep(60)\n" + solution_source("exercise-04")
    (autograder / "submission" / EXERCISE_FILE).write_text(slow, encoding="utf-8")
    env = {**os.environ, "KERASDRILL_AUTOGRADER_ROOT": str(autograder)}
    process = subprocess.Popen(
        [str(autograder / "run_autograder")], env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    results = autograder / "results" / "results.json"
    deadline = time.monotonic() + 120
    while not results.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # Gradescope's memory or time limit
    process.wait()
    data = json.loads(results.read_text(encoding="utf-8"))
    _validate_gradescope(data)
    from grader.registry import find_exercise

    declared = len(find_exercise("exercise-04").declared_checks()) + 1  # and the private check
    assert data["score"] == 0 and "did not finish" in data["output"] and len(data["tests"]) == declared


# ----------------------------------------------------------------------------- from a pip install, no checkout


@pytest.mark.slow
def test_grade_ci_from_a_pip_install_ships_the_installed_kerasdrill_as_a_wheel(tmp_path, wheel):
    """An instructor's `pip install .` (not editable, no checkout on the path): `grade ci github` and
    `grade ci gradescope` used to exit 2 ("pass --wheel"). Now they pack the installed distribution; the wheel
    installs into a fresh venv and grades, and holds the same files as the one built from the checkout."""
    root = Path(__file__).resolve().parents[1]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    installed = tmp_path / "instructor"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(installed)], check=True, timeout=300)
    pip = [str(installed / "bin/python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    done = subprocess.run([*pip, str(root)], capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    where = subprocess.run(
        [str(installed / "bin/python"), "-c", "import grader; print(grader.__file__)"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert where.stdout.startswith(str(installed)), where.stdout  # the installed copy, not a checkout
    grade = str(installed / "bin/grade")
    made = subprocess.run(
        [grade, "ci", "github", "--out", "repo", "-e", "exercise-04"], capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    shipped = next((tmp_path / "repo/.github/kerasdrill").glob("kerasdrill-*.whl"))
    bundle = subprocess.run(
        [grade, "ci", "gradescope", "-e", "exercise-04", "--out", "autograder.zip"], capture_output=True, text=True,
        env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert bundle.returncode == 0, bundle.stderr

    def contents(path: Path) -> set[str]:
        with zipfile.ZipFile(path) as archive:
            return {name for name in archive.namelist() if not name.endswith("/RECORD")}

    assert contents(shipped) == contents(wheel)
    learner = tmp_path / "learner"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(learner)], check=True, timeout=300)
    pip = [str(learner / "bin/python"), "-m", "pip", "install", "--quiet", "--no-deps", str(shipped)]
    assert subprocess.run(pip, capture_output=True, env=env, timeout=600).returncode == 0
    graded = subprocess.run(
        [str(learner / "bin/grade"), "exercise-04", "--solutions", "--format", "json"], capture_output=True,
        text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    result = json.loads(graded.stdout)
    assert result["score"] == result["max_score"] > 0
