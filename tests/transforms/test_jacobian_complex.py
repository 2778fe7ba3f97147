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


@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd])
def test_complex_inputs_without_holomorphic_raise(jac):
    with pytest.raises(TypeError, match="holomorphic=True"):
        jac(lambda z: fnp.abs(z))(z)


def test_holomorphic_needs_complex_inputs():
    with pytest.raises(TypeError, match="requires complex inputs"):
        fg.jacrev(lambda x: x * 2.0, holomorphic=True)(np.ones(2))
