"""FFTs on real and complex inputs, every norm, with padding and cropping."""
from hypothesis import strategies as st

from tests.opinfo import Case
from tests.opinfo import strategies as S

NORMS = st.sampled_from([None, "ortho", "forward"])


def signal(complex_=False):
    def build(shape):
        re = S.values(shape)
        if not complex_:
            return re
        return st.tuples(re, S.values(shape)).map(lambda p: p[0] + 1j * p[1])
    return S.shapes(min_dims=1, max_dims=2, min_side=2).flatmap(build)


def with_options(x_strategy, n=True):
    sizes = st.sampled_from([None, 2, 5]) if n else st.just(None)
    return st.tuples(x_strategy, st.fixed_dictionaries({"n": sizes, "norm": NORMS}))


CASES = [
    Case("fft", lambda xp, x, n, norm: xp.fft.fft(x, n=n, norm=norm), with_options(signal())),
    Case("fft", lambda xp, x, n, norm: xp.fft.ifft(x, n=n, norm=norm), with_options(signal(True)),
         name="inverse_complex", float32=False),
    Case("fft", lambda xp, x, norm: xp.fft.fft2(x, norm=norm) if x.ndim == 2 else xp.fft.fftn(x),
         st.tuples(signal(True), st.fixed_dictionaries({"norm": NORMS})), name="2d",
         float32=False),
    Case("rfft", lambda xp, x, n, norm: xp.fft.rfft(x, n=n, norm=norm), with_options(signal())),
    Case("rfft", lambda xp, x, norm: xp.fft.rfftn(x, norm=norm),
         st.tuples(signal(), st.fixed_dictionaries({"norm": NORMS})), name="nd"),
    Case("irfft", lambda xp, x, n, norm: xp.fft.irfft(x, n=n, norm=norm), with_options(signal(True)),
         float32=False),
    Case("irfft", lambda xp, x, n, norm: xp.fft.irfft(x, n=n, norm=norm), with_options(signal()),
         name="real_input"),
    Case("irfft", lambda xp, x, norm: xp.fft.hfft(x, norm=norm),
         st.tuples(signal(True), st.fixed_dictionaries({"norm": NORMS})), name="hfft",
         float32=False),
]
