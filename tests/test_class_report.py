"""grade report: the class report's numbers, its safety against hostile learners, and the page in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "class_report"))
from make_class import make_class  # noqa: E402

pytestmark = pytest.mark.slow  # grades a whole class once for the module: not in the quick run

BUCKETS = 11  # 0-9 %, ..., 90-99 %, 100 %
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class of 12 (one hostile learner, one whose code loops) graded for exercises 04 and 05."""
    root = tmp_path_factory.mktemp("class-report")
    names = make_class(root / "class", learners=12, seed=3)
    batch = grade("batch", "class", "-e", "04", "-e", "05", "--out", "grades", "-j", "2", "--timeout", "2", cwd=root)
    assert batch.returncode == 0, batch.stderr
    report = grade("report", "grades", "--out", "report.html", cwd=root)
    assert report.returncode == 0, report.stderr
    data = json.loads((root / "grades" / "results.json").read_text(encoding="utf-8"))
    return root, names, data, (root / "report.html").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- the numbers, computed here


def attempted(result: dict) -> bool:
    return bool(result["submission"]) and any(check.get("attempted", True) for check in result["checks"])


def expected_histogram(data: dict, exercise: str) -> list[int]:
    maximum = data["max_points"][exercise]
    counts = [0] * BUCKETS
    for learner in data["learners"]:
        score = next((e["score"] for e in learner["exercises"] if e["exercise"] == exercise), 0)
        percent = 100 * score / maximum
        counts[10 if percent >= 100 else int(percent // 10)] += 1
    return counts


def expected_failure_rates(data: dict, exercise: str) -> dict[str, tuple[int, int]]:
    rates: dict[str, list[int]] = {}
    for learner in data["learners"]:
        for result in learner["exercises"]:
            if result["exercise"] != exercise or not attempted(result):
                continue
            for check in result["checks"]:
                entry = rates.setdefault(check["title"], [0, 0])
                entry[1] += 1
                entry[0] += check["status"] != "passed"
    return {title: (failed, total) for title, (failed, total) in rates.items()}


class Page(HTMLParser):
    """What the tests read from the page: bars, failure-rate rows, links, ids, and the body's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: dict[str, list[int]] = {}
        self.rates: dict[str, list[tuple[float, str]]] = {}
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.body: dict[str, str] = {}
        self.scripts = 0
        self.section = ""
        self.in_rates = False
        self.row: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "body":
            self.body = attrs
        if tag == "script":
            self.scripts += 1
        if tag == "section" and "data-exercise" in attrs:
            self.section = attrs["data-exercise"]
        if tag == "rect" and "bar" in attrs.get("class", ""):
            self.bars.setdefault(self.section, []).append(int(attrs["data-count"]))
        if tag == "table" and "failure-rates" in attrs.get("class", ""):
            self.in_rates = True
        if self.in_rates and tag == "tr" and "data-rate" in attrs:
            self.row = {"rate": float(attrs["data-rate"]), "cells": [], "text": ""}
        if self.row is not None and tag == "td":
            self.row["cells"].append("")
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.links.append(attrs["href"][1:])

    def handle_data(self, data):
        if self.row is not None and self.row["cells"]:
            self.row["cells"][-1] += data

    def handle_endtag(self, tag):
        if tag == "tr" and self.row is not None:
            title = re.sub(r"\s*\(\d+\)\s*$", "", self.row["cells"][0].strip())
            self.rates.setdefault(self.section, []).append((self.row["rate"], title, self.row["cells"][1].strip()))
            self.row = None
        if tag == "table":
            self.in_rates = False


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_the_report_numbers_equal_those_computed_from_results_json(graded):
    _, _, data, html = graded
    page = parse(html)
    for exercise in data["exercises"]:
        assert page.bars[exercise] == expected_histogram(data, exercise), "one bar per score bucket, its count"
        rows = page.rates[exercise]
        assert [rate for rate, _, _ in rows] == sorted((rate for rate, _, _ in rows), reverse=True), "sorted"
        expected = expected_failure_rates(data, exercise)
        assert {title: cells for _, title, cells in rows} == {t: f"{f} / {n}" for t, (f, n) in expected.items()}


def test_every_learner_link_resolves_and_learners_are_numbered_not_named(graded):
    _, names, _, html = graded
    page = parse(html)
    assert page.links and all(link in page.ids for link in page.links)
    assert {f"learner-{i}" for i in range(1, len(names) + 1)} <= page.ids


def test_hostile_learner_text_is_escaped_never_markup(graded):
    _, names, _, html = graded
    assert page_scripts(html) == 1, "only the report's own sorting script"
    assert "<img src=x" not in html and 'onerror="document' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html, "the hostile folder name is shown, as text"
    assert "&lt;script&gt;document.body.dataset.pwned" in html, "the hostile return value is shown, as text"


def page_scripts(html: str) -> int:
    return parse(html).scripts


def test_the_page_is_self_contained(graded):
    _, _, _, html = graded
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html), "no external script, style, font or image"
    assert "<link" not in html and "@import" not in html


def test_the_terminal_summary_names_the_most_failed_checks(graded):
    root, _, data, _ = graded
    result = grade("report", "grades", cwd=root)
    assert result.returncode == 0, result.stderr
    for exercise in data["exercises"]:
        rates = expected_failure_rates(data, exercise)
        worst = max(rates.items(), key=lambda item: (item[1][0] / item[1][1], item[0]))
        assert worst[0][:30] in result.stdout and f"{worst[1][0]}/{worst[1][1]}" in result.stdout
    assert "timed out" in result.stdout and "learner-" in result.stdout


def test_the_report_in_korean(graded):
    root, _, _, _ = graded
    result = grade("report", "grades", "--out", "report-ko.html", "--lang", "ko", cwd=root)
    assert result.returncode == 0
    html = (root / "report-ko.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "실패율" in html and "CNN 형태 계산" in html


def test_shards_are_read_as_one_class(graded, tmp_path):
    root, _, _, html = graded
    for k in (1, 2):
        run = grade("batch", "class", "-e", "04", "-e", "05", "--out", f"part{k}", "--shard", f"{k}/2", cwd=root)
        assert run.returncode == 0, run.stderr
    merged = grade("report", "part1", "part2", "--out", str(tmp_path / "merged.html"), cwd=root)
    assert merged.returncode == 0, merged.stderr
    assert parse((tmp_path / "merged.html").read_text(encoding="utf-8")).bars == parse(html).bars
    missing = grade("report", "part1", "--out", str(tmp_path / "half.html"), cwd=root)
    assert missing.returncode == 1 and "incomplete" in missing.stderr


def test_unreadable_results_are_a_usage_error(tmp_path):
    (tmp_path / "results.json").write_text("{not json", encoding="utf-8")
    result = grade("report", str(tmp_path / "results.json"), cwd=tmp_path)
    assert result.returncode == 2 and "grade report" in result.stderr


# ----------------------------------------------------------------------------- in a real browser


@pytest.mark.browser
@pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Chromium: `apt-get install chromium` (Debian; .ci/run installs it) or set PATH to a chromium",
)
def test_in_a_real_browser_the_page_renders_and_the_injected_script_never_runs(graded, tmp_path):
    root, _, data, _ = graded
    page_url = (root / "report.html").as_uri()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    env = {**os.environ, "HOME": str(tmp_path)}
    dom = subprocess.run(
        [CHROMIUM, *flags, "--virtual-time-budget=3000", "--dump-dom", page_url],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    ).stdout
    page = parse(dom)
    assert page.body is not None and "data-pwned" not in page.body, "a learner's script or onerror ran"
    for exercise in data["exercises"]:
        assert page.bars[exercise] == expected_histogram(data, exercise)
    assert all(link in page.ids for link in page.links)
    shot = tmp_path / "report.png"
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1200,1600", page_url],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert shot.is_file() and shot.stat().st_size > 20_000


PHONE = 375  # px: an iPhone's width, the narrowest the page must fit


def _widths_at(page: Path, width: int, tmp_path: Path) -> tuple[int, int]:
    """(scrollWidth, clientWidth) of ``page`` laid out ``width`` px wide in headless Chromium. Headless
    windows are at least ~500 px wide, so the page is shown in an iframe of ``width`` px: a real viewport
    (media queries apply), measured by the wrapper's script once the page has loaded."""
    folder = tmp_path / "phone"
    folder.mkdir()
    shutil.copy(page, folder / "page.html")
    probe = (
        '<!DOCTYPE html><body style="margin:0"><iframe id="f" src="page.html" '
        f'style="width:{width}px;height:800px;border:0"></iframe><script>'
        'document.getElementById("f").addEventListener("load", function () {'
        "var d = this.contentDocument.documentElement;"
        'document.body.setAttribute("data-scroll-width", d.scrollWidth);'
        'document.body.setAttribute("data-client-width", d.clientWidth); });</script></body>'
    )
    (folder / "frame.html").write_text(probe, encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]
    flags += [f"--user-data-dir={tmp_path / 'profile-phone'}", "--window-size=800,900", "--virtual-time-budget=3000"]
    env = {**os.environ, "HOME": str(tmp_path)}
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", (folder / "frame.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    ).stdout
    scroll = re.search(r'data-scroll-width="(\d+)"', dom)
    client = re.search(r'data-client-width="(\d+)"', dom)
    assert scroll and client, dom[-2000:]
    shot = tmp_path / "phone.png"  # kept for a person to look at when this fails
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", (folder / "frame.html").as_uri()], timeout=120, env=env)
    return int(scroll.group(1)), int(client.group(1))


@pytest.mark.browser
@pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Chromium: `apt-get install chromium` (Debian; .ci/run installs it) or set PATH to a chromium",
)
def test_at_a_phones_375_px_the_page_never_scrolls_sideways(graded, tmp_path):
    root = graded[0]
    scroll, client = _widths_at(root / "report.html", PHONE, tmp_path)
    assert client <= PHONE and scroll <= client, f"the page is {scroll} px wide in a {client} px viewport"


