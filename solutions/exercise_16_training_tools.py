"""Exercise 16 · Training tools: reference solution."""

import os

import numpy as np
from tensorflow import keras


def fit_with_early_stopping(model, x_train, y_train, x_valid, y_valid, patience=3, max_epochs=100):
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    history = model.fit(
        x_train,
        y_train,
        epochs=max_epochs,
        validation_data=(x_valid, y_valid),
        callbacks=[early_stopping],
        verbose=0,
    )
    return history.history  # the dict: {"loss": [...], "val_loss": [...]}


def checkpoint_callback(path):
    return keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True)


def save_and_reload(model, folder):
    path = os.path.join(folder, "model.keras")  # Keras 3 saves only to .keras (or the legacy .h5)
    model.save(path)
    return keras.models.load_model(path)


def layer_weights(model, index):
    kernel, bias = model.layers[index].get_weights()
    return kernel, bias


def hidden_features(model, x, index):
    # model.inputs, not model.input: a Sequential model has no .input until it is called
    features = keras.Model(inputs=model.inputs, outputs=model.layers[index].output)
    return np.asarray(features.predict(x, verbose=0))


def plot_learning_curves(history):
    import matplotlib.pyplot as plt  # here, not at the top: the other functions work without matplotlib

    if hasattr(history, "history"):  # a History object works as well as its dict
        history = history.history
    fig, ax = plt.subplots()
    ax.plot(history["loss"], label="loss")
    ax.plot(history["val_loss"], label="val_loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    return fig
