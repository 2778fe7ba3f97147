"""funcgrad.torch against PyTorch eager: one small training step, side by side in one run.

    python benchmarks/torch_step.py [--quick] [name-substring ...]

Each program is a step of one of PyTorch's tutorials, written once against a torch-like module
`T` and run on both. Before it is timed, each is run three times from the same parameters
(NumPy draws copied into both) on funcgrad.torch and on PyTorch and the values it leaves behind
(parameters, the loss) are compared: a speed figure for a program that computes something else
would mean nothing.

- "Learning PyTorch with examples": `polynomial_tensor` (gradients by hand, tensor arithmetic
  only), `polynomial_autograd` (backward, update under no_grad, `.grad = None`),
  `polynomial_module` (an nn.Module of four Parameters, MSELoss(sum), optim.SGD),
  `polynomial_nn` (x.unsqueeze(-1).pow(p), Sequential(Linear, Flatten), the update over
  `model.parameters()` under no_grad);
- `scalar ops`: 100 elementwise ops on a 4-element tensor, then backward (pure per-op overhead);
- `mlp step`: zero_grad, a 2-layer MLP (32 -> 64 -> 10) on a batch of 16, cross-entropy,
  backward, SGD with momentum;
- "What is torch.nn really?": `nn_tutorial scratch` (logistic regression written from scratch,
  hand-written log_softmax/NLL, update under no_grad), `nn_tutorial fit` (one epoch of the
  refactored `fit`: TensorDataset, shuffled DataLoader, nn.Linear, optim.SGD, a validation
  pass), `nn_tutorial cnn` (three stride-2 convs, avg pool, SGD with momentum);
- the 60-minute blitz: `blitz cifar` (the CIFAR-10 classifier's training step: two 5x5 convs,
  max pools, three linear layers, CrossEntropyLoss, SGD with momentum, batch 4);
- the NLP tutorials: `lstm tagger` ("Sequence Models and LSTM Networks": embedding, nn.LSTM,
  linear, log_softmax, NLLLoss, SGD over one sentence), `char rnn` ("Classifying Names with a
  Character-Level RNN": the hand-made RNN module over one name, a character at a time, the
  update by `p.data.add_(p.grad.data, alpha=-lr)`);
- `conv step`: the digits example's two networks (conv features + classifier) on a batch of 32.
Prints median CPU ms per step and the ratio funcgrad.torch / PyTorch.
"""
from __future__ import annotations

import itertools
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, report, steady_malloc  # noqa: E402  (pins BLAS threads)

import numpy as np  # noqa: E402

import funcgrad.torch as ft  # noqa: E402


def set_parameters(T, params, seed=0):
    """Overwrite `params` with NumPy draws (uniform, scaled by 1/sqrt(fan-in)), so that both
    libraries start from the same numbers (their random generators differ)."""
    rng = np.random.default_rng(seed)
    with T.no_grad():
        for p in params:
            shape = tuple(p.shape)
            fan_in = math.prod(shape[1:]) if len(shape) > 1 else 1
            p.copy_(T.tensor((rng.uniform(-1, 1, shape) / math.sqrt(fan_in)).astype(np.float32)))


def scalar_ops(T):
    x = T.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    out = {}

    def step():
        y = x
        for _ in range(25):
            y = y * 1.01 + 0.1
            y = y.tanh() - 0.5 * y
        y.sum().backward()
        out["grad"] = x.grad
        x.grad = None
    return step, lambda: [out["grad"]]


def polynomial_step(T):
    """One iteration of the tutorial "Learning PyTorch with examples" (polynomial_tensor):
    a cubic fitted to sin on 2000 points, gradients written out by hand, tensor arithmetic only."""
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    a, b, c, d = (T.tensor(v) for v in (0.1, -0.2, 0.3, 0.05))
    learning_rate = 1e-6

    def step():
        nonlocal a, b, c, d  # (module globals in the tutorial)
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
    return step, lambda: [a, b, c, d]