def test_the_css_the_narrow_layout_relies_on():
    """Without a browser: the rules the 375 px test depends on. Below 700 px the two columns become
    one; no grid column has a minimum wider than a phone; the histogram and learners tables scroll in
    a box of their own; long words break; the sorted column says so (aria-sort)."""
    template = (ROOT / "grader/outputs/templates/class_report.html").read_text(encoding="utf-8")
    narrow = re.search(r"@media \(max-width: (\d+)px\) \{(.*?)\n  \}", template, re.S)
    assert narrow and 600 <= int(narrow.group(1)) <= 800
    assert re.search(r"\.grid \{ grid-template-columns: minmax\(0, 1fr\);", narrow.group(2))
    for minimum in re.findall(r"minmax\((\d+)px", template):
        assert int(minimum) <= PHONE - 48, minimum
    assert ".scroll { overflow-x: auto;" in template
    for table in ('<table class="histogram-table">', '<table class="learners sortable">'):
        before = template[: template.index(table)]
        assert before.rstrip().endswith('tabindex="0" aria-label="{{ t.learners }}">') or before.rstrip().endswith(
            'aria-label="{{ ex.histogram.label }}">'
        ), table
    assert "overflow-wrap: anywhere" in template and 'setAttribute("aria-sort"' in template
    assert "svg.histogram { max-width: 100%; height: auto; }" in template


