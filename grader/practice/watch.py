"""``grade watch``: grade again each time the learner saves, in one warm process.

The file is polled (its size, modification time and inode, every :data:`POLL_S`), which works
wherever ``inotify`` does not: WSL's Windows drives, network mounts, editors that save by writing
a new file and renaming it over the old one. This process is the grading process of every run: its
pytest, its check modules and (for model exercises) its Keras and its fork server are paid once, so
each new worker is forked warm and a re-grade costs about the checks' own work. Learner code still
runs only in a fresh sandboxed worker per run, never here.

At a terminal, single keys act at once (h hint, n next exercise, l list, q quit); otherwise the
same letters are read as lines, so a test or an editor's task runner can drive it. Ctrl-C (or
SIGTERM) stops the fork servers and workers and restores the terminal.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from grader.engine import GradeOptions
from grader.messages import catalogue_for
from grader.outputs import WRITERS, WriteContext
from grader.outputs.base import encodable
from grader.registry import Exercise, all_exercises
from grader.results import ExerciseResult, RunResult

POLL_S = 0.1  # two stat() calls: nothing to the machine, and a save is graded within a tenth of a second
SETTLE_S = 0.05  # a save seen mid-write: wait until size and time hold still
SHOWN_CHANGES = 8
CLEAR = "\x1b[2J\x1b[H"

Snapshot = tuple[tuple[str, int, int, int], ...]


def snapshot(paths: list[Path]) -> Snapshot:
    """What changes when a file is saved, for each of ``paths`` that exists."""
    found = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(found)


def changes(before: ExerciseResult | None, after: ExerciseResult) -> tuple[list[str], list[str]]:
    """(titles of checks that pass now and did not, titles of checks that fail now and passed)."""
    if before is None:
        return [], []
    was = {check.name: check.passed for check in before.checks}
    passing = [c.title for c in after.checks if c.passed and was.get(c.name) is False]
    failing = [c.title for c in after.checks if not c.passed and was.get(c.name) is True]
    return passing, failing


class Keys:
    """The learner's commands from stdin: single keys at a terminal (cbreak mode), lines otherwise."""

    def __init__(self, stream: TextIO | None) -> None:
        self.fd: int | None = None
        self.saved = None
        self.buffer = b""
        self.single_keys = False
        try:
            fd = stream.fileno() if stream is not None else None
        except (OSError, ValueError, AttributeError):
            fd = None
        if fd is None:
            return
        self.fd = fd
        if os.isatty(fd):
            try:
                import termios
                import tty

                self.saved = termios.tcgetattr(fd)
                tty.setcbreak(fd)
                self.single_keys = True
            except (ImportError, OSError):
                self.saved = None

    def wait(self, seconds: float) -> list[str]:
        """The commands typed within ``seconds`` (waits the whole time if none)."""
        if self.fd is None:
            time.sleep(seconds)
            return []
        try:
            ready, _, _ = select.select([self.fd], [], [], seconds)
        except (OSError, ValueError):
            ready = []
        if not ready:
            return []
        data = os.read(self.fd, 1024)
        if not data:  # end of input: keep watching, stop reading
            self.fd = None
            return []
        if self.single_keys:
            return [chr(byte).lower() for byte in data if chr(byte).strip()]
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return [line.decode(errors="replace").strip().lower()[:1] for line in lines if line.strip()]

    def restore(self) -> None:
        if self.saved is not None and self.fd is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)
            self.saved = None


@dataclass
class WatchState:
    exercise: Exercise
    last: ExerciseResult | None = None
    seen: Snapshot = ()
    hint_level: int = 1


