"""Jacobians of complex functions: holomorphic=True as in JAX, a clear error otherwise."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

z = np.array([1 + 2j, 3 - 1j])


@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd])
def test_holomorphic_jacobian_is_the_complex_derivative(jac):
    np.testing.assert_allclose(jac(lambda z: z ** 3, holomorphic=True)(z), np.diag(3 * z ** 2))


def test_holomorphic_hessian():
    h = fg.hessian(lambda z: fnp.sum(z ** 3), holomorphic=True)(z)
    np.testing.assert_allclose(h, np.diag(6 * z))


def test_jacfwd_of_complex_inputs_without_holomorphic_raises():
    with pytest.raises(TypeError, match="holomorphic=True"):
        fg.jacfwd(lambda z: fnp.abs(z))(z)


def test_jacrev_of_a_real_function_of_complex_inputs_stacks_its_gradients():
    # as in JAX: row i is grad of output i, in the convention of grad (d/dx - i d/dy of |z|^2)
    J = fg.jacrev(lambda z: fnp.abs(z) ** 2)(z)
    np.testing.assert_allclose(J, np.diag(2 * np.conj(z)))
    np.testing.assert_allclose(J[0], fg.grad(lambda z: fnp.abs(z[0]) ** 2)(z))


def test_jacrev_of_complex_or_integer_outputs_raises():
    with pytest.raises(TypeError, match="holomorphic=True"):
        fg.jacrev(lambda x: x * (1 + 1j))(np.ones(2))
    with pytest.raises(TypeError, match="real floating-point outputs.*int64"):
        fg.jacrev(lambda x: (x * 2).astype(np.int64))(np.ones(2))
    # forward mode: the Jacobian of an integer-valued output is zeros of its dtype, as in JAX
    J = fg.jacfwd(lambda x: (x * 2).astype(np.int64))(np.ones(2))
    np.testing.assert_array_equal(J, np.zeros((2, 2)))
    assert J.dtype == np.int64


def test_a_cast_to_integer_stops_the_cotangent():
    y, pull = fg.vjp(lambda x: (x * 2).astype(np.int64), np.ones(2))
    (ct,) = pull(np.ones(2))
    np.testing.assert_array_equal(ct, np.zeros(2))


def test_holomorphic_needs_complex_inputs():
    with pytest.raises(TypeError, match="requires complex inputs"):
        fg.jacrev(lambda x: x * 2.0, holomorphic=True)(np.ones(2))
