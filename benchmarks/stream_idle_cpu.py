"""CPU used by the viewer's process while the stream is connected and idle (qasync loop).

    uv run python benchmarks/stream_idle_cpu.py [--seconds 20]

Starts a server with no feed (only heartbeats), runs desktop.aio with a StreamClient on the
qasync loop, and reports the process CPU time over the idle period (field notes: qasync has had
high idle CPU with some socket patterns).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtWidgets import QApplication

from desktop import aio
from desktop.state import Scoreboard
from desktop.stream import StreamClient, apply_item
from tests.serverproc import run_server


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=20.0)
    a = p.parse_args()
    with run_server("--feed", "none", "--heartbeat", "1", "--store", ":memory:") as srv:
        board = Scoreboard()

        async def measure() -> int:
            client = StreamClient(srv.url, lambda item: apply_item(board, item), heartbeat=1)
            task = asyncio.create_task(client.run())
            while client.state.kind != "live":
                await asyncio.sleep(0.05)
            await asyncio.sleep(1)
            cpu0, t0 = time.process_time(), time.monotonic()
            await asyncio.sleep(a.seconds)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
            print(f"idle stream on qasync: {cpu * 1000:.0f} ms CPU in {wall:.1f} s "
                  f"({100 * cpu / wall:.2f} % of a core), state {client.state.kind}")  # fmt: skip
            client.stop()
            await task
            return 0

        sys.exit(aio.run(measure, QApplication([])))


if __name__ == "__main__":
    main()
