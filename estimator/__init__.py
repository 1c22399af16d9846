"""estimator: how many container nodes a VM estate needs, and what moving saves a year."""

__version__ = "0.1.0"

__all__ = ["__version__"]
