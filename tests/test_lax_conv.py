"""fg.lax.conv_general_dilated / conv / conv_with_general_padding against JAX: values and
gradients (JAX as the oracle, skipped without it), and check_grads in both modes to second order."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.lax as lax
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

CASES = {
    "valid_2d": ((2, 3, 6, 5), (4, 3, 3, 2), dict(window_strides=(1, 1), padding="VALID")),
    "same_strided": ((2, 3, 6, 5), (4, 3, 3, 2), dict(window_strides=(2, 1), padding="SAME")),
    "pairs_dilations": ((1, 2, 6, 5), (3, 2, 3, 2), dict(window_strides=(2, 3), padding=((1, 2), (0, -1)),
                                                         lhs_dilation=(2, 1), rhs_dilation=(1, 2))),
    "nhwc_groups": ((2, 5, 4, 4), (3, 2, 2, 6), dict(window_strides=(1, 1), padding="SAME",
                                                     dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                                     feature_group_count=2)),
    "one_d_same_lower": ((2, 4, 9), (6, 4, 3), dict(window_strides=(2,), padding="SAME_LOWER")),
    "three_d": ((1, 2, 4, 5, 3), (2, 2, 2, 3, 2), dict(window_strides=(1, 2, 1), padding="SAME",
                                                       rhs_dilation=(2, 1, 1))),
    "batch_groups": ((4, 3, 4, 4), (6, 3, 2, 2), dict(window_strides=(1, 1), padding="VALID",
                                                      batch_group_count=2)),
    "nwc_1d": ((2, 7, 3), (3, 3, 2), dict(window_strides=(1,), padding=[(2, 1)],
                                           dimension_numbers=("NWC", "WIO", "NWC"))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_conv_general_dilated_matches_jax(name):
    lhs_shape, rhs_shape, options = CASES[name]
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(lhs_shape), rng.standard_normal(rhs_shape)
    want = np.asarray(jax.lax.conv_general_dilated(x, w, **options))
    got = lax.conv_general_dilated(x, w, **options)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    weights = rng.standard_normal(want.shape)

    def loss(ours):
        def f(a, b):
            out = (lax if ours else jax.lax).conv_general_dilated(a, b, **options)
            return (fnp if ours else jax.numpy).sum((fnp if ours else jax.numpy).sin(out) * weights)
        return f
    for argnum in (0, 1):
        np.testing.assert_allclose(fg.grad(loss(True), argnum)(x, w),
                                   np.asarray(jax.grad(loss(False), argnum)(x, w)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["same_strided", "pairs_dilations", "nhwc_groups", "one_d_same_lower",
                                  "three_d"])
def test_conv_general_dilated_derivatives(name):
    lhs_shape, rhs_shape, options = CASES[name]
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(lhs_shape), rng.standard_normal(rhs_shape)
    check_grads(lambda a, b: lax.conv_general_dilated(a, b, **options), (x, w), order=2,
                modes=("fwd", "rev"))


def test_conv_and_general_padding():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 2, 2))
    np.testing.assert_allclose(lax.conv(x, w, (1, 2), "SAME"), jax.lax.conv(x, w, (1, 2), "SAME"), rtol=1e-12)
    np.testing.assert_allclose(
        lax.conv_with_general_padding(x, w, (1, 1), ((1, 0), (0, 1)), (1, 2), (2, 1)),
        jax.lax.conv_with_general_padding(x, w, (1, 1), ((1, 0), (0, 1)), (1, 2), (2, 1)), rtol=1e-12)
    check_grads(lambda a, b: lax.conv(a, b, (1, 1), "VALID"), (x, w), order=2)


def test_conv_errors_name_the_problem():
    x, w = np.ones((1, 4, 5, 5)), np.ones((2, 3, 2, 2))
    with pytest.raises(TypeError, match="feature dimension"):
        lax.conv_general_dilated(x, w, (1, 1), "VALID")
    with pytest.raises(ValueError, match="padding"):
        lax.conv_general_dilated(np.ones((1, 3, 5, 5)), w, (1, 1), "FULL")


def test_conv_under_vmap_and_jit():
    rng = np.random.default_rng(3)
    xs, w = rng.standard_normal((3, 1, 2, 5, 5)), rng.standard_normal((2, 2, 3, 3))
    batched = fg.vmap(lambda x: lax.conv(x, w, (1, 1), "SAME"))(xs)
    np.testing.assert_allclose(batched, np.stack([lax.conv(x, w, (1, 1), "SAME") for x in xs]))
    np.testing.assert_allclose(fg.jit(lambda x: lax.conv(x, w, (1, 1), "SAME"))(xs[0]),
                               lax.conv(xs[0], w, (1, 1), "SAME"))
