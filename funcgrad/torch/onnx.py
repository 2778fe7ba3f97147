"""torch.onnx: funcgrad cannot export ONNX graphs (it records no TorchScript/FX graph)."""
from __future__ import annotations


def export(model, args=(), f=None, *rest, **options):
    """Refuses: ONNX export is not available in funcgrad.torch."""
    raise NotImplementedError(
        "torch.onnx.export is not supported by funcgrad.torch: it has no graph capture to "
        "translate to ONNX. Save the weights with torch.save(model.state_dict(), path) and "
        "export from PyTorch itself if you need an ONNX file.")


def is_in_onnx_export() -> bool:
    """False: funcgrad never exports."""
    return False
