"""The README's promises point at tests that exist, and it shows the two commands."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_two_commands():
    assert "uv run touchline\n" in README or "uv run touchline " in README
    assert "uv run pytest" in README
    assert "uv run pytest" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_test_named_in_the_guarantees_exists():
    section = README.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    references = re.findall(r"`(tests/[\w/]+\.py)((?:::\w+)?)`", section)
    shorthand = re.findall(r"`::(\w+)`", section)
    assert len(references) >= 10
    defined: dict[str, set[str]] = {}
    for path, _ in references:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        defined[path] = {
            n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
    for path, name in references:
        assert not name or name[2:] in defined[path], f"{path}{name} does not exist"
    everything = set().union(*defined.values())
    for name in shorthand:
        assert name in everything, f"::{name} does not exist"
