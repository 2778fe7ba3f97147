"""funcgrad.scipy: differentiable versions of SciPy functions (SciPy is an optional extra).

    import funcgrad.scipy.special as fsp
    import funcgrad.scipy.stats.norm as norm
    import funcgrad.scipy.optimize as fopt      # needs SciPy: pip install funcgrad[scipy]
    import funcgrad.scipy.integrate as fint     # needs SciPy: pip install funcgrad[scipy]

`optimize` and `integrate` run SciPy's own solvers, so they are imported when first used
(`funcgrad.scipy.optimize` is then an attribute like the others); `import funcgrad` never
needs SciPy.
"""
import importlib

from funcgrad.scipy import linalg, signal, special, stats  # noqa: F401

__all__ = ["linalg", "signal", "special", "stats"]  # optimize and integrate need SciPy

_NEED_SCIPY = ("optimize", "integrate")


def __getattr__(name):
    if name in _NEED_SCIPY:  # ImportError naming the extra when SciPy is missing
        return importlib.import_module(f"funcgrad.scipy.{name}")
    raise AttributeError(f"module 'funcgrad.scipy' has no attribute {name!r}")
