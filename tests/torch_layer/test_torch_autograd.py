"""Graph semantics against PyTorch: errors, warnings, hooks, retain_grad, create_graph,
autograd.Function, autograd.functional, torch.func, in-place ops, grad modes."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch
LIBS = [ft, torch]
X = np.array([0.5, -1.0, 2.0], dtype=np.float32)


def _np(t):
    return t.detach().numpy()


def _error(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - the type is compared below
        return type(err).__name__, str(err).split("\n")[0]
    return None


def _both(fn):
    return fn(ft), fn(torch)


def _same_error_start(program, length=60):
    ours, theirs = _both(lambda T: _error(lambda: program(T)))
    assert ours is not None and theirs is not None, (ours, theirs)
    assert ours[0] == theirs[0] and ours[1][:length] == theirs[1][:length], (ours, theirs)


def test_second_backward_error():
    def program(T):
        x = T.tensor(X, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    _same_error_start(program)


def test_second_backward_through_nodes_that_save_nothing_is_allowed():
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_non_scalar_backward_error():
    _same_error_start(lambda T: (T.tensor(X, requires_grad=True) * 2).backward())


def test_backward_on_a_tensor_without_grad_error():
    _same_error_start(lambda T: T.tensor(X).sum().backward())


def test_leaf_inplace_error():
    def program(T):
        x = T.tensor(X, requires_grad=True)
        x.add_(1)
    _same_error_start(program)


def test_modified_by_an_inplace_operation_error():
    def program(T):
        x = T.tensor(X, requires_grad=True)
        y = x * 2
        z = (y * y).sum()
        y.mul_(3)
        z.backward()
    _same_error_start(program, 105)


def test_output_modified_in_place_error():
    def program(T):
        x = T.tensor(X, requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()
    ours, theirs = _both(lambda T: _error(lambda: program(T)))
    assert ours[0] == theirs[0] == "RuntimeError"
    assert "modified by an inplace operation" in ours[1] and "modified by an inplace" in theirs[1]


def test_requires_grad_on_non_leaf_error():
    def program(T):
        y = T.tensor(X, requires_grad=True) * 2
        y.requires_grad = False
    _same_error_start(program)


def test_numpy_on_requires_grad_error():
    _same_error_start(lambda T: T.tensor(X, requires_grad=True).numpy())


def test_non_leaf_grad_warns_and_retain_grad_keeps_it():
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        y = x * 2
        z = x * 3
        z.retain_grad()
        (y * z).sum().backward()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None
            np.testing.assert_allclose(_np(z.grad), 2 * X)
        assert len(caught) == 1 and "not a leaf" in str(caught[0].message)
        assert z.retains_grad and not y.retains_grad


def test_hooks_read_and_replace_gradients():
    results = []
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(_np(g).copy()))
        y = x * x
        handle = y.register_hook(lambda g: g * 10)
        y.sum().backward()
        first = _np(x.grad).copy()
        handle.remove()
        x.grad = None
        (x * x).sum().backward()
        results.append((first, seen[0], _np(x.grad)))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b)


def test_gradient_accumulates_and_backward_with_gradient_argument():
    out = []
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        y = x ** 3
        y.backward(T.tensor([1.0, 2.0, 3.0]), retain_graph=True)
        y.backward(T.tensor([1.0, 1.0, 1.0]))
        out.append(_np(x.grad))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6)


def test_backward_inputs_limits_accumulation():
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(X, requires_grad=True)
        (x * w).sum().backward(inputs=[x])
        assert w.grad is None and x.grad is not None


def test_autograd_grad_create_graph_gives_second_derivatives():
    out = []
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        y = (x.sin() * x ** 2).sum()
        (g,) = T.autograd.grad(y, x, create_graph=True)
        (h,) = T.autograd.grad(g.sum(), x)
        out.append((_np(g), _np(h), type(g.grad_fn).__name__ if g.grad_fn else None))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-5)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-5)
    assert out[0][2] is not None and out[1][2] is not None


def test_third_derivative_through_tanh():
    out = []
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        (g,) = T.autograd.grad(x.tanh().sum(), x, create_graph=True)
        (h,) = T.autograd.grad(g.sum(), x, create_graph=True)
        (k,) = T.autograd.grad(h.sum(), x)
        out.append(_np(k))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-4, atol=1e-6)


def test_autograd_grad_allow_unused():
    _same_error_start(lambda T: T.autograd.grad((T.tensor(X, requires_grad=True) * 2).sum(),
                                                [T.tensor(X, requires_grad=True)]))
    for T in LIBS:
        x, w = T.tensor(X, requires_grad=True), T.tensor(X, requires_grad=True)
        gx, gw = T.autograd.grad((x * 2).sum(), [x, w], allow_unused=True)
        assert gw is None and gx.tolist() == [2.0, 2.0, 2.0]


def test_custom_function():
    out = []
    for T in LIBS:
        class Cube(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x ** 2

        x = T.tensor(X, requires_grad=True)
        y = Cube.apply(x)
        y.sum().backward()
        out.append((_np(y), _np(x.grad), type(y.grad_fn).__name__))
    np.testing.assert_allclose(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1])
    assert out[0][2] == out[1][2] == "CubeBackward"


def test_autograd_functional_jacobian_hessian_vjp_jvp():
    def f(x):
        return x.sin() * x.sum()

    def g(x):
        return (x ** 3).sum()
    out = []
    for T in LIBS:
        x = T.tensor(X)
        F = T.autograd.functional
        out.append([_np(F.jacobian(f, x)), _np(F.hessian(g, x)),
                    _np(F.vjp(f, x, T.ones(3))[1]), _np(F.jvp(f, x, T.ones(3))[1])])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_torch_func_transforms_and_functional_call():
    out = []
    for T in LIBS:
        T.manual_seed(0)
        net = T.nn.Linear(3, 2)
        with T.no_grad():
            net.weight.copy_(T.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 10))
            net.bias.copy_(T.tensor([0.5, -0.5]))
        params = {k: v.detach() for k, v in net.named_parameters()}
        x = T.tensor(X)

        def loss(p, x):
            return (T.func.functional_call(net, p, (x,)) ** 2).sum()
        grads = T.func.grad(loss)(params, x)
        fx = T.func.grad(lambda x: (x.sin() ** 2).sum())(x)
        jac = T.func.jacrev(lambda x: x.exp() * x)(x)
        jf = T.func.jacfwd(lambda x: x.exp() * x)(x)
        hs = T.func.hessian(lambda x: (x ** 3).sum())(x)
        vm = T.func.vmap(lambda r: (r * r).sum())(T.tensor(np.ones((4, 3), np.float32)))
        out.append([_np(grads["weight"]), _np(grads["bias"]), _np(fx), _np(jac), _np(jf), _np(hs),
                    _np(vm)])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_grad_modes():
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        with T.no_grad():
            assert not (x * 2).requires_grad and not T.is_grad_enabled()
            with T.enable_grad():
                assert (x * 2).requires_grad
        with T.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        with T.inference_mode():
            assert not (x * 2).requires_grad

        @T.no_grad()
        def f(v):
            return v * 2
        assert not f(x).requires_grad and T.is_grad_enabled()


def test_inplace_on_non_leaf_is_recorded():
    out = []
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        y = x * 2
        y.add_(1)
        y *= x
        y.sum().backward()
        out.append((_np(y), _np(x.grad), type(y.grad_fn).__name__, y._version))
    np.testing.assert_allclose(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1])
    assert out[0][2] == out[1][2]


def test_inplace_under_no_grad_and_views_share_memory():
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        with T.no_grad():
            x.mul_(2)
            x[0] = 7.0
        assert x.tolist() == [7.0, -2.0, 4.0] and x.is_leaf and x.requires_grad
        y = T.zeros(2, 3)
        row = y[0]
        row += 1
        y[1, 2] = 5
        assert y.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 5.0]]
        d = x.detach()
        d.zero_()
        assert x.tolist() == [0.0, 0.0, 0.0]


def test_indexed_assignment_is_differentiable():
    out = []
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        y = x * 1
        y[1] = x[0] * 5
        y.sum().backward()
        out.append(_np(x.grad))
    np.testing.assert_allclose(out[0], out[1])


def test_variable_and_detach_semantics():
    for T in LIBS:
        V = T.autograd.Variable
        c = T.tensor([1.0, 2.0]) + T.tensor([3.0, 4.0])
        cv = V(c, requires_grad=True)
        cv.backward(T.ones_like(cv))
        assert cv.grad.tolist() == [1.0, 1.0] and cv.is_leaf
        x = T.tensor(X, requires_grad=True)
        y = (x * 2).detach()
        assert not y.requires_grad and y.grad_fn is None
        z = x * 2
        z.detach_()
        assert z.is_leaf and not z.requires_grad


def test_deep_graph_does_not_recurse():
    x = ft.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 5000, rtol=1e-3)


@pytest.mark.parametrize("program", [
    lambda T: T.ones(2, 3) + T.ones(4),
    lambda T: T.ones(3, 4) @ T.ones(3, 2),
    lambda T: T.ones(3)[5],
    lambda T: T.ones(3).view(2, 2),
])
def test_shape_errors_use_pytorchs_wording_and_add_the_users_line(program):
    _same_error_start(program)
    full = ""
    try:
        program(ft)
    except Exception as err:  # noqa: BLE001
        full = str(err)
    assert "[funcgrad]" in full and "test_torch_autograd.py" in full


def test_next_functions_match_pytorch():
    def program(T):
        x = T.ones(2, requires_grad=True)
        c = T.ones(2)
        outs = [x * 3, x + 1, 3 * x, x * c, x - 1, x / 2, x ** 2, x.sum(), T.matmul(x, c),
                (x * x).exp().mean()]
        return [[type(f).__name__ if f is not None else None for f, _ in y.grad_fn.next_functions]
                for y in outs]
    ours, theirs = program(ft), program(torch)
    assert ours == theirs


def test_backward_create_graph_then_backward_through_the_gradient():
    out = []
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad and g.grad_fn is not None
        x.grad = None
        (g * g).sum().backward()
        out.append(_np(x.grad))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-5)


def test_gradient_penalty_through_a_network():
    results = []
    for T in LIBS:
        T.manual_seed(0)
        net = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.Tanh(), T.nn.Linear(4, 1))
        with T.no_grad():
            for i, p in enumerate(net.parameters()):
                p.copy_(T.tensor(np.cos(np.arange(p.numel()) + i).reshape(p.shape).astype(np.float32)))
        x = T.tensor(np.stack([X, X * 2]), requires_grad=True)
        (g,) = T.autograd.grad(net(x).sum(), x, create_graph=True)
        penalty = ((g.norm(dim=1) - 1) ** 2).mean()
        penalty.backward()
        results.append([_np(g), penalty.item()] + [None if p.grad is None else _np(p.grad)
                                                    for p in net.parameters()])
    for a, b in zip(*results):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_per_example_gradients_with_vmap_grad_and_functional_call():
    out = []
    for T in LIBS:
        net = T.nn.Linear(3, 4)
        with T.no_grad():
            net.weight.copy_(T.tensor(np.cos(np.arange(12)).reshape(4, 3).astype(np.float32)))
            net.bias.copy_(T.tensor(np.sin(np.arange(4)).astype(np.float32)))
        params = {k: v.detach() for k, v in net.named_parameters()}
        xs = T.tensor(np.arange(15, dtype=np.float32).reshape(5, 3) / 10)
        ys = T.tensor([0, 1, 2, 3, 0])

        def loss(p, x, y):
            scores = T.func.functional_call(net, p, (x[None],))
            return T.nn.functional.cross_entropy(scores, y[None])
        grads = T.func.vmap(T.func.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
        out.append((_np(grads["weight"]), _np(grads["bias"])))
    for a, b in zip(*out):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_grad_mode_decorators_with_and_without_parentheses():
    for T in LIBS:
        x = T.tensor(X, requires_grad=True)

        @T.no_grad
        def f(v):
            return v * 2

        @T.inference_mode()
        def g(v):
            return v * 2

        @T.enable_grad()
        def h(v):
            return v * 2
        assert not f(x).requires_grad and not g(x).requires_grad
        with T.no_grad():
            assert h(x).requires_grad
        previous = T.is_grad_enabled()
        T.set_grad_enabled(False)
        assert not T.is_grad_enabled()
        T.set_grad_enabled(previous)
        assert T.is_grad_enabled()


def test_inplace_on_a_view_while_recording_writes_through_to_the_base():
    x = ft.tensor(X, requires_grad=True)
    y = x * 1
    y[0:2].mul_(2)
    assert type(y.grad_fn).__name__ == "CopySlices"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 1.0]
    y = x * 1
    with ft.no_grad():
        row = y[0:2]
        row.mul_(2)  # without recording, the view writes through to y's memory
    assert y.tolist() == [1.0, -2.0, 2.0]
