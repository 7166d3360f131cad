"""Comparing words that reached Latin letters by different roads.

A name written in Cyrillic, Arabic, Hebrew, Greek, Hangul or kana and romanized by
anyascii rarely spells a word as a list does: `Теренс Янг` reads "terens yang" where the
list says "Terence Young", `데이비드 트림블` reads "deibideu teulimbeul" for "David
Trimble", Arabic and Hebrew write few vowels ("hsn" for "Hassan"). Edit distance on the
letters calls these different words. A phonetic key brings them together: vowels after
the first letter dropped, letters that scripts and romanizations confuse merged (b/p/v/f,
d/t, g/k/q/c, s/z, l/r), digraphs read as one sound, doubled letters collapsed. Two words
with the same key, or keys one edit apart, are the same word written another way.

Used only where the two names come in different scripts (a name in one script is
spelled by its writer, and the exact comparison applies). Pure functions."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import OSA, Levenshtein

# Digraphs first (longest first), then single letters. "ch" is read three ways (Charles,
# Chenri for Henry, Chinese "ch"), so a word may have several keys.
_DIGRAPHS = (("dzh", "j"), ("dj", "j"), ("ght", "t"), ("sch", "s"), ("tch", "c"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"),
             ("sh", "s"), ("zh", "j"), ("ts", "s"), ("tz", "s"), ("dz", "z"), ("ck", "k"), ("ou", "u"),
             ("oy", "u"), ("ow", "u"), ("aw", "a"), ("ew", "u"))
_CH = ("s", "k", "h")
_CLASS = {"b": "b", "p": "b", "v": "b", "f": "b", "w": "b",
          "d": "d", "t": "d",
          "g": "k", "k": "k", "q": "k", "c": "k", "x": "k",
          "s": "s", "z": "s", "j": "s",
          "l": "l", "r": "l",
          "m": "m", "n": "n", "h": "h"}
_VOWELS = frozenset("aeiouy")

# A word and its spelling in another script with the same key: nearly the same word.
SAME_KEY_SIMILARITY = 0.9
# ... keys one edit apart (one sound written differently, or left out)
NEAR_KEY_SIMILARITY = 0.75
# ... but only for words whose spellings are not far apart either: keys of vowel-less
# consonants one sound apart are shared by too many different names ("terens" / "dennis",
# "eldar" / "abdullah"); the same word in two romanizations keeps much of its spelling.
NEAR_KEY_MIN_SPELLING = 0.4


def _key(word: str, ch: str) -> str:
    w = word.replace("ch", "\0")
    for a, b in _DIGRAPHS:
        w = w.replace(a, b)
    w = w.replace("\0", ch)
    out: list[str] = []
    for i, c in enumerate(w):
        if c in _VOWELS:
            if i == 0:
                out.append("a")  # a word that starts with a vowel, whichever
            continue
        if c == "h" and i > 0:  # a silent or dropped h ("rikhard", "mohmmd")
            continue
        if c == "c" and i + 1 < len(w) and w[i + 1] in "eiy":
            c = "s"  # "terence"
        k = _CLASS.get(c, c)
        if not out or out[-1] != k:
            out.append(k)
    return "".join(out)


_MEDIAL_SOFT_G = re.compile(r"(?<=[aeiouylnr])g(?=[eiy])")
_SILENT_FINALS = frozenset("stdx")
_BEFORE_SILENT = frozenset("aeiouylnr")


@lru_cache(maxsize=200_000)
def keys(word: str) -> frozenset[str]:
    """The phonetic keys of a folded word: one, or more where it holds "ch" (three
    readings), starts with "j" (also read as "y", as in Nordic and German names, and as
    "h", as in Spanish ones), with a soft g (also read as "j": "gerry" / ג'רי "jeri") or
    with "u" and a vowel (also read as "w", as Russian writes it: Уильям "uilyam")."""
    if not word.isalpha():
        return frozenset({word})
    if word.startswith("wr"):  # "wright" / "rayt"
        word = word[1:]
    # (a leading j also read as y, Nordic and German, and as h, Spanish: Хосе "khose" / Jose)
    spellings = [word, "y" + word[1:], "h" + word[1:]] if word[0] == "j" else [word]
    if word[0] == "g" and len(word) > 1 and word[1] in "eiy":  # "gerry" / ג'רי "jeri", "george"
        spellings.append("j" + word[1:])
    if len(word) > 2 and word[0] == "u" and word[1] in "aeio":  # Уи, Уо, Уэ: "uilyam" / "william"
        spellings.append("w" + word[1:])
    if _MEDIAL_SOFT_G.search(word):  # "gi", "ge" said j after a vowel, l, n or r: "luigi" /
        # Λουίτζι "luitzi", "george" / Джордж "dzhordzh"
        spellings += [_MEDIAL_SOFT_G.sub("j", w) for w in spellings]
    if "dh" in word or "th" in word:  # ذ and ث as Persian, Urdu and Turkish say them: Zakir, Usman
        spellings += [w.replace("dh", "z").replace("th", "s") for w in spellings]
    if len(word) >= 5 and word[-1] in _SILENT_FINALS and word[-2] in _BEFORE_SILENT:
        # a French final consonant not sounded, so not written in another script:
        # "charles" / Σαρλ "sarl", "laurent" / Лоран "loran", "dupont" / Ντυπόν
        spellings += [w[:-1] for w in spellings]
    return frozenset(_key(w, ch) for w in spellings for ch in (_CH if "ch" in w else ("s",)))


@lru_cache(maxsize=200_000)
def similarity(a: str, b: str) -> float:
    """How alike two words sound, in [0, 1]: 0 unless their keys agree, or differ by one
    edit in keys of three or more sounds that start alike, for words spelled not far
    apart (NEAR_KEY_MIN_SPELLING)."""
    if not (a.isalpha() and b.isalpha()) or min(len(a), len(b)) < 2:
        return 0.0
    best = 0.0
    for ka in keys(a):
        for kb in keys(b):
            if ka == kb and len(ka) >= 2:
                return SAME_KEY_SIMILARITY
            if best == 0.0 and min(len(ka), len(kb)) >= 3 and ka[0] == kb[0] \
                    and OSA.distance(ka, kb, score_cutoff=1) <= 1 \
                    and Levenshtein.normalized_similarity(a, b) >= NEAR_KEY_MIN_SPELLING:
                best = NEAR_KEY_SIMILARITY
    return best


# --- Greek as it is read ---------------------------------------------------------------------------
# Modern Greek writes b, d and g as digraphs (μπ, ντ, γκ: "Μπερσάνι" is Bersani, "Ντενί" is
# Denis) and several vowels two ways; a letter-by-letter romanization ("mpersani", "nteni")
# hides the name a list spells in Latin letters. Read as spoken first.
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_GREEK_WORD_START = (("μπ", "b"), ("ντ", "d"), ("γκ", "g"), ("γγ", "g"), ("τζ", "tz"))
_GREEK_DIGRAPHS = (("μπ", "mb"), ("ντ", "nd"), ("γκ", "ng"), ("γγ", "ng"), ("τζ", "tz"), ("ου", "u"), ("αι", "e"),
                   ("ει", "i"), ("οι", "i"), ("υι", "i"), ("αυ", "av"), ("ευ", "ev"), ("χ", "h"), ("η", "i"),
                   ("υ", "i"))
_GREEK_WORD = re.compile(r"[\u0370-\u03ff\x01]+")


def has_greek(text: str) -> bool:
    return bool(_GREEK.search(text))


def greek_as_read(text: str, foreign: bool = False) -> str:
    """Greek words spelled as they sound, in Greek letters and Latin ones, ready for
    romanization: "Μπόχουσλαβ Σομπότκα" -> "bοhuσλαβ σομbοτκα" -> (anyascii)
    "bohuslav sombotka". Accents are dropped first (the digraphs do not carry them).
    `foreign`: read as a foreign name written in Greek, where μπ, ντ and γκ inside a word
    are b, d and g too, as at its start ("Λίντι" / Lydie, "Ρόμπερτ" / Robert; a Greek
    word says them mb, nd, ng: "Παντελής" / Pantelis)."""
    # a diaeresis parts two vowels ("Σαΐντ" is Sa-id, not "sed"): kept apart by a mark
    # that no digraph crosses, dropped at the end
    chars: list[str] = []
    for c in unicodedata.normalize("NFD", text):
        if c == "\u0308" and chars:
            chars.insert(len(chars) - 1, "\x01")  # before the vowel that carries it
        elif not unicodedata.combining(c):
            chars.append(c)
    bare = "".join(chars).lower()

    def word(m: re.Match) -> str:
        w = m.group(0)
        for greek, latin in _GREEK_WORD_START:
            if w.startswith(greek):
                w = latin + w[len(greek):]
                break
        if w.startswith("γι") and len(w) > 2:  # "Γιούχα" / Juha, "Γιάντρανκα" / Jadranka
            w = "y" + w[2:]
        elif w.startswith("γου") or (w.startswith("ου") and len(w) > 2 and w[2] in "αεηιοωυ"):
            w = "w" + w[3 if w.startswith("γου") else 2:]  # "Γουάτσον" / Watson, "Ουόρεν" / Warren
        if foreign:
            for greek, latin in _GREEK_WORD_START[:3]:
                w = w.replace(greek, latin)
        for greek, latin in _GREEK_DIGRAPHS:
            w = w.replace(greek, latin)
        return w

    return _GREEK_WORD.sub(word, bare).replace("\x01", "")


# --- Hebrew as it is read ------------------------------------------------------------------------
# Hebrew writes few vowels and uses consonant letters for some (ו for o/u, י for i, א and
# ע for a vowel at a word's start, a final ה for "a"); a letter-by-letter romanization
# ("hvyh" for Høie, "'dms" for Adams) reads those as consonants. Read as spoken: the
# matres lectionis as vowels, the geresh digraphs (ג' j, צ' ch, ז' zh), ש as sh.
_HEBREW = re.compile(r"[\u0590-\u05ff]")
_HEBREW_WORD = re.compile(r"[\u0590-\u05ff'\u05f3]+")
_HEBREW_GERESH = (("ג'", "j"), ("צ'", "ch"), ("ז'", "zh"), ("ת'", "th"))
_HEBREW_LETTERS = {"א": "a", "ב": "b", "ג": "g", "ד": "d", "ה": "h", "ו": "o", "ז": "z", "ח": "h", "ט": "t",
                   "י": "i", "כ": "k", "ך": "k", "ל": "l", "מ": "m", "ם": "m", "נ": "n", "ן": "n", "ס": "s",
                   "ע": "a", "פ": "p", "ף": "f", "צ": "ts", "ץ": "ts", "ק": "k", "ר": "r", "ש": "sh", "ת": "t"}


def has_hebrew(text: str) -> bool:
    return bool(_HEBREW.search(text))


def hebrew_as_read(text: str) -> str:
    """Hebrew words spelled as they sound, in Latin letters: "בריאן שץ" -> "brian shts",
    "ג'רי אדמס" -> "jeri adams" (vowel points dropped, doubled letters as one consonant:
    וו v, יי y; a word's final ה as a)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    bare = bare.replace("\u05f3", "'")  # Hebrew geresh

    def word(m: re.Match) -> str:
        w = m.group(0)
        for hebrew, latin in _HEBREW_GERESH:
            w = w.replace(hebrew, latin)
        w = w.replace("וו", "v").replace("יי", "y").replace("'", "")
        if w.endswith("ה") and len(w) > 1:
            w = w[:-1] + "a"
        out = []
        for i, c in enumerate(w):
            if c in "אע" and i > 0:
                out.append("a" if i == len(w) - 1 else "")  # a silent letter inside a word
            elif c == "ה" and out and out[-1][-1:] not in ("", "a", "e", "i", "o", "u"):
                out.append("eh")  # (a vowel before it is not written: כהן "kohen", not "khn", read as one sound)
            else:
                out.append(_HEBREW_LETTERS.get(c, c))
        return "".join(out)

    return _HEBREW_WORD.sub(word, bare)


# --- Arabic (and Persian) as it is read ---------------------------------------------------------
# Arabic writes short vowels only as optional marks and long ones with consonant letters;
# its article is joined to the word ("المرابطون", al-Mourabitoun). A letter-by-letter
# romanization ("lmrbtwn", "`bd", "'nsr") loses the article's and the initial vowels and
# reads و and ي as consonants. Read as spoken: the article apart, an initial alef or ayn
# as a vowel, و and ي inside a word as vowels.
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff]+")
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel
_ARABIC_LETTERS = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh",
    "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "",
    "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ک": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "a", "و": "u",
    "ي": "i", "ی": "i", "ى": "a", "ء": "", "ئ": "", "ؤ": "", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ہ": "h",
    "ھ": "h", "ۀ": "a", "ے": "e"}


