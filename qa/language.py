"""A document's language, offline and deterministic, and what text analysis needs to know of it:
the Snowball stemmer, stop words and sentence-splitting hints (abbreviations, quotes).

Detection counts letters by script first. Cyrillic text is told apart (Russian, Kyrgyz,
Ukrainian, ...) by py3langid's naive Bayes model restricted to Cyrillic languages when it is
installed, else by the letters only some alphabets have (Kyrgyz ң ө ү, Ukrainian і ї є ґ).
Latin text stays English unless py3langid is sure (probability >= 0.99 over at least
MIN_LETTERS letters) that it is another language with a Snowball stemmer: a short English
note is never taken for something else, so English behaviour does not change.

>>> detect("Столица Киргизии — Бишкек, т. е. крупнейший город страны.")
'ru'
>>> stemmer_name("ru"), "и" in stopwords("ru"), "т. е." in abbreviations("ru")
('russian', True, True)
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from functools import lru_cache

logger = logging.getLogger(__name__)

DEFAULT = "en"
MIN_LETTERS = 200  # below this, a Latin text is taken as English without asking the model
_SAMPLE = 20_000   # characters read from the start of a document
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

NAMES = {
    "en": "english", "ru": "russian", "ky": "kyrgyz", "uk": "ukrainian", "kk": "kazakh",
    "be": "belarusian", "bg": "bulgarian", "sr": "serbian", "mk": "macedonian", "de": "german",
    "fr": "french", "es": "spanish", "it": "italian", "pt": "portuguese", "nl": "dutch",
    "sv": "swedish", "da": "danish", "no": "norwegian", "fi": "finnish", "hu": "hungarian",
    "ro": "romanian", "tr": "turkish", "pl": "polish", "cs": "czech", "lt": "lithuanian",
    "et": "estonian", "id": "indonesian", "ca": "catalan", "eu": "basque", "ga": "irish",
    "el": "greek", "hy": "armenian", "ar": "arabic", "fa": "persian", "hi": "hindi",
    "ne": "nepali", "ta": "tamil",
}
"""ISO 639-1 code -> language name (the names PyStemmer and the text analyser use)."""

_CODES = {name: code for code, name in NAMES.items()}

# Snowball stemmers (PyStemmer 3.x). Kyrgyz, Kazakh, Ukrainian and the other Cyrillic
# languages have none: their words are left unstemmed rather than cut by Russian rules.
_STEMMERS = frozenset({
    "english", "russian", "german", "french", "spanish", "italian", "portuguese", "dutch",
    "swedish", "danish", "norwegian", "finnish", "hungarian", "romanian", "turkish", "polish",
    "czech", "lithuanian", "estonian", "indonesian", "catalan", "basque", "irish", "greek",
    "armenian", "arabic", "persian", "hindi", "nepali", "tamil", "serbian",
})
_CYRILLIC_LANGS = ("ru", "ky", "uk", "kk", "be", "bg", "sr", "mk")
_LATIN_LANGS = tuple(c for c, n in NAMES.items() if n in _STEMMERS and c not in
                     ("ru", "sr", "el", "hy", "ar", "fa", "hi", "ne", "ta"))
_SPECIAL_LETTERS = {"ky": set("ңөү"), "uk": set("іїєґ"), "kk": set("әғқұһ"), "be": set("ўі")}

# Russian stop words: the Snowball Russian stop list (snowballstem.org, BSD licence), as
# written out in its stop.txt, less the inflected forms of "быть" and "мочь" that carry
# tense or modality a question can hinge on ("будет", "может"), which stay searchable.
_RUSSIAN_STOP = frozenset("""
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него
до вас нибудь опять уж вам ведь там потом себя ничего ей они тут где есть надо ней для мы
тебя их чем была сам чтоб без будто чего раз тоже себе под жизнь будет ж тогда кто этот того
потому этого какой совсем ним здесь этом один почти мой тем чтобы нее кажется сейчас были
куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти
нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше
чуть том нельзя такой им более всегда конечно всю между
""".split()) - {"будет", "жизнь", "два", "три", "хорошо", "лучше", "один", "можно", "нельзя"}

# What a question adds around its topic ("какой", "сколько", "назовите", "что такое", "каким
# образом"): content stop words drop these too, BM25 keeps them (a document rarely contains them,
# so they cost little). Left in, "какого" or "такое" became the question's focus (qa/answer/support.py).
_RUSSIAN_QUESTION = frozenset("""
какой какая какое какие каком какую каких каким какими сколько который которая которое
которые котором которую которых каков какова каково каковы почему зачем откуда куда когда
где кто что чем чём кем кого кому чей чья чьё чьи назовите назови скажите укажите это
также свой своя своё свои своих своим его её их было были был была является являются
какого какому какой какою каковой чему чьего чьей чьим чьих насколько образом
такое такая такие таких таким такую такими
""".split())

# Kyrgyz function words, written for qa from a Kyrgyz grammar's lists of conjunctions,
# postpositions, particles and pronouns (no PyPI package ships a Kyrgyz list).
_KYRGYZ_STOP = frozenset("""
жана менен үчүн бул ал да дагы эле деп болуп бирок же мен сен биз силер алар анын аны ага
андан мындай ошол ошондой бул эмне ким кайда качан канча кандай эмес бар жок ар бир бардык
башка ушул ошо катары жөнүндө боюнча аркылуу чейин кийин мурун менен анан эгер себеби
""".split())

_STOP = {"ru": _RUSSIAN_STOP | _RUSSIAN_QUESTION, "ky": _KYRGYZ_STOP}
_SEARCH_STOP = {"ru": _RUSSIAN_STOP, "ky": _KYRGYZ_STOP}

# Abbreviations after which a full stop does not end a sentence: "т. е." (that is), "г."
# (year / city), "гг.", "в." (century), "ул." (street), initials are handled by the splitter.
_ABBREVIATIONS = {
    "ru": ("т. е.", "т.е.", "т. к.", "т.к.", "т. д.", "т.д.", "т. п.", "т.п.", "и др.", "и пр.",
           "др.", "пр.", "г.", "гг.", "в.", "вв.", "н. э.", "н.э.", "до н. э.", "ул.", "д.",
           "пл.", "просп.", "обл.", "р-н.", "стр.", "с.", "см.", "ср.", "рис.", "табл.", "гл.",
           "им.", "ок.", "прим.", "напр.", "млн.", "млрд.", "тыс.", "руб.", "коп.", "долл.",
           "проф.", "акад.", "доц.", "тов.", "г-н.", "г-жа.", "т.н.", "т. н.", "т.о.", "т. о.",
           "ст.", "кв.", "км.", "м.", "кг.", "мин.", "сек.", "ч."),
    "ky": ("ж.", "ж.б.", "ж. б.", "б.з.ч.", "м.", "мис.", "ш.", "көч.", "обл.", "р-н.",
           "млн.", "млрд.", "миң."),
}

QUOTES = {"ru": ("«", "»", "„", "“"), "ky": ("«", "»", "„", "“"), "uk": ("«", "»", "„", "“")}
"""Opening and closing quotation marks a sentence may start or end with (besides ASCII ones)."""


def code(lang: str) -> str:
    """An ISO 639-1 code from a code or a language name: `code("russian") == "ru"`."""
    key = lang.strip().lower()
    return _CODES.get(key, key)


def name(lang: str) -> str:
    """A language name from a code or a name: `name("ru") == "russian"`."""
    return NAMES.get(code(lang), lang.strip().lower())


def detect(text: str) -> str:
    """The ISO 639-1 code of the main language of `text`; "en" when unsure.

    Deterministic: the same text always gives the same answer.
    """
    sample = text[:_SAMPLE]
    cyrillic = latin = 0
    for ch in _LETTER.findall(sample):
        script = _script(ch)
        cyrillic += script == "CYRILLIC"
        latin += script == "LATIN"
    if cyrillic > latin:
        return _cyrillic_language(sample)
    if latin < MIN_LETTERS:
        return DEFAULT
    guess, prob = _classify(sample, _LATIN_LANGS)
    return guess if guess and prob >= 0.99 else DEFAULT


def shared_script(question: str, texts: list[str]) -> float:
    """The share of the letters of `texts` written in the script most of `question`'s letters
    are in: 1.0 when the question has no letters (nothing to compare) or the texts none.

    The retriever weighs BM25 by it: an English question over Russian reports shares only their
    endnotes' and URLs' Latin letters, which BM25 would rank first (issue 27).

    >>> round(shared_script("Who founded Kloop?", ["Kloop основали выпускники.", "Бишкек"]), 2)
    0.17
    """
    mine = _scripts(question)
    if not mine:
        return 1.0
    script = max(mine, key=lambda s: (mine[s], s))
    theirs = _scripts("".join(texts))
    total = sum(theirs.values())
    return theirs.get(script, 0) / total if total else 1.0


def _scripts(text: str) -> dict[str, int]:
    """Letters per script: distinct characters are counted in C, then each named once."""
    counts: dict[str, int] = {}
    for ch, n in Counter(text).items():
        if ch.isalpha():
            script = _script(ch)
            counts[script] = counts.get(script, 0) + n
    return counts


def stemmer_name(lang: str) -> str | None:
    """The PyStemmer algorithm for `lang` (a code or a name), or None if Snowball has none."""
    n = name(lang)
    return n if n in _STEMMERS else None


def stopwords(lang: str) -> frozenset[str]:
    """Words a question's content terms leave out in `lang` (lower case).

    English keeps its own lists in the text analyser (qa/text.py), unchanged; this module adds
    the languages it knows ("ru", "ky"); any other language gets an empty set.
    """
    return _STOP.get(code(lang), frozenset())


def search_stopwords(lang: str) -> frozenset[str]:
    """The shorter list BM25 drops in `lang` (function words only, no question words)."""
    return _SEARCH_STOP.get(code(lang), frozenset())


def abbreviations(lang: str) -> tuple[str, ...]:
    """Abbreviations (with their full stops) after which a sentence does not end."""
    return _ABBREVIATIONS.get(code(lang), ())


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


def _cyrillic_language(sample: str) -> str:
    guess, _ = _classify(sample, _CYRILLIC_LANGS)
    if guess:
        return guess
    letters = sample.lower()
    counts = {lang: sum(letters.count(ch) for ch in chars) for lang, chars in _SPECIAL_LETTERS.items()}
    best = max(counts, key=lambda lang: (counts[lang], lang))
    total = sum(1 for ch in letters if _script(ch) == "CYRILLIC")
    return best if counts[best] >= max(3, total // 200) else "ru"


def _classify(sample: str, languages: tuple[str, ...]) -> tuple[str | None, float]:
    """py3langid's guess among `languages` and its probability; (None, 0) if it is not installed."""
    identifier = _identifier(languages)
    if identifier is None:
        return None, 0.0
    lang, prob = identifier.classify(sample)
    return str(lang), float(prob)


@lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...]):
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        logger.debug("py3langid is not installed: languages are told apart by script only")
        return None
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)  # an npz file
    identifier.set_languages(list(languages))
    return identifier
