"""Sparse Jacobians and Hessians: detect the pattern, colour it, replay compressed seeds, decompress.

1. The function is recorded once (`record`), as for every transform.
2. Its pattern comes from the sparsity interpreter (transforms/sparsity.py), unless given.
3. A colouring (coloring.py) groups structurally orthogonal columns (rows): one seed per colour.
4. One replay batched by vmap over the seeds (forward for columns, backward for rows; forward
   over the gradient's trace for Hessians) gives the compressed Jacobian, `n_colors` products.
5. Each non-zero is read from its place in the compressed products (one gather) into CSR.

Rows are the output leaves' elements, flattened (C order) and concatenated; columns the same for
the differentiated arguments. Every step is written with funcgrad's primitives, so `jit`, `vmap`
and other transforms trace through it.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from funcgrad.core.gcpause import paused_gc
from funcgrad.errors import where
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of
from funcgrad.primitives.indexing import getitem
from funcgrad.sparse.coloring import Coloring, coloring, symmetrized
from funcgrad.sparse.pattern import CSRPattern, pattern_result, sparse_result
from funcgrad.transforms._inputs import normalize_argnums, with_fixed_args
from funcgrad.transforms._dependency_rows import stack_rows
from funcgrad.transforms.forward import forward_pass
from funcgrad.transforms.reverse import backward_pass, grad, record
from funcgrad.transforms.sparsity import dependency_pattern
from funcgrad.transforms.vmap import vmap


class SparsityPatternError(ValueError):
    """A user-given sparsity pattern does not fit the function (shape) or misses a non-zero."""


def _name(fun):
    return getattr(fun, "__name__", type(fun).__name__)


def _record(fun, args, kwargs, argnums, has_aux, transform):
    nums, _ = normalize_argnums(argnums, len(args), transform)
    fixed = with_fixed_args(lambda *a: fun(*a, **kwargs), args, nums)
    return record(fixed, tuple(args[i] for i in nums), transform, has_aux)


def _size(x) -> int:
    return int(np.prod(np.shape(x), dtype=np.int64))


def _detect(trace, outs):
    per_output, n = dependency_pattern(trace)
    rows = stack_rows(per_output)
    return rows.indptr, rows.indices, (sum(_size(y) for y in outs), n)


def _check_real(transform, fun, ins, outs):
    for kind, leaves in (("input", ins), ("output", outs)):
        for i, leaf in enumerate(leaves):
            dtype = dtype_of(leaf)
            if not np.issubdtype(dtype, np.floating):
                what = "has no derivative" if kind == "output" else "cannot be differentiated"
                raise TypeError(
                    f"{transform}({_name(fun)}): {kind} leaf {i} has dtype {dtype}, which {what}"
                    f"{where()}. Sparse Jacobians need real floating-point {kind}s: compute the "
                    f"{kind} in floating point, or leave it out of the differentiated "
                    f"{'arguments (argnums)' if kind == 'input' else 'outputs (has_aux=True)'}.")


# -- the compressed replays -------------------------------------------------------------------

def _split(flat_seeds, leaves):
    """(p, total) seeds -> one (p,) + leaf.shape array per leaf, in the leaf's dtype."""
    out, start = [], 0
    for leaf in leaves:
        size = _size(leaf)
        part = flat_seeds[:, start:start + size]
        shape = (len(flat_seeds),) + tuple(np.shape(leaf))
        out.append(part.reshape(shape).astype(dtype_of(leaf), copy=False))
        start += size
    return out


def _flat(values, likes):
    """The values (None: zero) raveled and concatenated into one vector."""
    parts = [np.zeros(_size(like), dtype_of(like)) if v is None else
             _shape.reshape_p.bind(v, shape=(_size(like),)) for v, like in zip(values, likes)]
    return parts[0] if len(parts) == 1 else _shape.concatenate_p.bind(*parts, axis=0)


def compressed_forward(trace, ins, outs, seeds, chunk_size=None):
    """(p, m): row c is J @ seeds[c], by one forward replay batched over the p seeds."""
    def push(*tangents):
        return _flat(forward_pass(trace, list(tangents)), outs)
    return vmap(push, chunk_size=chunk_size)(*_split(seeds, ins))


