"""The Touchline viewer."""

import sys

# httpx imports its command-line tool (click, rich, pygments) whenever those are installed:
# megabytes and tens of milliseconds of the viewer's start for a tool it never runs. None in
# sys.modules makes that import fail, which httpx handles (the tool is an optional extra).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
