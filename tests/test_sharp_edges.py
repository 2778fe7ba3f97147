"""The sharp bits (docs/sharp_bits.md): conversions that would drop a derivative are refused,
values without a derivative are never refused, and errors keep NumPy's types."""
import math

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import TracerConversionError

F = np.arange(3.0)
V = np.array([0.5, 1.5, 2.2])


# -- 1. a conversion that would drop a derivative raises -----------------------------------

def _assign_into_numpy(x):
    a = np.zeros(3)
    a[0] = x[0]
    a[1] = x[1]
    return fnp.sum(a * x)


def _assign_slice_into_numpy(x):
    a = np.zeros(3)
    a[:2] = x[:2]
    return fnp.sum(a * x)


CONVERSIONS = {
    "float": (lambda x: float(x) * x, 1.0),
    "complex": (lambda x: complex(x).real * x, 1.0),
    "item": (lambda x: x.item() * x, 1.0),
    "tolist": (lambda x: x.tolist()[0] * x[0], np.ones(2)),
    "np.float64": (lambda x: np.float64(x) * x, 1.0),
    "math.sin": (lambda x: math.sin(x) * x, 1.0),
    "math.exp": (lambda x: math.exp(x) * x, 1.0),
    "np.asarray": (lambda x: fnp.sum(np.asarray(x) * x), np.ones(2)),
    "assign slice": (_assign_slice_into_numpy, np.ones(3)),
}


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversion_of_a_value_with_a_derivative_raises_under_grad(name):
    fun, x = CONVERSIONS[name]
    with pytest.raises(TracerConversionError) as info:
        fg.grad(lambda x: fnp.sum(fun(x)))(x)
    message = str(info.value)
    assert "test_sharp_edges.py" in message  # the user's line
    assert "stop_gradient" in message and "drop its derivative" in message


def test_assignment_of_a_tracer_into_a_numpy_array_raises():
    # NumPy reports it as its own ValueError, caused by funcgrad's explanation
    with pytest.raises(ValueError) as info:
        fg.grad(_assign_into_numpy)(np.ones(3))
    cause = info.value.__cause__ or info.value
    assert isinstance(cause, TracerConversionError)
    assert "x.at[index].set(value)" in str(cause) and "fnp.stack" in str(cause)


@pytest.mark.parametrize("transform", ["vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize",
                                       "vmap(grad)", "jit(grad)", "grad(grad)"])
def test_every_differentiating_transform_refuses(transform):
    f = lambda x: fnp.sum(float(x[0]) * x)  # noqa: E731
    x = np.ones(2)
    run = {
        "vjp": lambda: fg.vjp(f, x),
        "jvp": lambda: fg.jvp(f, (x,), (x,)),
        "jacrev": lambda: fg.jacrev(f)(x),
        "jacfwd": lambda: fg.jacfwd(f)(x),
        "hessian": lambda: fg.hessian(f)(x),
        "linearize": lambda: fg.linearize(f, x),
        "vmap(grad)": lambda: fg.vmap(fg.grad(f))(np.ones((3, 2))),
        "jit(grad)": lambda: fg.jit(fg.grad(f))(x),
        "grad(grad)": lambda: fg.grad(lambda y: fg.grad(f)(y)[0])(x),
    }[transform]
    with pytest.raises(TracerConversionError, match="float()"):
        run()


def test_an_outer_derivative_is_protected_inside_an_inner_grad():
    # float(x) of the outer variable inside the inner function would drop d/dx
    with pytest.raises(TracerConversionError):
        fg.grad(lambda x: fg.grad(lambda y: float(x) * y)(1.0) * x)(3.0)


def test_the_autograd_and_jax_examples_are_refused_as_they_refuse():
    jax = pytest.importorskip("jax")
    with pytest.raises(TypeError):
        jax.grad(lambda x: float(x) * x)(1.0)
    with pytest.raises(TypeError):
        fg.grad(lambda x: float(x) * x)(1.0)
    autograd = pytest.importorskip("autograd")
    with pytest.raises(TypeError):
        autograd.grad(lambda x: math.sin(x) * x)(1.0)
    with pytest.raises(TypeError):
        fg.grad(lambda x: math.sin(x) * x)(1.0)


# -- what stays allowed: no derivative is dropped ------------------------------------------

ALLOWED = {
    "bool": (lambda x: x * 2.0 if x > 0 else x, 2.5, 2.0),
    "int": (lambda x: int(x) * x, 2.5, 2.0),
    "index": (lambda x: fnp.sum(np.arange(3.0)[int(x)] * x), 1.5, 1.0),
    "floor": (lambda x: float(fnp.floor(x)) * x, 2.5, 2.0),
    "stop_gradient": (lambda x: float(fg.stop_gradient(x)) * x, 2.5, 2.5),
    "integer astype item": (lambda x: (x > 0).astype(int).item() * x, 2.5, 1.0),
    "range": (lambda x: sum(x * i for i in range(int(x))), 3.0, 3.0),
    "comparison item": (lambda x: x * (x > 1).item(), 2.0, 1.0),
}


