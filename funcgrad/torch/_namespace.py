"""The rest of the `torch` namespace that scripts commonly touch: functional aliases
(`torch.conv2d`, `torch.layer_norm`...), in-place functions (`torch.relu_`), index helpers
(`tril_indices`), window functions, random-state and thread settings (no-ops where the CPU-only
NumPy backend has nothing to set)."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.torch import _dtype, _ops
from funcgrad.torch._composite import composite
from funcgrad.torch._math import _values
from funcgrad.torch.tensor import Tensor


def _functional(name):
    def op(*args, **kwargs):
        from funcgrad.torch.nn import functional
        return getattr(functional, name)(*args, **kwargs)
    op.__name__ = name
    return op


_ALIASES = ("conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d layer_norm "
            "group_norm instance_norm batch_norm embedding embedding_bag max_pool1d max_pool2d "
            "max_pool3d "
            "avg_pool1d adaptive_avg_pool1d adaptive_max_pool1d pixel_shuffle pixel_unshuffle "
            "selu celu threshold prelu rrelu hardshrink pdist cosine_similarity pairwise_distance "
            "kl_div binary_cross_entropy_with_logits cosine_embedding_loss hinge_embedding_loss "
            "margin_ranking_loss poisson_nll_loss triplet_margin_loss bilinear rms_norm rrelu_ "
            "threshold_ channel_shuffle native_channel_shuffle feature_alpha_dropout "
            "max_pool1d_with_indices").split()
FUNCTIONAL = {name: _functional(name) for name in _ALIASES}


def _inplace(name):
    def op(input, *args, **kwargs):
        return getattr(input, name + "_")(*args, **kwargs)
    op.__name__ = name + "_"
    return op


_INPLACE = ("abs acos acosh asin asinh atan atanh arccos arccosh arcsin arcsinh arctan arctanh "
            "ceil clamp clamp_max clamp_min clip cos cosh deg2rad erf erfc exp exp2 expm1 fix floor "
            "frac gcd lcm ldexp log log10 log1p log2 logit nan_to_num neg negative rad2deg "
            "reciprocal relu round rsqrt selu sigmoid sin sinc sinh sqrt square tan tanh trunc "
            "i0 celu").split()
INPLACE = {name + "_": _inplace(name) for name in _INPLACE}
INPLACE["selu_"] = _functional("selu_")  # (its node is PyTorch's in-place one)
INPLACE["celu_"] = _functional("celu_")


def tril_indices(row, col, offset=0, *, dtype=None, **_):
    rows, cols = np.tril_indices(row, offset, col)
    return Tensor._make(np.stack([rows, cols]).astype(_dtype.to_numpy(dtype) or np.int64))


def triu_indices(row, col, offset=0, *, dtype=None, **_):
    rows, cols = np.triu_indices(row, offset, col)
    return Tensor._make(np.stack([rows, cols]).astype(_dtype.to_numpy(dtype) or np.int64))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    return Tensor._make(np.isin(_values(elements), _values(test_elements), invert=invert))


def ravel(input):
    return _ops.reshape(input, -1)


def scalar_tensor(s, *, dtype=None, **_):
    return Tensor._make(np.asarray(s, _dtype.to_numpy(dtype) or _dtype.default_float()))


def range(start, end, step=1, *, dtype=None, **_):  # noqa: A001 - torch.range (deprecated)
    values = np.arange(start, end + step / 2, step)
    return Tensor._make(values.astype(_dtype.to_numpy(dtype) or _dtype.default_float()))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    if isinstance(x, Tensor):
        return composite("SumBackward1", lambda a, b: fnp.trapezoid(a, b, axis=dim), y, x)
    return composite("SumBackward1", lambda a: fnp.trapezoid(a, dx=1.0 if dx is None else dx,
                                                             axis=dim), y)


trapz = trapezoid


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    spacing = 1.0 if dx is None else dx
    length = y.shape[dim]
    left, right = y.narrow(dim, 0, length - 1), y.narrow(dim, 1, length - 1)
    widths = (x.narrow(dim, 1, length - 1) - x.narrow(dim, 0, length - 1)) if isinstance(
        x, Tensor) else spacing
    return ((left + right) * widths / 2).cumsum(dim)


def _window(fn):
    def window(window_length, periodic=True, *, dtype=None, **_):
        n = window_length + 1 if periodic else window_length
        values = fn(n)[:window_length] if window_length > 1 else np.ones(window_length)
        return Tensor._make(values.astype(_dtype.to_numpy(dtype) or _dtype.default_float()))
    return window


hann_window, hamming_window = _window(np.hanning), _window(np.hamming)
blackman_window, bartlett_window = _window(np.blackman), _window(np.bartlett)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, **_):
    n = window_length + 1 if periodic else window_length
    values = np.kaiser(n, beta)[:window_length]
    return Tensor._make(values.astype(_dtype.to_numpy(dtype) or _dtype.default_float()))


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    counts, edges = np.histogram(_values(input), bins, range,
                                 weights=None if weight is None else _values(weight),
                                 density=density)
    dtype = _values(input).dtype
    from funcgrad.torch import return_types
    return return_types.histogram(Tensor._make(counts.astype(dtype)),
                                  Tensor._make(edges.astype(dtype)))


def frexp(input):
    from funcgrad.torch import return_types
    mantissa, exponent = np.frexp(_values(input))
    return return_types.frexp(Tensor._make(mantissa), Tensor._make(exponent.astype(np.int32)))


def empty_strided(size, stride, *, dtype=None, **_):
    return Tensor._make(np.zeros(tuple(size), _dtype.to_numpy(dtype) or _dtype.default_float()))


def fill(input, value):
    return _ops.clone(input).fill_(value)


def nuclear_norm(input, dim=None, keepdim=False):
    from funcgrad.torch import linalg
    return linalg.matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim)


def frobenius_norm(input, dim=(-2, -1), keepdim=False):
    from funcgrad.torch import linalg
    return linalg.vector_norm(input, 2, dim, keepdim)


# -- settings the NumPy backend has no use for (kept so that scripts run) ---------------------------

_SETTINGS = {"threads": 1, "interop": 1, "deterministic": False, "warn_only": False,
             "matmul_precision": "highest", "anomaly": False, "warn_always": False}


def get_num_threads():
    return _SETTINGS["threads"]


def set_num_threads(n):
    _SETTINGS["threads"] = int(n)


def get_num_interop_threads():
    return _SETTINGS["interop"]


def set_num_interop_threads(n):
    _SETTINGS["interop"] = int(n)


def use_deterministic_algorithms(mode, *, warn_only=False):
    _SETTINGS["deterministic"], _SETTINGS["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _SETTINGS["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _SETTINGS["warn_only"]


def set_float32_matmul_precision(precision):
    _SETTINGS["matmul_precision"] = precision


def get_float32_matmul_precision():
    return _SETTINGS["matmul_precision"]


def set_warn_always(flag):
    _SETTINGS["warn_always"] = bool(flag)


def is_warn_always_enabled():
    return _SETTINGS["warn_always"]


def get_rng_state():
    """The default generator's state, as a tensor of bytes (restore it with set_rng_state)."""
    import json
    from funcgrad.torch.random import default_generator
    text = json.dumps(default_generator.get_state()).encode()
    return Tensor._make(np.frombuffer(text, np.uint8).copy())


