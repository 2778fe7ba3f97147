"""torch.optim: SGD, the Adam family, RMSprop/Adagrad/Adadelta, Rprop, ASGD, LBFGS and
learning-rate schedulers."""
from funcgrad.torch.optim.optimizer import Optimizer  # noqa: F401
from funcgrad.torch.optim.sgd import SGD  # noqa: F401
from funcgrad.torch.optim.adam import Adam, AdamW  # noqa: F401
from funcgrad.torch.optim.adam_variants import Adamax, NAdam, RAdam  # noqa: F401
from funcgrad.torch.optim.rmsprop import Adadelta, Adagrad, RMSprop  # noqa: F401
from funcgrad.torch.optim.lbfgs import LBFGS  # noqa: F401
from funcgrad.torch.optim.rprop import Rprop  # noqa: F401
from funcgrad.torch.optim.asgd import ASGD  # noqa: F401
from funcgrad.torch.optim import lr_scheduler  # noqa: F401
