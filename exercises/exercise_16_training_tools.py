"""Exercise 16 · Training tools: early stopping, checkpoints, saving, weights, learning curves
(조기 종료, 체크포인트, 모델 저장, 가중치, 학습 곡선)

The course wires these tools into every training run:

- Early stopping (조기 종료): stop when the validation loss (검증 손실) has not improved for
  `patience` epochs (에포크), and give the model back its best weights:
      early_stopping = EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)
      model.fit(X_train, y_train, validation_data=(X_val, y_val), callbacks=[early_stopping])
- A checkpoint (체크포인트): keras.callbacks.ModelCheckpoint saves the model while it trains;
  with save_best_only=True only the best one so far (by val_loss) is kept.
- Saving a model (모델 저장): Keras 3 saves a whole model (layers, weights, compile settings) to
  one file ending in `.keras`; keras.models.load_model reads it back.
- Weights (가중치): model.layers lists the layers (the Input is not one of them); a Dense
  layer's get_weights() gives (kernel, bias):
      weights, biases = hidden1.get_weights()
  Its outputs are relu(x @ kernel + bias) (은닉층의 출력, hidden features).
- Learning curves (학습 곡선): the History that fit returns records loss and val_loss per
  epoch (history: 에포크로 반복되는 그 때마다의 성능을 측정해 기록 → 학습곡선 그림):
      hist = model.fit(x_train, y_train, epochs=20, validation_split=.2).history
  Plotted against the epoch, they show where overfitting (과적합) begins.

plot_learning_curves needs matplotlib (install kerasdrill's `plots` extra:
pip install "kerasdrill[plots]").

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-16
"""

import os

import numpy as np
from tensorflow import keras


def fit_with_early_stopping(model, x_train, y_train, x_valid, y_valid, patience=3, max_epochs=100):
    """Fit the compiled `model` for at most `max_epochs` epochs with early stopping; return history.history.

    Fit with validation_data=(x_valid, y_valid) and an EarlyStopping callback that watches
    'val_loss', waits `patience` epochs and restores the best weights (restore_best_weights=True).

    Why: the training loss (훈련 손실) keeps falling while the model overfits (과적합); only
    the validation loss (검증 손실) shows when to stop (조기 종료). Training stops `patience`
    epochs after the lowest val_loss, and the model gets back the weights (가중치) of that epoch.

    Worked example (the course):
        early_stopping = EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)
        model.fit(X_train, y_train, validation_data=(X_val, y_val), callbacks=[early_stopping])
    With patience=3 and val_loss [0.9, 0.7, 0.75, 0.8, 0.72] training stops after these five
    epochs (three without a new lowest value after epoch 1) and the model has epoch 1's weights.
    Return the dict: history.history, e.g. {'loss': [...], 'val_loss': [...]}.
    """
    # TODO
    raise NotImplementedError


def checkpoint_callback(path):
    """A keras.callbacks.ModelCheckpoint that saves the best model (lowest val_loss) to `path`.

    Why: a checkpoint (체크포인트) keeps the best model found while training, on disk, even
    if training goes on (or crashes) afterwards. `path` ends in '.keras' (Keras 3 refuses
    other endings for a whole model).

    Worked example:
        ModelCheckpoint('best_model.keras', monitor='val_loss', save_best_only=True)
        model.fit(..., validation_data=(X_val, y_val), callbacks=[checkpoint])
    """
    # TODO
    raise NotImplementedError


def save_and_reload(model, folder):
    """Save `model` to <folder>/model.keras and return the model loaded back from that file.

    Why: a trained model is saved (모델 저장) so it can be used later without training again.
    Keras 3 saves a whole model only to a path ending in '.keras' (model.save('model')
    raises; '.h5' is the legacy format).

    Worked example:
        model.save('folder/model.keras')
        keras.models.load_model('folder/model.keras')    # predicts exactly what model did
    """
    # TODO
    raise NotImplementedError


def layer_weights(model, index):
    """The (kernel, bias) of model.layers[index], as two numpy arrays.

    Why: the weights (가중치) and biases (편향) are what training learned.

    Worked example (the course): for a model Input(4) -> Dense(5, relu) -> Dense(1),
    model.layers is [Dense(5), Dense(1)], and
        weights, biases = model.layers[0].get_weights()
    gives a kernel of shape (4, 5) (inputs x units) and a bias of shape (5,).
    """
    # TODO
    raise NotImplementedError


def hidden_features(model, x, index):
    """The outputs of model.layers[index] for the inputs `x` (a numpy array, one row per input).

    Build a model on the same layers that starts at the model's input and ends at that
    layer's output (a functional sub-model), and predict with it.

    Why: a hidden layer's outputs (은닉층의 출력) are the features (특성) the network learned;
    for a Dense layer with relu they are relu(x @ kernel + bias) of its input.

    Careful: in Keras 3 a Sequential model has no `model.input` until it is called; use
    `model.inputs` (a list) or `model.layers[0].input`.

    Worked example: for a model Input(4) -> Dense(5, relu) -> Dense(1),
        hidden_features(model, x, 0)    # shape (len(x), 5), every value >= 0
    equals np.maximum(x @ kernel + bias, 0) with kernel, bias = layer_weights(model, 0).
    """
    # TODO
    raise NotImplementedError


def plot_learning_curves(history):
    """A matplotlib figure of the learning curves (학습 곡선): loss and val_loss against the epoch.

    `history` is the dict fit_with_early_stopping returns (history.history), e.g.
    {'loss': [0.9, 0.6, 0.5], 'val_loss': [1.0, 0.8, 0.85]}. Draw one line for 'loss' and
    one for 'val_loss' (x: the epoch number), give the axes labels and add a legend;
    return the figure (plt.show() returns nothing).

    Why: the curves show where the validation loss stops falling while the training loss
    still does: where overfitting (과적합) begins and early stopping (조기 종료) should act.

    Worked example (the course plots every history this way):
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot(history['loss'], label='train')
        ax.plot(history['val_loss'], label='validation')
        ax.set_xlabel('Epochs'); ax.set_ylabel('Loss'); ax.legend()
        return fig
    (Import matplotlib inside this function: the others then work without it.)
    """
    # TODO
    raise NotImplementedError
