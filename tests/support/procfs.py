"""What Linux's /proc says about a process: whether it still runs, and its memory."""

from __future__ import annotations


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]  # after the name, which may hold ")"
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def rss_kb(pid: int) -> int:
    """The process's resident memory (VmRSS), in KB."""
    with open(f"/proc/{pid}/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1])
