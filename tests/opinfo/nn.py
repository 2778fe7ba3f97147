"""Neural-network primitives (funcgrad/primitives/nn.py): activations, fused losses, linear,
convolution and its two adjoints, pooling. NumPy has none of them, so values are checked
against PyTorch in tests/torch_layer/test_nn_primitives.py instead (reference=False here)."""
import numpy as np
from hypothesis import strategies as st

from funcgrad.primitives import nn as nnp
from tests.opinfo import Case, Singular
from tests.opinfo import strategies as S

_a = np.array
_n = st.integers(1, 3)
_REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def _pair_same_shape(first="real", second="real"):
    return S.shapes(max_dims=2).flatmap(
        lambda s: st.tuples(S.values(s, first), S.values(s, second)))


def _with_reduction(pairs):
    return st.tuples(pairs, _REDUCTIONS).map(lambda p: p[0] + ({"reduction": p[1]},))


def _logits_and_targets():
    return st.tuples(_n, st.integers(2, 4), _REDUCTIONS).flatmap(
        lambda s: st.tuples(S.values((s[0], s[1])),
                            st.lists(st.integers(0, s[1] - 1), min_size=s[0], max_size=s[0])
                            .map(lambda t: np.array(t, dtype=np.int64)),
                            st.just({"reduction": s[2]})))


