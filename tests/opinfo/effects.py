"""Effects: primitives run for what they do, not for a value (funcgrad/debug/_callback.py).

debug_callback has no outputs and no derivative; jit keeps it (tests/test_debug.py checks that
it runs on every call, and once per example under vmap)."""
from funcgrad.debug._callback import debug_callback_p
from tests.opinfo import Case
from tests.opinfo import strategies as S


def _ignore(*values):
    return None


CASES = [
    Case("debug_callback", lambda xp, x: debug_callback_p.bind(x, callback=_ignore, batched=False),
         S.unary(), reference=False, differentiable=False),
]
