"""The Redis hop alone: how long an event takes from one server's write to another server's
read, with Streams (``XREAD BLOCK`` from the last id, what server/store/redis.py does) and with
PUB/SUB (what it does not), on a redis-server of its own.

    uv run python -m benchmarks.fanout.redis_hop [--events 2000] [--size 700] [--readers 2]

Each event of ``--size`` bytes is written by one Lua script, as a publish is: ``XADD`` to the
stream, and for PUB/SUB also ``PUBLISH`` (a receiver would repair gaps from the stream), on a
Redis that fsyncs every write; every ``--pause`` seconds. ``--readers`` connections read it,
as that many servers would. Latency is from just before the write to each reader's receipt, in
one process on one clock. Also reported: the CPU time Redis spent per event.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from redis.asyncio import Redis

from benchmarks.fanout.report import percentile
from benchmarks.fanout.servers import start_redis, stop_process

APPEND = "redis.call('XADD', KEYS[1], 'MAXLEN', '10000', ARGV[1] .. '-0', 'd', ARGV[2])"
APPEND_AND_PUBLISH = APPEND + "\nredis.call('PUBLISH', KEYS[1], ARGV[1] .. ':' .. ARGV[2])"


async def streams(url: str, events: int, payload: str, readers: int, pause: float) -> list[float]:
    writer = Redis.from_url(url)
    append = writer.register_script(APPEND)
    sent: dict[int, float] = {}
    got: list[float] = []

    async def read() -> None:
        client = Redis.from_url(url, socket_timeout=10)
        last = "0-0"
        try:
            while True:
                answer = await client.xread({"hop": last}, block=5000, count=1000)
                now = time.perf_counter()
                for entry_id, _ in answer[0][1] if answer else []:
                    last = entry_id.decode()
                    seq = int(last.partition("-")[0])
                    got.append(now - sent[seq])
                    if seq == events:
                        return
        finally:
            await client.aclose()

    tasks = [asyncio.create_task(read()) for _ in range(readers)]
    await asyncio.sleep(0.2)
    for seq in range(1, events + 1):
        sent[seq] = time.perf_counter()
        await append(keys=["hop"], args=[seq, payload])
        await asyncio.sleep(pause)
    await asyncio.gather(*tasks)
    await writer.aclose()
    return got


async def pubsub(url: str, events: int, payload: str, readers: int, pause: float) -> list[float]:
    writer = Redis.from_url(url)
    append = writer.register_script(APPEND_AND_PUBLISH)
    sent: dict[int, float] = {}
    got: list[float] = []

    async def read(ready: asyncio.Event) -> None:
        client = Redis.from_url(url)
        channel = client.pubsub()
        await channel.subscribe("hop")
        ready.set()
        try:
            async for message in channel.listen():
                if message["type"] != "message":
                    continue
                now = time.perf_counter()
                seq = int(message["data"].partition(b":")[0])
                got.append(now - sent[seq])
                if seq == events:
                    return
        finally:
            await channel.aclose()
            await client.aclose()

    flags = [asyncio.Event() for _ in range(readers)]
    tasks = [asyncio.create_task(read(flag)) for flag in flags]
    for flag in flags:
        await flag.wait()
    for seq in range(1, events + 1):
        sent[seq] = time.perf_counter()
        await append(keys=["hop"], args=[seq, payload])
        await asyncio.sleep(pause)
    await asyncio.gather(*tasks)
    await writer.aclose()
    return got


def redis_cpu(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / 100


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=2000)
    p.add_argument("--size", type=int, default=700, help="bytes per event (700: a goal)")
    p.add_argument("--readers", type=int, default=2, help="servers reading each event (2)")
    p.add_argument("--pause", type=float, default=0.002, help="seconds between events")
    args = p.parse_args(argv)
    payload = "x" * args.size
    print(f"{args.events} events of {args.size} bytes, {args.readers} readers")
    for name, way in (("XREAD BLOCK", streams), ("PUB/SUB", pubsub)):
        with tempfile.TemporaryDirectory(prefix="tl-hop-") as tmp:
            proc, url = start_redis(Path(tmp))
            try:
                cpu = redis_cpu(proc.pid)
                got = asyncio.run(way(url, args.events, payload, args.readers, args.pause))
                cpu = redis_cpu(proc.pid) - cpu
            finally:
                stop_process(proc)
        ms = [x * 1000 for x in got]
        print(
            f"{name:12} p50 {statistics.median(ms):.3f} ms, p99 {percentile(ms, 99):.3f} ms, "
            f"max {max(ms):.3f} ms; Redis CPU {cpu / args.events * 1e6:.0f} µs per event"
        )


if __name__ == "__main__":
    main()
