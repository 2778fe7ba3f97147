"""CTC loss: the log-likelihood of each target under all alignments, by the forward (alpha)
recursion over time in log space, written with registry primitives so that its gradient is
the recursion's own derivative (no hand-written backward pass)."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import elementwise as ew, reductions as red, shape as shp
from funcgrad.primitives.indexing import getitem_p
from funcgrad.torch._composite import composite
from funcgrad.torch._math import _values
from funcgrad.torch.nn.module import Module
from funcgrad.torch.tensor import Tensor

_UNREACHABLE = -1e4  # log-probability of states no alignment reaches (exp underflows to 0)


def _logsumexp(terms):
    stacked = shp.stack(terms, 0)
    shift = ew.stop_gradient(red.max_p.bind(stacked, axis=(0,), keepdims=True))
    return ew.log(red.sum_p.bind(ew.exp(stacked - shift), axis=(0,), keepdims=False)) + shift[0]


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    steps, batch, _ = log_probs.shape
    in_lengths = np.asarray(_values(input_lengths), np.int64).reshape(-1)
    out_lengths = np.asarray(_values(target_lengths), np.int64).reshape(-1)
    labels = np.asarray(_values(targets), np.int64)
    if labels.ndim == 1:  # concatenated targets
        starts = np.concatenate([[0], np.cumsum(out_lengths)[:-1]])
        rows = [labels[s:s + n] for s, n in zip(starts, out_lengths)]
    else:
        rows = [labels[b, :n] for b, n in enumerate(out_lengths)]
    width = 2 * int(out_lengths.max(initial=0)) + 1
    extended = np.full((batch, width), blank, np.int64)  # blank, l1, blank, l2, ..., blank
    for b, row in enumerate(rows):
        extended[b, 1:2 * len(row):2] = row
    states = np.arange(width)
    valid = states[None, :] < (2 * out_lengths + 1)[:, None]
    # a skip from s - 2 is allowed onto a label that differs from the label two back
    skip = np.zeros((batch, width), bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    batch_index = np.arange(batch)[:, None]
    last = np.stack([2 * out_lengths, np.maximum(2 * out_lengths - 1, 0)], 1)

    def fn(lp):
        def emit(t):  # log p(extended label s at time t), per sample and state
            return getitem_p.bind(lp, index=(t, batch_index, extended))
        alpha = ew.where(states[None, :] < 2, emit(0), _UNREACHABLE + 0.0 * emit(0))
        alpha = ew.where(valid, alpha, _UNREACHABLE)
        for t in range(1, steps):
            prev1 = shp.concatenate([alpha[:, :1] * 0 + _UNREACHABLE, alpha[:, :-1]], axis=1)
            prev2 = shp.concatenate([alpha[:, :2] * 0 + _UNREACHABLE, alpha[:, :-2]], axis=1)
            prev2 = ew.where(skip, prev2, _UNREACHABLE)
            new = ew.where(valid, _logsumexp([alpha, prev1, prev2]) + emit(t), _UNREACHABLE)
            alpha = ew.where((t < in_lengths)[:, None], new, alpha)
        ends = getitem_p.bind(alpha, index=(batch_index, last))
        both = ew.where(out_lengths[:, None] > 0, ends,
                        ew.where(np.array([[True, False]]), ends, _UNREACHABLE))
        loss = -_logsumexp([both[:, 0], both[:, 1]])
        if zero_infinity:  # impossible alignments (a loss near -_UNREACHABLE) count as zero
            loss = ew.where(loss > -_UNREACHABLE / 2, 0.0 * loss, loss)
        return loss
    losses = composite("CtcLossBackward0", fn, log_probs)
    if reduction == "mean":  # each loss divided by its target length, then the batch mean
        scale = Tensor._make(np.maximum(out_lengths, 1).astype(losses._data.dtype))
        return (losses / scale).mean()
    return losses.sum() if reduction == "sum" else losses


class CTCLoss(Module):
    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__()
        self.blank, self.reduction, self.zero_infinity = blank, reduction, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
