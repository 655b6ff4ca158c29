"""The question words, number and date words and capital letters of languages other than English,
for the answer's asked-for kind and names (qa/answer/features.py, support.py).

English is read by features.py's own patterns, as before; the rows here only ever match words in
their own alphabet, so an English question or sentence reads exactly as it did. Russian questions
used to ask for no kind ("Сколько", "Когда", "Кто" matched no English pattern), had no names
(capitals were A-Z only), and "четырьмя" or "мая" were neither a quantity nor a date: the scorer
saw a Russian question as one asking for nothing in particular, about nothing named.

>>> wants("сколько стран находится в бассейне амазонки?"), wants("в каком году был основан город?")
('number', 'date')
>>> wants("кто был лидером команды?"), wants("где родился тесла?"), wants("что такое сепсис?")
('person', 'place', None)
>>> [w for w in "Дэвис собрал четыре мешка 12 мая".lower().split() if number_word(w) or date_word(w)]
['четыре', 'мая']
"""

from __future__ import annotations

import re

CAPITALS = "A-ZА-ЯЁ"
"""Capital letters a name may start with (a character class): Latin and Cyrillic."""

# first match wins, on the lowercased question, after features._WANTS (English) found nothing
_RUSSIAN_WANTS = (
    ("date", re.compile(r"^\W*(?:\w+\W+)?когда\b|\b(?:с каких пор|как давно|"
                        r"в как(?:ом|ой|ие|ую) (?:году|годах|веке|веках|месяце|день|десятилетии|период|время|дату|"
                        r"эпоху|столетии|число)|"
                        r"как(?:ого|ой|ая|ие|ое) (?:года|числа|месяца|века|год|дата|даты|век|месяц|день|десятилетия)|"
                        r"до как(?:ого|ой) (?:года|времени))\b")),
    ("number", re.compile(r"\b(?:сколько|насколько|как (?:много|долго|часто|далеко|велик\w*)|"
                          r"как(?:ой|ая|ое|ов|ова|ово|овы)(?: (?:был|была|было|были|будет|примерно|общ\w+))? "
                          r"(?:процент|доля|количество|число|численность|сумма|"
                          r"размер|площадь|длина|высота|ширина|глубина|стоимость|цена|бюджет|расстояние|скорость|"
                          r"температура|масса|вес|возраст|население)|"
                          r"какой (?:процентной|частью))\b")),
    ("person", re.compile(r"\b(?:кто|кого|кому|кем|ком|чей|чья|чь[её]|чьи|чьего|чьей|чьим|"
                          r"как (?:зовут|звали|фамилия|имя))\b")),
    ("place", re.compile(r"\b(?:где|откуда|куда|столиц\w*|"
                         r"в как(?:ой|ом|их) (?:стране|странах|городе|городах|регионе|штате|месте|районе|области|"
                         r"провинции|части света|округе)|"
                         r"как(?:ой|ая|ое|ие) (?:страна|город|регион|штат|место|континент|остров|район|область|"
                         r"провинция|округ))\b")),
)

_RUSSIAN_ASKS = {
    "number": re.compile(r"\b(?:сколько|какое количество|какой процент)\b", re.IGNORECASE),
    "date": re.compile(r"^\W*(?:\w+\W+)?когда\b|\b(?:в|до|с) как(?:ом|ого|ой) (?:году|года|веке|века|месяце|"
                       r"месяца|десятилетии)\b|\bкакого (?:года|числа)\b", re.IGNORECASE),
}
"""Where a Russian question asks for the kind in so many words (support._ASKS for English):
"сколько", and "когда" as its first or second word or "в каком году"."""

