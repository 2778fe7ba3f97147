"""funcgrad.debug: print and call back from inside transformed functions, and NaN checking.

- `print(fmt, *args, **kwargs)` and `callback(fn, *args)` run on every call, jitted or not, and
  once per example under vmap (or once with the batch, batched=True);
- `debug_nans()` (also `funcgrad.debug_nans`, and `fg.config.update("debug_nans", True)`)
  raises FloatingPointError at the first NaN/inf made from finite inputs, forward or backward.

See docs/debugging.md.
"""
from funcgrad.debug._callback import callback, print  # noqa: F401,A004
from funcgrad.debug._nans import debug_nans  # noqa: F401

__all__ = ["callback", "print", "debug_nans"]
