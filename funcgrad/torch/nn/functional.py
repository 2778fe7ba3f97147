"""torch.nn.functional: activations, convolution, pooling, losses and friends."""
from __future__ import annotations

import math
from typing import Union

import numpy as np

from funcgrad.primitives import elementwise as ew, nn as nnp, shape as shp
from funcgrad.primitives.indexing import canonical_index, getitem_p, index_add_p
from funcgrad.torch._composite import composite
from funcgrad.torch._meta import is_meta
from funcgrad.torch import _kernel_dtypes, _ops, grad_mode
from funcgrad.torch._ops import as_tensor_arg
from funcgrad.torch.graph import as_addmm, show_absent_input, with_bias
from funcgrad.torch.tensor import Tensor, apply

_Size = Union[int, tuple[int, ...]]  # one size for every spatial axis, or one each (as PyTorch)

relu = _ops.relu
sigmoid = _ops.sigmoid
tanh = _ops.tanh
softmax = _ops.softmax
log_softmax = _ops.log_softmax


def _pair(v):
    return (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(int(i) for i in v)


def relu_(input):
    return input.relu_()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return leaky_relu_(input, negative_slope)
    return composite("LeakyReluBackward0",
                     lambda x: ew.where(x > 0, x, x * negative_slope), input)


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return elu_(input, alpha)
    return composite("EluBackward0", lambda x: ew.where(
        x > 0, x, alpha * (ew.exp(nnp.clamp.bind(x, low=-np.inf, high=0.0)) - 1)), input)


def gelu(input, approximate="none"):
    if approximate == "tanh":
        return composite("GeluBackward0", lambda x: 0.5 * x * (1 + ew.tanh(
            math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))), input)
    from funcgrad.core.primitive import registry
    erf = registry["erf"]  # x Phi(x) = x (1 + erf(x / sqrt 2)) / 2
    return composite("GeluBackward0",
                     lambda x: 0.5 * x * (1 + erf.bind(x / math.sqrt(2))), input)


def softplus(input, beta=1.0, threshold=20.0):
    if beta == 1.0 and threshold == 20.0:  # beyond 20, log1p(exp(x)) is x to float precision
        return apply(nnp.softplus, (input,), {})
    scaled = input * beta
    smooth = apply(nnp.softplus, (scaled,), {}) / beta
    return _ops.where(scaled > threshold, input, smooth)  # PyTorch's linear part, beta x > threshold


def silu(input):
    return composite("SiluBackward0", lambda x: x * nnp.sigmoid(x), input)


def _hardtanh(x, low, high):
    # unlike clamp, no gradient at the bounds themselves (PyTorch's hardtanh)
    inside = (x > low) & (x < high)
    return ew.where(inside, x, ew.stop_gradient(nnp.clamp.bind(x, low=low, high=high)))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if inplace:
        return hardtanh_(input, min_val, max_val)
    return composite("HardtanhBackward0",
                     lambda x: _hardtanh(x, float(min_val), float(max_val)), input)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0)


def linear(input, weight, bias=None):
    if bias is not None and isinstance(input, Tensor):  # the common case, checked in one go
        x, w = input._data, weight._data
        if type(x) is np.ndarray and type(w) is np.ndarray and x.ndim == 2 and w.ndim == 2 \
                and x.dtype is w.dtype is getattr(bias._data, "dtype", None) \
                and x.shape[1] == w.shape[1]:
            return _addmm_linear(input, weight, bias)
    _kernel_dtypes.check_linear(input, weight, bias)
    if input.shape[-1] != weight.shape[-1]:
        from funcgrad.torch.errors import matmul_shape_error
        rows = int(np.prod(input.shape[:-1])) if input.ndim > 1 else 1
        raise RuntimeError(matmul_shape_error((rows, input.shape[-1]), tuple(weight.shape)[::-1],
                                              (tuple(input.shape), tuple(weight.shape)[::-1])))
    if bias is None:
        return _ops.matmul(input, _ops.t(weight))
    if input.ndim == 2:
        return _addmm_linear(input, weight, bias)
    # PyTorch flattens the leading axes, multiplies (AddmmBackward0) and views the answer back
    lead = tuple(input.shape[:-1])
    out = _addmm_linear(_ops.reshape(input, (-1, input.shape[-1])), weight, bias)
    return _ops.reshape(out, lead + (weight.shape[0],))


