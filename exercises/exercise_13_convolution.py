"""Exercise 13 · A convolution and pooling by hand (합성곱과 풀링을 직접 계산하기)

Exercise 05 predicted the *shapes* `model.summary()` prints; here you compute the
*values* a `Conv2D` and a `MaxPooling2D` layer produce, with numpy only.

From the course notes:
- 합성곱 (convolution): "같은 위치끼리 곱한 다음 더해달라는 뜻" — lay the filter
  (필터, 커널) on a patch of the image, multiply the numbers at the same positions
  and add them up. That sum (plus the bias, 편향) is one cell of the feature map
  (특성 맵). The filter then moves `strides` cells (스트라이드) and does it again.
- Like Keras, the "convolution" is a cross-correlation: the kernel is used as it
  is, never flipped (a maths textbook's convolution flips it first).
- 패딩 (padding): padding="valid" adds nothing; padding="same" pads with zeros
  ("이미지 둘레에 0으로 덧대는 과정") so that, with strides=1, the size stays.
  TensorFlow pads `max((out - 1) * s + k - n, 0)` cells in total per axis, half
  before and half after; when the total is odd the extra cell goes at the
  bottom / right.
- 풀링 (pooling): "묶음을 만들어서 가장 큰 값만 추출" — max pooling keeps the
  largest value of each window, average pooling its mean; strides default to
  the pool size, and a last partial window is dropped ("나머지는 버림").

Keras's layout throughout: images (H, W) or (H, W, C_in), kernels (kh, kw) or
(kh, kw, C_in, C_out), no batch axis. The output sizes are exercise 05's
formulas, now with values inside.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-13
"""

import numpy as np


def conv2d(image, kernel, bias=0.0, strides=1, padding="valid"):
    """One convolution layer's output (특성 맵) for one image, as float32.

    - image (H, W) with kernel (kh, kw): a 2-D feature map (one filter, one channel).
    - image (H, W, C_in) with kernel (kh, kw, C_in, C_out): a (H', W', C_out) map;
      output channel o at (i, j) is
          sum(window * kernel[:, :, :, o]) + bias[o]
      where window = image[i*sh : i*sh + kh, j*sw : j*sw + kw, :].
    - bias: a number, or one per filter (C_out,).
    - strides (스트라이드): an int or (sh, sw).
    - padding (패딩): "valid" (none) or "same" (zeros, TensorFlow's way: the total
      max((out - 1) * s + k - n, 0) split with the odd cell at the bottom/right,
      where out = ceil(n / s)).

    Worked example: a vertical edge (세로 경계) between bright (10) and dark (0)
    pixels, found by a 3x3 edge filter:

        image = 6 rows of [10, 10, 10, 0, 0, 0]
        kernel = [[1, 0, -1],
                  [1, 0, -1],
                  [1, 0, -1]]
        conv2d(image, kernel)  ->  4 rows of [0, 30, 30, 0]

    The 30s mark the edge; a flipped kernel would give -30s.
    """
    # TODO: pad (for "same"), then slide the kernel window by window
    raise NotImplementedError


def max_pool2d(fmap, pool_size=2, strides=None, padding="valid"):
    """Max pooling (최대 풀링) of a feature map (H, W) or (H, W, C), channel by channel.

    - pool_size and strides: an int or (ph, pw); strides=None means pool_size.
    - padding="valid": windows that do not fit are dropped (28 -> 14, 7 -> 3).
    - padding="same": the output is ceil(n / s) per axis; windows reaching past
      the edge use only the real cells (the padded cells are ignored, never
      counted as 0: a map of negative numbers keeps its negative maximum).

    max_pool2d(np.array([[1, 2, 5, 6],
                         [3, 4, 7, 8]]))   ->  [[4, 8]]   (two 2x2 windows)
    """
    # TODO
    raise NotImplementedError


def average_pool2d(fmap, pool_size=2, strides=None):
    """Average pooling (평균 풀링) of a feature map (H, W) or (H, W, C), padding "valid".

    Like max_pool2d, but each window gives its mean. A partial window at the
    right or bottom edge is dropped, as in max pooling with padding="valid".

    average_pool2d(np.array([[1, 2, 5, 6],
                             [3, 4, 7, 8]]))   ->  [[2.5, 6.5]]
    """
    # TODO
    raise NotImplementedError
