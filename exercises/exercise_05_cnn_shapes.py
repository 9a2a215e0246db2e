"""Exercise 05 · CNN shape arithmetic (합성곱과 풀링의 출력 크기)

Before you build a ConvNet (합성곱 신경망), you should be able to predict what
`model.summary()` will print in its "Output Shape" (출력 형태) column. This
exercise is that arithmetic.

From the course notes:
- Conv2D (합성곱 층) slides a kernel (필터/커널) over the image `strides` cells
  at a time (스트라이드). Padding (패딩): padding="valid" (the default) adds
  nothing, so the image shrinks; padding="same" pads with zeros (이미지 둘레에
  0을 덧댐) so that, with strides=1, the size stays the same.
- MaxPooling2D(pool_size=2) (최대 풀링) summarises each 2x2 block; strides
  default to the pool size, so 28 -> 14 ("Input Size // Pooling Size, 나머지는 버림").
- A CNN needs 3-D images (height, width, channels; 높이, 너비, 채널): grayscale
  (흑백, 채널 1개) data of shape (N, 28, 28) must become (N, 28, 28, 1) first.
- Flatten (펼치기) turns (h, w, c) into (h * w * c,); Dense(units) replaces the
  last dimension (차원) by `units` (유닛 수).

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-05
"""

import numpy as np


def conv_output_size(size, kernel_size, strides=1, padding="valid"):
    """Output length of one spatial dimension after Conv2D.

    Output size (출력 크기) by padding (패딩):

    valid: floor((size - kernel_size) / strides) + 1   (내림)
    same:  ceil(size / strides)                        (올림)

    >>> conv_output_size(28, 3)                    # valid: 26
    26
    >>> conv_output_size(28, 3, padding="same")    # same, stride 1: unchanged
    28
    >>> conv_output_size(28, 3, strides=2, padding="same")
    14
    """
    # TODO
    raise NotImplementedError


def pool_output_size(size, pool_size=2, strides=None, padding="valid"):
    """Output length of one spatial dimension after MaxPooling2D.

    `strides=None` means "the same as pool_size" (Keras's default; 스트라이드
    기본값 = 풀 크기). The formulas are the same as for a convolution (합성곱)
    with kernel_size = pool_size.

    >>> pool_output_size(28)        # 2x2 pooling halves 28
    14
    >>> pool_output_size(7)         # 7 // 2 = 3: the remainder is dropped
    3
    """
    # TODO
    raise NotImplementedError


def to_4d(images):
    """Add the channel axis a CNN needs: (N, H, W) -> (N, H, W, 1).

    The new last axis is the channel axis (채널 축). Arrays that already have
    a channel axis, (N, H, W, C), come back unchanged.
    Like the course's `x_train.reshape(60000, 28, 28, 1)`, but for any N, H, W.
    """
    # TODO
    raise NotImplementedError


def output_shapes(input_shape, layers):
    """The output shape of every layer in a stack, without the batch dimension.

    층마다 출력 형태 (output shape), 배치 차원 (batch dimension) 제외.
    `input_shape` is one image's shape, e.g. (28, 28, 1). `layers` is a list of
    dicts describing layers:

        {"type": "conv2d", "filters": 32, "kernel_size": 3, "strides": 1, "padding": "same"}
        {"type": "maxpool2d", "pool_size": 2}            # strides, padding optional
        {"type": "flatten"}
        {"type": "dense", "units": 10}

    kernel_size, strides and pool_size may be an int or an (h, w) tuple;
    missing strides/padding take the Keras defaults (1 or pool_size, "valid").
    Raise ValueError if a dimension (차원) shrinks below 1 (the stack is
    impossible: 불가능한 층 구성).

    The course's ConvNet on (28, 28, 1):
    Conv2D(32, 3, same) -> (28, 28, 32), MaxPooling2D(2) -> (14, 14, 32),
    Conv2D(64, 3, same) -> (14, 14, 64), MaxPooling2D(2) -> (7, 7, 64),
    Flatten -> (3136,), Dense(128) -> (128,), Dense(10) -> (10,).
    """
    # TODO: walk the layers, keeping the current shape
    raise NotImplementedError
