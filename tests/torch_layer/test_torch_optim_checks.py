"""Optimizers and schedulers refuse what PyTorch's refuse, with PyTorch's exception and message.

Each case is a program of the library module `T`; it runs on funcgrad.torch (expected message
written out, so the test stands without PyTorch) and, when installed, on PyTorch too.
"""
from __future__ import annotations

import warnings

import pytest

import funcgrad.torch as ft


def _param(T):
    return T.zeros(2, requires_grad=True)


def _opt(T, **kw):
    return T.optim.SGD([_param(T)], lr=0.1, **kw)


CASES = [
    # (program, exception type, message)
    (lambda T: T.optim.Adam([_param(T)], betas=(1.5, 0.9)), ValueError,
     "Invalid beta parameter at index 0: 1.5"),
    (lambda T: T.optim.Adam([_param(T)], betas=(0.9, 1.0)), ValueError,
     "Invalid beta parameter at index 1: 1.0"),
    (lambda T: T.optim.Adam([_param(T)], betas=(0, 0.5)), ValueError,
     "betas must be either both floats or both Tensors"),
    (lambda T: T.optim.AdamW([_param(T)], lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda T: T.optim.Adam([_param(T)], lr=float("nan")), ValueError,
     "Invalid learning rate: nan"),
    (lambda T: T.optim.Adam([_param(T)], eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    (lambda T: T.optim.Adam([_param(T)], weight_decay=-0.1), ValueError,
     "Invalid weight_decay value: -0.1"),
    (lambda T: T.optim.Adam([_param(T)], lr=T.tensor([1.0, 2.0])), ValueError,
     "Tensor lr must be 1-element"),
    (lambda T: T.optim.SGD([_param(T)], lr=-0.5), ValueError, "Invalid learning rate: -0.5"),
    (lambda T: T.optim.SGD([_param(T)], momentum=-0.9), ValueError,
     "Invalid momentum value: -0.9"),
    (lambda T: T.optim.SGD([_param(T)], weight_decay=-1.0), ValueError,
     "Invalid weight_decay value: -1.0"),
    (lambda T: T.optim.SGD([_param(T)], nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda T: T.optim.SGD([_param(T)], momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda T: T.optim.RMSprop([_param(T)], alpha=-0.1), ValueError, "Invalid alpha value: -0.1"),
    (lambda T: T.optim.RMSprop([_param(T)], momentum=-1), ValueError,
     "Invalid momentum value: -1"),
    (lambda T: T.optim.RMSprop([_param(T)], eps=-1), ValueError, "Invalid epsilon value: -1"),
    (lambda T: T.optim.Adagrad([_param(T)], lr_decay=-1), ValueError,
     "Invalid lr_decay value: -1"),
    (lambda T: T.optim.Adagrad([_param(T)], initial_accumulator_value=-1), ValueError,
     "Invalid initial_accumulator_value value: -1"),
    (lambda T: T.optim.Adadelta([_param(T)], rho=1.5), ValueError, "Invalid rho value: 1.5"),
    (lambda T: T.optim.Adamax([_param(T)], betas=(0.9, -0.1)), ValueError,
     "Invalid beta parameter at index 1: -0.1"),
    (lambda T: T.optim.NAdam([_param(T)], momentum_decay=-1), ValueError,
     "Invalid momentum_decay value: -1"),
    (lambda T: T.optim.RAdam([_param(T)], eps=-1), ValueError, "Invalid epsilon value: -1"),
    (lambda T: T.optim.LBFGS([_param(T)], lr=-1), ValueError, "Invalid learning rate: -1"),
    # what the parameters may be
    (lambda T: T.optim.Adam(_param(T)), TypeError,
     "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
     "torch.FloatTensor"),
    (lambda T: T.optim.Adam([1.0]), TypeError,
     "optimizer can only optimize Tensors, but one of the params is float"),
    (lambda T: T.optim.Adam([_param(T), 2]), TypeError,
     "optimizer can only optimize Tensors, but one of the params is int"),
    (lambda T: T.optim.Adam([]), ValueError, "optimizer got an empty parameter list"),
    (lambda T: T.optim.Adam([_param(T) * 2]), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda T: T.optim.Adam([{"params": [_param(T)]}, [_param(T)]]), TypeError,
     "param_group must be a dict, but got <class 'list'>"),
    (lambda T: T.optim.Adam([{"params": {_param(T)}}]), TypeError,
     "optimizer parameters need to be organized in ordered collections, but the ordering of "
     "tensors in sets will change between runs. Please use a list instead."),
    (lambda T: (lambda p: T.optim.Adam([{"params": [p]}, {"params": p}]))(_param(T)), ValueError,
     "some parameters appear in more than one parameter group"),
    (lambda T: T.optim.Adam([("w", _param(T)), _param(T)]), ValueError,
     "all optimizer params should be with/without names. Some param names are missing"),
    (lambda T: T.optim.Adam([{"params": [("w", _param(T))]}, {"params": [_param(T)]}]),
     ValueError, "all optimizer param groups should be with/without names. cannot add param "
     "group without names to the optimizer"),
    # schedulers
    (lambda T: T.optim.lr_scheduler.StepLR("not an optimizer", 3), TypeError,
     "str is not an Optimizer"),
    (lambda T: T.optim.lr_scheduler.LambdaLR(_opt(T), [lambda e: 1.0] * 2), ValueError,
     "Expected 1 lr_lambdas, but got 2"),
    (lambda T: T.optim.lr_scheduler.MultiplicativeLR(_opt(T), 0.5), TypeError,
     "lr_lambda should be a function, but got float"),
    (lambda T: T.optim.lr_scheduler.ConstantLR(_opt(T), factor=1.5), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda T: T.optim.lr_scheduler.LinearLR(_opt(T), start_factor=0), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
    (lambda T: T.optim.lr_scheduler.LinearLR(_opt(T), end_factor=2.0), ValueError,
     "Ending multiplicative factor expected to be between 0 and 1."),
    (lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(T), T_0=0), ValueError,
     "Expected positive integer T_0, but got 0"),
    (lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(T), 2, T_mult=0.5),
     ValueError, "Expected integer T_mult >= 1, but got 0.5"),
    (lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(T), 2, eta_min="0"),
     ValueError, "Expected float or int eta_min, but got 0 of type <class 'str'>"),
    (lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(T), 2).step(-1),
     ValueError, "Expected non-negative epoch, but got -1"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_opt(T), 1.0, total_steps=0), ValueError,
     "Expected positive integer total_steps, but got 0"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_opt(T), 1.0, epochs=2.5, steps_per_epoch=3),
     ValueError, "Expected positive integer epochs, but got 2.5"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_opt(T), 1.0, epochs=2, steps_per_epoch=0),
     ValueError, "Expected positive integer steps_per_epoch, but got 0"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_opt(T), 1.0), ValueError,
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_opt(T), 1.0, 10, pct_start=1.5), ValueError,
     "Expected float between 0 and 1 pct_start, but got 1.5"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_opt(T), 1.0, 10, anneal_strategy="step"),
     ValueError, "anneal_strategy must be one of 'cos' or 'linear', instead got step"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_opt(T), [1.0, 2.0], 10), ValueError,
     "max_lr must have the same length as optimizer.param_groups. max_lr has 2 values, "
     "param_groups has 1."),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(T.optim.Adagrad([_param(T)]), 1.0, 10),
     ValueError, "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"),
    (lambda T: T.optim.lr_scheduler.CyclicLR(_opt(T, momentum=0.9), 0.1, 1.0, mode="square"),
     ValueError, "mode is invalid and scale_fn is None"),
    (lambda T: T.optim.lr_scheduler.CyclicLR(_opt(T, momentum=0.9), [0.1, 0.2], 1.0),
     ValueError, "base_lr must have the same length as optimizer.param_groups. base_lr has 2 "
     "values, param_groups has 1."),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_opt(T), factor=1.0), ValueError,
     "Factor should be < 1.0."),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_opt(T), mode="up"), ValueError,
     "mode up is unknown!"),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_opt(T), threshold_mode="x"), ValueError,
     "threshold mode x is unknown!"),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_opt(T), min_lr=[0, 0]), ValueError,
     "expected 1 min_lrs, got 2"),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(object()), TypeError,
     "object is not an Optimizer"),
    (lambda T: T.optim.lr_scheduler.SequentialLR(_opt(T), [], []), ValueError,
     "SequentialLR expects at least one scheduler, but got no scheduler."),
    (lambda T: T.optim.lr_scheduler.ChainedScheduler([]), ValueError,
     "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."),
    (lambda T: (lambda o: T.optim.lr_scheduler.SequentialLR(
        o, [T.optim.lr_scheduler.ReduceLROnPlateau(o)], []))(_opt(T)), ValueError,
     "SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires additional "
     "kwargs to be specified when calling `step`, but got one at index 0 in the given "
     "schedulers sequence."),
    (lambda T: (lambda o: T.optim.lr_scheduler.SequentialLR(o, [1], []))(_opt(T)), TypeError,
     "SequentialLR at index 0 should have `optimizer` as its attribute."),
    (lambda T: T.optim.lr_scheduler.ChainedScheduler(
        [T.optim.lr_scheduler.StepLR(_opt(T), 2), T.optim.lr_scheduler.StepLR(_opt(T), 2)]),
     ValueError, "ChainedScheduler expects all schedulers to belong to the same optimizer, but "
     "got scheduler StepLR at index 1 has "),
    (lambda T: (lambda o: T.optim.lr_scheduler.SequentialLR(
        o, [T.optim.lr_scheduler.StepLR(o, 2)] * 2, []))(_opt(T)), ValueError,
     "Sequential Schedulers expects number of schedulers provided to be one more than the "
     "number of milestone points, but got number of schedulers 2 and the number of milestones "
     "to be equal to 0"),
]