# --- Tamil as it is read ---------------------------------------------------------------------------
# anyascii writes Tamil ச as "c" (சண்முகம் "cnmukm"); in names it is said s or ch (Shanmugam,
# Solheim, Rajapaksa), which a "c" keyed as k (as English c before a, o, u) does not reach.
_TAMIL_WORD = re.compile(r"[\u0b80-\u0bff]+")


def has_tamil(text: str) -> bool:
    return bool(_TAMIL_WORD.search(text))


def tamil_as_read(text: str) -> str:
    """Tamil words in Latin letters with ச read as s: "கா. சண்முகம்" -> "ka. snmukm"."""
    from anyascii import anyascii

    return _TAMIL_WORD.sub(lambda m: anyascii(m.group(0)).replace("c", "s"), text)


def has_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))


def arabic_as_read(text: str) -> str:
    """Arabic-script words spelled as they sound, in Latin letters: "المرابطون" -> "al
    murabtun", "عبد اللطيف منصور" -> "abd al latif mansur" (vowel marks dropped; و and ي
    as consonants only at a word's start; an initial ayn as a)."""
    bare = _ARABIC_MARKS.sub("", text)  # the vowel marks only: hamza forms stay letters

    def word(m: re.Match) -> str:
        w = m.group(0)
        article = ""
        if w.startswith("عبدال") and len(w) > 6:  # "عبدالغفار": Abd al-Ghafar, one word in Arabic, three in lists
            article, w = "abd al ", w[5:]
        elif w.startswith("ال") and len(w) > 3:
            article, w = "al ", w[2:]
        out = []
        for i, c in enumerate(w):
            if i == 0 and c == "ع":
                out.append("a")
            elif i == 0 and c in "وي":
                out.append("w" if c == "و" else "y")
            else:
                out.append(_ARABIC_LETTERS.get(c, c))
        return article + "".join(out)

    return _ARABIC_WORD.sub(word, bare)


