"""Exercise 01 · Scaling inputs (스케일링: 정규화와 표준화)

"딥러닝은 스케일링이 선택이 아닌 필수!" — a neural network learns by small weight
updates (가중치 업데이트), and features (특성) on very different scales (age in
years next to income in won) make those updates lopsided. Before any model in
this course, we scale:

- 정규화 (normalisation, min-max scaling): every feature to the range 0..1,
  (x - min) / (max - min).
- 표준화 (standardisation): every feature to mean (평균) 0 and standard
  deviation (표준편차) 1, (x - mean) / std.
- Images (픽셀 스케일링): pixel values are 0..255 integers; `x_train / 255.`
  makes them 0..1.
- A Dense layer wants one row per sample (샘플): 28x28 images become 784 values,
  `x_train.reshape(60000, -1)` (flattening, 펼치기).

The golden rule: compute min/max (or mean/std) on the TRAINING data (훈련
데이터) only, then apply those same numbers to validation and test data (검증 /
테스트 데이터). Fitting on all the data leaks information about the test set
into training (data leakage, 데이터 누수), and the scaled validation values may
then fall outside 0..1 — that is correct.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-01
"""

import numpy as np


def min_max_scale(train, *others):
    """Min-max scale every feature (column) with the training data's min and max.

    This is 정규화 (min-max normalisation, 최소-최대 정규화). Returns a tuple
    (튜플): (train_scaled, *others_scaled). A feature (특성) that is constant
    (상수 열) in `train` (max == min) must map to 0, never NaN. Do not modify the
    inputs (입력 배열을 바꾸지 마세요).

    >>> train = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> val = np.array([[2.0, 50.0]])
    >>> min_max_scale(train, val)
    (array([[0., 0.], [1., 1.]]), array([[0.5, 2. ]]))

    (50 is above train's max of 30, so it scales to 2.0: fine, and honest.)
    """
    # TODO: min and max per column from train only (axis=0)
    raise NotImplementedError


def standardize(train, *others):
    """Standardise every feature with the training data's mean and standard deviation.

    This is 표준화 (standardisation). Use the population standard deviation
    (모집단 표준편차; numpy's default, ddof=0), like scikit-learn's
    StandardScaler, not the sample std (표본 표준편차, ddof=1). A constant
    feature (상수 특성) maps to 0. Returns
    (train_scaled, *others_scaled); do not modify the inputs.

    >>> standardize(np.array([[1.0], [3.0]]))
    (array([[-1.], [ 1.]]),)
    """
    # TODO: mean and std per column from train only
    raise NotImplementedError


def scale_pixels(images):
    """uint8 pixels 0..255 -> float32 values 0..1, like the course's `x_train / 255.`

    Pixel scaling (픽셀 스케일링): 255 must become exactly 1.0. float32 is the
    dtype (데이터 타입) Keras computes in.

    >>> scale_pixels(np.array([0, 51, 255], dtype=np.uint8))
    array([0. , 0.2, 1. ], dtype=float32)
    """
    # TODO
    raise NotImplementedError


def flatten_images(images):
    """(N, H, W) or (N, H, W, C) images -> (N, H*W) or (N, H*W*C) rows for a Dense layer.

    Flattening (펼치기), what a `Flatten` layer does inside a model: one row per
    image (샘플), every pixel (and channel, 채널) of it in that row.
    The course writes `x_train.reshape(60000, -1)` for 60000 MNIST images of
    28x28 -> (60000, 784). Read N (the number of images, 이미지 개수) from the
    array instead of writing 60000.
    """
    # TODO
    raise NotImplementedError
