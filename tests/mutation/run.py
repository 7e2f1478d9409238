"""Mutation testing of the pure core: runs mutmut, prints each module's score, checks the target.

    uv run python -m tests.mutation.run                  # every module; prints the scores
    uv run python -m tests.mutation.run --check          # ... and fails under the target
    uv run python -m tests.mutation.run server/core/match_state.py   # one module (or more)
    uv run python -m tests.mutation.run --changed main   # the modules changed since main
    uv run python -m tests.mutation.run --one-in 12 --budget 120 --check  # what CI runs

What is mutated, and by which tests, is ``[tool.mutmut]`` in pyproject.toml; why, and the
scores, are in docs/quality.md. mutmut keeps its work in ``mutants/`` and only re-tests what
changed, so a second run is quick; ``--fresh`` starts over.

The target: in each module at least 95 % of the mutants are killed, and every mutant left alive
is listed in tests/mutation/survivors.toml with why it is equivalent (the program behaves the
same). ``--check`` fails on a survivor not listed there, or on a module whose listed survivors
exceed 5 % of its mutants. With ``--one-in N`` (CI) one mutant in N is tested, a different share
for each commit, so over time every one is; a survivor not listed fails the check there too.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SURVIVORS = Path(__file__).with_name("survivors.toml")
TARGET = 0.95
#: mutmut's words for a mutant the tests did not catch.
ALIVE = {"survived", "no tests", "suspicious"}
#: ... and for one they did (a mutant that hangs or crashes the tests is caught too).
CAUGHT = {"killed", "timeout", "segfault", "caught by type check"}
# A mutant's name is the module's dotted path, then the function (``x_name``) or method
# (``xǁClassǁname``), then ``__mutmut_<n>``.
_NAME = re.compile(r"^(?P<module>[\w.]+?)\.(?P<function>x_\w+?|xǁ\w+ǁ\w+?)__mutmut_\d+$")


@dataclass(frozen=True)
class Survivor:
    """A listed equivalent mutant: its function and the line it changes, before and after."""

    module: str  # path, as in pyproject.toml
    function: str  # ``name`` or ``Class.name``
    was: str
    now: str
    why: str


@dataclass
class Module:
    path: str
    status: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.status.values())

    @property
    def tested(self) -> int:
        return sum(n for s, n in self.status.items() if s in CAUGHT | ALIVE)

    @property
    def caught(self) -> int:
        return sum(n for s, n in self.status.items() if s in CAUGHT)


def modules_configured() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["mutmut"]["only_mutate"])


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def function_of(name: str) -> tuple[str, str]:
    """(dotted module, ``function`` or ``Class.method``) of a mutant's name."""
    found = _NAME.match(name)
    if not found:
        raise ValueError(f"not a mutant name mutmut gives: {name}")
    func = found["function"]
    func = func.removeprefix("x_") if func.startswith("x_") else ".".join(func.split("ǁ")[1:])
    return found["module"], func


def load_survivors() -> list[Survivor]:
    data = tomllib.loads(SURVIVORS.read_text(encoding="utf-8"))
    return [Survivor(**entry) for entry in data.get("survivor", [])]


def catching_up() -> dict[str, str]:
    """Modules whose new code has not been through mutation testing yet: module -> why.
    Their scores are printed and their survivors listed, but they do not fail the check."""
    data = tomllib.loads(SURVIVORS.read_text(encoding="utf-8"))
    return {entry["module"]: entry["why"] for entry in data.get("catching_up", [])}


def mutmut(*args: str, quiet: bool = True) -> str:
    """Runs ``mutmut`` in the repository; its output (mutmut's progress is noise, so kept)."""
    done = subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=ROOT,
        capture_output=quiet,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        out = (done.stdout or "") + (done.stderr or "")
        command = " ".join(args[:3])
        raise SystemExit(f"mutmut {command}... failed ({done.returncode}):\n{out[-4000:]}")
    return done.stdout or ""


def results() -> dict[str, str]:
    """Every mutant mutmut knows and its status (``killed``, ``survived``, ``not checked``...)."""
    out = {}
    for line in mutmut("results", "--all", "true").splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and _NAME.match(name):
            out[name] = status
    return out


