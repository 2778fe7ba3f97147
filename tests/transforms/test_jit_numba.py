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


@pytest.fixture(autouse=True, scope="module")
def kernel_cache(tmp_path_factory):
    """Generated kernels in a directory of this test run (not the user's cache)."""
    import os
    before = os.environ.get("FUNCGRAD_NUMBA_CACHE")
    os.environ["FUNCGRAD_NUMBA_CACHE"] = str(tmp_path_factory.mktemp("numba_kernels"))
    yield
    if before is None:
        del os.environ["FUNCGRAD_NUMBA_CACHE"]
    else:
        os.environ["FUNCGRAD_NUMBA_CACHE"] = before


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


def test_large_arrays_and_other_primitives_run_on_numpy_with_a_one_time_note():
    jitted = fg.jit(lambda x: fnp.sum(fnp.sin(x)), backend="numba")
    x = np.arange(2000.0)
    with pytest.warns(RuntimeWarning, match="NumPy backend instead"):
        assert jitted(x) == pytest.approx(np.sum(np.sin(x)), rel=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert jitted(x + 1) == pytest.approx(np.sum(np.sin(x + 1)), rel=1e-15)
        jitted(np.arange(4000.0))  # a new signature, still no second note
    assert jitted.lower(x).numba_program is None
    sorting = fg.jit(lambda x: fnp.sort(x) * 2.0, backend="numba")
    with pytest.warns(RuntimeWarning, match="sort"):
        np.testing.assert_array_equal(sorting(np.array([3.0, 1.0])), [2.0, 6.0])
    integers = fg.jit(lambda x: x * 2, backend="numba")
    with pytest.warns(RuntimeWarning, match="NumPy backend instead"):
        np.testing.assert_array_equal(integers(np.array([3, 1])), [6, 2])


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


def test_the_interpreter_kernel_is_cached_on_disk(monkeypatch):
    from funcgrad.transforms import codegen_numba, codegen_numba_source
    monkeypatch.setattr(codegen_numba_source, "MAX_STATEMENTS", 0)  # the table interpreter runs
    same_as_numpy(lambda x: x * 2.0 + 1.0, 1.0)
    kernel = codegen_numba.kernel()
    assert kernel._cache._cache_path  # numba's disk cache of the one kernel
    assert kernel.stats.cache_hits or kernel.stats.cache_misses


def test_a_generated_kernel_is_loaded_from_disk_in_a_new_process(tmp_path):
    script = ("import funcgrad as fg\n"
              "from funcgrad.transforms import codegen_numba_source as s\n"
              "f = fg.jit(lambda x: fg.numpy.sin(x) * 2.0 + x, backend='numba')\n"
              "assert f(0.5) == 0.5 + 2.0 * __import__('math').sin(0.5)\n"
              "(dispatcher,) = s._dispatchers.values()\n"
              "stats = dispatcher.stats\n"
              "print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))\n")
    env = dict(__import__("os").environ, FUNCGRAD_NUMBA_CACHE=str(tmp_path))
    root = str(__import__("pathlib").Path(__file__).parents[2])
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           cwd=root, env=env) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert runs[0].stdout.split() == ["0", "1"]  # compiled, then written to the cache
    assert runs[1].stdout.split() == ["1", "0"]  # loaded from it
    assert len(list(tmp_path.glob("funcgrad_kernel_*.py"))) == 1


def test_an_unwritable_cache_directory_compiles_in_memory(monkeypatch, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("FUNCGRAD_NUMBA_CACHE", str(blocker / "cache"))
    same_as_numpy(lambda x: fnp.cos(x) * 3.0 - x * 7.0, 0.25)


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


def rk4(y, v, steps=40, h=0.05):
    def f(y, v):
        return v, -fnp.sin(y) - 0.1 * v

    def step(_, state):
        y, v = state
        k1y, k1v = f(y, v)
        k2y, k2v = f(y + 0.5 * h * k1y, v + 0.5 * h * k1v)
        k3y, k3v = f(y + 0.5 * h * k2y, v + 0.5 * h * k2v)
        k4y, k4v = f(y + h * k3y, v + h * k3v)
        return (y + h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y),
                v + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v))
    y, v = fg.lax.fori_loop(0, steps, step, (y, v))
    return y * y + v * v


def kernel_of(jitted, *args):
    return jitted.lower(*args).numba_program.kernel_source


def test_loops_stay_loops_forward_and_reverse():
    both = fg.value_and_grad(rk4, argnums=(0, 1))
    jitted = same_as_numpy(both, np.float64(1.0), np.float64(0.2), rtol=1e-12)
    source = kernel_of(jitted, np.float64(1.0), np.float64(0.2))
    assert source.count("for k in range(") == 2  # the steps, then their reverse
    assert len(source.splitlines()) < 600  # a few copies, not 40 (3,400 rows)


def test_second_order_through_loops():
    same_as_numpy(fg.grad(fg.grad(chain)), np.float64(0.3), rtol=1e-12)
    same_as_numpy(fg.grad(fg.grad(lambda y, v: rk4(y, v, steps=10)), argnums=(0, 1)),
                  np.float64(0.8), np.float64(0.1), rtol=1e-12)


UNARY = [fnp.reciprocal, fnp.sin, fnp.cos, fnp.exp, fnp.tanh, fnp.tan, fnp.arctan, fnp.sinh, fnp.cosh,
         fnp.square, fnp.negative, fnp.expm1, fnp.sign, fnp.abs,
         lambda x: fnp.log(fnp.abs(x) + 0.5), lambda x: fnp.sqrt(fnp.abs(x) + 0.1),
         lambda x: fnp.log1p(fnp.abs(x)), lambda x: fnp.arcsin(x * 0.3),
         lambda x: fnp.arccos(x * 0.3)]
