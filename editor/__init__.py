"""The editor's Qt-free core: operations catalog, parameters, document,
rendering, file I/O and the command line."""

from .threads import pin_blas_threads

# Tiles already run on every core (processing's one pool): a BLAS call inside
# a tile must not start threads of its own on top. This takes effect only
# when the editor is imported before NumPy, as its entry points are.
pin_blas_threads()