def changed_lines(name: str) -> tuple[str, str]:
    """The source line a mutant changes, before and after (from ``mutmut show``)."""
    diff = mutmut("show", name).splitlines()
    was = [ln[1:].strip() for ln in diff if ln.startswith("-") and not ln.startswith("---")]
    now = [ln[1:].strip() for ln in diff if ln.startswith("+") and not ln.startswith("+++")]
    return " / ".join(was), " / ".join(now)


def listed(survivor: tuple[str, str, str, str], known: list[Survivor]) -> Survivor | None:
    path, func, was, now = survivor
    for s in known:
        if (s.module, s.function, s.was, s.now) == (path, func, was, now):
            return s
    return None


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def changed_since(base: str, paths: list[str]) -> list[str]:
    """The configured modules changed since ``base`` (committed or not)."""
    names = set(git("diff", "--name-only", f"{base}...HEAD").splitlines())
    names |= set(git("diff", "--name-only", "HEAD").splitlines())
    return [p for p in paths if p in names]


def sample_globs(paths: list[str], one_in: int, seed: str) -> list[str]:
    """Globs for one mutant in ``one_in``: in every function, those numbered r, r + one_in...

    mutmut numbers each function's mutants from 1, so this spreads over every function of
    every module; r comes from ``seed`` (the commit), so each commit tests a different share.
    """
    r = random.Random(seed).randrange(one_in) + 1
    return [f"{dotted(p)}.*__mutmut_{n}" for p in paths for n in range(r, 400, one_in)]


def run(names: list[str], max_children: int, budget: float | None) -> None:
    """Tests the named mutants (globs allowed); all of them if ``names`` is empty."""
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *names]
    started = time.monotonic()
    # mutmut draws a progress line many times a second: keep it out of CI logs.
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        try:
            _, err = proc.communicate(timeout=budget)
        except subprocess.TimeoutExpired:
            # mutmut stops its workers on Ctrl-C and keeps what it has: score that.
            proc.send_signal(2)
            _, err = proc.communicate()
            print(f"time box of {budget:.0f} s reached: scoring the mutants tested so far")
    if proc.returncode not in (0, -2, 130) and not (budget and proc.returncode == 1):
        sys.stderr.write(err.decode(errors="replace")[-4000:])
        raise SystemExit(f"mutmut run failed ({proc.returncode})")
    print(f"mutmut ran for {time.monotonic() - started:.0f} s")


def report(paths: list[str], status: dict[str, str], only: set[str] | None) -> dict[str, Module]:
    modules = {dotted(p): Module(p) for p in paths}
    for name, st in status.items():
        if only is not None and name not in only:
            continue
        mod = modules.get(function_of(name)[0])
        if mod is not None:
            mod.status[st] += 1
    print(f"\n{'module':42} {'mutants':>7} {'tested':>6} {'killed':>6} {'alive':>5} {'score':>7}")
    for mod in modules.values():
        if not mod.total:
            continue
        score = f"{mod.caught / mod.tested:7.1%}" if mod.tested else "      -"
        alive = mod.tested - mod.caught
        print(f"{mod.path:42} {mod.total:7} {mod.tested:6} {mod.caught:6} {alive:5} {score}")
    return modules


