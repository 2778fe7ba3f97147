"""Printing tensors exactly as PyTorch prints them.

PyTorch's conventions: 4 decimals; integral floats as `1.`; scientific notation when the
magnitudes span more than 1000x, exceed 1e8 or go below 1e-4; every element right-aligned to the
widest; rows wrapped at 80 columns; more than 1000 elements summarised with `...`; then the
suffixes (`dtype=...` for non-default dtypes, `grad_fn=<...>` or `requires_grad=True`).
"""
from __future__ import annotations

import math

import numpy as np

from funcgrad.core.tracer import concrete_value
from funcgrad.torch._meta import is_meta

PRECISION = 4
LINEWIDTH = 80
THRESHOLD = 1000
EDGEITEMS = 3
_DEFAULT_DTYPES = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_),
                   np.dtype(np.complex64), np.dtype(np.float64), np.dtype(np.complex128))


def _other_default(dtype):
    """Whether a floating dtype differs from the default one (only that one goes unprinted)."""
    from funcgrad.torch._dtype import DEFAULT
    if dtype.kind == "f":
        return dtype != DEFAULT[0]
    if dtype.kind == "c":
        return dtype != (np.complex128 if DEFAULT[0] == np.float64 else np.complex64)
    return False


class _Formatter:
    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            strs = [self._plain(v) for v in flat.tolist()]
            self.width = max((len(s) for s in strs), default=1)
            return
        finite = flat[np.isfinite(flat)].astype(np.float64)
        signed = finite[finite != 0]
        nonzero = np.abs(signed)
        if nonzero.size:
            lo, hi = nonzero.min(), nonzero.max()
            self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
            if self.int_mode:
                self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
            else:
                self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        # PyTorch sizes the columns by the finite nonzero values only
        self.width = max((len(self._raw(v)) for v in signed.tolist()), default=1)

    @staticmethod
    def _plain(v):
        return str(v)

    def _raw(self, v) -> str:
        if not self.floating:
            return str(v)
        if self.sci_mode:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            text = f"{v:.0f}"
            return text if (math.isinf(v) or math.isnan(v)) else text + "."
        return f"{v:.{PRECISION}f}"

    def format(self, v) -> str:
        text = self._raw(v)
        return " " * (self.width - len(text)) + text


def _summarized(values):
    """The corner elements shown when a tensor is summarised (for the formatter's width)."""
    if values.ndim == 0:
        return values
    if values.shape[0] > 2 * EDGEITEMS:
        values = np.concatenate([values[:EDGEITEMS], values[-EDGEITEMS:]])
    return np.stack([_summarized(v) for v in values]) if values.ndim > 1 else values


def _body(values, indent, summarize, fmt) -> str:
    if values.ndim == 0:
        return fmt.format(values.item())
    n = values.shape[0]
    cut = summarize and n > 2 * EDGEITEMS
    if values.ndim == 1:
        items = values.tolist()
        texts = ([fmt.format(v) for v in items[:EDGEITEMS]] + [" ..."]
                 + [fmt.format(v) for v in items[-EDGEITEMS:]]) if cut else [fmt.format(v) for v in items]
        per_line = max(1, int(math.floor((LINEWIDTH - indent) / (fmt.width + 2))))
        lines = [", ".join(texts[i:i + per_line]) for i in range(0, len(texts), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = range(n)
    if cut:
        parts = ([_body(values[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + ["..."]
                 + [_body(values[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)])
    else:
        parts = [_body(values[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text, suffixes, indent) -> str:
    pieces = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            pieces.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            last_line += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def tensor_repr(t, prefix="tensor(") -> str:
    indent = len(prefix)
    if is_meta(t._data):  # no values: `...`, the device and the size
        return _with_suffixes(prefix + "...", ["device='meta'", f"size={tuple(t._data.shape)}"]
                              + _dtype_and_grad(t, t._data.dtype, shown=False), indent)
    values = np.asarray(concrete_value(t._data))
    suffixes = []
    if values.size == 0:
        body = "[]"
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
    else:
        summarize = values.size > THRESHOLD
        fmt = _Formatter(_summarized(values) if summarize else values)
        body = _body(values, indent, summarize, fmt)
    return _with_suffixes(prefix + body, suffixes + _dtype_and_grad(t, values.dtype, values.size),
                          indent)


def _dtype_and_grad(t, dtype, shown=True) -> list:
    """The dtype (unless it shows in the values: a default one, or the default float dtype
    when no values are shown), then grad_fn or requires_grad."""
    from funcgrad.torch._dtype import DEFAULT
    suffixes = []
    if (dtype != DEFAULT[0]) if not shown else (dtype not in _DEFAULT_DTYPES
                                                  or _other_default(dtype)):
        suffixes.append(f"dtype=torch.{dtype.name}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t._grad_fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return suffixes
