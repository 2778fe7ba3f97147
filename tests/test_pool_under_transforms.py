"""Max pooling's derivative under vmap and jit: the window maxima are recomputed for every input
(they are an input of the rules, not a value read while tracing)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.nn import max_pool2d

X = np.random.default_rng(0).standard_normal((3, 1, 2, 5, 5))


@pytest.mark.parametrize("window", [dict(kernel=(2, 2), stride=(2, 2), padding=(0, 0)),
                                    dict(kernel=(3, 3), stride=(1, 2), padding=(1, 1))])
def test_vmap_and_jit_of_grad_of_max_pool(window):
    def f(x):
        return fnp.sum(max_pool2d(x, **window) ** 2)

    per_example = np.stack([fg.grad(f)(x) for x in X])
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(X), per_example)
    jitted = fg.jit(fg.grad(f))
    for x, expected in zip(X, per_example):   # one trace, replayed on new inputs
        np.testing.assert_allclose(jitted(x), expected)
