"""Cython hot paths. Each module has a ``.pyi`` stub and a pure-Python reference in the tests."""