def compressed_reverse(trace, ins, outs, seeds, chunk_size=None):
    """(p, n): row c is seeds[c] @ J, by one backward replay batched over the p seeds."""
    def pull(*cotangents):
        return _flat(backward_pass(trace, list(cotangents)), ins)
    return vmap(pull, chunk_size=chunk_size)(*_split(seeds, outs))


def _values(trace, ins, outs, colors: Coloring, chunk_size):
    """The non-zeros in CSR order."""
    if colors.nnz == 0:
        return np.zeros(0, np.result_type(*[dtype_of(y) for y in outs]))
    replay = compressed_reverse if colors.mode == "rev" else compressed_forward
    compressed = replay(trace, ins, outs, colors.seeds(), chunk_size)
    size = int(np.prod(np.shape(compressed), dtype=np.int64))
    return getitem(_shape.reshape_p.bind(compressed, shape=(size,)), colors.gather_index())


# -- checking a given pattern ----------------------------------------------------------------

def _check_against_products(transform, trace, ins, outs, colors, data):
    """Debug check: J v from the sparse result against a direct forward product, for a random v.
    A pattern that misses a non-zero gives a different product (with probability one)."""
    if not isinstance(data, np.ndarray):
        return  # traced (inside jit or vmap): the check runs on concrete calls only
    rng = np.random.default_rng(0)
    m, n = colors.shape
    v = rng.standard_normal(n)
    rows = colors.rows()
    sparse_product = np.zeros(m)
    np.add.at(sparse_product, rows, data * v[colors.indices])
    tangents = [t[0] for t in _split(v[None, :], ins)]
    direct = np.asarray(_flat(forward_pass(trace, tangents), outs))
    scale = np.abs(direct).max(initial=0.0) + np.abs(sparse_product).max(initial=0.0) + 1.0
    tolerance = np.sqrt(np.finfo(np.result_type(data.dtype, direct.dtype)).eps) * scale
    wrong = np.nonzero(np.abs(sparse_product - direct) > tolerance)[0]
    if len(wrong):
        raise SparsityPatternError(
            f"{transform}: the sparsity pattern misses non-zeros of the Jacobian: rows "
            f"{wrong[:10].tolist()}{' ...' if len(wrong) > 10 else ''} of J @ v differ from a "
            f"direct product ({len(wrong)} rows){where()}. Pass sparsity=None to detect the "
            "pattern, or fix the pattern (funcgrad.jacobian_sparsity gives a correct one).")


# -- the public functions -----------------------------------------------------------------------

def jacobian_sparsity(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                      local: bool = False) -> Callable:
    """The Jacobian's sparsity pattern, detected from the expression list (no derivative taken).

    Returns a function of fun's arguments giving a boolean `scipy.sparse.csr_array` of shape
    (output size, input size) -- outputs and differentiated arguments flattened and concatenated
    -- or, without SciPy, a `funcgrad.sparse.COOMatrix`. It never misses a non-zero; it may
    include entries that are zero at this point. `local=True` gives the pattern at this point
    only: the entries of the Jacobian that are exactly zero here (relu off, the branch `where`
    did not take) are dropped, at the cost of one sparse Jacobian evaluation. See docs/sparse.md.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> pattern = fg.jacobian_sparsity(lambda x: x[1:] * x[:-1])(np.ones(4))
    >>> pattern.toarray().astype(int)
    array([[1, 1, 0, 0],
           [0, 1, 1, 0],
           [0, 0, 1, 1]])
    """
    def sparsity_fun(*args, **kwargs):
        with paused_gc():
            trace, _, ins, _, outs, aux = _record(fun, args, kwargs, argnums, has_aux,
                                                  "jacobian_sparsity")
            pattern = _detect(trace, outs)
            if local:
                _check_real("jacobian_sparsity", fun, ins, outs)
                pattern = _nonzeros(trace, ins, outs, coloring(CSRPattern(*pattern)))
        return (pattern_result(*pattern), aux) if has_aux else pattern_result(*pattern)

    sparsity_fun.__name__ = f"jacobian_sparsity({_name(fun)})"
    return sparsity_fun


