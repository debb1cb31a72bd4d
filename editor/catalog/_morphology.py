"""Catalog entries for processing.morphology."""
from ..operations import Operation  # noqa: F401

OPERATIONS: list = []
