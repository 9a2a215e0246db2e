"""``grade batch --due``: each learner graded as their git history stood at the deadline.

For a class of git clones (``gh classroom clone``), :func:`snapshot_class` reads, for each learner, the
last commit of ``HEAD``'s history whose commit time is at or before the deadline (with ``--late-penalty``:
the newest commit, late or not) and copies that commit's exercise files into a temporary folder of the
grader's own, which is then graded like any learner folder. The learner's clone is never changed: no
checkout, no worktree, nothing written into it.

A learner's repository is untrusted. Git runs with no system or global configuration, hooks pointed at
``/dev/null``, no fsmonitor, no replace objects, no pager, no prompt, a time limit, and only plumbing that
runs no configured command (``rev-list``, ``ls-tree``, ``cat-file -s``, ``cat-file blob``: no filters, no
textconv, no ``.gitattributes`` smudge). ``GIT_DIR`` is the learner's own ``.git`` folder (a ``.git`` link
or ``gitdir:`` file pointing elsewhere is refused, and git never looks above the learner's folder); with
``GIT_DIR`` set git reads the repository's own config whoever owns it, which is why only that plumbing runs,
with no work tree and ``GIT_OPTIONAL_LOCKS=0`` (nothing is written into the clone). An exercise file that
is a symbolic link, a submodule or a folder in the commit is a note and is not graded; a blob larger than the
intake's cap is a note and is never read. A commit time is what git reports: the learner's machine's clock,
which a learner can set (say so to the class).

:class:`LatePenalty` is the documented rule ``P%/day`` or ``P%/hour``, optionally ``,maxM%``: every started
day (hour) after the deadline costs P percent of the points, at most M. The batch records each learner's
penalty in ``results.json`` (``provenance.deadline``); the raw score stays as graded, and the LMS writers
apply the penalty (:mod:`grader.outputs.lms`).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.batch.layout import LearnerFolder
from grader.messages import Localized
from grader.registry import Exercise
from grader.submissions import LOADERS
from grader.submissions.intake import MAX_BYTES, MAX_BYTES_OTHER

GIT_TIMEOUT_S = 30
MAX_COMMITS = 100_000
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_PENALTY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*/\s*(day|hour)\s*(?:,\s*max\s*(\d+(?:\.\d+)?)\s*%)?\s*$", re.I)


class DeadlineError(Localized, ValueError):
    """A ``--due`` or ``--late-penalty`` that cannot be read (a usage error)."""


def parse_due(text: str) -> datetime:
    """``2026-12-01T23:59+09:00`` as an aware datetime; a time without an offset is refused (whose 23:59?)."""
    try:
        due = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DeadlineError("instructor.due_unreadable", text=repr(text)) from None
    if due.tzinfo is None:
        raise DeadlineError("instructor.due_no_offset", text=repr(text), example=text)
    return due


@dataclass(frozen=True)
class LatePenalty:
    """``percent`` of the points per started ``unit`` (``day`` or ``hour``) late, at most ``cap`` percent."""

    percent: float
    unit: str = "day"
    cap: float = 100.0

    @classmethod
    def parse(cls, text: str) -> LatePenalty:
        found = _PENALTY.match(text)
        if not found:
            raise DeadlineError("instructor.penalty_unreadable", text=repr(text))
        percent, unit, cap = float(found.group(1)), found.group(2).lower(), float(found.group(3) or 100)
        if percent > 100 or cap > 100:
            raise DeadlineError("instructor.penalty_over_100", text=repr(text))
        return cls(percent, unit, cap)

    def __str__(self) -> str:
        return f"{self.percent:g}%/{self.unit},max{self.cap:g}%"

    def for_lateness(self, late_by_s: float) -> float:
        """The penalty in percent for a commit ``late_by_s`` seconds after the deadline (0 if on time)."""
        if late_by_s <= 0:
            return 0.0
        periods = math.ceil(late_by_s / (86400 if self.unit == "day" else 3600))
        return min(self.cap, self.percent * periods, 100.0)


@dataclass
class Chosen:
    """What the deadline chose for one learner (stored in ``results.json`` under ``provenance.deadline``)."""

    commit: str = ""
    commit_time: str = ""
    late_by_s: int = 0  # the graded commit's lateness (0: on time)
    later_commits: int = 0  # commits after the deadline
    latest_late_by_s: int | None = None  # the newest commit's lateness, if any is late
    penalty_percent: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "commit_time": self.commit_time,
            "late_by_s": self.late_by_s,
            "later_commits": self.later_commits,
            "latest_late_by_s": self.latest_late_by_s,
            "penalty_percent": self.penalty_percent,
            "notes": list(self.notes),
        }


def snapshot_class(
    learners: Sequence[LearnerFolder],
    exercises: Sequence[Exercise],
    due: datetime,
    into: str | os.PathLike,
    penalty: LatePenalty | None = None,
) -> tuple[list[LearnerFolder], dict[str, Chosen]]:
    """Each learner's exercise files at the deadline, copied into ``into`` (a folder of the grader's own,
    one numbered subfolder per learner: no learner-chosen name becomes a path). Returns the learner folders
    to grade instead of ``learners`` (same ids, same order) and what was chosen for each."""
    root = Path(into)
    folders, chosen = [], {}
    for index, learner in enumerate(learners, start=1):
        target = root / f"learner-{index:05d}"
        target.mkdir(parents=True)
        chosen[learner.learner] = snapshot_learner(learner.folder, exercises, due, target, penalty)
        folders.append(LearnerFolder(learner.learner, target, root))
    return folders, chosen


def snapshot_learner(
    folder: Path, exercises: Sequence[Exercise], due: datetime, target: Path, penalty: LatePenalty | None = None
) -> Chosen:
    """One learner: see :func:`snapshot_class`. Never raises for what is in the learner's folder: every
    problem is a note (and then no file, so the exercise is graded as not submitted)."""
    chosen = Chosen()
    git = _Git(folder)
    if git.refusal:
        chosen.notes.append(git.refusal)
        return chosen
    try:
        history = git.commits()
    except _GitFailed as failed:
        chosen.notes.append(f"git could not read the history: {failed}")
        return chosen
    if not history:
        chosen.notes.append("no commit in the repository")
        return chosen
    deadline = due.timestamp()
    on_time = [(stamp, sha) for stamp, sha in history if stamp <= deadline]
    late = [(stamp, sha) for stamp, sha in history if stamp > deadline]
    chosen.later_commits = len(late)
    if late:
        chosen.latest_late_by_s = int(max(stamp for stamp, _ in late) - deadline)
    newest = max(history, key=lambda item: item[0])  # the first listed of equal times
    pick = newest if penalty is not None else (max(on_time, key=lambda item: item[0]) if on_time else None)
    if pick is None:
        chosen.notes.append("no commit at or before the deadline")
        return chosen
    stamp, sha = pick
    chosen.commit = sha
    chosen.commit_time = datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds")
    chosen.late_by_s = max(0, int(stamp - deadline))
    if penalty is not None:
        chosen.penalty_percent = penalty.for_lateness(chosen.late_by_s)
    try:
        _copy_files(git, sha, exercises, target, chosen)
    except _GitFailed as failed:
        chosen.notes.append(f"git could not read commit {sha[:12]}: {failed}")
    return chosen


def _copy_files(git: _Git, sha: str, exercises: Sequence[Exercise], target: Path, chosen: Chosen) -> None:
    """The exercise files of commit ``sha`` (in ``exercises/`` if the commit has that folder, else at the top)."""
    prefix = "exercises/" if git.entry(sha, "exercises", expect_tree=True) else ""
    for exercise in exercises:
        for suffix in reversed(list(LOADERS)):  # the .py written last, so it is the newer if both exist
            name = f"{exercise.module_name}{suffix}"
            entry = git.entry(sha, prefix + name)
            if entry is None:
                continue
            mode, kind, blob, size = entry
            short = f"{prefix}{name} in commit {sha[:12]}"
            if mode == "120000":
                chosen.notes.append(f"{short} is a symbolic link: not followed, not graded")
            elif kind != "blob" or mode not in ("100644", "100755"):
                chosen.notes.append(f"{short} is not a regular file ({'submodule' if mode == '160000' else kind})")
            elif size > MAX_BYTES.get(suffix, MAX_BYTES_OTHER):
                chosen.notes.append(
                    f"{short} is {size:,} bytes, over the {MAX_BYTES.get(suffix, MAX_BYTES_OTHER):,} cap"
                )
            else:
                (target / name).write_bytes(git.blob(blob, MAX_BYTES.get(suffix, MAX_BYTES_OTHER)))


class _GitFailed(Exception):
    pass


class _Git:
    """Git plumbing on one learner's repository, configured so nothing in it runs."""

    def __init__(self, folder: Path) -> None:
        folder = Path(os.path.abspath(folder))  # git runs from "/": a relative class folder must not change meaning
        self.folder = folder
        self.refusal = ""
        dot_git = folder / ".git"
        if shutil.which("git") is None:
            self.refusal = "git is not installed: the deadline cannot be checked"
        elif dot_git.is_symlink() or (dot_git.exists() and not dot_git.is_dir()):
            self.refusal = "its .git is a link or a file pointing elsewhere: not read"
        elif not dot_git.is_dir():
            self.refusal = "not a git repository: no history to check the deadline against"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.devnull,
            "LC_ALL": "C",
            "GIT_DIR": str(dot_git),
            "GIT_CEILING_DIRECTORIES": str(folder.parent),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",  # no index refresh written into the learner's clone
            "GIT_PAGER": "cat",
        }

    def _run(self, *args: str, limit: int = 16 * 1024 * 1024) -> bytes:
        command = [
            "git",
            "--no-pager",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "log.showSignature=false",
            *args,
        ]
        try:
            with subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.env,
                cwd=os.path.abspath(os.sep),  # no repository around the current folder is ever found
            ) as process:
                try:
                    out = process.stdout.read(limit + 1)  # type: ignore[union-attr]
                    if len(out) > limit:
                        process.kill()
                        raise _GitFailed(f"more than {limit:,} bytes of output")
                    _, err = process.communicate(timeout=GIT_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    raise _GitFailed(f"no answer in {GIT_TIMEOUT_S} s") from None
        except OSError as error:
            raise _GitFailed(str(error.strerror or error)) from None
        if process.returncode != 0:
            last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {process.returncode}"]
            raise _GitFailed(last[0][:200])
        return out

    def commits(self) -> list[tuple[int, str]]:
        """HEAD's history as (commit time, sha), in git's order (newest first)."""
        out = self._run("rev-list", "--timestamp", f"--max-count={MAX_COMMITS}", "HEAD", "--")
        history = []
        for line in out.decode("ascii", "replace").splitlines():
            stamp, _, sha = line.partition(" ")
            if stamp.isdigit() and _SHA.match(sha):
                history.append((int(stamp), sha))
        return history

    def entry(self, sha: str, path: str, expect_tree: bool = False) -> tuple[str, str, str, int] | None:
        """(mode, type, object, size) of ``path`` in commit ``sha``, or None."""
        out = self._run("ls-tree", "-l", "-z", "--full-tree", sha, "--", path, limit=64 * 1024)
        for record in out.split(b"\0"):
            meta, _, name = record.partition(b"\t")
            if name.decode("utf-8", "surrogateescape") != path:
                continue
            parts = meta.decode("ascii", "replace").split()
            if len(parts) != 4:
                return None
            mode, kind, obj, size = parts
            if expect_tree:
                return (mode, kind, obj, 0) if kind == "tree" else None
            return mode, kind, obj, int(size) if size.isdigit() else 0
        return None

    def blob(self, obj: str, limit: int) -> bytes:
        """The blob's bytes (already known to be at most ``limit``; read no further than that)."""
        if not _SHA.match(obj):
            raise _GitFailed("not an object id")
        return self._run("cat-file", "blob", obj, limit=limit)
