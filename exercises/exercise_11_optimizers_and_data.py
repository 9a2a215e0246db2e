"""Exercise 11 · Optimizers, data pipelines and seeds (옵티마이저, 배치, 난수 고정)

Optimizers (옵티마이저, 혼공머신 7장) are the algorithms that update a network's
weights and biases (가중치와 편향) from the gradients (기울기):

- SGD (확률적 경사 하강법): the most basic one; `optimizer='sgd'` in compile()
  is keras.optimizers.SGD with learning_rate 0.01.
- Momentum (모멘텀 최적화): SGD(momentum=0.9) uses past gradients like a
  velocity (가속도처럼); the course sets momentum to 0.9 or more.
- Nesterov momentum (네스테로프 모멘텀): SGD(momentum=0.9, nesterov=True).
- Adaptive learning rates (적응적 학습률): Adagrad and RMSprop lower the step as
  the model nears the optimum; 'rmsprop' is compile()'s default optimizer.
- Adam combines momentum and RMSprop (learning_rate 0.001 by default).

Keras 3 writes the learning rate (학습률) as `learning_rate=...`; Keras 2's `lr=` is gone.

Data pipelines (데이터 파이프라인; tf.data, 배치): a model trains on mini-batches
(미니배치). With 1000 samples (샘플) and batch_size 100 (배치 크기), one epoch
(에포크) is 10 batches. Build the dataset from (x, y) TOGETHER, then shuffle
(셔플), then batch:

    train_ds = tf.data.Dataset.from_tensor_slices((train_X.values, train_Y.values))
    train_ds = train_ds.shuffle(len(train_X)).batch(batch_size=5)

⚠️ 주의: shuffling x and y separately breaks the pairs (feature와 label의
매칭이 엇갈림): every label would then belong to another sample.

Seeds (시드, 난수 고정): the course writes np.random.seed(100); tf.random.set_seed(100)
so that a run can be repeated exactly.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-11
"""

import random

import numpy as np
import tensorflow as tf
from tensorflow import keras


def make_optimizer(name, learning_rate=None, momentum=0.0, nesterov=False):
    """A Keras optimizer object by name.

    Names: "sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam".

    - learning_rate=None keeps Keras's own default (기본값) for that optimizer
      (SGD 0.01, RMSprop/Adagrad/Adam 0.001). Keras refuses learning_rate=None,
      so pass learning_rate to the constructor only when it is given.
    - "momentum": SGD with momentum 0.9 (or `momentum` if a non-zero value is given).
    - "nesterov": the same, with nesterov=True.
    - "sgd": plain SGD with the given `momentum` and `nesterov` (0.0 and False by default).
    - Any other name raises ValueError (a typo should stop the program, not
      silently train with something else).

    Why: the optimizer (옵티마이저) decides how each gradient (기울기) becomes a
    weight update (가중치 업데이트), so it is one of the first hyperparameters
    (하이퍼파라미터) to tune.

    Worked example (혼공머신 7장):

        sgd = keras.optimizers.SGD(learning_rate=0.1)
        sgd = keras.optimizers.SGD(momentum=0.9, nesterov=True)
        model.compile(optimizer=keras.optimizers.Adam(), loss='sparse_categorical_crossentropy')

    so make_optimizer("nesterov") has learning_rate 0.01, momentum 0.9 and
    nesterov True, and make_optimizer("adam", learning_rate=0.01) is Adam(learning_rate=0.01).
    """
    # TODO: map the name to a class; build the keyword arguments only for values that were given
    raise NotImplementedError


def default_compile_optimizer():
    """The name (a string) of the optimizer model.compile() uses when you give none.

    Why: `model.compile(loss=...)` without an optimizer still trains; you
    should know with what.

    Worked example (혼공머신 7장): compile()'s optimizer parameter has a default
    value, one of the adaptive-learning-rate (적응적 학습률) optimizers ('sgd', 'adagrad',
    'rmsprop', 'adam' are the candidates).
    """
    # TODO
    raise NotImplementedError


def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    """A tf.data.Dataset of (x_batch, y_batch) pairs.

    Build it from (x, y) together; when `shuffle` is True shuffle (셔플) the whole
    dataset (buffer (버퍼) = len(x), seed=seed) BEFORE batching; then batch (배치).
    Every sample (샘플) appears exactly once per pass, still with its own label
    (레이블). Batches have `batch_size` (배치 크기) samples, the last one may be
    smaller. With the same seed the order is the same; with shuffle=False it is
    the original order.

    Why: shuffling stops the model from learning the order of the file, and
    shuffling before batching mixes new batches in every epoch (에포크; shuffling
    after batching only reorders the same fixed batches).

    Worked example (the course, batch_size=5):

        train_ds = tf.data.Dataset.from_tensor_slices((train_X.values, train_Y.values))
        train_ds = train_ds.shuffle(len(train_X)).batch(batch_size=5)
        [(train_features_batch, label_batch)] = train_ds.take(1)   # 5 samples and their 5 labels

    With 12 samples and batch_size=5 you get batches of 5, 5 and 2.
    """
    # TODO
    raise NotImplementedError


def set_seed(seed):
    """Make Python's, numpy's and TensorFlow's random numbers repeatable from `seed`.

    Why: weight initialisation (가중치 초기화), shuffling (셔플) and dropout
    (드롭아웃) are random (무작위); with every source seeded (시드 고정), two runs
    give identical weights (가중치) and you can compare experiments fairly.

    Worked example (the course):

        np.random.seed(100)
        tf.random.set_seed(100)

    plus random.seed(100) for Python's own random module
    (keras.utils.set_random_seed(100) does all three at once).
    After set_seed(7), np.random.rand() gives the same number every time.
    """
    # TODO
    raise NotImplementedError
