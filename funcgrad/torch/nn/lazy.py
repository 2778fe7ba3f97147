"""Lazy modules (LazyLinear, LazyConv*d, LazyConvTranspose*d, LazyBatchNorm*d,
LazyInstanceNorm*d): their parameters are UninitializedParameters until the first call infers
the input's size; then they are materialised in place, initialised as the ordinary module's, and
the module becomes that module (`cls_to_become`), as PyTorch's LazyModuleMixin does."""
from __future__ import annotations

import numpy as np

from funcgrad.torch.nn.layers import BatchNorm1d, BatchNorm2d, BatchNorm3d, Conv2d, Linear
from funcgrad.torch.nn.normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from funcgrad.torch.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from funcgrad.torch.nn.spatial import Conv1d
from funcgrad.torch.nn.transposed import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from funcgrad.torch.nn.volumetric import Conv3d


def _assign(module, name, value):
    """Set a parameter or buffer where the ordinary module left a plain `None` attribute."""
    module.__dict__.pop(name, None)
    if isinstance(value, UninitializedBuffer):
        module.register_buffer(name, value)
    else:
        setattr(module, name, value)


class LazyModuleMixin:
    """A mixin for modules whose parameters' shapes come from their first input: until that
    first call they hold UninitializedParameters; the call materialises and initialises them and
    the module becomes `cls_to_become`. Move and cast the module before that first call."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters)

    def has_uninitialized_params(self):
        """Does this module still hold an uninitialised parameter or buffer?"""
        return any(is_lazy(v) for v in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        """Materialise the parameters from the first input's sizes (each lazy module's own)."""
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {type(self).__name__}")

    @staticmethod
    def _infer_parameters(module, args):
        module.initialize_parameters(*args)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose in_features is inferred from the first input's last dimension."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        _assign(self, "weight", UninitializedParameter(device=device, dtype=dtype))
        self.out_features = out_features
        if bias:
            _assign(self, "bias", UninitializedParameter(device=device, dtype=dtype))

    def reset_parameters(self):
        """Initialise as Linear does, once the parameters have their shapes."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        """in_features from input.shape[-1]; then Linear's initialisation."""
        if self.has_uninitialized_params():
            from funcgrad.torch import grad_mode
            with grad_mode.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConvXdMixin(LazyModuleMixin):
    """in_channels from the first input (dimension 1 batched, 0 unbatched)."""

    def _lazy_init(self, out_channels, bias, device, dtype):
        _assign(self, "weight", UninitializedParameter(device=device, dtype=dtype))
        self.out_channels = out_channels
        if bias:
            _assign(self, "bias", UninitializedParameter(device=device, dtype=dtype))

    def reset_parameters(self):
        """Initialise as the ordinary convolution does, once the shapes are known."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        """in_channels from the input; then the convolution's initialisation."""
        if not self.has_uninitialized_params():
            return
        from funcgrad.torch import grad_mode
        with grad_mode.no_grad():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            else:
                shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _get_in_channels(self, input):
        unbatched = self._spatial_dims + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(
                f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {input.shape}")
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]


def _lazy_conv(name, base, dims):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        if base is Conv3d:  # (funcgrad's Conv3d pads with zeros only)
            base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False)
        else:
            base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False,
                          padding_mode)
        self._initialize_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters)
        self._lazy_init(out_channels, bias, device, dtype)
    __init__.__qualname__ = f"{name}.__init__"
    doc = (f"A {base.__name__} whose in_channels is inferred from the first input's "
           "channel dimension.")
    return type(name, (_LazyConvXdMixin, base), {"__init__": __init__, "cls_to_become": base,
                                                 "_spatial_dims": dims, "__doc__": doc,
                                                 "__module__": __name__})


def _lazy_conv_transpose(name, base, dims):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups, False,
                      dilation, padding_mode)
        self._initialize_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters)
        self._lazy_init(out_channels, bias, device, dtype)
    __init__.__qualname__ = f"{name}.__init__"
    doc = (f"A {base.__name__} whose in_channels is inferred from the first input's "
           "channel dimension.")
    return type(name, (_LazyConvXdMixin, base), {"__init__": __init__, "cls_to_become": base,
                                                 "_spatial_dims": dims, "__doc__": doc,
                                                 "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3)
LazyConvTranspose1d = _lazy_conv_transpose("LazyConvTranspose1d", ConvTranspose1d, 1)
LazyConvTranspose2d = _lazy_conv_transpose("LazyConvTranspose2d", ConvTranspose2d, 2)
LazyConvTranspose3d = _lazy_conv_transpose("LazyConvTranspose3d", ConvTranspose3d, 3)


class _LazyNormBase(LazyModuleMixin):
    """num_features from the first input's dimension 1 (PyTorch's rule, unbatched inputs too)."""

    def _lazy_init(self, affine, track_running_stats, bias, device, dtype):
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            _assign(self, "weight", UninitializedParameter(device=device, dtype=dtype))
            if bias:
                _assign(self, "bias", UninitializedParameter(device=device, dtype=dtype))
        if track_running_stats:
            from funcgrad.torch.tensor import Tensor
            _assign(self, "running_mean", UninitializedBuffer(device=device, dtype=dtype))
            _assign(self, "running_var", UninitializedBuffer(device=device, dtype=dtype))
            self.__dict__.pop("num_batches_tracked", None)
            self.register_buffer("num_batches_tracked", Tensor._make(np.zeros((), np.int64)))

    def reset_parameters(self):
        """Initialise as the ordinary norm does, once the shapes are known."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        """num_features from input.shape[1]; weights ones, biases zeros, fresh statistics."""
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[1]
        for name in ("weight", "bias"):
            if self.affine and getattr(self, name) is not None:
                getattr(self, name).materialize((self.num_features,))
        if self.track_running_stats:
            self.running_mean.materialize((self.num_features,))
            self.running_var.materialize((self.num_features,))
        self.reset_parameters()


def _lazy_norm(name, base):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        base.__init__(self, 0, eps, momentum, False, False)
        self._initialize_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters)
        self._lazy_init(affine, track_running_stats, bias, device, dtype)
    __init__.__qualname__ = f"{name}.__init__"
    doc = f"A {base.__name__} whose num_features is inferred from the first input's dimension 1."
    return type(name, (_LazyNormBase, base), {"__init__": __init__, "cls_to_become": base,
                                              "__doc__": doc, "__module__": __name__})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d)
