"""jit: a 300-step scalar chain under jit(grad), an MLP loss gradient under jit, cache-hit overhead.

    python benchmarks/jit.py

Ratios are time / hand-written NumPy of the same result (medians of interleaved rounds, one BLAS
thread). Issue-5 targets: jit(grad(chain)) at most 2x NumPy (stretch: at or below JAX jit, which
funcgrad reaches by compiling the chain to Python float code); jit(grad(mlp_loss)) at most 1.0x;
a cache hit of a tiny function under 5 us. FUNCGRAD_BENCH_DEFAULT_MALLOC=1 measures with glibc's
default allocator settings (see _timing.steady_malloc).

Long traces (issue 15 section 4): the first call of jit(grad) of a scalar chain of 10,000, 100,000
and 1,000,000 primitives (5 a step) against one eager grad, in CPU time and tracemalloc peak
(the memory for the first two sizes only: tracemalloc slows the largest to minutes);
FUNCGRAD_BENCH_LONG_MAX=100000 stops before the largest.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, report  # noqa: E402  (pins BLAS threads first)

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from _models import CHAIN_STEPS as STEPS, chain, chain_by_hand, mlp_by_hand, mlp_setup  # noqa: E402
from core_overhead import mlp_loss  # noqa: E402


def _numba_jit(f, *args):
    """jit(f, backend="numba") and the CPU seconds of its first call, or (None, None)."""
    if optional("numba") is None:
        return None, None
    jitted = fg.jit(f, backend="numba")
    _, seconds = _cpu(lambda: jitted(*args))
    return jitted, seconds


def _numba_by_hand():
    """The chain's and the RK4 pendulum's value and gradient written out by hand in numba (the
    forward pass storing what the backward reads, then the backward): machine speed, the floor
    the numba backend is measured against. None without numba."""
    numba = optional("numba")
    if numba is None:
        return None
    import math

    @numba.njit(error_model="numpy")
    def chain_grad(x, steps):
        sines, cosines = np.empty(steps), np.empty(steps)
        for k in range(steps):
            s, c = math.sin(x), math.cos(x)
            sines[k], cosines[k] = s, c
            x = x + 0.01 * s * c
        g = 1.0
        for k in range(steps - 1, -1, -1):
            s, c = sines[k], cosines[k]
            g = g * (1.0 + 0.01 * (c * c - s * s))
        return g

    @numba.njit(error_model="numpy")
    def rk4_value_and_grad(y, v, steps, h):
        stages = np.empty((steps, 4))  # the angles whose sines the step takes
        for k in range(steps):
            k1y, k1v = v, -math.sin(y) - 0.1 * v
            y2, v2 = y + 0.5 * h * k1y, v + 0.5 * h * k1v
            k2y, k2v = v2, -math.sin(y2) - 0.1 * v2
            y3, v3 = y + 0.5 * h * k2y, v + 0.5 * h * k2v
            k3y, k3v = v3, -math.sin(y3) - 0.1 * v3
            y4, v4 = y + h * k3y, v + h * k3v
            k4y, k4v = v4, -math.sin(y4) - 0.1 * v4
            stages[k, 0], stages[k, 1], stages[k, 2], stages[k, 3] = y, y2, y3, y4
            y = y + h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
            v = v + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
        value, gy, gv, c = y * y + v * v, 2.0 * y, 2.0 * v, h / 6.0
        for k in range(steps - 1, -1, -1):
            y, y2, y3, y4 = stages[k, 0], stages[k, 1], stages[k, 2], stages[k, 3]
            g1y, g2y, g3y, g4y = c * gy, 2.0 * c * gy, 2.0 * c * gy, c * gy
            g1v, g2v, g3v, g4v = c * gv, 2.0 * c * gv, 2.0 * c * gv, c * gv
            gy4, gv4 = -math.cos(y4) * g4v, g4y - 0.1 * g4v
            gy, g3y, gv, g3v = gy + gy4, g3y + h * gy4, gv + gv4, g3v + h * gv4
            gy3, gv3 = -math.cos(y3) * g3v, g3y - 0.1 * g3v
            gy, g2y, gv, g2v = gy + gy3, g2y + 0.5 * h * gy3, gv + gv3, g2v + 0.5 * h * gv3
            gy2, gv2 = -math.cos(y2) * g2v, g2y - 0.1 * g2v
            gy, g1y, gv, g1v = gy + gy2, g1y + 0.5 * h * gy2, gv + gv2, g1v + 0.5 * h * gv2
            gy, gv = gy - math.cos(y) * g1v, gv + g1y - 0.1 * g1v
        return value, gy, gv

    chain_grad(0.3, STEPS), rk4_value_and_grad(1.0, 0.0, RK4_STEPS, 0.01)  # compile
    return chain_grad, rk4_value_and_grad


def scalar_chain():
    x0 = np.float64(0.3)
    jitted = fg.jit(fg.grad(lambda x: chain(x, fnp)))
    _, compile_numpy = _cpu(lambda: jitted(x0))
    np.testing.assert_allclose(jitted(x0), chain_by_hand(x0), rtol=1e-10)
    contenders = {
        "numpy by hand": lambda: chain_by_hand(x0),
        "funcgrad jit(grad)": lambda: jitted(x0),
        "funcgrad grad (eager)": lambda: fg.grad(lambda x: chain(x, fnp))(x0),
    }
    first_calls = {"funcgrad jit(grad)": compile_numpy}
    numba_jitted, compile_numba = _numba_jit(fg.grad(lambda x: chain(x, fnp)), x0)
    if numba_jitted is not None:
        np.testing.assert_allclose(numba_jitted(x0), chain_by_hand(x0), rtol=1e-10)
        contenders["funcgrad jit(grad) numba"] = lambda: numba_jitted(x0)
        first_calls["funcgrad jit(grad) numba"] = compile_numba
        chain_grad = _numba_by_hand()[0]
        np.testing.assert_allclose(chain_grad(0.3, STEPS), chain_by_hand(x0), rtol=1e-10)
        contenders["numba by hand (floor)"] = lambda: chain_grad(0.3, STEPS)
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        jg = jax.jit(jax.grad(lambda x: chain(x, jnp)))
        _, first_calls["jax jit(grad)"] = _cpu(lambda: jg(0.3).block_until_ready())
        contenders["jax jit(grad)"] = lambda: jg(0.3).block_until_ready()
    medians = compare(contenders)
    report(f"grad of a {STEPS}-step scalar chain", medians, "numpy by hand")
    _report_first_calls(first_calls)
    if "jax jit(grad)" in medians:
        for name in ("funcgrad jit(grad)", "funcgrad jit(grad) numba"):
            if name in medians:
                ratio = medians["jax jit(grad)"] / medians[name]
                print(f"  jax jit(grad) / {name}: {ratio:.2f} (>1: funcgrad faster)")
    _report_floor(medians, "funcgrad jit(grad) numba", "jax jit(grad)")


def _report_first_calls(first_calls):
    print("  first call (trace + compile + run), CPU s: " + ", ".join(
        f"{name} {seconds:.2f}" for name, seconds in first_calls.items()))


RK4_STEPS = 1000


def rk4(y0, v0, np_like, steps=RK4_STEPS, h=0.01):
    """A damped pendulum, y'' = -sin(y) - 0.1 y', by RK4; returns the final angle squared plus
    the final velocity squared (a scalar to differentiate)."""
    def f(y, v):
        return v, -np_like.sin(y) - 0.1 * v
    y, v = y0, v0
    for _ in range(steps):
        k1y, k1v = f(y, v)
        k2y, k2v = f(y + 0.5 * h * k1y, v + 0.5 * h * k1v)
        k3y, k3v = f(y + 0.5 * h * k2y, v + 0.5 * h * k2v)
        k4y, k4v = f(y + h * k3y, v + h * k3v)
        y = y + h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
        v = v + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    return y * y + v * v


def rk4_ode():
    y0, v0 = np.float64(1.0), np.float64(0.0)
    both = lambda y, v: fg.value_and_grad(lambda y, v: rk4(y, v, fnp), argnums=(0, 1))(y, v)  # noqa: E731
    jitted = fg.jit(both)
    _, compile_numpy = _cpu(lambda: jitted(y0, v0))
    expected = jitted(y0, v0)
    contenders = {"funcgrad jit": lambda: jitted(y0, v0)}
    first_calls = {"funcgrad jit": compile_numpy}
    numba_jitted, compile_numba = _numba_jit(both, y0, v0)
    if numba_jitted is not None:
        value, grads = numba_jitted(y0, v0)
        np.testing.assert_allclose(value, expected[0], rtol=1e-10)
        np.testing.assert_allclose(grads, expected[1], rtol=1e-10)
        contenders["funcgrad jit numba"] = lambda: numba_jitted(y0, v0)
        first_calls["funcgrad jit numba"] = compile_numba
        by_hand = _numba_by_hand()[1]
        np.testing.assert_allclose(by_hand(1.0, 0.0, RK4_STEPS, 0.01),
                                   (expected[0],) + tuple(expected[1]), rtol=1e-10)
        contenders["numba by hand (floor)"] = lambda: by_hand(1.0, 0.0, RK4_STEPS, 0.01)
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        def loop(y0, v0):  # JAX's idiom: the steps as a compiled loop (unrolled, XLA takes minutes)
            h = 0.01

            def f(y, v):
                return v, -jnp.sin(y) - 0.1 * v

            def step(_, state):
                y, v = state
                k1y, k1v = f(y, v)
                k2y, k2v = f(y + 0.5 * h * k1y, v + 0.5 * h * k1v)
                k3y, k3v = f(y + 0.5 * h * k2y, v + 0.5 * h * k2v)
                k4y, k4v = f(y + h * k3y, v + h * k3v)
                return (y + h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y),
                        v + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v))
            y, v = jax.lax.fori_loop(0, RK4_STEPS, step, (y0, v0))
            return y * y + v * v
        jg = jax.jit(jax.value_and_grad(loop, argnums=(0, 1)))
        _, first_calls["jax jit (fori_loop)"] = _cpu(lambda: jg(1.0, 0.0)[0].block_until_ready())
        value, grads = jg(1.0, 0.0)
        np.testing.assert_allclose(float(value), expected[0], rtol=1e-10)
        contenders["jax jit (fori_loop)"] = lambda: jg(1.0, 0.0)[0].block_until_ready()
    medians = compare(contenders, rounds=5)
    report(f"value and gradient of a {RK4_STEPS}-step RK4 pendulum (scalar state)", medians,
           "funcgrad jit")
    _report_first_calls(first_calls)
    if "jax jit (fori_loop)" in medians and "funcgrad jit numba" in medians:
        ratio = medians["jax jit (fori_loop)"] / medians["funcgrad jit numba"]
        print(f"  jax jit / funcgrad jit numba: {ratio:.2f} (>1: funcgrad faster)")
    _report_floor(medians, "funcgrad jit numba", "jax jit (fori_loop)")


def _report_floor(medians, numba_name, jax_name):
    if "numba by hand (floor)" in medians and numba_name in medians:
        floor = medians["numba by hand (floor)"]
        line = f"  {numba_name} / numba by hand: {medians[numba_name] / floor:.2f}"
        if jax_name in medians:
            line += f"; jax / numba by hand: {medians[jax_name] / floor:.2f} (the most any " \
                    "compiler of this code could gain over JAX here)"
        print(line)


def lorenz_rk4(y, xp, fori_loop, steps=RK4_STEPS, h=0.005):
    """The Lorenz system's state (a 3-vector) after `steps` RK4 steps under `fori_loop`."""
    def f(y):
        return xp.stack([10.0 * (y[1] - y[0]), y[0] * (28.0 - y[2]) - y[1],
                         y[0] * y[1] - 8.0 / 3.0 * y[2]])

    def step(_, y):
        k1 = f(y)
        k2 = f(y + 0.5 * h * k1)
        k3 = f(y + 0.5 * h * k2)
        k4 = f(y + h * k3)
        return y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return fori_loop(0, steps, step, y)


