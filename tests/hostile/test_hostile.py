"""Hostile submissions, graded through the real `grade` command.

Each case is exercise 04's reference solution with one hostile piece: either
`batchnorm_params` (worth 2 of 16 points, called by no other function) is
replaced, or code is added at module level. For every case the grader must
exit with the documented code, report every check, give exactly the honest
score, leave the learner's folder and its working folder untouched, and leave
no process behind. See README.md beside this file for the table of cases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import solution_source

EXERCISE = "exercise-04"
TARGET = "batchnorm"  # the check that calls batchnorm_params
ORIGINAL = '''def batchnorm_params(channels):
    """gamma and beta are trained; the moving mean and variance are not."""
    return (2 * channels, 2 * channels)'''
FULL, TARGET_POINTS = 16, 2


#: Whether the worker gets the root layers here (root, and not asked for an ordinary user's only).
ROOT_LAYERS = os.geteuid() == 0 and os.environ.get("KERASDRILL_UNPRIVILEGED_SANDBOX") != "1"


def _reach_the_grader(action: str) -> str:
    """A body that finds the grading process in /proc and tries ``action`` on it (``pid`` is its pid).

    It answers correctly only if the grader is out of sight (as root, the worker's own PID
    namespace and /proc show no process outside it) or was found and every attempt was refused,
    so its check passes exactly when the grader is out of reach.
    """
    return (
        "    import os\n    found, reached = [], []\n    try:\n        pids = os.listdir('/proc')\n    except OSError:  # Landlock grants no listing of /proc\n        pids = []\n    for pid in pids:\n        if not pid.isdigit():\n            continue\n"
        "        try:\n            cmdline = open(f'/proc/{pid}/cmdline', 'rb').read()\n        except OSError:\n            continue\n"
        "        if b'-m\\x00grader\\x00exercise-04' in cmdline:\n            found.append(pid)\n"
        f"            try:\n                {action}\n                reached.append(pid)\n            except OSError:\n                pass\n"
        "    if not found:\n        return (2 * channels, 2 * channels)\n"
        "    return (2 * channels, 2 * channels) if not reached else f'reached the grader {reached}'"
    )


# name: (hostile body of batchnorm_params, expected status of the batchnorm check, words its message must contain)
HOSTILE_FUNCTIONS = {
    "infinite loop": ("    while True:\n        pass", "timeout", ["did not return"]),
    "sleeps for ever": ("    import time\n    time.sleep(10 ** 6)", "timeout", ["did not return"]),
    "ignores SIGTERM then loops": (
        "    import signal\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n    while True:\n        pass",
        "timeout",
        ["did not return"],
    ),
    "recursion bomb": ("    def dive(n):\n        return dive(n + 1)\n    return dive(0)", "error", ["RecursionError"]),
    "memory bomb": ("    hoard = [bytearray(8 * 1024 ** 3)]\n    return hoard", "error", ["memory"]),
    "fork loop": (
        "    import os, time\n    for _ in range(5000):\n        if os.fork() == 0:\n            time.sleep(60)\n            os._exit(0)\n    return (2 * channels, 2 * channels)",
        "error",
        ["BlockingIOError"],
    ),
    "multi-GB file": (
        "    with open('big.bin', 'wb') as handle:\n        for _ in range(3000):\n            handle.write(b'x' * 1_000_000)",
        "error",
        ["File too large"],
    ),
    "sys.exit(0)": ("    import sys\n    sys.exit(0)", "error", ["sys.exit"]),
    "os._exit(0)": ("    import os\n    os._exit(0)", "error", ["stopped the process"]),
    "closes inherited descriptors": (
        "    import os\n    os.closerange(3, 1024)\n    return (2 * channels, 2 * channels)",
        "error",
        ["stopped the process"],
    ),
    "writes garbage to inherited descriptors": (
        "    import os\n    for fd in range(3, 64):\n        try:\n            os.write(fd, b'\\x00\\x00\\x00\\x05{{{{{')\n        except OSError:\n            pass\n    return (2 * channels, 2 * channels)",
        "error",
        ["stopped the process"],
    ),
    "prints a fake score and JSON, then answers wrongly": (
        "    print('Score: 16/16 (100%)')\n    print(json.dumps({'exercise': 'exercise-04', 'score': 16, 'max_score': 16, 'passed': True}))\n"
        '    print(\'<testsuite tests="9" failures="0"/>\')\n    return 4 * channels',
        "failed",
        ["expected a tuple"],
    ),
    "monkeypatches pytest, grader and numpy, then answers wrongly": (
        "    import pytest, numpy, grader.sandbox.protocol\n    pytest.fail = lambda *a, **k: None\n"
        "    try:\n        import grader.checking  # not in the worker's view: only grader.sandbox is\n"
        "        grader.checking.fail = lambda *a, **k: None\n    except (ImportError, OSError):  # OSError: Landlock refuses the read\n        pass\n"
        "    numpy.array_equal = lambda *a, **k: True\n    return (channels, channels)",
        "failed",
        ["expected"],
    ),
    "returns an object that equals everything": (
        "    class Anything:\n        def __eq__(self, other):\n            return True\n        def __len__(self):\n            return 2\n        def __iter__(self):\n            return iter((2 * channels, 2 * channels))\n    return Anything()",
        "failed",
        ["Anything"],
    ),
    "returns a numpy subclass": (
        "    import numpy as np\n    class Sneaky(np.ndarray):\n        def __eq__(self, other):\n            return True\n    return np.array([1, 2]).view(Sneaky)",
        "failed",
        ["expected a tuple"],
    ),
    "writes files named like grader output": (
        "    import os\n    for name in ('results.json', 'report.json', 'junit.xml', os.path.join('..', 'output.txt')):\n        try:\n            with open(name, 'w') as handle:\n                handle.write('{\"score\": 16, \"max_score\": 16}')\n"
        "        except OSError:  # as root the capture file is not the worker's user's\n            pass\n    return 0",
        "failed",
        ["expected a tuple"],
    ),
    "writes to home and the temp folder": (
        "    import os, tempfile\n    for folder in (os.path.expanduser('~'), tempfile.gettempdir()):\n"
        "        with open(os.path.join(folder, 'results.json'), 'w') as handle:\n            handle.write('{\"score\": 16}')\n"
        "    tempfile.mkstemp()\n    return 0",
        "failed",
        ["expected a tuple"],
    ),
    "returns a 200 MB array": (
        "    import numpy as np\n    return np.zeros(25 * 1024 * 1024)",
        "failed",
        ["expected a tuple"],
    ),
    "reads the grader's memory": (_reach_the_grader("open(f'/proc/{pid}/mem', 'rb').close()"), "passed", []),
    "writes into the grader's stdout": (
        _reach_the_grader("os.write(os.open(f'/proc/{pid}/fd/1', os.O_WRONLY), b'FORGED')"),
        "passed",
        [],
    ),
    "kills its parent": (  # the parent is the launcher, never the grader; the worker dies with it
        # it waits a second after the kill, so its answer never races the parent-death signal. As root
        # the parent is outside the worker's PID namespace (getppid() is 0: its own process group)
        # and another user's: nothing is killed, and the right answer follows
        "    import os, signal, time\n    os.kill(os.getppid(), signal.SIGKILL)\n    time.sleep(1)\n"
        "    return (2 * channels, 2 * channels)",
        "passed" if ROOT_LAYERS else "error",
        [],  # otherwise "stopped the process", or PermissionError where Landlock (ABI 6) scopes signals
    ),
}

# Attacks on the sandbox itself: each answers correctly only if it was refused.
_REFUSED = "    return (2 * channels, 2 * channels)"
SANDBOX_FUNCTIONS = {
    # name: (body, (the layer that refuses it as root, the one that refuses it for an ordinary user))
    "reads the hidden checks and the reference solution": (
        "    import os, grader\n    package = os.path.dirname(grader.__file__)\n"
        "    for path in (os.path.join(package, 'exercises', 'exercise_04_parameter_counts', 'checks.py'),\n"
        "                 os.path.join(os.path.dirname(package), 'solutions', 'exercise_04_parameter_counts.py')):\n"
        "        try:\n            open(path).read()\n            return 'read ' + path\n        except OSError:\n            pass\n"
        + _REFUSED,
        ("allowlisted files", "landlock"),
    ),
    "writes into the grader's package": (
        "    import os, grader\n    target = os.path.join(os.path.dirname(grader.__file__), 'sandbox', 'planted.py')\n"
        "    try:\n        open(target, 'w').write('PLANTED = True')\n        return 'wrote ' + target\n    except OSError:\n        pass\n"
        + _REFUSED,
        ("read-only files", "landlock"),
    ),
    "connects to a helper on 127.0.0.1": (
        "    import socket\n    try:\n        socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n        return 'connected'\n"
        "    except OSError:\n        pass\n" + _REFUSED,
        ("no network", "landlock"),
    ),
    "changes its own limits": (
        "    import resource\n    try:\n        resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))\n"
        "        return 'changed a limit'\n    except (ValueError, OSError):\n        pass\n" + _REFUSED,
        ("seccomp", "seccomp"),
    ),
    "leaves its pids cgroup": (
        "    import os\n    try:\n        with open('/sys/fs/cgroup/pids/cgroup.procs', 'w') as handle:\n            handle.write(str(os.getpid()))\n"
        "        return 'left the cgroup'\n    except OSError:\n        pass\n" + _REFUSED,
        ("read-only files", "landlock"),
    ),
    "leaves its process group and disables its own exit": (  # killpg would then miss it
        "    import os, threading, time\n    try:\n        os.setsid()\n    except OSError:\n        pass\n"
        "    os._exit = lambda code: None\n"
        "    threading.Thread(target=time.sleep, args=(60,)).start()  # Python waits for it at exit\n" + _REFUSED,
        ("seccomp", "seccomp"),
    ),
    "replaces its capture file with a FIFO": (
        "    import os\n    os.remove(os.path.join('..', 'output.txt'))\n    os.mkfifo(os.path.join('..', 'output.txt'))\n"
        + _REFUSED,
        ("", ""),
    ),
    "leaves a 1,500-deep folder tree": (
        "    import os, tempfile\n    fd = os.open(tempfile.mkdtemp(dir='.'), os.O_RDONLY)\n    for _ in range(1500):\n        os.mkdir('d', dir_fd=fd)\n"
        "        new = os.open('d', os.O_RDONLY, dir_fd=fd)\n        os.close(fd)\n        fd = new\n" + _REFUSED,
        ("", ""),
    ),
}

# name: (module-level code, expected status of every check, words in the message)
HOSTILE_MODULES = {
    "infinite loop at import": ("while True:\n    pass\n", "timeout", ["importing"]),
    "syntax error": ("def broken(:\n    pass\n", "error", ["SyntaxError"]),
    "imports a missing module": ("import tensorflow_nightly_that_does_not_exist\n", "error", ["ModuleNotFoundError"]),
    "sys.exit at import": ("import sys\nsys.exit(3)\n", "error", ["SystemExit"]),
}


def _processes_mentioning(marker: str) -> list[str]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def _file_of(exercise: str) -> str:
    from grader.registry import find_exercise

    return find_exercise(exercise).file_name


def package_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the grader (package, stubs, solutions) that an attack may damage."""
    import shutil

    import grader

    source = Path(grader.__file__).resolve().parent
    root = tmp_path / "package"
    shutil.copytree(source, root / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    for content in ("exercises", "solutions"):
        if (source.parent / content).is_dir():
            shutil.copytree(source.parent / content, root / content)
    return root


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def grade(
    tmp_path: Path,
    source: str,
    *extra: str,
    package: Path | None = None,
    env: dict[str, str] | None = None,
    home: Path | None = None,
) -> tuple[subprocess.CompletedProcess, dict]:
    """Run `grade exercise-04 --submission ... --format json` in a fresh process, checking the invariants.

    ``package``: a folder holding a throwaway copy of the grader (see :func:`package_copy`) to run
    instead of the installed one, for attacks that write into the package. ``env``: more variables
    for the grader's environment; ``home``: the grader's HOME (default: an empty folder in ``tmp_path``).
    """
    learner = tmp_path / "learner"
    learner.mkdir()
    submission = learner / "exercise_04_parameter_counts.py"
    submission.write_text(source, encoding="utf-8")
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    before_learner, before_cwd = _snapshot(learner), _snapshot(workdir)
    marker = f"hostile-{time.monotonic_ns()}"
    home = home or tmp_path / "home"
    env = {**os.environ, **(env or {}), "TMPDIR": str(tmp_path / marker), "HOME": str(home)}
    if package is not None:
        env["PYTHONPATH"] = str(package)
    (tmp_path / marker).mkdir()
    home.mkdir(exist_ok=True)
    before_home = _snapshot(home)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            EXERCISE,
            "--submission",
            str(submission),
            "--format",
            "json",
            "--timeout",
            "2",
            "--load-timeout",
            "8",
            *extra,
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )
    report = json.loads(completed.stdout)  # stdout is the grader's JSON, whatever the learner printed
    assert _snapshot(learner) == before_learner, "the learner's folder changed"
    assert _snapshot(workdir) == before_cwd, "the grader's working folder changed"
    assert list((tmp_path / marker).iterdir()) == [], "the grader's temp folder was not removed"
    assert _snapshot(home) == before_home, "the home folder changed"
    deadline = time.monotonic() + 5
    while _processes_mentioning(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(marker) == [], "processes were left running"
    return completed, report


def _with_function(body: str) -> str:
    source = solution_source(EXERCISE)
    assert ORIGINAL in source
    return "import json\n" + source.replace(ORIGINAL, 'def batchnorm_params(channels):\n    """hostile"""\n' + body)


#: Cases that take what other tests share: without the root layers the fork loop fills the task quota of the
#: user who runs the tests, which every other worker shares; a test beside it under pytest-xdist could not fork.
#: With them each worker is a user of its own (tests/hostile/test_task_quota.py), and the loop fills only its own.
ALONE = set() if ROOT_LAYERS else {"fork loop"}


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.alone) if name in ALONE else name for name in HOSTILE_FUNCTIONS]
)
def test_hostile_function(name, tmp_path):
    body, status, words = HOSTILE_FUNCTIONS[name]
    completed, report = grade(tmp_path, _with_function(body))
    checks = {c["name"]: c for c in report["checks"]}
    assert len(checks) == 9, "every check must still be reported"
    target = checks[TARGET]
    assert target["status"] == status, target
    for word in words:
        assert word in target["message"], target["message"]
    others = [c for name_, c in checks.items() if name_ != TARGET]
    assert all(c["status"] == "passed" for c in others), [c for c in others if c["status"] != "passed"]
    expected_score = FULL if status == "passed" else FULL - TARGET_POINTS
    assert report["score"] == expected_score and report["max_score"] == FULL
    assert completed.returncode == (0 if status == "passed" else 1)