def _nonzeros(trace, ins, outs, colors):
    """The pattern of the entries that are non-zero at this point (the local pattern)."""
    data = np.asarray(_values(trace, ins, outs, colors, None))
    keep = data != 0
    rows = colors.rows()[keep]
    indptr = np.zeros(colors.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=colors.shape[0]), out=indptr[1:])
    return indptr, colors.indices[keep], colors.shape


def hessian_sparsity(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                     local: bool = False) -> Callable:
    """The Hessian's (symmetric) sparsity pattern of a scalar function: the Jacobian pattern of
    its gradient, detected from the gradient's expression list, made symmetric. `local=True`
    drops the entries that are exactly zero at this point (one sparse Hessian evaluation)."""
    def sparsity_fun(*args, **kwargs):
        with paused_gc():
            trace, outs, aux = _record_gradient(fun, args, kwargs, argnums, has_aux,
                                                "hessian_sparsity")
            indptr, indices, shape = _detect(trace, outs)
            pattern = (*symmetrized(indptr, indices, shape), shape)
            if local:
                _check_real("hessian_sparsity", fun, outs, outs)
                pattern = _nonzeros(trace, outs, outs,
                                    coloring(CSRPattern(*pattern), mode="star"))
        return (pattern_result(*pattern), aux) if has_aux else pattern_result(*pattern)

    sparsity_fun.__name__ = f"hessian_sparsity({_name(fun)})"
    return sparsity_fun


def _record_gradient(fun, args, kwargs, argnums, has_aux, transform):
    nums, _ = normalize_argnums(argnums, len(args), transform)
    fixed = with_fixed_args(lambda *a: fun(*a, **kwargs), args, nums)
    gradient = grad(fixed, argnums=tuple(range(len(nums))), has_aux=has_aux)
    trace, _, ins, _, outs, aux = record(gradient, tuple(args[i] for i in nums), transform, has_aux)
    return trace, outs, aux


class _ColoringCache:
    """The colouring of a user-given pattern, computed on the first call and then reused."""

    __slots__ = ("given", "mode", "colors")
    colors: Coloring | None

    def __init__(self, given, mode):
        self.given = given
        self.mode = mode
        self.colors = given if isinstance(given, Coloring) else None

    def get(self, shape, transform) -> Coloring:
        colors = self.colors
        if colors is None:
            colors = self.colors = coloring(self.given, self.mode)
        if colors.shape != shape:
            raise SparsityPatternError(
                f"{transform}: the sparsity pattern has shape {colors.shape} but the "
                f"Jacobian has shape {shape} (output size, input size){where()}. Outputs and "
                "differentiated arguments are flattened and concatenated in order.")
        return colors


class _LastColoring:
    """The colouring of the last detected pattern: detection runs on every call (the path through
    the function may change), but the colouring is redone only when the pattern changes."""

    __slots__ = ("mode", "colors")
    colors: Coloring | None

    def __init__(self, mode):
        self.mode = mode
        self.colors = None

    def get(self, indptr, indices, shape) -> Coloring:
        last = self.colors
        if (last is None or last.shape != shape or not np.array_equal(last.indptr, indptr)
                or not np.array_equal(last.indices, indices)):
            last = self.colors = coloring(CSRPattern(indptr, indices, shape), self.mode)
        return last


def _check_mode(mode, allowed, transform):
    if mode not in allowed:
        raise ValueError(f"{transform}: mode must be one of {allowed}, got {mode!r}")


