"""Write a made-up class of learners for exercises 04 and 05, to try `grade batch` and `grade report`.

    python examples/class_report/make_class.py CLASS_DIR [--learners 40] [--seed 0]
    grade batch CLASS_DIR -e 04 -e 05 --out grades && grade report grades --out report.html

Each learner gets, for each exercise, one of: the reference solution, a classic wrong answer (the
bias forgotten, valid padding off by one, same padding rounded down ...), the untouched stub, no
file at all, or (one learner) a hostile file whose answers are HTML meant to run in the
instructor's browser. Learner k always gets the same files for the same seed.

For the instructor tools (`grade batch --due/--late-penalty/--roster/--similarity`), `--due TIME` also
makes every learner folder a git clone with a history around the deadline (see :func:`add_git_history`),
gives learners 03 and 08 a rare implementation of exercise 05 that 08 copied with renamed variables, and
`--roster FILE` writes a roster that misses one learner and lists one who has no folder:

    python examples/class_report/make_class.py CLASS_DIR --due 2026-12-01T23:59+09:00 --roster roster.csv
    grade batch CLASS_DIR -e 04 -e 05 --due 2026-12-01T23:59+09:00 --late-penalty 10%/day,max50% \
        --roster roster.csv --format canvas --format moodle --format json --similarity --out grades
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRONG = {
    "exercise_04_parameter_counts.py": [
        ("return n_inputs * units + (units if use_bias else 0)", "return n_inputs * units"),
        ("kernel_h * kernel_w * in_channels +", "kernel_h * kernel_w +"),
        ("(1 if use_bias else 0)) * filters", "0) * filters"),
        ("return (2 * channels, 2 * channels)", "return 4 * channels"),
        ("        previous = units\n", ""),
    ],
    "exercise_05_cnn_shapes.py": [
        ("return (size - kernel_size) // strides + 1", "return (size - kernel_size) // strides"),
        ("return math.ceil(size / strides)", "return size // strides"),
        ("pool_size if strides is None else strides", "1 if strides is None else strides"),
        (
            "    if images.ndim == 3:\n        return images.reshape(*images.shape, 1)\n",
            "    return images.reshape(*images.shape, 1)\n",
        ),
    ],
}
#: What a hostile learner returns and prints: markup that must stay text in the report.
INJECTION = "\"><img src=x onerror=\"document.body.dataset.pwned='1'\"><script>document.body.dataset.pwned='1'</script>"
HOSTILE = f"""
def conv_output_size(size, kernel_size, strides=1, padding="valid"):
    print({INJECTION!r})
    return {INJECTION!r}


def pool_output_size(size, pool_size=2, strides=None, padding="valid"):
    return {INJECTION!r}
"""


def learner_files(index: int, rng: random.Random) -> dict[str, str | None]:
    files: dict[str, str | None] = {}
    for name, wrongs in WRONG.items():
        solution = (ROOT / "solutions" / name).read_text(encoding="utf-8")
        roll = rng.random()
        if roll < 0.35:
            files[name] = solution
        elif roll < 0.80:
            old, new = rng.choice(wrongs)
            extra = rng.choice([w for w in wrongs if w != (old, new)]) if rng.random() < 0.3 else None
            text = solution.replace(old, new, 1)
            files[name] = text.replace(extra[0], extra[1], 1) if extra else text
        elif roll < 0.92:
            files[name] = (ROOT / "exercises" / name).read_text(encoding="utf-8")
        else:
            files[name] = None
    return files


def make_class(target: Path, learners: int = 40, seed: int = 0) -> list[str]:
    """Write ``learners`` folders into ``target``; returns their names (one hostile, one looping)."""
    rng = random.Random(seed)
    names = []
    for index in range(1, learners + 1):
        name = f"learner-{index:02d}"
        files = learner_files(index, rng)
        if index == 7:
            name = 'mallory"><img src=x onerror=alert(1)>'
            files["exercise_05_cnn_shapes.py"] = HOSTILE
        if index == 5:  # a loop that never ends: a timeout, never a stopped batch
            files["exercise_05_cnn_shapes.py"] = (
                (ROOT / "solutions" / "exercise_05_cnn_shapes.py")
                .read_text(encoding="utf-8")
                .replace('    if padding == "same":', '    while True:\n        pass\n    if padding == "same":', 1)
            )
        folder = target / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, text in files.items():
            if text is not None:
                (folder / file).write_text(text, encoding="utf-8")
        names.append(name)
    return names


#: A rare way to write exercise 05's conv_output_size (a loop instead of the formula): learner 03's own.
RARE = """

