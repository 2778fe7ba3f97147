"""funcgrad.scipy.stats: differentiable distributions (norm)."""
from funcgrad.scipy.stats import norm  # noqa: F401
