"""Against PyTorch itself: in-place changes of views while recording (CopySlices), several-output
autograd.Function, and the grad_fn names of common ops."""
import importlib

import numpy as np
import pytest

T = pytest.importorskip("torch")
ft = importlib.import_module("funcgrad.torch")

XA = [[0.3, -0.7, 1.2], [0.5, 0.9, -0.4]]
YA = [[0.2, 0.4, -1.1], [0.8, -0.3, 0.6]]


def both(program):
    """program(torch_module) on PyTorch and on funcgrad.torch: (theirs, ours)."""
    return program(T), program(ft)


def outcome(program, t):
    try:
        return program(t)
    except Exception as err:  # noqa: BLE001 - the error is the outcome compared
        return type(err).__name__, str(err).splitlines()[0]


def _f(t):
    return t.nn.functional


NAME_CASES = {
    "add": lambda t, x, y: x + y, "add_scalar": lambda t, x, y: x + 1,
    "sub": lambda t, x, y: x - y, "rsub": lambda t, x, y: 1 - x,
    "mul": lambda t, x, y: x * y, "div": lambda t, x, y: x / y, "rdiv": lambda t, x, y: 2 / x,
    "neg": lambda t, x, y: -x, "pow": lambda t, x, y: x ** 2, "pow_tensor": lambda t, x, y: x.abs() ** y,
    "exp": lambda t, x, y: x.exp(), "log": lambda t, x, y: x.abs().log(),
    "sqrt": lambda t, x, y: x.abs().sqrt(), "sin": lambda t, x, y: x.sin(),
    "tanh": lambda t, x, y: x.tanh(), "sigmoid": lambda t, x, y: x.sigmoid(),
    "relu": lambda t, x, y: x.relu(), "sum": lambda t, x, y: x.sum(),
    "sum_dim": lambda t, x, y: x.sum(0), "mean": lambda t, x, y: x.mean(),
    "mean_dim": lambda t, x, y: x.mean(1), "max": lambda t, x, y: x.max(),
    "max_dim": lambda t, x, y: x.max(0)[0], "view": lambda t, x, y: x.view(-1),
    "t": lambda t, x, y: x.t(), "transpose": lambda t, x, y: x.transpose(0, 1),
    "permute": lambda t, x, y: x.permute(1, 0), "unsqueeze": lambda t, x, y: x.unsqueeze(0),
    "squeeze_dim": lambda t, x, y: x.unsqueeze(0).squeeze(0),
    "expand": lambda t, x, y: x[:1].expand(4, 3),
    "select": lambda t, x, y: x[0], "select_column": lambda t, x, y: x[:, 1],
    "slice": lambda t, x, y: x[:1], "slice_after_select": lambda t, x, y: x[0, 1:],
    "unsqueeze_index": lambda t, x, y: x[0, None], "index": lambda t, x, y: x[[0, 1]],
    "mm": lambda t, x, y: x @ y.t(), "mv": lambda t, x, y: x @ y[0],
    "vector_matrix": lambda t, x, y: x[0] @ y.t(), "dot": lambda t, x, y: x[0] @ y[0],
    "bmm": lambda t, x, y: t.bmm(x.unsqueeze(0), y.t().unsqueeze(0)),
    "batched_matmul": lambda t, x, y: x.unsqueeze(0) @ y.t().unsqueeze(0),
    "batch_matrix": lambda t, x, y: x.unsqueeze(0).expand(2, 2, 3) @ y.t(),
    "clamp": lambda t, x, y: x.clamp(-0.5, 0.5), "hardtanh": lambda t, x, y: _f(t).hardtanh(x),
    "relu6": lambda t, x, y: _f(t).relu6(x), "leaky_relu": lambda t, x, y: _f(t).leaky_relu(x),
    "elu": lambda t, x, y: _f(t).elu(x), "gelu": lambda t, x, y: _f(t).gelu(x),
    "silu": lambda t, x, y: _f(t).silu(x), "softmax": lambda t, x, y: x.softmax(1),
    "log_softmax": lambda t, x, y: x.log_softmax(1), "cat": lambda t, x, y: t.cat([x, y]),
    "stack": lambda t, x, y: t.stack([x, y]), "clone": lambda t, x, y: x.clone(),
    "double": lambda t, x, y: x.double(), "var": lambda t, x, y: x.var(),
    "std": lambda t, x, y: x.std(), "norm": lambda t, x, y: x.norm(),
    "where": lambda t, x, y: t.where(x > 0, x, y), "maximum": lambda t, x, y: t.maximum(x, y),
    "logsumexp": lambda t, x, y: x.logsumexp(1), "atan2": lambda t, x, y: t.atan2(x, y),
    "gather": lambda t, x, y: x.gather(1, t.tensor([[0], [1]])),
    "masked_fill": lambda t, x, y: x.masked_fill(x > 0, 0.0),
    "mse": lambda t, x, y: _f(t).mse_loss(x, y), "l1": lambda t, x, y: _f(t).l1_loss(x, y),
    "bce_logits": lambda t, x, y: _f(t).binary_cross_entropy_with_logits(x, y.sigmoid()),
    "cross_entropy": lambda t, x, y: _f(t).cross_entropy(x, t.tensor([0, 2])),
    "nll": lambda t, x, y: _f(t).nll_loss(x, t.tensor([0, 2])),
    "linear": lambda t, x, y: _f(t).linear(x, y), "softplus": lambda t, x, y: _f(t).softplus(x),
    "conv2d": lambda t, x, y: _f(t).conv2d(x.view(1, 1, 2, 3), y.view(1, 1, 2, 3)),
    "max_pool2d": lambda t, x, y: _f(t).max_pool2d(x.view(1, 1, 2, 3), 2),
    "avg_pool2d": lambda t, x, y: _f(t).avg_pool2d(x.view(1, 1, 2, 3), 2),
    "embedding": lambda t, x, y: _f(t).embedding(t.tensor([0, 1]), x),
    "chunk": lambda t, x, y: x.chunk(2, 1)[1] * x.chunk(2, 1)[0][:, :1],
    "split": lambda t, x, y: t.split(x, 2, 1)[1], "split_sizes": lambda t, x, y: x.split([1, 2], 1)[1],
    "narrow": lambda t, x, y: x.narrow(1, -2, 2), "unbind": lambda t, x, y: x.unbind(1)[2],
    "chunk_of_3": lambda t, x, y: t.stack(t.chunk(x, 3, 1), 0),
}


