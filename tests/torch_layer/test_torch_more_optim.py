"""Optimizers and learning-rate schedulers added to funcgrad.torch.optim, against PyTorch:
parameters after several steps, learning rates (and momenta) at every step."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(2)
W0 = RNG.standard_normal((3, 2)).astype(np.float32)
X = RNG.standard_normal((5, 3)).astype(np.float32)

OPTIMIZERS = {
    "RMSprop": lambda o, p: o.RMSprop(p, lr=0.01), "RMSprop_momentum": lambda o, p: o.RMSprop(
        p, lr=0.01, momentum=0.9, centered=True, weight_decay=0.1),
    "Adagrad": lambda o, p: o.Adagrad(p, lr=0.1), "Adagrad_decay": lambda o, p: o.Adagrad(
        p, lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5),
    "Adadelta": lambda o, p: o.Adadelta(p), "Adadelta_wd": lambda o, p: o.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.1),
    "Adamax": lambda o, p: o.Adamax(p, lr=0.01), "Adamax_wd": lambda o, p: o.Adamax(p, weight_decay=0.1),
    "NAdam": lambda o, p: o.NAdam(p, lr=0.01), "NAdam_decoupled": lambda o, p: o.NAdam(
        p, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    "RAdam": lambda o, p: o.RAdam(p, lr=0.01), "RAdam_wd": lambda o, p: o.RAdam(p, lr=0.01, weight_decay=0.1),
    "RMSprop_maximize": lambda o, p: o.RMSprop(p, maximize=True),
}


def _train(T, make, steps=8):
    w = T.tensor(W0, requires_grad=True)
    opt = make(T.optim, [w])
    x = T.tensor(X)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w).tanh() ** 2).sum()
        loss.backward()
        opt.step()
    return w.detach().numpy(), sorted(opt.state[w])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps_match_pytorch(name):
    ours, theirs = _train(ft, OPTIMIZERS[name]), _train(torch, OPTIMIZERS[name])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    assert ours[1] == theirs[1]


SCHEDULERS = {
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, 5, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, 3, 2, 0.001),
    "LinearLR": lambda s, o: s.LinearLR(o, 0.25, 1.0, 4), "ConstantLR": lambda s, o: s.ConstantLR(o, 0.5, 3),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, 6, 2.0),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.9),
    "StepLR": lambda s, o: s.StepLR(o, 3, 0.5), "MultiStepLR": lambda s, o: s.MultiStepLR(o, [2, 5, 5], 0.5),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, 0.9),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, 1.0, total_steps=12),
    "OneCycleLR_linear_3phase": lambda s, o: s.OneCycleLR(o, 0.5, epochs=3, steps_per_epoch=4,
                                                          anneal_strategy="linear", three_phase=True),
    "CyclicLR": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3),
    "CyclicLR_triangular2": lambda s, o: s.CyclicLR(o, 0.01, 0.1, 2, 3, mode="triangular2"),
    "CyclicLR_exp_range": lambda s, o: s.CyclicLR(o, 0.01, 0.1, 2, mode="exp_range", gamma=0.9),
    "SequentialLR": lambda s, o: s.SequentialLR(o, [s.LinearLR(o, 0.1, total_iters=3),
                                                    s.CosineAnnealingLR(o, 6)], milestones=[3]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler([s.ConstantLR(o, 0.5, 4),
                                                         s.ExponentialLR(o, 0.9)]),
    "Cosine_then_Step": lambda s, o: (s.CosineAnnealingLR(o, 6), s.StepLR(o, 2, 0.5))[0],
}


def _schedule(T, make, steps=12, optimizer="SGD"):
    w = T.tensor(W0, requires_grad=True)
    opt = T.optim.SGD([w], lr=0.1, momentum=0.9) if optimizer == "SGD" else T.optim.Adam([w], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = make(T.optim.lr_scheduler, opt)
        others = []
        rates, momenta = [sched.get_last_lr()[0]], []
        for _ in range(steps):
            opt.step()
            sched.step()
            rates.append(opt.param_groups[0]["lr"])
            group = opt.param_groups[0]
            momenta.append(group.get("momentum", group.get("betas", (None,))[0]))
    return rates, momenta, others


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_rates_match_pytorch(name):
    ours, theirs = _schedule(ft, SCHEDULERS[name]), _schedule(torch, SCHEDULERS[name])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-9)


def test_one_cycle_cycles_adam_betas_as_pytorch():
    make = SCHEDULERS["OneCycleLR"]
    ours, theirs = _schedule(ft, make, 10, "Adam"), _schedule(torch, make, 10, "Adam")
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)


def test_reduce_lr_on_plateau_matches_pytorch():
    losses = [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
    out = []
    for T in (ft, torch):
        w = T.tensor(W0, requires_grad=True)
        opt = T.optim.SGD([w], lr=1.0)
        sched = T.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1,
                                                       min_lr=0.1)
        rates = []
        for loss in losses:
            sched.step(loss)
            rates.append((opt.param_groups[0]["lr"], sched.get_last_lr()[0], sched.num_bad_epochs))
        out.append(rates)
    assert out[0] == out[1]
    for T in (ft, torch):
        w = T.tensor(W0, requires_grad=True)
        opt = T.optim.SGD([w], lr=1.0)
        sched = T.optim.lr_scheduler.ReduceLROnPlateau(opt, "max", patience=0, threshold=0.1,
                                                       threshold_mode="abs")
        for metric in (1.0, 1.05, 1.2):
            sched.step(metric)
        out.append(opt.param_groups[0]["lr"])
    assert out[2] == pytest.approx(out[3])


def test_step_with_an_epoch_uses_the_closed_form_as_pytorch():
    out = []
    for T in (ft, torch):
        w = T.tensor(W0, requires_grad=True)
        opt = T.optim.SGD([w], lr=0.1)
        sched = T.optim.lr_scheduler.CosineAnnealingLR(opt, 10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched.step(4)
        out.append(opt.param_groups[0]["lr"])
    assert out[0] == pytest.approx(out[1])


@pytest.mark.parametrize("options", [dict(lr=0.5, max_iter=15, history_size=5),
                                     dict(lr=1, max_iter=4), dict(lr=0.1, max_iter=10, history_size=2)])
def test_lbfgs_matches_pytorch(options):
    out = []
    for T in (ft, torch):
        w = T.tensor([-1.2, 1.0], requires_grad=True)
        opt = T.optim.LBFGS([w], **options)

        def closure():
            opt.zero_grad()
            loss = (1 - w[0]) ** 2 + 10 * (w[1] - w[0] ** 2) ** 2
            loss.backward()
            return loss
        losses = [float(opt.step(closure)) for _ in range(3)]
        out.append((w.detach().numpy(), losses, opt.state[w]["func_evals"], opt.state[w]["n_iter"]))
    # float32 sums in another order: the iterates agree to about 1e-5, the tiny losses less
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-2, atol=1e-6)
    assert out[0][2:] == out[1][2:]
