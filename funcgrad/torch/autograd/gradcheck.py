"""gradcheck and gradgradcheck: the graph's gradients against central finite differences."""
from __future__ import annotations

import warnings

import numpy as np

from funcgrad.torch import grad_mode
from funcgrad.torch.tensor import Tensor


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _outputs(func, inputs):
    with grad_mode.enable_grad():
        return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _numerical(func, inputs, k, eps):
    """d outputs / d inputs[k] by central differences: one column per element of the input."""
    x = inputs[k]
    flat = x._data.reshape(-1)
    columns = []
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        with grad_mode.no_grad():
            plus = [np.array(o._data, dtype=np.float64).reshape(-1) for o in _outputs(func, inputs)]
        flat[i] = saved - eps
        with grad_mode.no_grad():
            minus = [np.array(o._data, dtype=np.float64).reshape(-1) for o in _outputs(func, inputs)]
        flat[i] = saved
        columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    return [np.stack([c[j] for c in columns], axis=1) if columns else None
            for j in range(len(columns[0]) if columns else 0)]


def _analytical(func, inputs, k):
    """d outputs / d inputs[k] from the graph: one backward per output element."""
    from funcgrad.torch.autograd import grad
    outputs = _outputs(func, inputs)
    jacobians = []
    for out in outputs:
        rows = []
        for i in range(out.numel()):
            seed = np.zeros(out.numel(), out._data.dtype)
            seed[i] = 1
            if not out.requires_grad:
                rows.append(np.zeros(inputs[k].numel()))
                continue
            g, = grad(out, inputs[k], Tensor._make(seed.reshape(out._data.shape)),
                      retain_graph=True, allow_unused=True)
            rows.append(np.zeros(inputs[k].numel()) if g is None else
                        np.asarray(g._data, np.float64).reshape(-1))
        jacobians.append(np.stack(rows) if rows else np.zeros((0, inputs[k].numel())))
    return jacobians


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    inputs = _as_tuple(inputs)
    for k, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype.name != "float64":
            warnings.warn(f"Input #{k} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", UserWarning,
                          stacklevel=2)
    for k, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        numerical = _numerical(func, inputs, k, eps)
        analytical = _analytical(func, inputs, k)
        for j, (a, n) in enumerate(zip(analytical, numerical)):
            if not np.allclose(a, n, rtol, atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {k},\n"
                    f"numerical:{Tensor._make(n)}\nanalytical:{Tensor._make(a)}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs):
    """gradcheck of the function inputs -> gradients of func's outputs (with grad_outputs)."""
    from funcgrad.torch.autograd import grad
    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._make(rng.standard_normal(o.shape).astype(o._data.dtype))
                             for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)

    def gradients(*args):
        outs = _outputs(func, args[:len(inputs)])
        wanted = [x for x in args[:len(inputs)] if isinstance(x, Tensor) and x.requires_grad]
        return grad(outs, wanted, list(args[len(inputs):]), create_graph=True, allow_unused=True)
    seeds = tuple(g.detach().requires_grad_(True) if g.is_floating_point() else g
                  for g in grad_outputs)
    return gradcheck(gradients, inputs + seeds, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
