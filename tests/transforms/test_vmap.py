"""vmap: batched results equal a Python loop over the examples, for many primitives and compositions."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms.vmap import BatchedConversionError

rng = np.random.default_rng(0)


def loop(f, in_axes, *args):
    """The reference: f applied example by example, results stacked on axis 0."""
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    size = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    outs = [f(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, axes)])
            for i in range(size)]
    return np.stack(outs)


UNARY = [fnp.sin, fnp.tanh, fnp.exp, fnp.abs, fnp.sqrt, fnp.log1p, fnp.square,
         lambda x: fnp.sum(x, axis=0), lambda x: fnp.max(x, axis=-1), lambda x: x.T,
         lambda x: fnp.reshape(x, (-1,)), lambda x: x[1:, ::2], lambda x: x[np.array([0, 2, 1])],
         lambda x: x[:, 0], lambda x: fnp.broadcast_to(x, (2,) + x.shape), lambda x: x @ x.T,
         lambda x: fnp.concatenate([x, 2 * x], axis=1), lambda x: fnp.stack([x, x], axis=-1),
         lambda x: fnp.where(x > 0.5, x, -x), lambda x: fnp.moveaxis(x, 0, 1),
         lambda x: fnp.expand_dims(x, 0), lambda x: x.astype(np.float32),
         lambda x: fnp.logsumexp(x, axis=1), lambda x: fnp.softmax(x, axis=-1)]


@pytest.mark.parametrize("k", range(len(UNARY)))
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_unary_ops_match_loop(k, axis):
    f = UNARY[k]
    xs = rng.uniform(0.1, 1.0, (3, 4, 5))
    np.testing.assert_allclose(fg.vmap(f, in_axes=axis)(xs), loop(f, axis, xs), rtol=1e-12)


BINARY = [lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x / y, lambda x, y: x ** y,
          lambda x, y: fnp.maximum(x, y), lambda x, y: fnp.arctan2(x, y),
          lambda x, y: x @ y, lambda x, y: fnp.dot(x, y), lambda x, y: x[0] * y]


@pytest.mark.parametrize("k", range(len(BINARY)))
@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (1, 0)])
def test_binary_ops_match_loop_for_every_in_axes(k, in_axes):
    f = BINARY[k]
    x = rng.uniform(0.5, 1.5, (4, 4))
    y = rng.uniform(0.5, 1.5, (4, 4))
    args = [x if ax is None else np.stack([x * (i + 1) for i in range(3)], axis=ax)
            for ax in in_axes[:1]]
    args += [y if ax is None else np.stack([y + i for i in range(3)], axis=ax) for ax in in_axes[1:]]
    np.testing.assert_allclose(fg.vmap(f, in_axes=in_axes)(*args), loop(f, in_axes, *args),
                               rtol=1e-12)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)),
                                    ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4))])
def test_matmul_batch_rule_for_vectors_and_stacks(shapes):
    a = rng.standard_normal((5,) + shapes[0])
    b = rng.standard_normal((5,) + shapes[1])
    for in_axes in [(0, 0), (0, None), (None, 0)]:
        args = (a if in_axes[0] == 0 else a[0], b if in_axes[1] == 0 else b[0])
        np.testing.assert_allclose(fg.vmap(fnp.matmul, in_axes=in_axes)(*args),
                                   loop(np.matmul, in_axes, *args), rtol=1e-12)


def test_in_axes_and_out_axes_pytrees():
    params = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    xs = rng.standard_normal((5, 3))

    def f(p, x):
        y = x @ p["w"] + p["b"]
        return {"y": y, "norm": fnp.sum(y ** 2)}
    out = fg.vmap(f, in_axes=({"w": None, "b": None}, 0), out_axes={"y": 1, "norm": 0})(params, xs)
    assert out["y"].shape == (2, 5) and out["norm"].shape == (5,)
    np.testing.assert_allclose(out["y"].T, xs @ params["w"] + params["b"])
    out2 = fg.vmap(f, in_axes=(None, 0))(params, xs)
    np.testing.assert_allclose(out2["norm"], out["norm"])


def test_unbatched_output_is_broadcast_and_out_axes_none_keeps_it():
    f = lambda x, c: (x * 2, c + 1.0)  # noqa: E731
    a, b = fg.vmap(f, in_axes=(0, None), out_axes=(0, None))(np.ones(3), 5.0)
    assert a.shape == (3,) and b == 6.0
    a, b = fg.vmap(f, in_axes=(0, None))(np.ones(3), 5.0)
    np.testing.assert_array_equal(b, [6.0, 6.0, 6.0])


def test_nested_vmap_is_an_outer_product():
    x, y = rng.standard_normal(3), rng.standard_normal(4)
    out = fg.vmap(fg.vmap(lambda a, b: a * b, in_axes=(None, 0)), in_axes=(0, None))(x, y)
    np.testing.assert_allclose(out, np.outer(x, y))


def test_per_example_gradients():
    def loss(w, x, y):
        return (fnp.tanh(x @ w) - y) ** 2
    w = rng.standard_normal(3)
    xs, ys = rng.standard_normal((6, 3)), rng.standard_normal(6)
    per_example = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))(w, xs, ys)
    expected = np.stack([fg.grad(loss)(w, x, y) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(per_example, expected, rtol=1e-12)
    np.testing.assert_allclose(per_example.sum(0),
                               fg.grad(lambda w: fnp.sum(loss(w, xs, ys)))(w), rtol=1e-12)


@pytest.mark.parametrize("order", ["vmap(grad)", "grad(vmap)", "vmap(jacfwd)", "jacrev(vmap)",
                                   "vmap(hessian)", "vmap(jvp)", "vmap(vjp)", "jit(vmap)",
                                   "vmap(jit)"])
def test_compositions(order):
    f = lambda x: fnp.sum(fnp.sin(x) * x[0])  # noqa: E731
    xs = rng.standard_normal((4, 3))
    by_loop = {
        "grad": np.stack([fg.grad(f)(x) for x in xs]),
        "hess": np.stack([fg.hessian(f)(x) for x in xs]),
    }
    g = lambda x: fnp.sin(x) * x[0]  # noqa: E731
    if order == "vmap(grad)":
        np.testing.assert_allclose(fg.vmap(fg.grad(f))(xs), by_loop["grad"], rtol=1e-12)
    elif order == "grad(vmap)":
        np.testing.assert_allclose(fg.grad(lambda xs: fnp.sum(fg.vmap(f)(xs)))(xs), by_loop["grad"])
    elif order == "vmap(jacfwd)":
        np.testing.assert_allclose(fg.vmap(fg.jacfwd(g))(xs), np.stack([fg.jacrev(g)(x) for x in xs]))
    elif order == "jacrev(vmap)":
        jac = fg.jacrev(fg.vmap(g))(xs)  # (4, 3, 4, 3), block diagonal over examples
        for i, x in enumerate(xs):
            np.testing.assert_allclose(jac[i, :, i, :], fg.jacfwd(g)(x), rtol=1e-12)
        assert np.all(jac[0, :, 1, :] == 0)
    elif order == "vmap(hessian)":
        np.testing.assert_allclose(fg.vmap(fg.hessian(f))(xs), by_loop["hess"], rtol=1e-12)
    elif order == "vmap(jvp)":
        t = np.ones(3)
        out = fg.vmap(lambda x: fg.jvp(g, (x,), (t,))[1])(xs)
        np.testing.assert_allclose(out, np.stack([fg.jvp(g, (x,), (t,))[1] for x in xs]))
    elif order == "vmap(vjp)":
        out = fg.vmap(lambda x: fg.vjp(g, x)[1](np.ones(3))[0])(xs)
        np.testing.assert_allclose(out, np.stack([fg.vjp(g, x)[1](np.ones(3))[0] for x in xs]))
    elif order == "jit(vmap)":
        np.testing.assert_allclose(fg.jit(fg.vmap(fg.grad(f)))(xs), by_loop["grad"], rtol=1e-12)
    else:
        np.testing.assert_allclose(fg.vmap(fg.jit(fg.grad(f)))(xs), by_loop["grad"], rtol=1e-12)


def test_chunk_size_gives_the_same_result():
    xs = rng.standard_normal((10, 3))
    f = lambda x: (fnp.sin(x), fnp.sum(x))  # noqa: E731
    a = fg.vmap(f)(xs)
    b = fg.vmap(f, chunk_size=3)(xs)
    c = fg.vmap(f, in_axes=1, out_axes=(1, 0), chunk_size=4)(xs.T)
    np.testing.assert_allclose(a[0], b[0]) and np.testing.assert_allclose(a[1], b[1])
    np.testing.assert_allclose(c[0], a[0].T)


def test_python_control_flow_on_a_batched_value_is_a_clear_error():
    with pytest.raises(BatchedConversionError, match="fnp.where|numpy.where"):
        fg.vmap(lambda x: x if x > 0 else -x)(np.ones(3))
    with pytest.raises(BatchedConversionError):
        fg.vmap(lambda x: float(x))(np.ones(3))
    with pytest.raises(BatchedConversionError):
        fg.vmap(lambda x, i: x[i])(np.ones((2, 3)), np.array([0, 1]))


def test_bad_axes_are_reported():
    with pytest.raises(ValueError, match="different sizes"):
        fg.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="no batched argument"):
        fg.vmap(lambda a: a, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="in_axes"):
        fg.vmap(lambda a, b: a, in_axes=(0,))(np.ones(3), np.ones(3))
    assert fg.vmap(lambda a: a * 2, in_axes=None, axis_size=2)(np.ones(3)).shape == (2, 3)


def test_primitive_without_a_batch_rule_falls_back_to_a_loop():
    from funcgrad.core.primitive import Primitive, ShapedArray
    name = "test_only_cumulative_product"
    from funcgrad.core.primitive import registry
    prim = registry.get(name) or Primitive(
        name, lambda x: np.cumprod(x), shape=lambda x: ShapedArray(x.shape, x.dtype),
        vjp=None, jvp=None)
    try:
        xs = rng.standard_normal((4, 3))
        np.testing.assert_allclose(fg.vmap(prim.bind)(xs), np.cumprod(xs, axis=1))
    finally:
        registry.pop(name, None)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2), st.integers(1, 4), st.integers(1, 3))
def test_vmap_of_grad_of_a_reduction_matches_loop_for_any_shape(axis, n, m):
    xs = np.random.default_rng(n * 10 + m).standard_normal((3, n, m, 2))
    f = lambda x: fnp.sum(fnp.tanh(x) * fnp.max(x, axis=0))  # noqa: E731
    np.testing.assert_allclose(fg.vmap(fg.grad(f), in_axes=axis, out_axes=axis)(xs),
                               np.moveaxis(loop(fg.grad(f), axis, xs), 0, axis), rtol=1e-10)


def test_keyword_arguments_are_batched_along_axis_zero():
    out = fg.vmap(lambda x, *, scale: x * scale, in_axes=None)(np.ones(2), scale=np.arange(3.0))
    np.testing.assert_array_equal(out, [[0, 0], [1, 1], [2, 2]])


# -- JAX's spec rules (expected values written out; see test_jax_conformance) -----------------

def test_axis_specs_must_be_ints_or_none():
    X = np.arange(6.0).reshape(2, 3)
    for bad in (0.5, "a", (0.5,)):
        with pytest.raises(TypeError, match="int, None"):
            fg.vmap(lambda x: x, in_axes=bad)(X)
    with pytest.raises(TypeError, match="int, None"):
        fg.vmap(lambda x: x, out_axes="a")(X)


def test_spec_containers_must_match_the_values_types():
    X = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="structure"):  # a list spec for a tuple argument
        fg.vmap(lambda t: t[0] * t[1], in_axes=([0, 1],))((X, X.T))
    with pytest.raises(ValueError, match="structure"):  # a dict spec must name every key
        fg.vmap(lambda d: d["a"], in_axes=({"a": 0},))({"a": X, "b": np.ones(3)})
    out = fg.vmap(lambda t: t[0] * t[1], in_axes=((0, 1),))((X, X.T))  # tuple for tuple
    np.testing.assert_allclose(out, X * X)
    out = fg.vmap(lambda x, y: x * y, in_axes=[0, None])(X, np.ones(3))  # top-level list is fine
    np.testing.assert_allclose(out, X)


def test_out_axes_out_of_range_is_an_error_and_negative_counts_from_the_end():
    X = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="out of range"):
        fg.vmap(lambda x: x, out_axes=3)(X)
    with pytest.raises(ValueError, match="out of range"):
        fg.vmap(lambda x: x.sum(), out_axes=1)(X)
    assert fg.vmap(lambda x: fnp.outer(x, x), out_axes=-1)(X).shape == (3, 3, 2)
    assert fg.vmap(lambda x: x.sum(), out_axes=-1)(X).tolist() == [3.0, 12.0]


def test_jax_signature_axis_name_positional_and_spmd_axis_name_accepted():
    xs = np.arange(3.0)
    f = fg.vmap(lambda x: x - fg.lax.pmean(x, "i"), 0, 0, "i")
    assert f(xs).tolist() == [-1.0, 0.0, 1.0]
    assert fg.vmap(lambda x: x * 2, spmd_axis_name="s")(xs).tolist() == [0.0, 2.0, 4.0]
    assert fg.vmap(lambda x: x, in_axes=None, axis_size=3)(np.ones(2)).shape == (3, 2)
    with pytest.raises(ValueError):
        fg.vmap(lambda x: x, axis_name="i", chunk_size=2)


def test_one_argument_where_under_vmap_refuses_instead_of_mixing_the_examples():
    # where(c) is nonzero(c): its batching rule used to run nonzero on the whole batch, giving
    # (batch index, index) pairs as if they were one example's indices
    batch = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])
    with pytest.raises(TypeError, match="nonzero entries"):
        fg.vmap(fnp.where)(batch)
    np.testing.assert_array_equal(fg.vmap(lambda x: fnp.where(x > 0, x, 1.0))(batch),
                                  np.where(batch > 0, batch, 1.0))
    np.testing.assert_array_equal(fg.vmap(fnp.count_nonzero)(batch), [2, 1])
