"""Overload is answered, not queued. Screening takes the event loop's CPU in *turns*
(`Turns`): one piece of work per loop pass, in arrival order, so that between two
pieces the loop reads its sockets again. Three bounds:

- requests in flight (begun and not finished) past `max_in_flight`: refused as they
  arrive, before anything else is done for them;
- the queue's delay past `shed_queue_seconds`: while the request first in line for a
  turn has waited longer than that, new requests are refused as they arrive (they
  would wait at least as long);
- time in the queue past `max_queue_seconds`: a request whose turn comes after it has
  waited longer than that since it arrived is refused then, not served late.

The in-flight bound is what keeps the answered requests quick under a burst: a line of
64 requests is about 30 ms of screening at 2,000 parties/s, so a steady crowd of 64
clients is served without refusals while a flood past capacity waits no longer than
that (benchmarks/service_load.py; a delay bound alone lets a flood in before it reacts,
and a bound on the delay predicted from the line's length refused a steady crowd too,
whose refused clients came straight back). Because the loop polls the sockets between
turns, a request that finds the worker full is refused within about one turn (a
fraction of a millisecond for one party), not after the whole queue ahead of it.

The answer is 503 with `Retry-After`, so a burst past capacity costs its callers a
retry instead of minutes in a queue. `/v1/health` and `/v1/ready` are never refused:
a load balancer must be able to tell "busy" from "down"."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator

log = logging.getLogger(__name__)
EXEMPT = ("/v1/health", "/v1/ready")
DETAIL = "the service is at capacity; retry shortly"
BODY = b'{"detail":"' + DETAIL.encode() + b'"}'
ARRIVED = "banscreen.arrived"  # scope key: the loop time at which the request arrived
TURNS = "banscreen.turns"  # scope key: the worker's Overload, for its turns


class Overloaded(Exception):
    """A request waited past the queue bound before its turn: answered 503 (app.py)."""

    def __init__(self, retry_after: str):
        super().__init__(DETAIL)
        self.retry_after = retry_after


class Turns:
    """The event loop's CPU, one piece of work at a time, first come first served, and
    at most one piece per pass of the loop.

    A turn passes to the next holder through a future, whose waiter resumes on the
    loop's next pass; when nobody waits, the turn is free again only from the next pass
    on. Between any two pieces of screening, the loop polls its sockets and runs its
    timers: new requests are read (and, past the bounds, refused) however many are
    queued, instead of after every request that arrived in the same pass. Not
    thread-safe: for one event loop."""

    def __init__(self) -> None:
        self.busy = False
        self.waiting: deque[tuple[asyncio.Future, float]] = deque()  # (turn, loop time it began waiting)

    def delay(self, now: float) -> float:
        """How long the request first in line has waited (0 with nobody waiting)."""
        while self.waiting and self.waiting[0][0].done():  # (cancelled: left the line)
            self.waiting.popleft()
        return now - self.waiting[0][1] if self.waiting else 0.0

    async def take(self, since: float | None = None) -> None:
        """Wait for the turn; `since`: when the caller began waiting (now if None)."""
        if not self.busy:
            self.busy = True
            return
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        waiter = (turn, loop.time() if since is None else since)
        self.waiting.append(waiter)
        try:
            await turn
        except asyncio.CancelledError:  # the client went away while waiting
            if turn.done() and not turn.cancelled():
                self.give()  # the turn had been handed over: pass it on
            elif waiter in self.waiting:
                self.waiting.remove(waiter)
            raise

    def give(self) -> None:
        if not self._hand_over():
            asyncio.get_running_loop().call_soon(self._free)

    def _hand_over(self) -> bool:
        """Pass the turn to the first live waiter (`busy` stays set); False if none."""
        while self.waiting:
            turn, _ = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return True
        return False

    def _free(self) -> None:
        if not self._hand_over():
            self.busy = False


class Overload:
    """Pure ASGI middleware: counts requests in flight, refuses past the in-flight bound
    or while the queue's delay is past `shed_queue_seconds`, and stamps each request's
    arrival for the queue bound checked at its first turn."""

    def __init__(self, app, max_in_flight: int = 64, max_queue_seconds: float = 1.0,
                 shed_queue_seconds: float = 0.05, retry_after: int = 1):
        self.app, self.max_in_flight, self.max_queue = app, max_in_flight, max_queue_seconds
        self.shed_queue = shed_queue_seconds
        self.retry_after = str(retry_after)
        self.in_flight = 0
        self.shed = 0
        self._turns: dict[asyncio.AbstractEventLoop, Turns] = {}

    def turns(self) -> Turns:
        """The turns of the running loop (one loop per worker; a test client may run each
        request on a fresh loop, whose turns start afresh)."""
        loop = asyncio.get_running_loop()
        turns = self._turns.get(loop)
        if turns is None:
            self._turns = {loop: (turns := Turns())}
        return turns

    def _refused(self, why: str) -> None:
        self.shed += 1
        if self.shed % 1000 == 1:
            log.warning("shedding load (%s): %d in flight, %d refused so far", why, self.in_flight, self.shed)

    @asynccontextmanager
    async def turn(self, scope: dict, *, first: bool = True) -> AsyncIterator[None]:
        """Hold the loop for one piece of CPU-bound work. On a request's `first` turn,
        refuse it (Overloaded) if it has waited past the queue bound since it arrived;
        a batch already streaming takes its later turns without that check."""
        turns = self.turns()
        arrived = scope.get(ARRIVED)
        await turns.take(arrived if first else None)
        try:
            if first and arrived is not None and asyncio.get_running_loop().time() - arrived > self.max_queue:
                self._refused("queued past the bound")
                raise Overloaded(self.retry_after)
            yield
        finally:
            turns.give()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        now = asyncio.get_running_loop().time()
        if scope["path"] not in EXEMPT and (self.in_flight >= self.max_in_flight
                                            or self.turns().delay(now) > self.shed_queue):
            self._refused("in flight or queue delay")
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"retry-after", self.retry_after.encode()),
                                    (b"content-length", str(len(BODY)).encode())]})
            await send({"type": "http.response.body", "body": BODY})
            return
        scope[ARRIVED] = now
        scope[TURNS] = self
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


@asynccontextmanager
async def cpu_turn(scope: dict, *, first: bool = True) -> AsyncIterator[None]:
    """`Overload.turn` for the request of `scope`; without the middleware (a bare
    router in a test), no turn is needed."""
    overload = scope.get(TURNS)
    if overload is None:
        yield
        return
    async with overload.turn(scope, first=first):
        yield