def _addmm_linear(input, weight, bias):
    out = apply(nnp.linear, (input, weight, bias), {}, "AddmmBackward0")
    node = out._grad_fn
    if node is not None and type(node).__name__ == "AddmmBackward0":
        as_addmm(node, weight)  # edges (bias, input, weight.t()), as PyTorch's
    return out


def conv2d(input, weight, bias=None, stride: _Size = 1, padding: _Size | str = 0,
           dilation: _Size = 1, groups=1):
    _kernel_dtypes.check_conv(input, weight, bias)
    if input.shape[-3] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
            f"{input.shape[-3]} channels instead")
    squeeze = input.ndim == 3
    if squeeze:
        input = _ops.unsqueeze(input, 0)
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        else:  # "same" (stride 1): d (k - 1) zeros in all, the odd one at the end
            kh, kw = weight.shape[2:]
            dh, dw = _pair(dilation)
            th, tw = dh * (kh - 1), dw * (kw - 1)
            if th % 2 or tw % 2:
                input = pad(input, (tw // 2, tw - tw // 2, th // 2, th - th // 2))
                padding = 0
            else:
                padding = (th // 2, tw // 2)
    params = {"stride": _pair(stride), "padding": _pair(padding), "dilation": _pair(dilation)}
    if groups == 1 and bias is not None and _biased_conv_direct(input, weight, bias):
        # (one conv2d node whose bias is added in place: no composite traced for the sum)
        out = apply(nnp.conv2d, (input, weight), params, "ConvolutionBackward0")
        out._data += bias._data.reshape(-1, 1, 1)
        if out._grad_fn is not None:
            with_bias(out._grad_fn, bias)
    elif bias is None and groups == 1:
        out = apply(nnp.conv2d, (input, weight), params, "ConvolutionBackward0")
        if out._grad_fn is not None:
            show_absent_input(out._grad_fn)  # PyTorch's node lists the missing bias as None
    else:  # one node for convolution, groups and bias, as in PyTorch
        out = composite("ConvolutionBackward0", lambda x, w, b: _grouped_conv(x, w, b, groups, params),
                        input, weight, bias)
    return _ops.squeeze(out, 0) if squeeze else out


def _biased_conv_direct(input, weight, bias):
    """Whether conv2d plus bias can run as conv2d's node with the bias added in place: NumPy
    arrays (not meta tensors, not torch.func's tracers), and a node to record exactly when the
    input or the weight requires grad (a bias alone requiring grad goes to the composite)."""
    if not all(type(t._data) is np.ndarray for t in (input, weight, bias)):
        return False
    return not (bias._requires_grad and grad_mode.is_grad_enabled()
                and not (input._requires_grad or weight._requires_grad))


def _grouped_conv(x, w, b, groups, params):
    """Each group of input channels convolved with its own slice of the kernels (a loop over
    groups, not pixels), then the outputs side by side, plus the bias."""
    if groups == 1:
        out = nnp.conv2d(x, w, **params)
    else:
        c_in, c_out = np.shape(x)[1] // groups, np.shape(w)[0] // groups
        parts = [nnp.conv2d(getitem_p.bind(x, index=(slice(None), slice(g * c_in, (g + 1) * c_in))),
                            getitem_p.bind(w, index=(slice(g * c_out, (g + 1) * c_out),)), **params)
                 for g in range(groups)]
        out = shp.concatenate(parts, axis=1)
    return out if b is None else out + shp.reshape(b, (1, -1, 1, 1))


def _pool(primitive, name, input, kernel_size, stride, padding, dilation=(1, 1)):
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or stride == [] else _pair(stride)
    squeeze = input.ndim == 3
    if squeeze:
        input = _ops.unsqueeze(input, 0)
    params = {"kernel": kernel, "stride": stride, "padding": _pair(padding)}
    sizes = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in zip(
        input.shape[-2:], params["padding"], dilation, kernel, stride)]
    if min(sizes) <= 0:
        c, h, w = input.shape[-3:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: "
                           f"({c}x{sizes[0]}x{sizes[1]}). Output size is too small")
    if dilation != (1, 1):
        params["dilation"] = dilation
    out = apply(primitive, (input,), params, name)
    # (PyTorch pools a 3-D input directly: its node is the pooling's)
    return _ops.reshape(out, out.shape[1:], name=name) if squeeze else out


def _ceil_extra(shape, kernel, stride, padding, dilation):
    """Rows and columns to add at the end so that ceil_mode's last partial window exists (a
    window must start inside the input or its left padding, as PyTorch rules)."""
    extra = []
    for size, k, st, p, d in zip(shape[-2:], kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        out = -(-(size + 2 * p - span) // st) + 1
        if (out - 1) * st >= size + p:
            out -= 1
        extra.append(max((out - 1) * st + span - (size + 2 * p), 0))
    return extra


def max_pool2d(input, kernel_size: _Size, stride: _Size | None = None, padding: _Size = 0,
               dilation: _Size = 1, ceil_mode=False, return_indices=False):
    kernel, pads, dilation = _pair(kernel_size), _pair(padding), _pair(dilation)
    steps = kernel if stride is None or stride == [] else _pair(stride)
    width = input.shape[-1]
    extra = _ceil_extra(input.shape, kernel, steps, pads, dilation) if ceil_mode else [0, 0]
    if any(extra):  # -inf at the end so that the last partial window counts
        input = pad(input, (0, extra[1], 0, extra[0]), value=float("-inf"))
    out = _pool(nnp.max_pool2d, "MaxPool2DWithIndicesBackward0", input, kernel, steps, pads,
                dilation)
    if not return_indices:
        return out
    data = np.asarray(input._data)
    planes = data if data.ndim == 4 else data[None]
    where = nnp.max_pool2d_argmax.impl(planes, kernel=kernel, stride=steps, padding=pads,
                                       dilation=dilation)
    rows, cols = np.divmod(where, planes.shape[-1])  # back to the unpadded plane's flat index
    indices = (rows * width + cols).reshape(tuple(out.shape)).astype(np.int64)
    return out, Tensor._make(indices)


def avg_pool2d(input, kernel_size: _Size, stride: _Size | None = None, padding: _Size = 0,
               ceil_mode=False, count_include_pad=True, divisor_override=None):
    if not ceil_mode and count_include_pad and divisor_override is None:
        return _pool(nnp.avg_pool2d, "AvgPool2DBackward0", input, kernel_size, stride, padding)
    kernel, (ph, pw) = _pair(kernel_size), _pair(padding)
    steps = kernel if stride is None or stride == [] else _pair(stride)
    squeeze = input.ndim == 3
    if squeeze:
        input = _ops.unsqueeze(input, 0)
    h, w = input.shape[-2:]
    eh, ew_ = _ceil_extra(input.shape, kernel, steps, (ph, pw), (1, 1)) if ceil_mode else (0, 0)
    # which positions of the padded and extended plane a window's divisor counts
    counted = np.zeros((1, 1, h + 2 * ph + eh, w + 2 * pw + ew_), input._data.dtype)
    if count_include_pad:
        counted[..., :h + 2 * ph, :w + 2 * pw] = 1
    else:
        counted[..., ph:ph + h, pw:pw + w] = 1
    area = kernel[0] * kernel[1]
    params = {"kernel": kernel, "stride": steps, "padding": (0, 0)}
    if divisor_override is not None:
        scale = np.asarray(area / divisor_override, input._data.dtype)
    else:  # the pooled mean times the area is the window's sum; divide by what it counts
        scale = (1.0 / nnp.avg_pool2d.impl(counted, **params)).astype(input._data.dtype)
    widths = ((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew_))
    inside = tuple(slice(a, a + n) for n, (a, _) in zip(input.shape, widths))
    zeros = np.zeros(tuple(n + a + b for n, (a, b) in zip(input.shape, widths)), input._data.dtype)

    def pooled(x):
        return nnp.avg_pool2d(index_add_p.bind(zeros, x, index=inside), **params) * scale
    out = composite("AvgPool2DBackward0", pooled, input)
    return _ops.reshape(out, out.shape[1:], name="AvgPool2DBackward0") if squeeze else out


def dropout(input, p=0.5, training=True, inplace=False):
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    if is_meta(input._data):  # no values to mask (and no numbers drawn)
        from funcgrad.torch._meta import MetaArray
        return apply(ew.multiply, (input, MetaArray(input.shape, input._data.dtype)), {})
    from funcgrad.torch.random import default_generator
    keep = default_generator.rng.random(tuple(input.shape)) >= p
    scale = keep.astype(input._data.dtype) / input._data.dtype.type(1 - p)
    return apply(ew.multiply, (input, scale), {})


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    _kernel_dtypes.check_norm(input, weight, bias, running_mean, running_var)
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training and input.numel() // input.shape[1] <= 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{input.shape!r}")
    if training and running_mean is not None and not is_meta(input._data):
        with grad_mode.no_grad():
            data = np.asarray(input.detach()._data)
            n = data.size / data.shape[1]
            mean, var = data.mean(axis=axes), data.var(axis=axes)
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var * (n / max(n - 1, 1)))
    stats = None if training else (_ops.reshape(running_mean, shape)._data,
                                   _ops.reshape(running_var, shape)._data)

    def normalize(x, w, b):
        if stats is None:
            m = nnp.mean(x, axis=axes, keepdims=True)
            centred = x - m
            v = nnp.mean(centred * centred, axis=axes, keepdims=True)
        else:
            m, v = stats
            centred = x - m
        out = centred / ew.sqrt(v + eps)
        if w is not None:
            out = out * shp.reshape(w, shape)
        return out if b is None else out + shp.reshape(b, shape)
    return composite("NativeBatchNormBackward0", normalize, input, weight, bias)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    labels = as_tensor_arg(input)._data
    if is_meta(labels) or is_meta(weight._data):
        return _meta_embedding(as_tensor_arg(input), weight)
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        from funcgrad.torch.errors import tensor_type_name
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           "scalar types: Long, Int; but got "
                           f"{tensor_type_name(as_tensor_arg(input)).split(' ')[0]} instead (while "
                           "checking arguments for embedding)")
    if labels.size and (labels.max() >= weight.shape[0] or labels.min() < -weight.shape[0]):
        raise IndexError("index out of range in self")
    if max_norm is not None:  # rows looked up are rescaled in place to norm max_norm at most
        rows = np.unique(labels)
        table = weight._data
        norms = np.linalg.norm(table[rows].astype(np.float64), ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        table[rows] = (table[rows] * scale[:, None]).astype(table.dtype)
        weight._counter[0] += 1
    out = apply(getitem_p, (weight,), {"index": canonical_index(labels)}, "EmbeddingBackward0")
    if padding_idx is not None and np.any(labels == padding_idx % weight.shape[0]):
        # the padding row receives no gradient
        frozen = (labels == padding_idx % weight.shape[0])[..., None]
        out = _ops.where(frozen, out.detach(), out)
    return out


def _meta_embedding(input, weight):
    """On the meta device: the rows' shape (the values picked are unknown; any index stands
    for them, here a zero-strided zero)."""
    if input._data.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int")
    if not is_meta(weight._data) or not is_meta(input._data):
        raise RuntimeError("Tensor on device cpu is not on the expected device meta!")
    rows = np.broadcast_to(np.zeros((), np.intp), tuple(input.shape))
    return apply(getitem_p, (weight,), {"index": (rows,)}, "EmbeddingBackward0")


def one_hot(tensor, num_classes=-1):
    labels = np.asarray(tensor._data)
    n = int(labels.max()) + 1 if num_classes < 0 else num_classes
    return Tensor._make(np.eye(n, dtype=np.int64)[labels])


def pad(input, pad, mode="constant", value=None):
    from funcgrad.torch.nn.spatial import pad as pad_any
    return pad_any(input, pad, mode, value)


def _constant_pad(input, pad, value):
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    shape = tuple(n + a + b for n, (a, b) in zip(input.shape, widths))
    if any(n < 0 for n in shape):
        raise RuntimeError(f"The input size {tuple(input.shape)}, plus negative padding {pad} "
                           f"resulted in a negative output size, which is invalid.")
    # a negative width cuts that many elements off instead (PyTorch's)
    cut = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in zip(input.shape, widths))
    cutting = any(a < 0 or b < 0 for a, b in widths)
    kept = tuple(c.stop - c.start for c in cut)
    index = tuple(slice(max(a, 0), max(a, 0) + n) for n, (a, _) in zip(kept, widths))
    zeros = np.zeros(shape, dtype=input._data.dtype)
    inside = np.zeros(shape, dtype=bool)
    inside[index] = True
    fill = input._data.dtype.type(value)

    def padded(x):  # x (cut where a width is negative) placed inside, `value` around it
        if cutting:
            x = getitem_p.bind(x, index=cut)
        return ew.where(inside, index_add_p.bind(zeros, x, index=index), fill)
    return composite("ConstantPadNdBackward0", padded, input)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    return input / _ops.clamp(_ops.norm(input, p, dim, keepdim=True), min=eps)


def flatten(input, start_dim=0, end_dim=-1):
    return _ops.flatten(input, start_dim, end_dim)


def adaptive_avg_pool2d(input, output_size):
    if output_size in (1, (1, 1), [1, 1]):  # PyTorch takes the mean
        return _ops.mean(input, (-2, -1), keepdim=True)
    from funcgrad.torch.nn.spatial import adaptive_avg_pool2d as pool
    return pool(input, output_size)


from funcgrad.torch.nn.loss_functions import (binary_cross_entropy,  # noqa: E402,F401
                                              binary_cross_entropy_with_logits,
                                              cosine_embedding_loss, cross_entropy,
                                              gaussian_nll_loss, hinge_embedding_loss,
                                              huber_loss, kl_div, l1_loss, margin_ranking_loss,
                                              mse_loss, multilabel_soft_margin_loss, nll_loss,
                                              poisson_nll_loss, smooth_l1_loss, soft_margin_loss,
                                              triplet_margin_loss)
from funcgrad.torch.nn.loss_functions import (multi_margin_loss,  # noqa: E402,F401
                                              multilabel_margin_loss,
                                              triplet_margin_with_distance_loss)
from funcgrad.torch.nn.loss_functions import _reduction as _reduction_of  # noqa: E402,F401
from funcgrad.torch.nn.activation import (celu, glu, hardshrink, hardsigmoid, hardswish,  # noqa: E402,F401
                                          logsigmoid, mish, prelu, selu, softmin,
                                          softshrink, softsign, tanhshrink, threshold)
from funcgrad.torch.nn.normalization import (group_norm, instance_norm, layer_norm,  # noqa: E402,F401
                                             local_response_norm, rms_norm)
from funcgrad.torch.nn.spatial import (adaptive_avg_pool1d, adaptive_max_pool1d,  # noqa: E402,F401
                                       adaptive_max_pool2d, avg_pool1d, conv1d, dropout1d,
                                       dropout2d, dropout3d, interpolate, max_pool1d,
                                       pixel_shuffle, pixel_unshuffle, upsample)
from funcgrad.torch.nn.blocks import fold, max_unpool2d, unfold  # noqa: E402,F401
from funcgrad.torch.nn.spatial import alpha_dropout, feature_alpha_dropout  # noqa: E402,F401
from funcgrad.torch.nn.inplace_activations import (celu_, elu_, hardtanh_,  # noqa: E402,F401
                                                   leaky_relu_, rrelu, rrelu_, selu_, threshold_)
from funcgrad.torch.nn.rearranging import (channel_shuffle,  # noqa: E402,F401
                                           native_channel_shuffle, upsample_bilinear,
                                           upsample_nearest)
from funcgrad.torch.nn.ctc import ctc_loss  # noqa: E402,F401
from funcgrad.torch.nn.distance import cosine_similarity, pairwise_distance  # noqa: E402,F401
from funcgrad.torch.nn.layers import bilinear  # noqa: E402,F401
from funcgrad.torch.nn.attention import scaled_dot_product_attention  # noqa: E402,F401
from funcgrad.torch.nn.transposed import (conv_transpose1d, conv_transpose2d,  # noqa: E402,F401
                                         conv_transpose3d)
from funcgrad.torch.nn.embedding_bag import embedding_bag  # noqa: E402,F401
from funcgrad.torch.nn.sampling import affine_grid, grid_sample  # noqa: E402,F401
from funcgrad.torch.nn.volumetric import (adaptive_avg_pool3d, avg_pool3d, conv3d,  # noqa: E402,F401
                                          max_pool3d)
from funcgrad.torch.nn.pooling import (adaptive_max_pool1d_with_indices,  # noqa: E402,F401
                                       adaptive_max_pool2d_with_indices, adaptive_max_pool3d,
                                       adaptive_max_pool3d_with_indices, lp_pool1d, lp_pool2d,
                                       lp_pool3d, max_pool1d_with_indices, max_pool2d_with_indices,
                                       max_pool3d_with_indices, max_unpool1d, max_unpool3d)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + Gumbel noise) / tau); with hard, the one-hot of its argmax in the
    forward pass and the soft sample's gradient (straight through)."""
    from funcgrad.torch.random import default_generator
    noise = -np.log(default_generator.rng.exponential(size=tuple(logits.shape)))
    soft = _ops.softmax((logits + Tensor._make(noise.astype(logits._data.dtype))) / tau, dim)
    if not hard:
        return soft
    index = np.argmax(np.asarray(soft._data), axis=dim)
    one_hot = np.zeros(soft.shape, soft._data.dtype)
    np.put_along_axis(one_hot, np.expand_dims(index, dim), 1, axis=dim)
    return Tensor._make(one_hot) - soft.detach() + soft


def pdist(input, p=2):
    """The distances between the rows of input, i < j, in row-major order."""
    rows, cols = np.triu_indices(input.shape[0], 1)
    return _ops.norm(input[rows] - input[cols], p, 1)