def test_learning_curves_in_the_results_are_drawn_in_the_page():
    from grader.batch.analysis import summarize
    from grader.messages import catalogue_for
    from grader.outputs.class_report import render_html
    from grader.results import CheckResult, ClassResult, ExerciseResult, LearnerResult, RunResult

    curves = {
        "series": {"yours": {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6]}, "reference": {"loss": [0.9, 0.4]}},
        "data": "digits",
        "model": "<b>net</b>",
    }
    check = CheckResult(name="learns", title="Learns", status="passed", points=2, max_points=2)
    result = ExerciseResult("exercise-10", "cnn-model", "A ConvNet", "x.py", [check], learning_curves=curves)
    graded = ClassResult([LearnerResult("ana", RunResult([result]))], ["exercise-10"], {"exercise-10": 2})
    html = render_html(summarize(graded), catalogue_for(None))
    assert html.count("<polyline") >= 3 and "learning curves" in html.lower() and "<b>net" not in html


def test_without_jinja2_the_page_is_refused_with_how_to_install_it_and_the_table_still_works(graded):
    root, _, _, _ = graded
    blocked = "import sys; sys.modules['jinja2'] = None; from grader.cli import main; main()"
    page = subprocess.run(
        [sys.executable, "-c", blocked, "report", "grades", "--out", "x.html"], cwd=root, capture_output=True, text=True
    )
    assert page.returncode == 2 and 'pip install "kerasdrill[report]"' in page.stderr and "Traceback" not in page.stderr
    table = subprocess.run(
        [sys.executable, "-c", blocked, "report", "grades"], cwd=root, capture_output=True, text=True
    )
    assert table.returncode == 0 and "exercise-05" in table.stdout
