"""Attention: `scaled_dot_product_attention`, `MultiheadAttention` and the Transformer
encoder/decoder layers, written with tensor operations (derivatives from their rules)."""
from __future__ import annotations

import copy
import math
from typing import Any, overload

import numpy as np

from funcgrad.torch import _kernel_dtypes, _ops
from funcgrad.torch.nn import functional as F, init
from funcgrad.torch.nn.layers import Dropout, Linear, ModuleList
from funcgrad.torch.nn.module import Module
from funcgrad.torch.nn.normalization import LayerNorm
from funcgrad.torch.nn.parameter import new_parameter
from funcgrad.torch.tensor import Tensor


@overload
def _additive_mask(mask: None, dtype: Any, blocked: bool = False) -> None: ...
@overload
def _additive_mask(mask: Tensor, dtype: Any, blocked: bool = False) -> Tensor: ...
def _additive_mask(mask, dtype, blocked=False):
    """A float mask to add to the scores, from a float mask or a boolean one (True = may
    attend, or True = may not when `blocked`, MultiheadAttention's convention)."""
    if mask is None:
        return None
    if mask.dtype.is_floating_point:
        return mask
    allowed = np.asarray(mask._data) != blocked
    return Tensor._make(np.where(allowed, 0.0, -np.inf).astype(dtype))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    _kernel_dtypes.check_attention(query, key, value)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = _ops.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
        length, source = query.shape[-2], key.shape[-2]
        causal = np.tril(np.ones((length, source), bool))
        scores = scores + _additive_mask(Tensor._make(causal), query._data.dtype)
    if attn_mask is not None:
        scores = scores + _additive_mask(attn_mask, query._data.dtype)
    weights = _ops.softmax(scores, -1)
    if dropout_p:
        weights = F.dropout(weights, dropout_p, True)
    return _ops.matmul(weights, value)


class NonDynamicallyQuantizableLinear(Linear):
    pass


class MultiheadAttention(Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not "
                                      "supported by funcgrad.torch yet")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.batch_first, self.head_dim = batch_first, embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim

        if self._qkv_same_embed_dim:
            self.in_proj_weight = new_parameter(3 * embed_dim, embed_dim)
            init.xavier_uniform_(self.in_proj_weight)
        else:  # separate projections for keys and values of other sizes
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = new_parameter(embed_dim, embed_dim)
            self.k_proj_weight = new_parameter(embed_dim, self.kdim)
            self.v_proj_weight = new_parameter(embed_dim, self.vdim)
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        self.in_proj_bias = new_parameter(3 * embed_dim) if bias else None
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias)
        if bias:
            init.constant_(self.out_proj.bias, 0.0)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        length, batch, embed = query.shape
        source = key.shape[0]
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q, b_k, b_v = self.in_proj_bias.chunk(3) if self.in_proj_bias is not None else (None,) * 3
        heads, dim = self.num_heads, self.head_dim

        def split(x, w, b, n):  # (n, batch, embed) -> (batch, heads, n, dim)
            return F.linear(x, w, b).reshape(n, batch, heads, dim).permute(1, 2, 0, 3)
        q, k, v = split(query, w_q, b_q, length), split(key, w_k, b_k, source), \
            split(value, w_v, b_v, source)
        mask = None
        if attn_mask is not None:
            mask = _additive_mask(attn_mask, q._data.dtype, blocked=True)
            mask = mask.reshape(batch, heads, length, source) if mask.ndim == 3 else mask
        elif is_causal:
            mask = _additive_mask(Tensor._make(np.tril(np.ones((length, source), bool))),
                                  q._data.dtype)
        if key_padding_mask is not None:
            padding = _additive_mask(key_padding_mask, q._data.dtype, blocked=True)
            padding = padding.reshape(batch, 1, 1, source)
            mask = padding if mask is None else mask + padding
        scores = _ops.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(dim))
        if mask is not None:
            scores = scores + mask
        weights = _ops.softmax(scores, -1)
        if self.dropout and self.training:
            weights = F.dropout(weights, self.dropout, True)
        out = _ops.matmul(weights, v).permute(2, 0, 1, 3).reshape(length, batch, embed)
        out = self.out_proj(out)
        if self.batch_first and not unbatched:
            out = out.transpose(0, 1)
        if unbatched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        weights = weights.mean(1) if average_attn_weights else weights
        return out, (weights.squeeze(0) if unbatched else weights)


def _activation(name):
    if callable(name):
        return name
    return {"relu": F.relu, "gelu": F.gelu}[name]


class _TransformerLayer(Module):
    """What Transformer encoder and decoder layers share: self-attention, (in a decoder)
    cross-attention over the memory, the feed-forward block, and one LayerNorm and one Dropout
    per sub-block, made in PyTorch's order so that parameters() and state_dict() match it."""

    _blocks = 2  # self-attention, [cross-attention,] feed-forward

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, bias=bias,
                                            batch_first=batch_first)
        if self._blocks == 3:  # a decoder layer: cross-attention over the encoder's memory
            self.multihead_attn = MultiheadAttention(d_model, nhead, dropout, bias=bias,
                                                     batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        for i in range(1, self._blocks + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps))
        for i in range(1, self._blocks + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation)

    def _self_block(self, x, mask, padding, is_causal):
        return self.dropout1(self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding,
                                            need_weights=False, is_causal=is_causal)[0])

    def _feed_forward(self, x):
        last_dropout = getattr(self, f"dropout{self._blocks}")
        return last_dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    _blocks = 2

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._self_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._self_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))


class TransformerEncoder(Module):
    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                        is_causal=bool(is_causal))
        return out if self.norm is None else self.norm(out)


class TransformerDecoderLayer(_TransformerLayer):
    _blocks = 3

    def _cross_block(self, x, memory, mask, padding, is_causal):
        return self.dropout2(self.multihead_attn(x, memory, memory, attn_mask=mask,
                                                 key_padding_mask=padding, need_weights=False,
                                                 is_causal=is_causal)[0])

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._self_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._cross_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                      memory_is_causal)
            return x + self._feed_forward(self.norm3(x))
        x = self.norm1(x + self._self_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._cross_block(x, memory, memory_mask, memory_key_padding_mask,
                                             memory_is_causal))
        return self.norm3(x + self._feed_forward(x))


class TransformerDecoder(Module):
    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                        memory_key_padding_mask, bool(tgt_is_causal), memory_is_causal)
        return out if self.norm is None else self.norm(out)


class Transformer(Module):
    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        options: dict[str, Any] = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                       layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                       norm_first=norm_first, bias=bias)
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **options), num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps))
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **options), num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        from funcgrad.torch._dtype import default_float, to_numpy
        mask = np.triu(np.full((sz, sz), -np.inf), 1)
        return Tensor._make(mask.astype(to_numpy(dtype) or default_float()))
