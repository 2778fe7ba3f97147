"""torch.optim: SGD, Adam, AdamW and learning-rate schedulers."""
from funcgrad.torch.optim.optimizer import Optimizer  # noqa: F401
from funcgrad.torch.optim.sgd import SGD  # noqa: F401
from funcgrad.torch.optim.adam import Adam, AdamW  # noqa: F401
from funcgrad.torch.optim import lr_scheduler  # noqa: F401
