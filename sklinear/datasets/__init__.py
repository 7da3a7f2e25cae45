"""Small real datasets shipped inside sklinear, with loaders."""

from ._penguins import PENGUINS_DEFAULT_TARGET, get_bundled_dataset, load_penguins

__all__ = ["PENGUINS_DEFAULT_TARGET", "get_bundled_dataset", "load_penguins"]
