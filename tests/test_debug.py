"""fg.debug.print/callback, debug_nans (forward, backward, jit, the likely causes), NumPy's
errstate, np.random inside jit, and funcgrad.torch's anomaly mode against PyTorch's."""
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


# -- print and callback ---------------------------------------------------------------------

def test_print_runs_on_every_jitted_call(capsys):
    f = fg.jit(lambda x: (fg.debug.print("x = {x}", x=x), x + 1)[1])
    f(np.array(1.0))
    f(np.array(5.0))
    f(np.array(7.0))
    assert capsys.readouterr().out.splitlines() == ["x = 1.0", "x = 5.0", "x = 7.0"]
    assert f.trace_count == 1


def test_callback_gets_concrete_values_eagerly_under_grad_and_jit():
    seen = []

    def f(x):
        fg.debug.callback(lambda v: seen.append(np.array(v)), x * 2)
        return fnp.sum(x ** 2)
    x = np.array([1.0, 2.0])
    f(x)
    fg.grad(f)(x)
    fg.jit(f)(x)
    fg.jit(f)(x + 1)
    assert len(seen) == 4 and all(type(v) is np.ndarray for v in seen)
    np.testing.assert_array_equal(seen[-1], [4.0, 6.0])


def test_two_identical_prints_both_run_and_unused_ones_are_kept(capsys):
    def f(x):
        fg.debug.print("a {}", x)
        fg.debug.print("a {}", x)
        return x
    g = fg.jit(f)
    g(np.array(1.0))
    g(np.array(2.0))
    assert capsys.readouterr().out.splitlines() == ["a 1.0", "a 1.0", "a 2.0", "a 2.0"]
    assert "debug_callback" in g.lower(np.array(3.0)).source


def test_vmap_calls_back_per_example_or_once_batched(capsys):
    fg.vmap(lambda x: fg.debug.print("ex {}", x))(np.arange(3.0))
    assert capsys.readouterr().out.splitlines() == ["ex 0.0", "ex 1.0", "ex 2.0"]
    fg.vmap(lambda x: fg.debug.print("all {}", x, batched=True))(np.arange(3.0))
    assert capsys.readouterr().out.splitlines() == ["all [0. 1. 2.]"]
    fg.jit(fg.vmap(lambda x: fg.debug.print("jv {}", x)))(np.arange(2.0))
    assert capsys.readouterr().out.splitlines() == ["jv 0.0", "jv 1.0"]


def test_callback_with_pytrees_and_static_values():
    seen = []
    fg.jit(lambda t: fg.debug.callback(lambda d, s: seen.append((float(d["a"]), s)),
                                       {"a": t}, "tag"))(np.array(3.0))
    assert seen == [(3.0, "tag")]


def test_print_does_not_change_derivatives():
    f = lambda x: (fg.debug.print("{}", x), fnp.sin(x))[1]  # noqa: E731
    assert fg.grad(f)(0.3) == pytest.approx(np.cos(0.3))
    assert fg.jvp(f, (0.3,), (1.0,))[1] == pytest.approx(np.cos(0.3))


def test_against_jax_debug_print(capsys):
    jax = pytest.importorskip("jax")
    jax.jit(lambda x: (jax.debug.print("x = {x}", x=x), x)[1])(1.5)
    theirs = capsys.readouterr().out
    fg.jit(lambda x: (fg.debug.print("x = {x}", x=x), x)[1])(np.array(1.5))
    assert capsys.readouterr().out == theirs


# -- debug_nans -----------------------------------------------------------------------------

def safe_sqrt_bug(x):
    return fnp.where(x > 0, fnp.sqrt(x), 0.0)  # the where trap: nan gradient at 0


