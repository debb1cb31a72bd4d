"""Catalog entries for processing.histogram."""
from ..operations import Operation  # noqa: F401

OPERATIONS: list = []