class Watcher:
    """One ``grade watch`` session; :meth:`run` returns when the learner quits."""

    def __init__(
        self,
        exercise: Exercise,
        *,
        workspace: str | os.PathLike | None = None,
        options: GradeOptions | None = None,
        context: WriteContext | None = None,
        stream: TextIO | None = None,
        keys: Keys | None = None,
        clear: bool = False,
        prefer: str | None = None,
    ) -> None:
        # plain-data workers fork from a warm numpy server too: one server, a worker per save
        self.options = replace(options or GradeOptions(), warm_numpy=True)
        self.workspace = workspace
        self.context = context or WriteContext()
        self.stream = stream or sys.stdout
        self.keys = keys or Keys(None)
        self.clear = clear
        self.prefer = prefer
        self.state = WatchState(exercise)
        self.catalogue = catalogue_for(None, self.options.language)

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        from grader.submissions import candidate_paths

        self._announce()
        while True:
            paths = candidate_paths(self.state.exercise, self.workspace)
            now = snapshot(paths)
            if now and now != self.state.seen:
                now = self._settled(paths, now)
                self.state.seen = now
                self.grade()
            for command in self.keys.wait(POLL_S):
                if not self.command(command):
                    return

    def _settled(self, paths: list[Path], now: Snapshot) -> Snapshot:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            time.sleep(SETTLE_S)
            again = snapshot(paths)
            if again == now:
                break
            now = again
        return now

    def grade(self) -> ExerciseResult | None:
        """Grade the current exercise's file, print what changed and the report; the result."""
        from grader.practice.progress import progress_recorder
        from grader.submissions import SubmissionNotFound
        from grader.workflow import grade_one

        state = self.state
        try:
            result = grade_one(
                state.exercise,
                workspace=self.workspace,
                options=self.options,
                prefer=self.prefer,
                on_graded=progress_recorder(self.workspace, self.options.seed),
            )
        except SubmissionNotFound:
            return None
        passing, failing = changes(state.last, result)
        lines = []
        if state.last is None:
            lines.append(self.catalogue.render("watch.first", exercise=state.exercise.id))
        for key, titles, color in (("watch.now_passing", passing, "green"), ("watch.now_failing", failing, "red")):
            if titles:
                lines.append(self._style(self.catalogue.render(key, count=len(titles)), color))
                lines += [f"  {'+' if color == 'green' else '-'} {title}" for title in titles[:SHOWN_CHANGES]]
                if len(titles) > SHOWN_CHANGES:
                    lines.append(
                        "    " + self.catalogue.render("watch.more_changes", count=len(titles) - SHOWN_CHANGES)
                    )
        if state.last is not None and not passing and not failing:
            lines.append(self.catalogue.render("watch.unchanged"))
        report = WRITERS["text"].render(RunResult(exercises=[result]), self.context)
        stamp = time.strftime("%H:%M:%S")
        text = (CLEAR if self.clear else "") + f"[{stamp}] " + "\n".join(lines) + "\n\n" + report
        if result.passed:
            following = self._following()
            if following is not None:
                text += "\n" + self.catalogue.render("watch.passed_next", exercise=state.exercise.id, next=following.id)
                text += "\n"
        state.last, state.hint_level = result, 1
        self._print(text)
        return result

    def command(self, key: str) -> bool:
        """Act on one key; ``False`` to stop."""
        if key == "q":
            return False
        if key == "h":
            self._hint()
        elif key == "n":
            following = self._following()
            if following is not None:
                self.switch(following)
        elif key == "l":
            from grader.practice.listing import list_text

            table, notes = list_text(
                self.workspace, catalogue=self.catalogue, style=self.context.style, ascii_only=self.context.ascii_only
            )
            self._print("\n".join([*notes, table]))
        else:
            self._print(self.catalogue.render("watch.unknown_key") + "\n")
        return True

    def switch(self, exercise: Exercise) -> None:
        """Watch ``exercise`` from now on (graded at once if its file exists)."""
        catalogue = catalogue_for(exercise, self.options.language)
        self.state = WatchState(exercise)
        self._print(catalogue.render("watch.switched", exercise=exercise.id, title=catalogue.title()) + "\n")
        self._announce()

    # ------------------------------------------------------------------ helpers
    def _announce(self) -> None:
        from grader.submissions import candidate_paths

        paths = candidate_paths(self.state.exercise, self.workspace)
        existing = [p for p in paths if p.is_file()]
        shown = os.path.relpath(existing[0] if existing else paths[0])
        if not existing:
            self._print(self.catalogue.render("watch.waiting", path=shown) + "\n")
            return
        key = "watch.watching" if self.keys.single_keys else "watch.watching_lines"
        self._print(self.catalogue.render(key, path=shown) + "\n")

    def _hint(self) -> None:
        from grader.practice.hints import hint_for

        state = self.state
        if state.last is None:
            return
        answer = hint_for(
            state.last,
            state.exercise,
            level=state.hint_level,
            reused=True,
            catalogue=catalogue_for(state.exercise, self.options.language),
        )
        state.hint_level += 1  # h again: the next level
        shown = answer.lines[1:] if len(answer.lines) > 1 else answer.lines  # not "graded ... just now"
        self._print("\n".join(shown).lstrip("\n") + "\n")

    def _following(self) -> Exercise | None:
        """The next exercise not passed after this one in course order (else the very next one)."""
        from grader.practice.progress import load_progress

        course = list(all_exercises())
        index = next(i for i, e in enumerate(course) if e.id == self.state.exercise.id)
        progress = load_progress(self.workspace)
        later = course[index + 1 :] + course[:index]
        return next(
            (e for e in later if not progress.get(e.id).passed), course[index + 1] if index + 1 < len(course) else None
        )

    def _style(self, text: str, color: str) -> str:
        return self.context.style(text, fg=color, bold=True)

    def _print(self, text: str) -> None:
        self.stream.write(encodable(text))
        self.stream.flush()


def watch(
    exercise: Exercise,
    *,
    workspace: str | os.PathLike | None = None,
    options: GradeOptions | None = None,
    context: WriteContext | None = None,
    stdin: TextIO | None = None,
    stream: TextIO | None = None,
    prefer: str | None = None,
    on_start: Callable[[Watcher], None] | None = None,
) -> None:
    """Run ``grade watch`` until the learner quits (q, Ctrl-C or SIGTERM; the end of stdin only stops the keys);
    every process it started is stopped on the way out."""
    from grader.sandbox import forkserver
    from grader.sandbox.environment import quiet_tensorflow

    quiet_tensorflow()
    keys = Keys(stdin if stdin is not None else sys.stdin)
    out = stream or sys.stdout
    watcher = Watcher(
        exercise,
        workspace=workspace,
        options=options,
        context=context,
        stream=out,
        keys=keys,
        clear=keys.single_keys and out.isatty(),
        prefer=prefer,
    )
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if on_start is not None:
            on_start(watcher)
        watcher.run()
    except KeyboardInterrupt:
        pass
    finally:
        keys.restore()
        signal.signal(signal.SIGTERM, previous)
        forkserver.shutdown()
        watcher._print("\n" + watcher.catalogue.render("watch.stopped") + "\n")


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
