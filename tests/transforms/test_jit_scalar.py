"""jit's float code for traces of 0-d float64 values: NumPy's values, types, warnings and errors."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms.codegen_scalar import math_functions

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)

# unary steps of a random scalar program, each a function of the running value
STEPS = [
    lambda x: fnp.sin(x) * 0.5 + x, lambda x: fnp.cos(x) - x, lambda x: x * x, lambda x: -x,
    lambda x: fnp.exp(-x * x), lambda x: fnp.tanh(x) / 3.0, lambda x: fnp.sqrt(x * x + 1.0),
    lambda x: fnp.log1p(x * x), lambda x: x ** 2, lambda x: (x * x + 1.0) ** 0.5,
    lambda x: (x * x + 2.0) ** -1.5, lambda x: 2.0 ** (x * 0.01), lambda x: abs(x) + 1,
    lambda x: fnp.arctan2(x, 2.0), lambda x: 1.0 - 2 * x, lambda x: fnp.maximum(x, 0.1),
]


def chain_of(steps):
    def f(x):
        for s in steps:
            x = STEPS[s](x)
        return x
    return f


def both_paths(jf, *args):
    lowered = jf.lower(*args)
    assert lowered.scalar_source, "expected the float code to be generated"
    slow = lowered.compiled.slow(*args)
    try:
        fast = lowered.compiled.fast(*args)
    except (ArithmeticError, ValueError):  # left the math path (overflow, domain): NumPy answers
        fast = lowered.compiled(*args)
    return fast, slow


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, len(STEPS) - 1), min_size=1, max_size=8), finite)
def test_float_code_gives_numpys_values_and_types(steps, x0):
    f = chain_of(steps)
    for g in (f, fg.grad(f)):
        x = np.float64(x0)
        with np.errstate(all="ignore"):
            fast, slow = both_paths(fg.jit(g), x)
            expected = g(x)
        assert type(fast[0]) is type(slow[0]) and fast[0].dtype == np.float64
        assert fast[0] == slow[0] or np.isnan(fast[0]) and np.isnan(slow[0])
        np.testing.assert_allclose(fast[0], expected, rtol=1e-13, atol=1e-300)


@settings(max_examples=20, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_math_functions_used_agree_with_numpy_bit_for_bit(x):
    for ufunc, name in math_functions().items():
        try:
            got = getattr(math, name)(x)
        except (ValueError, OverflowError):
            continue
        with np.errstate(all="ignore"):
            want = float(ufunc(np.float64(x)))
        assert got == want or math.isnan(got) and math.isnan(want), (name, x)


def test_the_scalar_chain_runs_as_floats_and_matches_eager():
    def chain(x):
        for _ in range(20):
            x = x + 0.01 * fnp.sin(x) * fnp.cos(x)
        return x
    jg = fg.jit(fg.grad(chain))
    source = jg.lower(np.float64(0.3)).scalar_source
    assert "sin(" in source and "np." not in source.split("return")[0]
    assert "-" in source and " = -" not in source          # negations folded into subtractions
    for x in (0.3, -1.2, 7.0):
        out = jg(np.float64(x))
        assert type(out) is np.float64
        assert out == fg.grad(chain)(np.float64(x))
    assert jg.trace_count == 1


@pytest.mark.parametrize("argument", [np.float64(0.5), np.array(0.5), 0.5])
def test_arguments_of_every_scalar_kind(argument):
    jf = fg.jit(lambda x: fnp.sin(x) * 2.0)
    out = jf(argument)
    assert type(out) is np.float64 and out == np.sin(0.5) * 2.0


@pytest.mark.parametrize("f, x, warns", [
    (fnp.log, -1.0, "invalid"), (fnp.sqrt, -4.0, "invalid"), (lambda x: 1.0 / x, 0.0, "divide"),
    (lambda x: fnp.exp(x) * 2.0, 800.0, "overflow"), (lambda x: x * 1e308 * 10, 1.0, "overflow"),
    (lambda x: fnp.sin(x) + 0.0 * x, np.inf, "invalid"), (lambda x: x / (x - x), 0.0, "invalid"),
])
def test_where_math_and_numpy_part_numpys_result_and_warning(f, x, warns):
    g = lambda x: f(x) + 1.0  # noqa: E731  (not a bare argument: a real trace)
    jf = fg.jit(g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jf(np.float64(0.5))                                    # trace at a harmless point
        assert jf.lower(np.float64(0.5)).scalar_source
    messages, results = [], []
    for run, arg in ((g, np.array(x)), (jf, np.float64(x))):   # eager on what jit traced (0-d)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results.append(run(arg))
        messages.append(sorted(str(w.message) for w in caught))
    assert messages[0] == messages[1] and any(warns in m for m in messages[1])  # NumPy's warnings
    eager, out = results
    assert type(out) is np.float64
    assert out == eager or np.isnan(out) and np.isnan(eager)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        jf(np.float64(x))


def test_guards_on_scalars_follow_the_branch():
    def f(x):
        if x > 0:
            return fnp.sin(x) * 2.0
        return x * x * 3.0
    jf = fg.jit(f)
    assert jf(np.float64(0.5)) == np.sin(0.5) * 2.0
    assert "raise GuardFailed" in jf.lower(np.float64(0.5)).scalar_source
    assert jf(np.float64(-2.0)) == 12.0
    assert jf(np.float64(1.5)) == np.sin(1.5) * 2.0 and jf(np.float64(-1.0)) == 3.0
    assert jf.trace_count == 2
    jg = fg.jit(lambda x: x * float(x) + 1.0)                  # a guard on a float value
    assert jg(np.float64(2.0)) == 5.0 and jg(np.float64(3.0)) == 10.0
    assert jg.trace_count == 2


def test_bool_outputs_and_static_arguments():
    jf = fg.jit(lambda x, k: (fnp.sin(x) * k, x * 2.0 > 1.0), static_argnums=1)
    value, flag = jf(np.float64(0.7), 3)
    assert type(value) is np.float64 and value == np.sin(0.7) * 3
    assert type(flag) is np.bool_ and flag
    assert jf.lower(np.float64(0.7), 3).scalar_source


@pytest.mark.parametrize("x", [np.float32(0.5), np.array([0.5]), np.int64(3), np.complex128(1j)])
def test_no_float_code_for_other_dtypes_or_shapes(x):
    f = lambda x: fnp.sin(x) * 2  # noqa: E731
    lowered = fg.jit(f).lower(x)
    assert lowered.scalar_source == ""
    np.testing.assert_array_equal(fg.jit(f)(x), f(x))


def test_returning_an_argument_unchanged_keeps_the_numpy_program():
    jf = fg.jit(lambda x, y: (x, fnp.sin(y)))
    assert jf.lower(np.float64(1.0), np.float64(2.0)).scalar_source == ""
    x = np.array(1.0)
    assert jf(x, np.float64(2.0))[0] is x


@settings(max_examples=20, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3), st.sampled_from([0.0, -0.0, 1.5]))
def test_negation_folding_keeps_values_and_signed_zeros(a, b, c):
    def f(x, y, z):
        return x + z * (-y), -(y * 2.0) + x, x - (-(y + 1.0)), (-x) * z + y
    x, y = np.array([a, -0.0, 0.0]), np.array([b, 0.0, -0.0])
    z = np.full(3, c)
    lowered = fg.jit(f).lower(x, y, z)
    assert "negative" not in [eq.primitive.name for eq in lowered.optimised]
    for got, want in zip(fg.jit(f)(x, y, z), f(x, y, z)):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_bool_arithmetic_and_floor_division_keep_numpys_meaning():
    def f(x, flag):
        both = (x > 0) + (x > 1)                # bool + bool is a logical or in NumPy
        return both, x // 0.3, fnp.where(flag, x * 2.0, -x), flag * 1.5
    jf = fg.jit(f)
    for x, flag in [(1.7, True), (0.5, False), (-2.5, True)]:
        args = (np.float64(x), np.bool_(flag))
        got, want = jf(*args), f(*args)
        for g, w in zip(got, want):
            assert type(g) is type(w) and g == w
    assert jf.lower(np.float64(1.0), np.bool_(True)).scalar_source
    with pytest.warns(RuntimeWarning, match="divide"):
        assert np.isnan(fg.jit(lambda x: x // 0.0 + 1.0)(np.float64(0.0)))


@settings(max_examples=20, deadline=None)
@given(st.floats(0.01, 50), st.floats(-4, 4), st.sampled_from([2, 3, 0.5, -1, 2.5]))
def test_powers_as_numpy_computes_them_for_each_operand_type(x, y, k):
    def f(a, b):
        s = fnp.sin(a) + 2.0                          # a float64 scalar
        return a ** k, s ** k, a ** b, s ** b, k ** s, 1.5 ** a, b ** 2
    args = (np.float64(x), np.float64(y))
    jf = fg.jit(f)
    with np.errstate(all="ignore"):                   # eager on what jit traced: 0-d arrays
        assert jf.lower(*args).scalar_source
        got, want = jf(*args), f(*[np.asarray(a) for a in args])
    for g, w in zip(got, want):
        assert type(g) is type(w) and (g == w or np.isnan(g) and np.isnan(w))


def test_cache_hits_for_floats_and_float64_scalars_keep_their_signatures():
    jf = fg.jit(lambda x: fnp.sin(x) * 2.0)
    for n, argument in enumerate((0.3, np.float64(0.3), np.array(0.3), 0.5, np.float64(0.5),
                                  np.array(0.5))):
        out = jf(argument)
        assert type(out) is np.float64 and out == np.sin(float(argument)) * 2.0
        if n == 1:
            assert jf.last_retrace_reason == "argument 0 ('x') changed type: float -> float64"
    assert jf.trace_count == 3                     # float, float64 and 0-d array: as keyed


def _named(name, fun):
    fun.__name__ = fun.__qualname__ = name
    return fun


@pytest.mark.parametrize("fun", [
    fnp.cos, fnp.fabs,  # the scalar program calls math's cos: a function named cos called itself
    _named("float", lambda x: fnp.sin(x) * 2), _named("np", lambda x: fnp.sum(x * x)),
    _named("_sum", lambda x: fnp.sum(x * x)), _named("GuardFailed", lambda x: fnp.exp(x))])
@pytest.mark.parametrize("x", [np.array(0.4), 0.4, np.array([0.4, -1.5])])
def test_a_function_named_as_something_the_generated_code_calls_compiles(fun, x):
    compiled = fg.jit(fun)
    np.testing.assert_allclose(compiled(x), fun(x), rtol=1e-15)
    assert compiled.lower(x).source.startswith(f"def {fun.__name__}(")
    np.testing.assert_allclose(fg.jit(fg.grad(lambda y: fnp.sum(fun(y))))(x),
                               fg.grad(lambda y: fnp.sum(fun(y)))(x), rtol=1e-15)
