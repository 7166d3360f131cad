"""Android indicators in android_indicators.yaml's format: families, each with its
sources and indicators. The bundled file and a user's `--indicators` file are read by
the same code, so both accept the same fields."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from banscreen.model import Indicator


def indicators_from_doc(doc: dict, default_source: str) -> list[Indicator]:
    """Indicators of a parsed file. A family without `sources` is cited as `default_source`;
    an indicator without `severity` is high. Raises KeyError or TypeError on a wrong shape."""
    out = []
    for fam in doc["families"]:
        cite = "; ".join(fam.get("sources") or [default_source])
        for i in fam["indicators"]:
            out.append(Indicator(i["kind"], str(i["value"]), fam["name"], i.get("severity", "high"),
                                 i.get("note", ""), cite))
    return out


def load_indicators(path: Path) -> list[Indicator]:
    """Raises OSError, yaml.YAMLError, KeyError or TypeError when the file is not one."""
    return indicators_from_doc(yaml.safe_load(Path(path).read_text("utf-8")), str(path))


@lru_cache(maxsize=1)
def bundled_indicators() -> tuple[Indicator, ...]:
    text = resources.files("banscreen.data").joinpath("android_indicators.yaml").read_text("utf-8")
    return tuple(indicators_from_doc(yaml.safe_load(text), "android_indicators.yaml"))
