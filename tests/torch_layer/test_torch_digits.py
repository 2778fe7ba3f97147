"""examples/torch_digits.py in a shortened form: two networks, one SGD optimizer, real data."""
from __future__ import annotations

import io
import os
import sys

import pytest

pytest.importorskip("sklearn")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import torch_digits  # noqa: E402


def test_three_epochs_already_classify_most_held_out_digits():
    accuracy, n = torch_digits.train(epochs=3, show_progress=False)
    assert n == 360
    assert accuracy > 0.85


def test_progress_bar_and_final_line(capsys):
    stream = io.StringIO()
    torch_digits.progress(0, 3, 45, 45, 0.1234, stream=stream)
    assert stream.getvalue() == "\repoch  1/3 [##############################]  45/45 loss 0.1234\n"
