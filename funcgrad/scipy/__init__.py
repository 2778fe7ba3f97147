"""funcgrad.scipy: differentiable versions of SciPy functions (SciPy is an optional extra).

    import funcgrad.scipy.special as fsp
    import funcgrad.scipy.stats.norm as norm
"""
from funcgrad.scipy import linalg, optimize, signal, special, stats  # noqa: F401

__all__ = ["linalg", "optimize", "signal", "special", "stats"]