# --- Wade-Giles and pinyin ------------------------------------------------------------------------
# Chinese names reach lists in both romanizations: Hsu Chih-Hao is Xu Zhihao, Teng Hsiao-p'ing
# is Deng Xiaoping. Apostrophes are gone once a name is folded, so an initial may stand for an
# aspirated or a plain sound: every reading is kept.
_WG_INITIALS = (("hs", ("x",)), ("ch", ("zh", "j", "ch", "q")), ("ts", ("z", "c")), ("tz", ("z", "c")),
                ("ss", ("s",)), ("sz", ("s",)), ("sh", ("sh",)), ("j", ("r",)), ("k", ("g", "k")),
                ("t", ("d", "t")), ("p", ("b", "p")))
_WG_FINALS = (("ieh", "ie"), ("ien", "ian"), ("iung", "iong"), ("ung", "ong"), ("ueh", "ue"), ("uei", "ui"),
              ("erh", "er"), ("ih", "i"))
MAX_SYLLABLE = 6
# Wade-Giles syllables in y that pinyin spells otherwise (燕 yen / yan, 葉 yeh / ye)
_WG_Y = {"yen": "yan", "yeh": "ye", "yung": "yong", "yu": "you"}


@lru_cache(maxsize=50_000)
def pinyin_readings(word: str) -> frozenset[str]:
    """The pinyin a one-syllable Wade-Giles word may stand for, the word itself included
    (a pinyin syllable reads as itself); empty for a word too long to be one syllable."""
    if not word.isalpha() or len(word) > MAX_SYLLABLE:
        return frozenset()
    out = {word}
    if word in _WG_Y:
        out.add(_WG_Y[word])
    for initial, choices in _WG_INITIALS:
        if word.startswith(initial):
            rest = word[len(initial):]
            break
    else:
        initial, choices, rest = "", ("",), word
    for final, pinyin in _WG_FINALS:
        if rest.endswith(final):
            rest = rest[: -len(final)] + pinyin
            break
    out.update(choice + rest for choice in choices)
    return frozenset(out)


