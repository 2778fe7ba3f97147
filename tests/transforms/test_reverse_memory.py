"""Reverse mode keeps only what its rules read, and frees it as it replays.

The forward values are followed with weak references: an array no one holds any more is gone
the moment its last reference is dropped (no garbage collection involved), so `ref() is None`
says the trace, the recorder and the reverse pass hold nothing of it."""
from __future__ import annotations

import weakref

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.ir import Var
from funcgrad.core.primitive import ShapeOnly

RNG = np.random.default_rng(0)
W = RNG.standard_normal((32, 32)) / 6
B = RNG.standard_normal(32)
X = RNG.standard_normal((16, 32))


def _watched(refs, tracer):
    refs.append(weakref.ref(tracer.value))
    return tracer


def test_values_no_rule_reads_are_not_kept_by_the_trace():
    refs = {}

    def layer(w, b):
        z = x_w = X @ w
        refs["x @ w"] = weakref.ref(x_w.value)
        z = z + b
        refs["+ b"] = weakref.ref(z.value)
        h = fnp.tanh(z)
        refs["tanh"] = weakref.ref(h.value)
        return fnp.sum(h * h)

    out, pullback = fg.vjp(layer, W, B)
    # matmul reads its inputs, add nothing: their answers are gone; tanh's rule reads its answer
    assert refs["x @ w"]() is None and refs["+ b"]() is None
    assert refs["tanh"]() is not None
    kinds = {eq.primitive.name: type(eq.outputs[0].value) for eq in pullback.trace.equations}
    assert kinds["matmul"] is ShapeOnly and kinds["add"] is ShapeOnly
    assert kinds["tanh"] is np.ndarray
    # the pullback still works, twice (vjp's trace is not consumed)
    first = pullback(np.float64(1.0))
    second = pullback(np.float64(1.0))
    h = np.tanh(X @ W + B)
    g_z = 2 * h * (1 - h * h)
    np.testing.assert_allclose(first[0], X.T @ g_z, rtol=1e-12)
    np.testing.assert_allclose(first[1], g_z.sum(0), rtol=1e-12)
    np.testing.assert_array_equal(first[0], second[0])


def test_a_value_read_by_a_later_rule_is_kept():
    # sin's answer is not read by sin's rule, but multiply's rule reads it: it is kept
    def f(x):
        s = fnp.sin(x)
        return fnp.sum(s * x)
    x = RNG.standard_normal(500)
    _, pullback = fg.vjp(f, x)
    sin_eq = next(eq for eq in pullback.trace.equations if eq.primitive.name == "sin")
    assert type(sin_eq.outputs[0].value) is np.ndarray
    np.testing.assert_allclose(pullback(1.0)[0], np.cos(x) * x + np.sin(x), rtol=1e-12)


def _probe(seen, refs):
    """An identity whose reverse rule, which runs last, notes which watched values are alive."""
    @fg.custom_vjp
    def probe(w):
        return w

    def forward(w):
        return w, None

    def backward(_, g):
        seen.append([r() is not None for r in refs])
        return (g,)
    probe.defvjp(forward, backward)
    return probe


def test_grad_frees_each_value_once_its_last_reader_has_run():
    seen, refs = [], []
    probe = _probe(seen, refs)

    def deep(w):
        w = probe(w)  # the first equation: replayed last
        h = X
        for _ in range(6):
            h = _watched(refs, fnp.tanh(h @ w))
        return fnp.sum(h)

    g = fg.grad(deep)(W)
    # every tanh answer was read (by tanh's rule and the next matmul's) and is gone by the time
    # the first equation is replayed
    assert seen == [[False] * 6]
    np.testing.assert_allclose(g, fg.grad(lambda w: fnp.sum(_plain_deep(w)))(W), rtol=1e-12)


def _plain_deep(w):
    h = X
    for _ in range(6):
        h = fnp.tanh(h @ w)
    return h


def test_scan_and_while_loop_bodies_free_their_residuals_as_they_go():
    for loop in ("scan", "while_loop"):
        seen, refs = [], []
        probe = _probe(seen, refs)

        def body(h, w):
            return _watched(refs, fnp.tanh(h @ w))

        def looped(w):
            w = probe(w)
            if loop == "scan":
                h, _ = fg.lax.scan(lambda h, _: (body(h, w), None), X, None, length=5)
            else:
                h = fg.lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, body(c[1], w)),
                                      (0, X))[1]
            return fnp.sum(h)

        g = fg.grad(looped)(W)
        assert seen == [[False] * 5], loop
        expected = np.ones_like(X)
        hs = [X]
        for _ in range(5):
            hs.append(np.tanh(hs[-1] @ W))
        g_w = np.zeros_like(W)
        for k in range(5, 0, -1):
            g_z = expected * (1 - hs[k] ** 2)
            g_w += hs[k - 1].T @ g_z
            expected = g_z @ W.T
        np.testing.assert_allclose(g, g_w, rtol=1e-10)


def test_the_trace_of_grad_is_consumed_by_its_reverse_pass():
    recorded = []
    original = fg.transforms.reverse.backward_pass

    def spy(trace, cts, consume=False):
        recorded.append(trace)
        return original(trace, cts, consume)
    fg.transforms.reverse.backward_pass = spy
    try:
        fg.grad(lambda w: fnp.sum(fnp.tanh(X @ w)))(W)
    finally:
        fg.transforms.reverse.backward_pass = original
    (trace,) = recorded
    assert trace.equations == []  # each equation dropped once replayed
    assert all(type(v) is Var for v in trace.inputs)


def test_jacrev_keeps_only_what_its_reverse_rules_read():
    seen, refs = [], []
    probe = _probe(seen, refs)

    def layer(w):
        z = _watched(refs, X @ probe(w))
        return fnp.tanh(z + B)[:2].sum(axis=0)

    jac = fg.jacrev(layer)(W)
    assert seen and all(alive == [False] for alive in seen)  # gone while the reverse passes ran
    h = np.tanh(X @ W + B)[:2]
    expected = np.zeros((32, 32, 32))
    for k in range(32):  # d out_k / d w[i, k] = sum over the two rows of x[r, i] (1 - h[r, k]^2)
        expected[k, :, k] = X[:2].T @ (1 - h[:, k] ** 2)
    np.testing.assert_allclose(jac, expected, rtol=1e-10, atol=1e-14)
