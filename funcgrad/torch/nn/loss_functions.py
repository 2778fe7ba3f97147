"""The loss functions of torch.nn.functional, each with `reduction` ('mean', 'sum', 'none')."""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer

from funcgrad.primitives import elementwise as ew, nn as nnp, reductions as red
from funcgrad.torch._composite import composite
from funcgrad.torch import _ops
from funcgrad.torch._ops import as_tensor_arg
from funcgrad.torch.tensor import Tensor, apply

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:  # the deprecated arguments
        if reduce is False:
            return "none"
        return "sum" if size_average is False else "mean"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return _ops.mean(loss)
    if reduction == "sum":
        return _ops.sum(loss)
    return loss


def _reduce_values(loss, reduction):
    """The reduction on plain values (inside composites)."""
    if reduction == "mean":
        return nnp.mean(loss, axis=None, keepdims=False)
    if reduction == "sum":
        return red.sum_p.bind(loss, axis=None, keepdims=False)
    return loss


def _check_same_size(input, target, name):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})\n[funcgrad] in {name}: pass a target shaped like the input.")


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    _check_same_size(input, target, "binary_cross_entropy_with_logits")
    if weight is None and pos_weight is None:
        return apply(nnp.binary_cross_entropy_with_logits, (input, target),
                     {"reduction": reduction}, "BinaryCrossEntropyWithLogitsBackward0")
    log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * target
    loss = (1 - target) * input + log_weight * (-_ops.minimum(input, input * 0)
                                                + _ops.log1p(_ops.exp(-_ops.abs(input))))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    _check_same_size(input, target, "binary_cross_entropy")
    def bce(x, y, w):
        # PyTorch clamps the logarithms at -100
        loss = -(y * nnp.clamp(ew.log(x), low=-100.0, high=np.inf)
                 + (1 - y) * nnp.clamp(ew.log(1 - x), low=-100.0, high=np.inf))
        return _reduce_values(loss if w is None else loss * w, reduction)
    return composite("BinaryCrossEntropyBackward0", bce, input, target, weight)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    if tuple(input.shape) != tuple(target.shape):
        import warnings
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=2)
        return _reduce((input - target) ** 2, reduction)
    return apply(nnp.mse_loss, (input, target), {"reduction": reduction}, "MseLossBackward0")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _reduce(_ops.abs(input - target), _reduction(reduction, size_average, reduce))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _reduction(reduction, size_average, reduce)

    def smooth_l1(x, y):
        diff = ew.absolute(x - y)
        small = ew.less(diff, beta)
        # 0.5 d^2 / beta below beta, d - 0.5 beta above
        loss = ew.where(small, 0.5 * diff * diff / beta, diff - 0.5 * beta)
        return _reduce_values(loss, reduction)
    return composite("SmoothL1LossBackward0", smooth_l1, input, as_tensor_arg(target))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    reduction = _reduction(reduction)

    def huber(x, y):  # d^2 / 2 below delta, delta (d - delta / 2) above
        diff = ew.absolute(x - y)
        loss = ew.where(ew.less(diff, delta), 0.5 * diff * diff, delta * (diff - 0.5 * delta))
        return _reduce_values(loss, reduction)
    return composite("HuberLossBackward0", huber, input, as_tensor_arg(target))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    if input.ndim > 2:  # (N, C, d1, ...): classes last, one row per position
        spatial = tuple(target.shape)
        rows = _ops.reshape(_ops.permute(input, (0,) + tuple(range(2, input.ndim)) + (1,)),
                            (-1, input.shape[1]))
        loss = nll_loss(rows, _ops.reshape(target, -1), weight, None, ignore_index, None,
                        reduction)
        loss = _ops.reshape(loss, spatial) if reduction == "none" else loss
        # PyTorch's 2-d kernel takes (N, C, H, W) as it is
        return _renamed(loss, "NllLoss2DBackward0") if input.ndim == 4 else loss
    labels = target._data
    if input.ndim == 1:
        input = _ops.unsqueeze(input, 0)
        labels = _ops.reshape(target, 1)._data
    if not isinstance(labels, Tracer):  # concrete labels can be checked here
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            raise RuntimeError(f"expected scalar type Long but found {target.dtype}".replace("torch.", ""))
        classes = input.shape[1]
        kept = labels != ignore_index
        if weight is not None or not kept.all():
            return _weighted_nll(input, labels, kept, weight, reduction)
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            raise IndexError(f"Target {int(labels.max())} is out of bounds.\n[funcgrad] nll_loss/"
                             f"cross_entropy got {classes} classes; targets must lie in [0, {classes}).")
    return apply(nnp.nll_loss, (input, labels), {"reduction": reduction}, "NllLossBackward0")