def same_chinese_name(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two Latin names of one-syllable words (and pinyin words run together) read
    as the same pinyin: "hsu chih hao" / "xu zhihao"."""
    if not a or not b or len(a) + len(b) > 12:
        return False
    readings_a = _name_readings(a)
    return bool(readings_a) and not readings_a.isdisjoint(_name_readings(b))


@lru_cache(maxsize=100_000)
def _name_readings(words: tuple[str, ...]) -> frozenset[str]:
    """Every pinyin a name of one-syllable words may read as, the words run together;
    empty when a word is not letters or the readings pass 256. Cached: a list name is
    met by many queries."""
    readings = {""}
    for word in words:
        options = pinyin_readings(word) or (frozenset({word}) if word.isalpha() else frozenset())
        if not options:
            return frozenset()
        readings = {r + o for r in readings for o in options}
        if len(readings) > 256:
            return frozenset()
    return frozenset(readings)


# --- Names transcribed into a syllabic script -------------------------------------------------------
# A foreign name written in Chinese characters, Hangul or kana is spelled out in that
# script's syllables: "Ted Cruz" is 테드 크루즈 (te-deu keu-lu-jeu, a vowel after each
# consonant the syllables cannot end on), "Martin McGuinness" is 马丁·麦吉尼斯 (ma-ding
# mai-ji-ni-si), an r before a consonant is left out or written 尔 (er), l and r are one
# sound, Korean has no f (p) nor v (b), Chinese writes v as w, and pinyin j, q and x stand
# for whatever sound comes near (吉 ji for "gi", 基 ji for "key", 希 xi for "hi" and
# "shi"). The consonant skeletons of the two spellings agree after that, up to the
# letters a transcription drops (h, l/r, an initial vowel), which cost less to leave
# out. Used only between a name in one of these scripts and one in another script.
_HANGUL_SYLLABLES = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN_CHARS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


# A foreign name in Chinese characters parts its names ("约翰·基", John Key); a Chinese
# name does not ("陈振泉"), and is read as Chinese, not as a transcription.
_HAN_NAME_PARTS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]\s*[·・‧•\-‐=\s]\s*"
                             r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=50_000)
def syllabic_script(text: str) -> str:
    """The syllabic script a foreign name is transcribed in: "hangul", "kana" (Japanese,
    with or without kanji), "han" (Chinese characters with the names parted by a dot,
    hyphen or space), or "" otherwise."""
    if _HANGUL_SYLLABLES.search(text):
        return "hangul"
    if _KANA.search(text):
        return "kana"
    if _HAN_NAME_PARTS.search(text):
        return "han"
    return ""


# Consonant classes of the skeleton: B (b p f v w), D (d t), K (g k q c), S (s z j ch sh),
# L (l r), M, N, H; J is pinyin's j/q/x (K, S or H); A marks a word that starts with a vowel.
_SKELETON_CLASS = {"b": "B", "p": "B", "f": "B", "v": "B", "w": "B", "d": "D", "t": "D", "g": "K", "k": "K",
                   "q": "K", "c": "K", "s": "S", "z": "S", "j": "S", "l": "L", "r": "L", "m": "M", "n": "N",
                   "h": "H", "x": "KS"}
_PINYIN_CLASS = {**_SKELETON_CLASS, "c": "S", "j": "J", "q": "J", "x": "J"}
_LATIN_DIGRAPHS = (("tsch", "\1"), ("sch", "\1"), ("ch", "\2"), ("ph", "f"), ("th", "t"), ("gh", "g"), ("kh", "h"),
                   ("ck", "k"), ("qu", "k"), ("wh", "w"), ("sh", "\1"), ("zh", "\1"), ("ts", "\1"), ("tz", "\1"),
                   ("dz", "\1"), ("dj", "j"), ("ng", "n"))
_PINYIN_DIGRAPHS = (("zh", "\1"), ("ch", "\1"), ("sh", "\1"), ("ng", "n"))
_HANGUL_DIGRAPHS = (("ch", "\1"), ("ng", "n"))


def _skeleton(word: str, digraphs: tuple[tuple[str, str], ...], classes: dict[str, str], ch: str) -> str:
    for a, b in digraphs:
        word = word.replace(a, b)
    out: list[str] = []
    last = len(word) - 1
    for i, c in enumerate(word):
        if c in _VOWELS:
            if i == 0:
                out.append("A")
            continue
        before_vowel = i < last and word[i + 1] in _VOWELS
        if c == "\1":
            k = "S"
        elif c == "\2":
            k = ch
        elif c == "c" and classes is _SKELETON_CLASS:
            k = "S" if before_vowel and word[i + 1] in "eiy" else "K"  # "terence", "marcus"
        elif c in "hr" and not before_vowel:
            continue  # a silent h ("dyhr"), an r before a consonant ("martin", 马丁 ma-ding)
        else:
            k = classes.get(c, "")
        for sound in k:
            if not out or out[-1] != sound:
                out.append(sound)
    return "".join(out)


@lru_cache(maxsize=100_000)
def skeletons(word: str, script: str) -> frozenset[str]:
    """The consonant skeletons of a folded word romanized from `script` ("han": pinyin,
    "hangul": Revised Romanization as anyascii writes it, otherwise a Latin spelling,
    read several ways where it holds "ch" or starts with "j")."""
    if not word.isalpha():
        return frozenset()
    if script == "han":
        return frozenset({_skeleton(word, _PINYIN_DIGRAPHS, _PINYIN_CLASS, "")})
    if script == "hangul":
        return frozenset({_skeleton(word, _HANGUL_DIGRAPHS, _SKELETON_CLASS, "")})
    spellings = {word}
    if "j" in word:  # "jan", "majko": j also read as y (Nordic, Slavic, German names)
        spellings.add(word.replace("j", "y"))
    for w in list(spellings):  # "george", "gilles": a soft g also read as j
        soft = re.sub(r"g(?=[eiy])", "j", w)
        if soft != w:
            spellings.add(soft)
    return frozenset(_skeleton(w, _LATIN_DIGRAPHS, _SKELETON_CLASS, ch)
                     for w in spellings for ch in (("S", "K", "H") if "ch" in w else ("S",)))


# Sounds a transcription drops or adds: cheaper to leave out than a consonant.
_DROP_COST = {"L": 0.4, "H": 0.4, "A": 0.5}
# Pairs of classes that transcriptions confuse: half a substitution.
_NEAR_SOUNDS = frozenset({frozenset("DS"), frozenset("HB"), frozenset("LN"), frozenset("HK"), frozenset("MN")})
_PINYIN_WILD = frozenset("KSHJ")


def _substitution(a: str, b: str) -> float:
    if a == b or (a == "J" and b in _PINYIN_WILD) or (b == "J" and a in _PINYIN_WILD):
        return 0.0
    return 0.5 if frozenset((a, b)) in _NEAR_SOUNDS else 1.0


def skeleton_distance(a: str, b: str) -> float:
    """Weighted edit distance of two skeletons: h, l/r and a starting vowel cost less to
    drop, sounds transcriptions confuse cost half, pinyin j/q/x is k, s or h."""
    prev = [0.0]
    for c in b:
        prev.append(prev[-1] + _DROP_COST.get(c, 1.0))
    for x in a:
        drop_x = _DROP_COST.get(x, 1.0)
        cur = [prev[0] + drop_x]
        for j, y in enumerate(b):
            cur.append(min(prev[j] + _substitution(x, y), prev[j + 1] + drop_x, cur[j] + _DROP_COST.get(y, 1.0)))
        prev = cur
    return prev[-1]


# Below this skeleton similarity two words are different names.
TRANSCRIPTION_MIN = 0.7
# Words whose skeletons would take more steps than this to compare are not names (the
# distance is quadratic, in Python): hostile input gets 0, not a second of work.
MAX_SKELETON_CELLS = 2_500


@lru_cache(maxsize=200_000)
def transcription_similarity(a: str, script_a: str, b: str, script_b: str) -> float:
    """How alike two words of names written in different scripts are once both are
    reduced to consonant skeletons, in [0, SAME_KEY_SIMILARITY]; 0 below TRANSCRIPTION_MIN."""
    best = 0.0
    for ka in skeletons(a, script_a):
        for kb in skeletons(b, script_b):
            if ka and kb and len(ka) * len(kb) <= MAX_SKELETON_CELLS:
                best = max(best, 1.0 - skeleton_distance(ka, kb) / max(len(ka), len(kb), 2))
    return SAME_KEY_SIMILARITY * best if best >= TRANSCRIPTION_MIN else 0.0


# --- Korean names, syllable by syllable -------------------------------------------------------------
# A Korean name is three syllables written as one word (김정은); lists write each syllable
# apart, in one of several romanizations: Revised (Gim Jeong Eun), McCune-Reischauer
# (Kim Chong-un), and the spellings families chose (Kim Jong Un, Lee, Park, Choi). A
# syllable's possible spellings follow from its three letters: each has a few.
_KO_INITIAL = (("g", "k"), ("kk", "gg", "k"), ("n",), ("d", "t"), ("tt", "dd", "t"), ("r", "l", "n", ""), ("m",),
               ("b", "p"), ("pp", "bb", "p"), ("s", "sh"), ("ss", "s"), ("",), ("j", "ch", "z"), ("jj", "tch", "ch"),
               ("ch", "c", "j"), ("k",), ("t",), ("p",), ("h",))
_KO_MEDIAL = (("a",), ("ae", "ai", "e"), ("ya",), ("yae", "ye"), ("eo", "o", "u"), ("e",), ("yeo", "yo", "yu"),
              ("ye",), ("o", "oh"), ("wa",), ("wae", "we"), ("oe", "oi", "we"), ("yo",), ("u", "oo", "woo"),
              ("wo", "weo"), ("we",), ("wi", "wee"), ("yu", "yoo"), ("eu", "u"), ("ui", "eui", "i"), ("i", "ee", "y"))
_KO_FINAL = (("",), ("k", "g"), ("k", "kk"), ("k",), ("n",), ("n",), ("n",), ("t", "d"), ("l", "r"), ("k", "l"), ("m",),
             ("l",), ("l",), ("l",), ("p",), ("l",), ("m",), ("p", "b"), ("p",), ("t", "s"), ("t", "ss"), ("ng",),
             ("t", "j"), ("t",), ("k",), ("t",), ("p",), ("t", "h"))
# Family names spelled as families chose, beyond what the letters give.
_KO_SURNAMES = {"이": ("lee", "rhee", "yi", "ri", "li"), "리": ("lee", "rhee", "yi", "li"), "박": ("park", "pak"),
                "노": ("noh", "roh"), "로": ("roh",), "안": ("ahn",), "손": ("sohn",), "서": ("suh",), "허": ("hur",),
                "여": ("yuh",), "임": ("lim", "rim"), "림": ("lim", "im"), "유": ("ryu", "you"), "류": ("yoo", "yu", "you")}
KOREAN_SPLIT = "korean"  # the reading of a Korean name one syllable a word


def name_script(original: str, reading: str = "") -> str:
    """The script a name not in Latin letters is compared by: its `reading` where it has
    one (a name read one syllable a word: SYLLABLE_READINGS), else syllabic_script (""
    for an alphabet)."""
    return reading or syllabic_script(original)


@lru_cache(maxsize=1)
def _korean_by_reading() -> dict[str, tuple[str, ...]]:
    """anyascii's romanization of a Hangul syllable -> the syllables that read so."""
    from anyascii import anyascii
    out: dict[str, list[str]] = {}
    for code in range(0xAC00, 0xD7A4):
        out.setdefault(anyascii(chr(code)).lower(), []).append(chr(code))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=20_000)
