"""Labelled queries dressed the way real files and evaders write names (a sibling of
make_names.py): a listed name with a branch suffix, inside a c/o wrapper, with trailing
junk, markup, invisible characters, look-alike letters, full-width forms, letters spelled
one by one, an abbreviated word, a legal form from another language, a nickname; and
innocent names dressed the same way, which must not match.

    python -m benchmarks.make_decorated -n 6000 -o decorated.jsonl [--seed 11]

Each kind draws its list names at random from the bundled snapshot, so another seed
gives a set built the same way from other entries (the acceptance sets are made so).
The tables here are the generator's own, written apart from banscreen's (names.yaml),
so the benchmark does not grade the matcher against its own tables."""

from __future__ import annotations

import random
from typing import Callable, Iterator

from banscreen.match import names as nm
from banscreen.model import ListEntry
from benchmarks.make_names import LabelledQuery, _neg_company, _neg_person, write_queries

CITIES = ["Dubai", "Shenzhen", "Hong Kong", "Singapore", "Istanbul", "Moscow", "Tehran", "Almaty", "Lagos",
          "Panama", "Karachi", "Minsk", "Yerevan", "Tashkent", "Jebel Ali", "Sharjah", "Kuala Lumpur"]
# Third parties of wrappers: made-up names, checked against the lists in `generate`.
OTHERS = ["Lumbridge Logistics FZE", "Falconridge Freight Services LLC", "Quillmore Shipping Agency",
          "Bluewater Forwarding Co", "Atlasworth Cargo Ltd", "Starvale Express Logistics", "Primrose Trade Partners",
          "Northwind Supply Chain GmbH"]
BRANCHES = ["{n} {c} Branch", "{n} ({c}) Branch Office", "{n} - {c} Office", "{n} Representative Office in {c}",
            "{n}, {c} Branch", "{n} Liaison Office"]
WRAPPERS = ["{n} c/o {o}", "{o} on behalf of {n}", "{n} d/b/a {o}", "{o} (agent of {n})", "{n}, acting through {o}",
            "{o} C/O {n}", "{n} care of {o}"]
JUNK = ["{n} ref 20418", "{n} PO#7731", "{n} acct 99-0142", "{n} xx", "{n} -- see note", "{n} /inv 5521"]
MARKUP = ["{n}<script>x</script>", "<b>{n}</b>", "{n}<br/>", "<span class=\"x\">{n}</span>"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]
# Latin letter -> look-alikes in Cyrillic and Greek (the generator's own short table)
LOOKALIKE = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "A": "А",
             "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т",
             "X": "Х", "Y": "Υ", "N": "Ν", "Z": "Ζ"}
ABBREVIATE = {"LABORATORY": "LAB", "LABORATORIES": "LABS", "TECHNOLOGY": "TECH", "TECHNOLOGIES": "TECH",
              "INTERNATIONAL": "INTL", "CORPORATION": "CORP", "SERVICES": "SVCS", "MANUFACTURING": "MFG",
              "AIRLINES": "AIR", "INDUSTRIES": "IND", "COMPANY": "CO", "GROUP": "GRP", "DEVELOPMENT": "DEV",
              "ENGINEERING": "ENG", "MANAGEMENT": "MGMT", "NATIONAL": "NATL", "BROTHERS": "BROS"}
LEGAL_ACROSS = {"LIMITED LIABILITY COMPANY": ["ООО", "OOO", "LIMITED LIABILITY CO."], "LLC": ["ООО", "OOO"],
                "JOINT STOCK COMPANY": ["АО", "AO", "JSC"], "JSC": ["АО", "AO"],
                "CO., LTD.": ["有限公司", "Company Limited"], "CO. LTD": ["有限公司"], "COMPANY LIMITED": ["CO., LTD."],
                "S.A. DE C.V.": ["SA DE CV"], "GMBH": ["Gesellschaft mit beschränkter Haftung"]}
NICKNAMES = {"WILLIAM": "BILL", "ROBERT": "BOB", "RICHARD": "DICK", "JAMES": "JIM", "JOSEPH": "JOE",
             "MICHAEL": "MIKE", "ALEXANDER": "SASHA", "ALEKSANDR": "SASHA", "VLADIMIR": "VOLODYA",
             "DMITRY": "DIMA", "NIKOLAI": "KOLYA", "ABDULLAH": "ABDALLAH", "BENJAMIN": "BEN", "THOMAS": "TOM",
             "EDWARD": "TED", "ANTHONY": "TONY", "DANIEL": "DAN", "SAMUEL": "SAM", "MOHAMMED": "MOHD"}


