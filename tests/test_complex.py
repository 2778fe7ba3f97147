"""Complex numbers: one convention (JAX's), checked against finite differences, holomorphic=True,
and forward/reverse consistency; real, imag, conj, angle, abs; complex through elementwise ops."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.elementwise import complex_p
from tests._numeric import check_scalar

rng = np.random.default_rng(3)
Z = rng.standard_normal(4) + 1j * rng.standard_normal(4)
W = rng.standard_normal(4)

HOLOMORPHIC = ["sin", "cos", "tan", "exp", "log", "sqrt", "square", "sinh", "cosh", "tanh",
               "reciprocal", "expm1", "log1p", "exp2", "log2", "log10", "arctan", "arcsinh", "arcsin"]


def test_grad_of_a_real_function_is_the_conjugate_wirtinger_convention():
    # f(z) = |z|^2 = x^2 + y^2: grad = df/dx - i df/dy = 2 conj(z) (as jax.grad gives 6-8j at 3+4j)
    assert fg.grad(lambda z: fnp.abs(z) ** 2)(3 + 4j) == pytest.approx(6 - 8j)
    assert fg.grad(lambda z: fnp.real(z) ** 2 + fnp.imag(z) ** 2)(3 + 4j) == pytest.approx(6 - 8j)


@pytest.mark.parametrize("name", HOLOMORPHIC)
def test_holomorphic_ops(name):
    f = getattr(fnp, name)
    z = 0.3 + 0.2j
    h = 1e-6
    numeric = (getattr(np, name)(z + h) - getattr(np, name)(z - h)) / (2 * h)
    assert fg.grad(f, holomorphic=True)(z) == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    # a real loss of the holomorphic op, to second order, both modes
    check_scalar(lambda z: fnp.sum(fnp.abs(f(z * 0.3)) ** 2 * W), Z)


@pytest.mark.parametrize("f", [
    lambda z: fnp.sum(fnp.real(z) * W), lambda z: fnp.sum(fnp.imag(z) ** 2 * W),
    lambda z: fnp.sum(fnp.real(fnp.conj(z) * z * W)), lambda z: fnp.sum(fnp.angle(z) * W),
    lambda z: fnp.sum(fnp.abs(z) * W), lambda z: fnp.sum(fnp.real(z * z * (1 - 2j)) * W),
    lambda z: fnp.sum(fnp.imag(fnp.exp(z) / (z + 3)) * W),
    lambda z: fnp.real(fnp.sum(z[:2] @ fnp.reshape(z, (2, 2)))),
    lambda z: fnp.sum(fnp.abs(complex_p(fnp.real(z), fnp.imag(z) * 2)) ** 2),
], ids=["real", "imag", "conj", "angle", "abs", "mul", "div_exp", "matmul", "complex"])
def test_non_holomorphic_parts(f):
    check_scalar(f, Z)


def test_real_input_gets_a_real_gradient_through_complex_intermediates():
    x = np.array([0.3, -1.2])
    g = fg.grad(lambda x: fnp.sum(fnp.abs(fnp.exp(1j * x) * (2 + x)) ** 2))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * (2 + x), rtol=1e-12)


def test_abs_at_zero_has_gradient_zero():
    assert fg.grad(lambda z: fnp.abs(z))(0j) == 0


def test_vjp_and_jvp_agree_under_the_pairing():
    # re(sum(ct * jvp(t))) == re(sum(vjp(ct) * t)) for every linear map the trace implements
    f = lambda z: fnp.exp(z) * fnp.conj(z) + fnp.real(z) * 1j  # noqa: E731
    t = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    ct = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    _, out_t = fg.jvp(f, (Z,), (t,))
    _, pullback = fg.vjp(f, Z)
    assert np.real(np.sum(ct * out_t)) == pytest.approx(np.real(np.sum(pullback(ct)[0] * t)))


def test_holomorphic_flag_is_required_for_complex_outputs():
    with pytest.raises(TypeError, match="holomorphic=True"):
        fg.grad(fnp.sin)(1j)
    with pytest.raises(TypeError, match="complex inputs"):
        fg.grad(fnp.sin, holomorphic=True)(1.0)


def test_jacrev_of_a_holomorphic_function():
    jac = fg.jacrev(lambda z: fnp.sin(z) * 2, holomorphic=True)(Z)
    np.testing.assert_allclose(jac, np.diag(2 * np.cos(Z)), rtol=1e-12)


def test_against_torch_conjugate_convention():
    torch = pytest.importorskip("torch")
    zt = torch.tensor(Z, requires_grad=True)
    (torch.abs(torch.sin(zt)) ** 2 * torch.tensor(W)).sum().backward()
    ours = fg.grad(lambda z: fnp.sum(fnp.abs(fnp.sin(z)) ** 2 * W))(Z)
    # PyTorch returns the conjugate of JAX's (and funcgrad's) gradient of a real function
    np.testing.assert_allclose(ours, np.conj(zt.grad.numpy()), rtol=1e-10)
