"""What the service screens against, and how it switches to newer list versions without
a request ever seeing half of a switch."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from banscreen.lists.store import ListStore, Selection
from banscreen.lists.update import Updater, load_sources
from banscreen.screen import (EquipmentOptions, EquipmentScreener, ScreenOptions, Screener,
                              open_equipment_screener, open_screener, settle_heap)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """The screeners of one set of list versions: built aside, swapped in whole."""

    parties: Screener
    selection: Selection
    equipment: EquipmentScreener

    @classmethod
    def today(cls, store: ListStore) -> "Loaded":
        parties, selection = open_screener(store, ScreenOptions())
        equipment, _ = open_equipment_screener(store, EquipmentOptions())
        return cls(parties, selection, equipment)


class LoadedLists:
    """The `Loaded` in force, and the refresh that replaces it: one assignment, so a
    request reads either the old set or the new one."""

    def __init__(self, store: ListStore):
        self.store = store
        self.current = Loaded.today(store)
        settle_heap()
        self._lock = threading.Lock()

    def refresh(self, fetch: bool) -> dict:
        """Fetch the configured lists (when `fetch`), then switch to the versions in
        force today if they changed."""
        with self._lock:
            outcomes = []
            if fetch:
                updater = Updater(self.store)
                outcomes = [updater.update(src) for src in load_sources(None, self.store.root)]
            before = [v.label for v in self.current.selection.versions]
            after = [v.label for v in self.store.select(dt.date.today()).versions]
            if after != before:
                self.current = Loaded.today(self.store)
                settle_heap()
                log.info("switched to list versions %s", ", ".join(after))
            return {"switched": after != before, "in_force": after,
                    "updates": [{"source": o.source, "status": o.status, "message": o.message} for o in outcomes]}

    def refresh_every(self, hours: float) -> None:
        """Refresh with fetching every `hours`, in a daemon thread."""
        def loop():
            while True:
                time.sleep(hours * 3600)
                try:
                    self.refresh(fetch=True)
                except Exception:  # a failed refresh keeps the versions in force; try again next time
                    log.exception("list refresh failed; the versions in force stay")
        threading.Thread(target=loop, daemon=True, name="banscreen-list-refresh").start()
