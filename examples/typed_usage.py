"""A typed user program: `pyright examples/typed_usage.py` checks it with funcgrad's annotations
(tests/test_typing.py runs pyright on it and on the README's tour when pyright is installed)."""
from __future__ import annotations

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp


def loss(w: fg.Array, x: fg.Array, y: fg.Array) -> fg.Array:
    return fnp.mean((fnp.tanh(x @ w) - y) ** 2)


def main() -> None:
    rng = np.random.default_rng(0)
    w, x, y = rng.standard_normal(3), rng.standard_normal((16, 3)), rng.standard_normal(16)
    g = fg.grad(loss)(w, x, y)                      # a function with loss's parameters
    value, (gw, gx) = fg.value_and_grad(loss, argnums=(0, 1))(w, x, y)
    out, pullback = fg.vjp(fnp.sin, w)
    (ct,) = pullback(np.ones(3))
    primal, tangent = fg.jvp(fnp.sin, (w,), (np.ones(3),))
    fast = fg.jit(loss)                             # keeps loss's signature
    print(fast(w, x, y), fast.lower(w, x, y).source[:40], g, value, gw.shape, gx.shape, ct,
          primal, tangent, out)
    per_example = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))(w, x, y)
    print(per_example.shape, fg.hessian(lambda v: fnp.sum(v ** 3))(w).shape)


if __name__ == "__main__":
    main()