def korean_spellings(reading: str) -> frozenset[str]:
    """Every spelling lists give the Hangul syllable(s) that anyascii reads as `reading`
    ("jeong": jeong, jong, jung, cheong, chong, chung, ...); empty if none reads so."""
    out: set[str] = set()
    for syllable in _korean_by_reading().get(reading, ()):
        code = ord(syllable) - 0xAC00
        initial, medial, final = code // 588, (code % 588) // 28, code % 28
        out.update(i + m + f for i in _KO_INITIAL[initial] for m in _KO_MEDIAL[medial] for f in _KO_FINAL[final])
        out.update(_KO_SURNAMES.get(syllable, ()))
    out.discard("")
    return frozenset(out)


# --- Chinese names read in Cantonese ----------------------------------------------------------------
# Hong Kong and Macau write a Chinese name by its Cantonese sound, one word a syllable, in
# the government's romanization (郭家麒: Kwok Ka-ki; 劉皇發: Lau Wong-fat), which pinyin
# (guo jia qi) does not reach. ToJyutping gives each character's Jyutping; the spellings
# below are how Hong Kong and Macau write each Jyutping initial and final.
CANTONESE_SPLIT = "cantonese"  # the reading of a Chinese name one Cantonese syllable a word
_JYUT_INITIALS = {"b": ("p",), "p": ("p",), "m": ("m",), "f": ("f",), "d": ("t",), "t": ("t",), "n": ("n", "l"),
                  "l": ("l",), "g": ("k",), "k": ("k",), "ng": ("ng", ""), "h": ("h",), "gw": ("kw",), "kw": ("kw",),
                  "w": ("w",), "z": ("ch", "ts", "tz", "j"), "c": ("ch", "ts", "tz"), "s": ("s", "sh"), "j": ("y", ""),
                  "": ("",)}
