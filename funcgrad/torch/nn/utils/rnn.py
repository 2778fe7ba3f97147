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
