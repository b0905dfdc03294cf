"""Decoding bytes into text: :func:`decode_bytes` and :func:`has_arabic`.

:func:`decode_bytes` turns a file's bytes into text (UTF-8 with or without BOM, UTF-16 and
UTF-32 with or without BOM, Windows-1256, ISO-8859-6, then whatever charset-normalizer
finds). The corpus readers and :mod:`arclf.prediction.inputs` (the articles to classify) use it.
"""

from __future__ import annotations

import codecs
import re

from arclf.errors import InputError

__all__ = ["has_arabic", "decode_bytes"]

#: Arabic letters (not digits, punctuation or marks): the Arabic block, Arabic Supplement,
#: Arabic Extended-A and the presentation forms.
_ARABIC_LETTER = re.compile(
    "[\u0620-\u063f\u0641-\u064a"  # ARABIC LETTER KASHMIRI YEH .. YEH, without \u0640 ARABIC TATWEEL
    "\u066e\u066f\u0671-\u06d3\u06d5"  # DOTLESS BEH, DOTLESS QAF, ALEF WASLA .. YEH BARREE WITH HAMZA, AE
    "\u06ee\u06ef\u06fa-\u06fc\u06ff"  # DAL/REH WITH INVERTED V, SHEEN/DAD/GHAIN WITH DOT BELOW, HEH WITH INVERTED V
    "\u0750-\u077f"  # Arabic Supplement (letters)
    "\u08a0-\u08c9"  # Arabic Extended-A (letters)
    "\ufb50-\ufd3d\ufd50-\ufdfb"  # Arabic Presentation Forms-A (letters and ligatures, not the ornate parentheses)
    "\ufe80-\ufefc]"  # Arabic Presentation Forms-B (letters, not the spacing marks \ufe70-\ufe7f)
)
#: C0 control characters that never occur in text (tab, line feed, form feed, carriage return do).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN1_LETTER = re.compile("[\u00c0-\u00ff]")  # LATIN CAPITAL LETTER A WITH GRAVE .. SMALL Y WITH DIAERESIS
#: What plain Arabic or Latin text is NOT made of: used to pick a BOM-less UTF-16 byte order
#: (a wrong order turns Arabic and ASCII into CJK, dingbats, Gurmukhi...).
_NOT_TEXT_LIKE = re.compile(
    "[^\t\n\r\x0b\x0c\x20-\x7e\xa0-\u07ff"  # printable ASCII, Latin, Greek, Cyrillic, Hebrew, Arabic...
    "\u200c-\u200f\u2010-\u2027"  # ZERO WIDTH NON-JOINER .. RIGHT-TO-LEFT MARK, dashes, quotes, ellipsis
    "\ufb50-\ufeff]"  # Arabic presentation forms .. ZERO WIDTH NO-BREAK SPACE
)

#: Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Legacy Arabic code pages tried, in order, on bytes that are not UTF-8 or UTF-16.
_LEGACY_ARABIC = ("cp1256", "iso8859-6")
#: Arabic-script code pages charset-normalizer must not pick once those above have failed:
#: they turn accented Latin letters into Arabic ones (``'\xe9'`` is a letter in cp1006).
_ARABIC_CODEPAGES = ["cp1256", "iso8859_6", "cp720", "cp864", "cp1006"]
#: Share of text-like characters a BOM-less UTF-16 reading needs to be accepted.
_UTF16_MIN = 0.95
#: Share of C0 control characters above which decoded bytes are called binary.
_CONTROL_MAX = 0.01


def has_arabic(text: str) -> bool:
    """Whether ``text`` holds at least one Arabic letter (digits and punctuation do not count).

    Examples
    --------
    >>> has_arabic("\\u0628\\u064a\\u062a"), has_arabic("123 \\u060c hello")  # BEH YEH TEH; ARABIC COMMA
    (True, False)
    """
    return _ARABIC_LETTER.search(text) is not None


