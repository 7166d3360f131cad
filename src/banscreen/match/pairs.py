"""Pairwise comparison of two names, as public name-matching benchmarks evaluate it."""

from __future__ import annotations

from typing import Any

from banscreen.match import features as ft
from banscreen.match import names as nm


def compare_pair(name1: str, name2: str, weight: nm.Weight, threshold: float, kind: str | None = None) -> dict[str, Any]:
    """The best score over both names' normalized variants, with its explanation."""
    best: tuple[float, tuple[nm.Feature, ...], nm.NormalizedName, nm.NormalizedName] | None = None
    for a in nm.variants(name1):
        for b in nm.variants(name2):
            if not a.tokens or not b.tokens:
                continue
            score, features = ft.compare(a, b, weight, contained=kind != "person", person=kind == "person")
            if best is None or score > best[0]:
                best = (score, features, a, b)
    if best is None:
        return {"name1": name1, "name2": name2, "kind": kind, "score": 0.0, "match": False,
                "explanation": {"detail": "a name has no letters or digits to compare"}}
    score, features, a, b = best
    return {
        "name1": name1, "name2": name2, "kind": kind, "score": round(score, 4), "match": score >= threshold,
        "explanation": {
            "name1_normalized": a.describe(), "name2_normalized": b.describe(),
            "features": [{"name": f.name, "score": round(f.score, 4), "detail": f.detail} for f in features],
        },
    }
