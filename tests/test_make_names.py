"""The labelled-query generator used by the benchmarks."""

from __future__ import annotations

from collections import Counter

from benchmarks.make_names import generate
from banscreen.match import names as nm


def test_generator_labels(bundled_store):
    import datetime as dt

    entries = [e for v in bundled_store.select(dt.date.today()).versions for e in bundled_store.entries(v)]
    queries = list(generate(entries, 3000, seed=3))
    assert len(queries) == 3000
    kinds = Counter(q.perturbation for q in queries)
    assert {"case", "typo", "drop", "neg-person", "neg-company", "neg-hard", "neg-hard-one"} <= set(kinds)
    listed = {nm.normalize(n).canonical for e in entries for n in e.names}
    for q in queries:
        if q.expect is None:
            assert nm.normalize(q.query).canonical not in listed, q
        else:
            assert q.expect["names"] and q.expect["source"]
    assert list(generate(entries, 50, seed=3)) == queries[:50]  # reproducible
