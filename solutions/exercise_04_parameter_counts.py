"""Exercise 04 · Counting parameters: reference solution."""


def dense_params(n_inputs, units, use_bias=True):
    """Weights (n_inputs * units) plus one bias per neuron."""
    return n_inputs * units + (units if use_bias else 0)


def mlp_params(n_inputs, layer_units):
    """Each layer's inputs are the previous layer's units."""
    total = 0
    previous = n_inputs
    for units in layer_units:
        total += dense_params(previous, units)
        previous = units
    return total


def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    """(kh * kw * in_channels + 1) * filters; the +1 is each filter's bias."""
    if isinstance(kernel_size, int):
        kernel_h = kernel_w = kernel_size
    else:
        kernel_h, kernel_w = kernel_size
    return (kernel_h * kernel_w * in_channels + (1 if use_bias else 0)) * filters


def batchnorm_params(channels):
    """gamma and beta are trained; the moving mean and variance are not."""
    return (2 * channels, 2 * channels)


def flatten_params():
    """Flatten only reshapes: nothing to learn."""
    return 0


def pooling_params():
    """Pooling takes a maximum: nothing to learn."""
    return 0