def _weighted_nll(input, labels, kept, weight, reduction):
    """nll_loss with class weights and/or ignored targets: -w[t] logp[t], the mean divided by
    the total weight of the targets kept (PyTorch's definition)."""
    classes = input.shape[1]
    safe = np.where(kept, labels, 0)
    if kept.any() and (safe.min() < 0 or safe.max() >= classes):
        raise IndexError(f"Target {int(safe.max())} is out of bounds.")
    w = np.ones(classes, input._data.dtype) if weight is None else np.asarray(weight._data)
    per_target = (w[safe] * kept).astype(input._data.dtype)
    one_hot = np.eye(classes, dtype=input._data.dtype)[safe] * per_target[:, None]

    def loss(logp):
        picked = -red.sum_p.bind(logp * one_hot, axis=(1,), keepdims=False)
        if reduction == "none":
            return picked
        total = red.sum_p.bind(picked, axis=None, keepdims=False)
        return total / per_target.sum() if reduction == "mean" else total
    return composite("NllLossBackward0", loss, input)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    reduction = _reduction(reduction, size_average, reduce)
    target = as_tensor_arg(target)
    dim = 1 if input.ndim > 1 else 0
    logp = _ops.log_softmax(input, dim)
    if target._data.dtype.kind == "f":  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError("expected target dtype to be Long or Byte, but got "
                               f"{_dtype_word(target)}\n[funcgrad] class-index targets must be "
                               "integers (.long()); probability targets must have the input's "
                               "shape")
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / input.shape[dim]
        if weight is not None:
            shape = [1] * input.ndim
            shape[dim] = -1
            logp = logp * _ops.reshape(weight, shape)
        loss = -_ops.sum(target * logp, dim)
        if reduction == "mean":  # PyTorch divides the sum by the batch size
            return _renamed(_ops.sum(loss) / (input.numel() // input.shape[dim]), "DivBackward1")
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if not label_smoothing:
        return nll
    return (1 - label_smoothing) * nll + _smoothing_term(logp, target, weight, ignore_index,
                                                         reduction, dim) * label_smoothing


def _dtype_word(t):
    from funcgrad.torch.errors import tensor_type_name
    return tensor_type_name(t).split(" ")[0][len("torch."):-len("Tensor")]


def _renamed(t, name):
    from funcgrad.torch._math import _renamed as rename
    return rename(t, name)


def _smoothing_term(logp, target, weight, ignore_index, reduction, dim):
    """The uniform-target part of label smoothing: -sum_c w_c logp_c / C per sample, reduced as
    PyTorch does (the mean divides by the weight of the targets kept)."""
    classes = logp.shape[dim]
    if weight is not None:
        shape = [1] * logp.ndim
        shape[dim] = -1
        logp = logp * _ops.reshape(weight, shape)
    labels = np.asarray(target._data)
    kept = labels != ignore_index
    smooth = -_ops.sum(logp, dim) * Tensor._make(kept.astype(logp._data.dtype)) / classes
    if reduction == "none":
        return smooth
    total = _ops.sum(smooth)
    if reduction == "sum":
        return total
    count = float(np.asarray(weight._data)[labels[kept]].sum()) if weight is not None \
        else float(kept.sum())
    return total / count


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    target = as_tensor_arg(target)
    if log_target:
        loss = _ops.exp(target) * (target - input)
    else:
        # PyTorch's xlogy(target, target) - target * input: 0 where target is 0, NaN where it
        # is negative (not a probability), and the input's gradient -target everywhere
        is_zero = target == 0
        safe = _ops.where(is_zero, target * 0 + 1, target)
        loss = _ops.where(is_zero, target * 0, target * _ops.log(safe)) - target * input
    if reduction == "batchmean":
        return _ops.sum(loss) / input.shape[0]
    return _reduce(loss, _reduction(reduction, size_average, reduce))


__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
           "huber_loss", "kl_div", "l1_loss", "mse_loss", "nll_loss", "smooth_l1_loss"]


# -- margin, embedding and likelihood losses (tensor operations; derivatives from their rules) --

def margin_ranking_loss(input1, input2, target, size_average=None, reduce=None, margin=0.0,
                        reduction="mean"):
    loss = _ops.clamp(-target * (input1 - input2) + margin, min=0)
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    target = as_tensor_arg(target)
    # PyTorch's: the margin term wherever target != 1, the input wherever target != -1 (so a
    # target other than +-1 takes both)
    loss = _ops.where(target != 1, _ops.clamp(margin - input, min=0), input * 0) + \
        _ops.where(target != -1, input, input * 0)
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    return composite("SoftMarginLossBackward0", lambda x, y: _reduce_values(
        nnp.softplus(-y * x), reduction), input, as_tensor_arg(target))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    from funcgrad.torch.nn.activation import logsigmoid
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = _ops.mean(loss, -1)
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    from funcgrad.torch.nn.distance import cosine_similarity
    cos = cosine_similarity(input1, input2, -1, 1e-12) if input1.ndim > 1 else \
        cosine_similarity(input1, input2, 0, 1e-12)
    loss = _ops.where(target == 1, 1 - cos, _ops.clamp(cos - margin, min=0))
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    target = as_tensor_arg(target)
    if log_input:
        loss = _ops.exp(input) - target * input
    else:
        loss = input - target * _ops.log(input + eps)
    if full:  # Stirling's term t log t - t + log(2 pi t) / 2 where t > 1
        t = target.detach()
        stirling = t * _ops.log(_ops.clamp(t, min=1)) - t + 0.5 * _ops.log(2 * np.pi * _ops.clamp(t, min=1))
        loss = loss + _ops.where(t > 1, stirling, t * 0)
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    var = as_tensor_arg(var)
    if var.ndim == input.ndim - 1 or (var.ndim == input.ndim and var.shape[-1] == 1
                                      and input.shape[-1] != 1):
        var = var if var.ndim == input.ndim else _ops.unsqueeze(var, -1)
    with_clamp = _ops.clamp(var, min=eps)
    var = var + (with_clamp - var).detach()  # clamped value, gradient as if unclamped
    loss = 0.5 * (_ops.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * float(np.log(2 * np.pi))
    return _reduce(loss, _reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p: float = 2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    from funcgrad.torch.nn.distance import pairwise_distance
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    loss = _ops.clamp(d_pos - d_neg + margin, min=0)
    return _reduce(loss, _reduction(reduction, size_average, reduce))


__all__ += ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
            "multilabel_soft_margin_loss", "cosine_embedding_loss", "poisson_nll_loss",
            "gaussian_nll_loss", "triplet_margin_loss"]


# -- multi-class margin losses (one composite node each, as PyTorch's kernels) ------------------

def _class_labels(target, name):
    labels = np.asarray(as_tensor_arg(target)._data)
    if labels.dtype != np.int64:
        from funcgrad.torch.errors import tensor_type_name
        found = tensor_type_name(as_tensor_arg(target)).split(" ")[0][6:-6]  # torch.XTensor
        raise RuntimeError(f"expected scalar type Long but found {found}\n[funcgrad] in {name}: "
                           "pass the class indices as an int64 tensor.")
    return labels


def _margin_input(input, name):
    if input.ndim > 2 or input.numel() == 0:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(input.shape)}")
    return input.ndim == 1


def _positive(z):
    """max(z, 0), with no gradient where z <= 0 (PyTorch's kernels test z > 0)."""
    return ew.where(z > 0, z, 0.0 * z)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    vector = _margin_input(input, "multi_margin_loss")
    labels = _class_labels(target, "multi_margin_loss").reshape(-1)
    rows, classes = (1, input.shape[0]) if vector else tuple(input.shape)
    if labels.size != rows:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{rows}], but got "
            f"{list(np.shape(as_tensor_arg(target)._data))}. Input has shape {list(input.shape)}.")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise RuntimeError("target out of range")
    if weight is not None and tuple(weight.shape) != (classes,):
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got "
                           f"{list(weight.shape)}")
    others = np.arange(classes)[None, :] != labels[:, None]  # every class but the target's
    picked = (np.arange(rows), labels)

    def loss_of(x, w):
        from funcgrad.primitives.indexing import getitem_p
        from funcgrad.primitives import shape as shp
        x = shp.reshape(x, (rows, classes))
        z = _positive(margin - shp.reshape(getitem_p.bind(x, index=picked), (rows, 1)) + x)
        z = z if p == 1 else z * z
        if w is not None:
            z = z * shp.reshape(getitem_p.bind(w, index=(labels,)), (rows, 1))
        per_sample = red.sum_p.bind(ew.where(others, z, 0.0 * z), axis=(1,), keepdims=False) / classes
        if vector and reduction == "none":
            per_sample = shp.reshape(per_sample, ())
        return _reduce_values(per_sample, reduction)
    return composite("MultiMarginLossBackward0", loss_of, input, weight)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    vector = _margin_input(input, "multilabel_margin_loss")
    labels = _class_labels(target, "multilabel_margin_loss")
    if labels.shape != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(labels.shape)} for input of size: "
                           f"{list(input.shape)}")
    labels = labels.reshape(1, -1) if vector else labels
    rows, classes = labels.shape
    if labels.size and (labels.min() < -1 or labels.max() >= classes):
        raise RuntimeError("argument #2 'target' is out of range")
    # each sample's targets are its labels up to the first -1; how often each class is listed,
    # and which classes are not targets
    listed = np.cumprod(labels != -1, axis=1).astype(bool)
    counts = np.zeros((rows, classes), input._data.dtype)
    for n in range(rows):
        np.add.at(counts[n], labels[n][listed[n]], 1)
    pairs = counts[:, :, None] * (counts == 0)[:, None, :]  # (target j, non-target k)

    def loss_of(x):
        from funcgrad.primitives import shape as shp
        x = shp.reshape(x, (rows, classes))
        z = _positive(1 - shp.reshape(x, (rows, classes, 1)) + shp.reshape(x, (rows, 1, classes)))
        per_sample = red.sum_p.bind(z * pairs, axis=(1, 2), keepdims=False) / classes
        if vector and reduction == "none":
            per_sample = shp.reshape(per_sample, ())
        return _reduce_values(per_sample, reduction)
    return composite("MultilabelMarginLossBackward0", loss_of, input)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = anchor.ndim, positive.ndim, negative.ndim
    if len(set(dims)) != 1:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {dims[0]}D, positive "
                           f"{dims[1]}D, and negative {dims[2]}D inputs")
    if distance_function is None:
        from funcgrad.torch.nn.distance import pairwise_distance as distance_function
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:  # the positive closer to the negative than the anchor is: use that distance
        d_neg = _ops.minimum(d_neg, distance_function(positive, negative))
    from funcgrad.torch._math import clamp_min
    return _reduce(clamp_min(margin + d_pos - d_neg, 0), reduction)


__all__ += ["multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss"]