def check(modules: dict[str, Module], status: dict[str, str], only: set[str] | None) -> bool:
    """True if every survivor is listed and no module lists more than 5 % of its mutants."""
    known = load_survivors()
    pending = catching_up()
    ok = True
    alive = [
        (name, st)
        for name, st in sorted(status.items())
        if st in ALIVE
        and (only is None or name in only)
        and function_of(name)[0] in {dotted(m.path) for m in modules.values()}
    ]
    # One `mutmut show` per survivor: a few at once, they mostly wait on Python starting.
    with ThreadPoolExecutor(4) as pool:
        diffs = list(pool.map(changed_lines, [name for name, _ in alive]))
    unlisted = []
    matched: set[Survivor] = set()
    for (name, st), (was, now) in zip(alive, diffs, strict=True):
        mod_dotted, func = function_of(name)
        path = next(m.path for m in modules.values() if dotted(m.path) == mod_dotted)
        entry = listed((path, func, was, now), known)
        if entry is None:
            unlisted.append((name, st, path, func, was, now))
        else:
            matched.add(entry)
    if only is None:  # every mutant of these modules was tested: an entry nothing matches is stale
        checked = {m.path for m in modules.values() if m.total}
        for stale in [s for s in known if s.module in checked and s not in matched]:
            print(
                f"\nno longer a survivor, remove it from survivors.toml: {stale.module}, "
                f"{stale.function}: {stale.now}"
            )
    for path in sorted({u[2] for u in unlisted} & set(pending)):
        print(f"\n{path} is catching up ({pending[path]}): its survivors do not fail the check")
    if any(u[2] not in pending for u in unlisted):
        ok = False
    if unlisted:
        print(f"\n{len(unlisted)} mutant(s) not caught by the tests nor listed in survivors.toml:")
        for name, st, path, func, was, now in unlisted:
            print(f"\n  {name} ({st})\n    {path}, {func}\n    - {was}\n    + {now}")
        print(
            "\nAdd a test that tells the difference, or, if the program really behaves the same,"
            "\nlist it in tests/mutation/survivors.toml with why (`mutmut show NAME` shows it)."
        )
    per_module = Counter(s.module for s in known)
    all_status: Counter[str] = Counter(function_of(n)[0] for n in status)
    for mod in modules.values():
        total = all_status[dotted(mod.path)]
        allowed = math.floor(total * (1 - TARGET))
        if mod.path in pending:
            continue
        if total and per_module[mod.path] > allowed:
            ok = False
            print(
                f"\n{mod.path}: {per_module[mod.path]} listed survivors of {total} mutants is "
                f"more than {1 - TARGET:.0%} ({allowed}): the target is {TARGET:.0%} killed"
            )
        if mod.tested and mod.caught / mod.tested < TARGET and only is None:
            ok = False
            score = mod.caught / mod.tested
            print(f"\n{mod.path}: {score:.1%} killed, under the {TARGET:.0%} target")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="paths of configured modules (default: all)")
    parser.add_argument("--changed", metavar="BASE", help="only modules changed since BASE")
    parser.add_argument("--one-in", type=int, metavar="N", help="test one mutant in N (a sample)")
    parser.add_argument("--seed", help="the sample's seed (default: the commit)")
    parser.add_argument("--budget", type=float, metavar="S", help="stop testing after S seconds")
    parser.add_argument("--check", action="store_true", help="exit 1 under the target")
    parser.add_argument("--fresh", action="store_true", help="forget mutmut's earlier results")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once")
    args = parser.parse_args(argv)

    paths = modules_configured()
    if args.modules:
        unknown = set(args.modules) - set(paths)
        if unknown:
            parser.error(f"not in [tool.mutmut] only_mutate: {', '.join(sorted(unknown))}")
        paths = [p for p in paths if p in args.modules]
    if args.changed:
        paths = changed_since(args.changed, paths)
        if not paths:
            print(f"no mutated module changed since {args.changed}")
            return 0
    if args.fresh:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)

    only: set[str] | None = None
    if args.one_in:
        globs = sample_globs(paths, args.one_in, args.seed or git("rev-parse", "HEAD"))
        run(globs, args.max_children, args.budget)
        only = {n for n in results() if any(fnmatch(n, g) for g in globs)}
    else:
        if paths == modules_configured():
            run([], args.max_children, args.budget)
            # mutmut keeps earlier verdicts: give every mutant still alive a second look, as the
            # tests may have changed since (a killed one stays killed: --fresh for a clean slate).
            alive = [n for n, s in results().items() if s in ALIVE]
            if alive and not args.fresh:
                run(alive, args.max_children, None)
        else:  # mutants named (here by glob) are always tested again
            run([f"{dotted(p)}.*" for p in paths], args.max_children, args.budget)
    status = results()
    if only is None:
        wanted = {dotted(p) for p in paths}
        status = {n: s for n, s in status.items() if function_of(n)[0] in wanted}
    modules = report(paths, status, only)
    if only is not None:
        tested = sum(m.tested for m in modules.values())
        print(f"\nthe sample: {tested} of its {len(only)} mutants tested")
    if not args.check:
        return 0
    ok = check(modules, status, only)
    print("\nmutation check: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