@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_grad_fn_names_and_gradients_match_pytorch(case):
    def program(t):
        x = t.tensor(XA, requires_grad=True)
        y = t.tensor(YA, requires_grad=True)
        out = NAME_CASES[case](t, x, y)
        out.sum().backward()
        grads = [None if g is None else np.round(np.asarray(g.tolist()), 4).tolist()
                 for g in (x.grad, y.grad)]
        return type(out.grad_fn).__name__, grads
    theirs, ours = both(program)
    assert ours == theirs


# -- in-place changes of views --------------------------------------------------------------------

VIEW_PROGRAMS = {
    "slice_mul_": lambda t, x, w: x[0].mul_(3),
    "view_add_": lambda t, x, w: x.view(6).add_(1),
    "t_mul_by_tensor": lambda t, x, w: x.t().mul_(w),
    "chained_views": lambda t, x, w: x[0].view(3, 1).mul_(5),
    "column_add_": lambda t, x, w: x[:, 1].add_(w),
    "setitem_on_a_view": lambda t, x, w: _set(x[1], 0, w[1] * 7),
    "transpose_zero_": lambda t, x, w: x.transpose(0, 1)[2].zero_(),
    "iadd_on_slice": lambda t, x, w: x[:, :2].__iadd__(w[0]),
    "narrow_add_": lambda t, x, w: x.narrow(1, 1, 2).add_(w[1]),
}


def _set(view, index, value):
    view[index] = value
    return view


