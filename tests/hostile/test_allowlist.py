"""The worker sees an explicit list of paths and variables, and stays inside its limits (issue #24).

Each case is exercise 04's reference solution with ``batchnorm_params`` (2 of 16 points) replaced
by an attack that answers correctly only if the sandbox held, or that leaves a trace on the
machine the test then looks for. Every case runs in both modes: with the root layers, and with only
an ordinary user's (``KERASDRILL_UNPRIVILEGED_SANDBOX=1``). Before the allowlist each of them
failed on main: the worker read ``/etc/shadow``, the decoy solutions and the grader's secret; a
System V segment, a 3 GiB shared mapping and 800 MB of files outlived or outgrew their limits; and
root's worker wrote into a terminal of the machine.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import solution_source
from test_hostile import EXERCISE, FULL, MODES, TARGET, _with_function, grade

from grader.sandbox import allowlist

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox's layers are Linux's")

MARK = "KERASDRILL-DECOY-4c1e"  # only the planted copies hold it
SECRET = "s3cr3t-only-the-grader-knows"
ALLOWED_VARIABLES = (
    "PATH LANG LANGUAGE TZ TMPDIR TEMP TMP HOME PYTHONHASHSEED PYTHONDONTWRITEBYTECODE PYTHONUNBUFFERED "
    "PYTHONIOENCODING PYTHONUTF8 TF_CPP_MIN_LOG_LEVEL TF_ENABLE_ONEDNN_OPTS KERAS_BACKEND CUDA_VISIBLE_DEVICES "
    "JOBLIB_MULTIPROCESSING MPLBACKEND MPLCONFIGDIR KERASDRILL_MEMORY_MB KERASDRILL_FILE_SIZE_MB KERASDRILL_CPU_SECONDS KERASDRILL_EXTRA_TASKS KERASDRILL_CGROUP"
).split()
ALLOWED_PREFIXES = ("LC_", "OPENBLAS_", "OMP_", "MKL_", "GOTO_")


def _mode_env(mode: str, monkeypatch) -> None:
    if MODES[mode]:
        monkeypatch.setenv("KERASDRILL_UNPRIVILEGED_SANDBOX", "1")
    else:
        monkeypatch.delenv("KERASDRILL_UNPRIVILEGED_SANDBOX", raising=False)


@pytest.fixture
def planted():
    """Copies of the reference solution where machines keep such things, outside the temp folder:
    under the grader's HOME, in an unrelated folder, in a pip cache's unpacked wheel."""
    base = Path(tempfile.mkdtemp(prefix="kerasdrill-decoys-", dir=os.path.expanduser("~")))
    home = base / "home"
    places = [
        home / "courses" / "kerasdrill" / "solutions",
        base / "srv" / "kerasdrill-checkout" / "solutions",
        home / ".cache" / "pip" / "wheels" / "ab" / "grader" / "_content" / "solutions",
    ]
    for place in places:
        place.mkdir(parents=True)
        (place / "exercise_04_parameter_counts.py").write_text(
            solution_source(EXERCISE) + f"\n# {MARK}\n", encoding="utf-8"
        )
    yield {"home": home, "files": [str(p / "exercise_04_parameter_counts.py") for p in places]}
    shutil.rmtree(base, ignore_errors=True)


def _machine_state(tmp_path: Path) -> dict:
    """What a worker of this test could leave behind on the machine: System V segments, mounts
    below its temp folder, exercise 04's cgroups (other graders may run beside the test: their
    own segments, mounts and cgroups come and go, so only what is new and still there counts)."""
    try:
        shm = {line.split()[1] for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]}
    except OSError:
        shm = set()
    mounts = {
        line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines() if str(tmp_path) in line
    }
    root = Path("/sys/fs/cgroup")
    cgroups = (
        {str(p) for p in root.glob("*/kerasdrill-kerasdrill-04-*") if _owner_gone(p.name)} if root.is_dir() else set()
    )
    return {"shm": shm, "mounts": mounts, "cgroups": cgroups}


def _owner_gone(name: str) -> bool:
    """A cgroup whose grader (its pid is in the name) still runs is another grader's, not a leftover."""
    from grader.sandbox.session import _OWNED

    owned = _OWNED.search(name)
    return owned is None or not Path(f"/proc/{owned.group(1)}").exists()


def _left_behind(before: dict, tmp_path: Path) -> dict:
    after = _machine_state(tmp_path)
    return {key: sorted(after[key] - before[key]) for key in after if after[key] - before[key]}


def _target(report: dict) -> dict:
    checks = {c["name"]: c for c in report["checks"]}
    assert len(checks) == 9, "every check must still be reported"
    others = [c for name, c in checks.items() if name != TARGET]
    assert all(c["status"] == "passed" for c in others), [c for c in others if c["status"] != "passed"]
    return checks[TARGET]


