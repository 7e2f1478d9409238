"""The docs keep their promises: the README shows the two commands, the guarantees point at
tests that exist, and every link between the docs leads somewhere."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
DOCS = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_readme_shows_the_two_commands():
    assert "uv run touchline\n" in README or "uv run touchline " in README
    assert "uv run pytest" in README
    assert "uv run pytest" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_test_named_in_the_guarantees_exists():
    section = OPERATIONS.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
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


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _without_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_between_the_docs_resolves(doc: Path):
    text = _without_code(doc.read_text(encoding="utf-8"))
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert local, f"{doc.name} links to nothing in the repository"
    for link in local:
        path, _, anchor = link.partition("#")
        target = (doc.parent / path).resolve() if path else doc
        assert target.exists(), f"{doc.name}: {link} leads nowhere"
        if anchor and target.suffix == ".md":
            found = _anchors(target.read_text(encoding="utf-8"))
            assert anchor in found, f"{doc.name}: {link}: no heading #{anchor} in {target.name}"