@pytest.mark.parametrize("name", list(HOSTILE_MODULES))
def test_hostile_module(name, tmp_path):
    code, status, words = HOSTILE_MODULES[name]
    completed, report = grade(tmp_path, code + solution_source(EXERCISE))
    assert len(report["checks"]) == 9
    assert report["score"] == 0 and report["max_score"] == FULL
    for check in report["checks"]:
        assert check["status"] == status, check
        for word in words:
            assert word in check["message"], check["message"]
    assert completed.returncode == 1


def test_a_flood_of_output_is_truncated_and_harmless(tmp_path):
    flood = "import sys\nfor _ in range(100_000):\n    sys.stdout.write('y' * 1000 + '\\n')\n"  # 100 MB at import
    completed, report = grade(tmp_path, flood + solution_source(EXERCISE), "--load-timeout", "60")
    assert report["score"] == FULL and completed.returncode == 0
    assert len(report["output"]) <= 4000 and report["output_truncated"] > 90_000_000


def test_the_worker_only_ever_receives_inputs(tmp_path):
    """A spy in the worker prints the shape of every request it receives (each kind once): the only
    place it can write that the grader keeps is its own output, since its view of the files is read-only."""
    spy = (
        "import json as _json, grader.sandbox.protocol as _protocol, grader.sandbox.worker as _worker\n"
        "_read, _seen = _protocol.read_message, set()\n"
        "def _spy(stream):\n"
        "    message = _read(stream)\n"
        "    if isinstance(message, dict):\n"
        "        kind = _json.dumps([sorted(message), message.get('op'), message.get('func'),\n"
        "                            [type(a).__name__ for a in message.get('args', [])]])\n"
        "        if kind not in _seen:\n"
        "            _seen.add(kind)\n"
        "            print('SPY', kind, flush=True)\n"
        "    return message\n"
        "_worker.read_message = _spy\n"
    )
    completed, report = grade(tmp_path, solution_source(EXERCISE) + "\n" + spy)
    assert report["score"] == FULL
    seen = [json.loads(line[4:]) for line in report["output"].splitlines() if line.startswith("SPY ")]
    assert seen, "the spy saw no requests: " + report["output"][:500]
    for keys, op, _func, _types in seen:
        assert set(keys) <= {"op", "id", "func", "args", "kwargs", "seed", "echo_args", "name"}, keys
        assert op in ("call", "probe", "exit"), op
    batchnorm_inputs = [arg_types for _, _, func, arg_types in seen if func == "batchnorm_params"]
    assert batchnorm_inputs and all(types == ["int"] for types in batchnorm_inputs), batchnorm_inputs
    assert completed.returncode == 0