@pytest.mark.parametrize("name", ALLOWED)
def test_conversions_with_no_derivative_stay_allowed(name):
    fun, x, expected = ALLOWED[name]
    assert fg.grad(fun)(x) == expected


def test_jit_alone_guards_float_instead_of_refusing():
    f = fg.jit(lambda x: x * float(x))
    assert f(2.0) == 4.0 and f(3.0) == 9.0  # the guard re-traces for a new value
    assert f.trace_count == 2
    g = fg.jit(lambda x: fnp.sum(np.asarray(x) * x))
    assert g(np.ones(2)) == 2.0 and g(2 * np.ones(2)) == 8.0


def test_a_constant_from_stop_gradient_may_be_assigned_into_numpy():
    def f(x):
        a = np.zeros(2)
        a[0] = fg.stop_gradient(x[0])
        return fnp.sum(a * x)
    np.testing.assert_allclose(fg.grad(f)(np.array([2.0, 3.0])), [2.0, 0.0])


def test_item_assignment_on_a_tracer_names_the_at_syntax():
    def f(x):
        x[0] = 1.0
        return fnp.sum(x)
    with pytest.raises(TypeError, match=r"x\.at\[index\]\.set\(value\)"):
        fg.grad(f)(np.ones(3))


# -- 2. integer and boolean traced values index plain NumPy arrays -------------------------

INDEXED = {
    "floor astype": lambda v: fnp.sum(F[fnp.floor(v).astype(int)] * v),
    "comparison astype": lambda v: fnp.sum(F[(v > 1).astype(int)] * v),
    "np.take": lambda v: fnp.sum(np.take(F, (v > 1).astype(int)) * v),
    "stop_gradient index": lambda v: fnp.sum(F[fg.stop_gradient(fnp.floor(v).astype(int))] * v),
    "boolean mask": lambda v: fnp.sum(F[v > 1]) * fnp.sum(v),
    "tuple index": lambda v: fnp.sum(np.eye(3)[(v > 1).astype(int), fnp.floor(v).astype(int)] * v),
    "0-d index": lambda v: F[fnp.argmax(v)] * fnp.sum(v),
    "count": lambda v: fnp.sum(np.repeat(F, fnp.argmax(v) + 1)) * fnp.sum(v),
}
_COUNTED = {  # n = fnp.sum(v > 1), an integer tracer, as a count or size
    "np.zeros": lambda n, v: np.zeros(n) + 1.0,
    "np.arange": lambda n, v: np.arange(n) * 1.0,
    "np.tile": lambda n, v: np.tile(np.ones(2), n),
    "np.split": lambda n, v: np.split(np.ones(4), n)[0],
    "np.roll": lambda n, v: np.roll(np.arange(3.0), n) * np.arange(3.0),
    "reshape": lambda n, v: np.ones(4).reshape(n, -1)[0],
    "slice of a traced array": lambda n, v: v[:n],
    "np.linspace": lambda n, v: np.linspace(0.0, 1.0, n + 1),
}
INDEXED.update({f"count {name}": (lambda g: lambda v: fnp.sum(g(fnp.sum(v > 1), v)) * fnp.sum(v))(g)
                for name, g in _COUNTED.items()})


def _numerical_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


@pytest.mark.parametrize("name", INDEXED)
def test_integer_and_boolean_tracers_index_numpy_arrays(name):
    f = INDEXED[name]
    np.testing.assert_allclose(fg.grad(f)(V), _numerical_grad(f, V), rtol=1e-6)


def test_integer_index_under_jit_gives_right_answers_for_new_indices():
    f = fg.jit(lambda i, x: fnp.sum(F[i] * x))
    assert f(np.array([0, 1]), np.ones(2)) == 1.0
    assert f(np.array([2, 2]), np.ones(2)) == 4.0  # a cached trace must not keep F[[0, 1]]
    assert f(np.array([0, 1]), 2 * np.ones(2)) == 2.0
    g = fg.jit(fg.grad(lambda v: fnp.sum(F[fnp.floor(v).astype(int)] * v)))
    np.testing.assert_allclose(g(V), [0.0, 1.0, 2.0])
    np.testing.assert_allclose(g(np.array([2.5, 0.5, 1.5])), [2.0, 0.0, 1.0])


def test_a_batched_index_into_numpy_is_refused_under_vmap():
    from funcgrad.transforms.vmap import BatchedConversionError
    with pytest.raises((BatchedConversionError, IndexError)):
        fg.vmap(lambda i: F[i])(np.array([0, 1]))


# -- the torch layer: PyTorch's rule (a warning), not JAX's ---------------------------------

