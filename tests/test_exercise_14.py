"""Exercise 14 evaluation: stub 0, solution full, wrong answers lose exactly their checks, correct
answers in other styles get full marks, the grader's numbers equal scikit-learn's and Keras 3's
validation_split rule, and everything but evaluate_model grades without TensorFlow."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from support import describe, feedback_test, grade_source, solution_source, wrong_answer_test

from grader.exercises.exercise_14_evaluation import checks

EXERCISE = "exercise-14"
REPORT = {"precision_and_recall", "f1_and_support", "report_averages"}

WRONG_ANSWERS = {
    "precision and recall swapped": (
        [
            (
                "precision = _ratio(tp, predicted)\n    recall = _ratio(tp, support)",
                "precision = _ratio(tp, support)\n    recall = _ratio(tp, predicted)",
            )
        ],
        {"precision_and_recall"},
    ),
    "NaN for zero division": (
        [("return np.divide(top, bottom, out=np.zeros(len(top)), where=bottom > 0)", "return top / bottom")],
        REPORT,
    ),
    "macro and weighted mixed up": (
        [
            ('"macro_f1": float(f1.mean())', '"macro_f1": float(np.sum(f1 * support) / support.sum())'),
            ('"weighted_f1": float(np.sum(f1 * support) / support.sum())', '"weighted_f1": float(f1.mean())'),
        ],
        {"report_averages"},
    ),
    "macro over the classes present only": (
        [('"macro_f1": float(f1.mean())', '"macro_f1": float(f1[(support + predicted) > 0].mean())')],
        {"report_averages"},
    ),
    "validation rows taken from the front": (
        [("return np.arange(split_at, n_samples)", "return np.arange(0, n_samples - split_at)")],
        {"keras_validation_rows"},
    ),
    "validation rows counted with ceil": (
        [
            (
                "split_at = int(math.floor(n_samples * (1.0 - validation_split)))",
                "split_at = n_samples - math.ceil(n_samples * validation_split)",
            )
        ],
        {"keras_validation_rows"},
    ),
    "split rounds down": (
        [("n_valid = math.ceil(n * valid_fraction)", "n_valid = int(n * valid_fraction)")],
        {"split_sizes_rows_and_pairs"},
    ),
    "x and y shuffled apart": (
        [
            (
                "return x[train], x[valid], y[train], y[valid]",
                "other = np.random.default_rng(seed + 1).permutation(n)\n"
                "    return x[train], x[valid], y[other[n_valid:]], y[other[:n_valid]]",
            )
        ],
        {"split_sizes_rows_and_pairs"},
    ),
    "split ignores the seed": (
        [("np.random.default_rng(seed).permutation(n)", "np.random.default_rng().permutation(n)")],
        {"split_depends_on_the_seed_only"},
    ),
    "split not shuffled": (
        [("order = np.random.default_rng(seed).permutation(n)", "order = np.arange(n)")],
        {"split_sizes_rows_and_pairs", "split_depends_on_the_seed_only"},
    ),
    "confusion matrix transposed": (
        [("matrix[int(t), int(p)] += 1", "matrix[int(p), int(t)] += 1")],
        {"confusion_matrix", *REPORT},
    ),
    "accuracy as a percentage": (
        [("return float(np.mean(", "return 100 * float(np.mean(")],
        {"accuracy"},
    ),
    "class weights without the number of classes": (
        [("float(n_samples / (n_classes * count))", "float(n_samples / count)")],
        {"balanced_class_weight"},
    ),
    "class weights count classes up to the largest label": (
        [
            (
                "n_samples, n_classes = counts.sum(), len(classes)",
                "n_samples, n_classes = counts.sum(), int(classes.max()) + 1",
            )
        ],
        {"balanced_class_weight"},
    ),
    "evaluate returns (accuracy, loss)": (
        [("return float(loss), float(acc)", "return float(acc), float(loss)")],
        {"evaluate_model"},
    ),
}

# Every grade runs evaluate_model's check, which imports Keras in both processes: slow, like the model exercises.
slow = pytest.mark.slow
test_wrong_answer_loses_exactly_its_points = slow(wrong_answer_test(EXERCISE, WRONG_ANSWERS))

test_feedback_names_the_mistake = slow(
    feedback_test(
        EXERCISE,
        WRONG_ANSWERS,
        [
            ("precision and recall swapped", "precision_and_recall", ["swapped"]),
            ("NaN for zero division", "precision_and_recall", ["not NaN"]),
            ("macro and weighted mixed up", "report_averages", ["mixed up"]),
            ("macro over the classes present only", "report_averages", ["all"]),
            ("validation rows taken from the front", "keras_validation_rows", ["not the front"]),
            ("validation rows counted with ceil", "keras_validation_rows", ["floor(90 * (1 - 0.3))"]),
            ("split rounds down", "split_sizes_rows_and_pairs", ["round up"]),
            ("x and y shuffled apart", "split_sizes_rows_and_pairs", ["shuffled apart"]),
            ("split ignores the seed", "split_depends_on_the_seed_only", ["seed=5"]),
            ("split not shuffled", "split_sizes_rows_and_pairs", ["Shuffle the rows"]),
            ("confusion matrix transposed", "confusion_matrix", ["transposed"]),
            ("accuracy as a percentage", "accuracy", ["not a percentage"]),
            ("class weights without the number of classes", "balanced_class_weight", ["number of classes"]),
            ("class weights count classes up to the largest label", "balanced_class_weight", ["np.unique"]),
            ("evaluate returns (accuracy, loss)", "evaluate_model", ["swapped"]),
        ],
    )
)


# --------------------------------------------------------------------------- correct answers in other styles

SKLEARN = """
import math
import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix as sk_confusion, precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight


