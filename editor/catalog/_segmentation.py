"""Catalog entries for processing.segmentation."""
from ..operations import Operation  # noqa: F401

OPERATIONS: list = []
