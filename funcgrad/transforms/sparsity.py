"""Sparsity detection: one more interpreter of the expression list.

`dependency_pattern(trace)` walks the equations first to last and propagates, for every element of
every value, the set of input elements it depends on (a `DependencyRows`, one CSR row per element).
The rows of the trace's outputs are the Jacobian's sparsity pattern.

Rules are per family, written once with index arrays:
- elementwise (and special functions): the union of the aligned elements, with broadcasting;
- reductions: the union along the reduced axes; cumulative sums: along the axis, up to each place;
- shape and indexing (reshape, transpose, flip, broadcast_to, getitem, concatenate, gathers with
  constant indices): the primitive's own implementation applied to an array of element positions
  says where every output element comes from, so the rule is exact for all of them at once;
- scatters (index_add, add_along_axis): the union of what lands on each element;
- conv2d and pools: each output element sees its window; the convolution's gradients link the
  three positions of each of its multiplies;
- matmul, einsum and linear: each operand reduced over the contracted letters, broadcast to the output
  (with a constant matrix, only its non-zero entries connect an output to an input);
- FFTs: every element of the transformed axes (the other axes stay apart);
- linear algebra: dense within each matrix of a stack (the last two axes);
- anything without a rule: every output element depends on every input element (correct and conservative; a primitive without a rule says so once, by a warning).

The pattern is *global* over every input that takes the same path through the function: a
value-dependent choice (`where` on a traced condition, max, sort, gathers at traced indices) keeps
both sides. What the trace itself fixed by concrete evaluation (Python `if` on a value, an index
computed from a value) is specific to that path, as for `jit`. Multiplying by a constant zero and
`where` with a constant condition give exact zeros, dropped because they hold for every input.
"""
from __future__ import annotations

import warnings

import numpy as np

from funcgrad.core.ir import Trace, Var
from funcgrad.core.tracer import Tracer
from funcgrad.primitives.indexing import along_axis_index
from funcgrad.primitives.reductions import reduced_shape
from funcgrad.transforms import _dependency_rows as rows_
from funcgrad.transforms._dependency_rows import DependencyRows


class SparsityWarning(UserWarning):
    """Sparsity detection met a primitive without a rule and assumed every output depends on
    every input (the pattern is correct but denser than it could be)."""


def dependency_pattern(trace: Trace):
    """One `DependencyRows` per output of the trace (rows: its elements; columns: the inputs'
    elements, flattened and concatenated in order). An output that is a constant gets empty rows."""
    patterns: list[DependencyRows | None] = [None] * trace.num_vars
    offset = 0
    for var in trace.inputs:
        size = int(np.size(var.value)) if not isinstance(var.value, Tracer) else _size(var)
        patterns[var.index] = rows_.identity(size, offset)
        offset += size
    for eq in trace.equations:
        in_patterns = _differentiable_inputs(eq, patterns)
        if all(p is None for p in in_patterns):
            continue
        out = _rule_for(eq.primitive)(eq, in_patterns)
        for var, p in zip(eq.outputs, out):
            patterns[var.index] = p
    result = []
    for var in trace.outputs:
        p = patterns[var.index] if type(var) is Var else None
        result.append(rows_.empty(int(np.prod(np.shape(var), dtype=np.int64)))
                      if p is None else p)
    return result, offset


def _size(var) -> int:
    return int(np.prod(var.shape, dtype=np.int64))


def _differentiable_inputs(eq, patterns):
    """The pattern of each input, None for constants and inputs without a derivative rule."""
    primitive = eq.primitive
    vjp, jvp = primitive.vjp, primitive.jvp
    if vjp is None and jvp is None:
        return [None] * len(eq.inputs)
    out = []
    for i, x in enumerate(eq.inputs):
        p = patterns[x.index] if type(x) is Var else None
        if p is not None and (vjp is None or vjp[i] is None) and (jvp is None or jvp[i] is None):
            p = None
        out.append(p)
    return out


# -- helpers --------------------------------------------------------------------------------

def positions(shape):
    """Each element's flat position, as an array of `shape`."""
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)


def _shape(x):
    return tuple(np.shape(x.value if type(x) is Var else x))