_JYUT_FINALS = {
    "aa": ("a", "ah"), "aai": ("ai",), "aau": ("au",), "aam": ("am",), "aan": ("an",), "aang": ("ang",),
    "aap": ("ap",), "aat": ("at",), "aak": ("ak",), "ai": ("ai",), "au": ("au",), "am": ("am",), "an": ("an",),
    "ang": ("ang",), "ap": ("ap",), "at": ("at",), "ak": ("ak",), "e": ("e",), "ei": ("ei", "ee", "i"),
    "eu": ("eu",), "em": ("em",), "eng": ("eng", "ing"), "ep": ("ep",), "ek": ("ek",), "i": ("i", "ee"),
    "iu": ("iu",), "im": ("im",), "in": ("in",), "ing": ("ing",), "ip": ("ip",), "it": ("it",), "ik": ("ik",),
    "o": ("o", "oh", "or"), "oi": ("oi", "oy"), "ou": ("o", "ou"), "on": ("on",), "ong": ("ong",), "ot": ("ot",),
    "ok": ("ok",), "u": ("u", "oo"), "ui": ("ui", "ooi"), "un": ("un", "oon"), "ung": ("ung",), "ut": ("ut",),
    "uk": ("uk",), "oe": ("oe", "euh"), "oeng": ("eung",), "oek": ("euk",), "eoi": ("ui", "eui", "ue"),
    "eon": ("un", "eun"), "eot": ("ut", "eut"), "yu": ("u", "ue", "yu"), "yun": ("un", "uen", "yun"),
    "yut": ("ut", "uet", "yut"), "m": ("m",), "ng": ("ng",)}


