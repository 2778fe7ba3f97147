"""funcgrad.torch against PyTorch eager: one small training step, side by side in one run.

    python benchmarks/torch_step.py

Seven programs, each written once against a torch-like module and run on both:
- `polynomial_tensor`: one iteration of PyTorch's tutorial loop (tensor arithmetic, no autograd);
- `scalar ops`: 100 elementwise ops on a 4-element tensor, then backward (pure per-op overhead);
- `mlp step`: zero_grad, a 2-layer MLP (32 -> 64 -> 10) on a batch of 16, cross-entropy,
  backward, SGD with momentum;
- `nn_tutorial scratch`: one batch of "What is torch.nn really?" written from scratch
  (logistic regression, hand-written log_softmax/NLL, update under no_grad);
- `nn_tutorial fit`: one epoch of that tutorial's refactored `fit` (TensorDataset, shuffled
  DataLoader, nn.Linear, optim.SGD, a validation pass);
- `nn_tutorial cnn`: one batch of that tutorial's CNN (three stride-2 convs, avg pool, SGD);
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


def nn_tutorial_scratch_step(T):
    """One batch of the tutorial "What is torch.nn really?" before it uses torch.nn: logistic
    regression on 784 MNIST-sized features, log_softmax and the NLL written out, the update
    under no_grad by hand (random images stand in for MNIST)."""
    import math
    T.manual_seed(0)
    rng = np.random.default_rng(0)
    xb = T.tensor(rng.random((64, 784)).astype(np.float32))
    yb = T.tensor(rng.integers(0, 10, 64))
    weights = T.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = T.zeros(10, requires_grad=True)
    lr = 0.5

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def step():
        nonlocal weights, bias  # (module globals in the tutorial)
        pred = log_softmax(xb @ weights + bias)
        loss = -pred[range(yb.shape[0]), yb].mean()
        loss.backward()
        with T.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
    return step


def nn_tutorial_fit_epoch(T):
    """The same tutorial after its refactoring: `fit` over a shuffled DataLoader of a
    TensorDataset (640 MNIST-sized samples, batches of 64), nn.Linear, cross_entropy,
    optim.SGD, then the validation loss under no_grad."""
    F = T.nn.functional
    T.manual_seed(0)
    rng = np.random.default_rng(0)
    x_train = T.tensor(rng.random((640, 784)).astype(np.float32))
    y_train = T.tensor(rng.integers(0, 10, 640))
    train_dl = T.utils.data.DataLoader(T.utils.data.TensorDataset(x_train, y_train),
                                       batch_size=64, shuffle=True)
    valid_dl = T.utils.data.DataLoader(T.utils.data.TensorDataset(x_train[:128], y_train[:128]),
                                       batch_size=128)
    model = T.nn.Linear(784, 10)
    opt = T.optim.SGD(model.parameters(), lr=0.5)

    def epoch():
        model.train()
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        with T.no_grad():
            valid_loss = sum(F.cross_entropy(model(xb), yb) for xb, yb in valid_dl)  # noqa: F841
    return epoch


def nn_tutorial_cnn_step(T):
    """One batch of the same tutorial's CNN (three stride-2 convolutions, ReLU, average pooling)
    with SGD and momentum, as its `fit` loop runs it, on a batch of 64 28x28 images."""
    F = T.nn.functional
    T.manual_seed(0)

    class Mnist_CNN(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = T.nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = T.nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = T.nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = F.relu(self.conv1(xb))
            xb = F.relu(self.conv2(xb))
            xb = F.relu(self.conv3(xb))
            xb = F.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    model = Mnist_CNN()
    opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    xb = T.tensor(rng.random((64, 784)).astype(np.float32))
    yb = T.tensor(rng.integers(0, 10, 64))

    def step():
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
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
                          ("nn_tutorial scratch (logistic regression, batch 64)",
                           nn_tutorial_scratch_step),
                          ("nn_tutorial fit (DataLoader epoch, 10 batches)",
                           nn_tutorial_fit_epoch),
                          ("nn_tutorial cnn (3 convs, batch 64)", nn_tutorial_cnn_step),
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
