"""Plain NumPy on tracers: `import numpy as np` code differentiates unchanged."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import MissingRuleError, TracerConversionError

rng = np.random.default_rng(0)
X = rng.standard_normal(4)
M = rng.standard_normal((3, 3)) + 3 * np.eye(3)


def test_plain_numpy_function_matches_funcgrad_numpy():
    def plain(x):
        return np.sum(np.tanh(x) * np.array([1.0, 2.0, 3.0, 4.0])) + np.float64(2.0) * np.exp(x[0])

    def mirrored(x):
        return fnp.sum(fnp.tanh(x) * np.array([1.0, 2.0, 3.0, 4.0])) + 2.0 * fnp.exp(x[0])

    np.testing.assert_allclose(fg.grad(plain)(X), fg.grad(mirrored)(X), rtol=1e-14)
    np.testing.assert_allclose(fg.hessian(plain)(X), fg.hessian(mirrored)(X), rtol=1e-14)


def test_ndarray_on_either_side_of_an_operator_gives_a_tracer():
    seen = []

    def f(x):
        y = np.ones(4) * x + np.arange(4.0) - x / np.full(4, 2.0)
        seen.append(type(y).__name__)
        return np.sum(y ** 2)

    g = fg.grad(f)(X)
    np.testing.assert_allclose(g, 2 * (X * 0.5 + np.arange(4.0)) * 0.5)
    assert "ndarray" not in seen


def test_reductions_with_keywords_and_ufunc_methods():
    f = lambda x: np.sum(np.max(x.reshape(2, 2), axis=0)) + np.add.reduce(x) + np.mean(x, axis=0)  # noqa: E731
    g = fg.grad(f)(X)
    expected = 1.25 * np.ones(4)
    top = X.reshape(2, 2).argmax(axis=0) * 2 + np.arange(2)
    expected[top] += 1
    np.testing.assert_allclose(g, expected)
    outer = fg.jacrev(lambda x: np.multiply.outer(x, x))(X[:2])
    assert outer.shape == (2, 2, 2)


def test_linalg_fft_and_einsum_dispatch():
    b = rng.standard_normal(3)
    g = fg.grad(lambda a: np.sum(np.linalg.solve(a, b)))(M)
    np.testing.assert_allclose(g, fg.grad(lambda a: fnp.sum(fnp.linalg.solve(a, b)))(M))
    g = fg.grad(lambda a: np.einsum("ij,j->", a, b))(M)
    np.testing.assert_allclose(g, np.outer(np.ones(3), b))
    assert fg.grad(lambda a: np.linalg.norm(a))(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


def test_shape_queries_do_not_trace():
    def f(x):
        assert np.shape(x) == (4,) and np.ndim(x) == 1 and np.size(x) == 4
        assert np.result_type(x, np.float32) == np.float64 and not np.iscomplexobj(x)
        return np.sum(x)
    assert fg.grad(f)(X).tolist() == [1.0] * 4


def test_missing_rule_names_the_function():
    # a NumPy function funcgrad.numpy takes from NumPy as it is (no derivative rule of its own)
    name = next(n for n in ["sort_complex", "trim_zeros", "polyfit", "histogram", "unique",
                            "histogram_bin_edges", "apply_along_axis", "datetime_as_string"]
                if getattr(fnp, n, None) in (None, getattr(np, n)))
    with pytest.raises(MissingRuleError, match=rf"numpy\.{name}.*add a rule"):
        fg.grad(lambda x: np.sum(getattr(np, name)(x)))(X)


def test_conversion_to_a_plain_array_still_raises():
    with pytest.raises(TracerConversionError):
        fg.grad(lambda x: np.sum(np.asarray(x)))(X)


def test_out_argument_is_rejected():
    with pytest.raises(TypeError, match="out="):
        fg.grad(lambda x: np.sum(np.sin(x, out=np.empty(4))))(X)


def test_unsupported_numpy_keyword_is_named():
    with pytest.raises(MissingRuleError, match=r"numpy\.sum\(\.\.\., initial=\)"):
        fg.grad(lambda x: np.sum(x, initial=1.0))(X)
