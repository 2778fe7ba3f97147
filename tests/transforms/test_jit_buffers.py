"""jit's buffer reuse (out=): random straight-line programs give the eager values, never write into
an argument, an earlier result or an array a live view reads, whatever the memory layout."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

# each op: (name, arity, function on values of shape (3, 3))
OPS = [
    ("tanh", 1, fnp.tanh), ("exp", 1, lambda a: fnp.exp(a * 0.1)), ("neg", 1, lambda a: -a),
    ("square", 1, lambda a: a * a), ("shift", 1, lambda a: 1.0 - a), ("pow", 1, lambda a: a ** 2),
    ("add", 2, lambda a, b: a + b), ("mul", 2, lambda a, b: a * b), ("sub", 2, lambda a, b: a - b),
    ("div", 2, lambda a, b: a / (b * b + 1.0)), ("matmul", 2, lambda a, b: a @ b),
    ("transpose", 1, lambda a: a.T),
    ("reshape", 1, lambda a: fnp.reshape(fnp.reshape(a, (9,)), (3, 3))),
    ("row", 1, lambda a: fnp.broadcast_to(a[0], (3, 3))),
    ("sum", 1, lambda a: a - fnp.sum(a, axis=0)),
    ("max", 1, lambda a: a - fnp.max(a, axis=1, keepdims=True)),
]

program = st.lists(st.tuples(st.integers(0, len(OPS) - 1), st.integers(0, 99), st.integers(0, 99)),
                   min_size=1, max_size=12)
outputs = st.lists(st.integers(0, 99), min_size=1, max_size=3)


def build(steps, picks):
    def f(x, y):
        values = [x, y]
        for op, i, j in steps:
            _, arity, fn = OPS[op]
            args = (values[i % len(values)], values[j % len(values)])[:arity]
            values.append(fn(*args))
        return [values[2 + p % (len(values) - 2)] for p in picks]
    return f


def check(f, args_at_trace, args_at_replay):
    jf = fg.jit(f)
    jf(*args_at_trace)
    copies = [a.copy() for a in args_at_replay]
    first = jf(*args_at_replay)
    kept = [np.array(r, copy=True) for r in first]
    second = jf(*args_at_replay)
    expected = f(*args_at_replay)
    for got, want in zip(second, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    for got, want in zip(first, kept):
        np.testing.assert_array_equal(got, want)        # an earlier result is untouched
    for a, c in zip(args_at_replay, copies):
        np.testing.assert_array_equal(a, c)             # arguments are never written
    assert jf.trace_count == 1


@settings(max_examples=25, deadline=None)
@given(program, outputs, st.sampled_from(["C", "F"]), st.sampled_from(["C", "F"]))
def test_random_programs_match_eager_in_any_layout(steps, picks, traced_order, replay_order):
    rng = np.random.default_rng(len(steps))
    x, y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    f = build(steps, picks)
    check(f, [np.asarray(x, order=traced_order), np.asarray(y, order=traced_order)],
          [np.asarray(x * 0.5, order=replay_order), np.asarray(y + 1.0, order=replay_order)])


def test_a_view_that_copied_while_tracing_is_still_protected_on_replay():
    # traced with a Fortran-ordered argument: tanh(x) is Fortran-ordered, so the reshape copies;
    # replayed with a C-ordered one the reshape is a view of tanh(x), which must stay intact
    def f(x):
        t = fnp.tanh(x)
        flat = fnp.reshape(t, (6,))
        u = t * 2.0                                     # t dies here, flat lives on
        return u, flat * 1.5
    x = np.arange(6.0).reshape(2, 3) / 6
    check(f, [np.asfortranarray(x)], [x])


def test_matmul_writes_into_a_dead_array_of_its_shape():
    def f(x, w):
        s = fnp.sum(fnp.exp(x), axis=0)                 # exp(x) is dead after the sum
        return (x @ w.T) * s                            # so the matmul writes into it
    x, w = np.ones((4, 4)) / 4, np.eye(4) * 0.5
    source = fg.jit(f).lower(x, w).source
    assert "np.matmul(" in source and "out=" in source
    check(f, [x, w], [x * 0.3, w + 0.1])


def test_float32_and_broadcasting_operands():
    def f(x, b):
        h = fnp.tanh(x + b)                             # b broadcasts: only x-shaped arrays reused
        return h * h - b, fnp.sum(h, axis=0)
    x = np.ones((3, 4), np.float32)
    b = np.arange(4, dtype=np.float32)
    out = fg.jit(f)(x, b)
    assert out[0].dtype == np.float32 and out[1].dtype == np.float32
    check(f, [x, b], [x * 2, b - 1])


@pytest.mark.parametrize("exponent", [2, 0.5, -1])
def test_power_keeps_numpy_shortcuts(exponent):
    # x ** 2 on an array is np.square, x ** 0.5 np.sqrt: not rewritten as np.power(out=)
    x = np.linspace(0.1, 3.0, 7)
    f = lambda x: (x + 0.5) ** exponent  # noqa: E731
    np.testing.assert_array_equal(fg.jit(f)(x), f(x))


def test_guards_between_reused_buffers_pick_the_right_branch():
    def f(x, w):
        h = fnp.tanh(x @ w)
        e = fnp.exp(h) * 2.0                            # h dies: its array takes e
        if fnp.sum(e) > 2.0 * e.size:                   # a guard on a value computed in place
            out = (e - 1.0) @ w.T
        else:
            out = -e * 3.0
        return out, fnp.sum(h, axis=0)
    w = np.eye(3) * 0.7
    up, down = np.full((2, 3), 2.0), np.full((2, 3), -2.0)
    jf = fg.jit(f)
    for x in (up, down, up * 1.5, down * 0.5):
        x0, w0 = x.copy(), w.copy()
        for got, want in zip(jf(x, w), f(x, w)):
            np.testing.assert_allclose(got, want, rtol=1e-13)
        np.testing.assert_array_equal(x, x0) and np.testing.assert_array_equal(w, w0)
    assert jf.trace_count == 2 and "out=" in jf.lower(up, w).source
