"""fg.config: global switches, JAX's way (`fg.config.update("debug_nans", True)`).

Only debugging switches live here; they change which interpreters run, never a result.
"""
from __future__ import annotations


class Config:
    """`update(name, value)` and read-only attributes. Names may carry JAX's `jax_` prefix."""

    def __init__(self):
        self._values = {"debug_nans": False}

    def update(self, name: str, value) -> None:
        """Set a switch. "debug_nans": raise FloatingPointError at the first NaN or inf made
        from finite inputs, forward or backward (see funcgrad.debug_nans). JAX's "debug_infs"
        is accepted as the same switch (funcgrad checks both together)."""
        key = name[4:] if name.startswith("jax_") else name
        key = "debug_nans" if key == "debug_infs" else key
        if key not in self._values:
            raise AttributeError(f"fg.config has no switch {name!r}; it has "
                                 f"{', '.join(self._values)}.")
        from funcgrad.debug import _nans
        value = bool(value)
        if value != self._values[key]:
            if value:
                _nans.enable(infs=True)
            else:
                _nans.disable(True)
        self._values[key] = value

    def __getattr__(self, name):
        key = name[4:] if name.startswith("jax_") else name
        values = self.__dict__.get("_values", {})
        if key in values:
            return values[key]
        raise AttributeError(name)


config = Config()

__all__ = ["Config", "config"]
