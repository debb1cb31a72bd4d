"""The Qt user interface: a thin layer over :mod:`editor`. The only package that imports Qt."""
