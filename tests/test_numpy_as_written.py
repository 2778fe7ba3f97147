"""NumPy code as people write it (issue 9, section 3): lists and tuples holding tracers wherever an
array is taken, creation functions with traced arguments, every NumPy name resolving, r_/c_,
and einsum's sublist form. Values are checked against NumPy, derivatives by check_grads."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import MissingRuleError
from funcgrad.testing import check_grads


def grads_ok(f, *args, order=2):
    check_grads(f, args, order=order, modes=("fwd", "rev"))


# -- lists and tuples holding tracers ------------------------------------------------------------

LIST_CASES = {
    "mean": (lambda x, y: fnp.mean([x, y, x * y]), lambda x, y: np.mean([x, y, x * y])),
    "std": (lambda x, y: fnp.std([x, y, 2.0]), lambda x, y: np.std([x, y, 2.0])),
    "var": (lambda x, y: fnp.var((x, y, 2.0), ddof=1), lambda x, y: np.var((x, y, 2.0), ddof=1)),
    "norm": (lambda x, y: fnp.linalg.norm([x, y]), lambda x, y: np.linalg.norm([x, y])),
    "array": (lambda x, y: fnp.sum(fnp.array([x, 2 * x]) * y), lambda x, y: np.sum(np.array([x, 2 * x]) * y)),
    "append": (lambda x, y: fnp.append([x, y], y) ** 2, lambda x, y: np.append([x, y], y) ** 2),
    "concatenate": (lambda x, y: fnp.concatenate([[x, y], fnp.array([x * y, 1.0, 2.0])]),
                    lambda x, y: np.concatenate([[x, y], np.array([x * y, 1.0, 2.0])])),
    "stack_ragged_lists": (lambda x, y: fnp.stack([[x, y], (y, x)]), lambda x, y: np.stack([[x, y], (y, x)])),
    "sum_nested": (lambda x, y: fnp.sum([[x, y], [y, 1.0]], axis=0), lambda x, y: np.sum([[x, y], [y, 1.0]], axis=0)),
    "primitive": (lambda x, y: fnp.multiply([x, y], (y, 3.0)), lambda x, y: np.multiply([x, y], (y, 3.0))),
    "dot": (lambda x, y: fnp.dot([x, y], [y, 2.0]), lambda x, y: np.dot([x, y], [y, 2.0])),
    "polyval": (lambda x, y: fnp.polyval([x, y, 1.0], y), lambda x, y: np.polyval([x, y, 1.0], y)),
    "fft": (lambda x, y: fnp.real(fnp.fft.fft([x, y, x * y])), lambda x, y: np.real(np.fft.fft([x, y, x * y]))),
    "keyword": (lambda x, y: fnp.average(fnp.array([1.0, 2.0]), weights=[x, y]),
                lambda x, y: np.average(np.array([1.0, 2.0]), weights=[x, y])),
    "where": (lambda x, y: fnp.where([True, False], [x, y], 0.0), lambda x, y: np.where([True, False], [x, y], 0.0)),
}


@pytest.mark.parametrize("name", sorted(LIST_CASES))
def test_lists_of_tracers_are_arrays(name):
    ours, numpy_version = LIST_CASES[name]
    x, y = 1.3, 0.7
    np.testing.assert_allclose(np.asarray(ours(x, y)), numpy_version(x, y), rtol=1e-12)
    grads_ok(ours, x, y)


def test_list_with_a_tracer_gives_the_right_gradient():
    assert fg.grad(lambda x: fnp.mean([x, 2 * x, 3.0]))(1.0) == pytest.approx(1.0)
    assert fg.grad(lambda x: fnp.sum(fnp.append([x, x], 3 * x)))(1.0) == pytest.approx(5.0)


def test_plain_lists_and_shapes_are_untouched():
    assert fnp.mean([1.0, 2.0]) == 1.5
    assert fg.grad(lambda x: fnp.sum(fnp.reshape(x, (2, 2))))(np.ones(4)).tolist() == [1.0] * 4
    # a ragged sequence of arrays is a sequence, not one array
    out = fg.grad(lambda x: fnp.sum(fnp.concatenate([x, [x[0], 1.0]])))(np.ones(3))
    assert out.tolist() == [2.0, 1.0, 1.0]


def test_array_like_entry_keeps_names_and_signatures():
    import inspect
    assert fnp.mean.__name__ == "mean" and fnp.add.__name__ == "add"
    assert "axis" in inspect.signature(fnp.mean).parameters
    assert fnp.mean.__doc__


# -- creation functions with traced arguments ----------------------------------------------------

CREATION = {
    "full": (lambda x, y: fnp.full((2, 3), x) * y, lambda x, y: np.full((2, 3), x) * y),
    "full_list": (lambda x, y: fnp.full((2, 2), [x, y]), lambda x, y: np.full((2, 2), [x, y])),
    "full_like": (lambda x, y: fnp.full_like(np.ones(3), x * y), lambda x, y: np.full_like(np.ones(3), x * y)),
    "linspace": (lambda x, y: fnp.linspace(x, y, 5), lambda x, y: np.linspace(x, y, 5)),
    "linspace_open": (lambda x, y: fnp.linspace(x, 3.0, 4, endpoint=False),
                      lambda x, y: np.linspace(x, 3.0, 4, endpoint=False)),
    "linspace_arrays": (lambda x, y: fnp.linspace(fnp.array([x, y]), 4.0, 3, axis=1),
                        lambda x, y: np.linspace(np.array([x, y]), 4.0, 3, axis=1)),
    "linspace_retstep": (lambda x, y: fnp.linspace(x, y, 4, retstep=True)[1],
                         lambda x, y: np.linspace(x, y, 4, retstep=True)[1]),
    "logspace": (lambda x, y: fnp.logspace(x, y, 4), lambda x, y: np.logspace(x, y, 4)),
    "logspace_base": (lambda x, y: fnp.logspace(0.0, 2.0, 3, base=x + 1.0),
                      lambda x, y: np.logspace(0.0, 2.0, 3, base=x + 1.0)),
    "geomspace": (lambda x, y: fnp.geomspace(x, 10 * y, 5), lambda x, y: np.geomspace(x, 10 * y, 5)),
    "geomspace_negative": (lambda x, y: fnp.geomspace(-x, -y, 3), lambda x, y: np.geomspace(-x, -y, 3)),
    "arange": (lambda x, y: fnp.arange(x, 4.0, y), lambda x, y: np.arange(x, 4.0, y)),
    "arange_stop_only": (lambda x, y: fnp.arange(4 * x) * y, lambda x, y: np.arange(4 * x) * y),
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation_functions_are_differentiable(name):
    ours, numpy_version = CREATION[name]
    x, y = 1.3, 0.7
    got, want = np.asarray(ours(x, y)), numpy_version(x, y)
    assert got.shape == np.shape(want) and got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=1e-12)
    grads_ok(ours, x, y)


def test_linspace_end_points_are_exact_and_their_derivatives_known():
    jac = fg.jacobian(lambda ab: fnp.linspace(ab[0], ab[1], 5))(np.array([0.0, 1.0]))
    np.testing.assert_allclose(jac, np.stack([1 - np.linspace(0, 1, 5), np.linspace(0, 1, 5)], 1))
    values = fg.jvp(lambda a: fnp.linspace(a, 0.7, 7), (0.1,), (1.0,))[0]
    assert np.asarray(values)[-1] == 0.7 and np.asarray(values)[0] == 0.1


def test_arange_stop_sets_only_the_length():
    assert fg.grad(lambda s: fnp.sum(fnp.arange(0.0, s, 0.5)))(2.2) == 0.0
    assert fg.grad(lambda s: fnp.sum(fnp.arange(s, 4.0)))(0.5) == 4.0
    assert fnp.arange(3).tolist() == [0, 1, 2]


def test_full_with_a_traced_fill_was_numpys_refusing_function():
    assert fg.grad(lambda x: fnp.sum(fnp.full((2, 3), x)))(1.0) == 6.0
    assert fg.grad(lambda x: fnp.sum(fnp.full((2,), x, dtype=np.float32)))(1.0) == 2.0


# -- every NumPy name resolves -------------------------------------------------------------------

NAMES = ["r_", "c_", "s_", "index_exp", "mgrid", "ogrid", "ndarray", "dtype", "float16", "float32",
         "float64", "complex64", "complex128", "int8", "uint8", "intp", "bool", "finfo", "iinfo",
         "errstate", "seterr", "geterr", "tril_indices", "triu_indices", "diag_indices", "ix_",
         "newaxis", "pi", "e", "inf", "random", "testing", "vectorize", "apply_along_axis"]


@pytest.mark.parametrize("name", NAMES)
def test_named_numpy_names_resolve(name):
    assert getattr(fnp, name) is getattr(np, name) or callable(getattr(fnp, name)) \
        or hasattr(getattr(fnp, name), "__getitem__")


def test_all_public_numpy_names_resolve():
    missing = [n for n in dir(np) if not n.startswith("_") and not hasattr(fnp, n)]
    assert missing == []
    for sub in ("linalg", "fft"):
        module = getattr(np, sub)
        # (NumPy 2.0's numpy.linalg.linalg is a deprecated alias module, not a function)
        assert [n for n in dir(module) if not n.startswith("_") and not hasattr(getattr(fnp, sub), n)
                and not inspect.ismodule(getattr(module, n))] == []
    assert "finfo" in dir(fnp)


def test_utilities_are_numpys_own():
    assert fnp.finfo is np.finfo and fnp.errstate is np.errstate and fnp.s_ is np.s_
    assert fnp.tril_indices(3)[0].tolist() == np.tril_indices(3)[0].tolist()
    with fnp.errstate(divide="ignore"):
        assert fnp.log(0.0) == -np.inf


def test_numpy_functions_without_a_rule_refuse_tracers_by_name():
    with pytest.raises(MissingRuleError, match="numpy.datetime_as_string"):
        fg.grad(lambda x: fnp.datetime_as_string(x))(1.0)
    with pytest.raises(TypeError, match=r"numpy\.put.*\.at\["):
        fg.grad(lambda x: fnp.put(np.zeros(3), [0], x))(1.0)
    with pytest.raises(TypeError, match="numpy.save"):
        fg.grad(lambda x: fnp.save("/nonexistent/never-written.npy", x))(1.0)


def test_index_helpers_on_tracers():
    def f(a):
        lower = a[fnp.tril_indices_from(a)]
        diag = a[fnp.diag_indices_from(a)]
        block = a[fnp.ix_([0, 2], [1, 2])]
        return fnp.sum(lower) + fnp.sum(diag * diag) + fnp.sum(block)
    a = np.arange(9.0).reshape(3, 3)
    np.testing.assert_allclose(f(a), np.sum(a[np.tril_indices(3)]) + np.sum(np.diag(a) ** 2)
                               + np.sum(a[np.ix_([0, 2], [1, 2])]))
    grads_ok(f, a)


def test_applying_along_axes_and_vectorize():
    a = np.arange(1.0, 7.0).reshape(2, 3)
    for ours, numpy_version in [
            (lambda v: fnp.apply_along_axis(lambda r: r * fnp.sum(r), 1, v),
             lambda v: np.apply_along_axis(lambda r: r * np.sum(r), 1, v)),
            (lambda v: fnp.apply_along_axis(fnp.sum, 0, v), lambda v: np.apply_along_axis(np.sum, 0, v)),
            (lambda v: fnp.apply_over_axes(fnp.sum, v, [0]), lambda v: np.apply_over_axes(np.sum, v, [0])),
            (lambda v: fnp.vectorize(lambda t: t * t if t > 2.5 else -t)(v),
             lambda v: np.vectorize(lambda t: t * t if t > 2.5 else -t)(v)),
            (lambda v: fnp.histogram_bin_edges(v, 3), lambda v: np.histogram_bin_edges(v, 3)),
            (lambda v: fnp.setdiff1d(v, v[0]), lambda v: np.setdiff1d(v, v[0]))]:
        np.testing.assert_allclose(np.asarray(ours(a)), numpy_version(a), rtol=1e-12)
        grads_ok(ours, a)


# -- r_ and c_ -----------------------------------------------------------------------------------

RC = {
    "r_scalars": (lambda x, y: fnp.r_[x, 2.0, y], lambda x, y: np.r_[x, 2.0, y]),
    "r_arrays_and_ranges": (lambda x, y: fnp.r_[fnp.array([x, y]), 0:3, 1.0:2.0:3j, y],
                            lambda x, y: np.r_[np.array([x, y]), 0:3, 1.0:2.0:3j, y]),
    "c_": (lambda x, y: fnp.c_[fnp.array([x, y]), fnp.array([y, 1.0])],
           lambda x, y: np.c_[np.array([x, y]), np.array([y, 1.0])]),
    "c_matrix": (lambda x, y: fnp.c_[x * np.ones((2, 2)), [y, 1.0]],
                 lambda x, y: np.c_[x * np.ones((2, 2)), [y, 1.0]]),
    "r_directive": (lambda x, y: fnp.r_["0,2,0", [x, y], [y, 3.0]],
                    lambda x, y: np.r_["0,2,0", [x, y], [y, 3.0]]),
    "r_axis": (lambda x, y: fnp.r_["-1", x * np.ones((2, 2)), np.zeros((2, 1)) + y],
               lambda x, y: np.r_["-1", x * np.ones((2, 2)), np.zeros((2, 1)) + y]),
}


@pytest.mark.parametrize("name", sorted(RC))
def test_r_and_c_concatenate_tracers(name):
    ours, numpy_version = RC[name]
    x, y = 1.3, 0.7
    got, want = np.asarray(ours(x, y)), numpy_version(x, y)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want)
    grads_ok(ours, x, y)


def test_r_without_tracers_is_numpys():
    assert fnp.r_[1:4, 7].tolist() == [1, 2, 3, 7]


# -- einsum's sublist form -----------------------------------------------------------------------

def test_einsum_sublists():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    for ours, numpy_version in [
            (lambda u, v: fnp.einsum(u, [0, 1], v, [1, 2], [0, 2]),
             lambda u, v: np.einsum(u, [0, 1], v, [1, 2], [0, 2])),
            (lambda u, v: fnp.einsum(u, [0, 1], v, [1, 2]), lambda u, v: np.einsum(u, [0, 1], v, [1, 2])),
            (lambda u, v: fnp.einsum(u, [Ellipsis, 1], v[:, 0], [1], [Ellipsis]),
             lambda u, v: np.einsum(u, [Ellipsis, 1], v[:, 0], [1], [Ellipsis]))]:
        np.testing.assert_allclose(ours(a, b), numpy_version(a, b), rtol=1e-12)
        grads_ok(ours, a, b)
    assert fg.grad(lambda m: fnp.einsum(m, [0, 0]))(np.ones((2, 2))).tolist() == [[1, 0], [0, 1]]


def test_entries_pickle_by_reference_and_follow_debug_nans():
    import pickle
    for f in (fnp.mean, fnp.tanh, fnp.add, fnp.linalg.norm, fnp.fft.fft, fnp.row_stack):
        assert pickle.loads(pickle.dumps(f)) is f
    with fg.debug_nans():  # swaps Primitive.bind: the entries must call the swapped one
        with pytest.raises(FloatingPointError), pytest.warns(RuntimeWarning):  # NumPy's, first
            fnp.log([-1.0])
