"""Self-study through the real CLI: grade list / next / hint / solution / watch, progress, terminal text."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import mutate, solution_source

from grader.cli import EXIT_BELOW, EXIT_OK, EXIT_USAGE, main
from grader.content import solutions_dir, stubs_dir
from grader.messages import catalogue_for
from grader.registry import find_exercise

ROOT = Path(__file__).resolve().parent.parent
EX05 = find_exercise("05")
VALID_OFF_BY_ONE = ("return (size - kernel_size) // strides + 1", "return (size - kernel_size) // strides")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A learner workspace made by `grade init`, as the current folder."""
    assert CliRunner().invoke(main, ["init", str(tmp_path)]).exit_code == 0
    monkeypatch.chdir(tmp_path)
    return tmp_path


def put(workspace: Path, exercise, source: str) -> Path:
    path = workspace / "exercises" / exercise.file_name
    path.write_text(source, encoding="utf-8")
    return path


def rows(runner) -> dict[str, dict]:
    return {
        row["exercise"]: row
        for row in json.loads(runner.invoke(main, ["list", "--format", "json"]).output)["exercises"]
    }


def wrong_05() -> str:
    source = solution_source("exercise-05")
    assert VALID_OFF_BY_ONE[0] in source
    return mutate(source, VALID_OFF_BY_ONE)


# ----------------------------------------------------------------------------- list and next


def test_list_shows_not_started_in_progress_and_passed_with_last_and_best(runner, workspace):
    assert {row["status"] for row in rows(runner).values()} == {"not_started"}
    put(workspace, EX05, solution_source("exercise-05"))
    assert rows(runner)["exercise-05"]["status"] == "in_progress"  # edited, not graded yet
    assert runner.invoke(main, ["05"]).exit_code == EXIT_OK
    put(workspace, EX05, wrong_05())
    assert runner.invoke(main, ["05"]).exit_code == EXIT_BELOW
    row = rows(runner)["exercise-05"]
    assert row["status"] == "passed", "passing once is what counts"
    assert row["best_score"] == row["max_score"] == EX05.max_score
    assert 0 < row["last_score"] < row["best_score"]
    text = runner.invoke(main, ["list"]).output
    line = next(line for line in text.splitlines() if "exercise-05" in line)
    assert "passed" in line and f"{row['last_score']}/{EX05.max_score}" in line and f"{EX05.max_score}/" in line
    assert "← next" in next(line for line in text.splitlines() if "exercise-01" in line)


def test_next_is_the_first_exercise_not_passed(runner, workspace):
    first = runner.invoke(main, ["next"]).output
    title = catalogue_for(find_exercise("01")).title()
    assert "exercise-01" in first and title in first and "exercises/exercise_01_scaling.py" in first
    assert catalogue_for(find_exercise("01")).hints("min_max_train")[0] in first
    shutil.copy(solutions_dir() / "exercise_01_scaling.py", workspace / "exercises")
    assert runner.invoke(main, ["01"]).exit_code == EXIT_OK
    after = runner.invoke(main, ["next"]).output
    assert "exercise-02" in after and "exercise-01" not in after


def test_a_corrupt_progress_file_is_moved_aside_with_a_note_and_grading_goes_on(runner, workspace):
    state = workspace / ".kerasdrill"
    state.mkdir()
    (state / "progress.json").write_text('{"exercise-05": {"last_score": "lots"', encoding="utf-8")
    listed = runner.invoke(main, ["list"])
    assert listed.exit_code == 0 and "could not be read" in listed.output and "starts afresh" in listed.output
    assert (state / "progress.json.corrupt").exists() and not (state / "progress.json").exists()
    assert runner.invoke(main, ["05"]).exit_code == EXIT_BELOW  # grading never needs the file
    data = json.loads((state / "progress.json").read_text())
    assert data["schema"] == 1 and data["exercises"]["exercise-05"]["last_score"] == 0
    assert not [p.name for p in state.iterdir() if p.name.endswith(".tmp")], "written atomically: no temp file left"


def test_a_progress_entry_of_the_wrong_type_is_corrupt_too(runner, workspace):
    state = workspace / ".kerasdrill"
    state.mkdir()
    (state / "progress.json").write_text('{"schema": 1, "exercises": {"exercise-05": {"best_score": "24"}}}')
    assert "could not be read" in runner.invoke(main, ["list"]).output
    assert rows(runner)["exercise-05"]["status"] == "not_started"


def test_the_first_progress_format_is_still_read(runner, workspace):
    state = workspace / ".kerasdrill"
    state.mkdir()
    (state / "progress.json").write_text('{"exercise-04": {"score": 3, "max_score": 12, "graded_at": "x"}}')
    row = rows(runner)["exercise-04"]
    assert (row["last_score"], row["best_score"], row["status"]) == (3, 3, "in_progress")