def test_torch_float_of_a_tensor_requiring_grad_warns_as_pytorch():
    import funcgrad.torch as T
    import sys
    x = T.tensor(1.0, requires_grad=True)
    for convert in (float, complex, math.sin, np.float64):
        # PyTorch warns once per process (TORCH_WARN_ONCE): start each as a fresh process
        sys.modules["funcgrad.torch.tensor"]._SCALAR_WARNING_SHOWN[0] = False
        with pytest.warns(UserWarning, match="requires_grad=True to a scalar"):
            convert(x * 2)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert int(x) == 1 and x.item() == 1.0 and x.tolist() == 1.0  # PyTorch: silent
        assert float(x.detach()) == 1.0



# -- 4. exceptions keep NumPy's types -------------------------------------------------------

def _under(transform, f, x):
    if transform == "eager":
        return f(x)
    if transform == "grad":
        return fg.grad(lambda x: fnp.sum(f(x)))(x)
    if transform == "jvp":
        return fg.jvp(f, (x,), (x,))
    if transform == "vmap":
        return fg.vmap(f)(x[None])
    if transform == "jit":
        return fg.jit(f)(x)


TRANSFORMS = ["eager", "grad", "jvp", "vmap", "jit"]


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_singular_inverse_is_numpys_linalg_error(transform):
    with pytest.raises(np.linalg.LinAlgError, match="inv.*Singular matrix"):
        _under(transform, fnp.linalg.inv, np.zeros((2, 2)))


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_index_out_of_range_is_an_index_error(transform):
    with pytest.raises(IndexError, match="out of bounds"):
        _under(transform, lambda x: x[5], np.ones(3))


@pytest.mark.parametrize("transform", ["eager", "grad", "jvp", "vmap"])
def test_errstate_raise_gives_floating_point_error(transform):
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="divide by zero"):
        _under(transform, fnp.log, np.zeros(2))


def test_errstate_raise_applies_to_the_reverse_pass():
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        fg.grad(lambda x: fnp.sum(fnp.sqrt(x)))(np.zeros(2))


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_shape_mismatch_in_dot_is_a_value_error(transform):
    with pytest.raises(ValueError):
        _under(transform, lambda x: fnp.dot(x, np.ones(4)), np.ones(3))


def test_the_numpy_type_carries_funcgrads_context_and_is_an_op_error():
    with pytest.raises(np.linalg.LinAlgError) as info:
        fg.grad(lambda x: fnp.sum(fnp.linalg.inv(x)))(np.zeros((2, 2)))
    err = info.value
    assert isinstance(err, fg.OpError) and isinstance(err, ValueError)
    assert "inv(f64[2,2])" in str(err) and "test_sharp_edges.py" in str(err)
    assert type(err.__cause__) is np.linalg.LinAlgError  # NumPy's own exception, kept as cause
    assert type(err).__name__ == "LinAlgError"


def test_errors_that_keep_numpys_type_survive_pickling():
    import pickle
    for error in (np.linalg.LinAlgError, IndexError, FloatingPointError, ValueError):
        from funcgrad.errors import op_error
        err = op_error("op(f64[2]) failed: why", error("why"))
        again = pickle.loads(pickle.dumps(err))
        assert isinstance(again, error) and isinstance(again, fg.OpError)
        assert str(again) == str(err)


@pytest.mark.parametrize("value", [None, object()])
def test_asarray_of_non_array_data_is_a_type_error(value):
    with pytest.raises(TypeError, match="not array data"):
        fnp.asarray(value)


# -- jit: the result's type does not depend on the cache; leaves must be numeric -------------

@pytest.mark.parametrize("fun", [lambda x: x, lambda x: x * 2, lambda x: (x, x * 2),
                                 lambda x: fnp.sin(x), lambda x: {"a": x, "b": 3.0}])
@pytest.mark.parametrize("arg", [1.0, np.float64(1.0), np.array(1.0), np.ones(2), 1])
def test_jit_result_type_does_not_depend_on_the_cache(fun, arg):
    from funcgrad.tree_util import tree_leaves
    f = fg.jit(fun)
    first, second = tree_leaves(f(arg)), tree_leaves(f(arg))
    assert [type(a) for a in first] == [type(b) for b in second]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("base", [-1.0, -2.0, -2])
@pytest.mark.parametrize("x", [np.float64(2.0), np.array(2.0), np.array([2.0, 3.0])])
def test_jit_negative_base_power_is_not_negated(base, x):
    # generated code once wrote (-2.0) ** a as -2.0 ** a, which is -(2.0 ** a)
    f = fg.jit(lambda s: base ** s)
    for _ in range(2):
        np.testing.assert_array_equal(f(x), base ** x)


def test_jit_refuses_a_string_leaf_and_says_how_to_keep_it():
    from typing import NamedTuple

    class Point(NamedTuple):
        x: float
        label: str
    with pytest.raises(TypeError, match=r"leaf 1 is a str \('hi'.*static_argnums"):
        fg.jit(lambda p: p.x * 2)(Point(1.0, "hi"))
    assert fg.jit(lambda p, label: p * 2, static_argnums=1)(1.0, "hi") == 2.0
    jax = pytest.importorskip("jax")
    with pytest.raises(TypeError):
        jax.jit(lambda p: p.x * 2)(Point(1.0, "hi"))