def _out_shapes(eq):
    return [tuple(np.shape(v.value)) for v in eq.outputs]


def _concrete(x):
    """The value of an input fixed for every input of the function (a constant), else None."""
    if type(x) is Var or isinstance(x, Tracer):
        return None
    try:
        return np.asarray(x)
    except Exception:  # noqa: BLE001 - an exotic constant: treated as unknown
        return None


def _broadcast_gather(pattern, in_shape, out_shape):
    if tuple(in_shape) == tuple(out_shape):
        return pattern
    return rows_.gather(pattern, np.broadcast_to(positions(in_shape), out_shape))


# -- the rules ------------------------------------------------------------------------------

def elementwise(eq, pats):
    (out_shape,) = _out_shapes(eq)
    masks = _exact_zero_masks(eq)
    parts = []
    for i, (x, p) in enumerate(zip(eq.inputs, pats)):
        if p is None:
            continue
        part = _broadcast_gather(p, _shape(x), out_shape)
        mask = masks.get(i) if masks else None
        if mask is not None:
            part = rows_.keep_rows(part, np.broadcast_to(mask, out_shape))
        parts.append(part)
    return [rows_.union(parts)]


def _exact_zero_masks(eq):
    """Where a constant makes the derivative with respect to an input exactly zero, for all x:
    a constant factor of 0, or the branch `where` does not take under a constant condition."""
    name = eq.primitive.name
    if name == "multiply":
        a, b = (_concrete(x) for x in eq.inputs)
        return {0: None if b is None else b != 0, 1: None if a is None else a != 0}
    if name == "where":
        cond = _concrete(eq.inputs[0])
        if cond is not None:
            cond = cond.astype(bool)
            return {1: cond, 2: ~cond}
    return None


def reduction(eq, pats):
    (x,), (p,) = eq.inputs[:1], pats[:1]
    shape = _shape(x)
    axis = eq.params.get("axis")
    if axis is not None:
        axis = (axis,) if isinstance(axis, (int, np.integer)) else axis
        axis = tuple(int(a) % max(len(shape), 1) for a in axis)
    kept = reduced_shape(shape, axis, True)
    target = np.broadcast_to(positions(kept), shape)
    (out_shape,) = _out_shapes(eq)
    return [rows_.combine(p, target, positions(shape), int(np.prod(out_shape, dtype=np.int64)))]


def cumulative(eq, pats):
    """out[..., i, ...] depends on x[..., j, ...] for j <= i along the axis."""
    x, p = eq.inputs[0], pats[0]
    shape = _shape(x)
    axis = eq.params["axis"]
    moved = np.moveaxis(positions(shape), axis, -1)       # (..., L)
    length = shape[axis]
    i, j = np.tril_indices(length)
    return [rows_.combine(p, moved[..., i], moved[..., j], int(np.prod(shape, dtype=np.int64)))]


def moves_elements(eq, pats):
    """Reshape, transpose, flip, broadcast_to, getitem, concatenate, take_along_axis with constant
    indices: run the primitive on element positions to see where each output element comes from."""
    arrays, offset, stacked = [], 0, []
    for x, p in zip(eq.inputs, pats):
        shape = _shape(x)
        size = int(np.prod(shape, dtype=np.int64))
        arrays.append(positions(shape) + offset)
        stacked.append(p if p is not None else rows_.empty(size))
        offset += size
    if eq.primitive.name == "take_along_axis":
        indices = _concrete(eq.inputs[1])
        if indices is None:  # indices computed from x: any element along the axis may be taken
            return along_axis(eq, pats)
        src = eq.primitive.impl(arrays[0], indices, **eq.params)
        return [rows_.gather(pats[0], src)]
    src = eq.primitive.impl(*arrays, **eq.params)
    joint = stacked[0] if len(stacked) == 1 else rows_.stack_rows(stacked)
    return [rows_.gather(joint, np.asarray(src))]


