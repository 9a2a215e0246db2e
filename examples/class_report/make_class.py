"""Write a made-up class of learners for exercises 04 and 05, to try `grade batch` and `grade report`.

    python examples/class_report/make_class.py CLASS_DIR [--learners 40] [--seed 0]
    grade batch CLASS_DIR -e 04 -e 05 --out grades && grade report grades --out report.html

Each learner gets, for each exercise, one of: the reference solution, a classic wrong answer (the
bias forgotten, valid padding off by one, same padding rounded down ...), the untouched stub, no
file at all, or (one learner) a hostile file whose answers are HTML meant to run in the
instructor's browser. Learner k always gets the same files for the same seed.
"""

from __future__ import annotations

import argparse
import random
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", type=Path)
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = make_class(args.target, args.learners, args.seed)
    print(f"wrote {len(names)} learners into {args.target}", file=sys.stderr)


if __name__ == "__main__":
    main()