# ----------------------------------------------------------------------------- hint


def test_hint_levels_come_from_the_catalogue_and_say_how_to_get_the_next(runner, workspace):
    put(workspace, EX05, wrong_05())
    hints = catalogue_for(EX05).hints("conv_valid_stride_1")
    title = catalogue_for(EX05).check_title("conv_valid_stride_1")
    one = runner.invoke(main, ["hint", "05"])
    assert one.exit_code == EXIT_OK
    assert title in one.output and hints[0] in one.output and hints[1] not in one.output
    assert (
        "grade hint exercise-05 --level 2" in one.output and "graded exercise_05_cnn_shapes.py just now" in one.output
    )
    two = runner.invoke(main, ["hint", "05", "--level", "2"])
    assert hints[1] in two.output and hints[0] not in two.output and "last hint" in two.output
    assert "from your last grading" in two.output, "an unchanged file is not graded again"


def test_hint_grades_again_once_the_file_changed(runner, workspace):
    put(workspace, EX05, wrong_05())
    runner.invoke(main, ["hint", "05"])
    put(workspace, EX05, solution_source("exercise-05"))
    again = runner.invoke(main, ["hint", "05"])
    assert "just now" in again.output and "Every check of exercise-05 passes" in again.output


def test_hint_for_a_chosen_check_and_an_unknown_one(runner, workspace):
    put(workspace, EX05, wrong_05())
    same = catalogue_for(EX05).hints("conv_same_stride_1")[0]
    chosen = runner.invoke(main, ["hint", "05", "--check", "conv_same_stride_1"])
    assert "already passes" in chosen.output  # the mutant only breaks valid padding
    put(workspace, EX05, (stubs_dir() / EX05.file_name).read_text())
    by_title = runner.invoke(main, ["hint", "05", "--check", catalogue_for(EX05).check_title("conv_same_stride_1")])
    assert same in by_title.output
    unknown = runner.invoke(main, ["hint", "05", "--check", "no_such_check"])
    assert unknown.exit_code == EXIT_USAGE and "conv_valid_stride_1" in unknown.output


def test_hint_without_a_file_is_a_usage_error(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["hint", "05"])
    assert result.exit_code == EXIT_USAGE and "grade init" in result.output


# ----------------------------------------------------------------------------- solution


def test_solution_refuses_before_a_pass_and_shows_after_one(runner, workspace):
    reference = (solutions_dir() / EX05.file_name).read_text()
    marker = reference.splitlines()[0]
    put(workspace, EX05, wrong_05())
    runner.invoke(main, ["05"])
    refused = runner.invoke(main, ["solution", "05"])
    assert refused.exit_code == EXIT_BELOW and "not passed" in refused.output and marker not in refused.output
    forced = runner.invoke(main, ["solution", "05", "--force"])
    assert forced.exit_code == EXIT_OK and "anyway" in forced.output and reference in forced.output
    put(workspace, EX05, solution_source("exercise-05"))
    assert runner.invoke(main, ["05"]).exit_code == EXIT_OK
    shown = runner.invoke(main, ["solution", "05"])
    assert shown.exit_code == EXIT_OK and reference in shown.output and "anyway" not in shown.output


def test_solution_never_writes_unless_asked_and_then_keeps_a_backup(runner, workspace):
    mine = put(workspace, EX05, solution_source("exercise-05") + "\n# my own version\n")
    runner.invoke(main, ["05"])
    runner.invoke(main, ["solution", "05"])
    assert mine.read_text().endswith("# my own version\n")
    written = runner.invoke(main, ["solution", "05", "--write"])
    assert written.exit_code == EXIT_OK
    assert mine.read_text() == (solutions_dir() / EX05.file_name).read_text()
    (backup,) = (workspace / ".kerasdrill" / "backup").iterdir()
    assert backup.read_text().endswith("# my own version\n")


def test_solution_write_never_writes_through_a_link_or_reads_it(workspace, tmp_path):
    """The learner's file is a link (here to another file of theirs): it is moved aside as a link,
    the file it points to is untouched, and the reference is written as a file of its own. Before,
    it was copied through the link and the reference written into the other file."""
    from grader.practice.solution import write_solution

    other = tmp_path / "elsewhere.py"
    other.write_text("# not the exercise\n")
    mine = workspace / "exercises" / EX05.file_name
    mine.unlink(missing_ok=True)
    mine.symlink_to(other)
    written, backup = write_solution(EX05, workspace)
    assert other.read_text() == "# not the exercise\n"
    assert not written.is_symlink() and written.read_text() == (solutions_dir() / EX05.file_name).read_text()
    assert backup is not None and backup.is_symlink() and os.readlink(backup) == str(other)


