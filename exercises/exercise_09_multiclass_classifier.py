"""Exercise 09 · A multi-class image classifier (다중분류)

Hands-On ML chapter 10 classifies Fashion-MNIST's 28x28 clothing images with an
MLP (다층 퍼셉트론) built on the Sequential API:

    model = keras.models.Sequential()
    model.add(keras.layers.Flatten(input_shape=[28, 28]))   # 784 pixels in a row
    model.add(keras.layers.Dense(300, activation="relu"))
    model.add(keras.layers.Dense(100, activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))  # one probability per class
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])

- Flatten (펼치기) has no weights (가중치): it only lines the pixels up for the
  Dense layers (밀집층).
- The output layer (출력층) has one unit (유닛) per class (클래스 수) and softmax
  (소프트맥스), so the ten probabilities (확률) sum to 1; the predicted class is
  the largest one (argmax).
- Labels (레이블) are integers 0..9 (정수 인코딩), so the loss (손실 함수) is
  sparse_categorical_crossentropy (with one-hot (원-핫) labels it would be
  categorical_crossentropy).

The grader trains your model on scikit-learn's 8x8 digits (input_shape (8, 8)),
so use the parameters instead of writing 28 and 10. Offline data for your own
experiments: `from grader.datasets import load_course_images`.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-09
"""

import numpy as np
from tensorflow import keras


def build_mlp_classifier(input_shape=(28, 28), n_classes=10, hidden_units=(300, 100)):
    """Flatten, one Dense(units, relu) per entry of `hidden_units`, Dense(n_classes, softmax).

    Compile (컴파일) with loss "sparse_categorical_crossentropy" and metrics ["accuracy"]
    (정확도; any optimizer (옵티마이저); "adam" learns fastest here). For the defaults
    the model has 784*300+300 + 300*100+100 + 100*10+10 = 266,610 parameters (파라미터).

    Any keras.Model counts: keras.Sequential, the functional API, or your own subclass of
    keras.Model (서브클래싱 API). The grader never runs your class's code itself (안전 모드):
    for a subclass, your file reports its layers, weights, outputs and compile settings; the
    layer table and the compile settings are judged as usual, and call() must apply the layers
    you create in __init__, in that order (the grader runs the same layers with your weights on
    the same images). It is trained where your class exists, with the grader's settings, and
    scored on held-out digits it cannot look up.
    """
    # TODO
    raise NotImplementedError


def class_names():
    """The ten Fashion-MNIST class names in label order: "T-shirt/top", "Trouser", ...

    Label order (레이블 순서): names[i] is the name of the class with label i.
    """
    # TODO
    raise NotImplementedError


def top_class(probabilities, names):
    """For each row of `probabilities` (N, n_classes), the name of the most likely class.

    The most likely class is the one with the largest probability (확률): np.argmax.

    >>> top_class(np.array([[0.1, 0.9], [0.8, 0.2]]), ["cat", "dog"])
    ['dog', 'cat']
    """
    # TODO
    raise NotImplementedError
