"""Catalog entries for processing.edges."""
from ..operations import Operation  # noqa: F401

OPERATIONS: list = []
