"""torch.utils: `data` (Dataset, DataLoader, random_split) and `checkpoint`."""
from funcgrad.torch.utils import checkpoint, data  # noqa: F401