def along_axis(eq, pats):
    """Each output element depends on every element of its line along `axis` (sort, softmax,
    gathers and scatters at indices computed from x; rfft, irfft; fft over its `axes`)."""
    x, p = eq.inputs[0], pats[0]
    shape = _shape(x)
    axes = eq.params["axes"] if "axes" in eq.params else (eq.params["axis"],)
    if axes is None or not shape:
        return dense_rule(eq, pats)
    axes = {int(a) % len(shape) for a in axes}
    line = tuple(1 if k in axes else n for k, n in enumerate(shape))
    lines = rows_.combine(p, np.broadcast_to(positions(line), shape), positions(shape),
                          int(np.prod(line, dtype=np.int64)))
    (out_shape,) = _out_shapes(eq)
    try:
        src = np.broadcast_to(positions(line), out_shape)
    except ValueError:
        return dense_rule(eq, pats)
    return [rows_.gather(lines, src)]


def index_add(eq, pats):
    x, updates = eq.inputs[:2]
    px, pu = pats[:2]
    index = eq.params["index"]
    shape = _shape(x)
    selected = positions(shape)[index]
    parts = [px]
    if pu is not None:
        src = np.broadcast_to(positions(_shape(updates)), np.shape(selected))
        parts.append(rows_.combine(pu, selected, src, int(np.prod(shape, dtype=np.int64))))
    if px is None:
        return [parts[1]]
    return [rows_.union(parts)]


def add_along_axis(eq, pats):
    updates, indices = eq.inputs[:2]
    indices = _concrete(indices)
    shape = tuple(eq.params["shape"])
    axis = eq.params["axis"]
    if indices is None:
        return along_axis(eq, pats)
    target = positions(shape)[along_axis_index(indices, axis, shape)]
    src = np.broadcast_to(positions(_shape(updates)), np.shape(target))
    return [rows_.combine(pats[0], target, src, int(np.prod(shape, dtype=np.int64)))]


def _as_matrix(shape, row: bool) -> tuple[int, ...]:
    """A vector's shape as a matrix's (a row for matmul's left operand), as matmul does."""
    if len(shape) > 1:
        return tuple(shape)
    return (1,) + tuple(shape) if row else tuple(shape) + (1,)


def matmul(eq, pats):
    a, b = eq.inputs
    (out_shape,) = _out_shapes(eq)
    a_shape, b_shape = _shape(a), _shape(b)
    a2, b2 = _as_matrix(a_shape, True), _as_matrix(b_shape, False)
    out2 = np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])
    out_pos = positions(out_shape).reshape(out2)
    parts = []
    for k, (p, shape2, other) in enumerate(((pats[0], a2, b), (pats[1], b2, a))):
        if p is None:
            continue
        pos = positions(shape2)
        const = _concrete(other)
        if const is not None and const.ndim == 2:
            # out[..., i, j] = sum_k a[..., i, k] b[..., k, j]: only the constant's non-zeros link
            if k == 0:   # traced a, constant b: out[.., i, j] <- a[.., i, k] for b[k, j] != 0
                kk, jj = np.nonzero(const if len(b_shape) > 1 else const.reshape(-1, 1))
                target = np.broadcast_to(out_pos, out2)[..., :, jj]
                src = np.broadcast_to(pos, out2[:-2] + shape2[-2:])[..., :, kk]
            else:        # traced b, constant a: out[.., i, j] <- b[.., k, j] for a[i, k] != 0
                ii, kk = np.nonzero(const if len(a_shape) > 1 else const.reshape(1, -1))
                target = np.broadcast_to(out_pos, out2)[..., ii, :]
                src = np.broadcast_to(pos, out2[:-2] + shape2[-2:])[..., kk, :]
            parts.append(rows_.combine(p, target, src, out_pos.size))
            continue
        # every output element in a row of `a` (a column of `b`) sees that whole row (column)
        contracted = -1 if k == 0 else -2
        line = shape2[:contracted] + (1,) + (shape2[contracted + 1:] if k == 1 else ())
        lines = rows_.combine(p, np.broadcast_to(positions(line), shape2), pos,
                              int(np.prod(line, dtype=np.int64)))
        parts.append(rows_.gather(lines, np.broadcast_to(positions(line), out2)))
    return [rows_.union(parts)]


