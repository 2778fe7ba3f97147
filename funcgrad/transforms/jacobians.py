"""Full Jacobians and Hessians: the function is recorded once, then its expression list is replayed
once, batched by vmap over a basis of one-hot cotangents (jacrev) or tangents (jacfwd). The basis is
never written out as an identity matrix unless a rule needs it: see diagonal.py.

`chunk_size` replays that many basis vectors at a time, bounding memory for large Jacobians.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from funcgrad.backends.arrays import numpy_for
from funcgrad.core.gcpause import paused_gc
from funcgrad._typing import ArgNums, P
from funcgrad.errors import where
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of
from funcgrad.transforms._inputs import normalize_argnums, with_fixed_args
from funcgrad.transforms.diagonal import IdentityBasis
from funcgrad.transforms.forward import forward_pass
from funcgrad.transforms.reverse import backward_pass, record
from funcgrad.transforms.vmap import vmap
from funcgrad.tree_util import tree_unflatten


def _dtype(x):
    dtype = dtype_of(x)
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def _identity_basis(x):
    """The one-hot basis for leaf x, (x.size,) + x.shape, kept symbolic (see diagonal.py)."""
    return IdentityBasis(np.shape(x), _dtype(x))


def _zeros_for_missing(results, likes):
    """Replace the None (zero) entries a replay returns with zeros of the right shape."""
    return [numpy_for(like).zeros(np.shape(like), _dtype(like)) if r is None else r
            for r, like in zip(results, likes)]


def _block(batched, out, x):
    """d out / d x from the vmapped replay: shape out.shape + x.shape, never an alias of a user's
    array (a linear function's Jacobian can be its matrix itself, passed read-only)."""
    shape = tuple(np.shape(out)) + tuple(np.shape(x))
    if not np.issubdtype(dtype_of(out), np.inexact):  # an integer output: zeros of its dtype (JAX)
        return numpy_for(out).zeros(shape, dtype_of(out))
    block = _shape.reshape(batched, shape)
    if isinstance(block, np.ndarray) and not block.flags.writeable:
        block = block.copy()
    return block


def _reverse_blocks(trace, ins, outs, chunk_size):
    """blocks[o][i]: d out_o / d in_i, shape out_o.shape + in_i.shape, by batched backward passes."""
    blocks = []
    for o, out in enumerate(outs):
        def pull(seed, o=o):
            cotangents = [None] * len(outs)
            cotangents[o] = seed
            return _zeros_for_missing(backward_pass(trace, cotangents), ins)
        rows = vmap(pull, chunk_size=chunk_size)(_identity_basis(out))
        blocks.append([_block(r, out, x) for r, x in zip(rows, ins)])
    return blocks


def _forward_blocks(trace, ins, outs, chunk_size):
    """The same blocks, by batched forward passes, one per input leaf."""
    blocks: list[list[Any]] = [[None] * len(ins) for _ in outs]
    for i, x in enumerate(ins):
        def push(seed, i=i):
            tangents: list[Any] = [None] * len(ins)
            tangents[i] = seed
            return _zeros_for_missing(forward_pass(trace, tangents), outs)
        # the batch axis goes last: out.shape + (x.size,)
        cols = vmap(push, out_axes=-1, chunk_size=chunk_size)(_identity_basis(x))
        for o, (c, out) in enumerate(zip(cols, outs)):
            blocks[o][i] = _block(c, out, x)
    return blocks


def _check_dtypes(mode, ins, outs, holomorphic):
    """JAX's rules. holomorphic=True: complex inputs and outputs. Otherwise jacfwd needs real
    inputs (a non-holomorphic map of complex numbers has no complex Jacobian to push forward),
    and jacrev real floating outputs (its rows are the gradients of real numbers; with complex
    inputs they are the complex gradients grad gives)."""
    def is_complex(x):
        return np.issubdtype(dtype_of(x), np.complexfloating)

    if holomorphic:
        if not all(is_complex(x) for x in ins) or not all(is_complex(y) for y in outs):
            raise TypeError(f"{mode}(..., holomorphic=True) requires complex inputs and outputs"
                            f"{where()}; cast the inputs with x.astype(complex).")
        return
    if mode == "jacfwd" and any(is_complex(x) for x in ins):
        raise TypeError(
            f"jacfwd of a function of complex inputs{where()}: pass holomorphic=True if the "
            "function is holomorphic; otherwise use jacrev (whose rows are gradients) or jvp, "
            "or split the input into real and imaginary parts.")
    if mode == "jacrev":
        for y in outs:
            dtype = dtype_of(y)
            if is_complex(y):
                raise TypeError(
                    f"jacrev of a function with complex outputs{where()}: pass holomorphic=True "
                    "if it is holomorphic; otherwise use jacfwd (for real inputs) or vjp, or "
                    "differentiate the real and imaginary parts separately.")
            if not np.issubdtype(dtype, np.floating):
                raise TypeError(
                    f"jacrev requires real floating-point outputs, but an output has dtype {dtype}"
                    f"{where()}: its Jacobian is zero. Compute the output in floating point, or "
                    "use vjp directly.")


def _jacobian(fun, argnums, has_aux, mode, chunk_size, holomorphic=False):
    def jacobian_fun(*args, **kwargs):
        nums, single = normalize_argnums(argnums, len(args), mode)
        fixed = with_fixed_args(lambda *a: fun(*a, **kwargs), args, nums)
        with paused_gc():
            # jacrev's trace only feeds reverse rules: it keeps only the values they read
            trace, in_tree, ins, out_tree, outs, aux = record(
                fixed, tuple(args[i] for i in nums), mode, has_aux, frees=mode == "jacrev")
            _check_dtypes(mode, ins, outs, holomorphic)
            make_blocks = _reverse_blocks if mode == "jacrev" else _forward_blocks
            blocks = make_blocks(trace, ins, outs, chunk_size)
        per_output = []
        for o in range(len(outs)):
            tree = tree_unflatten(in_tree, blocks[o])
            per_output.append(tree[0] if single else tree)
        jac = tree_unflatten(out_tree, per_output)
        return (jac, aux) if has_aux else jac

    jacobian_fun.__name__ = f"{mode}({getattr(fun, '__name__', 'function')})"
    return jacobian_fun


def jacrev(fun: Callable[P, Any], argnums: ArgNums = 0, has_aux: bool = False,
           chunk_size: int | None = None, holomorphic: bool = False) -> Callable[P, Any]:
    """The Jacobian by reverse mode: one batched backward replay over the output's basis.

    Its shape is output.shape + input.shape, nested as output tree of input trees.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return _jacobian(fun, argnums, has_aux, "jacrev", chunk_size, holomorphic)


def jacfwd(fun: Callable[P, Any], argnums: ArgNums = 0, has_aux: bool = False,
           chunk_size: int | None = None, holomorphic: bool = False) -> Callable[P, Any]:
    """The Jacobian by forward mode: one batched forward replay over the input's basis."""
    return _jacobian(fun, argnums, has_aux, "jacfwd", chunk_size, holomorphic)


jacobian = jacrev


def hessian(fun: Callable[P, Any], argnums: ArgNums = 0, has_aux: bool = False,
            chunk_size: int | None = None, holomorphic: bool = False) -> Callable[P, Any]:
    """The Hessian, as forward-over-reverse: jacfwd(jacrev(fun))."""
    return jacfwd(jacrev(fun, argnums, has_aux, chunk_size, holomorphic), argnums, has_aux,
                  chunk_size, holomorphic)
