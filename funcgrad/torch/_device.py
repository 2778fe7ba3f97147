"""torch.device: funcgrad.torch computes on the CPU only; the object is there so that code
passing `device=` around runs unchanged."""
from __future__ import annotations


class device:  # noqa: N801 - PyTorch's name
    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            type, number = type.split(":")
            index = int(number)
        self.type, self.index = str(type), index

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        # `with torch.device("meta"):` factories inside make tensors on this device
        from funcgrad.torch import _meta
        _meta.push_default(self.type)
        return self

    def __exit__(self, *exc):
        from funcgrad.torch import _meta
        _meta.pop_default()
        return False


CPU = device("cpu")
META = device("meta")
