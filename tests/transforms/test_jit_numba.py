"""jit(f, backend="numba"): scalar programs run by numba's machine-code interpreter
(codegen_numba.py) give the NumPy backend's results; anything else runs on NumPy with a note."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms import replay

numba = pytest.importorskip("numba")


def chain(x, steps=30):
    for _ in range(steps):
        x = x + 0.01 * fnp.sin(x) * fnp.cos(x)
    return x


def same_as_numpy(f, *args, rtol=1e-13):
    compiled = fg.jit(f)
    expected = compiled(*args)
    jitted = fg.jit(f, backend="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback note: numba ran it
        first, got = jitted(*args), jitted(*args)
    assert jitted.lower(*args).numba_program is not None
    for e, a, b in zip(fg.tree_util.tree_leaves(expected), fg.tree_util.tree_leaves(first),
                       fg.tree_util.tree_leaves(got)):
        assert type(e) is type(b), (type(e), type(b))
        np.testing.assert_allclose(b, e, rtol=rtol, atol=0)
        np.testing.assert_allclose(a, e, rtol=rtol, atol=0)
    return jitted


def test_gradient_of_a_scalar_chain_equals_the_numpy_backend():
    same_as_numpy(fg.grad(chain), np.float64(0.3))
    same_as_numpy(fg.grad(chain), 0.7)


def test_many_operations_two_arguments_and_several_outputs():
    def f(x, y):
        a = fnp.exp(-x * x) + fnp.log1p(y * y) - fnp.sqrt(fnp.abs(x) + 1.0)
        b = fnp.tanh(a) * fnp.arctan2(x, y) + fnp.maximum(x, y) - fnp.minimum(x, 0.5) ** 3
        c = fnp.where(x > y, fnp.sinh(b), fnp.cosh(a) / 2.0)
        return a, b, c, x < y
    same_as_numpy(f, np.float64(0.4), np.float64(-1.3))
    same_as_numpy(fg.grad(lambda x, y: f(x, y)[2], argnums=(0, 1)), np.float64(0.4),
                  np.float64(1.3))


def test_outputs_that_are_not_finite_rerun_in_numpy_with_its_warning():
    jitted = same_as_numpy(lambda x: fnp.log(x) * 2.0, np.float64(2.0))
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert jitted(np.float64(0.0)) == -np.inf
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        jitted(np.float64(0.0))


def test_guards_retrace_the_other_branch():
    def f(x):
        return fnp.sin(x) * 2.0 if x > 0 else fnp.cos(x) * 3.0
    jitted = fg.jit(f, backend="numba")
    assert jitted(np.float64(1.0)) == pytest.approx(np.sin(1.0) * 2.0, rel=1e-15)
    assert jitted(np.float64(-1.0)) == pytest.approx(np.cos(-1.0) * 3.0, rel=1e-15)
    assert jitted.trace_count == 2 and "decision" in jitted.last_retrace_reason
    assert jitted(np.float64(2.0)) == pytest.approx(np.sin(2.0) * 2.0, rel=1e-15)
    assert jitted(np.float64(-2.0)) == pytest.approx(np.cos(-2.0) * 3.0, rel=1e-15)
    assert jitted.trace_count == 2
    value_guard = fg.jit(lambda x, n: x * float(n), backend="numba")
    assert value_guard(1.5, 2.0) == 3.0 and value_guard(1.5, 3.0) == 4.5
    assert value_guard.trace_count == 2


def test_array_programs_run_on_numpy_with_a_one_time_note():
    jitted = fg.jit(lambda x: fnp.sum(fnp.sin(x)), backend="numba")
    x = np.arange(3.0)
    with pytest.warns(RuntimeWarning, match="NumPy backend instead"):
        assert jitted(x) == pytest.approx(np.sum(np.sin(x)), rel=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert jitted(x + 1) == pytest.approx(np.sum(np.sin(x + 1)), rel=1e-15)
        jitted(np.arange(4.0))  # a new signature, still no second note
    assert jitted.lower(x).numba_program is None


def test_long_scalar_traces_are_tabled_without_optimising(monkeypatch):
    monkeypatch.setattr(replay, "REPLAY_ABOVE", 10)
    jitted = same_as_numpy(fg.grad(chain), np.float64(0.3))
    lowered = jitted.lower(np.float64(0.3))
    assert lowered.tape is not None and lowered.numba_program is not None


def test_unknown_backend_and_missing_numba_are_clear_errors():
    with pytest.raises(ValueError, match="backend='cuda'"):
        fg.jit(lambda x: x, backend="cuda")
    script = ("import sys; sys.modules['numba'] = None\n"
              "import funcgrad as fg\n"
              "try:\n    fg.jit(lambda x: x, backend='numba')\n"
              "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert "pip install funcgrad[numba]" in out.stdout


def test_the_kernel_is_cached_on_disk():
    from funcgrad.transforms import codegen_numba
    kernel = codegen_numba.kernel()
    fg.jit(lambda x: x * 2.0 + 1.0, backend="numba")(1.0)
    assert kernel._cache._cache_path  # numba's disk cache of the one kernel
    assert kernel.stats.cache_hits or kernel.stats.cache_misses


def test_singular_points_match_numpy():
    ops = [fnp.sign, fnp.sqrt, fnp.log, fnp.abs, lambda x: fnp.maximum(x, 0.0),
           lambda x: fnp.minimum(x, 0.0), lambda x: x ** 2, lambda x: 1.0 / x]
    for op in ops:
        jitted = fg.jit(lambda x: op(x) * 1.0, backend="numba")
        for x in (0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan):
            with np.errstate(all="ignore"):
                expected = op(np.float64(x)) * 1.0
                got = jitted(np.float64(x))
            np.testing.assert_array_equal(got, expected)
            assert np.signbit(got) == np.signbit(expected)