def test_solutions_mode_never_unlocks_a_solution(runner, workspace):
    runner.invoke(main, ["05", "--solutions"])
    assert runner.invoke(main, ["solution", "05"]).exit_code == EXIT_BELOW


def test_progress_is_recorded_for_the_workspaces_own_files_only(runner, workspace):
    """The front ends record progress (workflow.py does not): grade EXERCISE and grade all for the workspace's
    files, grade hint when it grades; never --solutions, never an explicit --submission."""
    progress = workspace / ".kerasdrill" / "progress.json"
    elsewhere = workspace / "elsewhere" / EX05.file_name
    elsewhere.parent.mkdir()
    elsewhere.write_text(solution_source("exercise-05"), encoding="utf-8")
    runner.invoke(main, ["05", "--solutions"])
    runner.invoke(main, ["05", "--submission", str(elsewhere)])
    runner.invoke(main, ["all", "-e", "05", "--solutions"])
    assert not progress.exists()
    put(workspace, EX05, wrong_05())
    runner.invoke(main, ["all", "-e", "05"])
    entry = json.loads(progress.read_text(encoding="utf-8"))["exercises"]["exercise-05"]
    assert 0 < entry["last_score"] < entry["max_score"] and not entry["passed_at"]
    put(workspace, EX05, solution_source("exercise-05"))
    runner.invoke(main, ["hint", "05"])  # a changed file: graded now, and recorded
    entry = json.loads(progress.read_text(encoding="utf-8"))["exercises"]["exercise-05"]
    assert entry["last_score"] == entry["max_score"] and entry["passed_at"]
    wrong = put(workspace, EX05, wrong_05())  # graded through --submission: not recorded, the full score stays
    assert runner.invoke(main, ["05", "--submission", str(wrong)]).exit_code == EXIT_BELOW
    assert json.loads(progress.read_text(encoding="utf-8"))["exercises"]["exercise-05"] == entry


# ----------------------------------------------------------------------------- watch


