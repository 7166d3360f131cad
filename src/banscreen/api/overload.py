"""Overload is answered, not queued. Two bounds:

- requests in flight (begun and not finished) past `max_in_flight`: refused as they
  arrive, before anything else is done for them;
- time in the queue past `max_queue_seconds`: screening takes the event loop's CPU in
  *turns* (`Turns`), one piece of work per loop pass, in arrival order, so that between
  two pieces the loop reads the sockets again. A request whose turn comes after it has
  waited longer than the bound since it arrived is refused then, not served late.

Because the loop polls the sockets between turns, a request that finds the worker full
is refused within about one turn (a fraction of a millisecond for one party), not after
the whole queue ahead of it, and the requests that are accepted wait at most
`max_in_flight` turns. The answer is 503 with `Retry-After`, so a burst past capacity
costs its callers a retry instead of minutes in a queue. `/v1/health` and `/v1/ready`
are never refused: a load balancer must be able to tell "busy" from "down"."""

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
        self.waiting: deque[asyncio.Future] = deque()

    async def take(self) -> None:
        if not self.busy:
            self.busy = True
            return
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:  # the client went away while waiting
            if turn.done() and not turn.cancelled():
                self.give()  # the turn had been handed over: pass it on
            else:
                self.waiting.remove(turn)
            raise

    def give(self) -> None:
        if not self._hand_over():
            asyncio.get_running_loop().call_soon(self._free)

    def _hand_over(self) -> bool:
        """Pass the turn to the first live waiter (`busy` stays set); False if none."""
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return True
        return False

    def _free(self) -> None:
        if not self._hand_over():
            self.busy = False


class Overload:
    """Pure ASGI middleware: counts requests in flight, refuses past the bound, and
    stamps each request's arrival for the queue bound checked at its first turn."""

    def __init__(self, app, max_in_flight: int = 100, max_queue_seconds: float = 1.0, retry_after: int = 1):
        self.app, self.max_in_flight, self.max_queue = app, max_in_flight, max_queue_seconds
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
        await turns.take()
        try:
            arrived = scope.get(ARRIVED)
            if first and arrived is not None and asyncio.get_running_loop().time() - arrived > self.max_queue:
                self._refused("queued past the bound")
                raise Overloaded(self.retry_after)
            yield
        finally:
            turns.give()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"] not in EXEMPT and self.in_flight >= self.max_in_flight:
            self._refused("in flight")
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"retry-after", self.retry_after.encode()),
                                    (b"content-length", str(len(BODY)).encode())]})
            await send({"type": "http.response.body", "body": BODY})
            return
        scope[ARRIVED] = asyncio.get_running_loop().time()
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
