"""Exercise 10 · A ConvNet (합성곱 신경망, CNN)

The course's ConvNet for 28x28 grayscale (흑백, 채널 1) images (MNIST / Fashion-MNIST):

    model = Sequential([Conv2D(32, kernel_size=(3, 3), input_shape=(28, 28, 1),
                               padding='same', activation='relu'),
                        MaxPooling2D(pool_size=(2, 2), strides=2),
                        Conv2D(64, kernel_size=(3, 3), padding='same', activation='relu'),
                        MaxPooling2D(pool_size=(2, 2), strides=2),
                        Flatten(),
                        Dense(128, activation='relu'),
                        Dense(10, activation='softmax')])

- Conv2D (합성곱 층): 필터 (filters) slide over the image and extract local
  features (지역적 특성; 합성곱: multiply cell by cell, then add) into feature
  maps (특성 맵). padding='same' (패딩) keeps the size.
- MaxPooling2D: 풀링 summarises each 2x2 block by its maximum, halving the size.
- Flatten: 펼치기, so the Dense layers can take the features.
- The output layer (출력층): one unit (유닛) per class with softmax (소프트맥스);
  labels (레이블) are integers 0..9, so the loss (손실 함수) is
  sparse_categorical_crossentropy.

A CNN needs 3-D images (height, width, channels; 세로, 가로, 채널): reshape (N, 28, 28) data to
(N, 28, 28, 1) first (exercise 05's to_4d). The grader trains your model on
scikit-learn's 8x8 digits, as (8, 8, 1) images, so use `input_shape` and
`n_classes` rather than writing 28 and 10. Offline data for your own experiments:
`from grader.datasets import load_course_images`.

Replace `raise NotImplementedError` with your code, then run:

    grade exercise-10
"""

from tensorflow import keras
from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_cnn(input_shape=(28, 28, 1), n_classes=10):
    """Build and compile the course's ConvNet.

    Layers (층): Conv2D(32, 3, padding="same", relu), MaxPooling2D(2),
    Conv2D(64, 3, padding="same", relu), MaxPooling2D(2), Flatten,
    Dense(128, relu), Dense(n_classes, softmax).
    Compile (컴파일) with Adam(learning_rate=0.001) (학습률), loss
    "sparse_categorical_crossentropy", metrics ["accuracy"] (정확도). Return the
    compiled model.

    Any keras.Model counts: keras.Sequential, the functional API, or your own subclass of
    keras.Model (서브클래싱 API). The grader never runs your class's code itself (안전 모드):
    for a subclass, your file reports its layers, weights, outputs and compile settings; the
    layer table and the compile settings are judged as usual, and call() must apply the layers
    you create in __init__, in that order (the grader runs the same layers with your weights on
    the same inputs). It is trained where your class exists, with your compile settings, and
    its weights are scored in the exercise's own layers on held-out digits it cannot look up
    (so its layers must be the exercise's for that check).
    """
    # TODO: build the Sequential model, compile it, return it
    raise NotImplementedError
