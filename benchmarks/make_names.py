"""Generate labelled name-screening queries from real list names.

Positives are listed names (primary or alias) with a realistic perturbation: case, typo
(one or two letter edits in words of 5+ letters), dropped middle word, legal-form swap,
word order ("LAST, First" -> "First Last"), transliteration variants, joined/split words,
and Chinese script for Chinese entities whose Chinese name the curated list gives.
Hard negatives keep a listed organization's generic words and replace its distinctive
ones; easy negatives are made-up person and company names. Every negative is checked
not to be the exact normalized form of any listed name.

    python -m benchmarks.make_names -n 10000 -o queries.jsonl [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from banscreen.match import names as nm
from banscreen.model import ListEntry

LEGAL_SWAPS = [
    ("CO., LTD.", "COMPANY LIMITED"), ("CO., LTD.", "CO LTD"), ("LIMITED", "LTD"), ("LLC", "L.L.C."),
    ("JSC", "JOINT STOCK COMPANY"), ("OOO", "LLC"), ("CORPORATION", "CORP."), ("INC.", "INCORPORATED"),
    ("S.A.", "SA"), ("GMBH", "G.M.B.H."), ("COMPANY", "CO."),
]
TRANSLIT = [("MOHAMMAD", "MUHAMMAD"), ("MOHAMMED", "MUHAMMAD"), ("SERGEY", "SERGEI"), ("YURIY", "YURI"),
            ("ALEXANDER", "ALEKSANDR"), ("HUSSEIN", "HUSAIN"), ("AHMAD", "AHMED"), ("YUSUF", "YOUSEF"),
            ("DMITRIY", "DMITRY"), ("ABDUL", "ABD"), ("EVGENIY", "YEVGENY")]
GENERIC = {"trading", "international", "group", "company", "co", "ltd", "limited", "industrial", "technology",
           "technologies", "shipping", "general", "holding", "holdings", "import", "export", "services",
           "investment", "development", "engineering", "electronics", "shanghai", "beijing", "shenzhen",
           "hong", "kong", "global", "logistics", "and", "of", "the", "llc", "corporation", "inc", "bank"}
FIRST = ["Anna", "Lukas", "Maria", "James", "Sofia", "Pedro", "Chen", "Aiko", "Olga", "Tomas", "Ingrid",
         "Marco", "Elena", "Jan", "Priya", "Kofi", "Laura", "Nils", "Fatima", "Diego", "Emma", "Arjun"]
LAST = ["Lindqvist", "Moreau", "Okafor", "Brennan", "Haverkamp", "Castellano", "Nakamura", "Petrovic",
        "Whitfield", "Andersen", "Delacroix", "Fernholz", "Gallagher", "Kowalczyk", "Mbeki", "Rasmussen"]
COMPANY_WORDS = ["Nordic", "Alpine", "Harbor", "Summit", "Cedar", "Meridian", "Granite", "Coastal", "Silver",
                 "Prairie", "Lakeside", "Redwood", "Beacon", "Orchard", "Falcon", "Willow", "Atlas", "Juniper"]
COMPANY_KINDS = ["Logistics", "Foods", "Textiles", "Consulting", "Networks", "Solutions", "Builders", "Media",
                 "Analytics", "Dental", "Outfitters", "Robotics", "Farms", "Optics"]
SUFFIXES = ["GmbH", "LLC", "Ltd", "AB", "S.A.", "Inc.", "B.V.", "Oy", "S.r.l.", "plc", ""]


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    kind: str
    country: str
    perturbation: str
    expect: dict | None

    def as_dict(self, number: int) -> dict:
        return {"id": number, "query": self.query, "kind": self.kind, "country": self.country,
                "perturbation": self.perturbation, "expect": self.expect}


def _typo(word: str, rnd: random.Random) -> str:
    i = rnd.randrange(len(word))
    op = rnd.choice("sidt")
    letters = string.ascii_uppercase if word.isupper() else string.ascii_lowercase
    if op == "s":
        return word[:i] + rnd.choice(letters) + word[i + 1:]
    if op == "i":
        return word[:i] + rnd.choice(letters) + word[i:]
    if op == "d" and len(word) > 5:
        return word[:i] + word[i + 1:]
    j = min(i + 1, len(word) - 1)
    chars = list(word)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def perturb(name: str, entry: ListEntry, rnd: random.Random) -> tuple[str, str] | None:
    words = name.split()
    long_words = [i for i, w in enumerate(words) if len(w.strip(",.")) >= 5]
    options = ["case"]
    if long_words:
        options += ["typo", "typo2"]
    if len(words) >= 3:
        options.append("drop")
    upper = name.upper()
    if any(a in upper for a, _ in LEGAL_SWAPS):
        options.append("legal")
    if entry.kind == "person" and "," in name:
        options.append("order")
    if any(a in upper.split() for a, _ in TRANSLIT):
        options.append("translit")
    if len(words) >= 2:
        options.append("space")
    kind = rnd.choice(options)
    if kind == "case":
        return rnd.choice([name.upper(), name.title(), name.lower()]), kind
    if kind in ("typo", "typo2"):
        out = list(words)
        for _ in range(1 if kind == "typo" else 2):
            i = rnd.choice(long_words)
            out[i] = _typo(out[i], rnd)
        return " ".join(out), kind
    if kind == "drop":
        i = rnd.randrange(1, len(words) - 1)
        return " ".join(words[:i] + words[i + 1:]), kind
    if kind == "legal":
        for a, b in rnd.sample(LEGAL_SWAPS, len(LEGAL_SWAPS)):
            if a in upper:
                return upper.replace(a, b, 1), kind
    if kind == "order":
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}", kind
    if kind == "translit":
        for a, b in TRANSLIT:
            if a in upper.split():
                return upper.replace(a, b), kind
    if kind == "space":
        i = rnd.randrange(len(words) - 1)
        return " ".join(words[:i] + [words[i] + words[i + 1]] + words[i + 2:]), kind
    return None


def _neg_person(rnd: random.Random) -> str:
    return f"{rnd.choice(FIRST)} {rnd.choice(FIRST) + ' ' if rnd.random() < 0.2 else ''}{rnd.choice(LAST)}"


def _neg_company(rnd: random.Random) -> str:
    return " ".join(w for w in (rnd.choice(COMPANY_WORDS), rnd.choice(COMPANY_KINDS), rnd.choice(SUFFIXES)) if w)


def _neg_hard(entry: ListEntry, rnd: random.Random, one: bool) -> str | None:
    """The entry's name with its distinctive words replaced (all of them, or with `one`
    just one of two or more), its generic words kept."""
    words = entry.name.split()
    distinctive = [i for i, w in enumerate(words) if w.lower().strip(",.()") not in GENERIC]
    if not distinctive or (not one and len(distinctive) == len(words)) or (one and len(distinctive) < 2):
        return None
    replace = {rnd.choice(distinctive)} if one else set(distinctive)
    return " ".join(rnd.choice(COMPANY_WORDS).upper() if i in replace else w for i, w in enumerate(words))


def generate(entries: list[ListEntry], n: int, seed: int = 7, positive_share: float = 1 / 3) -> Iterator[LabelledQuery]:
    rnd = random.Random(seed)
    listed = {nm.normalize(name).canonical for e in entries for name in e.names}
    orgs = [e for e in entries if e.kind != "person"]
    made = 0
    while made < n:
        if rnd.random() < positive_share:
            entry = rnd.choice(entries)
            name = rnd.choice(entry.names)
            if entry.kind == "organization" and entry.list in ("EL", "FCC-CL", "NDAA-889") and rnd.random() < 0.05:
                han = [a for a in entry.aliases if nm.has_han(a)]
                if han:
                    made += 1
                    yield LabelledQuery(rnd.choice(han), entry.kind, "", "chinese",
                                        {"source": entry.list, "names": list(entry.names)})
                    continue
            result = perturb(name, entry, rnd)
            if result is None:
                continue
            query, kind = result
            made += 1
            yield LabelledQuery(query, entry.kind, (entry.countries or ("",))[0], kind,
                                {"source": entry.list, "names": list(entry.names)})
        else:
            roll = rnd.random()
            if roll < 0.4:
                query, kind, pert = _neg_person(rnd), "person", "neg-person"
            elif roll < 0.75:
                query, kind, pert = _neg_company(rnd), "organization", "neg-company"
            elif roll < 0.9:
                query, kind, pert = _neg_hard(rnd.choice(orgs), rnd, one=False), "organization", "neg-hard"
            else:
                query, kind, pert = _neg_hard(rnd.choice(orgs), rnd, one=True), "organization", "neg-hard-one"
            if not query or nm.normalize(query).canonical in listed:
                continue
            made += 1
            yield LabelledQuery(query, kind, "", pert, None)


def write_queries(make, description: str, n: int, seed: int, argv: list[str] | None = None) -> None:
    """The command line of a query generator: `make(entries, n, seed)` over the lists in
    force in the bundled snapshot, written as JSON Lines."""
    from benchmarks.common import bundled_store

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("-n", type=int, default=n)
    ap.add_argument("-o", "--output", type=Path)
    ap.add_argument("--seed", type=int, default=seed)
    args = ap.parse_args(argv)
    store = bundled_store()
    entries = [e for v in store.select(__import__("datetime").date.today()).versions for e in store.entries(v)]
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    for i, q in enumerate(make(entries, args.n, args.seed), 1):
        out.write(json.dumps(q.as_dict(i), ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    write_queries(generate, __doc__.split("\n\n")[0], 10_000, 7, argv)


if __name__ == "__main__":
    main()