def einsum(eq, pats):
    inputs, output = eq.params["spec"].split("->")
    specs = inputs.split(",")
    (out_shape,) = _out_shapes(eq)
    parts = []
    for x, p, spec in zip(eq.inputs, pats, specs):
        if p is None:
            continue
        shape = _shape(x)
        # reduce over the letters the output does not keep, then broadcast to the output
        kept = tuple(n if c in output else 1 for c, n in zip(spec, shape))
        reduced = rows_.combine(p, np.broadcast_to(positions(kept), shape), positions(shape),
                                int(np.prod(kept, dtype=np.int64)))
        kept_letters = [c for c in spec if c in output]
        order = np.argsort([output.index(c) for c in kept_letters])
        squeezed = positions(kept).reshape([n for c, n in zip(spec, shape) if c in output])
        aligned = np.transpose(squeezed, order) if squeezed.ndim else squeezed
        expand = tuple(out_shape[output.index(c)] if c in spec else 1 for c in output)
        src = np.broadcast_to(aligned.reshape(expand), out_shape)
        parts.append(rows_.gather(reduced, src))
    return [rows_.union(parts)]


def linear(eq, pats):
    """y = x w^T + b over the last axis of x: y[..., o] sees x[..., k] for w[o, k] != 0 (every
    k when w is traced), the whole row w[o, :], and b[o]."""
    x, w, b = eq.inputs
    (out_shape,) = _out_shapes(eq)
    out_pos = positions(out_shape)
    size = out_pos.size
    parts = []
    if pats[0] is not None:
        const = _concrete(w)
        x_pos = positions(_shape(x))
        if const is not None and const.ndim == 2:
            oo, kk = np.nonzero(const)
            parts.append(rows_.combine(pats[0], out_pos[..., oo], x_pos[..., kk], size))
        else:
            line = _shape(x)[:-1] + (1,)
            lines = rows_.combine(pats[0], np.broadcast_to(positions(line), _shape(x)), x_pos,
                                  int(np.prod(line, dtype=np.int64)))
            parts.append(rows_.gather(lines, np.broadcast_to(positions(line), out_shape)))
    if pats[1] is not None:
        w_shape = _shape(w)
        per_row = rows_.combine(pats[1], np.broadcast_to(positions((w_shape[0], 1)), w_shape),
                                positions(w_shape), w_shape[0])
        parts.append(rows_.gather(per_row, np.broadcast_to(np.arange(w_shape[0]), out_shape)))
    if pats[2] is not None:
        parts.append(_broadcast_gather(pats[2], _shape(b), out_shape))
    return [rows_.union(parts)]