def _arabic_share(text: str) -> tuple[float, float]:
    """(Arabic letters, Latin-1 accented letters) as shares of all letters in ``text``."""
    letters = len(_LETTER.findall(text)) or 1
    return len(_ARABIC_LETTER.findall(text)) / letters, len(_LATIN1_LETTER.findall(text)) / letters


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """Read ``data`` as UTF-16 (or UTF-32) without a byte order mark, if that gives text.

    Wrong byte orders turn Arabic and ASCII into CJK, dingbats and Gurmukhi, so the reading
    whose characters are nearly all Latin, Arabic or common punctuation wins.
    """
    if len(data) % 2:
        return None
    best = None
    for encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")[: 4 if len(data) % 4 == 0 else 2]:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = 1 - len(_NOT_TEXT_LIKE.findall(text)) / max(len(text), 1)
        if share >= _UTF16_MIN and (best is None or share > best[0]):
            best = (share, text, encoding)
    return (best[1], best[2]) if best else None


def _legacy(data: bytes) -> tuple[str, str] | None:
    """Decode with a legacy Arabic code page when that yields Arabic, else charset-normalizer.

    charset-normalizer alone often calls Windows-1256 Arabic ``cp1252`` or a Mac code page;
    an Arabic code page wins when most letters come out Arabic and few come out as the
    accented Latin letters a wrong Arabic code page produces (ISO-8859-6 read as cp1256).
    """
    for encoding in _LEGACY_ARABIC:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        arabic, latin1 = _arabic_share(text)
        if arabic >= 0.5 and latin1 < 0.02:
            return text, encoding
    from charset_normalizer import from_bytes  # slow to import: only for the rare leftovers

    best = from_bytes(data, cp_exclusion=_ARABIC_CODEPAGES).best()
    return (str(best), best.encoding) if best is not None else None


def _binary(text: str) -> bool:
    """Too many control characters for text."""
    return len(_CONTROL.findall(text)) > _CONTROL_MAX * len(text)


def decode_bytes(data: bytes, *, name: str) -> tuple[str, str]:
    """Decode a text file's bytes, detecting the encoding.

    Order: a byte order mark (UTF-8, UTF-16, UTF-32); UTF-16 without BOM when there are NUL
    bytes (or when the UTF-8 reading is full of control characters); otherwise trailing NUL
    padding and stray NULs (at most 1 % of the bytes) are dropped; UTF-8; the Arabic code
    pages Windows-1256 then ISO-8859-6, each only if most letters come out Arabic; last,
    charset-normalizer's best guess among non-Arabic code pages (so a French Latin-1 file
    decodes to French and is then refused for having no Arabic letters). The DOS Arabic
    code pages (720, 864) are not detected. A leading BOM is removed.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        Shown in error messages (a path, ``<stdin>``...).

    Returns
    -------
    text : str
    encoding : str
        Python codec name: ``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``utf-16-be``,
        ``utf-32-le``, ``utf-32-be``, ``cp1256``, ``iso8859-6`` or charset-normalizer's.

    Raises
    ------
    InputError
        Binary data (NUL bytes that are not UTF-16, or control characters) or bytes no
        encoding reads.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding.replace("-sig", "")), encoding
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: starts with a {encoding} byte order mark but is not valid {encoding} "
                                 f"(byte {exc.start + len(bom)}); re-save it as UTF-8") from None
    if b"\x00" in data:
        found = _bomless_utf16(data)
        if found is not None:
            return found
        # not UTF-16: NUL padding (old Windows tools end files with one) or a few stray NULs in text
        data = data.rstrip(b"\x00")
        if data.count(0) > _CONTROL_MAX * len(data):
            raise InputError(f"{name}: binary data (NUL bytes), not text; "
                             f"give a text file (UTF-8), e.g. the article copied into a .txt file")
        data = data.replace(b"\x00", b"")
    try:
        found = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        found = None
    if found is None or _binary(found[0]):  # Arabic UTF-16 with no ASCII in it is valid (control-ridden) UTF-8
        found = _bomless_utf16(data) or (found if found else _legacy(data))
    if found is None or _binary(found[0]):
        raise InputError(f"{name}: binary or undecodable data, not text in UTF-8, UTF-16 or Windows-1256; "
                         f"re-save it as UTF-8 text")
    return found
