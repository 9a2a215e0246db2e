"""``grade batch --due``: the commit at the deadline, read with git plumbing that runs nothing of the learner's.

Each learner is a real git repository built here with chosen commit times. The snapshot must pick the
last commit at or before the deadline (or, with ``--late-penalty``, the newest, with its penalty), never
change the clone, never run a hook or a configured command (a control shows the planted fsmonitor does fire
under an ordinary ``git status``), and turn a symlinked, huge or submodule exercise file into a note.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from support import solution_source, stub_source

from grader.batch.deadlines import DeadlineError, LatePenalty, parse_due, snapshot_learner
from grader.registry import find_exercise

EXERCISE = find_exercise("exercise-04")
FILE = f"{EXERCISE.module_name}.py"
DUE = parse_due("2026-12-01T23:59+09:00")


def _git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    return subprocess.run(
        ["git", "-c", "user.name=L", "-c", "user.email=l@x", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _commit(repo: Path, files: dict[str, str | bytes], when: datetime) -> str:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "work", when=when)
    return _git(repo, "rev-parse", "HEAD")


def _repo(tmp_path: Path, name: str = "learner") -> Path:
    repo = tmp_path / name
    repo.mkdir()
    _git(repo, "init", "-q")
    return repo


def _tree_digest(folder: Path) -> str:
    """Every path, mode, and content under ``folder`` (the .git folder too): any change shows."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        stat = path.lstat()
        digest.update(f"{path.relative_to(folder)}:{stat.st_mode}:{stat.st_mtime_ns}".encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _history(tmp_path: Path) -> tuple[Path, list[str]]:
    """Wrong answer (2 days early), the solution (1 h early), the stub again (2.5 days late)."""
    repo = _repo(tmp_path)
    wrong = solution_source("exercise-04").replace(
        "return n_inputs * units + (units if use_bias else 0)", "return n_inputs * units"
    )
    shas = [
        _commit(repo, {FILE: wrong}, DUE - timedelta(days=2)),
        _commit(repo, {FILE: solution_source("exercise-04")}, DUE - timedelta(hours=1)),
        _commit(repo, {FILE: stub_source("exercise-04")}, DUE + timedelta(days=2, hours=12)),
    ]
    return repo, shas


def test_the_last_commit_at_or_before_the_deadline_is_the_one_copied(tmp_path):
    repo, shas = _history(tmp_path)
    before = _tree_digest(repo)
    target = tmp_path / "copy"
    target.mkdir()
    chosen = snapshot_learner(repo, [EXERCISE], DUE, target)
    assert chosen.commit == shas[1] and chosen.late_by_s == 0 and not chosen.notes
    assert chosen.commit_time == (DUE - timedelta(hours=1)).astimezone(timezone.utc).isoformat()
    assert chosen.later_commits == 1 and chosen.latest_late_by_s == int(timedelta(days=2, hours=12).total_seconds())
    assert (target / FILE).read_text() == solution_source("exercise-04")
    assert _tree_digest(repo) == before  # the clone: not one byte, mode or time changed


def test_with_a_late_penalty_the_newest_commit_is_graded_and_its_penalty_recorded(tmp_path):
    repo, shas = _history(tmp_path)
    target = tmp_path / "copy"
    target.mkdir()
    chosen = snapshot_learner(repo, [EXERCISE], DUE, target, LatePenalty.parse("10%/day,max50%"))
    assert chosen.commit == shas[2] and chosen.penalty_percent == 30  # 2.5 days: 3 started days
    assert (target / FILE).read_text() == stub_source("exercise-04")


def test_no_commit_before_the_deadline_is_a_note_and_no_file(tmp_path):
    repo = _repo(tmp_path)
    _commit(repo, {FILE: solution_source("exercise-04")}, DUE + timedelta(minutes=1))
    target = tmp_path / "copy"
    target.mkdir()
    chosen = snapshot_learner(repo, [EXERCISE], DUE, target)
    assert chosen.notes == ["no commit at or before the deadline"] and not any(target.iterdir())


def test_hooks_and_configured_commands_of_the_learners_repository_never_run(tmp_path):
    repo, _ = _history(tmp_path)
    marker = tmp_path / "ran"
    script = f"#!/bin/sh\necho ran >> {marker}\n"
    for hook in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction", "fsmonitor-watchman"):
        (repo / ".git" / "hooks" / hook).write_text(script)
        (repo / ".git" / "hooks" / hook).chmod(0o755)
    (repo / "evil.sh").write_text(script)
    (repo / "evil.sh").chmod(0o755)
    _git(repo, "config", "core.fsmonitor", str(repo / "evil.sh"))
    _git(repo, "config", "core.pager", str(repo / "evil.sh"))
    _git(repo, "config", "filter.x.smudge", str(repo / "evil.sh"))
    (repo / ".gitattributes").write_text("*.py filter=x\n")
    target = tmp_path / "copy"
    target.mkdir()
    chosen = snapshot_learner(repo, [EXERCISE], DUE, target)
    assert chosen.commit and (target / FILE).read_text() == solution_source("exercise-04")
    assert not marker.exists()
    # the control: the planted fsmonitor is live, an ordinary git command in the clone runs it
    subprocess.run(["git", "status"], cwd=repo, capture_output=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"})
    assert marker.exists()


def test_a_symlinked_exercise_file_at_the_due_commit_is_a_note_never_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("def dense_params(n_inputs, units, use_bias=True):\n    return 'the instructor key'\n")
    repo = _repo(tmp_path)
    os.symlink(secret, repo / FILE)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "link", when=DUE - timedelta(hours=1))
    target = tmp_path / "copy"
    target.mkdir()
    chosen = snapshot_learner(repo, [EXERCISE], DUE, target)
    assert any("symbolic link" in note for note in chosen.notes), chosen.notes
    assert not any(target.iterdir())


def test_a_huge_exercise_file_is_a_note_and_never_read(tmp_path):
    repo = _repo(tmp_path)
    _commit(repo, {FILE: b"#" * (2 * 1024 * 1024)}, DUE - timedelta(hours=1))
    target = tmp_path / "copy"
    target.mkdir()
    chosen = snapshot_learner(repo, [EXERCISE], DUE, target)
    assert any("over the 1,048,576 cap" in note for note in chosen.notes), chosen.notes
    assert not any(target.iterdir())


def test_the_exercises_folder_of_a_workspace_is_read(tmp_path):
    repo = _repo(tmp_path)
    _commit(repo, {f"exercises/{FILE}": solution_source("exercise-04"), "README.md": "x"}, DUE - timedelta(days=1))
    target = tmp_path / "copy"
    target.mkdir()
    assert not snapshot_learner(repo, [EXERCISE], DUE, target).notes
    assert (target / FILE).read_text() == solution_source("exercise-04")


@pytest.mark.parametrize("kind", ["no git", "gitdir file", "git link"])
def test_a_folder_that_is_not_its_own_repository_is_a_note(tmp_path, kind):
    other, _ = _history(tmp_path)
    folder = tmp_path / "learner2"
    folder.mkdir()
    (folder / FILE).write_text(solution_source("exercise-04"))
    if kind == "gitdir file":
        (folder / ".git").write_text(f"gitdir: {other / '.git'}\n")
    elif kind == "git link":
        os.symlink(other / ".git", folder / ".git")
    target = tmp_path / "copy"
    target.mkdir()
    chosen = snapshot_learner(folder, [EXERCISE], DUE, target)
    assert chosen.notes and not chosen.commit and not any(target.iterdir())


def test_a_class_folder_that_is_itself_a_repository_is_never_read_for_a_learner_without_one(tmp_path):
    outer, _ = _history(tmp_path)  # the class folder is a repo; the learner folder inside has no .git
    learner = outer / "alice"
    learner.mkdir()
    target = tmp_path / "copy"
    target.mkdir()
    chosen = snapshot_learner(learner, [EXERCISE], DUE, target)
    assert "not a git repository" in chosen.notes[0] and not chosen.commit


@pytest.mark.parametrize(
    ("rule", "late_s", "percent"),
    [
        ("10%/day,max50%", 0, 0),
        ("10%/day,max50%", 1, 10),
        ("10%/day,max50%", 86400, 10),
        ("10%/day,max50%", 86401, 20),
        ("10%/day,max50%", 30 * 86400, 50),
        ("5%/hour", 3 * 3600 + 1, 20),
        ("100%/day", 10, 100),
    ],
)
def test_late_penalty_rule(rule, late_s, percent):
    assert LatePenalty.parse(rule).for_lateness(late_s) == percent


@pytest.mark.parametrize("text", ["10", "10%/week", "-5%/day", "150%/day", "10%/day,max", "10%/day;rm -rf"])
def test_a_late_penalty_that_is_not_the_rule_is_refused(text):
    with pytest.raises(DeadlineError):
        LatePenalty.parse(text)


def test_a_due_time_needs_its_offset():
    assert parse_due("2026-12-01T23:59Z") == datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)
    with pytest.raises(DeadlineError, match="offset"):
        parse_due("2026-12-01T23:59")
    with pytest.raises(DeadlineError):
        parse_due("next friday")


def test_merged_shards_keep_every_learners_deadline_record_and_refuse_another_deadline():
    from grader.batch.merge import MergeError, merge_results
    from grader.results import ClassResult, LearnerResult

    def part(k: int, name: str, due: str = "2026-12-01T23:59:00+09:00") -> ClassResult:
        record = {"due": due, "late_penalty": "", "graded": "x", "learners": {name: {"commit": name * 8}}}
        return ClassResult(
            learners=[LearnerResult(name)],
            provenance={"class": {"learners": ["a", "b"], "shard": [k, 2]}, "deadline": record},
        )

    merged, problems = merge_results([part(1, "a"), part(2, "b")])
    assert not problems and set(merged.provenance["deadline"]["learners"]) == {"a", "b"}
    with pytest.raises(MergeError, match="--due"):
        merge_results([part(1, "a"), part(2, "b", due="2026-12-02T23:59:00+09:00")])
