"""Orchestration: the one layer that puts readers, lists and matchers together. Parties
(parties.py), equipment (equipment.py) and Android units (android.py) are screened here;
results are recorded into cases (record.py) and stored parties re-screened against list
changes (rescreen.py). Nothing here parses arguments or prints."""

from banscreen.screen.equipment import EquipmentOptions, EquipmentScreener, open_equipment_screener
from banscreen.screen.index_cache import build_index, settle_heap
from banscreen.screen.parties import DEFAULT_MIN_SCORE, ScreenOptions, Screener, open_screener

__all__ = ["DEFAULT_MIN_SCORE", "EquipmentOptions", "EquipmentScreener", "ScreenOptions", "Screener",
           "build_index", "open_equipment_screener", "open_screener", "settle_heap"]
