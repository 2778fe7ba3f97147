"""Recurrent layers: RNN, LSTM, GRU and their cells, with PyTorch's parameters, gate order
and initialisation. They are written with tensor operations (one step at a time), so every
derivative comes from the recorded operations' registry rules."""
from __future__ import annotations

import functools
import math

import numpy as np

from funcgrad.primitives import elementwise as ew, nn as nnp, shape as shp
from funcgrad.primitives._util import shape_of
from funcgrad.primitives.contraction import matmul
from funcgrad.primitives.indexing import getitem_p
from funcgrad.torch import _kernel_dtypes, _ops
from funcgrad.torch._composite import composite_outputs
from funcgrad.torch.nn import functional as F, init
from funcgrad.torch.nn.module import Module
from funcgrad.torch.nn.parameter import new_parameter
from funcgrad.torch.tensor import Tensor

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity):
    pre = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    return _ops.tanh(pre) if nonlinearity == "tanh" else _ops.relu(pre)


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    h, c = state
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)  # input, forget, cell, output (PyTorch's order)
    c = _ops.sigmoid(f) * c + _ops.sigmoid(i) * _ops.tanh(g)
    h = _ops.sigmoid(o) * _ops.tanh(c)
    return (h if w_hr is None else F.linear(h, w_hr)), c  # with proj_size, h is projected


def _lstm_layer(x, w_ih, w_hh, b_ih, b_hh, h, c, reverse=False):
    """One LSTM layer in one direction over x (time, batch, features), written with funcgrad
    primitives: the outputs (time, batch, hidden) and the last h and c. The input's product
    with w_ih is taken for every step at once (as PyTorch's kernel does)."""
    steps, hidden = shape_of(x)[0], shape_of(w_hh)[1]
    if b_ih is None:
        projected = matmul(x, shp.transpose_p.bind(w_ih, axes=(1, 0)))
    else:
        projected = nnp.linear(x, w_ih, b_ih + b_hh)
    recurrent = shp.transpose_p.bind(w_hh, axes=(1, 0))
    every = slice(None)
    i, f, g, o = ((every, slice(k * hidden, (k + 1) * hidden)) for k in range(4))
    outputs = [None] * steps
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        gates = getitem_p.bind(projected, index=(t,)) + matmul(h, recurrent)
        opened = nnp.sigmoid(gates)  # (the cell gate's share is not used: tanh below)
        c = getitem_p.bind(opened, index=f) * c + getitem_p.bind(opened, index=i) * ew.tanh(
            getitem_p.bind(gates, index=g))
        h = getitem_p.bind(opened, index=o) * ew.tanh(c)
        outputs[t] = h
    return shp.stack(outputs, 0), h, c


def _fused_lstm(layer_input, state, weights):
    """Whether a layer can run as one MkldnnRnnLayerBackward0 node (PyTorch's): NumPy
    values throughout (not meta tensors, not torch.func's tracers), no projection."""
    return all(type(t._data) is np.ndarray for t in (layer_input,) + tuple(state) +
               tuple(weights) if t is not None) and len(weights) == 4


