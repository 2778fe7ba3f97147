"""Identities every derivative must satisfy, checked across the op table and on deep traces."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms._inputs import with_fixed_args
from funcgrad.tree_util import tree_flatten
from tests.opinfo import all_cases, bind, split_sample, tolerance

# both modes (a reverse-only op's refusal of forward mode is tested in test_registry.py)
DIFFERENTIABLE = [c for c in all_cases() if c.differentiable and "fwd" in c.modes]
FEW = settings(max_examples=3, deadline=None, derandomize=True,
               suppress_health_check=list(HealthCheck))


def _float_positions(arrays):
    return [i for i, a in enumerate(arrays) if np.issubdtype(np.asarray(a).dtype, np.inexact)]


def _on_floats(fun, arrays, floats):
    return with_fixed_args(fun, arrays, floats)


def _sample(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    if any(np.iscomplexobj(a) for a in arrays):
        pytest.skip("complex inputs: the pairing is Re<v, J u> (tests/test_complex.py)")
    floats = _float_positions(arrays)
    return _on_floats(bind(case, fnp, static), arrays, floats), tuple(arrays[i] for i in floats)


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: c.id)
@given(data=st.data())
@FEW
def test_vjp_and_jvp_are_adjoint(case, data):
    # <v, J u> computed by reverse mode equals <J u, v> computed by forward mode
    f, primals = _sample(case, data)
    rng = np.random.default_rng(0)
    u = tuple(rng.standard_normal(np.shape(p)) for p in primals)
    out, out_t = fg.jvp(f, primals, u)
    out_leaves, out_tree = tree_flatten(out)
    v_leaves = [rng.standard_normal(np.shape(o)) for o in out_leaves]
    from funcgrad.tree_util import tree_unflatten
    _, pullback = fg.vjp(f, *primals)
    ct = pullback(tree_unflatten(out_tree, v_leaves))
    by_reverse = sum(np.vdot(c, x) for c, x in zip(ct, u))
    by_forward = sum(np.vdot(v, t) for v, t in zip(v_leaves, tree_flatten(out_t)[0]))
    # (for complex outputs the pairing is the real part: Re<v, J u>)
    assert np.isclose(np.real(by_reverse), np.real(by_forward), **tolerance(case, 1e-9, 1e-9)), case.id


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: c.id)
@given(data=st.data())
@settings(max_examples=2, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_jacfwd_equals_jacrev(case, data):
    f, primals = _sample(case, data)
    if any(np.iscomplexobj(leaf) for leaf in tree_flatten(f(*primals))[0]):
        pytest.skip("complex outputs of real inputs: the Jacobian is not a real matrix")
    argnums = tuple(range(len(primals)))
    forward = tree_flatten(fg.jacfwd(f, argnums=argnums)(*primals))[0]
    reverse = tree_flatten(fg.jacrev(f, argnums=argnums)(*primals))[0]
    for a, b in zip(forward, reverse):
        np.testing.assert_allclose(a, b, **tolerance(case, 1e-10, 1e-12), err_msg=case.id)


@pytest.mark.parametrize("case", [c for c in DIFFERENTIABLE if c.order >= 2], ids=lambda c: c.id)
@given(data=st.data())
@settings(max_examples=2, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_hessian_is_symmetric(case, data):
    f, primals = _sample(case, data)
    if np.size(primals[0]) > 12:
        return

    def scalar(x):  # a real scalar of every output leaf (complex ones through both parts)
        leaves = tree_flatten(f(x, *primals[1:]))[0]
        return sum((fnp.sum(fnp.sin(fnp.real(leaf)) + fnp.cos(fnp.imag(leaf)))
                    if np.iscomplexobj(leaf) else fnp.sum(fnp.sin(leaf)) for leaf in leaves), 0.0)
    x = primals[0]
    if np.iscomplexobj(x):
        return
    h = np.asarray(fg.hessian(scalar)(x)).reshape(np.size(x), np.size(x))
    np.testing.assert_allclose(h, h.T, **tolerance(case, 1e-8, 1e-10), err_msg=case.id)


def test_deep_scalar_trace_differentiates_without_recursion_error():
    def f(x):
        for _ in range(100_000):
            x = fnp.sin(x)
        return x
    g = fg.grad(f)(0.5)
    # d/dx sin^n(x) = prod cos(x_k); compare with the same product in plain NumPy
    x, expected = 0.5, 1.0
    for _ in range(100_000):
        expected *= np.cos(x)
        x = np.sin(x)
    assert g == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_are_preserved_by_every_transform(dtype):
    x = np.linspace(0.1, 0.9, 6, dtype=dtype).reshape(2, 3)

    def f(x):
        return fnp.sum(fnp.cumprod(fnp.tanh(x) * 2.0, axis=1) ** 2) + fnp.prod(x[:, ::2])
    assert fg.grad(f)(x).dtype == dtype
    assert fg.jvp(f, (x,), (np.ones_like(x),))[1].dtype == dtype
    assert fg.hessian(f)(x).dtype == dtype
    assert fg.jacrev(lambda x: fnp.sort(x, axis=1))(x).dtype == dtype


def test_user_arrays_are_not_mutated():
    x = np.array([[1.0, 0.0, 3.0], [2.0, 2.0, -1.0]])
    u = np.ones_like(x)
    before = x.copy(), u.copy()

    def f(x):
        y = x[np.array([0, 0, 1])] + fnp.sort(x, axis=1)[[1, 0, 1]]
        return fnp.sum(fnp.einsum("ij,ij->i", y, y)) + fnp.sum(fnp.diag(fnp.diagonal(x)))
    fg.grad(f)(x)
    fg.jvp(f, (x,), (u,))
    fg.hessian(f)(x)
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(u, before[1])


# -- check_grads itself catches wrong rules ------------------------------------------------

def _cube_with(vjp_rule, jvp_rule):
    """x**3 as a throwaway primitive with the given rules (removed from the registry after)."""
    from funcgrad.core.primitive import Primitive, registry
    from funcgrad.primitives._util import same_shape
    prim = Primitive("test_cube", lambda x: x ** 3, shape=same_shape, vjp=[vjp_rule], jvp=[jvp_rule])
    registry.pop("test_cube")
    return prim


@pytest.mark.parametrize("wrong,mode,order", [
    ("rev", "reverse mode", 1), ("fwd", "forward mode", 1), ("second", "mode", 2)])
def test_check_grads_reports_a_wrong_rule(wrong, mode, order):
    from funcgrad.testing import check_grads
    right = lambda t, ans, x: t * 3 * x * x  # noqa: E731
    bad = {"rev": (lambda g, ans, x: g * 3 * x, right),
           "fwd": (right, lambda t, ans, x: t * 3 * x),
           # first derivative right, second wrong: 3 x^2 written as 3 x * stop_gradient(x)
           "second": (lambda g, ans, x: g * 3 * x * fg.stop_gradient(x),
                      lambda t, ans, x: t * 3 * x * fg.stop_gradient(x))}[wrong]
    cube = _cube_with(*bad)
    x = np.array([0.5, -1.5, 2.0])
    with pytest.raises(AssertionError) as info:
        check_grads(cube, (x,), order=2)
    message = str(info.value)
    assert mode in message and "argument 0 (f64[3])" in message and f"order {order}" in message
    assert "largest difference" in message and "index" in message


def test_check_grads_passes_a_right_rule_in_float32():
    from funcgrad.testing import check_grads
    cube = _cube_with(lambda g, ans, x: g * 3 * x * x, lambda t, ans, x: t * 3 * x * x)
    check_grads(cube, (np.array([0.5, -1.5], np.float32),), order=2)
