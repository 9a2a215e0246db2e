"""What the instructor tools tell an instructor is in the chosen language (``--lang ko``), English otherwise.

``grade merge``, ``grade report``, ``grade batch``'s deadline options, the roster and ``grade ci`` used to
print English under ``--lang ko``. Their errors are now :class:`grader.messages.Localized`: a catalogue
message that the command line renders in the reader's language, whose ``str()`` stays English for logs.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from grader.batch.deadlines import DeadlineError, parse_due
from grader.batch.merge import MergeError, merge_results
from grader.messages import Catalogue, Localized

GRADER = Path(__file__).resolve().parent.parent / "grader"


def _grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _instructor_ids() -> set[str]:
    """Every ``instructor.*`` message id the grader's code names (string constants)."""
    found = set()
    for path in GRADER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("instructor."):
                found.add(node.value)
    return found


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_instructor_message_the_code_names_is_in_the_catalogue(language):
    ids = _instructor_ids()
    assert len(ids) > 30
    catalogue = Catalogue(language)
    assert [i for i in sorted(ids) if catalogue.lookup(i) is None] == []


def test_a_localized_error_reads_as_english_text_and_renders_in_korean():
    with pytest.raises(DeadlineError) as raised:
        parse_due("2026-12-01T23:59")
    assert isinstance(raised.value, (Localized, ValueError))
    assert "add the time zone offset" in str(raised.value)
    assert "시간대 오프셋" in raised.value.render(Catalogue("ko"))
    with pytest.raises(MergeError, match="nothing to merge"):
        merge_results([])


def test_grade_merge_and_report_errors_are_korean_under_lang_ko(tmp_path):
    missing = tmp_path / "shard-1"  # a folder, but no results.json in it
    missing.mkdir()
    merged = _grade("merge", str(missing), str(missing), "--out", str(tmp_path / "out"), "--lang", "ko", cwd=tmp_path)
    assert merged.returncode == 2 and "grade merge:" in merged.stderr and "찾을 수 없습니다" in merged.stderr, (
        merged.stderr
    )
    english = _grade("merge", str(missing), "--out", str(tmp_path / "out"), "--lang", "en", cwd=tmp_path)
    assert english.returncode == 2 and "not found (a shard's --out folder holds results.json)" in english.stderr


def test_grade_batch_deadline_options_answer_in_korean(tmp_path):
    (tmp_path / "class" / "ada").mkdir(parents=True)
    completed = _grade(
        "batch", str(tmp_path / "class"), "--late-penalty", "10%/day", "--out", str(tmp_path / "o"), "--lang", "ko",
        cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 2 and "--late-penalty에는 --due" in completed.stderr, completed.stderr