@lru_cache(maxsize=20_000)
def cantonese_spellings(jyutping: str) -> frozenset[str]:
    """How Hong Kong and Macau spell a Cantonese syllable written in Jyutping without its
    tone ("gwok": kwok; "zi": chi, tsz, tze, ...); empty for a word that is not one."""
    for size in (2, 1, 0):
        initial, final = jyutping[:size], jyutping[size:]
        if initial in _JYUT_INITIALS and final in _JYUT_FINALS and (size or final in ("m", "ng", "aa", "o", "e")
                                                                       or final[0] in "aeiouy"):
            break
    else:
        return frozenset()
    if initial == "j" and final.startswith("yu"):  # 余 jyu: yu, u; 袁 jyun: yuen, yun
        out = {f for f in _JYUT_FINALS[final]} | {"y" + f for f in _JYUT_FINALS[final] if not f.startswith("y")}
    else:
        out = {i + f for i in _JYUT_INITIALS[initial] for f in _JYUT_FINALS[final]}
    if initial in ("z", "c", "s") and final == "i":  # 志 zi: chi, tsz, tze; 詩 si: sze, see, si
        out |= {"sze", "see", "si"} if initial == "s" else {"chi", "tsz", "tze", "tsi"}
    out.add(jyutping)
    out.discard("")
    return frozenset(out)