@pytest.mark.parametrize("case", sorted(VIEW_PROGRAMS))
def test_inplace_change_of_a_view_matches_pytorch(case):
    def program(t):
        leaf = t.tensor(XA, requires_grad=True)
        w = t.tensor([1.5, -2.0], requires_grad=True)
        base = leaf * 2
        view = VIEW_PROGRAMS[case](t, base, w)
        names = type(base.grad_fn).__name__, type(view.grad_fn).__name__
        (base * base).sum().backward()
        values = np.round(np.asarray(base.tolist()), 4).tolist()
        grads = [None if g is None else np.round(np.asarray(g.tolist()), 4).tolist()
                 for g in (leaf.grad, w.grad)]
        return names, values, grads, (base._version, view._version)
    theirs, ours = both(program)
    assert ours == theirs


def test_a_view_of_a_base_that_needs_no_grad_makes_the_base_require_grad():
    def program(t):
        w = t.tensor([1.5, -2.0], requires_grad=True)
        base = t.zeros(3, 2)
        base[1].add_(w)
        (base * base).sum().backward()
        return type(base.grad_fn).__name__, base.requires_grad, w.grad.tolist(), base.tolist()
    theirs, ours = both(program)
    assert ours == theirs


def test_views_share_the_version_counter_and_saved_tensors_notice():
    def program(t):
        x = t.tensor(XA, requires_grad=True)
        y = x.exp()
        y[0].add_(1)
        return outcome(lambda t: y.sum().backward(), t)
    theirs, ours = both(program)
    assert ours == theirs
    assert "output 0 of Exp, is at version 1" in ours[1]


@pytest.mark.parametrize("case", ["leaf_view", "expand", "chunk", "unbind"])
def test_inplace_on_views_pytorch_refuses(case):
    def program(t):
        x = t.tensor(XA, requires_grad=True)
        if case == "leaf_view":
            return outcome(lambda t: x[0].mul_(2), t)
        if case == "chunk":
            return outcome(lambda t: (x * 1).chunk(3, 1)[1].mul_(2), t)
        if case == "unbind":
            return outcome(lambda t: (x * 1).unbind(0)[1].add_(x[0]), t)
        w = t.tensor([2.0], requires_grad=True)
        return outcome(lambda t: (x * 1)[0:1].expand(3, 3).mul_(w), t)
    theirs, ours = both(program)
    assert ours == theirs


def test_detached_tensor_shares_memory_and_version_with_the_original():
    def program(t):
        x = t.tensor(XA, requires_grad=True)
        w = t.tensor(2.0, requires_grad=True)
        y = x * 2
        d = y.detach()
        d.add_(w)  # records on d; y keeps its own history but sees the new values
        kept = type(d.grad_fn).__name__, type(y.grad_fn).__name__, np.round(y.tolist(), 4).tolist()
        z = x.exp()
        z.detach().zero_()
        return kept, z.tolist(), outcome(lambda t: z.sum().backward(), t)
    theirs, ours = both(program)
    assert ours == theirs


# -- autograd.Function with several outputs -------------------------------------------------------

