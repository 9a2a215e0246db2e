"""Exercise 04 · Counting parameters (파라미터 개수 세기)

`model.summary()` prints a "Param #" column (파라미터 개수). In this exercise
you compute those numbers yourself, so that a summary never surprises you again.

Every number here is either a *weight* (가중치: one per connection) or a
*bias* (절편/편향: one per neuron (뉴런) or filter (필터)). Layers that only
reshape or summarise data (Flatten 펼치기, MaxPooling2D 풀링) learn nothing, so
they have 0.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-04
"""


def dense_params(n_inputs, units, use_bias=True):
    """Number of parameters in a Dense layer.

    Every one of the `units` neurons (뉴런) is connected to all `n_inputs` inputs
    (one weight, 가중치, per connection) and, if `use_bias` is True, has one
    bias (편향).

    From the course (혼공머신 7장): a Dense(100) layer on 784 pixels has
    784 * 100 weights + 100 biases = 78500 parameters; 100 inputs into
    10 neurons need 100 * 10 + 10 = 1010.

    >>> dense_params(784, 100)
    78500
    """
    # TODO: weights plus (optionally) biases
    raise NotImplementedError


def mlp_params(n_inputs, layer_units):
    """Total parameters of a stack of Dense layers (all with biases).

    `layer_units` lists the units (유닛 수) of each layer (층) in order; each
    layer's inputs are the previous layer's units (the first layer's are
    `n_inputs`).

    Hands-On ML chapter 10's Fashion-MNIST network, Flatten(28x28) then
    Dense(300), Dense(100), Dense(10):

    >>> mlp_params(784, [300, 100, 10])
    266610
    """
    # TODO: add up the Dense layers, feeding each layer's units to the next
    raise NotImplementedError


def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    """Number of parameters in a Conv2D layer.

    Each of the `filters` filters (필터) has one weight (가중치) per kernel
    (커널) cell per input channel (입력 채널) (kh * kw * in_channels) and, if
    `use_bias`, one bias (편향). `kernel_size` is an int (a square kernel,
    정사각형 커널) or a tuple (kh, kw).

    The course's first ConvNet (합성곱 신경망) layer, the convolutional layer
    (합성곱 층) Conv2D(32, kernel_size=3), on a grayscale (흑백, 1-channel)
    image: (3 * 3 * 1 + 1) * 32 = 320.

    >>> conv2d_params(3, 1, 32)
    320
    """
    # TODO: (kh * kw * in_channels + bias) * filters
    raise NotImplementedError


def batchnorm_params(channels):
    """(trainable, non_trainable) parameters of BatchNormalization on `channels` features.

    Batch normalisation (배치 정규화) learns a scale (gamma, 스케일) and a shift
    (beta, 이동) per channel (채널), and keeps a moving mean and moving variance
    (이동 평균, 이동 분산) per channel that are updated during training but not
    by the optimizer (옵티마이저): trainable (학습되는) and non-trainable
    (학습되지 않는) parameters.

    >>> batchnorm_params(64)
    (128, 128)
    """
    # TODO: return a tuple (trainable, non_trainable)
    raise NotImplementedError


def flatten_params():
    """Parameters of a Flatten layer (it only reshapes).

    Flatten (펼치기) only changes the shape (형태) of its input: no weights
    (가중치), no biases (편향).
    """
    raise NotImplementedError


def pooling_params():
    """Parameters of a MaxPooling2D layer (it only takes the maximum of each window).

    Pooling (풀링) keeps the largest value of each window of the feature map
    (특성 맵): no weights (가중치), no biases (편향).
    """
    raise NotImplementedError