def train_validation_split(x, y, valid_fraction=0.2, seed=0):
    return train_test_split(x, y, test_size=valid_fraction, random_state=seed)


def keras_validation_rows(n_samples, validation_split):
    return list(range(int(n_samples * (1 - validation_split)), n_samples))


def accuracy(y_true, y_pred):
    return accuracy_score(y_true, y_pred)


def confusion_matrix(y_true, y_pred, n_classes):
    return sk_confusion(y_true, y_pred, labels=list(range(n_classes)))


def classification_report(y_true, y_pred, n_classes):
    labels = list(range(n_classes))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {"precision": p, "recall": r, "f1": f, "support": s, "accuracy": accuracy_score(y_true, y_pred),
            "macro_f1": f.mean(), "weighted_f1": np.average(f, weights=s)}


def balanced_class_weight(y):
    classes = np.unique(y)
    return dict(zip(classes, compute_class_weight("balanced", classes=classes, y=y)))


def evaluate_model(model, x, y):
    return tuple(model.evaluate(x, y, verbose=0))
"""

LOOPS = """
import math
import random


def train_validation_split(x, y, valid_fraction=0.2, seed=0):
    rows = list(range(len(x)))
    random.Random(seed).shuffle(rows)
    cut = math.ceil(len(rows) * valid_fraction)
    valid, train = rows[:cut], rows[cut:]
    return x[train], x[valid], y[train], y[valid]


def keras_validation_rows(n_samples, validation_split):
    return [i for i in range(n_samples) if i >= math.floor(n_samples * (1.0 - validation_split))]


def accuracy(y_true, y_pred):
    right = 0
    for t, p in zip(y_true, y_pred):
        right += int(t == p)
    return right / len(y_true)


def confusion_matrix(y_true, y_pred, n_classes):
    import numpy as np
    table = [[0] * n_classes for _ in range(n_classes)]
    for t, p in zip(y_true, y_pred):
        table[t][p] += 1
    return np.array(table)


def classification_report(y_true, y_pred, n_classes):
    m = confusion_matrix(y_true, y_pred, n_classes).tolist()
    precision, recall, f1, support = [], [], [], []
    for c in range(n_classes):
        tp = m[c][c]
        predicted = sum(m[t][c] for t in range(n_classes))
        actual = sum(m[c])
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        precision.append(p)
        recall.append(r)
        f1.append(2 * p * r / (p + r) if p + r else 0.0)
        support.append(actual)
    total = sum(support)
    return {
        "precision": precision, "recall": recall, "f1": f1, "support": support,
        "accuracy": sum(m[c][c] for c in range(n_classes)) / total,
        "macro_f1": sum(f1) / n_classes,
        "weighted_f1": sum(f * s for f, s in zip(f1, support)) / total,
    }


def balanced_class_weight(y):
    count = {}
    for label in y:
        count[int(label)] = count.get(int(label), 0) + 1
    return {c: len(y) / (len(count) * k) for c, k in count.items()}