# ----------------------------------------------------------------------------- what the worker can see

LOOKS_AROUND = """    import os, grader
    leaks = []
    def refused(action, path):
        try:
            action(path)
        except OSError:
            return
        leaks.append(path)
    package = os.path.dirname(grader.__file__)
    for path in ["/etc/shadow", "/etc/hostname", "/etc/hosts", *{planted!r},
                 os.path.join(package, "exercises", "exercise_04_parameter_counts", "checks.py"),
                 os.path.join(os.path.dirname(package), "solutions", "exercise_04_parameter_counts.py"),
                 os.path.join(package, "_content", "solutions", "exercise_04_parameter_counts.py")]:
        refused(lambda p: open(p, "rb").read(1), path)
    for folder in ["/root", "/home", "/opt", "/srv", "/var", "/run", "/tmp", "/mnt", "/media", "/boot",
                   "/dev/pts", "/dev/shm", {home!r}, os.path.dirname(package),
                   os.path.join(package, "exercises"), os.path.join(package, "_content")]:
        refused(os.listdir, folder)
    names = [k for k in os.environ if k not in {allowed!r} and not k.startswith({prefixes!r})]
    if names:
        leaks.append("variables " + ",".join(sorted(names)))
    try:
        block = open("/proc/self/environ", "rb").read()
    except OSError:
        block = b""
    if {secret!r}.encode() in block or any({secret!r} in v for v in os.environ.values()):
        leaks.append("the secret")
    own = os.path.realpath(__file__)
    for top, folders, files in os.walk("/"):
        folders[:] = [f for f in folders if os.path.join(top, f) not in ("/proc", "/sys", "/dev")]
        for name in files:
            path = os.path.join(top, name)
            if name == "exercise_04_parameter_counts.py" and os.path.realpath(path) != own:
                leaks.append(path)
    if leaks:
        return "saw " + "; ".join(leaks)
    return (2 * channels, 2 * channels)"""


@pytest.mark.parametrize("mode", list(MODES))
def test_the_worker_sees_only_its_allowlist(mode, tmp_path, planted, monkeypatch):
    """Nothing the grader did not grant can be opened or listed, whatever its path, and the
    environment holds only the allowlisted variables: never the grading secret or a CI token."""
    _mode_env(mode, monkeypatch)
    body = LOOKS_AROUND.format(
        planted=planted["files"],
        home=str(planted["home"]),
        allowed=ALLOWED_VARIABLES,
        prefixes=ALLOWED_PREFIXES,
        secret=SECRET,
    )
    env = {"KERASDRILL_SECRET": SECRET, "GITHUB_TOKEN": SECRET, "AWS_SECRET_ACCESS_KEY": SECRET, "CI": "true"}
    completed, report = grade(tmp_path, _with_function(body), "--timeout", "120", env=env, home=planted["home"])
    target = _target(report)
    assert target["status"] == "passed", target["message"][:3000]
    assert report["score"] == FULL and completed.returncode == 0


# ----------------------------------------------------------------------------- containment

SHARED_SEGMENT = """    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    segment = libc.shmget(0, 64 * 1024 * 1024, 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT: never removed
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        if address not in (None, ctypes.c_void_p(-1).value):
            ctypes.memset(address, 1, 64 * 1024 * 1024)
    return (2 * channels, 2 * channels)"""

SHARED_MEMORY = """    import mmap, os
    held = []
    try:
        area = mmap.mmap(-1, 3 * 1024 ** 3)  # MAP_SHARED | MAP_ANONYMOUS: not counted by RLIMIT_DATA
        for offset in range(0, len(area), 4096):
            area[offset] = 1
        held.append(area)
    except (OSError, ValueError):
        pass
    try:
        fd = os.memfd_create("hoard")
        os.ftruncate(fd, 255 * 1024 * 1024)
        held.append(mmap.mmap(fd, 255 * 1024 * 1024))
    except (OSError, ValueError, AttributeError):
        pass
    if held:
        return "allocated " + str(len(held))
    return (2 * channels, 2 * channels)"""

FILLS_THE_DISK = '''    import os
    block = b"x" * (1024 * 1024)
    written = 0
    try:
        for name in ("a", "b", "c", "d"):  # each under the 256 MiB per-file cap
            with open(name + ".bin", "wb") as handle:
                for _ in range(200):
                    handle.write(block)
                    written += 1
    except OSError:
        return (2 * channels, 2 * channels)
    return "FILLED " + str(written) + " MB"'''