def polynomial_autograd_step(T):
    """The same tutorial's polynomial_autograd: the loss's backward, the update under no_grad,
    the gradients reset to None."""
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    a, b, c, d = (T.tensor(v, requires_grad=True) for v in (0.1, -0.2, 0.3, 0.05))
    learning_rate = 1e-6

    def step():
        nonlocal a, b, c, d  # (module globals in the tutorial)
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.item()
        loss.backward()
        with T.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return step, lambda: [a, b, c, d]


def polynomial_module_step(T):
    """The same tutorial's polynomial_module: a Module of four scalar Parameters,
    MSELoss(reduction='sum'), optim.SGD."""
    class Polynomial3(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = T.nn.Parameter(T.randn(()))
            self.b = T.nn.Parameter(T.randn(()))
            self.c = T.nn.Parameter(T.randn(()))
            self.d = T.nn.Parameter(T.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    model = Polynomial3()
    set_parameters(T, model.parameters())
    criterion = T.nn.MSELoss(reduction="sum")
    optimizer = T.optim.SGD(model.parameters(), lr=1e-6)

    def step():
        y_pred = model(x)
        loss = criterion(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return step, lambda: list(model.parameters())


def polynomial_nn_step(T):
    """The same tutorial's polynomial_nn: features x, x^2, x^3 by broadcasting pow,
    Sequential(Linear(3, 1), Flatten(0, 1)), the update by hand over model.parameters()."""
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    p = T.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1))
    set_parameters(T, model.parameters())
    loss_fn = T.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6

    def step():
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        model.zero_grad()
        loss.backward()
        with T.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    return step, lambda: list(model.parameters())


def mlp_step(T):
    net = T.nn.Sequential(T.nn.Linear(32, 64), T.nn.ReLU(), T.nn.Linear(64, 10))
    set_parameters(T, net.parameters())
    opt = T.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((16, 32)).astype(np.float32))
    y = T.tensor(rng.integers(0, 10, 16))
    loss_fn = T.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    return step, lambda: list(net.parameters())


