"""x.at[idx].set/add/multiply/min/max: functional updates, differentiable in x and in the values."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

x = np.array([1.0, -2.0, 3.0, 4.0])


def test_values_match_numpy_in_place_updates():
    idx = np.array([0, 2])
    for method, numpy_update in [("set", lambda a: a.__setitem__(idx, 7.0)),
                                 ("add", lambda a: np.add.at(a, idx, 7.0)),
                                 ("multiply", lambda a: np.multiply.at(a, idx, 7.0)),
                                 ("min", lambda a: np.minimum.at(a, idx, 2.0)),
                                 ("max", lambda a: np.maximum.at(a, idx, 2.0))]:
        value = 2.0 if method in ("min", "max") else 7.0
        expected = x.copy()
        numpy_update(expected)
        np.testing.assert_allclose(getattr(fnp.at(x)[idx], method)(value), expected)
    assert fnp.at(x)[1:3].get().tolist() == [-2.0, 3.0]


def test_repeated_indices_accumulate_in_add():
    np.testing.assert_allclose(fnp.at(np.zeros(3))[np.array([1, 1])].add(1.0), [0.0, 2.0, 0.0])


def test_gradients_in_both_the_array_and_the_values():
    def f(x, v):
        return fnp.sum(fnp.at(x)[1:3].set(v * v) * x) + fnp.sum(fnp.at(x)[0].multiply(v[0]))

    v = np.array([0.5, -1.5])
    gx, gv = fg.grad(f, argnums=(0, 1))(x, v)
    fg.testing.check_grads(f, (x, v), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(gv, [2 * v[0] * x[1] + x[0], 2 * v[1] * x[2]])
    assert gx.shape == x.shape


def test_the_original_array_is_untouched():
    before = x.copy()
    fg.grad(lambda x: fnp.sum(x.at[0].set(0.0)))(x)
    np.testing.assert_array_equal(x, before)
    assert fg.grad(lambda x: fnp.sum(x.at[0].set(0.0)))(x).tolist() == [0.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("transform", ["vmap", "jit"])
def test_under_vmap_and_jit(transform):
    f = lambda row: row.at[0].add(10.0) if hasattr(row, "at") else fnp.at(row)[0].add(10.0)  # noqa: E731
    rows = np.arange(6.0).reshape(2, 3)
    out = fg.vmap(f)(rows) if transform == "vmap" else fg.jit(f)(rows[0])
    expected = rows.copy()
    expected[:, 0] += 10
    np.testing.assert_allclose(out, expected if transform == "vmap" else expected[0])


REPEATS = np.array([[0, 2], [0, 0]])  # entry 0 three times, entry 2 once
BASE = np.array([5.0, -1.0, 3.0])
VALUES = np.array([[1.0, 2.0], [4.0, -3.0]])


def _numpy_in_order(method):
    """NumPy's result of the update applied once per index, in index order."""
    out = BASE.copy()
    combine = {"set": lambda a, v: v, "add": np.add, "subtract": np.subtract,
               "multiply": np.multiply, "divide": np.divide, "min": np.minimum,
               "max": np.maximum, "power": np.power}[method]
    for i, v in zip(REPEATS.ravel(), VALUES.ravel()):
        out[i] = combine(out[i], v)
    return out


@pytest.mark.parametrize("method", ["set", "add", "subtract", "multiply", "divide", "min", "max",
                                    "power"])
def test_repeated_indices_update_in_index_order(method):
    # set keeps the last value written (NumPy's x[idx] = v), multiply multiplies every value
    # (multiply.at); they summed the repeated values before, silently
    expected = _numpy_in_order(method)

    def update(x, v):
        return getattr(fnp.at(x)[REPEATS], method)(v)
    np.testing.assert_allclose(update(BASE, VALUES), expected)
    np.testing.assert_allclose(fg.jit(update)(BASE, VALUES), expected)
    np.testing.assert_allclose(fg.vmap(update, (None, 0))(BASE, VALUES[None])[0], expected)
    # both derivatives against central differences of the same in-order updates
    jx, jv = fg.jacobian(update, argnums=(0, 1))(BASE, VALUES)
    step = 1e-6
    for k in range(BASE.size):
        e = np.zeros_like(BASE)
        e[k] = step
        fd = (update(BASE + e, VALUES) - update(BASE - e, VALUES)) / (2 * step)
        np.testing.assert_allclose(jx[:, k], fd, atol=1e-6)
    for k in np.ndindex(VALUES.shape):
        e = np.zeros_like(VALUES)
        e[k] = step
        fd = (update(BASE, VALUES + e) - update(BASE, VALUES - e)) / (2 * step)
        np.testing.assert_allclose(jv[(slice(None),) + k], fd, atol=1e-6)


def test_repeated_set_gives_its_derivative_to_the_last_write_only():
    jv = fg.jacobian(lambda v: fnp.at(np.zeros(3))[np.array([0, 0])].set(v))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(jv, [[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])


def test_repeats_agree_with_jax():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    for method in ["set", "add", "multiply", "min", "max"]:
        ours = getattr(fnp.at(BASE)[REPEATS], method)(VALUES)
        theirs = getattr(jnp.asarray(BASE).at[REPEATS], method)(VALUES)
        np.testing.assert_allclose(ours, np.asarray(theirs))
    for method in ["set", "min", "max"]:  # JAX differentiates these with repeats
        ours = fg.jacobian(lambda v: getattr(fnp.at(BASE)[REPEATS], method)(v))(VALUES)
        theirs = jax.jacobian(lambda v: getattr(jnp.asarray(BASE).at[REPEATS], method)(v))(
            jnp.asarray(VALUES))
        np.testing.assert_allclose(ours, np.asarray(theirs))