def rk4_lorenz():
    y0 = np.array([1.0, 1.5, 0.5])
    both = fg.value_and_grad(lambda y: fnp.sum(lorenz_rk4(y, fnp, fg.lax.fori_loop) ** 2))
    jitted = fg.jit(both)
    _, compile_numpy = _cpu(lambda: jitted(y0))
    expected = jitted(y0)
    contenders = {"funcgrad jit": lambda: jitted(y0)}
    first_calls = {"funcgrad jit": compile_numpy}
    numba_jitted, compile_numba = _numba_jit(both, y0)
    if numba_jitted is not None:
        value, grad = numba_jitted(y0)
        np.testing.assert_allclose(value, expected[0], rtol=1e-10)
        np.testing.assert_allclose(grad, expected[1], rtol=1e-10)
        contenders["funcgrad jit numba"] = lambda: numba_jitted(y0)
        first_calls["funcgrad jit numba"] = compile_numba
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        jg = jax.jit(jax.value_and_grad(
            lambda y: jnp.sum(lorenz_rk4(y, jnp, jax.lax.fori_loop) ** 2)))
        yj = jnp.asarray(y0)
        _, first_calls["jax jit (fori_loop)"] = _cpu(lambda: jg(yj)[0].block_until_ready())
        value, grad = jg(yj)
        np.testing.assert_allclose(np.asarray(grad), expected[1], rtol=1e-8)
        contenders["jax jit (fori_loop)"] = lambda: jg(yj)[0].block_until_ready()
    medians = compare(contenders, rounds=5)
    report(f"value and gradient of a {RK4_STEPS}-step RK4 Lorenz system (3-vector state)",
           medians, "funcgrad jit")
    _report_first_calls(first_calls)
    if "jax jit (fori_loop)" in medians and "funcgrad jit numba" in medians:
        ratio = medians["jax jit (fori_loop)"] / medians["funcgrad jit numba"]
        print(f"  jax jit / funcgrad jit numba: {ratio:.2f} (>1: funcgrad faster)")