def _conv_sample(adjoint=None):
    """x (N, C, H, W), w (O, C, kh, kw) and stride/padding/dilation; for the adjoints, the
    cotangent of the output in place of x or w."""
    def build(p):
        n, c, o, kh, kw, sh, sw, ph, pw, dh, dw = p
        h, w = dh * (kh - 1) + 1 + sh + 1, dw * (kw - 1) + 1 + 1
        static = {"stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw)}
        ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        x, weight, g = S.values((n, c, h, w)), S.values((o, c, kh, kw)), S.values((n, o, ho, wo))
        if adjoint == "input":
            return st.tuples(g, weight, st.just(dict(static, x_shape=(n, c, h, w))))
        if adjoint == "weight":
            return st.tuples(x, g, st.just(dict(static, w_shape=(o, c, kh, kw))))
        return st.tuples(x, weight, st.just(static))
    small = st.integers(1, 2)
    return st.tuples(small, small, small, small, small, small, small, st.integers(0, 1),
                     st.integers(0, 1), small, small).flatmap(build)


def _grid(shape):
    """Distinct values 0.37 apart in a random order: no ties for finite differences to cross."""
    size = int(np.prod(shape))
    return st.permutations(range(size)).map(
        lambda ks: ((np.array(ks, dtype=np.float64) - size / 2) * 0.37).reshape(shape))


def _pool_sample(dilated=False):
    def build(p):
        n, c, kh, kw, sh, sw, ph, pw = p
        h, w = kh + sh + 1, kw + 1
        ph, pw = min(ph, kh // 2), min(pw, kw // 2)
        static = {"kernel": (kh, kw), "stride": (sh, sw), "padding": (ph, pw)}
        if dilated:  # taps two apart: the windows need room
            static["dilation"] = (2, 2)
            h, w = h + kh, w + kw
        return st.tuples(_grid((n, c, h, w)), st.just(static))
    small = st.integers(1, 2)
    return st.tuples(small, small, small, small, small, small, st.integers(0, 1),
                     st.integers(0, 1)).flatmap(build)


def _linear_sample():
    def build(p):
        lead, i, o = p
        return st.tuples(S.values(lead + (i,)), S.values((o, i)), S.values((o,)))
    leads = st.sampled_from([(), (2,), (3,), (2, 2)])
    return st.tuples(leads, _n, _n).flatmap(build)


def _distinct_unary():
    return S.shapes().flatmap(S.distinct).map(lambda x: (x,))


CASES = [
    Case("relu", lambda xp, x: nnp.relu(x), _distinct_unary(), reference=False, singular=(
        Singular((_a([-1.0, 0.0, 2.0]),), grads=(_a([0.0, 0.0, 1.0]),),
                 note="the derivative at 0 is 0, as in PyTorch"),)),
    Case("sigmoid", lambda xp, x: nnp.sigmoid(x), S.unary(), reference=False),
    Case("softplus", lambda xp, x: nnp.softplus(x), S.unary(), reference=False),
    Case("clamp", lambda xp, x, **k: nnp.clamp(x, **k),
         _distinct_unary().map(lambda t: t + ({"low": -0.9, "high": 1.1},)), reference=False,
         singular=(Singular((_a([-1.0, -0.5, 0.5, 1.0]), {"low": -0.5, "high": 0.5}),
                            grads=(_a([0.0, 1.0, 1.0, 0.0]),),
                            note="at a bound the gradient passes (PyTorch's convention)"),)),
    Case("copy", lambda xp, x: nnp.copy(x), S.unary(), reference=False),
    Case("mean", lambda xp, x, axis, keepdims: nnp.mean(x, axis=axis, keepdims=keepdims),
         S.with_axis(S.array()).map(lambda xa: (xa[0], {
             "axis": None if xa[1] is None else (xa[1] % max(np.ndim(xa[0]), 1),),
             "keepdims": False})), reference=False),
    Case("linear", lambda xp, x, w, b: nnp.linear(x, w, b), _linear_sample(), reference=False),
    Case("binary_cross_entropy_with_logits",
         lambda xp, x, y, reduction: nnp.binary_cross_entropy_with_logits(x, y, reduction=reduction),
         _with_reduction(_pair_same_shape("real", (0.0, 1.0))), reference=False),
    Case("mse_loss", lambda xp, x, y, reduction: nnp.mse_loss(x, y, reduction=reduction),
         _with_reduction(_pair_same_shape()), reference=False),
    Case("log_softmax", lambda xp, x, axis: nnp.log_softmax(x, axis=axis),
         S.with_axis(S.array(min_dims=1), allow_none=False).map(
             lambda xa: (xa[0], {"axis": xa[1] % np.ndim(xa[0])})), reference=False),
    Case("nll_loss", lambda xp, logp, target, reduction: nnp.nll_loss(logp, target, reduction=reduction),
         _logits_and_targets(), reference=False, order=2),
    Case("conv2d", lambda xp, x, w, **k: nnp.conv2d(x, w, **k), _conv_sample(), reference=False),
    Case("conv2d_input_grad", lambda xp, g, w, **k: nnp.conv2d_input_grad(g, w, **k),
         _conv_sample("input"), reference=False),
    Case("conv2d_weight_grad", lambda xp, x, g, **k: nnp.conv2d_weight_grad(x, g, **k),
         _conv_sample("weight"), reference=False),
    Case("max_pool2d", lambda xp, x, **k: nnp.max_pool2d(x, **k), _pool_sample(), reference=False,
         singular=(Singular((_a([[[[1.0, 3.0], [3.0, 2.0]]]]), {"kernel": (2, 2), "stride": (2, 2),
                                                               "padding": (0, 0)}),
                            grads=(_a([[[[0.0, 1.0], [0.0, 0.0]]]]),),
                            note="a tie: the first maximum takes the gradient, as in PyTorch"),)),
    Case("max_pool2d", lambda xp, x, **k: nnp.max_pool2d(x, **k), _pool_sample(dilated=True),
         reference=False, name="dilated"),
    Case("avg_pool2d", lambda xp, x, **k: nnp.avg_pool2d(x, **k), _pool_sample(), reference=False),
    Case("max_pool2d_argmax", lambda xp, x, **k: nnp.max_pool2d_argmax(x, **k), _pool_sample(),
         reference=False, differentiable=False),
    Case("max_pool2d_argmax", lambda xp, x, **k: nnp.max_pool2d_argmax(x, **k),
         _pool_sample(dilated=True), reference=False, differentiable=False, name="dilated"),
]
