"""Touchline's companion server: live football events over Server-Sent Events."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("touchline")
except PackageNotFoundError:  # running from a tree that was never installed
    __version__ = "0.0.0"
