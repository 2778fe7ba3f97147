"""torch.autograd.functional: jacobian, hessian, vjp, jvp of functions of tensors.

Each maps onto the core transform of the same name: the function's tensors are rebuilt around
funcgrad tracers, so the derivative comes from the registry's rules, not from the graph.
"""
from __future__ import annotations

import funcgrad as fg
from funcgrad.torch.func import _lift, _lower


def _call(func, inputs):
    single = not isinstance(inputs, tuple)
    args = (inputs,) if single else inputs
    return single, tuple(a._data for a in args)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    single, datas = _call(func, inputs)
    transform = fg.jacrev if strategy == "reverse-mode" else fg.jacfwd
    jac = transform(lambda *d: _lower(func(*_lift(d))), argnums=tuple(range(len(datas))))(*datas)
    jac = _lift(jac)
    if isinstance(jac, tuple) and single:
        return jac[0]
    return jac


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    single, datas = _call(func, inputs)
    hess = fg.hessian(lambda *d: _lower(func(*_lift(d))), argnums=tuple(range(len(datas))))(*datas)
    hess = _lift(hess)
    if single:
        return hess[0][0]
    return hess


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    single, datas = _call(func, inputs)
    out, pullback = fg.vjp(lambda *d: _lower(func(*_lift(d))), *datas)
    import numpy as np
    ct = np.ones_like(out) if v is None else _lower(v)
    grads = _lift(pullback(ct))
    return _lift(out), (grads[0] if single else grads)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    single, datas = _call(func, inputs)
    import numpy as np
    tangents = tuple(np.ones_like(d) for d in datas) if v is None else (
        (_lower(v),) if single else tuple(_lower(x) for x in v))
    out, tangent_out = fg.jvp(lambda *d: _lower(func(*_lift(d))), datas, tangents)
    return _lift(out), _lift(tangent_out)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v): the Hessian-vector product as the forward derivative of the gradient."""
    single, datas = _call(func, inputs)
    import numpy as np
    tangents = tuple(np.ones_like(d) for d in datas) if v is None else (
        (_lower(v),) if single else tuple(_lower(x) for x in v))
    argnums = tuple(range(len(datas)))
    gradient = fg.grad(lambda *d: _lower(func(*_lift(d))), argnums=argnums)
    _, product = fg.jvp(gradient, datas, tangents)
    out = _lift(_lower(func(*_lift(datas))))
    product = _lift(product)
    return out, (product[0] if single else product)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H); the Hessian of a scalar function is symmetric, so this is H v."""
    return hvp(func, inputs, v, create_graph, strict)
