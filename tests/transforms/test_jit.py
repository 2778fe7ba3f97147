"""jit: cached compiled replays that never take the wrong branch, and an inspectable cache."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(2)


def test_replay_matches_eager_and_traces_once_per_signature():
    W = rng.standard_normal((3, 3))
    f = lambda x: fnp.sum(fnp.tanh(W @ x) ** 2)  # noqa: E731
    jf = fg.jit(f)
    for _ in range(3):
        x = rng.standard_normal(3)
        assert jf(x) == pytest.approx(float(f(x)), rel=1e-14)
    assert jf.trace_count == 1
    assert jf.last_retrace_reason == "first call"


def test_guard_replays_the_right_branch_when_a_decision_flips():
    def f(x):
        if x.sum() > 0:
            return fnp.sin(x)
        return fnp.cos(x) * 3
    jf = fg.jit(f)
    up, down = np.array([1.0, 2.0]), np.array([-1.0, -2.0])
    np.testing.assert_allclose(jf(up), np.sin(up))
    np.testing.assert_allclose(jf(down), np.cos(down) * 3)   # guard fails -> re-trace
    assert jf.trace_count == 2 and "decision" in jf.last_retrace_reason
    assert "test_jit.py" in jf.last_retrace_reason            # points at the user's line
    np.testing.assert_allclose(jf(up * 2), np.sin(up * 2))   # both paths cached now
    np.testing.assert_allclose(jf(down * 2), np.cos(down * 2) * 3)
    assert jf.trace_count == 2
    assert "raise GuardFailed" in jf.lower(up).source


def test_int_float_and_index_conversions_are_guarded():
    def f(x, n):
        total = x
        for _ in range(int(n)):      # loop count from a traced value
            total = total * 2
        return total[fnp.argmax(x)] * float(n)   # traced index and float()
    jf = fg.jit(f)
    x = np.array([1.0, 5.0, 2.0])
    assert jf(x, 2) == f(x, 2) == 40.0
    assert jf(x, 3) == f(x, 3)
    assert jf(np.array([9.0, 1.0, 0.0]), 3) == f(np.array([9.0, 1.0, 0.0]), 3)
    assert jf.trace_count == 3


def test_retrace_reasons_name_the_argument_and_what_changed():
    jf = fg.jit(lambda x, y: x * y)
    jf(np.ones(3), np.ones(3))
    jf(np.ones(4), np.ones(4))
    assert jf.last_retrace_reason == "argument 0 ('x') changed shape: (3,) -> (4,)"
    jf(np.ones(4), np.ones(4, np.float32))
    assert "argument 1 ('y') changed dtype: float64 -> float32" == jf.last_retrace_reason
    jg = fg.jit(lambda p: p["a"] * 2)
    jg({"a": np.ones(2)})
    jg({"a": np.ones(2), "b": np.ones(2)})
    assert "structure" in jg.last_retrace_reason
    assert jf.cache_info()["trace_count"] == 3


def test_static_arguments_key_the_cache_and_must_be_hashable():
    def f(x, n, mode="sum"):
        y = x ** n
        return fnp.sum(y) if mode == "sum" else fnp.max(y)
    jf = fg.jit(f, static_argnums=1, static_argnames="mode")
    x = np.array([1.0, 2.0])
    assert jf(x, 2) == 5.0 and jf(x, 3) == 9.0
    assert "static argument changed" in jf.last_retrace_reason
    assert jf(x, 3, mode="max") == 8.0
    assert jf.trace_count == 3
    assert jf(x, 3, mode="max") == 8.0 and jf.trace_count == 3
    with pytest.raises(TypeError, match="not hashable"):
        fg.jit(lambda x, shape: x, static_argnums=1)(x, [2, 1])


def test_cache_is_bounded():
    jf = fg.jit(lambda x: x + 1, cache_size=2)
    for n in range(1, 6):
        jf(np.ones(n))
    info = jf.cache_info()
    assert info["signatures"] == 2 and info["trace_count"] == 5
    jf(np.ones(1))                            # evicted: traced again
    assert jf.trace_count == 6


def test_optimiser_folds_constants_removes_duplicates_and_dead_code():
    W = rng.standard_normal((3, 3))

    def f(x):
        c = fnp.exp(W) * 2             # does not depend on x: folded
        a = fnp.sin(x)
        b = fnp.sin(x)                 # duplicate of a
        unused = fnp.cos(x) * 5        # dead
        del unused
        y = fnp.reshape(a + b, (3,))   # no-op reshape
        return c @ y
    lowered = fg.jit(f).lower(np.ones(3))
    names = [eq.primitive.name for eq in lowered.optimised]
    assert names == ["sin", "add", "matmul"], names
    assert len(lowered.trace) > len(lowered.optimised)
    x = rng.standard_normal(3)
    np.testing.assert_allclose(fg.jit(f)(x), f(x), rtol=1e-14)


def test_generated_source_is_readable_python():
    src = fg.jit(lambda x, y: fnp.tanh(x @ y) + 1.0).lower(np.ones((2, 2)), np.ones(2)).source
    assert src.splitlines()[0].startswith("def ")
    assert "a @ b" in src and "np.tanh(" in src and "return" in src


@pytest.mark.parametrize("form", ["jit(grad)", "grad(jit)", "jit(vmap)", "jit(jit)", "jit(jacrev)"])
def test_compositions(form):
    f = lambda x: fnp.sum(fnp.sin(x) ** 2) if fnp.sum(x) > 0 else fnp.sum(x ** 3)  # noqa: E731
    x = np.array([0.3, 0.9, -0.2])
    if form == "jit(grad)":
        g = fg.jit(fg.grad(f))
        np.testing.assert_allclose(g(x), fg.grad(f)(x)) and np.testing.assert_allclose(g(-x), fg.grad(f)(-x))
        np.testing.assert_allclose(g(-x), 3 * x ** 2)
    elif form == "grad(jit)":
        np.testing.assert_allclose(fg.grad(fg.jit(f))(x), fg.grad(f)(x))
        np.testing.assert_allclose(fg.grad(fg.jit(f))(-x), 3 * x ** 2)
    elif form == "jit(vmap)":
        xs = np.stack([x, -x, 2 * x])
        np.testing.assert_allclose(fg.jit(fg.vmap(fg.grad(lambda x: fnp.sum(fnp.sin(x) ** 2))))(xs),
                                   2 * np.sin(xs) * np.cos(xs))
    elif form == "jit(jit)":
        inner = fg.jit(lambda x: x * 2)
        assert fg.jit(lambda x: inner(x) + 1)(np.ones(2)).tolist() == [3.0, 3.0]
    else:
        np.testing.assert_allclose(fg.jit(fg.jacrev(fnp.sin))(x), np.diag(np.cos(x)))


def test_keyword_arguments_and_pytrees_of_outputs():
    jf = fg.jit(lambda x, *, scale: {"out": x * scale, "pair": (x, 1.0)})
    out = jf(np.ones(2), scale=np.float64(3.0))
    assert out["out"].tolist() == [3.0, 3.0] and out["pair"][1] == 1.0
    out = jf(np.ones(2), scale=np.float64(4.0))
    assert out["out"].tolist() == [4.0, 4.0] and jf.trace_count == 1


def test_python_scalars_are_traced_not_baked_in():
    jf = fg.jit(lambda x, a: x * a)
    assert jf(np.ones(1), 2.0).tolist() == [2.0]
    assert jf(np.ones(1), 5.0).tolist() == [5.0]
    assert jf.trace_count == 1


@pytest.mark.parametrize("k", range(6))
def test_buffer_reuse_never_touches_arguments_outputs_or_live_views(k):
    def f(x, y):
        a = fnp.tanh(x * y)              # a dies in b: its buffer may be reused
        b = a + 1.0
        v = fnp.reshape(b, (-1,))        # a view of b: b must not be overwritten while v lives
        c = fnp.exp(b) * 2.0
        d = c - x
        outs = [d, v[:3] * 1.0, fnp.sum(d * d), x + 0.0, fnp.transpose(c), b]
        return outs[k]
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    x0, y0 = x.copy(), y.copy()
    jf = fg.jit(f)
    first = jf(x, y)
    np.testing.assert_allclose(first, f(x, y), rtol=1e-14)
    kept = np.array(first, copy=True)
    second = jf(x, y)
    np.testing.assert_allclose(second, f(x, y), rtol=1e-14)
    np.testing.assert_array_equal(first, kept)          # an earlier result is not overwritten
    np.testing.assert_array_equal(x, x0) and np.testing.assert_array_equal(y, y0)
    assert "out=" in jf.lower(x, y).source or k in (3,)


def test_a_decision_that_changes_every_call_warns_once():
    jf = fg.jit(lambda x: x * float(x.sum()), max_variants=2)
    with pytest.warns(RuntimeWarning, match="re-tracing"):
        for i in range(5):
            assert jf(np.full(2, float(i))).tolist() == [2.0 * i * i] * 2
    assert jf.trace_count == 5
