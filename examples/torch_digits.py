"""Handwritten digits with funcgrad.torch: a convolutional feature net feeding a classifier net,
both trained by one SGD optimizer with momentum (the seeds' two-network pattern).

    python examples/torch_digits.py            # about 10 s; > 95% held-out accuracy
    python examples/torch_digits.py --epochs 3

The data set is scikit-learn's bundled 8x8 digits (1797 images, offline); scikit-learn is an
example-only extra. Swap the import for `import torch` and the same program runs on PyTorch.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

# small matrices: one BLAS thread is fastest, and avoids thrashing on a busy machine
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import funcgrad.torch as torch  # noqa: E402

nn = torch.nn
F = torch.nn.functional


class Features(nn.Module):
    """(N, 1, 8, 8) images -> (N, 64) features."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))   # (N, 16, 4, 4)
        x = self.pool(F.relu(self.conv2(x)))   # (N, 32, 2, 2)
        return x.flatten(1)


class Classifier(nn.Module):
    """(N, 128) features -> (N, 10) class scores."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(128, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def load_digits(seed=0, held_out=0.2):
    from sklearn.datasets import load_digits as sklearn_digits
    data = sklearn_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8) in [0, 1]
    labels = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    split = int(len(labels) * (1 - held_out))
    train, test = order[:split], order[split:]
    return images[train], labels[train], images[test], labels[test]


def progress(epoch, epochs, step, steps, loss, stream=sys.stderr, width=30):
    done = int(width * step / steps)
    bar = "#" * done + "-" * (width - done)
    stream.write(f"\repoch {epoch + 1:2d}/{epochs} [{bar}] {step:3d}/{steps} loss {loss:.4f}")
    if step == steps:
        stream.write("\n")
    stream.flush()


def accuracy(features, classifier, images, labels, batch=256):
    features.eval(), classifier.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), batch):
            scores = classifier(features(torch.tensor(images[start:start + batch])))
            correct += int((scores.argmax(1) == torch.tensor(labels[start:start + batch])).sum())
    features.train(), classifier.train()
    return correct / len(labels)


def train(epochs=12, batch_size=32, lr=0.05, seed=0, show_progress=True):
    torch.manual_seed(seed)
    x_train, y_train, x_test, y_test = load_digits(seed)
    features, classifier = Features(), Classifier()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(itertools.chain(features.parameters(), classifier.parameters()),
                                lr=lr, momentum=0.9)
    rng = np.random.default_rng(seed)
    steps = (len(y_train) + batch_size - 1) // batch_size
    for epoch in range(epochs):
        order = rng.permutation(len(y_train))
        for step in range(steps):
            index = order[step * batch_size:(step + 1) * batch_size]
            optimizer.zero_grad()
            loss = criterion(classifier(features(torch.tensor(x_train[index]))),
                             torch.tensor(y_train[index]))
            loss.backward()
            optimizer.step()
            if show_progress:
                progress(epoch, epochs, step + 1, steps, loss.item())
    return accuracy(features, classifier, x_test, y_test), len(y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    acc, n = train(epochs=args.epochs, seed=args.seed)
    print(f"held-out accuracy: {100 * acc:.2f}% on {n} digits "
          f"({args.epochs} epochs, {time.perf_counter() - start:.1f} s)")
    return acc


if __name__ == "__main__":
    main()