def evaluate_model(model, x, y):
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    return results["loss"], results["accuracy"]
"""


@slow
@pytest.mark.parametrize("source", [SKLEARN, LOOPS], ids=["scikit-learn", "plain-loops"])
def test_correct_answers_in_other_styles_get_full_marks(source, tmp_path):
    pytest.importorskip("sklearn")
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.passed and result.score == result.max_score, describe(result)


def test_the_plain_data_checks_grade_without_tensorflow():
    """With TensorFlow and Keras made unimportable, every check but evaluate_model still passes. (The exercise
    needs TensorFlow for that one check, so it is graded in a child of the Keras fork server by default:
    here the checks run in this process, where the two cannot be imported.)"""
    code = (
        "import sys\n"
        "for name in ('tensorflow', 'keras'):\n"
        "    sys.modules[name] = None\n"
        "from grader import find_exercise, locate_submission, grade_exercise\n"
        "from grader.engine import GradeOptions\n"
        "e = find_exercise('exercise-14')\n"
        "options = GradeOptions(fork_checks=False, warm_tensorflow=False)\n"
        "r = grade_exercise(e, locate_submission(e, solutions=True), options)\n"
        "bad = [c.name for c in r.checks if not c.passed and c.name != 'evaluate_model']\n"
        "assert not bad, r.to_dict()\n"
        "assert not r.check('evaluate_model').passed\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_the_worker_runs_every_plain_function_without_tensorflow(tmp_path):
    from grader.sandbox.client import WorkerClient

    path = tmp_path / "submission.py"
    path.write_text(
        solution_source(EXERCISE)
        + "\n\ndef _heavy():\n    import sys\n"
        + "    return sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'sklearn'))\n"
    )
    y = np.array([0, 1, 1, 2, 2, 2])
    with WorkerClient(path, tmp_path / "session") as client:
        client.ensure_loaded()
        client.call("train_validation_split", (np.arange(12.0).reshape(6, 2), y))
        client.call("keras_validation_rows", (10, 0.2))
        for name in ("accuracy", "confusion_matrix", "classification_report"):
            client.call(name, (y, y[::-1], 3) if name != "accuracy" else (y, y[::-1]))
        client.call("balanced_class_weight", (y,))
        reply = client.call("_heavy")
    assert reply["ok"] and reply["value"] == [], reply


# --------------------------------------------------------------------------- the grader's numbers equal the libraries'


def test_report_equals_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    from sklearn.utils.class_weight import compute_class_weight

    rng = np.random.default_rng(14)
    for _ in range(60):
        n_classes = int(rng.integers(2, 9))
        y_true, y_pred = checks.report_case(rng, n_classes)
        labels = list(range(n_classes))
        ours = checks.report(y_true, y_pred, n_classes)
        p, r, f, s = metrics.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
        assert np.allclose(ours["precision"], p) and np.allclose(ours["recall"], r) and np.allclose(ours["f1"], f)
        assert np.array_equal(ours["support"], s)
        assert np.isclose(ours["accuracy"], metrics.accuracy_score(y_true, y_pred))
        assert np.isclose(
            ours["macro_f1"], metrics.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        )
        assert np.isclose(
            ours["weighted_f1"], metrics.f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)
        )
        assert np.array_equal(
            checks.counts(y_true, y_pred, n_classes), metrics.confusion_matrix(y_true, y_pred, labels=labels)
        )
        present = np.unique(y_true)
        expected = dict(zip(present.tolist(), compute_class_weight("balanced", classes=present, y=y_true)))
        assert checks.class_weights(y_true).keys() == expected.keys()
        assert np.allclose([checks.class_weights(y_true)[k] for k in expected], list(expected.values()))


def test_split_size_equals_train_test_split():
    model_selection = pytest.importorskip("sklearn.model_selection")
    for n in range(5, 120, 7):
        for fraction in (0.1, 0.15, 0.2, 0.25, 0.3, 0.33):
            _, valid = model_selection.train_test_split(np.arange(n), test_size=fraction, random_state=0)
            assert len(valid) == math.ceil(n * fraction), (n, fraction)


@pytest.mark.slow
def test_keras_validation_rows_equal_the_rows_fit_holds_out():
    """An untrainable model predicting 0 makes val_loss the mean of y**2 over exactly the held-out rows."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(7)
    cases = [(90, 0.3), (50, 0.14), (10, 0.2), (7, 0.25), (100, 0.33)] + [
        (int(rng.integers(5, 300)), float(rng.choice([0.1, 0.15, 0.2, 0.25, 0.3, 0.33]))) for _ in range(8)
    ]
    for n, split in cases:
        x = np.zeros((n, 1), dtype="float32")
        y = rng.normal(size=(n, 1)).astype("float64")
        model = keras.Sequential(
            [keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros", trainable=False)]
        )
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
        history = model.fit(x, y, epochs=1, batch_size=4, validation_split=split, shuffle=True, verbose=0).history
        rows = checks.validation_rows(n, split)
        assert np.isclose(history["val_loss"][0], np.mean(y[rows] ** 2), rtol=1e-5), (n, split)
        # ... and not the ceil-counted rows, where the two differ
        other = np.arange(n - math.ceil(n * split), n)
        if len(other) != len(rows):
            assert not np.isclose(history["val_loss"][0], np.mean(y[other] ** 2), rtol=1e-5), (n, split)
