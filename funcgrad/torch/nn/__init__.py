"""torch.nn: modules, parameters, layers, losses, `functional` and `init`."""
from funcgrad.torch.nn import functional, init  # noqa: F401
from funcgrad.torch.nn.parameter import Buffer, Parameter  # noqa: F401
from funcgrad.torch.nn.module import Module  # noqa: F401
from funcgrad.torch.nn.layers import (AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d,  # noqa: F401
                                      Dropout, ELU, Embedding, Flatten, GELU, Identity,
                                      LeakyReLU, Linear, LogSoftmax, MaxPool2d, ModuleDict,
                                      ModuleList, ReLU, Sequential, SiLU, Sigmoid, Softmax,
                                      Softplus, Tanh)
from funcgrad.torch.nn.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss,  # noqa: F401
                                    KLDivLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss)
from funcgrad.torch.nn import utils  # noqa: F401
