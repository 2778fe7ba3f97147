"""Checking derivatives against central finite differences: `check_grads` and its helpers.

`check_grads(f, args)` compares forward mode (jvp) and reverse mode (vjp) with finite differences
in float64, input by input, along random directions. For higher orders it checks the derivative
functions themselves the same way: the jvp along a fixed random tangent and the vjp of a fixed
random cotangent are functions of the inputs too, so `order=2` checks forward-over-forward,
reverse-over-forward, forward-over-reverse and reverse-over-reverse.

>>> import numpy as np, funcgrad.numpy as fnp
>>> from funcgrad.testing import check_grads
>>> check_grads(lambda x: fnp.sum(fnp.tanh(x) ** 2), (np.array([0.1, -0.5, 2.0]),))
"""
from __future__ import annotations

import numpy as np

from funcgrad.errors import describe
from funcgrad.transforms import jvp, vjp
from funcgrad.transforms._inputs import with_fixed_args
from funcgrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["check_grads", "numerical_jvp", "numerical_gradient"]


def _is_float(x) -> bool:
    return np.issubdtype(np.asarray(x).dtype, np.inexact)


def _to_float64(x):
    """Float inputs become float64 arrays (complex128 for complex); others are left alone."""
    array = np.asarray(x)
    if np.issubdtype(array.dtype, np.complexfloating):
        return array.astype(np.complex128)
    if np.issubdtype(array.dtype, np.floating):
        return array.astype(np.float64)
    return x


def _float_leaves(tree):
    """The leaves of an output pytree that have derivatives, as float64 arrays."""
    leaves, _ = tree_flatten(tree)
    return [np.asarray(leaf, dtype=np.result_type(leaf, np.float64)) for leaf in leaves
            if _is_float(leaf)]


def numerical_jvp(f, args, tangents, eps=1e-6):
    """(f(args + eps t) - f(args - eps t)) / (2 eps) for each float output leaf, as a list.

    `tangents` has one entry per argument (None: that argument is held fixed)."""
    plus = [a if t is None else a + eps * t for a, t in zip(args, tangents)]
    minus = [a if t is None else a - eps * t for a, t in zip(args, tangents)]
    return [(p - m) / (2 * eps) for p, m in zip(_float_leaves(f(*plus)), _float_leaves(f(*minus)))]


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of a scalar function of one array by central differences, element by element."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[k] = eps
        out[k] = (float(np.real(f(x + step))) - float(np.real(f(x - step)))) / (2 * eps)
    return out


def check_grads(f, args, order=2, modes=("fwd", "rev"), eps=1e-6, rtol=1e-5, atol=1e-5, seed=0):
    """Check the derivatives of `f` at `args` against central finite differences, up to `order`.

    Every floating-point argument is differentiated (converted to float64 first); integer and
    boolean arguments are held fixed. Raises AssertionError naming the argument, the mode and
    order, the largest difference and where it is. `rtol`/`atol` apply elementwise.
    """
    modes = tuple(modes)
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise ValueError(f"check_grads: modes must be 'fwd' and/or 'rev', not {sorted(unknown)}")
    args = tuple(_to_float64(a) for a in args)
    rng = np.random.default_rng(seed)
    _check(f, args, order, modes, eps, rtol, atol, rng, getattr(f, "__name__", "f"), 1)


def _random_like(x, rng):
    x = np.asarray(x)
    out = rng.standard_normal(x.shape)
    if np.issubdtype(x.dtype, np.complexfloating):
        out = out + 1j * rng.standard_normal(x.shape)
    return out


