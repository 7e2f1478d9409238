"""Where the bundled assets are: package data in a wheel, ``assets/`` in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def assets_dir() -> Path:
    # The wheel force-includes assets/ as server/_assets (pyproject.toml); an editable
    # install or a plain checkout has them at the top of the tree instead.
    packaged = Path(__file__).with_name("_assets")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "assets"


def asset(*parts: str) -> Path:
    """Path of a bundled asset, e.g. ``asset("feeds", "demo.json")``."""
    return assets_dir().joinpath(*parts)
