"""Datasets of users' texts: the columnar container, loaders, validation and the audit split."""

from mia_platform.data.dataset import Dataset, DropReport

__all__ = ["Dataset", "DropReport"]