def _refusal(program, T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            program(T)
        except Exception as err:  # noqa: BLE001 - the exception is what is compared
            return type(err), str(err)
    return None, None


@pytest.mark.parametrize("program, kind, message", CASES, ids=[c[2][:40] for c in CASES])
def test_funcgrad_refuses_with_pytorchs_message(program, kind, message):
    got_kind, got_message = _refusal(program, ft)
    assert got_kind is kind, (got_kind, got_message)
    assert got_message.startswith(message), got_message


@pytest.mark.torch
@pytest.mark.parametrize("program, kind, message", CASES, ids=[c[2][:40] for c in CASES])
def test_pytorch_refuses_the_same_way(program, kind, message):
    torch = pytest.importorskip("torch")
    got_kind, got_message = _refusal(program, torch)
    assert got_kind is kind, (got_kind, got_message)
    assert got_message.startswith(message), got_message


def test_valid_hyperparameters_still_build_and_step():
    p = _param(ft)
    opts = [ft.optim.Adam([p], betas=(0.5, 0.0), eps=0.0, weight_decay=0.0, lr=0.0),
            ft.optim.SGD([p], lr=float("nan")),  # SGD tests `lr < 0`, as PyTorch's
            ft.optim.Adadelta([p], rho=1.0), ft.optim.Adam([p], betas=(ft.tensor(0.9),
                                                                     ft.tensor(0.99)))]
    assert [type(o).__name__ for o in opts] == ["Adam", "SGD", "Adadelta", "Adam"]
    assert opts[3].param_groups[0]["betas"] == pytest.approx((0.9, 0.99))
    p.grad = ft.ones(2)
    opts[3].step()
    assert p.detach().tolist() == pytest.approx([-1e-3, -1e-3])


def test_duplicate_parameter_in_a_group_warns_as_pytorch():
    p = _param(ft)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        ft.optim.SGD([p, p], lr=0.1)


def test_named_parameters_are_kept_as_param_names():
    p, q = _param(ft), _param(ft)
    opt = ft.optim.SGD([("w", p), ("b", q)], lr=0.1)
    assert opt.param_groups[0]["params"] == [p, q]
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