def _gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    gi = F.linear(x, w_ih, b_ih).chunk(3, -1)
    gh = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = _ops.sigmoid(gi[0] + gh[0])  # reset
    z = _ops.sigmoid(gi[1] + gh[1])  # update
    n = _ops.tanh(gi[2] + r * gh[2])  # candidate
    return (1 - z) * n + z * h


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gates = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                state_size = proj_size or hidden_size
                width = input_size if layer == 0 else state_size * directions
                setattr(self, "weight_ih" + suffix, new_parameter(gates, width))
                setattr(self, "weight_hh" + suffix, new_parameter(gates, state_size))
                if bias:
                    setattr(self, "bias_ih" + suffix, new_parameter(gates))
                    setattr(self, "bias_hh" + suffix, new_parameter(gates))
                if proj_size:
                    setattr(self, "weight_hr" + suffix, new_parameter(proj_size, hidden_size))
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        weights = [getattr(self, n + suffix) if self.bias or n.startswith("weight") else None
                   for n in names]
        return weights + [getattr(self, "weight_hr" + suffix)] if self.proj_size else weights

    def _step(self, x, state, weights):
        if self.mode == "LSTM":
            return _lstm_step(x, state, *weights)
        if self.mode == "GRU":
            return _gru_step(x, state, *weights)
        return _rnn_step(x, state, *weights, "tanh" if self.mode == "RNN_TANH" else "relu")

    def forward(self, input, hx=None):
        from funcgrad.torch.nn.utils.rnn import (PackedSequence, pack_padded_sequence,
                                                 pad_packed_sequence)
        if isinstance(input, PackedSequence):  # run each sequence over its own length
            padded, lengths = pad_packed_sequence(input)
            output, hidden = self._run(padded, hx, np.asarray(lengths._data))
            order = input.sorted_indices
            packed = pack_padded_sequence(output, lengths, enforce_sorted=order is None)
            return PackedSequence(packed.data, input.batch_sizes, order,
                                  input.unsorted_indices), hidden
        _kernel_dtypes.check_rnn_input(input, self.weight_ih_l0)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if self.mode == "LSTM" else hx.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        output, (h_n, c_n) = self._run(input, hx, None, split=True)
        if unbatched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
            c_n = None if c_n is None else c_n.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, ((h_n, c_n) if self.mode == "LSTM" else h_n)

    def _run(self, input, hx, lengths, split=False):
        """input (time, batch, features) -> output, final states; with `lengths`, each
        sequence's states stop changing after its last step and its outputs there are zero."""
        directions = 2 if self.bidirectional else 1
        batch = input.shape[1]
        if hx is None:
            zeros = Tensor._make(np.zeros((self.num_layers * directions, batch, self.hidden_size),
                                          input._data.dtype))
            hidden = zeros if not self.proj_size else Tensor._make(np.zeros(
                (self.num_layers * directions, batch, self.proj_size), input._data.dtype))
            hx = (hidden, zeros) if self.mode == "LSTM" else zeros
        masks = None if lengths is None else [
            Tensor._make((lengths > t)[:, None]) for t in range(input.shape[0])]
        last_h, last_c = [], []
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                state = (hx[0][k], hx[1][k]) if self.mode == "LSTM" else hx[k]
                weights = self._weights(layer, direction)
                if self.mode == "LSTM" and masks is None and _fused_lstm(layer_input, state,
                                                                         weights):
                    run = functools.partial(_lstm_layer, reverse=bool(direction))
                    sequence, h, c = composite_outputs("MkldnnRnnLayerBackward0", run,
                                                       layer_input, *weights, *state)
                    outputs.append(sequence)
                    last_h.append(h)
                    last_c.append(c)
                    continue
                steps = range(layer_input.shape[0])
                seq = []
                for t in (reversed(steps) if direction else steps):
                    new = self._step(layer_input[t], state, weights)
                    if masks is not None:  # finished sequences keep their state
                        new = tuple(_ops.where(masks[t], n, s) for n, s in zip(new, state)) \
                            if self.mode == "LSTM" else _ops.where(masks[t], new, state)
                    state = new
                    h = state[0] if self.mode == "LSTM" else state
                    seq.append(h if masks is None else _ops.where(masks[t], h, h * 0))
                if direction:
                    seq.reverse()
                outputs.append(_ops.stack(seq, 0))
                last_h.append(state[0] if self.mode == "LSTM" else state)
                if self.mode == "LSTM":
                    last_c.append(state[1])
            layer_input = outputs[0] if directions == 1 else _ops.cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = _ops.stack(last_h, 0)
        c_n = _ops.stack(last_c, 0) if self.mode == "LSTM" else None
        if split:
            return layer_input, (h_n, c_n)
        return layer_input, ((h_n, c_n) if self.mode == "LSTM" else h_n)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text

    def flatten_parameters(self):
        return None

    @property
    def all_weights(self):
        directions = 2 if self.bidirectional else 1
        return [[p for p in self._weights(layer, d) if p is not None]
                for layer in range(self.num_layers) for d in range(directions)]


class RNN(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)
        object.__setattr__(self, "nonlinearity", nonlinearity)


class LSTM(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size)


class GRU(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)


class _Cell(Module):
    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.nonlinearity = nonlinearity
        self.weight_ih = new_parameter(self._gates * hidden_size, input_size)
        self.weight_hh = new_parameter(self._gates * hidden_size, hidden_size)
        self.bias_ih = new_parameter(self._gates * hidden_size) if bias else None
        self.bias_hh = new_parameter(self._gates * hidden_size) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _zeros(self, input):
        shape = (input.shape[0], self.hidden_size) if input.ndim == 2 else (self.hidden_size,)
        return Tensor._make(np.zeros(shape, input._data.dtype))

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.nonlinearity != "tanh" and type(self) is RNNCell:
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(_Cell):
    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _rnn_step(input, hx, *self._weights(), self.nonlinearity)


class LSTMCell(_Cell):
    _gates = 4

    def forward(self, input, hx=None):
        if hx is None:
            hx = (self._zeros(input), self._zeros(input))
        return _lstm_step(input, hx, *self._weights())


class GRUCell(_Cell):
    _gates = 3

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _gru_step(input, hx, *self._weights())