def mlp():
    params, x, onehot = mlp_setup(np.float64)
    jitted = fg.jit(fg.grad(mlp_loss))
    for (gw, gb), (hw, hb) in zip(jitted(params, x, onehot), mlp_by_hand(params, x, onehot)[1]):
        np.testing.assert_allclose(gw, hw, rtol=1e-9, atol=1e-9)
    contenders = {
        "numpy by hand": lambda: mlp_by_hand(params, x, onehot),
        "funcgrad jit(grad)": lambda: jitted(params, x, onehot),
        "funcgrad grad (eager)": lambda: fg.grad(mlp_loss)(params, x, onehot),
    }
    report("grad of an MLP loss (784-512-512-10, batch 128, float64)",
           compare(contenders, rounds=5, min_time=0.2), "numpy by hand")


def cache_hit():
    x = np.ones(3)
    tiny = fg.jit(lambda x: x + 1.0)
    contenders = {"numpy x + 1.0": lambda: x + 1.0, "funcgrad jit cache hit": lambda: tiny(x)}
    if optional("numba") is not None:
        s, tiny_numba = np.float64(1.0), fg.jit(lambda s: s * 2.0 + 1.0, backend="numba")
        tiny_numba(s)
        contenders["numpy s * 2.0 + 1.0 (scalar)"] = lambda: s * 2.0 + 1.0
        contenders["funcgrad jit numba cache hit"] = lambda: tiny_numba(s)
    jax = optional("jax")
    if jax is not None:
        import jax.numpy as jnp
        jt, xj = jax.jit(lambda x: x + 1.0), jnp.ones(3)
        contenders["jax jit cache hit"] = lambda: jt(xj).block_until_ready()
    medians = compare(contenders, min_time=0.02)
    report("per-call overhead of a jitted x + 1.0 (3 elements)", medians, "numpy x + 1.0")
    overhead = (medians["funcgrad jit cache hit"] - medians["numpy x + 1.0"]) * 1e6
    print(f"  funcgrad cache-hit overhead over the NumPy call itself: {overhead:.2f} us")
    if "funcgrad jit numba cache hit" in medians:
        overhead = (medians["funcgrad jit numba cache hit"]
                    - medians["numpy s * 2.0 + 1.0 (scalar)"]) * 1e6
        print(f"  numba backend cache-hit overhead over NumPy's scalar arithmetic: {overhead:.2f} us")


