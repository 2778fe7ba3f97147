"""funcgrad.torch against PyTorch eager: one small training step, side by side in one run.

    python benchmarks/torch_step.py

Four programs, each written once against a torch-like module and run on both:
- `polynomial_tensor`: one iteration of PyTorch's tutorial loop (tensor arithmetic, no autograd);
- `scalar ops`: 100 elementwise ops on a 4-element tensor, then backward (pure per-op overhead);
- `mlp step`: zero_grad, a 2-layer MLP (32 -> 64 -> 10) on a batch of 16, cross-entropy,
  backward, SGD with momentum;
- `conv step`: the digits example's two networks (conv features + classifier) on a batch of 32.
Prints median CPU ms per step and the ratio funcgrad.torch / PyTorch.
"""
from __future__ import annotations

import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, report, steady_malloc  # noqa: E402  (pins BLAS threads)

import numpy as np  # noqa: E402

import funcgrad.torch as ft  # noqa: E402


def scalar_ops(T):
    x = T.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)

    def step():
        y = x
        for _ in range(25):
            y = y * 1.01 + 0.1
            y = y.tanh() - 0.5 * y
        y.sum().backward()
        x.grad = None
    return step


def polynomial_step(T):
    """One iteration of the tutorial "Learning PyTorch with examples" (polynomial_tensor):
    a cubic fitted to sin on 2000 points, gradients written out by hand, tensor arithmetic only."""
    import math
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    a, b, c, d = (T.tensor(v) for v in (0.1, -0.2, 0.3, 0.05))
    learning_rate = 1e-6

    def step():
        nonlocal a, b, c, d
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()  # noqa: F841 (the tutorial prints it)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    return step


def mlp_step(T):
    T.manual_seed(0)
    net = T.nn.Sequential(T.nn.Linear(32, 64), T.nn.ReLU(), T.nn.Linear(64, 10))
    opt = T.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((16, 32)).astype(np.float32))
    y = T.tensor(rng.integers(0, 10, 16))
    loss_fn = T.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    return step


def conv_step(T):
    T.manual_seed(0)
    features = T.nn.Sequential(T.nn.Conv2d(1, 16, 3, padding=1), T.nn.ReLU(), T.nn.MaxPool2d(2),
                               T.nn.Conv2d(16, 32, 3, padding=1), T.nn.ReLU(), T.nn.MaxPool2d(2),
                               T.nn.Flatten())
    classifier = T.nn.Sequential(T.nn.Linear(128, 64), T.nn.ReLU(), T.nn.Linear(64, 10))
    opt = T.optim.SGD(itertools.chain(features.parameters(), classifier.parameters()), lr=0.05,
                      momentum=0.9)
    rng = np.random.default_rng(0)
    x = T.tensor(rng.random((32, 1, 8, 8)).astype(np.float32))
    y = T.tensor(rng.integers(0, 10, 32))

    def step():
        opt.zero_grad()
        T.nn.functional.cross_entropy(classifier(features(x)), y).backward()
        opt.step()
    return step


def main():
    print(f"memory: {steady_malloc()}")
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)
    ratios = {}
    for name, program in [("polynomial_tensor (tutorial loop, 2000 points)", polynomial_step),
                          ("scalar ops (100 ops + backward)", scalar_ops),
                          ("mlp step (16x32 -> 64 -> 10)", mlp_step),
                          ("conv step (digits nets, batch 32)", conv_step)]:
        contenders = {"funcgrad.torch": program(ft)}
        if torch is not None:
            contenders["torch eager"] = program(torch)
        medians = compare(contenders, rounds=5, min_time=0.05)
        report(name, medians, "torch eager" if torch is not None else "funcgrad.torch")
        if torch is not None:
            ratios[name] = medians["funcgrad.torch"] / medians["torch eager"]
    if ratios:
        print("\nfuncgrad.torch / PyTorch eager: " +
              ", ".join(f"{k.split(' (')[0]} {v:.2f}x" for k, v in ratios.items()))


if __name__ == "__main__":
    main()
