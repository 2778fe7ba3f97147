"""torch.return_types: the named tuples PyTorch's functions of several results return
(`torch.return_types.svd(U=..., S=..., V=...)`), printed and indexed as there."""
from __future__ import annotations

from funcgrad.torch._ops import _MaxReturn as max, _MinReturn as min, _return_type  # noqa: A004

svd = _return_type("svd", ("U", "S", "V"))
linalg_svd = _return_type("linalg_svd", ("U", "S", "Vh"))
qr = _return_type("qr", ("Q", "R"))
linalg_qr = _return_type("linalg_qr", ("Q", "R"))
linalg_eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
slogdet = _return_type("slogdet", ("sign", "logabsdet"))
linalg_slogdet = _return_type("linalg_slogdet", ("sign", "logabsdet"))
histogram = _return_type("histogram", ("hist", "bin_edges"))
frexp = _return_type("frexp", ("mantissa", "exponent"))

__all__ = ["max", "min", "svd", "linalg_svd", "qr", "linalg_qr", "linalg_eigh", "slogdet",
           "linalg_slogdet", "histogram", "frexp"]
