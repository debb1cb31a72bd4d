"""Pure NumPy image processing.

Every public function takes a float32 image with values in [0, 1], shaped
``(H, W)`` for gray or ``(H, W, C)`` with C = 3 (RGB) or 4 (RGBA), and returns a
new array; inputs are never modified. This package imports NumPy only.
"""
