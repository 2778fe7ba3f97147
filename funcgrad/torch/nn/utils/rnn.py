"""torch.nn.utils.rnn: padding a list of sequences of different lengths into one tensor."""
from __future__ import annotations

from funcgrad.torch import _ops


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """(L_i, *) tensors -> (max L, B, *) (or (B, max L, *)), the gaps filled with padding_value."""
    from funcgrad.torch.nn.functional import pad
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        gap = longest - s.shape[0]
        widths = [0, 0] * (s.ndim - 1) + ([0, gap] if padding_side == "right" else [gap, 0])
        padded.append(pad(s, tuple(widths), value=padding_value) if gap else s)
    return _ops.stack(padded, 0 if batch_first else 1)


# -- packed sequences -----------------------------------------------------------------------------

import collections  # noqa: E402

import numpy as np  # noqa: E402

from funcgrad.primitives.indexing import getitem_p, index_add_p  # noqa: E402
from funcgrad.torch._composite import composite  # noqa: E402
from funcgrad.torch.tensor import Tensor, apply  # noqa: E402


class PackedSequence(collections.namedtuple(
        "PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Sequences of different lengths, their steps interleaved time-major, longest first."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)


def _order(lengths, enforce_sorted):
    lengths = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths, np.int64)
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        return lengths, None
    return lengths, np.argsort(-lengths, kind="stable")


def _positions(lengths, order):
    """(time, batch) of each packed step, and the batch sizes per time step."""
    ranked = lengths if order is None else lengths[order]
    batch_sizes = np.array([(ranked > t).sum() for t in range(int(ranked.max()))], np.int64)
    slots = np.arange(lengths.size) if order is None else order
    times = np.concatenate([np.full(n, t) for t, n in enumerate(batch_sizes)])
    batch = np.concatenate([slots[:n] for n in batch_sizes])
    return times, batch, batch_sizes


def _wrap_indices(order):
    if order is None:
        return None, None
    return Tensor._make(order.astype(np.int64)), Tensor._make(np.argsort(order).astype(np.int64))


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    lengths, order = _order(lengths, enforce_sorted)
    if batch_first:
        input = input.transpose(0, 1)
    times, batch, batch_sizes = _positions(lengths, order)
    data = apply(getitem_p, (input,), {"index": (times, batch)}, "PackPaddedSequenceBackward0")
    return PackedSequence(data, Tensor._make(batch_sizes), *_wrap_indices(order))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    data, batch_sizes = sequence.data, np.asarray(sequence.batch_sizes._data)
    order = None if sequence.sorted_indices is None else np.asarray(sequence.sorted_indices._data)
    count = int(batch_sizes[0])
    lengths = np.array([(batch_sizes > b).sum() for b in range(count)], np.int64)
    if order is not None:
        unsorted = np.empty_like(lengths)
        unsorted[order] = lengths
        lengths = unsorted
    times, batch, _ = _positions(lengths, order)
    steps = max(int(batch_sizes.size), total_length or 0)
    shape = (steps, count) + tuple(data.shape[1:])
    zeros = np.zeros(shape, data._data.dtype)
    filled = np.full(shape, padding_value, data._data.dtype)
    filled[times, batch] = 0

    def fn(x):  # the packed steps scattered back into (time, batch), padding around them
        return index_add_p.bind(zeros, x, index=(times, batch)) + filled
    padded = composite("IndexPutBackward0", fn, data)
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._make(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(np.asarray(
        lengths._data if isinstance(lengths, Tensor) else lengths))]


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
