"""custom_vjp / custom_jvp: the user's rule is used, by every transform."""
import functools

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms.custom import CustomRuleError

rng = np.random.default_rng(3)


@fg.custom_vjp
def clip_gradient(lo, hi, x):
    return x


def _clip_fwd(lo, hi, x):
    return x, None


def _clip_bwd(lo, hi, residual, g):
    return (fnp.clip(g, lo, hi),)


clip_gradient = fg.custom_vjp(clip_gradient.fun, nondiff_argnums=(0, 1))
clip_gradient.defvjp(_clip_fwd, _clip_bwd)


def test_custom_vjp_rule_is_used_with_nondiff_argnums():
    f = lambda x: fnp.sum(5.0 * clip_gradient(-1.0, 1.0, x))  # noqa: E731
    np.testing.assert_allclose(fg.grad(f)(np.array([1.0, 2.0])), [1.0, 1.0])
    np.testing.assert_allclose(clip_gradient(-1.0, 1.0, np.array([3.0])), [3.0])


@fg.custom_vjp
def norm(p):
    return fnp.sqrt(fnp.sum(p["a"] ** 2) + p["b"] ** 2)


def _norm_fwd(p):
    n = norm(p)
    return n, (p, n)


def _norm_bwd(residuals, g):
    p, n = residuals
    return ({"a": g * p["a"] / n, "b": g * p["b"] / n},)


norm.defvjp(_norm_fwd, _norm_bwd)


def _plain_norm(p):
    return fnp.sqrt(fnp.sum(p["a"] ** 2) + p["b"] ** 2)


def test_custom_vjp_with_pytrees_under_every_transform():
    p = {"a": rng.standard_normal(3), "b": np.float64(0.5)}
    g = fg.grad(norm)(p)
    want = fg.grad(_plain_norm)(p)
    np.testing.assert_allclose(g["a"], want["a"]) and np.testing.assert_allclose(g["b"], want["b"])
    ps = {"a": rng.standard_normal((4, 3)), "b": rng.standard_normal(4)}
    batched = fg.vmap(fg.grad(norm))(ps)
    np.testing.assert_allclose(batched["a"], fg.vmap(fg.grad(_plain_norm))(ps)["a"], rtol=1e-12)
    np.testing.assert_allclose(fg.grad(lambda ps: fnp.sum(fg.vmap(norm)(ps)))(ps)["a"],
                               batched["a"], rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.grad(norm))(p)["a"], want["a"], rtol=1e-12)
    hess = fg.hessian(lambda a: norm({"a": a, "b": 0.5}))(p["a"])
    np.testing.assert_allclose(hess, fg.hessian(lambda a: _plain_norm({"a": a, "b": 0.5}))(p["a"]),
                               rtol=1e-10)
    second = fg.grad(fg.grad(lambda b: norm({"a": p["a"], "b": b})))(0.5)
    assert second == pytest.approx(fg.grad(fg.grad(lambda b: _plain_norm({"a": p["a"], "b": b})))(0.5))


def test_custom_vjp_in_forward_mode_raises_as_in_jax():
    a = rng.standard_normal(3)
    f = lambda a: norm({"a": a, "b": 0.5})  # noqa: E731
    for forward in (lambda: fg.jacfwd(f)(a), lambda: fg.jvp(f, (a,), (a,)),
                    lambda: fg.linearize(f, a)[1](a)):
        with pytest.raises(CustomRuleError, match=r"forward-mode autodiff.*custom_vjp.*norm"):
            forward()
    # forward over reverse meets only the operations fwd and bwd are made of
    np.testing.assert_allclose(fg.jacfwd(fg.grad(f))(a), fg.hessian(lambda a: _plain_norm(
        {"a": a, "b": 0.5}))(a), rtol=1e-10)


@fg.custom_jvp
def safe_log1pexp(x):
    return fnp.log1p(fnp.exp(x))


@safe_log1pexp.defjvp
def _safe_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return safe_log1pexp(x), t * fnp.sigmoid(x)


def test_custom_jvp_rule_in_both_modes_and_under_vmap_and_jit():
    x = np.array([-3.0, 0.0, 800.0])
    with np.errstate(over="ignore"):
        want = 1 / (1 + np.exp(-x))
        np.testing.assert_allclose(fg.jvp(safe_log1pexp, (x,), (np.ones(3),))[1], want)
        np.testing.assert_allclose(fg.grad(lambda x: fnp.sum(safe_log1pexp(x)))(x), want)
        np.testing.assert_allclose(fg.vmap(fg.grad(safe_log1pexp))(x), want)
        np.testing.assert_allclose(fg.jit(fg.grad(lambda x: fnp.sum(safe_log1pexp(x))))(x), want)
        np.testing.assert_allclose(np.diag(fg.jacrev(safe_log1pexp)(x)), want)
        h = fg.hessian(lambda x: fnp.sum(safe_log1pexp(x)))(x[:2])
        np.testing.assert_allclose(np.diag(h), want[:2] * (1 - want[:2]), rtol=1e-12)


