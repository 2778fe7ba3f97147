"""Each mistake a user can make raises the right exception, naming the problem and the fix."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def test_grad_of_a_non_scalar_output_names_the_shape_and_the_alternatives():
    with pytest.raises(TypeError) as info:
        fg.grad(fnp.sin)(np.ones(3))
    message = str(info.value)
    assert "f64[3]" in message and "vjp" in message and "jacrev" in message


def test_integer_input_is_not_differentiable():
    with pytest.raises(fg.NonDifferentiableError) as info:
        fg.grad(lambda x: fnp.sum(x * 1.0))(np.arange(3))
    message = str(info.value)
    assert "int64" in message and "float" in message and "argnums" in message


def test_argnums_out_of_range_names_the_valid_range():
    with pytest.raises(ValueError) as info:
        fg.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    assert "argnums=2" in str(info.value) and "0..1" in str(info.value)


def test_has_aux_with_a_non_pair_says_what_to_return():
    with pytest.raises(TypeError) as info:
        fg.grad(lambda x: x * 2.0, has_aux=True)(1.0)
    assert "pair" in str(info.value) and "has_aux" in str(info.value)


def test_vjp_cotangent_of_the_wrong_shape():
    _, pullback = fg.vjp(fnp.sin, np.ones(3))
    with pytest.raises(ValueError) as info:
        pullback(np.ones(2))
    assert "(2,)" in str(info.value) and "(3,)" in str(info.value)


def test_vjp_cotangent_of_the_wrong_dtype():
    _, pullback = fg.vjp(fnp.sin, np.ones(3))
    with pytest.raises(TypeError) as info:
        pullback(np.ones(3, dtype=np.complex128))
    assert "complex128" in str(info.value) and "float64" in str(info.value)


def test_unregistered_type_in_a_pytree_points_to_registration():
    class Params:
        def __init__(self, w):
            self.w = w

    with pytest.raises(TypeError) as info:
        fg.grad(lambda p: fnp.sum(p.w))(Params(np.ones(2)))
    assert "Params" in str(info.value) and "register_pytree_node" in str(info.value)


def test_tracer_used_after_its_transform_returned():
    leaked = []
    fg.grad(lambda x: (leaked.append(x), x * 3.0)[1])(1.0)
    with pytest.raises(fg.TracerLeakError) as info:
        fnp.exp(leaked[0])
    assert "has_aux" in str(info.value)


def test_np_asarray_of_a_tracer_is_refused_with_advice():
    with pytest.raises(fg.TracerConversionError) as info:
        fg.grad(lambda x: fnp.sum(np.asarray(x)))(np.ones(2))
    assert "funcgrad.numpy" in str(info.value) and "stop_gradient" in str(info.value)


# -- errors of the NumPy namespace ---------------------------------------------------------

def test_float_index_array_is_refused():
    with pytest.raises(IndexError, match="integer or boolean"):
        fg.grad(lambda x: fnp.sum(x[np.array([0.0, 1.0])]))(np.ones(3))


def test_einsum_with_the_wrong_number_of_operands():
    with pytest.raises(ValueError, match="2 operand specs"):
        fnp.einsum("ij,jk->ik", np.ones((2, 2)))


def test_einsum_output_letter_not_in_inputs():
    with pytest.raises(ValueError, match="'z'"):
        fnp.einsum("ij->iz", np.ones((2, 2)))


def test_split_into_unequal_parts_points_to_array_split():
    with pytest.raises(ValueError, match="array_split"):
        fnp.split(np.ones(5), 2)


def test_axis_out_of_bounds():
    with pytest.raises(np.exceptions.AxisError):
        fnp.cumsum(np.ones((2, 2)), axis=2)


def test_in_place_sort_of_a_tracer_says_what_to_do():
    with pytest.raises(TypeError, match="fnp.sort|numpy.sort"):
        fg.grad(lambda x: (x.sort(), fnp.sum(x))[1])(np.ones(3))


def test_shape_mismatch_in_a_primitive_names_the_op_and_shapes():
    with pytest.raises(fg.OpError) as info:
        fg.grad(lambda x: fnp.sum(x @ np.ones((2, 2))))(np.ones((3, 3)))
    message = str(info.value)
    assert "matmul" in message and "f64[3,3]" in message and "f64[2,2]" in message


def test_a_forgotten_has_aux_is_pointed_out():
    with pytest.raises(TypeError, match="pass has_aux=True"):
        fg.grad(lambda x: (x * 2.0, "aux"))(1.0)