def _lookalikes(name: str, rnd: random.Random) -> str | None:
    spots = [i for i, c in enumerate(name) if c in LOOKALIKE]
    if len(spots) < 2:
        return None
    chars = list(name)
    for i in rnd.sample(spots, min(len(spots), rnd.randint(1, 3))):
        chars[i] = LOOKALIKE[chars[i]]
    return "".join(chars)


def _invisible(name: str, rnd: random.Random) -> str:
    chars = list(name)
    for _ in range(rnd.randint(1, 3)):
        chars.insert(rnd.randrange(1, len(chars)), rnd.choice(ZERO_WIDTH))
    return "".join(chars)


def _spelled(name: str, rnd: random.Random) -> str | None:
    words = name.split()
    spots = [i for i, w in enumerate(words) if w.isalpha() and 4 <= len(w) <= 9]
    if not spots:
        return None
    i = rnd.choice(spots)
    words[i] = rnd.choice([" ", ".", "-"]).join(words[i])
    return " ".join(words)


def _replace_word(name: str, table: dict[str, str]) -> str | None:
    words = name.split()
    for i, w in enumerate(words):
        key = w.upper().strip(",.")
        if key in table:
            words[i] = table[key]
            return " ".join(words)
    return None


def _legal_across(name: str, rnd: random.Random) -> str | None:
    upper = name.upper()
    for form, others in LEGAL_ACROSS.items():
        if upper.endswith(form) or upper.startswith(form + " "):
            return upper.replace(form, rnd.choice(others), 1)
    return None


def _fullwidth(name: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in name)


Decorate = Callable[[str, random.Random], "str | None"]
DECORATIONS: dict[str, Decorate] = {
    "branch": lambda n, r: r.choice(BRANCHES).format(n=n, c=r.choice(CITIES)),
    "wrapper": lambda n, r: r.choice(WRAPPERS).format(n=n, o=r.choice(OTHERS)),
    "junk": lambda n, r: r.choice(JUNK).format(n=n),
    "markup": lambda n, r: r.choice(MARKUP).format(n=n),
    "entities": lambda n, r: n.replace("&", "&amp;").replace(" ", "&nbsp;", 1) if " " in n else None,
    "invisible": _invisible,
    "lookalike": _lookalikes,
    "fullwidth": lambda n, r: _fullwidth(n),
    "spelled": _spelled,
    "abbreviation": lambda n, r: _replace_word(n, ABBREVIATE),
    "legal-across": _legal_across,
    "nickname": lambda n, r: _replace_word(n, NICKNAMES),
}
PERSON_KINDS = {"wrapper", "junk", "markup", "invisible", "lookalike", "fullwidth", "nickname", "entities"}


def _distinctive(entry: ListEntry, name: str) -> bool:
    """A list name worth dressing: a few letters of its own, not a one-word alias."""
    norm = nm.normalize(name)
    return len(norm.joined) >= 5 and (len(norm.tokens) > 1 or bool(norm.legal))


def generate(entries: list[ListEntry], n: int, seed: int = 11, positive_share: float = 0.5) -> Iterator[LabelledQuery]:
    """`n` labelled queries: positives spread over the decoration kinds, negatives
    (made-up names) dressed the same way."""
    rnd = random.Random(seed)
    listed = {nm.normalize(name).canonical for e in entries for name in e.names}
    kinds = list(DECORATIONS)
    made = 0
    while made < n:
        kind = rnd.choice(kinds)
        decorate = DECORATIONS[kind]
        if rnd.random() < positive_share:
            entry = rnd.choice(entries)
            if (kind not in PERSON_KINDS) if entry.kind == "person" else kind == "nickname":
                continue
            name = rnd.choice(entry.names)
            if not _distinctive(entry, name):
                continue
            query = decorate(name, rnd)
            if not query or query == name:
                continue
            made += 1
            yield LabelledQuery(query, entry.kind, "", f"decor-{kind}", {"source": entry.list, "names": list(entry.names)})
        else:
            person = kind == "nickname" or (kind in PERSON_KINDS and rnd.random() < 0.4)
            base = _neg_person(rnd) if person else _neg_company(rnd)
            if kind in ("abbreviation", "legal-across") and not person:
                base = base.upper() + rnd.choice([" TECHNOLOGIES", " INTERNATIONAL", ""]) + rnd.choice(
                    [" LLC", " JSC", " CO., LTD.", " GMBH"])
            query = decorate(base, rnd)
            if not query or nm.normalize(base).canonical in listed:
                continue
            made += 1
            yield LabelledQuery(query, "person" if person else "organization", "", f"neg-decor-{kind}", None)


def main(argv: list[str] | None = None) -> None:
    write_queries(generate, __doc__.split("\n\n")[0], 6000, 11, argv)


if __name__ == "__main__":
    main()
