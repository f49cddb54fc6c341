"""OpenCustoms: risk targeting, tax accuracy and trade-crime analytics for customs."""

__version__ = "0.1.0"
