"""Regenerate the pictures in docs/images/ that docs/tutorials/from_pytorch.md shows.

    PYTHONPATH=. python scripts/docs_images.py

zwxb_trace.svg and zwxb_torch.svg come from examples/pictures.py (the seed documents'
z = w*x + b); two_networks.svg is the autograd graph of the page's two-part model. Drawn by
funcgrad itself (engine="funcgrad"), so the files do not depend on Graphviz being installed.
"""
import itertools
import runpy
from pathlib import Path

import funcgrad.torch as torch
from funcgrad.torch.viz import make_dot

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"


def two_networks():
    """The page's model: Features (a convolution) then Classifier (a linear layer)."""
    nn, F = torch.nn, torch.nn.functional

    class Features(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)

        def forward(self, x):
            return F.relu(self.conv(x)).flatten(1)

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4 * 6 * 6, 3)

        def forward(self, x):
            return self.fc(x)

    torch.manual_seed(0)
    features, classifier = Features(), Classifier()
    inputs, labels = torch.randn(5, 1, 8, 8), torch.tensor([0, 1, 2, 1, 0])
    loss = nn.CrossEntropyLoss()(classifier(features(inputs)), labels)
    params = {**dict(features.named_parameters(prefix="features")),
              **dict(classifier.named_parameters(prefix="classifier"))}
    assert len(list(itertools.chain(features.parameters(), classifier.parameters()))) == 4
    return make_dot(loss, params=params, engine="funcgrad")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    pictures = runpy.run_path(str(ROOT / "examples" / "pictures.py"))
    pictures["main"](str(OUT))
    two_networks().render(str(OUT / "two_networks"), format="svg")
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.svg"))))


if __name__ == "__main__":
    main()