WRITES_TO_TERMINALS = """    import os
    opened = []
    if {unprivileged_user} and os.getuid() == 0:
        opened.append("uid 0")
    candidates = ["/dev/console", "/dev/tty", "/dev/kmsg", "/dev/loop0", "/dev/zram0", "/dev/mem", "/dev/vda"]
    try:
        candidates += ["/dev/pts/" + n for n in os.listdir("/dev/pts")]
    except OSError:
        pass
    for path in candidates:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.write(fd, b"Score: 16/16 FORGED\\n")
        except OSError:
            pass
        os.close(fd)
        opened.append(path)
    if opened:
        return "opened " + ", ".join(opened)
    return (2 * channels, 2 * channels)"""


def _stays_within(tmp_path: Path, body: str, overdone: str, named: str) -> None:
    """Grade ``body``: it never completes (its answer would hold ``overdone``); it is refused (its
    check passes) or stopped with a message naming the limit (``named``); nothing is left behind."""
    before = _machine_state(tmp_path)
    _, report = grade(tmp_path, _with_function(body), "--timeout", "60")
    target = _target(report)
    assert overdone not in target["message"], target
    if target["status"] != "passed":
        assert target["status"] == "error" and named in target["message"], target
    assert _left_behind(before, tmp_path) == {}


@pytest.mark.parametrize("mode", list(MODES))
def test_a_shared_memory_segment_does_not_outlive_grade(mode, tmp_path, monkeypatch):
    """A 64 MiB System V segment belongs to no process: on the host's IPC namespace it would stay
    after `grade` ended. As root the worker's own IPC namespace takes it along; for an ordinary
    user seccomp refuses shmget."""
    _mode_env(mode, monkeypatch)
    before = _machine_state(tmp_path)
    completed, report = grade(tmp_path, _with_function(SHARED_SEGMENT), "--timeout", "30")
    assert _target(report)["status"] == "passed" and completed.returncode == 0
    assert _left_behind(before, tmp_path) == {}


@pytest.mark.parametrize("mode", list(MODES))
def test_shared_memory_cannot_outgrow_the_memory_cap(mode, tmp_path, monkeypatch):
    """RLIMIT_DATA does not count MAP_SHARED memory: 3 GiB touched under the 2 GiB cap. As root the
    worker's memory cgroup counts it (the worker is stopped, and the message says why); for an
    ordinary user seccomp refuses shared anonymous mappings and memfd_create."""
    _mode_env(mode, monkeypatch)
    _stays_within(tmp_path, SHARED_MEMORY, "allocated", "memory")


@pytest.mark.parametrize("mode", list(MODES))
def test_files_cannot_outgrow_the_session_folder(mode, tmp_path, monkeypatch):
    """Four 200 MiB files, each under the per-file cap, 800 MB in all: as root the session folder
    is a 512 MiB tmpfs (the write fails); for an ordinary user the grading process notices the
    folder past its cap and stops the worker."""
    _mode_env(mode, monkeypatch)
    _stays_within(tmp_path, FILLS_THE_DISK, "FILLED", "512 MB")