MODES = {"root": False, "ordinary user": True}  # mode -> KERASDRILL_UNPRIVILEGED_SANDBOX


@pytest.fixture(scope="module")
def sandbox_layers() -> dict[str, dict[str, bool]]:
    from grader.sandbox.client import sandbox_report

    return {mode: sandbox_report(unprivileged=flag) for mode, flag in MODES.items()}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("name", list(SANDBOX_FUNCTIONS))
def test_the_sandbox_refuses(name, mode, tmp_path, sandbox_layers, monkeypatch):
    body, layers = SANDBOX_FUNCTIONS[name]
    layer = layers[0] if mode == "root" else layers[1]
    if layer and not sandbox_layers[mode].get(layer):
        pytest.skip(f"this machine gives the worker no {layer!r} layer as {mode} (see README's threat model)")
    if MODES[mode]:
        monkeypatch.setenv("KERASDRILL_UNPRIVILEGED_SANDBOX", "1")
    import socket

    with socket.socket() as helper:  # a helper that would compute answers, for the network case
        helper.bind(("127.0.0.1", 0))
        helper.listen()
        package = package_copy(tmp_path)
        completed, report = grade(tmp_path, _with_function(body.format(port=helper.getsockname()[1])), package=package)
    assert not (package / "grader" / "sandbox" / "planted.py").exists()
    checks = {c["name"]: c for c in report["checks"]}
    assert len(checks) == 9 and checks[TARGET]["status"] == "passed", checks[TARGET]
    assert report["score"] == FULL and report["max_score"] == FULL and completed.returncode == 0