def sparse_jacobian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                    mode: str = "auto", sparsity: Any = None, chunk_size: int | None = None,
                    check: bool = False) -> Callable:
    """The Jacobian as a sparse matrix, from a few compressed JVPs (or VJPs).

    Parameters
    ----------
    fun : the function; outputs and the arguments at `argnums` are flattened and concatenated,
        so the result has shape (total output size, total input size).
    mode : "fwd" (colour columns, forward replays), "rev" (colour rows, backward replays) or
        "auto" (whichever needs fewer colours).
    sparsity : None (detect the pattern on every call; the colouring is redone only when the
        pattern changes), a pattern (SciPy sparse, dense boolean,
        or the result of `jacobian_sparsity`), coloured once on the first call, or a
        `funcgrad.sparse.Coloring` (mode then comes from it).
    chunk_size : replay that many seeds at a time (bounds memory).
    check : also compare J @ v with a direct product for a random v, and raise
        `SparsityPatternError` if a given pattern misses a non-zero (a debugging aid).

    Returns
    -------
    A function of fun's arguments giving a `scipy.sparse.csr_array` (a
    `funcgrad.sparse.COOMatrix` without SciPy, or inside jit/vmap); with has_aux, (J, aux).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> J = fg.sparse_jacobian(lambda x: fnp.sin(x) * x[0])(np.zeros(3) + 1.0)
    >>> J.nnz
    5
    """
    _check_mode(mode, ("auto", "fwd", "rev"), "sparse_jacobian")
    if isinstance(sparsity, Coloring) and sparsity.mode == "star":
        raise ValueError("sparse_jacobian: a star colouring is for sparse_hessian; colour the "
                         "Jacobian's pattern with mode='fwd', 'rev' or 'auto'.")
    cache = None if sparsity is None else _ColoringCache(sparsity, mode)
    last = _LastColoring(mode)

    def jacobian_fun(*args, **kwargs):
        with paused_gc():
            trace, _, ins, _, outs, aux = _record(fun, args, kwargs, argnums, has_aux,
                                                  "sparse_jacobian")
            _check_real("sparse_jacobian", fun, ins, outs)
            shape = (sum(_size(y) for y in outs), sum(_size(x) for x in ins))
            if cache is None:
                colors = last.get(*_detect(trace, outs))
            else:
                colors = cache.get(shape, "sparse_jacobian")
            data = _values(trace, ins, outs, colors, chunk_size)
            if check:
                _check_against_products("sparse_jacobian", trace, ins, outs, colors, data)
        result = sparse_result(data, colors.indptr, colors.indices, colors.shape)
        return (result, aux) if has_aux else result

    jacobian_fun.__name__ = f"sparse_jacobian({_name(fun)})"
    return jacobian_fun


def sparse_hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   sparsity: Any = None, chunk_size: int | None = None,
                   check: bool = False) -> Callable:
    """The Hessian of a scalar function as a sparse symmetric matrix, by a star colouring: a few
    forward-mode products over the gradient's trace (forward over reverse), then decompressed.

    `sparsity` is None (detect, see `hessian_sparsity`), a pattern (coloured once) or a star
    `Coloring`. Other parameters as `sparse_jacobian`.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> H = fg.sparse_hessian(lambda x: fnp.sum(x[1:] * x[:-1] ** 2))(np.ones(5))
    >>> H.toarray()[:2]
    array([[2., 2., 0., 0., 0.],
           [2., 2., 2., 0., 0.]])
    """
    if isinstance(sparsity, Coloring) and sparsity.mode != "star":
        raise ValueError("sparse_hessian: the colouring must be a star colouring "
                         "(funcgrad.sparse.coloring(pattern, mode='star')).")
    cache = None if sparsity is None else _ColoringCache(sparsity, "star")
    last = _LastColoring("star")

    def hessian_fun(*args, **kwargs):
        with paused_gc():
            trace, outs, aux = _record_gradient(fun, args, kwargs, argnums, has_aux,
                                                "sparse_hessian")
            ins = outs  # the gradient has the inputs' shapes and dtypes
            _check_real("sparse_hessian", fun, ins, outs)
            n = sum(_size(x) for x in ins)
            if cache is None:
                indptr, indices, shape = _detect(trace, outs)
                colors = last.get(*symmetrized(indptr, indices, shape), shape)
            else:
                colors = cache.get((n, n), "sparse_hessian")
            data = _values(trace, ins, outs, colors, chunk_size)
            if check:
                _check_against_products("sparse_hessian", trace, ins, outs, colors, data)
        result = sparse_result(data, colors.indptr, colors.indices, colors.shape)
        return (result, aux) if has_aux else result

    hessian_fun.__name__ = f"sparse_hessian({_name(fun)})"
    return hessian_fun