def conv_output_size(size, kernel_size, strides=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError("padding must be 'valid' or 'same'")
    remaining = size
    if padding == "valid":
        remaining = remaining - kernel_size
        steps = 0
        while remaining >= 0:
            steps = steps + 1
            remaining = remaining - strides
        return steps
    steps = 0
    while remaining > 0:
        steps += 1
        remaining -= strides
    return steps
"""
NEAR_COPIES = ("learner-03", "learner-08")


def near_copy(index: int) -> str:
    """Exercise 05 with the rare conv_output_size: as learner 03 wrote it, or as 08 copied it (names changed)."""
    base = (ROOT / "solutions" / "exercise_05_cnn_shapes.py").read_text(encoding="utf-8")
    base = base.replace("def conv_output_size(", "def _formula_conv_output_size(", 1)
    if index == 3:
        return base + RARE
    copied = RARE.replace("remaining", "left").replace("steps", "count").replace("padding must", "bad padding:")
    return base + copied + "\n# all my own work\n"


def _git(folder: Path, *args: str, when: datetime | None = None) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    command = [
        "git",
        "-c",
        "user.name=Learner",
        "-c",
        "user.email=learner@example.com",
        "-c",
        "init.defaultBranch=main",
    ]
    subprocess.run([*command, *args], cwd=folder, env=env, check=True, capture_output=True)


def add_git_history(folder: Path, index: int, due: datetime) -> str:
    """Make ``folder`` a clone whose history is around ``due``; returns what its learner's history is.

    Everyone: the stub committed 3 days early, their files 1 hour early. Learner 04 also commits the
    reference solution 30 hours late; learner 06 commits everything only 2 days late (nothing on time).
    """
    files = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    for path in folder.iterdir():
        if path.is_file():
            path.unlink()
    _git(folder, "init", "-q")
    for name in files:
        (folder / name).write_text((ROOT / "exercises" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "README.md").write_text("my exercises\n", encoding="utf-8")
    _git(folder, "add", "-A")
    if index != 6:
        _git(folder, "commit", "-q", "-m", "start", when=due - timedelta(days=3))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    _git(folder, "add", "-A")
    if index == 6:
        _git(folder, "commit", "-q", "-m", "everything, late", when=due + timedelta(days=2))
        return "late only"
    _git(folder, "commit", "-q", "-m", "my answers", when=due - timedelta(hours=1))
    if index == 4:
        for name in files:
            (folder / name).write_bytes((ROOT / "solutions" / name).read_bytes())
        _git(folder, "add", "-A")
        _git(folder, "commit", "-q", "-m", "fixed after the deadline", when=due + timedelta(hours=30))
        return "late fix"
    return "on time"


def write_roster(path: Path, names: list[str]) -> None:
    """A Canvas/Moodle roster for ``names``, without learner-02 and with a learner who has no folder."""
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "email", "github"]]
    for number, name in enumerate(names, start=1):
        if name == "learner-02":
            continue
        rows.append(
            [
                f"Learner {number:02d}",
                str(1000 + number),
                f"S{number:04d}",
                f"l{number:02d}",
                "A",
                f"l{number:02d}@uni.example",
                name,
            ]
        )
    rows.append(["Ghost, No Folder", "1999", "S9999", "ghost", "B", "ghost@uni.example", "ghost"])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def make_instructor_class(target: Path, due: datetime, learners: int = 12, seed: int = 0) -> list[str]:
    """:func:`make_class`, then the near copies of exercise 05 and every folder a git clone around ``due``."""
    names = make_class(target, learners, seed)
    for index, name in enumerate(names, start=1):
        folder = target / name
        if name in NEAR_COPIES:
            (folder / "exercise_05_cnn_shapes.py").write_text(near_copy(index), encoding="utf-8")
        add_git_history(folder, index, due)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", type=Path)
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--due", type=datetime.fromisoformat, default=None, help="git histories around this time")
    parser.add_argument("--roster", type=Path, default=None, help="write a roster CSV here")
    args = parser.parse_args()
    if args.due is not None:
        names = make_instructor_class(args.target, args.due, args.learners, args.seed)
    else:
        names = make_class(args.target, args.learners, args.seed)
    if args.roster is not None:
        write_roster(args.roster, names)
    print(f"wrote {len(names)} learners into {args.target}", file=sys.stderr)


if __name__ == "__main__":
    main()
