"""Point-and-click tools on the canvas: selections, the wand, brush, crop ...

A tool is one class in a module of this package named ``*_tool.py`` or
``*_tools.py``, decorated with :func:`ui.tools.base.register_tool`; the
controller finds it there and gives it a toolbar button and a shortcut.
See base.py for what a tool is and controller.py for what its requests do.
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import TOOLS, CanvasTool, ToolEvent, ToolSpec, register_tool, selection_mode

__all__ = ["TOOLS", "CanvasTool", "ToolEvent", "ToolSpec", "register_tool", "selection_mode", "load_tools"]


def load_tools() -> dict[str, ToolSpec]:
    """Import every tool module of this package (they register themselves)."""
    for module in pkgutil.iter_modules(__path__):
        if module.name.endswith(("_tool", "_tools")):
            importlib.import_module(f"{__name__}.{module.name}")
    return TOOLS
