"""The editor's Qt-free core: operations catalog, parameters, document,
rendering, file I/O and the command line."""
