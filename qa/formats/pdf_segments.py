"""PDF characters -> segments: what PDFium says of each character (its text, baseline origin, box
and angle), cut into segments at line breaks and wide gaps, upright whatever the page's rotation.
Slanted (italic) type counts as level; a line turned against the page's text (a margin stamp) is
left out. `pdf_columns` puts the segments in reading order.
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter

from .cleanup import SPACING_ACCENTS, accented, normalize
from .pdf_page import ENDS_NUMBER, GAP, STARTS_NUMBER, Segment


def page_segments(textpage, width: float, height: float) -> tuple[list[Segment], float, float]:
    """Segments of a PDFium text page, upright whatever the page's rotation: (segments, width, height).

    Per character two calls into PDFium (origin and box); font size and angle are asked once per
    line PDFium found, and a line turned against the page's text (a margin stamp) is left out.
    """
    import pypdfium2.raw as raw

    n = textpage.count_chars()
    if n <= 0:
        return [], width, height
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # characters outside the BMP: read them one by one (UTF-16 units)
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i)) for i in range(n))
        # A surrogate pair is one character: kept whole at its first unit (the second is dropped).
        text = re.sub("[\ud800-\udbff][\udc00-\udfff]", lambda m: m.group().encode(
            "utf-16-le", "surrogatepass").decode("utf-16-le") + "\u200b", text)
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]+", text)]
    angles: Counter[int] = Counter()
    matrix = raw.FS_MATRIX()
    line_info = []
    for a, b in lines:
        k = a
        while k < b and text[k].isspace():
            k += 1
        if k == b:
            line_info.append(None)
            continue
        angle = _baseline_angle(textpage, k, matrix)
        quadrant = int(round(angle / (math.pi / 2))) % 4 if angle >= 0 else 0
        turned = angle >= 0 and abs(angle - quadrant * math.pi / 2) > 0.05 and abs(angle - 2 * math.pi) > 0.05
        line_info.append((quadrant, turned))
        if not turned:
            angles[quadrant] += b - a
    if not angles:
        return [], width, height
    quadrant = angles.most_common(1)[0][0]
    theta = quadrant * math.pi / 2
    cos, sin = round(math.cos(theta)), -round(math.sin(theta))  # PDFium turns clockwise
    corners = [(x * cos + y * sin, -x * sin + y * cos) for x in (0, width) for y in (0, height)]
    min_x, max_y = min(c[0] for c in corners), max(c[1] for c in corners)
    page_w = max(c[0] for c in corners) - min_x
    page_h = max_y - min(c[1] for c in corners)
    upright = quadrant % 2 == 0

    ox, oy = ctypes.c_double(), ctypes.c_double()
    rect = raw.FS_RECTF()
    origin, loose = raw.FPDFText_GetCharOrigin, raw.FPDFText_GetLooseCharBox
    rect_ref = ctypes.byref(rect)
    segments: list[Segment] = []
    for (a, b), info in zip(lines, line_info):
        if info is None or info[0] != quadrant or info[1]:
            continue  # blank, or turned against the page: margin stamps, axis labels
        parts: list[str] = []
        boxes: list[tuple[float, float] | None] = []  # x extent of each of `parts`, if a glyph's
        words: list[list[float]] = []  # x extent of each word of the segment
        heights: list[float] = []
        x0 = x1 = base = size = 0.0
        last = None
        space = False
        for i in range(a, b):
            ch = text[i]
            if ch.isspace():
                space = True
                continue
            if ch in "\x02\ufffe":  # a line-end hyphen PDFium found (its position is not the glyph's)
                if parts:
                    parts.append("-")
                    boxes.append(None)
                continue
            origin(textpage, i, ox, oy)
            loose(textpage, i, rect_ref)
            if upright:
                w, h = abs(rect.right - rect.left), abs(rect.top - rect.bottom)
            else:
                w, h = abs(rect.top - rect.bottom), abs(rect.right - rect.left)
            rx, ry = ox.value * cos + oy.value * sin - min_x, max_y - (-ox.value * sin + oy.value * cos)
            if parts and abs(ry - base) <= size and _accent_over(parts, boxes, ch, rx + w / 2):
                continue  # an accent drawn over a letter after it ("Farber" then "\u00a8" over its a)
            if ch.isalpha() and parts and boxes[-1] and rx - 1 <= sum(boxes[-1]) / 2 <= rx + w + 1 \
                    and abs(ry - base) <= size and (letter := accented(ch, parts[-1])):
                ch = letter  # an accent drawn before the letter it is over
                parts.pop(), boxes.pop(), heights.pop()
                if not parts or parts[-1] == " ":
                    words.pop()
            if parts and last is not None and abs(rx - last[1]) < 1 and abs(ry - last[2]) < 1:
                if rx == last[1] and ry == last[2] and (ch != last[0] or ch == "f"):
                    parts.append(ch)  # the second letter of a ligature ("ffi" is one glyph)
                    boxes.append(None)
                    continue
                if ch == last[0]:
                    continue  # the same glyph drawn twice (fake bold, a shadow): read once
            if parts:
                gap = rx - x1
                numbers = gap > 0.6 * size and parts[-1][-1:] in ENDS_NUMBER and ch in STARTS_NUMBER
                if abs(ry - base) > 0.5 * size or gap < -0.6 * size - 1 or gap > GAP * size or numbers:
                    _add(segments, parts, x0, x1, base, _type_size(heights), words)
                    parts, boxes, words, heights = [], [], [], []
                elif space or gap > 0.25 * size:
                    parts.append(" ")
                    boxes.append(None)
            if not parts:
                size = max(h, 1.0)  # the font's height on the page, whatever the text matrix
                x0, base = rx, ry
            elif h > size and abs(ry - base) < 0.2 * h:
                size = h  # the segment's largest type on its baseline ("DATES: The FAA ...")
            if not parts or parts[-1] == " ":
                words.append([rx, rx + w])
            else:
                words[-1][1] = max(words[-1][1], rx + w)
            parts.append(ch)
            boxes.append((rx, rx + w))
            heights.append(max(h, 1.0))
            x1 = max(x1, rx + w) if len(parts) > 1 else rx + w
            last = (ch, rx, ry)
            space = False
        if parts:
            _add(segments, parts, x0, x1, base, _type_size(heights), words)
    return segments, page_w, page_h


def _accent_over(parts: list[str], boxes: list[tuple[float, float] | None], ch: str, middle: float) -> bool:
    """Put the spacing accent `ch` on the letter of `parts` it is drawn over (its middle inside the
    letter's box), if they make one character; whether it did."""
    if ch not in SPACING_ACCENTS:
        return False
    for k in range(len(parts) - 1, max(len(parts) - 40, 0) - 1, -1):
        box = boxes[k]
        if box is not None and box[0] - 0.5 <= middle <= box[1] + 0.5:
            letter = accented(parts[k], ch)
            if letter:
                parts[k] = letter
            return letter is not None
    return False


def _type_size(heights: list[float]) -> float:
    """A segment's size: its largest type ("DATES: The FAA ..."), but not a lone glyph of a math
    font whose box is twice the text's ("a dense vector v"), which would cut the paragraph."""
    if not heights:
        return 1.0
    middle = sorted(heights)[len(heights) // 2]
    return max(h for h in heights if h <= 1.6 * middle)


def _baseline_angle(textpage, index: int, matrix) -> float:
    """The clockwise angle of a character's baseline, in [0, 2pi); -1 if PDFium cannot say.

    PDFium's own FPDFText_GetCharAngle reads the angle off the matrix's c entry, so a slanted
    (synthetic italic) font counts as turned by its slant; the baseline is the matrix's x unit.
    """
    import pypdfium2.raw as raw

    if not raw.FPDFText_GetMatrix(textpage, index, matrix):
        return -1.0
    angle = math.atan2(-matrix.b, matrix.a)
    return angle + 2 * math.pi if angle < 0 else angle


def _add(segments: list[Segment], parts: list[str], x0: float, x1: float, base: float, size: float,
         words: list[list[float]]) -> None:
    s = normalize("".join(parts)).strip()
    if s:
        spans = tuple((a, b) for a, b in words) if len(s.split()) == len(words) else ()
        segments.append(Segment(s, x0, x1, base, size, spans))
