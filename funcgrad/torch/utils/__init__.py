"""torch.utils: `data` (Dataset, DataLoader, random_split)."""
from funcgrad.torch.utils import data  # noqa: F401
