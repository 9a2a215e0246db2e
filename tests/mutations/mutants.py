"""Generated wrong answers: one learner function's body replaced by a wrong value, a lie or an exception.

For every exercise, every public function of the reference solution, and every
kind in :data:`KINDS`, :func:`mutant` returns the solution with that one body
replaced. Graded through the engine, each must give an honest verdict: no check
blamed on the grader, the exercise's own ``max_score``, and a score below it.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass

from support import solution_source

from grader.registry import Exercise, all_exercises

LIAR = (
    "class _Liar:\n"
    "        def __eq__(self, other):\n            return True\n"
    "        def __ne__(self, other):\n            return False\n"
    "        def __bool__(self):\n            raise RuntimeError('no truth value')\n"
    "        def __len__(self):\n            raise RuntimeError('no length')\n"
    "        def __iter__(self):\n            raise RuntimeError('not iterable')\n"
    "        def __float__(self):\n            return float('nan')\n"
    "        def __index__(self):\n            return 7\n"
    "        def __repr__(self):\n            return '\\x1b[31mLIAR\\x1b[0m'\n"
    "        __hash__ = None\n"
    "    return _Liar()"
)

# kind -> the new body (indented four spaces; several lines allowed)
KINDS: dict[str, str] = {
    "returns None": "return None",
    "returns a string": "return 'x'",
    "returns bytes": "return b'x'",
    "returns NaN": "return float('nan')",
    "returns infinity": "return float('inf')",
    "returns a huge int": "return 10**400",
    "returns -1": "return -1",
    "returns True": "return True",
    "returns a complex": "return 1j",
    "returns an empty list": "return []",
    "returns an empty dict": "return {}",
    "returns a nested list": "return [[1, 2], [3]]",
    "returns an array of strings": "import numpy as np\n    return np.array(['a', 'b'])",
    "returns a datetime array": "import numpy as np\n    return np.array(['2020-01-01'], dtype='datetime64[D]')",
    "returns an object": "return object()",
    "returns a lying object": LIAR,
    "raises ValueError": "raise ValueError('mutant')",
    "raises TypeError": "raise TypeError('mutant')",
    "raises KeyError": "raise KeyError('val_loss')",
    "raises RecursionError": "raise RecursionError('mutant')",
}


# Wrong answers only one function can give: (exercise number, function) -> {kind: body}.
DOMAIN: dict[tuple[int, str], dict[str, str]] = {
    (2, "train"): {
        "history without val_loss": "return model.fit(x, y, epochs=epochs, verbose=0).history",
        "history one epoch short": "h = model.fit(x, y, epochs=epochs, validation_split=validation_split, verbose=0)"
        "\n    return {k: v[:-1] for k, v in h.history.items()}",
        "history of arrays": "import numpy as np\n"
        "    h = model.fit(x, y, epochs=epochs, validation_split=validation_split, verbose=0)"
        "\n    return {k: np.array(v) for k, v in h.history.items()}",
        "history of strings": "return {'loss': ['a'] * epochs, 'val_loss': [None] * epochs}",
        "history nested": "return {'loss': [[1.0]] * epochs, 'val_loss': [{'x': 1}] * epochs}",
        "the History object": "return model.fit(x, y, epochs=epochs, validation_split=validation_split, verbose=0)",
    },
    (11, "make_dataset"): {
        "an empty dataset": "return tf.data.Dataset.from_tensor_slices((x[:0], y[:0])).batch(batch_size)",
        "unbatched": "return tf.data.Dataset.from_tensor_slices((x, y))",
    },
    (11, "make_optimizer"): {
        "a callable learning rate": "return keras.optimizers.Adam(learning_rate=lambda: 0.01)",
        "a NaN learning rate": "return keras.optimizers.Adam(learning_rate=float('nan'))",
    },
    (7, "gradient_step"): {"a list of huge ints": "return [10**400] * len(w), 0.0"},
    (7, "fit_linear"): {"a list of huge ints": "return [10**400] * x.shape[1], 0.0, [10**400] * epochs"},
    (7, "perceptron_train"): {"a list of huge ints": "return [10**400] * x.shape[1], 0"},
    (8, "build_binary_classifier"): {
        "a callable learning rate": "model = Sequential([keras.Input(shape=(n_features,)),"
        " Dense(hidden_units, activation='relu'), Dense(1, activation='sigmoid')])\n"
        "    model.compile(optimizer=Adam(learning_rate=keras.activations.relu), loss='binary_crossentropy',"
        " metrics=['accuracy'])\n    return model",
    },
    (12, "augmentation"): {
        "a custom layer": "class Mine(keras.layers.Layer):\n        def call(self, x):\n            return x\n"
        "    return keras.Sequential([Mine()])",
    },
    (16, "fit_with_early_stopping"): {
        "a made-up history": "return {'loss': [1.0, 0.9, 0.8, 0.7], 'val_loss': [1.0, 0.5, 0.6, 0.7]}",
        "history of strings": "return {'loss': ['a'] * 3, 'val_loss': [None] * 3}",
    },
    (16, "plot_learning_curves"): {
        "a million points": "import matplotlib.pyplot as plt\n    fig, ax = plt.subplots()\n"
        "    ax.plot(range(10**6), [0.5] * 10**6, label='x')\n    ax.legend()\n    return fig",
        "the pyplot module": "import matplotlib.pyplot as plt\n    plt.plot(history['loss'])\n    return plt",
        "lines of text": "import matplotlib.pyplot as plt\n    fig, ax = plt.subplots()\n"
        "    ax.plot(['a', 'b'], ['c', 'd'], label='x')\n    ax.legend()\n    return fig",
    },
    (10, "build_cnn"): {
        "a ZeroPadding2D layer": "model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.ZeroPadding2D(1),"
        " Conv2D(8, 3, activation='relu'), Flatten(), Dense(n_classes, activation='softmax')])\n"
        "    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
        "    return model",
    },
}


# The domain mutants that crashed the grader before the fail-closed work: the default run keeps them.
CRASHED_BEFORE = {
    "history of strings",
    "history nested",
    "a ZeroPadding2D layer",
    "an empty dataset",
    "a custom layer",
    "a list of huge ints",  # exercise 07 (issue #25): OverflowError in the checks' float conversion
    "a callable learning rate",  # exercise 08's compile config (issue #25); exercise 11's optimizer too
}


@dataclass(frozen=True)
class Mutant:
    exercise: Exercise
    function: str
    kind: str

    @property
    def id(self) -> str:
        return f"{self.exercise.number:02d}-{self.function}-{self.kind.replace(' ', '_')}"

    def source(self) -> str:
        body = KINDS.get(self.kind) or DOMAIN[(self.exercise.number, self.function)][self.kind]
        return mutate_function(solution_source(self.exercise), self.function, body)


def functions(source: str) -> list[str]:
    """The public top-level functions of a module, in source order."""
    tree = ast.parse(source)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def mutate_function(source: str, name: str, body: str) -> str:
    """``source`` with the body of top-level function ``name`` replaced by ``body``."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    lines = source.splitlines(keepends=True)
    first = node.body[0].lineno - 1  # 0-based first line of the body
    replacement = "    " + body + "\n"
    return "".join(lines[:first]) + replacement + "".join(lines[node.end_lineno :])


def all_mutants(exercises: tuple[Exercise, ...] | None = None) -> list[Mutant]:
    found = []
    for exercise in exercises or all_exercises():
        for function in functions(solution_source(exercise)):
            kinds = [*KINDS, *DOMAIN.get((exercise.number, function), {})]
            found += [Mutant(exercise, function, kind) for kind in kinds]
    return found


def sample(mutants: list[Mutant], per_function: int, seed: int = 0) -> list[Mutant]:
    """``per_function`` kinds per function, drawn with ``seed`` (the same sample every run)."""
    chooser = random.Random(seed)
    by_function: dict[tuple[str, str], list[Mutant]] = {}
    for item in mutants:
        by_function.setdefault((item.exercise.id, item.function), []).append(item)
    return [m for group in by_function.values() for m in chooser.sample(group, min(per_function, len(group)))]
