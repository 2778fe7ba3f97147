"""The two value columns of docs/conventions.md's table: funcgrad's value at each singular point,
and JAX's (checked against JAX itself when it is installed, so no "as JAX" claim goes stale)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

NAN = float("nan")
SINGULAR_TIE = np.array([1.0, 3.0, 3.0])
SINGULAR_2X2 = np.array([[1.0, 2.0], [2.0, 4.0]])

# (row, function name in both namespaces, argument builder, argnums, funcgrad's value, JAX's)
ROWS = [
    ("max ties", lambda xp: xp.max, (SINGULAR_TIE,), 0, [0.0, 0.5, 0.5], [0.0, 0.5, 0.5]),
    ("maximum x == y", lambda xp: xp.maximum, (1.0, 1.0), (0, 1), (0.5, 0.5), (0.5, 0.5)),
    ("clip at a bound", lambda xp: (lambda x: xp.clip(x, 0.0, 1.0)), (1.0,), 0, 0.5, 0.5),
    ("absolute at 0", lambda xp: xp.abs, (0.0,), 0, 0.0, 1.0),
    ("power 0 ** 0", lambda xp: xp.power, (0.0, 0.0), (0, 1), (0.0, 0.0), (NAN, 0.0)),
    ("power 0 ** 2 in y", lambda xp: xp.power, (0.0, 2.0), 1, 0.0, 0.0),
    ("hypot at the origin", lambda xp: xp.hypot, (0.0, 0.0), (0, 1), (0.0, 0.0), (0.5, 0.5)),
    ("logaddexp -inf, -inf", lambda xp: xp.logaddexp, (-np.inf, -np.inf), (0, 1), (0.5, 0.5),
     (NAN, NAN)),
    ("sqrt at 0", lambda xp: xp.sqrt, (0.0,), 0, np.inf, np.inf),
    ("std of equal values", lambda xp: xp.std, (np.array([2.0, 2.0]),), 0, [0.0, 0.0],
     [NAN, NAN]),
    ("norm at 0", lambda xp: xp.linalg.norm, (np.zeros(3),), 0, [0.0] * 3, [NAN] * 3),
    ("det of a singular matrix", lambda xp: xp.linalg.det, (SINGULAR_2X2,), 0,
     [[4.0, -2.0], [-2.0, 1.0]], [[4.0, -2.0], [-2.0, 1.0]]),
    ("sort ties", lambda xp: (lambda x: xp.sort(x)[0]), (np.array([1.0, 1.0]),), 0, [1.0, 0.0],
     [1.0, 0.0]),
]


def _assert_same(got, expected):
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            _assert_same(g, e)
        return
    # exact values (NaN and inf included), up to the rounding of an SVD
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(expected, float), rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_funcgrad_value(row):
    _, fun, args, argnums, ours, _ = row
    with np.errstate(divide="ignore", invalid="ignore"):
        _assert_same(fg.grad(fun(fnp), argnums=argnums)(*args), ours)


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_jax_value_as_documented(row):
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    _, fun, args, argnums, _, theirs = row
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        got = jax.grad(fun(jnp), argnums=argnums)(*[jnp.asarray(a) for a in args])
    finally:
        jax.config.update("jax_enable_x64", previous)
    _assert_same(jax.tree_util.tree_map(np.asarray, got), theirs)