def conv_step(T):
    features = T.nn.Sequential(T.nn.Conv2d(1, 16, 3, padding=1), T.nn.ReLU(), T.nn.MaxPool2d(2),
                               T.nn.Conv2d(16, 32, 3, padding=1), T.nn.ReLU(), T.nn.MaxPool2d(2),
                               T.nn.Flatten())
    classifier = T.nn.Sequential(T.nn.Linear(128, 64), T.nn.ReLU(), T.nn.Linear(64, 10))
    params = list(itertools.chain(features.parameters(), classifier.parameters()))
    set_parameters(T, params)
    opt = T.optim.SGD(params, lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    x = T.tensor(rng.random((32, 1, 8, 8)).astype(np.float32))
    y = T.tensor(rng.integers(0, 10, 32))

    def step():
        opt.zero_grad()
        T.nn.functional.cross_entropy(classifier(features(x)), y).backward()
        opt.step()
    return step, lambda: params


def nn_tutorial_scratch_step(T):
    """One batch of the tutorial "What is torch.nn really?" before it uses torch.nn: logistic
    regression on 784 MNIST-sized features, log_softmax and the NLL written out, the update
    under no_grad by hand (random images stand in for MNIST)."""
    rng = np.random.default_rng(0)
    xb = T.tensor(rng.random((64, 784)).astype(np.float32))
    yb = T.tensor(rng.integers(0, 10, 64))
    weights = T.tensor(rng.standard_normal((784, 10)).astype(np.float32)) / math.sqrt(784)
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
    return step, lambda: [weights, bias]


def nn_tutorial_fit_epoch(T, shuffle=True):
    """The same tutorial after its refactoring: `fit` over a shuffled DataLoader of a
    TensorDataset (640 MNIST-sized samples, batches of 64), nn.Linear, cross_entropy,
    optim.SGD, then the validation loss under no_grad. (Checked without the shuffle: the two
    libraries draw different permutations.)"""
    F = T.nn.functional
    rng = np.random.default_rng(0)
    x_train = T.tensor(rng.random((640, 784)).astype(np.float32))
    y_train = T.tensor(rng.integers(0, 10, 640))
    train_dl = T.utils.data.DataLoader(T.utils.data.TensorDataset(x_train, y_train),
                                       batch_size=64, shuffle=shuffle)
    valid_dl = T.utils.data.DataLoader(T.utils.data.TensorDataset(x_train[:128], y_train[:128]),
                                       batch_size=128)
    model = T.nn.Linear(784, 10)
    set_parameters(T, model.parameters())
    opt = T.optim.SGD(model.parameters(), lr=0.5)
    out = {}

    def epoch():
        model.train()
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        with T.no_grad():
            out["valid"] = sum(F.cross_entropy(model(xb), yb) for xb, yb in valid_dl)
    return epoch, lambda: list(model.parameters()) + [out["valid"]]


def nn_tutorial_cnn_step(T):
    """One batch of the same tutorial's CNN (three stride-2 convolutions, ReLU, average pooling)
    with SGD and momentum, as its `fit` loop runs it, on a batch of 64 28x28 images."""
    F = T.nn.functional

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
    set_parameters(T, model.parameters())
    opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    xb = T.tensor(rng.random((64, 784)).astype(np.float32))
    yb = T.tensor(rng.integers(0, 10, 64))

    def step():
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
    return step, lambda: list(model.parameters())


def blitz_cifar_step(T):
    """The 60-minute blitz's CIFAR-10 classifier ("Training a Classifier"): its `Net`, one
    iteration of the training loop (zero_grad, forward, CrossEntropyLoss, backward, SGD with
    momentum, `running_loss += loss.item()`) on a batch of four 3x32x32 images."""
    nn, F, optim = T.nn, T.nn.functional, T.optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = T.flatten(x, 1)  # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = Net()
    set_parameters(T, net.parameters())
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    rng = np.random.default_rng(0)
    inputs = T.tensor(rng.uniform(-1, 1, (4, 3, 32, 32)).astype(np.float32))
    labels = T.tensor(rng.integers(0, 10, 4))
    out = {"running_loss": 0.0}

    def step():
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        out["running_loss"] += loss.item()
    return step, lambda: list(net.parameters()) + [T.tensor(out["running_loss"])]


def lstm_tagger_step(T):
    """"Sequence Models and LSTM Networks" (the NLP tutorials): the part-of-speech LSTMTagger
    (embedding, nn.LSTM, linear, log_softmax), NLLLoss and SGD, one step on one sentence, the
    sentence and tags made into tensors by prepare_sequence as the tutorial does."""
    nn, F, optim = T.nn, T.nn.functional, T.optim
    training_data = [("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
                     ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])]
    word_to_ix = {}
    for sent, _ in training_data:
        for word in sent:
            if word not in word_to_ix:
                word_to_ix[word] = len(word_to_ix)
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}

    def prepare_sequence(seq, to_ix):
        return T.tensor([to_ix[w] for w in seq], dtype=T.long)

    class LSTMTagger(nn.Module):
        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super().__init__()
            self.hidden_dim = hidden_dim
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim)
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            return F.log_softmax(tag_space, dim=1)

    model = LSTMTagger(6, 6, len(word_to_ix), len(tag_to_ix))
    set_parameters(T, model.parameters())
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    sentence, tags = training_data[0]

    def step():
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
    return step, lambda: list(model.parameters())