# Number words in any case: "четыре", "четырьмя", "девяти", "двух", "тысяч", "половину".
_RUSSIAN_NUMBER = re.compile(
    r"(?:один|одна|одно|одного|одной|одному|одним|одну|"
    r"два|две|двух|двум|двумя|оба|обе|обоих|три|трех|трёх|трем|трём|тремя|"
    r"четыре|четырех|четырёх|четырем|четырём|четырьмя|"
    r"(?:пят|шест|сем|восем|восьм|девят|десят|"
    r"(?:один|две|три|четыр|пят|шест|сем|восем|девят)надцат|двадцат|тридцат)(?:ь|и|ью)|"
    r"сорок|сорока|девяносто|девяноста|сто|ста|сотни|сотня|сотен|сотнями|"
    r"(?:пят|шест|сем|восем)(?:ьдесят|идесяти|ьюдесятью)|"
    r"двести|двухсот|триста|трехсот|трёхсот|четыреста|четырехсот|четырёхсот|"
    r"(?:пят|шест|сем|восем|девят)(?:ьсот|исот)|"
    r"тысяч\w*|миллион\w*|миллиард\w*|триллион\w*|млн|млрд|тыс|"
    r"половин\w*|четверт\w*|треть|трети|десят(?:ок|ка|ки|ков)|дюжин\w*|"
    r"процент\w*|нескольк\w*|полтор\w*)")

_RUSSIAN_DATE = re.compile(
    r"(?:январ|феврал|март|апрел|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*|ма[йяюе]|"
    r"век|века|веке|веков|веках|столети\w*|десятилети\w*|"
    r"год|года|году|годом|годы|годов|годах|гг|лет|"
    r"полдень|полдня|полночь|полуночи|утро|утра|утром|утру|вечер\w*|ноч\w*|рассвет\w*|сумерк\w*|"
    r"ежедневн\w*|еженедельн\w*|ежемесячн\w*|ежегодн\w*|сегодня|вчера|завтра|"
    r"понедельник\w*|вторник\w*|сред[ауы]|четверг\w*|пятниц\w*|суббот\w*|воскресень\w*|"
    r"весн\w*|весной|лет[оау]|летом|осен\w*|зим[аеуыой]\w*")

_RUSSIAN_FRAME = ("название названия называется называются называлась назывался называлось называли "
                  "называют имя имени зовут тип типа типы вида сорт часть роль цель причина способ пример "
                  "термин слово слова означает означало случилось произошло происходит")
"""Russian words that only frame what is asked ("как называется", "какого типа"), as
features.FRAME_WORDS for English: never the focus."""


_CYRILLIC_STEM = re.compile(r"[а-яё]{4,}")


def related_terms(term: str) -> tuple[str, ...]:
    """Other Snowball stems of the same Russian word family, to look up with `term` where a word's
    presence in the documents is judged (support.evidence): the Russian stemmer keeps a verb's
    "-ова-" in some forms only and gives its noun a stem of its own ("препятствуют" -> препятств,
    "препятствовали" -> препятствова; "извинилась" -> извин, "извинения" -> извинен;
    "организует" -> организ, "организация" -> организац), so a question word was counted as
    absent from documents that say it in another form. Empty for other words (English ones).

    >>> related_terms("препятств")
    ('препятствова', 'препятствован', 'препятствен', 'препятствн', 'препятствац')
    >>> related_terms("block"), related_terms("год")
    ((), ())
    """
    if not _CYRILLIC_STEM.fullmatch(term):
        return ()
    base = term[:-3] if term.endswith("ова") and len(term) > 6 else term
    out = [base, base + "ова", base + "ован", base + "ен", base + "н", base + "ац"]
    return tuple(dict.fromkeys(t for t in out if t != term))


def wants(lowered: str) -> str | None:
    """The kind a non-English (lowercased) question asks for: "date", "number", "person",
    "place" or None."""
    return next((kind for kind, pattern in _RUSSIAN_WANTS if pattern.search(lowered)), None)


def asks_kind(kind: str | None, question: str) -> bool:
    """Whether a non-English question asks for `kind` in so many words (support._ASKS)."""
    pattern = _RUSSIAN_ASKS.get(kind or "")
    return pattern is not None and bool(pattern.search(question))


def number_word(word: str) -> bool:
    """A (lowercased) number word of another language than English: "четырьмя", "тысяч"."""
    return _RUSSIAN_NUMBER.fullmatch(word) is not None


def date_word(word: str) -> bool:
    """A (lowercased) month, date or time word of another language than English: "мая", "веке"."""
    return _RUSSIAN_DATE.fullmatch(word) is not None


def frame_words() -> frozenset[str]:
    """The content terms (stemmed) of the framing words of other languages than English."""
    from ..text import content_terms

    return frozenset(content_terms(_RUSSIAN_FRAME))
