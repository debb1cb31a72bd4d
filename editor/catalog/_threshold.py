"""Catalog entries for processing.threshold."""
from ..operations import Operation  # noqa: F401

OPERATIONS: list = []