def test_a_conftest_planted_beside_the_checks_never_reaches_the_next_learner(tmp_path):
    """Planted in the (throwaway) package's check folder, a conftest.py that passes every check would
    give the next learner's untouched stub full marks. The worker cannot write there (as root) and
    pytest never imports a conftest (any user)."""
    package = package_copy(tmp_path / "one")
    plant = (
        "    import os, grader\n"
        "    folder = os.path.join(os.path.dirname(grader.__file__), 'exercises', 'exercise_04_parameter_counts')\n"
        "    try:\n        with open(os.path.join(folder, 'conftest.py'), 'w') as handle:\n"
        "            handle.write('import pytest\\n@pytest.hookimpl(tryfirst=True)\\ndef pytest_runtest_call(item):\\n    return True\\n')\n"
        "    except OSError:\n        pass\n" + _REFUSED
    )
    grade(tmp_path / "one", _with_function(plant), package=package)
    conftest = package / "grader" / "exercises" / "exercise_04_parameter_counts" / "conftest.py"
    conftest.write_text(  # as a non-root worker could have: the verdict must still ignore it
        "import pytest\n@pytest.hookimpl(tryfirst=True)\ndef pytest_pyfunc_call(pyfuncitem):\n    return True\n"
    )
    stub = (package / "exercises" / "exercise_04_parameter_counts.py").read_text(encoding="utf-8")
    (tmp_path / "two").mkdir()
    _, report = grade(tmp_path / "two", stub, package=package)
    assert report["score"] == 0 and report["max_score"] == FULL, report


