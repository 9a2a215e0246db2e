"""What the worker may see: one explicit list, shared by both ways of enforcing it.

The worker sees the paths listed here and nothing else. As root the list becomes a fresh root file
system (:func:`grader.sandbox.isolation.allowlisted_root`: read-only binds on an empty tmpfs, then
``pivot_root``); for an ordinary user it becomes Landlock rules (:mod:`grader.sandbox.landlock`). Both read the same
:class:`View`, so the two modes cannot drift apart.

The list is derived from the running interpreter, never from a hand-kept table of distributions,
so a venv, conda, pyenv or Debian Python all work:

- the interpreter itself, its standard library and the site folders it imports from
  (``sys.prefix``, ``sys.base_prefix``, ``sysconfig``'s paths, ``site.getsitepackages()``, the
  absolute entries of ``sys.path``);
- the folders of every file the process has mapped (the shared libraries Python, numpy and, in a
  warm fork-server child, TensorFlow loaded) and the dynamic loader's own folders, so a library
  loaded later is found the way ``ld.so`` finds it;
- of kerasdrill, only what the worker imports: ``grader/__init__.py``, ``grader/outcomes.py`` and
  ``grader/sandbox/``. The package folder itself is *replaced* by those members, so the hidden
  checks (``grader/exercises``), the packaged stubs and solutions (``grader/_content``) and a
  checkout's ``solutions/``, ``exercises/`` and ``.git`` are not there at all, nor is any other
  copy of kerasdrill in a site folder (an editable install's ``grader/_content``, an older wheel);
- a minimal ``/etc`` (the loader's cache, the local time, a ``passwd``/``group`` naming the worker's
  user), four devices, the CPU topology TensorFlow and OpenBLAS read, a ``/proc`` of the worker's
  own PID namespace, and the session folder, the only writable place.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from dataclasses import dataclass, field

#: Devices the worker may open: reading randomness, discarding output. Nothing else under /dev.
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")
#: Written to by the worker (discarding output); the others are read-only.
WRITABLE_DEVICES = ("/dev/null",)
#: What TensorFlow, OpenBLAS and ``os.cpu_count`` read about the CPUs (read-only).
SYSTEM_INFO = ("/sys/devices/system/cpu", "/sys/devices/system/node")
#: Of ``/etc``, only what the dynamic loader and the C library's clock need.
ETC_COPIED = ("/etc/ld.so.cache", "/etc/localtime")
#: The user a worker drops to as root where the system has no id of its own to give it (``nobody``).
WORKER_UID = WORKER_GID = 65534
#: A worker's own user and group as root: this plus its launcher's process id, so no two workers that run
#: at the same time share one (the kernel counts ``RLIMIT_NPROC`` per user: with one user for every worker,
#: a learner's fork loop left the next learners no thread to start). The range above it is one that
#: systemd's table of UIDs leaves unassigned (1879048192-2147352575); a process id is below 2**22.
WORKER_ID_BASE = 0x70000000
#: The members of the ``grader`` package the worker imports (everything else of it stays out of view).
PACKAGE_MEMBERS = ("__init__.py", "outcomes.py", "sandbox")
#: The conventional top-level links of a merged-/usr system (``/lib -> usr/lib``), recreated so the
#: loader's paths keep working.
TOP_LEVEL_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

_LOADER_CONFIG = "/etc/ld.so.conf.d"
_LOADER_DEFAULTS = ("/lib64", "/usr/lib64")


@dataclass(frozen=True)
class View:
    """Everything the worker may see, as real paths (no symlinks).

    ``read_only``: files and folders, each visible at its own path; ``package``: the grader package
    folder, shown only as ``package_members``; ``holes``: folders inside a ``read_only`` entry that
    stay empty (the folders the caller hid, e.g. a class folder); ``writable``: the session folder;
    ``links``: symlinks to recreate (``path -> target`` as the host has them); ``uid``/``gid``: the
    worker's own user and group as root.
    """

    read_only: tuple[str, ...]
    package: str
    package_members: tuple[str, ...]
    holes: tuple[str, ...]
    writable: str
    links: dict[str, str] = field(default_factory=dict)
    uid: int = WORKER_UID  # who the worker becomes as root (:func:`worker_ids`), and whom /etc names
    gid: int = WORKER_GID


def _real(path: str) -> str:
    return os.path.realpath(path)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def python_paths() -> list[str]:
    """The interpreter, its standard library and the folders it imports from."""
    paths = sysconfig.get_paths()
    found = [sys.executable, *(paths[key] for key in ("stdlib", "platstdlib") if key in paths), *site_paths()]
    return found + [p for p in sys.path if p and os.path.isabs(p)]


def site_paths() -> list[str]:
    """The folders installed packages live in (never a checkout, even one on ``sys.path``)."""
    paths = sysconfig.get_paths()
    found = [paths[key] for key in ("purelib", "platlib") if key in paths]
    try:
        found += list(site.getsitepackages())
    except AttributeError:  # pragma: no cover - a virtualenv's old site.py
        pass
    return found


def mapped_folders(maps: str = "/proc/self/maps") -> list[str]:
    """The folders of every file this process has mapped (shared libraries, locale data)."""
    folders: list[str] = []
    executable = _real(sys.executable)  # the interpreter is listed as a file, not its whole folder
    try:
        with open(maps, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                parts = line.split(None, 5)
                name = parts[5].rstrip("\n") if len(parts) == 6 else ""
                if name.startswith("/") and not name.endswith("(deleted)") and name != executable:
                    folders.append(os.path.dirname(name))
    except OSError:
        pass
    return list(dict.fromkeys(folders))


def loader_folders() -> list[str]:
    """Where the dynamic loader looks for a library loaded later (``/etc/ld.so.conf.d`` and its defaults)."""
    folders = [d for d in _LOADER_DEFAULTS if os.path.isdir(d)]
    try:
        names = sorted(os.listdir(_LOADER_CONFIG))[:64]
    except OSError:
        names = []
    for name in names:
        try:
            with open(os.path.join(_LOADER_CONFIG, name), encoding="utf-8", errors="replace") as handle:
                lines = handle.read(65536).splitlines()
        except OSError:
            continue
        folders += [line.strip() for line in lines if line.strip().startswith("/") and os.path.isdir(line.strip())]
    return folders


def link_chain(path: str, limit: int = 40) -> dict[str, str]:
    """The symlinks met while resolving ``path``, as ``{link: its target text}``."""
    links: dict[str, str] = {}
    pending = [p for p in path.split(os.sep) if p]
    current = os.sep
    hops = 0
    while pending and hops < limit:
        name = pending.pop(0)
        candidate = os.path.join(current, name)
        if os.path.islink(candidate):
            hops += 1
            target = os.readlink(candidate)
            links[candidate] = target
            pending = [p for p in target.split(os.sep) if p] + pending
            current = os.sep if target.startswith(os.sep) else current
        else:
            current = os.path.normpath(candidate) if name != ".." else os.path.dirname(current)
    return links


def holds_kerasdrill(folder: str) -> bool:
    """Whether ``folder`` holds a copy of kerasdrill: a ``grader`` package with its sandbox, or the
    stubs and solutions beside one (a checkout)."""
    package = os.path.join(folder, "grader")
    return os.path.isdir(os.path.join(package, "sandbox")) or (
        os.path.isdir(package) and os.path.isdir(os.path.join(folder, "solutions"))
    )


def installed_copies(site_folders: set[str] | list[str]) -> list[str]:
    """Other copies of kerasdrill in the site folders (an editable install's ``grader/_content``, an
    older wheel): a ``grader`` package there holding the stubs, solutions or checks."""
    found = []
    for folder in site_folders:
        candidate = os.path.join(folder, "grader")
        if any(os.path.isdir(os.path.join(candidate, part)) for part in ("_content", "exercises")):
            found.append(_real(candidate))
    return found


def grader_package() -> str:
    """The ``grader`` package folder this process runs from."""
    return _real(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


ID_MAPS = ("/proc/self/uid_map", "/proc/self/gid_map")  # this process's user namespace: which ids exist


def worker_ids(launcher_pid: int, maps: tuple[str, str] = ID_MAPS) -> tuple[int, int]:
    """The user and group id a worker started by ``launcher_pid`` becomes as root: its own
    (:data:`WORKER_ID_BASE` + the pid), or ``nobody`` where this process's user namespace maps no such
    id (``maps``: its uid and gid maps; a container may map only 65536 ids)."""
    own = WORKER_ID_BASE + int(launcher_pid)
    if all(_mapped(own, path) for path in maps):
        return own, own
    return WORKER_UID, WORKER_GID


def _mapped(number: int, map_file: str) -> bool:
    try:
        with open(map_file, encoding="ascii") as handle:
            ranges = [[int(field) for field in line.split()] for line in handle]
    except (OSError, ValueError):
        return False
    return any(len(r) == 3 and r[0] <= number < r[0] + r[2] for r in ranges)


def worker_view(
    session_dir: str, hidden: list[str] | tuple[str, ...] = (), ids: tuple[int, int] = (WORKER_UID, WORKER_GID)
) -> View:
    """The worker's view for ``session_dir``; ``hidden``: folders that must stay empty even if a
    listed folder holds them (a class folder, an instructor's checks); ``ids``: the worker's own user
    and group as root (:func:`worker_ids`)."""
    session = _real(session_dir)
    package = grader_package()
    checkout = os.path.dirname(package)  # a checkout's root or a site folder
    site_folders = {_real(p) for p in site_paths()}
    wanted: list[str] = []
    links: dict[str, str] = {}
    for path in [*python_paths(), *mapped_folders(), *loader_folders(), *SYSTEM_INFO]:
        if not os.path.exists(path):
            continue
        links.update(link_chain(path))
        real = _real(path)
        if _inside(real, session) or _inside(session, real):
            continue  # the session folder is bound on its own, writable; nothing above it is shown
        if real not in site_folders and (real == checkout or holds_kerasdrill(real)):
            continue  # a checkout on sys.path (an editable install, this one or another): never shown
        if _inside(real, package):
            continue  # the package is shown only as its members
        wanted.append(real)
    for top in TOP_LEVEL_LINKS:
        if os.path.islink(top):
            links[top] = os.readlink(top)
    members = tuple(
        _real(os.path.join(package, m)) for m in PACKAGE_MEMBERS if os.path.exists(os.path.join(package, m))
    )
    read_only = _outermost(wanted)
    holes = [_real(h) for h in [*hidden, *installed_copies(site_folders)] if os.path.isdir(h)]
    holes = [
        h
        for h in holes
        if any(_inside(h, r) and h != r for r in read_only)
        and not _inside(session, h)
        and not _inside(package, h)  # a hole around the package would hide what the worker imports
        and not _inside(h, package)  # inside it nothing but the members is shown anyway
    ]
    read_only = [r for r in read_only if not any(_inside(r, h) for h in holes)]
    return View(
        read_only=tuple(read_only),
        package=package,
        package_members=members,
        holes=tuple(_outermost(holes)),
        writable=session,
        links={k: v for k, v in links.items() if not _inside(k, session)},
        uid=ids[0],
        gid=ids[1],
    )


def _outermost(paths: list[str]) -> list[str]:
    """``paths`` without duplicates and without any path inside another one, shortest first."""
    kept: list[str] = []
    for path in sorted(dict.fromkeys(paths), key=lambda p: (p.count(os.sep), p)):
        if not any(_inside(path, k) for k in kept):
            kept.append(path)
    return kept


def passwd_entries(uid: int, gid: int, home: str) -> dict[str, str]:
    """``/etc/passwd`` and ``/etc/group`` naming only the worker's user and group."""
    return {
        "passwd": f"learner:x:{uid}:{gid}:kerasdrill learner:{home}:/nonexistent\n",
        "group": f"learner:x:{gid}:\n",
    }
