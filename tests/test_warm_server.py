"""The warm grading server (grader.warm.server, issue #31 item 2): repeated `grade EXERCISE` reuse it.

Each test has its own temp folder, so its own runtime folder and server; every server started is
stopped at the end (`grade --stop-server`).
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support import wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's sockets and seccomp")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    temp = tmp_path / "temp"
    temp.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "XDG_RUNTIME_DIR")}
    env.update(TMPDIR=str(temp), KERASDRILL_WARM_SERVER="1", **extra)
    return env


def _grade(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], env=env, capture_output=True, text=True, timeout=600, cwd="/"
    )


def _runtime(env: dict[str, str]) -> Path:
    return Path(env["TMPDIR"]) / f"kerasdrill-{os.getuid()}"


def _servers(env: dict[str, str]) -> list[Path]:
    return sorted(_runtime(env).glob("grade-*.sock")) if _runtime(env).is_dir() else []


def _server_pids(env: dict[str, str]) -> set[int]:
    """The server of this test's runtime folder (not the children it forked, which share its command line)."""
    every = _server_processes(env)
    return {pid for pid in every if _parent(pid) not in every}


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _server_processes(env: dict[str, str]) -> set[int]:
    """Processes running grader.warm.server for this test's runtime folder, and what they forked."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"grader.warm.server import serve" in command and str(_runtime(env)).encode() in command:
                pids.add(int(entry.name))
    return pids


def _comparable(report: str) -> str:
    """A JSON report without its timings (they are measured, so they differ between any two runs)."""
    return re.sub(r'"duration_s": [0-9.e-]+', '"duration_s": 0', report)


@pytest.fixture
def env(tmp_path):
    env = _env(tmp_path)
    yield env
    _grade(env, "--stop-server")


@pytest.mark.slow
@pytest.mark.parametrize("exercise", ["exercise-05", "exercise-02"])
def test_a_warm_grade_reports_what_a_cold_one_does(env, exercise):
    cold = _grade({**env, "KERASDRILL_WARM_SERVER": "0"}, exercise, "--solutions", "--format", "json")
    assert not _servers(env)
    first = _grade(env, exercise, "--solutions", "--format", "json")  # starts the server
    assert wait_for(lambda: _servers(env) and _server_pids(env), 120)
    warm = _grade(env, exercise, "--solutions", "--format", "json")
    for run in (cold, first, warm):
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert _comparable(warm.stdout) == _comparable(cold.stdout) == _comparable(first.stdout)
    assert json.loads(warm.stdout)["score"] == json.loads(warm.stdout)["max_score"]


@pytest.mark.slow
def test_the_server_outlives_a_grade_and_stops_when_asked(env):
    assert _grade(env, "exercise-02", "--solutions").returncode == 0
    pids = _server_pids(env)
    assert len(pids) == 1 and len(_servers(env)) == 1
    stopped = _grade(env, "--stop-server")
    assert stopped.returncode == 0 and "Stopped 1" in stopped.stdout
    assert wait_for(lambda: not _server_processes(env), 10)  # its spare too
    assert _servers(env) == []
    assert "No warm grading server" in _grade(env, "--stop-server").stdout


@pytest.mark.slow
def test_an_idle_server_ends_by_itself(tmp_path):
    env = _env(tmp_path, KERASDRILL_WARM_IDLE_S="1")
    assert _grade(env, "exercise-02", "--solutions").returncode == 0
    assert wait_for(lambda: not _server_processes(env), 30)
    assert _servers(env) == []


@pytest.mark.parametrize("setting", [{"CI": "true"}, {"KERASDRILL_WARM_SERVER": "0"}])
def test_no_server_in_ci_or_when_turned_off(tmp_path, setting):
    env = {**_env(tmp_path), **setting}
    if "CI" in setting:
        env.pop("KERASDRILL_WARM_SERVER")
    assert _grade(env, "exercise-05", "--solutions").returncode == 0
    assert not _runtime(env).exists() or _servers(env) == []
    assert not _server_pids(env)


@pytest.mark.skipif(os.geteuid() != 0, reason="as root the default is no server")
def test_no_server_as_root_unless_asked(tmp_path):
    env = _env(tmp_path)
    env.pop("KERASDRILL_WARM_SERVER")
    assert _grade(env, "exercise-05", "--solutions").returncode == 0
    assert _servers(env) == [] and not _server_pids(env)


@pytest.mark.slow
def test_the_server_forks_grading_children_only_and_only_for_its_user(env):
    assert _grade(env, "exercise-02", "--solutions").returncode == 0
    (path,) = _servers(env)
    assert _runtime(env).stat().st_mode & 0o777 == 0o700 and path.stat().st_mode & 0o777 == 0o600
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
        channel.settimeout(30)
        folder = os.open(path.parent, os.O_PATH)  # the temp folder's path is longer than a socket's may be
        channel.connect(f"/proc/self/fd/{folder}/{path.name}")
        os.close(folder)
        assert int(channel.recv(32)) in _server_pids(env)
        read, write = os.pipe()
        payload = json.dumps(
            {"entry": "os:system", "argv": ["touch /tmp/should-not-exist"], "env": {}, "cwd": "/"}
        ).encode()
        socket.send_fds(channel, [len(payload).to_bytes(4, "big") + payload], [read, write])
        assert channel.recv(16) == b"-1"
        os.close(read)
        os.close(write)
    if os.geteuid() == 0:  # another user cannot even reach the socket: the folder is 0700
        code = (
            f"import os, socket; folder = os.open({str(path.parent)!r}, os.O_PATH)\n"
            f"os.setgid(65534); os.setuid(65534); s = socket.socket(socket.AF_UNIX)\n"
            f"try:\n    s.connect('/proc/self/fd/%d/{path.name}' % folder); print('connected')\n"
            f"except OSError as e:\n    print(e.errno)"
        )
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
        # refused for want of permission, not passed for a crash or a missing socket
        assert other.returncode == 0 and other.stdout.strip() == str(errno.EACCES), (other.stdout, other.stderr)


@pytest.mark.parametrize("args", [("--stop-server", "--lang", "ko"), ("--lang", "ko", "--stop-server")])
def test_stop_server_answers_in_the_language_asked_for_wherever_it_is_written(env, args):
    answer = _grade({**env, "LANG": "C.UTF-8", "KERASDRILL_LANG": ""}, *args)
    assert answer.returncode == 0 and answer.stdout.strip() == "실행 중인 빠른 채점 서버가 없습니다.", answer
