"""What ``--plot`` trains for exercise 12, whose checks train no model: the learner's regularised MLP.

The checks judge ``build_regularized_mlp`` by its layers; the lesson is what those layers do to a
learning curve. So the plot trains the learner's MLP, compiled here like the course compiles it, on
a small part of scikit-learn's digits (flattened to 64 features), so that the gap between the
training loss and val_loss, and what dropout, L2 and batch normalisation do to it, shows. Beside it,
the reference solution's MLP on the same data, with the same seed: both start from weights drawn
here, from that seed (not in the worker, whose random state depends on what ran there before).
Nothing here is scored; :func:`record` runs only when ``--plot`` asked for a plot (``grader/engine.py``).
"""

from __future__ import annotations

from grader import datasets
from grader.checking.models import compile_settings, keras, learner_model, record_for_plot

EPOCHS = 20  # Keras costs ~0.25 s an epoch with validation here: ~5 s for the learner's curve
TRAIN_ROWS = 400  # few enough that regularisation visibly matters
DROPOUT, L2 = 0.3, 1e-3


def plot_data() -> datasets.Split:
    digits = datasets.digits(0)
    flat = lambda x: x.reshape(len(x), -1)  # noqa: E731  (N, 8, 8) -> (N, 64)
    return datasets.Split(
        flat(digits.x_train[:TRAIN_ROWS]), digits.y_train[:TRAIN_ROWS], flat(digits.x_test), digits.y_test, digits.name
    )


def record(learner, seed: int) -> None:
    data = plot_data()
    n_features, n_classes = data.x_train.shape[1], 10
    call = f"build_regularized_mlp({n_features}, {n_classes}, dropout={DROPOUT}, l2={L2}, batch_norm=True)"
    value = learner.build_regularized_mlp(n_features, n_classes, dropout=DROPOUT, l2=L2, batch_norm=True)
    keras.utils.set_random_seed(seed % 2**31)
    loaded = learner_model(value, call)
    model = keras.models.clone_model(loaded)  # its configuration, freshly initialised here
    # the course's compile, keeping the learner's from_logits (a head without softmax trains on logits)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=compile_settings(loaded).from_logits)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss=loss)
    record_for_plot(model, data, seed=seed, epochs=EPOCHS)