def _split_function(t, log):
    class Split(t.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            log.append(("needs", ctx.needs_input_grad))
            count = (x > 0).sum()
            ctx.mark_non_differentiable(count)
            return x * k, x.exp(), count

        @staticmethod
        def backward(ctx, grad_scaled, grad_exp, grad_count):
            x, = ctx.saved_tensors
            log.append(("grads", grad_scaled.tolist(), grad_exp.tolist(), grad_count.tolist()))
            return grad_scaled * 3 + grad_exp * x.exp(), None
    return Split


def test_function_with_several_outputs_matches_pytorch():
    def program(t):
        log = []
        Split = _split_function(t, log)
        x = t.tensor([0.5, -1.0], requires_grad=True)
        a, b, count = Split.apply(x, 3.0)
        shown = (type(a.grad_fn).__name__, a.grad_fn is b.grad_fn, count.requires_grad,
                 type(a.grad_fn.next_functions[0][0]).__name__)
        (a.sum() + 2 * b.sum()).backward(retain_graph=True)
        first = np.round(x.grad.tolist(), 4).tolist()
        x.grad = None
        a.sum().backward(retain_graph=True)  # b got no gradient: backward receives zeros for it
        (gx,) = t.autograd.grad(b.sum(), x)
        log.append(outcome(lambda t: a.sum().backward(), t))  # the graph is freed now
        log = [tuple(np.round(v, 4).tolist() if isinstance(v, list) else v for v in e) for e in log]
        return shown, first, x.grad.tolist(), np.round(gx.tolist(), 4).tolist(), log
    theirs, ours = both(program)
    assert ours == theirs


def test_function_set_materialize_grads_false_gives_none():
    def program(t):
        seen = []

        class Pair(t.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, ga, gb):
                seen.append((ga is None, gb is None))
                return (ga * 2 if ga is not None else 0) + (gb * 3 if gb is not None else 0)
        x = t.tensor([1.0, 2.0], requires_grad=True)
        p, q = Pair.apply(x)
        q.sum().backward()
        return seen, x.grad.tolist()
    theirs, ours = both(program)
    assert ours == theirs


def test_function_returning_the_wrong_number_of_gradients():
    def program(t):
        class Two(t.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g
        x = t.tensor([1.0], requires_grad=True)
        return outcome(lambda t: Two.apply(x, x).sum().backward(), t)
    theirs, ours = both(program)
    assert ours == theirs


# -- pooling options ------------------------------------------------------------------------------

POOL_X = np.random.default_rng(0).standard_normal((2, 2, 7, 6)).round(3).tolist()


def _pooled(t, pool):
    x = t.tensor(POOL_X, requires_grad=True)
    out = pool(t, x)
    indices = None
    if isinstance(out, tuple):
        out, indices = out
        indices = (str(indices.dtype), indices.tolist())
    (out * out).sum().backward()
    return type(out.grad_fn).__name__, np.asarray(out.tolist()), np.asarray(x.grad.tolist()), indices


def _assert_same_pooling(pool):
    theirs, ours = both(lambda t: _pooled(t, pool))
    assert ours[0] == theirs[0] and ours[3] == theirs[3]
    np.testing.assert_allclose(ours[1], theirs[1], atol=1e-5)
    np.testing.assert_allclose(ours[2], theirs[2], atol=1e-4)


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", [
    (2, 1, 0, 2, False), (3, 2, 1, 2, True), (2, 2, 1, 1, True), (3, 1, 0, 2, True)])
def test_max_pool2d_dilation_ceil_mode_and_indices_match_pytorch(kernel, stride, padding, dilation,
                                                                  ceil_mode):
    _assert_same_pooling(lambda t, x: t.nn.functional.max_pool2d(
        x, kernel, stride, padding, dilation, ceil_mode, return_indices=True))


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,count_include_pad,divisor", [
    (2, 2, 1, False, False, None), (3, 2, 1, True, True, None), (3, 2, 1, True, False, None),
    (2, 1, 0, False, True, 3), (3, 2, 0, True, True, None), (2, 2, 1, True, False, 5)])
def test_avg_pool2d_options_match_pytorch(kernel, stride, padding, ceil_mode, count_include_pad,
                                          divisor):
    _assert_same_pooling(lambda t, x: t.nn.functional.avg_pool2d(
        x, kernel, stride, padding, ceil_mode, count_include_pad, divisor))


def test_pooling_modules_pass_their_options():
    _assert_same_pooling(lambda t, x: t.nn.MaxPool2d(2, 1, dilation=2, return_indices=True)(x[0]))
    _assert_same_pooling(lambda t, x: t.nn.AvgPool2d(3, 2, 1, ceil_mode=True,
                                                     count_include_pad=False)(x))


def test_views_made_before_an_inplace_change_of_their_base_follow_it():
    def program(t):
        x = t.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        b = x * 2
        whole, column = b.view(6), b[:, 2]
        b[0].mul_(3)  # through another view: whole and column see the new values and history
        shown = type(whole.grad_fn).__name__, type(column.grad_fn).__name__
        (whole * t.arange(6.)).sum().backward(retain_graph=True)
        first = x.grad.tolist()
        x.grad = None
        column.add_(1)
        (b * b).sum().backward()
        second = x.grad.tolist()
        x.grad = None
        y = x * 1
        flat = y.view(6)
        y.add_(1)  # the base itself changed: the older view follows too
        (flat * 1).sum().backward()
        return shown, first, second, whole.tolist(), type(column.grad_fn).__name__, \
            x.grad.tolist(), flat.tolist()
    theirs, ours = both(program)
    assert ours == theirs
