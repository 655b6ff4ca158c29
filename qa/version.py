"""The package's version, in a module of its own so that any module may read it without
importing the package's public face (qa/__init__.py imports nearly every module)."""

__version__ = "0.1.0"