def char_rnn_step(T):
    """"NLP From Scratch: Classifying Names with a Character-Level RNN": the hand-made RNN
    (i2h and h2o linear layers over cat(input, hidden), LogSoftmax), one name fed a one-hot
    letter at a time, NLLLoss, and the tutorial's update `p.data.add_(p.grad.data, alpha=-lr)`."""
    nn = T.nn
    all_letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;'"
    n_letters, n_hidden, n_categories = len(all_letters), 128, 18

    def line_to_tensor(line):
        tensor = T.zeros(len(line), 1, n_letters)
        for li, letter in enumerate(line):
            tensor[li][0][all_letters.find(letter)] = 1
        return tensor

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
            self.h2o = nn.Linear(input_size + hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, input, hidden):
            combined = T.cat((input, hidden), 1)
            hidden = self.i2h(combined)
            output = self.h2o(combined)
            output = self.softmax(output)
            return output, hidden

        def init_hidden(self):
            return T.zeros(1, self.hidden_size)

    rnn = RNN(n_letters, n_hidden, n_categories)
    set_parameters(T, rnn.parameters())
    criterion = nn.NLLLoss()
    learning_rate = 0.005
    category_tensor = T.tensor([3], dtype=T.long)
    line_tensor = line_to_tensor("Albert")

    def step():
        hidden = rnn.init_hidden()
        rnn.zero_grad()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return output, loss.item()
    return step, lambda: list(rnn.parameters())


PROGRAMS = [("polynomial_tensor (tutorial loop, 2000 points)", polynomial_step),
            ("polynomial_autograd (backward, update under no_grad)", polynomial_autograd_step),
            ("polynomial_module (nn.Module, MSELoss, SGD)", polynomial_module_step),
            ("polynomial_nn (Sequential(Linear, Flatten), update by hand)", polynomial_nn_step),
            ("scalar ops (100 ops + backward)", scalar_ops),
            ("mlp step (16x32 -> 64 -> 10)", mlp_step),
            ("nn_tutorial scratch (logistic regression, batch 64)", nn_tutorial_scratch_step),
            ("nn_tutorial fit (DataLoader epoch, 10 batches)", nn_tutorial_fit_epoch),
            ("nn_tutorial cnn (3 convs, batch 64)", nn_tutorial_cnn_step),
            ("blitz cifar (2 convs, 3 linear, batch 4)", blitz_cifar_step),
            ("lstm tagger (embedding, LSTM, one sentence)", lstm_tagger_step),
            ("char rnn (hand-made RNN over one name)", char_rnn_step),
            ("conv step (digits nets, batch 32)", conv_step)]


def check_against(torch, program, steps=3):
    """Run `program` `steps` times on both libraries from the same start; raise unless the
    values it leaves behind agree (float32 arithmetic: to a relative 1e-4)."""
    kwargs = {"shuffle": False} if program is nn_tutorial_fit_epoch else {}
    results = []
    for T in (ft, torch):
        T.manual_seed(0)
        step, state = program(T, **kwargs)
        for _ in range(steps):
            step()
        results.append([np.array(t.detach().numpy(), dtype=np.float64) for t in state()])
    for i, (ours, theirs) in enumerate(zip(*results)):
        if ours.shape != theirs.shape or not np.allclose(ours, theirs, rtol=1e-4, atol=1e-6):
            raise AssertionError(f"{program.__name__}: value {i} differs from PyTorch's by "
                                 f"{np.max(np.abs(ours - theirs))}")


def main(argv):
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    print(f"memory: {steady_malloc()}")
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)
    ratios = {}
    for name, program in PROGRAMS:
        if wanted and not any(w in name for w in wanted):
            continue
        if torch is not None:
            check_against(torch, program)
        contenders = {}
        for label, T in [("funcgrad.torch", ft), ("torch eager", torch)]:
            if T is not None:
                T.manual_seed(0)
                contenders[label] = program(T)[0]
        medians = compare(contenders, rounds=3 if quick else 5, min_time=0.05)
        report(name, medians, "torch eager" if torch is not None else "funcgrad.torch")
        if torch is not None:
            ratios[name] = medians["funcgrad.torch"] / medians["torch eager"]
    if ratios:
        print("\nvalues agree with PyTorch's for every program timed (checked before timing)")
        print("funcgrad.torch / PyTorch eager: " +
              ", ".join(f"{k.split(' (')[0]} {v:.2f}x" for k, v in ratios.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