def long_chain(steps):
    def f(x):
        for _ in range(steps):
            x = x + 0.01 * fnp.sin(x) * fnp.cos(x)
        return x
    return f


def _cpu(fn):
    start = time.process_time()
    result = fn()
    return result, time.process_time() - start


def _peak(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def long_traces():
    largest = int(os.environ.get("FUNCGRAD_BENCH_LONG_MAX", 1_000_000))
    print("\nfirst call of jit(grad) of a long scalar chain vs one eager grad (CPU s, tracemalloc MB)")
    x0 = np.float64(0.3)
    # one-time costs of a process (NumPy imports numpy.random on first use, which jit's check for
    # random draws asks for) are not a trace's: a short jitted gradient pays them first
    fg.jit(fg.grad(long_chain(10)))(x0)
    for ops in (10_000, 100_000, 1_000_000):
        if ops > largest:
            break
        f = long_chain(ops // 5)
        eager, t_eager = _cpu(lambda: fg.grad(f)(x0))
        jitted = fg.jit(fg.grad(f))
        first, t_first = _cpu(lambda: jitted(x0))
        again, t_again = _cpu(lambda: jitted(x0))
        assert eager == first == again
        line = (f"  {ops:>9,} ops: eager {t_eager:7.2f} s, jit first call {t_first:7.2f} s "
                f"({t_first / t_eager:.2f}x), later calls {t_again:6.3f} s "
                f"({t_again / t_eager:.2f}x)")
        if ops <= 100_000:
            m_eager = _peak(lambda: fg.grad(f)(x0))
            m_first = _peak(lambda: fg.jit(fg.grad(f))(x0))
            line += (f"; memory eager {m_eager / 1e6:.1f} MB, jit first call "
                     f"{m_first / 1e6:.1f} MB ({m_first / m_eager:.2f}x)")
        print(line, flush=True)
        del jitted


if __name__ == "__main__":
    from _timing import steady_malloc
    print("allocator:", steady_malloc())
    scalar_chain()
    rk4_ode()
    rk4_lorenz()
    mlp()
    cache_hit()
    long_traces()