def set_rng_state(new_state):
    import json
    from funcgrad.torch.random import default_generator
    default_generator.set_state(json.loads(bytes(np.asarray(new_state._data)).decode()))


def get_default_device():
    from funcgrad.torch._device import device
    from funcgrad.torch._meta import default_type
    return device(default_type())


def set_default_device(device):
    """Factories make tensors on `device` by default ("meta" or the CPU; None: the CPU)."""
    from funcgrad.torch._meta import set_default
    set_default(device)


def is_inference_mode_enabled():
    from funcgrad.torch import grad_mode
    return bool(getattr(grad_mode._state, "inference", False))


def typename(obj):
    if isinstance(obj, Tensor):
        from funcgrad.torch._methods import _TYPE_NAMES
        return f"torch.{_TYPE_NAMES[obj.dtype.name]}Tensor"
    # a class or function names itself; any other object names its type; builtins go unnamed
    named = hasattr(obj, "__qualname__") or hasattr(obj, "__name__")
    module = (getattr(obj, "__module__", "") if named else type(obj).__module__) or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) if named \
        else type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


class autocast:  # noqa: N801 - mixed precision is not modelled: runs in the tensors' dtypes
    def __init__(self, device_type="cpu", dtype=None, enabled=True, cache_enabled=None):
        self.device_type, self.dtype, self.enabled = device_type, dtype, enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        return fn