BINARY = [fnp.add, fnp.subtract, fnp.multiply, fnp.divide, fnp.arctan2, fnp.maximum,
          fnp.minimum, lambda a, b: fnp.abs(a) ** b,
          lambda a, b: fnp.where(a > b, a * b, a - b), lambda a, b: fnp.where(a <= b, a, 2.0),
          lambda a, b: fnp.where((a >= b) | (a == 0.3), a, b),
          lambda a, b: fnp.where(~((a < b) & (a != b)), b, a)]


@pytest.mark.parametrize("op", UNARY + BINARY, ids=lambda op: getattr(op, "__name__", "f"))
def test_each_operation_in_a_loop_and_its_gradient(op):
    binary = op in BINARY

    def f(x, y):
        def step(i, c):
            a, b = c
            new = op(a * 0.9, b) if binary else op(a * 0.9)
            return b * 0.5 + 0.1 * new, a * 0.8 + 0.05
        a, b = fg.lax.fori_loop(0, 12, step, (x, y))
        return a + 2.0 * b
    args = (np.float64(0.7), np.float64(-0.4))
    jitted = same_as_numpy(f, *args, rtol=1e-12)
    assert "for k in range(" in kernel_of(jitted, *args)
    same_as_numpy(fg.grad(f, argnums=(0, 1)), *args, rtol=1e-12)


def test_guards_inside_a_loop_retrace_with_the_right_reason():
    def f(x):
        for _ in range(20):
            x = x * 1.3 if x < 2.0 else x * 0.6
        return x
    jitted = fg.jit(f, backend="numba")
    numpy_jit = fg.jit(f)
    for x in (0.1, 0.5, 1.9, 0.1, 3.0, 0.5):
        assert jitted(np.float64(x)) == numpy_jit(np.float64(x))
    assert jitted.trace_count == numpy_jit.trace_count
    assert "decision at" in jitted.last_retrace_reason


def test_above_the_size_limit_the_table_interpreter_runs(monkeypatch):
    from funcgrad.transforms import codegen_numba_source
    monkeypatch.setattr(codegen_numba_source, "MAX_STATEMENTS", 10)
    jitted = same_as_numpy(fg.grad(lambda x: rk4(x, 0.1, steps=5)), np.float64(1.0),
                           rtol=1e-12)
    assert kernel_of(jitted, np.float64(1.0)) == ""


def lorenz_rk4(y, steps=30, h=0.01):
    def f(y):
        return fnp.stack([10.0 * (y[1] - y[0]), y[0] * (28.0 - y[2]) - y[1],
                          y[0] * y[1] - 8.0 / 3.0 * y[2]])

    def step(_, y):
        k1 = f(y)
        k2 = f(y + 0.5 * h * k1)
        k3 = f(y + 0.5 * h * k2)
        k4 = f(y + h * k3)
        return y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return fg.lax.fori_loop(0, steps, step, y)


def test_small_arrays_an_ode_system_and_its_gradient():
    y0 = np.array([1.0, 1.5, 0.5])
    jitted = same_as_numpy(lorenz_rk4, y0, rtol=1e-12)
    assert "for k in range(" in kernel_of(jitted, y0)
    both = same_as_numpy(fg.value_and_grad(lambda y: fnp.sum(lorenz_rk4(y) ** 2)), y0,
                         rtol=1e-12)
    assert kernel_of(both, y0).count("for k in range(") == 2
    same_as_numpy(fg.jacrev(lorenz_rk4), y0, rtol=1e-12)


def test_matmul_sums_and_moving_data():
    a = np.array([[0.0, 1.0], [-1.0, -0.1]])

    def f(m, x):
        y = m @ x + a @ fnp.sin(x) + x @ m
        z = fnp.concatenate([y, fnp.flip(x), x[::-1] * 2.0])
        w = fnp.sum(m * z[:2, None], axis=0) + fnp.sum(m.T, axis=1, keepdims=True)[:, 0]
        return fnp.sum(z) * w[0] + x @ x, fnp.where(w > 0.0, w, -w * 3.0), m[[0, 0, 1]]
    args = (np.array([[0.5, 2.0], [1.5, -0.3]]), np.array([0.2, -0.7]))
    same_as_numpy(f, *args, rtol=1e-12)
    loss = lambda m, x: fnp.sum(f(m, x)[1] ** 2) + f(m, x)[0] + fnp.sum(f(m, x)[2] ** 3)  # noqa: E731
    same_as_numpy(fg.grad(loss, argnums=(0, 1)), *args, rtol=1e-12)  # index_add, repeats


def test_array_outputs_comparisons_guards_and_non_finite_values():
    def f(x):
        if x[0] > 0:
            return fnp.log(x) * 2.0, x > 0.5
        return fnp.exp(x), x < 0.0
    jitted = fg.jit(f, backend="numba")
    numpy_jit = fg.jit(f)
    for x in ([1.0, 2.0, 0.25], [-1.0, 2.0, 0.25], [3.0, 0.0, 1.0]):
        x = np.array(x)
        with np.errstate(divide="ignore"):
            got, expected = jitted(x), numpy_jit(x)
        for g, e in zip(got, expected):
            assert type(g) is type(e) and g.dtype == e.dtype
            np.testing.assert_allclose(g, e, rtol=1e-13)
    assert jitted.trace_count == 2
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        jitted(np.array([3.0, 0.0, 1.0]))  # -inf: NumPy's result, warning included
