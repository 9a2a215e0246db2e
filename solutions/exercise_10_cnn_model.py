"""Exercise 10 · A ConvNet: reference solution."""

from tensorflow import keras
from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_cnn(input_shape=(28, 28, 1), n_classes=10):
    model = Sequential([
        keras.Input(shape=input_shape),
        Conv2D(32, kernel_size=3, padding="same", activation="relu"),
        MaxPooling2D(pool_size=2),
        Conv2D(64, kernel_size=3, padding="same", activation="relu"),
        MaxPooling2D(pool_size=2),
        Flatten(),
        Dense(128, activation="relu"),
        Dense(n_classes, activation="softmax"),  # one probability per class
    ])
    model.compile(optimizer=Adam(learning_rate=0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