def _window_sources(shape, kernel, stride, padding, dilation=(1, 1)):
    """(N, C, Ho, Wo, kh, kw): the flat position in x (N, C, H, W) of every tap of every window,
    -1 for the zero padding."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    padded = np.pad(positions(shape), ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-1)
    height, width = padded.shape[2:]
    ho, wo = (height - dh * (kh - 1) - 1) // sh + 1, (width - dw * (kw - 1) - 1) // sw + 1
    rows = (np.arange(ho) * sh)[:, None] + np.arange(kh) * dh      # (Ho, kh)
    cols = (np.arange(wo) * sw)[:, None] + np.arange(kw) * dw      # (Wo, kw)
    return padded[:, :, rows[:, None, :, None], cols[None, :, None, :]]


def _window_pairs(pattern, target, src, size):
    keep = src >= 0
    return rows_.combine(pattern, target[keep], src[keep], size)


def pool(eq, pats):
    """max_pool2d, avg_pool2d: each output element sees its window (padding excluded)."""
    x = eq.inputs[0]
    params = eq.params
    windows = _window_sources(_shape(x), params["kernel"], params["stride"], params["padding"],
                              params.get("dilation", (1, 1)))
    (out_shape,) = _out_shapes(eq)
    target = np.broadcast_to(positions(out_shape)[..., None, None], windows.shape)
    return [_window_pairs(pats[0], target, windows, int(np.prod(out_shape, dtype=np.int64)))]


def conv2d(eq, pats):
    """out[n, o, i, j] sees the window of x at (i, j) over every channel (only the taps where a
    constant w is non-zero), and all of w[o]."""
    x, w = eq.inputs
    (out_shape,) = _out_shapes(eq)
    size = int(np.prod(out_shape, dtype=np.int64))
    w_shape = _shape(w)
    parts = []
    if pats[0] is not None:
        params = eq.params
        windows = _window_sources(_shape(x), w_shape[2:], params["stride"], params["padding"],
                                  params["dilation"])
        windows = windows.transpose(0, 2, 3, 1, 4, 5)[:, None]     # (N, 1, Ho, Wo, C, kh, kw)
        full = (out_shape[0], w_shape[0]) + windows.shape[2:]
        src = np.broadcast_to(windows, full).copy()
        const = _concrete(w)
        if const is not None:
            src[~np.broadcast_to((const != 0)[None, :, None, None], full)] = -1
        target = np.broadcast_to(positions(out_shape)[..., None, None, None], full)
        parts.append(_window_pairs(pats[0], target, src, size))
    if pats[1] is not None:
        per_filter = rows_.combine(
            pats[1], np.broadcast_to(positions((w_shape[0], 1, 1, 1)), w_shape),
            positions(w_shape), w_shape[0])
        which = np.broadcast_to(np.arange(w_shape[0])[None, :, None, None], out_shape)
        parts.append(rows_.gather(per_filter, which))
    return [rows_.union(parts)]


def linalg(eq, pats):
    """Matrix functions act on the last two axes: every output element of one matrix of a stack
    depends on every element of that matrix (and of the matching matrices of the other operands,
    leading axes broadcasting); unbatched operands are simply dense."""
    shapes = [_shape(x) for x in eq.inputs]
    try:
        if any(len(s) < 2 for s, p in zip(shapes, pats) if p is not None):
            raise ValueError
        batch = np.broadcast_shapes(*[s[:-2] for s in shapes])
        outs = _out_shapes(eq)
        if not batch or any(tuple(o[:len(batch)]) != batch for o in outs):
            raise ValueError
    except ValueError:
        return dense_rule(eq, pats)
    per_matrix = []
    for shape, p in zip(shapes, pats):
        if p is None:
            continue
        own = shape[:-2]
        stacked = rows_.combine(p, np.broadcast_to(positions(own + (1, 1)), shape),
                                positions(shape), int(np.prod(own, dtype=np.int64)))
        aligned = positions(own).reshape((1,) * (len(batch) - len(own)) + own)
        per_matrix.append(rows_.gather(stacked, np.broadcast_to(aligned, batch)))
    joint = rows_.union(per_matrix)
    assert joint is not None  # (the rule runs when some input has a pattern)
    return [rows_.gather(joint, np.broadcast_to(
        positions(batch).reshape(batch + (1,) * (len(o) - len(batch))), o)) for o in outs]


def _conv_taps(x_shape, w_shape, params):
    """Every multiply of a convolution, as three arrays of shape (N, O, C, Ho, Wo, kh, kw): the
    position in x (-1: padding), in the output g = conv2d(x, w), and in w of each product."""
    windows = _window_sources(x_shape, w_shape[2:], params["stride"], params["padding"],
                              params["dilation"])                  # (N, C, Ho, Wo, kh, kw)
    n, c, ho, wo, kh, kw = windows.shape
    full = (n, w_shape[0], c, ho, wo, kh, kw)
    x_pos = np.broadcast_to(windows[:, None], full)
    g_pos = np.broadcast_to(positions((n, w_shape[0], ho, wo))[:, :, None, :, :, None, None], full)
    w_pos = np.broadcast_to(positions(w_shape)[None, :, :, None, None, :, :], full)
    return x_pos, g_pos, w_pos


def _tap_pairs(pattern, target, src, valid, size):
    return rows_.combine(pattern, target[valid], src[valid], size)


def conv2d_input_grad(eq, pats):
    """dx = conv2d_input_grad(g, w): x[p] receives g[n, o, i, j] w[o, c, di, dj] for every tap
    of every window that reads p."""
    g, w = eq.inputs
    x_pos, g_pos, w_pos = _conv_taps(tuple(eq.params["x_shape"]), _shape(w), eq.params)
    size = int(np.prod(eq.params["x_shape"], dtype=np.int64))
    parts = []
    for k, (src, other_pos, other) in enumerate(((g_pos, w_pos, w), (w_pos, g_pos, g))):
        if pats[k] is None:
            continue
        valid = x_pos >= 0
        const = _concrete(other)
        if const is not None:
            valid = valid & (const.reshape(-1) != 0)[other_pos]
        parts.append(_tap_pairs(pats[k], x_pos, src, valid, size))
    return [rows_.union(parts)]


def conv2d_weight_grad(eq, pats):
    """dw = conv2d_weight_grad(x, g): w[o, c, di, dj] receives x at that tap times g[n, o, i, j],
    for every window."""
    x, g = eq.inputs
    x_pos, g_pos, w_pos = _conv_taps(_shape(x), tuple(eq.params["w_shape"]), eq.params)
    size = int(np.prod(eq.params["w_shape"], dtype=np.int64))
    parts = []
    for k, (src, other_pos, other) in enumerate(((x_pos, g_pos, g), (g_pos, x_pos, x))):
        if pats[k] is None:
            continue
        valid = x_pos >= 0
        const = _concrete(other)
        if const is not None:
            flat = np.concatenate([const.reshape(-1) != 0, [False]])  # position -1: padding
            valid = valid & flat[other_pos]
        parts.append(_tap_pairs(pats[k], w_pos, src, valid, size))
    return [rows_.union(parts)]


def loss(eq, pats):
    """Fused losses: elementwise with reduction='none', otherwise a scalar of everything."""
    if eq.params.get("reduction") == "none" and eq.primitive.name != "nll_loss":
        return elementwise(eq, pats)
    return dense_rule(eq, pats)


def dense_rule(eq, pats):
    """Every output element depends on every element of every differentiable input."""
    return [rows_.dense(pats, int(np.prod(s, dtype=np.int64))) for s in _out_shapes(eq)]


def no_rule(eq, pats):
    warnings.warn(
        f"sparsity detection has no rule for the primitive {eq.primitive.name!r} (family "
        f"{eq.primitive.family!r}); every element of its output is taken to depend on every "
        "element of its inputs. The pattern is correct but may be denser than the truth; pass "
        "sparsity=... if you know it.", SparsityWarning, stacklevel=4)
    return dense_rule(eq, pats)


def _elementwise_checked(eq, pats):
    if eq.primitive.multiple_results:
        return no_rule(eq, pats)
    (out_shape,) = _out_shapes(eq)
    try:
        shapes_match = np.broadcast_shapes(*[_shape(x) for x in eq.inputs]) == out_shape
    except ValueError:
        shapes_match = False
    return elementwise(eq, pats) if shapes_match else no_rule(eq, pats)


RULES = {
    "sum": reduction, "prod": reduction, "max": reduction, "min": reduction, "mean": reduction,
    "cumsum": cumulative, "cumprod": cumulative,
    "reshape": moves_elements, "broadcast_to": moves_elements, "transpose": moves_elements,
    "flip": moves_elements, "getitem": moves_elements, "concatenate": moves_elements,
    "take_along_axis": moves_elements,
    "index_add": index_add, "add_along_axis": add_along_axis,
    "sort": along_axis, "log_softmax": along_axis,
    "fft": along_axis, "rfft": along_axis, "irfft": along_axis,
    "matmul": matmul, "einsum": einsum, "linear": linear,
    "conv2d": conv2d, "max_pool2d": pool, "avg_pool2d": pool,
    "conv2d_input_grad": conv2d_input_grad, "conv2d_weight_grad": conv2d_weight_grad,
    "clamp": _elementwise_checked, "copy": _elementwise_checked,
    "mse_loss": loss, "binary_cross_entropy_with_logits": loss, "nll_loss": loss,
}

FAMILY_RULES = {
    "elementwise": _elementwise_checked, "special": _elementwise_checked,
    "linalg": linalg,
}


def _rule_for(primitive):
    rule = RULES.get(primitive.name)
    if rule is None:
        rule = FAMILY_RULES.get(primitive.family, no_rule)
    return rule


__all__ = ["dependency_pattern", "SparsityWarning", "DependencyRows", "RULES", "FAMILY_RULES"]