def test_where_trap_in_backward_is_diagnosed_with_the_double_where_fix():
    x = np.array([0.0, 4.0])
    assert np.isnan(fg.grad(lambda v: fnp.sum(safe_sqrt_bug(v)))(x)[0])  # the silent default
    with fg.debug_nans():
        with pytest.raises(FloatingPointError) as info:
            fg.grad(lambda v: fnp.sum(safe_sqrt_bug(v)))(x)
    message = str(info.value)
    assert "reverse rule of 'sqrt'" in message
    assert "test_debug.py" in message  # the user's line that made the equation
    assert "where" in message and "double-where" in message
    assert "the derivative of sqrt at 0 is infinite" in message


def test_double_where_fix_passes_the_check():
    def fixed(x):
        safe = fnp.where(x > 0, x, 1.0)
        return fnp.where(x > 0, fnp.sqrt(safe), 0.0)
    with fg.debug_nans():
        g = fg.grad(lambda v: fnp.sum(fixed(v)))(np.array([0.0, 4.0]))
    np.testing.assert_allclose(g, [0.0, 0.25])


@pytest.mark.parametrize("fun,x,primitive,cause", [
    (fnp.log, np.array([1.0, -1.0]), "log", "log of a negative number"),
    (fnp.log, np.array([0.0]), "log", "log(0) = -inf"),
    (fnp.sqrt, np.array([-4.0]), "sqrt", "negative number"),
    (lambda x: fnp.divide(1.0, fnp.subtract(x, 1.0)), np.array([1.0]), "divide", "division by zero"),
    (lambda x: fnp.power(x, -1.0), np.array([0.0]), "power", "0 raised to the negative power"),
    (fnp.exp, np.array([800.0]), "exp", "overflowed"),
    (fnp.arcsin, np.array([1.5]), "arcsin", "outside [-1, 1]"),
])
def test_forward_nans_and_infs_name_the_primitive_line_and_cause(fun, x, primitive, cause):
    for run in (fun, fg.jit(fun), lambda v: fg.grad(lambda u: fnp.sum(fun(u)))(v)):
        with fg.debug_nans():
            with pytest.raises(FloatingPointError) as info:
                run(x)
        message = str(info.value)
        assert f"'{primitive}'" in message and cause in message and "test_debug.py" in message
        assert "input 0" in message


def test_config_update_and_jax_name():
    fg.config.update("debug_nans", True)
    try:
        assert fg.config.debug_nans
        with pytest.raises(FloatingPointError):
            fnp.log(np.array(-1.0))
    finally:
        fg.config.update("jax_debug_nans", False)
    assert not fg.config.debug_nans
    assert np.isnan(fnp.log(np.array(-1.0)))  # off again: NumPy's behaviour
    with pytest.raises(AttributeError, match="no switch"):
        fg.config.update("debug_everything", True)


def test_forward_mode_rules_are_checked():
    with fg.debug_nans():
        with pytest.raises(FloatingPointError, match="forward rule of 'sqrt'"):
            fg.jvp(fnp.sqrt, (np.array(0.0),), (np.array(1.0),))


def test_nonfinite_inputs_do_not_raise_and_nans_only_mode():
    with fg.debug_nans():
        out = fnp.sin(np.array([np.inf]))  # nan from an infinite input: not the first culprit
        assert np.isnan(out[0])
    with fg.debug_nans(infs=False):
        assert fnp.log(np.array(0.0)) == -np.inf
        with pytest.raises(FloatingPointError):
            fnp.log(np.array(-1.0))


def test_checking_is_off_outside_the_block_and_results_are_unchanged():
    from funcgrad.core.primitive import Primitive
    from funcgrad.core.recorder import Recorder
    bind, process = Primitive.bind, Recorder.process
    f = lambda x: fnp.sum(fnp.tanh(x) ** 2)  # noqa: E731
    x = np.linspace(-1, 1, 5)
    want = fg.grad(f)(x)
    with fg.debug_nans():
        assert Primitive.bind is not bind
        np.testing.assert_array_equal(fg.grad(f)(x), want)
        np.testing.assert_array_equal(fg.jit(fg.grad(f))(x), want)
        np.testing.assert_array_equal(fg.vmap(fg.grad(lambda v: fnp.tanh(v) ** 2))(x),
                                      fg.vmap(fg.grad(lambda v: fnp.tanh(v) ** 2))(x))
    assert Primitive.bind is bind and Recorder.process is process


