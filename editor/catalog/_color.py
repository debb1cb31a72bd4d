"""Catalog entries for processing.color."""
from ..operations import Operation  # noqa: F401

OPERATIONS: list = []
