"""More of NumPy's main namespace: complex parts, and elementwise functions beyond the core set."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives.elementwise import (astype, complex_p, conj, conjugate,  # noqa: F401
                                             imag, real)


def angle(z, deg=False):
    """The argument of a complex number, arctan2(imag, real) (in degrees with deg=True)."""
    out = ew.arctan2(imag(z), real(z))
    return out * (180.0 / np.pi) if deg else out


__all__ = ["angle", "conj", "conjugate", "imag", "real"]
