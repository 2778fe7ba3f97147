"""funcgrad.nn: activation functions and friends with jax.nn's names, and `initializers`.

    import funcgrad.nn as fnn
    fnn.relu(x), fnn.gelu(x, approximate=False), fnn.softmax(logits), fnn.one_hot(labels, 10)

See docs/nn.md.
"""
from funcgrad.nn import initializers  # noqa: F401
from funcgrad.nn._activations import (celu, elu, gelu, glu, hard_sigmoid, hard_silu,  # noqa: F401
                                      hard_swish, hard_tanh, leaky_relu, log_sigmoid, mish, relu,
                                      relu6, selu, sigmoid, silu, soft_sign, softplus, squareplus,
                                      swish)
from funcgrad.nn._functions import log_softmax, logsumexp, one_hot, softmax, standardize  # noqa: F401

__all__ = ["celu", "elu", "gelu", "glu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
           "initializers", "leaky_relu", "log_sigmoid", "log_softmax", "logsumexp", "mish",
           "one_hot", "relu", "relu6", "selu", "sigmoid", "silu", "soft_sign", "softmax",
           "softplus", "squareplus", "standardize", "swish"]
