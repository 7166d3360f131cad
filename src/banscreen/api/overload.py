"""Overload is answered, not queued. Two bounds, checked before a request is parsed:

- requests in flight (started and not finished) past `max_in_flight`;
- the event loop's lag past `max_queue_seconds`: a monitor sleeps a few milliseconds and
  measures how late it wakes, and a request that finds the monitor overdue by more than
  the bound sees the lag as it is now, in the middle of a long batch of queued requests,
  not a sample later. A request that arrives while the loop is that far behind has
  waited at least that long, and more are queued behind it, so it is refused now.

Either way the answer is 503 with `Retry-After`, at once, so a burst past capacity costs
its callers a retry instead of minutes in a queue. `/v1/health` and `/v1/ready` are never
refused: a load balancer must be able to tell "busy" from "down"."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)
EXEMPT = ("/v1/health", "/v1/ready")
BODY = b'{"detail":"the service is at capacity; retry shortly"}'


class Overload:
    """Pure ASGI middleware (no per-request allocation beyond a counter)."""

    SAMPLE_SECONDS = 0.005
    BACKLOG = 8  # requests begun in one late stretch before it counts as a queue

    def __init__(self, app, max_in_flight: int = 256, max_queue_seconds: float = 0.05, retry_after: int = 1):
        self.app, self.max_in_flight, self.max_queue = app, max_in_flight, max_queue_seconds
        self.retry_after = str(retry_after).encode()
        self.in_flight = 0
        self.shed = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.monitor: asyncio.Task | None = None
        self._reset_readings()

    def _reset_readings(self) -> None:
        self.lag = 0.0
        self.next_tick = float("inf")  # when the monitor is due to wake (loop time)
        self.sampled_at = float("-inf")
        self.started = 0  # requests begun since the monitor last woke

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            self.next_tick = start + self.SAMPLE_SECONDS
            await asyncio.sleep(self.SAMPLE_SECONDS)
            self.sampled_at = loop.time()
            self.lag = max(0.0, self.sampled_at - start - self.SAMPLE_SECONDS)
            self.started = 0

    def _ensure_monitor(self) -> None:
        """A monitor on the loop serving this request. One loop per worker under uvicorn;
        a test client may run each request on a fresh loop, whose monitor starts afresh."""
        loop = asyncio.get_running_loop()
        if self.monitor is None or self.loop is not loop:
            self.loop = loop
            self._reset_readings()
            self.monitor = loop.create_task(self._watch())

    def _behind(self) -> bool:
        """Whether requests are queueing more than the bound: the loop is that far behind
        (the monitor overdue by that much now, or its fresh last sample that late) and
        more than a few requests have begun in that stretch. One stall with nobody
        waiting (a list refresh, then the next request) refuses nothing."""
        if self.started < self.BACKLOG:
            return False
        now = asyncio.get_running_loop().time()
        if now - self.next_tick > self.max_queue:
            return True
        return self.lag > self.max_queue and now - self.sampled_at < 2 * self.SAMPLE_SECONDS

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self._ensure_monitor()
        self.started += 1
        if scope["path"] not in EXEMPT and (self.in_flight >= self.max_in_flight or self._behind()):
            self.shed += 1
            if self.shed % 1000 == 1:
                log.warning("shedding load: %d in flight, loop %.0f ms behind (%d refused so far)",
                            self.in_flight, self.lag * 1000, self.shed)
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"), (b"retry-after", self.retry_after),
                                    (b"content-length", str(len(BODY)).encode())]})
            await send({"type": "http.response.body", "body": BODY})
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
