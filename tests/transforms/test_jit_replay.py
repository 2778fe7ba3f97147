"""jit of long traces: above REPLAY_ABOVE equations a tape replays the trace (replay.py), with the
same values, types, guards and effects as the compiled source below the threshold."""
import weakref

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms import replay

rng = np.random.default_rng(5)


@pytest.fixture
def tape_always(monkeypatch):
    monkeypatch.setattr(replay, "REPLAY_ABOVE", 0)


def chain(x, steps=40):
    for _ in range(steps):
        x = x + 0.01 * fnp.sin(x) * fnp.cos(x)
    return x


def both(f, *args):
    """(compiled source's result, tape's result, the tape's Lowered) of jit(f)(*args), called
    twice each (the first call returns what tracing computed, the second replays)."""
    compiled = fg.jit(f)
    compiled(*args)
    expected = compiled(*args)
    saved = replay.REPLAY_ABOVE
    replay.REPLAY_ABOVE = 0
    try:
        taped = fg.jit(f)
        first = taped(*args)
        got = taped(*args)
        lowered = taped.lower(*args)
    finally:
        replay.REPLAY_ABOVE = saved
    assert lowered.tape is not None and lowered.source == ""
    for a, b, c in zip(fg.tree_util.tree_leaves(expected), fg.tree_util.tree_leaves(got),
                       fg.tree_util.tree_leaves(first)):
        assert type(a) is type(b) is type(c)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, c)
    return expected, got, lowered


def test_scalar_gradient_chain_equals_the_compiled_code_bit_for_bit():
    expected, got, lowered = both(fg.grad(chain), np.float64(0.3))
    assert got == expected
    # registers are reused once a value is dead: far fewer than the trace's variables
    assert lowered.tape.num_registers < lowered.tape.equations / 2


def test_arrays_params_multiple_results_and_pytrees():
    W = rng.standard_normal((4, 3))

    def f(p, x):
        h = fnp.tanh(p["W"] @ x + p["b"])
        top, bottom = fnp.split(h, 2)
        return {"loss": fnp.sum(h ** 2, axis=0), "parts": (top.T, fnp.reshape(bottom, (-1,)))}
    params = {"W": W, "b": rng.standard_normal((4, 1))}
    both(f, params, rng.standard_normal((3, 5)))
    both(fg.grad(lambda p, x: fnp.sum(f(p, x)["loss"])), params, rng.standard_normal((3, 5)))


def test_constant_output_and_returned_argument():
    expected, got, _ = both(lambda x: (x, 2.0, fnp.sin(x)), np.float64(0.5))
    assert got[1] == 2.0


def test_guards_retrace_the_other_branch(tape_always):
    def f(x):
        return fnp.sin(x) if fnp.sum(x) > 0 else fnp.cos(x) * 3
    jf = fg.jit(f)
    up, down = np.array([1.0, 2.0]), np.array([-1.0, -2.0])
    np.testing.assert_array_equal(jf(up), np.sin(up))
    np.testing.assert_array_equal(jf(down), np.cos(down) * 3)
    assert jf.trace_count == 2 and "decision" in jf.last_retrace_reason
    np.testing.assert_array_equal(jf(up * 2), np.sin(up * 2))
    np.testing.assert_array_equal(jf(down * 2), np.cos(down * 2) * 3)
    assert jf.trace_count == 2


def test_value_guards_on_float_and_int(tape_always):
    def f(x, n):
        total = x
        for _ in range(int(n)):
            total = total * 2
        return total * float(n)
    jf = fg.jit(f)
    x = np.array([1.0, 5.0])
    np.testing.assert_array_equal(jf(x, 2.0), f(x, 2.0))
    np.testing.assert_array_equal(jf(x, 3.0), f(x, 3.0))
    np.testing.assert_array_equal(jf(x, 2.0), f(x, 2.0))
    assert jf.trace_count == 2


def test_effects_run_at_every_call(tape_always):
    seen = []

    def f(x):
        fg.debug.callback(lambda v: seen.append(float(v)), x * 2)
        return x + 1
    jf = fg.jit(f)
    jf(np.float64(1.0))
    jf(np.float64(2.0))
    jf(np.float64(3.0))
    assert seen == [2.0, 4.0, 6.0]


def test_long_traces_take_the_tape_without_patching():
    steps = replay.REPLAY_ABOVE // 4  # grad: about 15 equations a step
    jf = fg.jit(fg.grad(lambda x: chain(x, steps)))
    x = np.float64(0.2)
    assert jf(x) == jf(x) == fg.grad(lambda x: chain(x, steps))(x)
    assert jf.lower(x).tape is not None
    assert fg.jit(fg.grad(chain)).lower(x).tape is None  # short: compiled source


def test_the_tape_consumes_the_trace(tape_always, monkeypatch):
    # the trace is freed as the tape is built: neither it nor a forward value outlives the call
    seen = {}
    build = replay.build_tape

    def watched(trace, guards, consume=False):
        seen["trace"] = weakref.ref(trace)
        seen["value"] = weakref.ref(trace.equations[0].outputs[0].value)  # sin(x), an array
        tape = build(trace, guards, consume)
        seen["left"] = len(trace.equations)
        return tape
    monkeypatch.setattr(replay, "build_tape", watched)
    jf = fg.jit(lambda x: fnp.sum(fnp.sin(x) * 2.0))
    x = np.arange(5.0)
    assert jf(x) == jf(x) == np.sum(np.sin(x) * 2.0)
    assert seen["left"] == 0
    assert seen["trace"]() is None and seen["value"]() is None
    lowered = jf.lower(x)
    assert lowered.trace is None and lowered.tape is not None
    assert "replayed by a tape" in repr(lowered)


def test_another_librarys_arrays_take_the_generated_code(tape_always):
    # the tape runs NumPy's values only: a trace on another library's arrays keeps its generated
    # code, which runs on that library
    xp = pytest.importorskip("array_api_strict")
    pytest.importorskip("array_api_compat")
    x = xp.asarray([0.5, 1.0])
    jf = fg.jit(lambda x: fnp.sum(fnp.sin(x)))
    lowered = jf.lower(x)
    assert lowered.tape is None and lowered.source
    for _ in range(2):
        out = jf(x)
        assert type(out) is type(x)
        np.testing.assert_allclose(float(out), np.sum(np.sin([0.5, 1.0])), rtol=1e-15)