def _check(f, args, order, modes, eps, rtol, atol, rng, name, level):
    diff = [i for i, a in enumerate(args) if _is_float(a)]
    if not diff or order < 1:
        return

    on_diff = with_fixed_args(f, args, diff)

    primals = tuple(args[i] for i in diff)
    out = on_diff(*primals)
    out_leaves, out_tree = tree_flatten(out)
    for k, i in enumerate(diff):
        u = _random_like(args[i], rng)
        tangents = [None] * len(args)
        tangents[i] = u
        numeric = numerical_jvp(f, args, tangents, eps)
        label = f"argument {i} ({describe(args[i])}) of {name} (derivative order {level})"
        if "fwd" in modes:
            tangent_in = tuple(u if j == k else np.zeros_like(p) for j, p in enumerate(primals))
            _, out_t = jvp(on_diff, primals, tangent_in)
            _compare(_float_leaves(out_t), numeric, "forward mode (jvp)", label, rtol, atol)
        if "rev" in modes:
            cotangent = tree_unflatten(out_tree, [_random_like(o, rng) if _is_float(o) else
                                                  np.zeros(np.shape(o)) for o in out_leaves])
            _, pullback = vjp(on_diff, *primals)
            ct = np.asarray(pullback(cotangent)[k])
            v_leaves = [c for c, o in zip(tree_flatten(cotangent)[0], out_leaves) if _is_float(o)]
            by_vjp = float(np.real(np.sum(ct * u)))  # pairing re(sum(ct * t)): docs/conventions_complex.md
            by_fd = float(sum(np.real(np.sum(v * n)) for v, n in zip(v_leaves, numeric)))
            if not abs(by_vjp - by_fd) <= atol + rtol * abs(by_fd):
                _fail_reverse(f, args, i, v_leaves, out_tree, ct, by_vjp, by_fd, label, eps)
    if order == 1:
        return
    if "fwd" in modes:
        tangent_in = tuple(_random_like(p, rng) for p in primals)

        def forward_derivative(*diff_args):
            return jvp(on_diff, diff_args, tangent_in)[1]
        forward_derivative.__name__ = f"jvp({name})"
        _check(forward_derivative, primals, order - 1, modes, eps, rtol, atol, rng,
               forward_derivative.__name__, level + 1)
    if "rev" in modes:
        cotangent = tree_unflatten(out_tree, [_random_like(o, rng) for o in out_leaves])

        def reverse_derivative(*diff_args):
            return vjp(on_diff, *diff_args)[1](cotangent)
        reverse_derivative.__name__ = f"vjp({name})"
        _check(reverse_derivative, primals, order - 1, modes, eps, rtol, atol, rng,
               reverse_derivative.__name__, level + 1)


def _compare(got, expected, mode, label, rtol, atol):
    for n, (g, e) in enumerate(zip(got, expected)):
        g, e = np.broadcast_to(np.asarray(g), np.shape(e)), np.asarray(e)
        bad = ~(np.abs(g - e) <= atol + rtol * np.abs(e))
        if bad.any():
            error = np.where(bad, np.abs(g - e), 0)
            where = _worst_index(error)
            raise AssertionError(
                f"check_grads: {mode} disagrees with finite differences for {label}: "
                f"output leaf {n}, largest difference {np.abs(g - e)[where]:.3g} at index {where}: "
                f"{mode.split()[0]} gives {g[where]!r}, finite differences give {e[where]!r} "
                f"(rtol={rtol}, atol={atol}).")


def _worst_index(error):
    """Index of the largest entry of `error`, a NaN counting as the largest."""
    if not np.ndim(error):
        return ()
    flat = int(np.argmax(np.where(np.isnan(error), np.inf, error)))
    return tuple(int(w) for w in np.unravel_index(flat, np.shape(error)))


def _fail_reverse(f, args, i, v_leaves, out_tree, ct, by_vjp, by_fd, label, eps):
    """Locate the worst element of a reverse-mode mismatch with a full numerical gradient."""
    def projected(x):
        full = list(args)
        full[i] = x
        return sum(np.real(np.sum(v * o)) for v, o in zip(v_leaves, _float_leaves(f(*full))))
    numeric = numerical_gradient(projected, np.real(args[i]), eps)
    ct_real = np.real(np.broadcast_to(ct, numeric.shape))
    error = np.abs(ct_real - numeric)
    where = _worst_index(error)
    raise AssertionError(
        f"check_grads: reverse mode (vjp) disagrees with finite differences for {label}: "
        f"<vjp(v), u> = {by_vjp!r} but <v, finite-difference J u> = {by_fd!r}; the largest "
        f"difference of the gradient of <v, f> is {error[where]:.3g} at index {where}: vjp gives "
        f"{ct_real[where]!r}, finite differences give {numeric[where]!r}.")