def test_jax_debug_nans_agrees_on_where_trap():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    jax.config.update("jax_debug_nans", True)
    try:
        with pytest.raises(FloatingPointError):
            jax.grad(lambda v: jnp.sum(jnp.where(v > 0, jnp.sqrt(v), 0.0)))(jnp.array([0.0, 4.0]))
    finally:
        jax.config.update("jax_debug_nans", False)


# -- NumPy's errstate -------------------------------------------------------------------------

@pytest.mark.parametrize("run", [
    lambda: fnp.log(np.array(0.0)),
    lambda: fg.grad(fnp.log)(0.0),
    lambda: fg.jit(fnp.log)(np.array(0.0)),
    lambda: fg.grad(lambda x: fnp.sum(fnp.sqrt(x)))(np.zeros(2)),
    lambda: fg.vmap(fnp.log)(np.zeros(2)),
])
def test_errstate_raise_gives_numpys_floating_point_error(run):
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match="divide by zero"):
            run()


# -- numpy.random inside jit ------------------------------------------------------------------

_RNG = np.random.default_rng(0)


def test_numpy_random_inside_jit_warns_with_the_fix():
    for fun in (lambda x: x + np.random.randn(), lambda x: x + _RNG.normal()):
        with pytest.warns(RuntimeWarning, match="funcgrad.random.key") as record:
            fg.jit(fun)(np.array(1.0))
        assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fg.jit(lambda x: x + 1.0)(np.array(1.0))


# -- funcgrad.torch anomaly mode --------------------------------------------------------------

def _sqrt_zero_backward(torch, anomaly):
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with anomaly():
        y = torch.sqrt(x)
        (y * 0).sum().backward()


@pytest.mark.parametrize("mode", ["context", "set"])
def test_torch_detect_anomaly_raises_pytorchs_error_with_forward_trace(mode):
    import funcgrad.torch as ftorch
    anomaly = (ftorch.autograd.detect_anomaly if mode == "context"
               else lambda: ftorch.autograd.set_detect_anomaly(True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError) as info:
            _sqrt_zero_backward(ftorch, anomaly)
    assert str(info.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    traces = [str(w.message) for w in caught if "Error detected in SqrtBackward0" in str(w.message)]
    assert traces and "y = torch.sqrt(x)" in traces[0] and "test_debug.py" in traces[0]
    assert not ftorch.autograd.is_anomaly_enabled()


def test_torch_anomaly_message_matches_pytorch():
    torch = pytest.importorskip("torch")
    import funcgrad.torch as ftorch
    messages = []
    for lib in (torch, ftorch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError) as info:
                _sqrt_zero_backward(lib, lib.autograd.detect_anomaly)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_torch_without_anomaly_mode_gives_nan_silently_and_check_nan_false():
    import funcgrad.torch as ftorch
    x = ftorch.tensor([0.0, 1.0], requires_grad=True)
    (ftorch.sqrt(x) * 0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _sqrt_zero_backward(ftorch, lambda: ftorch.autograd.detect_anomaly(check_nan=False))


def test_torch_namespace_anomaly_switches_as_pytorchs():
    import funcgrad.torch as ftorch
    assert not ftorch.is_anomaly_enabled()
    ftorch.set_anomaly_enabled(True, check_nan=False)
    try:
        assert ftorch.is_anomaly_enabled() and not ftorch.is_anomaly_check_nan_enabled()
    finally:
        ftorch.set_anomaly_enabled(False)
    assert not ftorch.autograd.is_anomaly_enabled()
    torch = pytest.importorskip("torch")
    for name in ("is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled"):
        assert hasattr(torch, name)
