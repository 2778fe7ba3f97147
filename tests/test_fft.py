"""funcgrad.numpy.fft: values equal numpy.fft; derivatives (real and complex inputs, every
norm, padding and cropping) match finite differences to second order in both modes."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from tests._numeric import check_scalar

F = fnp.fft
rng = np.random.default_rng(1)
X = rng.standard_normal((4, 5))
Z = X + 1j * rng.standard_normal((4, 5))
W = rng.standard_normal((9, 9))


def loss(y):
    """A real, non-linear function of a real or complex array (weights break symmetries)."""
    w = W[tuple(slice(0, n) for n in y.shape)]
    if np.iscomplexobj(np.empty(0, y.dtype)):
        return fnp.sum(fnp.abs(y) ** 2 * w) + fnp.sum(fnp.real(y) * fnp.imag(y))
    return fnp.sum(fnp.sin(y) * w)


CASES = [
    ("fft", {}), ("fft", {"n": 3}), ("fft", {"n": 7, "axis": 0, "norm": "ortho"}),
    ("ifft", {"norm": "forward"}), ("fft2", {}), ("ifft2", {"s": (3, 6)}),
    ("fftn", {"axes": (1,)}), ("ifftn", {"norm": "ortho"}),
    ("rfft", {}), ("rfft", {"n": 8, "norm": "ortho"}), ("rfft2", {}), ("rfftn", {"norm": "forward"}),
    ("irfft", {}), ("irfft", {"n": 9, "axis": 0}), ("irfft2", {"s": (3, 5), "norm": "ortho"}),
    ("irfftn", {}), ("hfft", {}), ("hfft", {"n": 6, "norm": "ortho"}), ("ihfft", {}),
    ("fftshift", {}), ("ifftshift", {"axes": 1}),
]
REAL_ONLY = {"rfft", "rfft2", "rfftn", "ihfft"}


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
@pytest.mark.parametrize("kind", ["real", "complex"])
def test_fft_values_and_derivatives(name, kwargs, kind):
    if kind == "complex" and name in REAL_ONLY:
        pytest.skip("a real-input transform")
    x = X if kind == "real" else Z
    ours, theirs = getattr(F, name), getattr(np.fft, name)
    np.testing.assert_allclose(ours(x, **kwargs), theirs(x, **kwargs), atol=1e-12)
    check_scalar(lambda a: loss(ours(a, **kwargs)), x)


def test_parseval_gradient():
    # sum |fft(x)|^2 = n sum x^2, so the gradient is 2 n x
    np.testing.assert_allclose(fg.grad(lambda x: fnp.sum(fnp.abs(F.fft(x)) ** 2))(X[0]),
                               2 * 5 * X[0], rtol=1e-12)


def test_plain_numpy_fft_dispatches():
    g = fg.grad(lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2))(X[0])
    np.testing.assert_allclose(g, fg.grad(lambda x: fnp.sum(fnp.abs(F.rfft(x)) ** 2))(X[0]))


def test_frequencies_are_numpys():
    np.testing.assert_array_equal(F.fftfreq(5, 0.1), np.fft.fftfreq(5, 0.1))
    np.testing.assert_array_equal(F.rfftfreq(6), np.fft.rfftfreq(6))


def test_against_torch():
    torch = pytest.importorskip("torch")
    xt = torch.tensor(X, requires_grad=True)
    (torch.fft.irfft(torch.fft.rfft(xt, norm="ortho") ** 2, n=5).sin().sum()).backward()
    g = fg.grad(lambda x: fnp.sum(fnp.sin(F.irfft(F.rfft(x, norm="ortho") ** 2, n=5))))(X)
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-10)
