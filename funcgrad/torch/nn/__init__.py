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
from funcgrad.torch.nn.layers import Bilinear, Unflatten  # noqa: F401
from funcgrad.torch.nn.loss import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss,  # noqa: F401
                                    HuberLoss, MarginRankingLoss, MultiLabelSoftMarginLoss,
                                    PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss)
from funcgrad.torch.nn.activation import (CELU, GLU, Hardshrink, Hardsigmoid, Hardswish,  # noqa: F401
                                          Hardtanh, LogSigmoid, Mish, PReLU, ReLU6, SELU,
                                          Softmin, Softshrink, Softsign, Tanhshrink, Threshold)
from funcgrad.torch.nn.normalization import (GroupNorm, InstanceNorm1d, InstanceNorm2d,  # noqa: F401
                                             LayerNorm, LocalResponseNorm, RMSNorm)
from funcgrad.torch.nn.spatial import (AdaptiveAvgPool1d, AdaptiveMaxPool1d,  # noqa: F401
                                       AdaptiveMaxPool2d, AvgPool1d, CircularPad1d,
                                       CircularPad2d, ConstantPad1d, ConstantPad2d, Conv1d,
                                       Dropout1d, Dropout2d, Dropout3d, MaxPool1d,
                                       PixelShuffle, ReflectionPad1d, ReflectionPad2d,
                                       ReplicationPad1d, ReplicationPad2d, Upsample, ZeroPad1d,
                                       ZeroPad2d)
from funcgrad.torch.nn.recurrent import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell  # noqa: F401
from funcgrad.torch.nn.attention import (MultiheadAttention, Transformer,  # noqa: F401
                                         TransformerDecoder, TransformerDecoderLayer,
                                         TransformerEncoder, TransformerEncoderLayer)
from funcgrad.torch.nn.distance import CosineSimilarity, PairwiseDistance  # noqa: F401
from funcgrad.torch.nn.containers import ParameterDict, ParameterList  # noqa: F401
from funcgrad.torch.nn.blocks import Fold, MaxUnpool2d, Unfold  # noqa: F401
from funcgrad.torch.nn.transposed import ConvTranspose1d, ConvTranspose2d  # noqa: F401
from funcgrad.torch.nn.embedding_bag import EmbeddingBag  # noqa: F401
from funcgrad.torch.nn.spatial import AlphaDropout  # noqa: F401
from funcgrad.torch.nn.ctc import CTCLoss  # noqa: F401
from funcgrad.torch.nn.layers import BatchNorm3d  # noqa: F401
from funcgrad.torch.nn.volumetric import AdaptiveAvgPool3d, AvgPool3d, Conv3d, MaxPool3d  # noqa: F401
from funcgrad.torch.nn import utils  # noqa: F401
from funcgrad.torch.nn.parameter import UninitializedBuffer, UninitializedParameter  # noqa: F401
from funcgrad.torch.nn.lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d,  # noqa: F401
                                    LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d,
                                    LazyConvTranspose2d, LazyInstanceNorm1d, LazyInstanceNorm2d,
                                    LazyLinear)
from funcgrad.torch.nn.loss import (MultiLabelMarginLoss, MultiMarginLoss, NLLLoss2d,  # noqa: F401
                                    TripletMarginWithDistanceLoss)
from funcgrad.torch.nn.pooling import (AdaptiveMaxPool3d, LPPool1d, LPPool2d, LPPool3d,  # noqa: F401
                                       MaxUnpool1d, MaxUnpool3d)
from funcgrad.torch.nn.inplace_activations import RReLU  # noqa: F401
from funcgrad.torch.nn.spatial import FeatureAlphaDropout  # noqa: F401
from funcgrad.torch.nn.rearranging import (ChannelShuffle, PixelUnshuffle, Softmax2d,  # noqa: F401
                                           UpsamplingBilinear2d, UpsamplingNearest2d)
from funcgrad.torch.nn.containers import Container  # noqa: F401
from funcgrad.torch.nn.transposed import ConvTranspose3d  # noqa: F401
from funcgrad.torch.nn.normalization import InstanceNorm3d  # noqa: F401
from funcgrad.torch.nn.spatial import (CircularPad3d, ConstantPad3d, ReflectionPad3d,  # noqa: F401
                                       ReplicationPad3d, ZeroPad3d)
from funcgrad.torch.nn.lazy import LazyConvTranspose3d, LazyInstanceNorm3d  # noqa: F401