def test_a_capture_file_turned_into_a_symlink_shows_no_hidden_source(tmp_path):
    swap = (
        "    import os, grader\n    checks = os.path.join(os.path.dirname(grader.__file__), 'exercises', 'exercise_04_parameter_counts', 'checks.py')\n"
        "    os.remove(os.path.join('..', 'output.txt'))\n    os.symlink(checks, os.path.join('..', 'output.txt'))\n"
        + _REFUSED
    )
    _, report = grade(tmp_path, _with_function(swap))
    assert "def test_" not in report["output"] and "@check" not in report["output"], report["output"][:300]
    assert report["score"] == FULL


def test_a_lone_surrogate_in_a_reply_is_a_failed_check_and_valid_json(tmp_path):
    completed, report = grade(tmp_path, _with_function("    return '\\ud800' * 3"))
    assert report["max_score"] == FULL and report["score"] == FULL - TARGET_POINTS
    assert {c["status"] for c in report["checks"] if c["name"] == TARGET} == {"failed"}
    assert completed.returncode == 1


def _grade_measured(tmp_path: Path, exercise: str, source: str) -> tuple[dict, float, float]:
    """Grade ``source`` as ``exercise``'s submission; the JSON report, the grading process's own peak
    memory in MB (not its children's: the worker's and the trainer's are theirs) and the seconds taken."""
    submission = tmp_path / _file_of(exercise)
    submission.write_text(source, encoding="utf-8")
    measure = (
        "import atexit, resource, runpy, sys\n"
        "atexit.register(lambda: sys.stderr.write(f'\\npeak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}'))\n"
        "sys.argv = ['grade', *sys.argv[1:]]\n"
        "runpy.run_module('grader', run_name='__main__', alter_sys=True)\n"
    )
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-c", measure, exercise, "--submission", str(submission), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=320,
    )
    elapsed = time.monotonic() - started
    peak = [line for line in completed.stderr.splitlines() if line.startswith("peak ")]
    assert peak, completed.stderr[-2000:]
    return json.loads(completed.stdout), int(peak[-1].split()[1]) / 1024, elapsed


