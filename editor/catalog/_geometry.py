"""Catalog entries for processing.geometry."""
from ..operations import Operation  # noqa: F401

OPERATIONS: list = []
