"""Embedded server: child process vs thread. Startup time and the UI loop's worst lateness.

    uv run python benchmarks/viewer/embedded_startup.py [--runs 5]

Each run is a fresh interpreter (so imports are cold, as when the viewer starts). "startup" is
the time until ``/healthz`` answers. "lateness" is the worst delay of a 10 ms asyncio ticker in
the viewer's process (standing in for the Qt event loop) while the server starts and then
replays the demo at high speed to a stream client in that same process: the stutter a user
would see. Run it once as is (PYTHONDONTWRITEBYTECODE=1 and no .pyc) and once after
``uv sync --compile-bytecode``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVE_SECONDS = 4.0
SPEED = 600.0
FEED = os.environ.get("BENCH_FEED", "demo")


async def _ticker(stop: asyncio.Event, worst: list[float]) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(0.01)
        worst[0] = max(worst[0], time.perf_counter() - t - 0.01)


async def _consume(url: str, seconds: float) -> int:
    from desktop.core.items import apply_item
    from desktop.core.state import Scoreboard
    from desktop.stream.client import StreamClient

    board, count = Scoreboard(), [0]

    def on_item(item):
        count[0] += 1
        apply_item(board, item)

    client = StreamClient(url, on_item)
    task = asyncio.create_task(client.run())
    await asyncio.sleep(seconds)
    client.stop()
    await task
    return count[0]


async def _wait_healthy(url: str) -> None:
    import httpx

    async with httpx.AsyncClient(trust_env=False) as c:
        while True:
            try:
                if (await c.get(url + "/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.02)


async def run_once(mode: str) -> dict:
    import desktop.stream.client  # noqa: F401 - the viewer has its stream client loaded already

    stop, worst = asyncio.Event(), [0.0]
    ticker = asyncio.create_task(_ticker(stop, worst))
    t0 = time.perf_counter()
    args = ["--feed", FEED, "--speed", f"{SPEED:g}", "--loop", "--log-level", "warning"]
    if mode == "process":
        from desktop.platform.embedded import EmbeddedServer

        server = EmbeddedServer(feed=FEED, speed=SPEED)
        url = await server.start()
    else:
        from desktop.platform.embedded import written_port

        port_file = Path(tempfile.mkdtemp(prefix="tl-bench-")) / "port"

        def serve() -> None:
            from server.__main__ import main

            main(["--port", "0", "--port-file", str(port_file), *args])

        threading.Thread(target=serve, daemon=True).start()  # uvicorn skips signals off-main
        while (port := written_port(port_file)) is None:
            await asyncio.sleep(0.02)
        port_file.unlink()
        port_file.parent.rmdir()
        url = f"http://127.0.0.1:{port}"
        await _wait_healthy(url)
    startup = time.perf_counter() - t0
    startup_worst, worst[0] = worst[0], 0.0
    items = await _consume(url, SERVE_SECONDS)
    stop.set()
    await ticker
    if mode == "process":
        await server.stop()
    return {"startup": startup, "lateness_start": startup_worst, "lateness_serve": worst[0],
            "items": items}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--once", choices=["process", "thread"])
    a = p.parse_args()
    if a.once:
        print(json.dumps(asyncio.run(run_once(a.once))))
        os._exit(0)  # the thread-mode server has no clean stop; the process ends here
    pyc = any(ROOT.joinpath(".venv").rglob("fastapi/__pycache__/*.pyc"))
    print(
        f"feed={FEED} PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE')} "
        f".pyc={pyc}"
    )
    for mode in ("process", "thread"):
        rows = []
        for _ in range(a.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--once", mode], capture_output=True, text=True
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(
            f"{mode:8} startup {med['startup'] * 1000:6.0f} ms   worst UI lateness: "
            f"starting {med['lateness_start'] * 1000:5.0f} ms, serving "
            f"{med['lateness_serve'] * 1000:5.0f} ms   ({med['items']:.0f} items)"
        )


if __name__ == "__main__":
    main()
