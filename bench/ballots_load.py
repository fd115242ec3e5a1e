"""The load generator of bench/ballots.py: raw HTTP/1.1 over keep-alive sockets, several processes, asyncio each.

Requests are built as bytes before the clock starts, responses are read by
their Content-Length (or chunks) without an HTTP library, so a request costs
the generator some tens of microseconds of CPU; each process reports its own
CPU time so the report can show that the generator was not the bottleneck.

Two ways to drive the server:
- closed loop (`connections` per process, each sends its next request when the
  answer to the last one is in): the peak rate;
- open loop (`rate` per second per process, on a fixed schedule whatever the
  server does): latency at a given rate, measured from the time a request was
  *due*, so a stalled server shows in the latency instead of lowering the rate
  (no coordinated omission).

A request whose answer did not arrive whole (connection refused, reset, closed
mid-answer: the server was killed) has status -1: its outcome is unknown to the
client, as it would be to a voter whose phone lost the page.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from dataclasses import dataclass, field

UNKNOWN = -1


@dataclass
class Plan:
    host: str
    port: int
    requests: list[bytes]  # this process's share, each a whole HTTP/1.1 request
    duration: float  # seconds; the process stops sending when its requests run out too
    start_at: float  # time.time() at which every process starts, so they start together
    connections: int = 8
    rate: float | None = None  # requests per second of this process: open loop; None: closed loop
    keep_statuses: bool = False  # return the status of every request (the crash run needs each code's outcome)
    retry_pause: float = 0.05  # seconds between reconnection attempts while the server is down


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests only
    statuses: dict[int, int] = field(default_factory=dict)  # status -> count
    per_request: list[int | None] = field(default_factory=list)  # by index; None: never sent
    sent: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0  # this process's user + system seconds over the run
    late: float = 0.0  # open loop: how far behind schedule the sender fell at worst (its own slowness)


class _Connection:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, deadline: float) -> bool:
        while True:
            try:
                self.reader, self.writer = await asyncio.open_connection(self.plan.host, self.plan.port)
                return True
            except OSError:
                if time.time() >= deadline:
                    return False
                await asyncio.sleep(self.plan.retry_pause)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()
        self.reader = self.writer = None

    async def exchange(self, payload: bytes) -> int:
        """Send one request, read its whole answer; the status, or UNKNOWN when the answer did not arrive whole."""
        try:
            self.writer.write(payload)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lowered = head.lower()
            length = _header(lowered, b"content-length")
            if length is not None:
                await self.reader.readexactly(int(length))
            elif _header(lowered, b"transfer-encoding") == b"chunked":
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:  # read to the end of the connection
                await self.reader.read()
                self.close()
                return status
            if _header(lowered, b"connection") == b"close":
                self.close()
            return status
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            self.close()
            return UNKNOWN


def _header(head: bytes, name: bytes) -> bytes | None:
    start = head.find(b"\r\n" + name + b":")
    if start < 0:
        return None
    start += len(name) + 3
    return head[start : head.find(b"\r\n", start)].strip()


class _Run:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.out = Outcome(per_request=[None] * len(plan.requests) if plan.keep_statuses else [])
        self.next = 0
        self.stop_at = plan.start_at + plan.duration

    def record(self, index: int, status: int, latency: float) -> None:
        self.out.statuses[status] = self.out.statuses.get(status, 0) + 1
        if status != UNKNOWN:
            self.out.latencies.append(latency)
        if self.plan.keep_statuses:
            self.out.per_request[index] = status

    def take(self) -> int | None:
        if self.next >= len(self.plan.requests) or time.time() >= self.stop_at:
            return None
        index = self.next
        self.next += 1
        self.out.sent += 1
        return index

    async def closed_loop(self) -> None:
        async def client() -> None:
            conn = _Connection(self.plan)
            while True:
                # Connect before taking a request, so a code is never spent on a server that is not there.
                if conn.writer is None and not await conn.open(self.stop_at):
                    return
                if (index := self.take()) is None:
                    break
                begin = time.perf_counter()
                status = await conn.exchange(self.plan.requests[index])
                self.record(index, status, time.perf_counter() - begin)
                if status == UNKNOWN:
                    await asyncio.sleep(self.plan.retry_pause)
            conn.close()

        await asyncio.gather(*(client() for _ in range(self.plan.connections)))

    async def open_loop(self) -> None:
        idle: asyncio.Queue[_Connection] = asyncio.Queue()
        opened = 0
        pending: set[asyncio.Task] = set()

        async def one(index: int, due: float) -> None:
            nonlocal opened
            if idle.empty() and opened < self.plan.connections:
                opened += 1
                conn = _Connection(self.plan)
            else:
                conn = await idle.get()
            if conn.writer is None and not await conn.open(self.stop_at + 5):
                self.record(index, UNKNOWN, 0.0)
            else:
                status = await conn.exchange(self.plan.requests[index])
                self.record(index, status, time.perf_counter() - due)
            idle.put_nowait(conn)

        base = time.perf_counter()
        interval = 1.0 / self.plan.rate
        number = 0
        while (index := self.take()) is not None:
            due = base + number * interval
            number += 1
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.out.late = max(self.out.late, -delay)
            task = asyncio.create_task(one(index, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.wait(pending, timeout=30)
        while not idle.empty():
            idle.get_nowait().close()


def _child(plan: Plan, results: multiprocessing.Queue, slot: int) -> None:
    run = _Run(plan)
    delay = plan.start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    cpu0 = sum(os.times()[:2])
    began = time.perf_counter()
    try:
        asyncio.run(run.open_loop() if plan.rate else run.closed_loop())
    except BaseException as exc:  # the parent must hear back, or it waits for ever
        results.put((slot, exc))
        raise
    run.out.elapsed = time.perf_counter() - began
    run.out.cpu = sum(os.times()[:2]) - cpu0
    results.put((slot, run.out))


def drive(plans: list[Plan]) -> list[Outcome]:
    """Run each plan in its own process (started together at their start_at); the outcomes in plan order."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_child, args=(plan, results, slot)) for slot, plan in enumerate(plans)]
    for worker in workers:
        worker.start()
    outcomes: dict[int, Outcome] = {}
    patience = max(plan.duration for plan in plans) + 120
    try:
        for _ in workers:
            slot, outcome = results.get(timeout=patience)
            if isinstance(outcome, BaseException):
                raise RuntimeError(f"load generator {slot} failed: {outcome!r}") from outcome
            outcomes[slot] = outcome
    except BaseException:
        for worker in workers:
            worker.kill()
        raise
    for worker in workers:
        worker.join()
    return [outcomes[slot] for slot in range(len(plans))]


def post(path: str, body: bytes, host: str = "127.0.0.1") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
