"""Write src/banscreen/data/hanja_hangul.tsv: the Korean readings of Chinese characters,
from the Unicode Han Database (Unihan), for reading a Korean name written in Chinese
characters (金鐵萬 / 김철만 / Kim Chol-man).

    python3 scripts/make_hanja_readings.py /usr/share/unicode   # Debian's unicode-data

Each line: a character, a tab, its readings in Hangul (kHangul, in Unihan's order),
space-separated. A simplified character with no kHangul of its own (铁) takes the
readings of its traditional form (kTraditionalVariant: 鐵). Unihan is Unicode data, under
the Unicode License v3, which allows copying and redistribution with its notice (kept in
src/banscreen/data/hanja_hangul.NOTICE)."""

from __future__ import annotations

import bz2
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "banscreen" / "data" / "hanja_hangul.tsv"


def _lines(folder: Path, name: str):
    plain, packed = folder / name, folder / (name + ".bz2")
    if plain.exists():
        return plain.open(encoding="utf-8")
    return bz2.open(packed, "rt", encoding="utf-8")


def _field(folder: Path, name: str, field: str) -> dict[str, str]:
    out = {}
    with _lines(folder, name) as fh:
        for line in fh:
            if line.startswith("#") or f"\t{field}\t" not in line:
                continue
            code, _, value = line.rstrip("\n").split("\t")
            out[chr(int(code[2:], 16))] = value
    return out


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "/usr/share/unicode")
    hangul = {char: [r.split(":")[0] for r in value.split()]
              for char, value in _field(folder, "Unihan_Readings.txt", "kHangul").items()}
    traditional = _field(folder, "Unihan_Variants.txt", "kTraditionalVariant")
    for char, variants in traditional.items():
        if char not in hangul:
            for code in variants.split():
                found = hangul.get(chr(int(code[2:], 16)))
                if found:
                    hangul[char] = found
                    break
    with OUT.open("w", encoding="utf-8") as fh:
        for char in sorted(hangul):
            fh.write(f"{char}\t{' '.join(dict.fromkeys(hangul[char]))}\n")
    print(f"{len(hangul)} characters -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