@pytest.mark.slow
def test_a_model_bomb_costs_its_own_checks_and_little_memory(tmp_path):
    """UpSampling2D(128) in the course CNN: a few thousand parameters, 51 M values per sample.
    The grading process used to train it (GBs); now the archive is refused before it is built."""
    source = solution_source("exercise-10").replace(
        "        Flatten(),\n",
        "        keras.layers.UpSampling2D(128),\n        keras.layers.GlobalAveragePooling2D(),\n",
    )
    assert "UpSampling2D(128)" in source
    report, peak_mb, elapsed = _grade_measured(tmp_path, "exercise-10", source)
    refused = [c for c in report["checks"] if c["message_id"] == "model.budget_activations"]
    assert refused and all("GB" in c["message"] for c in refused), report["checks"]
    assert report["max_score"] == 12 and len(report["checks"]) == 4 and not report["error"]
    assert peak_mb < 1536, f"peak memory {peak_mb:.0f} MB"
    assert elapsed < 60, f"took {elapsed:.0f} s"


@pytest.mark.slow
def test_a_model_within_every_layer_budget_that_needs_gigabytes_to_train_costs_one_check(tmp_path):
    """UpSampling2D(120) and three Conv2D after the course CNN's pooling: on the 8x8 digits each layer
    gives 3.7 M values per sample, within the per-layer budget, but a batch of 32 needs several GB
    to train. (With two, it needed about the 2 GB cap: whether its trainer was refused memory or ran
    out of time depended on how much TensorFlow allocated, and so on the interpreter it ran in.) (At the default 28x28 input the archive is refused by the budget, so the other three
    checks fail as before.) The grading process used to train it itself: 2.8 GB and 79 s. Now a
    trainer process with a memory cap does, and the training check fails with its own message."""
    source = solution_source("exercise-10").replace(
        "        Flatten(),\n",
        "        keras.layers.UpSampling2D(120),\n"
        "        Conv2D(64, kernel_size=3, padding='same'),\n"
        "        Conv2D(64, kernel_size=3, padding='same'),\n"
        "        Conv2D(64, kernel_size=3, padding='same'),\n"
        "        keras.layers.GlobalAveragePooling2D(),\n",
    )
    assert "UpSampling2D(120)" in source
    report, peak_mb, elapsed = _grade_measured(tmp_path, "exercise-10", source)
    by_name = {c["name"]: c for c in report["checks"]}
    assert report["max_score"] == 12 and len(report["checks"]) == 4 and not report["error"], report
    trained = [c for c in report["checks"] if c["message_id"] == "model.training_out_of_memory"]
    assert len(trained) == 1 and "GB of memory" in trained[0]["message"], by_name["learns_digits"]["message"]
    assert peak_mb < 1536, f"peak memory {peak_mb:.0f} MB"
    assert elapsed < 60, f"took {elapsed:.0f} s"


