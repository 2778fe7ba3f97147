"""funcgrad.scipy: differentiable versions of SciPy functions (SciPy is an optional extra).

    import funcgrad.scipy.special as fsp
    import funcgrad.scipy.stats.norm as norm
"""
from funcgrad.scipy import linalg, signal, special, stats  # noqa: F401
