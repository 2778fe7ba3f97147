"""Numerical derivative checks shared by the linalg, fft, complex and special tests.

`check_scalar(f, x)`: for a real scalar function f of one array, compares
- grad (reverse) with central differences,
- jvp (forward) along a random direction with grad . direction,
- second order: grad of grad . v (reverse over reverse) and jvp of grad (forward over reverse)
  with central differences of the gradient.
Complex x is perturbed in its real and imaginary parts; the gradient follows the convention
d f = re(grad * dz) (docs/conventions_complex.md).
"""
import numpy as np

import funcgrad as fg


def _perturb(f, x, direction, eps):
    return (f(x + eps * direction) - f(x - eps * direction)) / (2 * eps)


def _basis(x):
    real = [(i, 1.0) for i in np.ndindex(np.shape(x))]
    imag = [(i, 1j) for i in np.ndindex(np.shape(x))] if np.iscomplexobj(x) else []
    return real + imag


def numeric_grad(f, x, eps=1e-6):
    g = np.zeros(np.shape(x), dtype=np.result_type(x, float))
    for i, unit in _basis(x):
        e = np.zeros(np.shape(x), dtype=g.dtype)
        e[i] = unit
        d = _perturb(lambda z: np.asarray(f(z)), x, e, eps)
        g[i] += d if unit == 1.0 else 1j * d
    if np.iscomplexobj(x):
        # d f = df/dx dx + df/dy dy = re(G dz) with G = df/dx - i df/dy
        g = np.real(g) - 1j * np.imag(g)
    return g


def random_like(x, rng):
    t = rng.standard_normal(np.shape(x))
    if np.iscomplexobj(x):
        t = t + 1j * rng.standard_normal(np.shape(x))
    return t


def check_scalar(f, x, *, rtol=1e-5, atol=1e-6, second_order=True, seed=0):
    rng = np.random.default_rng(seed)
    x = np.asarray(x)
    g = np.asarray(fg.grad(f)(x))
    np.testing.assert_allclose(g, numeric_grad(f, x), rtol=rtol, atol=atol, err_msg="grad vs numeric")
    t = random_like(x, rng)
    _, jt = fg.jvp(f, (x,), (t,))
    np.testing.assert_allclose(jt, np.real(np.sum(g * t)), rtol=rtol, atol=atol,
                               err_msg="jvp vs grad")
    if not second_order:
        return g
    v = random_like(x, rng)
    fd = _perturb(lambda z: np.asarray(fg.grad(f)(z)), x, v, 1e-5)
    rev = np.asarray(fg.grad(lambda z: fg.numpy.real(fg.numpy.sum(fg.grad(f)(z) * v))
                             if np.iscomplexobj(x) else fg.numpy.sum(fg.grad(f)(z) * v))(x))
    _, fwd = fg.jvp(fg.grad(f), (x,), (v,))
    if np.iscomplexobj(x):
        # grad of re(<grad f, v>) is H v in the convention's pairing; compare through directions
        w = random_like(x, rng)
        lhs = np.real(np.sum(rev * w))
        rhs = np.real(np.sum(_perturb(lambda z: np.asarray(fg.grad(f)(z)), x, w, 1e-5) * v))
        np.testing.assert_allclose(lhs, rhs, rtol=1e-4, atol=1e-5, err_msg="reverse over reverse")
    else:
        np.testing.assert_allclose(rev, fd, rtol=1e-4, atol=1e-5, err_msg="reverse over reverse")
    np.testing.assert_allclose(fwd, fd, rtol=1e-4, atol=1e-5, err_msg="forward over reverse")
    return g