class Watch:
    """`grade watch` in a subprocess (line mode), its output read by a thread, its processes tracked."""

    def __init__(self, workspace: Path, *args: str) -> None:
        env = {**os.environ, "COLUMNS": "100"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", "watch", *args],
            cwd=workspace,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.family: dict[int, str] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def until(self, text: str, timeout: float = 120) -> str:
        """Everything printed up to and including the line that holds ``text``."""
        deadline = time.monotonic() + timeout
        chunk = []
        while time.monotonic() < deadline:
            self.track()
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            chunk.append(line)
            self.seen.append(line)
            if text in line:
                return "".join(chunk)
        raise AssertionError(f"{text!r} never printed; got:\n{''.join(self.seen)[-3000:]}")

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def track(self) -> None:
        """Remember every descendant process (pid and start time) the watcher has now."""
        for pid in descendants(self.process.pid):
            self.family.setdefault(pid, start_time(pid))

    def still_running(self) -> list[int]:
        return [pid for pid, started in self.family.items() if started and start_time(pid) == started]

    def assert_family_gone(self, seconds: float = 10) -> None:
        """Every process the watcher ever had is gone (within ``seconds``, for the kernel to reap them)."""
        deadline = time.monotonic() + seconds
        while self.still_running() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.still_running() == []


def start_time(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def test_watch_regrades_on_save_shows_what_changed_and_answers_keys(workspace):
    path = put(workspace, EX05, wrong_05())
    watch = Watch(workspace, "05")
    try:
        first = watch.until("Score:")
        assert "Graded exercise-05" in first and "0/2" in first
        watch.send("h")
        hints = catalogue_for(EX05).hints("conv_valid_stride_1")
        watch.until("Hint 1 of")
        assert hints[0] in watch.until("--level 2")
        watch.send("h")
        assert hints[1] in watch.until(hints[1][:30])
        # an editor that saves by writing a new file and renaming it over the old one
        fresh = path.with_name(".#" + path.name)
        fresh.write_text(solution_source("exercise-05"), encoding="utf-8")
        os.replace(fresh, path)
        second = watch.until("Score:")
        title = catalogue_for(EX05).check_title("conv_valid_stride_1")
        assert "Now passing (" in second and f"+ {title}" in second and f"{EX05.max_score}/{EX05.max_score}" in second
        watch.send("l")
        listed = watch.until("Next:")
        assert "exercise-05" in listed and "passed" in listed
        path.write_text(wrong_05(), encoding="utf-8")
        third = watch.until("Score:")
        assert "Now failing (" in third and f"- {title}" in third
        watch.send("n")
        assert "Now watching exercise-06" in watch.until("Now watching"), "the next exercise after this one"
        watch.send("q")
        assert "Stopped watching" in watch.until("Stopped watching", timeout=30)
        assert watch.process.wait(timeout=30) == 0
    finally:
        if watch.process.poll() is None:
            watch.process.kill()


def test_sigterm_stops_watch_and_every_process_it_started(workspace):
    put(workspace, EX05, wrong_05())
    watch = Watch(workspace, "05")
    try:
        watch.until("Score:")
        watch.track()
        assert watch.family, "the warm numpy fork server is the watcher's child"
        watch.process.terminate()
        assert "Stopped watching" in watch.until("Stopped watching", timeout=30)
        watch.process.wait(timeout=30)
        watch.assert_family_gone()
    finally:
        if watch.process.poll() is None:
            watch.process.kill()


@pytest.mark.slow
def test_ctrl_c_in_watch_of_a_model_exercise_leaves_no_process_behind(workspace):
    ex10 = find_exercise("10")
    path = put(workspace, ex10, solution_source("exercise-10"))
    watch = Watch(workspace, "10")
    try:
        watch.until("Score:", timeout=300)
        path.write_text(solution_source("exercise-10") + "\n# edited\n", encoding="utf-8")
        watch.until("No check changed", timeout=300)
        watch.track()
        assert watch.family, "the fork server and its workers are the watcher's descendants"
        watch.process.send_signal(signal.SIGINT)
        assert watch.process.wait(timeout=60) == 0
        watch.assert_family_gone()
    finally:
        if watch.process.poll() is None:
            watch.process.kill()


# ----------------------------------------------------------------------------- terminal text


def test_display_width_counts_hangul_as_two_columns():
    from grader.outputs.columns import clip, display_width, ljust, wrap

    assert display_width("합성곱") == 6 and display_width("Conv2D") == 6 and display_width("e\u0301") == 1
    assert display_width(ljust("패딩", 10)) == 10 and display_width(clip("스트라이드와 패딩", 9)) <= 9
    assert all(
        display_width(line) <= 20 for line in wrap("합성곱 층의 출력 크기는 입력과 커널과 패딩으로 정해집니다", 20)
    )


def test_a_report_with_korean_check_titles_lines_up_its_points(workspace):
    from grader.outputs.columns import display_width
    from grader.outputs.text import render_text
    from grader.results import CheckResult, ExerciseResult

    titles = ["합성곱 출력 크기", "Pooling with strides", "패딩='same' 일 때"]
    checks = [CheckResult(name=f"c{i}", title=t, status="passed", points=1, max_points=1) for i, t in enumerate(titles)]
    text = render_text(ExerciseResult("exercise-05", "cnn-shapes", "CNN", "", checks), width=70)
    lines = [line for line in text.splitlines() if "1/1" in line]
    assert len(lines) == 3 and len({display_width(line.split("1/1")[0]) for line in lines}) == 1


def run_in_terminal(args: list[str], cwd: Path, columns: int) -> str:
    """Run ``grade ARGS`` with its stdout on a pseudo-terminal of ``columns`` columns."""
    import fcntl
    import pty
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", *args], cwd=cwd, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    out = b""
    while True:
        try:
            data = os.read(controller, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    process.wait(timeout=60)
    os.close(controller)
    return out.decode("utf-8", "replace")


def test_colour_and_terminal_width_at_a_terminal_plain_text_elsewhere(runner, workspace):
    put(workspace, EX05, wrong_05())
    at_terminal = run_in_terminal(["05"], workspace, columns=64)
    assert "\x1b[" in at_terminal and "✗" in at_terminal
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", at_terminal).replace("\r", "")
    assert max(len(line) for line in plain.splitlines() if not line.startswith("/")) <= 64
    piped = subprocess.run([sys.executable, "-m", "grader", "05"], cwd=workspace, capture_output=True, text=True)
    assert "\x1b" not in piped.stdout and "✗" in piped.stdout
    assert max(len(line) for line in piped.stdout.splitlines()) > 64, "a log keeps the fixed width"


def test_watch_at_a_terminal_answers_single_keys_and_restores_the_terminal(workspace):
    import pty
    import select
    import termios

    put(workspace, EX05, wrong_05())
    controller, terminal = pty.openpty()
    before = termios.tcgetattr(terminal)
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "watch", "05"],
        cwd=workspace,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "TERM": "xterm"},
    )
    seen = b""

    def until(text: str, timeout: float = 120) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while text.encode() not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")[-2000:]
            if select.select([controller], [], [], 0.2)[0]:
                seen += os.read(controller, 65536)

    try:
        until("Keys: h hint")  # single-key mode: no "then Enter"
        until("Score:")
        os.write(controller, b"h")  # no Enter: the key acts at once
        until(catalogue_for(EX05).hints("conv_valid_stride_1")[0][:40])
        os.write(controller, b"q")
        until("Stopped watching", timeout=30)
        assert process.wait(timeout=30) == 0
        assert termios.tcgetattr(terminal)[3] == before[3], "echo and line mode are back"
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
        os.close(terminal)
