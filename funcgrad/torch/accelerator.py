"""torch.accelerator: funcgrad runs on the CPU only, so there is no accelerator."""
from __future__ import annotations


def is_available() -> bool:
    """False: funcgrad has no accelerator backend."""
    return False


def current_accelerator(check_available: bool = False):
    """None: no accelerator."""
    return None


def device_count() -> int:
    """0 accelerators."""
    return 0


def synchronize(device=None) -> None:
    """Nothing to wait for on the CPU."""