@pytest.mark.slow
def test_held_out_labels_cannot_be_looked_up_in_the_public_data(tmp_path):
    """Exercise 08's train_and_predict, but the data is public: this one trains nothing and finds each
    row it is given among the public rows by its length, which the secret's rotation keeps. It scored
    12/12 on the rotated test rows (issue #25); now the held-out rows never reach the worker, the
    trained model is scored on them here, and the 4 training points are lost."""
    lookup = """def train_and_predict(model, x_train, y_train, x_test, epochs=50):
    # grader.datasets' public recipe (the worker cannot import it: only grader.sandbox is in its view)
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    x_tr, x_te, y_tr, y_te = train_test_split(data.data, data.target, test_size=0.2, random_state=1, stratify=data.target)
    mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)
    rows = ((np.concatenate([x_tr, x_te]) - mean) / np.where(std > 1e-12, std, 1.0)).astype(np.float32)
    labels = np.concatenate([y_tr, y_te])
    norms = np.linalg.norm(rows, axis=1)  # a rotation keeps every row's length
    found = []
    for row in np.asarray(x_test):
        gap = np.abs(norms - np.linalg.norm(row))
        found.append(int(labels[gap.argmin()]) if gap.min() < 1e-3 else 0)
    return np.array(found)


def _original_train_and_predict("""
    source = solution_source("exercise-08").replace("def train_and_predict(", lookup, 1)
    assert "data = load_breast_cancer()" in source
    report, _, _ = _grade_measured(tmp_path, "exercise-08", source)
    by_name = {c["name"]: c for c in report["checks"]}
    assert by_name["learns_breast_cancer"]["status"] == "failed", by_name["learns_breast_cancer"]
    assert report["score"] == 8 and report["max_score"] == 12, report


@pytest.mark.slow
def test_a_replaced_seed_probe_does_not_earn_the_seeding_points(tmp_path):
    """Exercise 11: set_seed does nothing, and the module replaces the grader's probe with one that
    repeats itself (and changes with the seed). The draws used to be compared only with each other;
    now also with those of a process the grader seeded itself."""
    fake = """

import grader.sandbox.probes as _probes


def _repeatable(module, seed):
    return {source: [seed / 1e4] * 3 for source in ("python", "numpy", "tensorflow", "keras_init")}


_repeatable.is_probe = True
_probes.random_draws_after_set_seed = _repeatable


def set_seed(seed):
    pass
"""
    source = solution_source("exercise-11") + fake
    report, _, _ = _grade_measured(tmp_path, "exercise-11", source)
    by_name = {c["name"]: c for c in report["checks"]}
    seeded = by_name["set_seed_makes_runs_repeatable"]
    # a do-nothing set_seed draws differently each time (the probe now runs where no module code did)
    assert seeded["status"] == "failed" and seeded["message_id"].endswith(("seed_source", "seed_not_applied")), seeded
    assert report["score"] == report["max_score"] - 2, report


@pytest.mark.slow
def test_a_replaced_seed_probe_that_seeds_the_process_itself_earns_nothing(tmp_path):
    """Exercise 11: set_seed does nothing, and module-level code replaces the grader's probe with one
    that seeds the process itself before drawing exactly as the probe does, so its draws match a
    process the grader seeded. The seed check now calls set_seed in a worker that imported only the
    learner's imports and definitions: no module-level code runs there to replace anything."""
    fake = """

import grader.sandbox.probes as _probes

_original = _probes.random_draws_after_set_seed


def _self_seeding(module, seed):
    import keras

    keras.utils.set_random_seed(seed)
    return _original.__wrapped__(module, seed) if hasattr(_original, "__wrapped__") else _original(module, seed)


_self_seeding.is_probe = True
_probes.random_draws_after_set_seed = _self_seeding


def set_seed(seed):
    pass
"""
    source = solution_source("exercise-11") + fake
    report, _, _ = _grade_measured(tmp_path, "exercise-11", source)
    by_name = {c["name"]: c for c in report["checks"]}
    seeded = by_name["set_seed_makes_runs_repeatable"]
    assert seeded["status"] == "failed" and seeded["message_id"].endswith(("seed_source", "seed_not_applied")), seeded
    assert report["score"] == report["max_score"] - 2, report