# The readings of a name one syllable a word, and each syllable's spellings in lists.
PINYIN_SPLIT = "pinyin"  # the reading of a Chinese name one pinyin syllable a word
SYLLABLE_READINGS = {KOREAN_SPLIT: korean_spellings, CANTONESE_SPLIT: cantonese_spellings,
                     PINYIN_SPLIT: pinyin_readings}
# How an explanation names each reading (NormalizedName.describe).
READING_NAMES = {KOREAN_SPLIT: "Korean", CANTONESE_SPLIT: "Cantonese", PINYIN_SPLIT: "pinyin"}


@lru_cache(maxsize=100_000)
def syllable_similarity(reading: str, a: str, b: str) -> float:
    """A syllable of a name read one syllable a word (`reading`, a key of
    SYLLABLE_READINGS: a Korean syllable as anyascii reads it, a Cantonese one in
    Jyutping, a pinyin one) against a word of the other name: SAME_KEY_SIMILARITY when
    the word is one of the syllable's spellings (for pinyin, a Wade-Giles spelling that
    reads as it), either way round; 1.0 when the same; else 0."""
    if a == b:
        return 1.0
    spellings = SYLLABLE_READINGS[reading]
    return SAME_KEY_SIMILARITY if b in spellings(a) or a in spellings(b) else 0.0


# A Chinese name read in Korean is read in at most this many ways (a character with two
# readings, 金 금/김, 李 리/이, doubles them).
KOREAN_READINGS_MAX = 4


@lru_cache(maxsize=1)
def _hanja_readings() -> dict[str, tuple[str, ...]]:
    """Chinese character -> its Korean readings in Hangul, from Unihan (data/hanja_hangul.tsv,
    scripts/make_hanja_readings.py)."""
    from importlib import resources

    out = {}
    for line in resources.files("banscreen.data").joinpath("hanja_hangul.tsv").read_text("utf-8").splitlines():
        char, _, readings = line.partition("\t")
        out[char] = tuple(readings.split())
    return out


def korean_readings(text: str) -> tuple[str, ...]:
    """A name in Chinese characters read in Korean, in Hangul, as a Korean name written in
    hanja is read ("金鐵萬" -> "금철만", "김철만"): every combination of its characters'
    readings, at most KOREAN_READINGS_MAX; empty when a character has no Korean reading."""
    table = _hanja_readings()
    out = [""]
    for char in text:
        readings = table.get(char)
        if not readings:
            return ()
        out = [head + r for head in out for r in readings][:KOREAN_READINGS_MAX]
    return tuple(out)


def cantonese_reading(text: str) -> str | None:
    """A Chinese name of 2-4 characters read in Cantonese, one Jyutping syllable a word
    without tones ("郭家麒" -> "gwok gaa kei"); None when a character has no reading."""
    import ToJyutping

    syllables = []
    for _char, jyutping in ToJyutping.get_jyutping_list(text):
        if not jyutping:
            return None
        syllables.append(jyutping.rstrip("0123456789"))
    return " ".join(syllables)
