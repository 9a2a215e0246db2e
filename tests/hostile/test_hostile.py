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


def _reach_the_grader(action: str) -> str:
    """A body that finds the grading process in /proc and tries ``action`` on it (``pid`` is its pid).

    It answers correctly only if the grader was found and every attempt was refused,
    so its check passes exactly when the grader is out of reach.
    """
    return (
        "    import os\n    found, reached = [], []\n    for pid in os.listdir('/proc'):\n        if not pid.isdigit():\n            continue\n"
        "        try:\n            cmdline = open(f'/proc/{pid}/cmdline', 'rb').read()\n        except OSError:\n            continue\n"
        "        if b'-m\\x00grader\\x00exercise-04' in cmdline:\n            found.append(pid)\n"
        f"            try:\n                {action}\n                reached.append(pid)\n            except OSError:\n                pass\n"
        "    if not found:\n        return 'the grading process was not found'\n"
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
        "    import pytest, numpy, grader.checking, grader.sandbox.protocol\n    pytest.fail = lambda *a, **k: None\n    grader.checking.fail = lambda *a, **k: None\n"
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
        "    import os\n    for name in ('results.json', 'report.json', 'junit.xml', os.path.join('..', 'output.txt')):\n        with open(name, 'w') as handle:\n            handle.write('{\"score\": 16, \"max_score\": 16}')\n    return 0",
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
    "kills its parent": (
        "    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n    return (2 * channels, 2 * channels)",
        "passed",
        [],
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


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def grade(tmp_path: Path, source: str, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    """Run `grade exercise-04 --submission ... --format json` in a fresh process, checking the invariants."""
    learner = tmp_path / "learner"
    learner.mkdir()
    submission = learner / "exercise_04_parameter_counts.py"
    submission.write_text(source, encoding="utf-8")
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    before_learner, before_cwd = _snapshot(learner), _snapshot(workdir)
    marker = f"hostile-{time.monotonic_ns()}"
    env = {**os.environ, "TMPDIR": str(tmp_path / marker), "HOME": str(tmp_path / "home")}
    (tmp_path / marker).mkdir()
    (tmp_path / "home").mkdir()
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
    assert list((tmp_path / "home").iterdir()) == [], "the home folder changed"
    deadline = time.monotonic() + 5
    while _processes_mentioning(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(marker) == [], "processes were left running"
    return completed, report


def _with_function(body: str) -> str:
    source = solution_source(EXERCISE)
    assert ORIGINAL in source
    return "import json\n" + source.replace(ORIGINAL, 'def batchnorm_params(channels):\n    """hostile"""\n' + body)


@pytest.mark.parametrize("name", list(HOSTILE_FUNCTIONS))
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
    log = tmp_path / "requests.log"
    spy = (
        "import json as _json, grader.sandbox.protocol as _protocol, grader.sandbox.worker as _worker\n"
        "_read = _protocol.read_message\n"
        "def _spy(stream):\n"
        "    message = _read(stream)\n"
        f"    open({str(log)!r}, 'a').write(_json.dumps(message) + '\\n')\n"
        "    return message\n"
        "_worker.read_message = _spy\n"
    )
    completed, report = grade(tmp_path, solution_source(EXERCISE) + "\n" + spy)
    assert report["score"] == FULL
    requests = [json.loads(line) for line in log.read_text().splitlines()]
    assert requests, "the spy saw no requests"
    for request in requests:
        assert set(request) <= {"op", "id", "func", "args", "kwargs", "seed", "echo_args", "name"}, request
        assert request["op"] in ("call", "probe", "exit"), request
    batchnorm_inputs = [r["args"] for r in requests if r.get("func") == "batchnorm_params"]
    assert batchnorm_inputs and all(len(args) == 1 and isinstance(args[0], int) for args in batchnorm_inputs)
    assert completed.returncode == 0