@pytest.mark.parametrize("mode", list(MODES))
def test_nothing_reaches_a_terminal_or_a_device(mode, tmp_path, monkeypatch):
    """Root's worker once opened /dev/pts/N and wrote a fake report on the instructor's terminal.
    Now its /dev holds four devices and it runs as its own user; Landlock grants the same four."""
    _mode_env(mode, monkeypatch)
    master, follower = os.openpty()  # a terminal of this machine, as an instructor's would be
    try:
        body = WRITES_TO_TERMINALS.format(unprivileged_user=not MODES[mode])
        completed, report = grade(tmp_path, _with_function(body), "--timeout", "30")
        flags = fcntl.fcntl(master, fcntl.F_GETFL)
        fcntl.fcntl(master, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        try:
            arrived = os.read(master, 4096)
        except BlockingIOError:
            arrived = b""
    finally:
        os.close(master)
        os.close(follower)
    assert arrived == b"", arrived
    target = _target(report)
    assert target["status"] == "passed", target["message"]


# ----------------------------------------------------------------------------- a class

SEARCHER = '''import os


def _copy():
    """Any other copy of this exercise anywhere on the machine, to run instead."""
    own = os.path.realpath(__file__)
    for top, folders, files in os.walk("/"):
        folders[:] = [f for f in folders if os.path.join(top, f) not in ("/proc", "/sys", "/dev")]
        for name in files:
            path = os.path.join(top, name)
            if name == "exercise_04_parameter_counts.py" and os.path.realpath(path) != own:
                try:
                    source = open(path, encoding="utf-8").read()
                except OSError:
                    continue
                if "def batchnorm_params" in source and "NotImplementedError" not in source:
                    found = {}
                    exec(compile(source, path, "exec"), found)
                    return found
    return None


_FOUND = _copy()


def _delegate(name, args, kwargs):
    if not _FOUND:
        raise NotImplementedError(name)
    return _FOUND[name](*args, **kwargs)


'''


@pytest.mark.parametrize("mode", list(MODES))
def test_a_learner_in_a_class_finds_no_other_copy_of_its_exercise(mode, tmp_path, planted, monkeypatch):
    """In `grade batch`, a learner that walks the whole machine for another copy of its exercise
    (a checkout, an installed package's content, a pip cache, a classmate) finds none and gets 0;
    the classmate beside it keeps full marks."""
    _mode_env(mode, monkeypatch)
    class_dir = tmp_path / "class"
    (class_dir / "searcher").mkdir(parents=True)
    (class_dir / "classmate").mkdir()
    functions = "\n".join(
        f"def {name}(*args, **kwargs):\n    return _delegate('{name}', args, kwargs)\n"
        for name in (
            "dense_params",
            "mlp_params",
            "conv2d_params",
            "batchnorm_params",
            "flatten_params",
            "pooling_params",
        )
    )
    (class_dir / "searcher" / "exercise_04_parameter_counts.py").write_text(SEARCHER + functions, encoding="utf-8")
    (class_dir / "classmate" / "exercise_04_parameter_counts.py").write_text(
        solution_source(EXERCISE), encoding="utf-8"
    )
    out = tmp_path / "out"
    env = {**os.environ, "HOME": str(planted["home"])}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(class_dir),
            "--out",
            str(out),
            "--exercise",
            EXERCISE,
            "--timeout",
            "120",
            "--load-timeout",
            "120",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    scores = {learner["learner"]: learner for learner in data["learners"]}
    assert scores["classmate"]["score"] == FULL, completed.stderr[-2000:]
    assert scores["searcher"]["score"] == 0, scores["searcher"]


# ----------------------------------------------------------------------------- the list itself


def test_another_checkout_on_sys_path_is_never_listed(tmp_path, monkeypatch):
    """A venv with the system's site folders sees an editable install's checkout on sys.path (its
    .pth): that checkout, with its solutions, is not the worker's to see, whichever package runs.
    (Gradescope's autograder venv bound /work/main whole before this.)"""
    from grader.sandbox import allowlist

    checkout = tmp_path / "other-kerasdrill"
    (checkout / "grader" / "sandbox").mkdir(parents=True)
    (checkout / "solutions").mkdir()
    library = tmp_path / "some-library"
    library.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(checkout), str(library)])
    view = allowlist.worker_view(str(tmp_path / "session"))
    assert not any(str(checkout) in path for path in view.read_only), view.read_only
    assert str(library) in view.read_only


def test_hidden_folders_inside_the_package_are_not_holes(monkeypatch, tmp_path):
    """The package shows only its members, so the hidden checks inside it need no hole (a hole
    there could not be mounted in the package's read-only folder, and the whole view failed)."""
    from grader.sandbox import allowlist

    package = allowlist.grader_package()
    site = os.path.dirname(package)  # as in a wheel install: the package inside a listed site folder
    monkeypatch.setattr(allowlist, "site_paths", lambda: [site])
    monkeypatch.setattr(sys, "path", [*sys.path, site])
    view = allowlist.worker_view(str(tmp_path), [os.path.join(package, "exercises"), package + "/_content"])
    assert not any(hole.startswith(package) for hole in view.holes), view.holes


@settings(max_examples=200, deadline=None)
@given(
    pid=st.integers(min_value=1, max_value=2**22),
    start=st.integers(min_value=0, max_value=2**32 - 2),
    length=st.integers(min_value=1, max_value=2**32),
)
def test_each_worker_gets_its_own_ids_where_the_namespace_maps_them_and_nobody_elsewhere(pid, start, length):
    """Root's worker becomes user WORKER_ID_BASE + its launcher's pid (its tasks counted apart from every other
    worker's), unless the user namespace maps no such id, as in a container mapping 65536 ids: then ``nobody``."""
    with tempfile.TemporaryDirectory() as folder:
        uid_map, gid_map = os.path.join(folder, "uid_map"), os.path.join(folder, "gid_map")
        for path in (uid_map, gid_map):
            Path(path).write_text(f"{start:>10} {start:>10} {length:>10}\n", encoding="ascii")
        ids = allowlist.worker_ids(pid, (uid_map, gid_map))
    own = allowlist.WORKER_ID_BASE + pid
    assert ids == ((own, own) if start <= own < start + length else (allowlist.WORKER_UID, allowlist.WORKER_GID))


def test_two_launchers_never_share_a_worker_user_where_every_id_is_mapped(tmp_path):
    full = tmp_path / "map"
    full.write_text("         0          0 4294967295\n", encoding="ascii")
    maps = (str(full), str(full))
    assert allowlist.worker_ids(101, maps) != allowlist.worker_ids(102, maps)
    assert allowlist.WORKER_ID_BASE + 2**22 < 2147352576  # below systemd's foreign range, above nspawn's
