"""Exercise 14 · Evaluating a model: reference solution."""

import math

import numpy as np


def train_validation_split(x, y, valid_fraction=0.2, seed=0):
    """One seeded permutation of the rows indexes both arrays, so every pair stays together."""
    x, y = np.asarray(x), np.asarray(y)
    n = len(x)
    n_valid = math.ceil(n * valid_fraction)  # scikit-learn rounds the test part up
    order = np.random.default_rng(seed).permutation(n)
    valid, train = order[:n_valid], order[n_valid:]
    return x[train], x[valid], y[train], y[valid]


def keras_validation_rows(n_samples, validation_split):
    """Keras 3 keeps the first floor(n * (1 - split)) rows for training and validates on the rest."""
    split_at = int(math.floor(n_samples * (1.0 - validation_split)))
    return np.arange(split_at, n_samples)


def accuracy(y_true, y_pred):
    """The mean of the 0/1 'was it right' values."""
    return float(np.mean(np.asarray(y_true).ravel() == np.asarray(y_pred).ravel()))


def confusion_matrix(y_true, y_pred, n_classes):
    """Count each (true, predicted) pair: rows are the true class, columns the predicted one."""
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()):
        matrix[int(t), int(p)] += 1
    return matrix


def _ratio(top, bottom):
    """top / bottom, with 0.0 where bottom is 0 (scikit-learn's zero_division=0)."""
    return np.divide(top, bottom, out=np.zeros(len(top)), where=bottom > 0)


def classification_report(y_true, y_pred, n_classes):
    """Precision from the columns, recall from the rows of the confusion matrix."""
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0)  # TP + FP: everything predicted as c
    support = matrix.sum(axis=1)  # TP + FN: everything that truly is c
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    return {
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
        "accuracy": float(tp.sum() / matrix.sum()),
        "macro_f1": float(f1.mean()),  # every class counts the same
        "weighted_f1": float(np.sum(f1 * support) / support.sum()),  # classes count by their support
    }


def balanced_class_weight(y):
    """n_samples / (n_classes * count_c): a class half as common weighs twice as much."""
    classes, counts = np.unique(np.asarray(y).ravel(), return_counts=True)
    n_samples, n_classes = counts.sum(), len(classes)
    return {int(c): float(n_samples / (n_classes * count)) for c, count in zip(classes, counts)}


def evaluate_model(model, x, y):
    """model.evaluate returns [loss, accuracy] for a model compiled with one metric."""
    loss, acc = model.evaluate(x, y, verbose=0)
    return float(loss), float(acc)