def test_custom_jvp_with_nondiff_argnums_and_two_outputs():
    @functools.partial(fg.custom_jvp, nondiff_argnums=(0,))
    def scaled_pair(k, x):
        return x * k, fnp.sin(x)

    @scaled_pair.defjvp
    def _(k, primals, tangents):
        (x,), (t,) = primals, tangents
        return scaled_pair(k, x), (t * k, fnp.cos(x) * t)
    x = rng.standard_normal(2)
    J = fg.jacrev(lambda x: scaled_pair(3.0, x))(x)
    np.testing.assert_allclose(J[0], 3 * np.eye(2)) and np.testing.assert_allclose(J[1], np.diag(np.cos(x)))


def test_calling_before_defining_the_rule_is_an_error():
    f = fg.custom_vjp(lambda x: x)
    with pytest.raises(TypeError, match="defvjp"):
        fg.grad(f)(1.0)


# -- JAX's calling conventions (expected values written out; see test_jax_conformance) --------

def test_keyword_arguments_are_resolved_to_positions():
    @fg.custom_jvp
    def f(x, y=2.0):
        return fnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return f(x, y), fnp.cos(x) * tx * y + fnp.sin(x) * ty
    assert float(fg.grad(lambda x: f(x, y=3.0))(0.0)) == 3.0
    assert float(fg.grad(lambda x: f(x))(0.0)) == 2.0  # the default is filled in

    @fg.custom_vjp
    def g(x, scale):
        return x * scale
    g.defvjp(lambda x, scale: (x * scale, scale), lambda scale, ct: (ct * scale, None))
    assert float(fg.grad(lambda x: g(x, scale=4.0))(1.0)) == 4.0


def test_defjvps_gives_one_rule_per_argument():
    @fg.custom_jvp
    def f(x, y):
        return x * y
    f.defjvps(lambda tx, ans, x, y: tx * y * 10, lambda ty, ans, x, y: ty * x)
    gx, gy = fg.grad(f, argnums=(0, 1))(2.0, 3.0)
    assert (float(gx), float(gy)) == (30.0, 2.0)
    _, t = fg.jvp(f, (2.0, 3.0), (1.0, 0.0))
    assert float(t) == 30.0


def test_rule_outputs_are_checked():
    @fg.custom_vjp
    def f(x):
        return x * 2
    f.defvjp(lambda x: (x * 2, None), lambda res, g: (np.ones(5),))
    with pytest.raises(ValueError, match="shape"):
        fg.grad(lambda x: fnp.sum(f(x)))(np.ones(3))

    @fg.custom_vjp
    def k(x):
        return x * 2
    k.defvjp(lambda x: x * 2, lambda res, g: (g,))
    # JAX raises TypeError; the recorder reports errors of a primitive's implementation as
    # OpError (a ValueError), with this message inside
    with pytest.raises(Exception, match="fwd must return a pair"):
        fg.grad(k)(1.0)

    @fg.custom_jvp
    def h(x):
        return x * 2
    h.defjvp(lambda p, t: p[0] * 2)
    with pytest.raises(TypeError, match="pair"):
        fg.jvp(h, (1.0,), (1.0,))


def test_custom_gradient_under_every_transform():
    @fg.custom_gradient
    def f(x):
        return fnp.sin(x), lambda g: (g * fnp.cos(x) * 10,)
    assert float(fg.grad(f)(0.5)) == pytest.approx(10 * np.cos(0.5))
    xs = np.array([0.5, 1.0])
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(xs), 10 * np.cos(xs))
    np.testing.assert_allclose(fg.grad(lambda x: fnp.sum(fg.vmap(f)(x)))(xs), 10 * np.cos(xs))
    assert float(fg.jit(fg.grad(f))(0.5)) == pytest.approx(10 * np.cos(0.5))


def test_symbolic_zeros_is_refused_and_eval_shape():
    with pytest.raises(NotImplementedError, match="symbolic_zeros"):
        fg.custom_jvp(fnp.sin).defjvp(lambda p, t: (p, t), symbolic_zeros=True)
    out = fg.eval_shape(lambda x: (x @ x.T, x.sum()), fg.ShapeDtypeStruct((3, 2), np.float32))
    assert out == (fg.ShapeDtypeStruct((3, 3), np.float32), fg.ShapeDtypeStruct((), np.float32))


def test_errors_raised_by_the_users_rules_reach_the_caller_unchanged():
    @fg.custom_vjp
    def f(x):
        return x

    def fwd(x):
        raise TypeError("raised by fwd")

    f.defvjp(fwd, lambda r, g: (g,))
    with pytest.raises(TypeError, match="raised by fwd") as info:
        fg.grad(f)(1.0)
    assert type(info.value) is TypeError
