"""Reading and vetting user input before any analysis runs.

Every way a document can be unusable (missing, empty, binary, wrongly
encoded, too large, not English) becomes a specific :class:`InputError`
whose message says what to do about it. Nothing here prints or exits; the
CLI decides how errors reach the user.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from unspin.errors import (
    BinaryInputError,
    EmptyInputError,
    EncodingInputError,
    InputError,
    NotEnglishError,
    TooLargeInputError,
)
from unspin.text import Token, tokenize

DEFAULT_MAX_BYTES = 10 * 1000 * 1000

# Longest prefix first so a UTF-32 BOM is not mistaken for the UTF-16 one it starts with.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx/.odt/.epub, which are ZIP files)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Microsoft Office document (.doc/.xls)"),
    (b"\x7fELF", "an executable program (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

# Text files legitimately contain tabs, newlines, form feeds and the odd
# terminal escape; anything else below 0x20 is a sign of binary data.
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}
_CONTROL_SHARE_LIMIT = 0.05
_SNIFF_BYTES = 64 * 1024


def read_input(
    source: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
) -> str:
    """Read a document from a path, or from stdin when ``source`` is ``"-"``.

    Returns the decoded text, with any byte-order mark removed and nothing
    else changed. Raises a subclass of :class:`InputError` when the input is
    missing, empty, binary, undecodable or larger than ``max_bytes``.
    """
    name = "standard input" if str(source) == "-" else str(source)
    return decode_input(read_bytes(source, max_bytes), name=name, max_bytes=max_bytes, encoding=encoding)


def read_bytes(source: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The raw bytes of a file, or of stdin for ``"-"``, at most one byte past ``max_bytes``.

    One byte past the limit is enough to know the input is too big without
    pulling a multi-gigabyte file into memory.
    """
    if str(source) == "-":
        return sys.stdin.buffer.read(max_bytes + 1)
    return _read_file(Path(source), max_bytes)


def decode_input(
    data: bytes,
    *,
    name: str = "input",
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
) -> str:
    """Vet and decode raw bytes; the checks :func:`read_input` applies after reading."""
    if not data:
        raise EmptyInputError(f"{name} is empty; give it some English text to analyse")
    if len(data) > max_bytes:
        raise TooLargeInputError(
            f"{name} is larger than the limit of {_human(max_bytes)}; "
            "split it into smaller files or raise the limit with --max-bytes"
        )
    kind = _magic_kind(data)
    if kind:
        raise BinaryInputError(
            f"{name} looks like {kind}, not plain text; extract its text first and analyse that"
        )
    codec = _choose_codec(data, encoding)
    if not _is_wide(codec):
        _check_control_bytes(data, name)
    text = _decode(data, codec, name, explicit=encoding is not None)
    if _is_wide(codec):
        _check_control_chars(text, name)
    if not text.strip():
        raise EmptyInputError(f"{name} contains only whitespace; give it some English text to analyse")
    return text


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"file not found: {path}; check the path or use - to read standard input") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory; give the path of a text file") from None
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _magic_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def _choose_codec(data: bytes, encoding: str | None) -> str:
    if encoding is not None:
        # A UTF-8 BOM would otherwise survive as U+FEFF at offset 0.
        return "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return "utf-8-sig"


def _is_wide(codec: str) -> bool:
    return codec.lower().replace("_", "-").startswith(("utf-16", "utf-32", "utf16", "utf32"))


def _decode(data: bytes, codec: str, name: str, *, explicit: bool) -> str:
    try:
        text = data.decode(codec)
    except LookupError:
        raise InputError(f"unknown encoding {codec!r}; use a name such as utf-8, latin-1 or cp1252") from None
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex().upper()
        hint = (
            "check that this is the right encoding"
            if explicit
            else "if it uses another encoding, name it, e.g. --encoding latin-1"
        )
        raise EncodingInputError(
            f"{name} is not valid {_codec_label(codec)}: byte 0x{bad} at offset {exc.start} "
            f"cannot be decoded; {hint}"
        ) from None
    # Python's utf-16/32 codecs with an explicit endianness keep the BOM.
    return text[1:] if text.startswith("\ufeff") else text


def _codec_label(codec: str) -> str:
    return "UTF-8" if codec == "utf-8-sig" else codec


def _check_control_bytes(data: bytes, name: str) -> None:
    sample = data[:_SNIFF_BYTES]
    nul = sample.count(0)
    if nul:
        # Text in UTF-16 without a BOM is mostly ASCII with a NUL after (LE)
        # or before (BE) every character; point the user at the fix.
        hint = ""
        if nul >= len(sample) // 4:
            odd = sample[1::2].count(0)
            even = sample[0::2].count(0)
            if odd > 3 * even:
                hint = "; if it is UTF-16 text without a byte-order mark, pass --encoding utf-16-le"
            elif even > 3 * odd:
                hint = "; if it is UTF-16 text without a byte-order mark, pass --encoding utf-16-be"
        raise BinaryInputError(f"{name} contains NUL bytes, so it looks binary rather than plain text{hint}")
    control = sum(1 for b in sample if b in _CONTROL)
    if control > _CONTROL_SHARE_LIMIT * len(sample):
        raise BinaryInputError(
            f"{name} is {control * 100 // len(sample)}% control characters, so it looks binary "
            "rather than plain text; extract its text first and analyse that"
        )


def _check_control_chars(text: str, name: str) -> None:
    sample = text[:_SNIFF_BYTES]
    control = sum(1 for c in sample if ord(c) in _CONTROL)
    if control and (control > _CONTROL_SHARE_LIMIT * len(sample) or "\x00" in sample):
        raise BinaryInputError(f"{name} decodes to control characters, so it looks binary rather than text")


def _human(n: int) -> str:
    if n >= 1000 * 1000:
        return f"{n / 1e6:g} MB ({n} bytes)"
    if n >= 1000:
        return f"{n / 1e3:g} kB ({n} bytes)"
    return f"{n} bytes"


# ---------------------------------------------------------------------------
# Language check


def _vocab(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Closed-class words: frequent in any prose of their language. The foreign
# lists leave out words that are also everyday English (car, plus, a) so
# that English text cannot vouch for another language; a few overlaps the
# other way (in, an, was) only make the check more lenient towards English.
_ENGLISH = _vocab(
    """
    the a an in on of and to is that for it was with as by at from this be are or not but have has had
    which were been their they there these those its his her he she him them we our you your
    i my me us what when where who whom whose why how would could should will shall can may might
    must do does did done if than then so into onto over under about after before between through
    during without within against among because while also only just very more most such other
    some any each every all both either neither no nor up out off down again further once here
    same too own said says being am upon until since though although whether yet ever never
    """
)

_FOREIGN: dict[str, frozenset[str]] = {
    "French": _vocab(
        """
        le la les des du un une et est sont dans pour pas que qui sur avec au aux ce cette ces
        il elle ils elles nous vous je tu leur leurs mais ou donc ni été être avoir avait
        fait par comme tout très aussi sans sous entre selon après avant lors déjà où
        """
    ),
    "German": _vocab(
        """
        der die das den dem des und ist sind nicht ein eine einen einem einer eines mit von zu
        auf für bei aus nach auch wie oder aber sich sie er es wir ihr ich wird wurde wurden
        werden hat haben hatte dass im am zum zur vom über unter durch gegen noch nur schon sehr
        """
    ),
    "Spanish": _vocab(
        """
        el los las del y es son está están en por para con sin una uno unos unas que se lo su
        sus al como pero más muy ya también entre sobre según desde hasta cuando donde porque
        ha han fue fueron ser estar este esta estos estas ese esa
        """
    ),
}

# French elisions (l'homme, d'un, qu'il) arrive as single tokens.
_FRENCH_ELISION = re.compile(r"^(?:l|d|qu|c|j|n|s|m|t)['’]\w", re.IGNORECASE)

_MIN_WORDS = 5
_MIN_LETTERS = 15
_NON_LATIN_LIMIT = 0.30
_FOREIGN_MIN_SHARE = 0.15
_BARE_MIN_WORDS = 40
_BARE_ENGLISH_MIN = 0.06
_SAMPLE_CHARS = 20_000


def check_english(text: str, tokens: Sequence[Token] | None = None) -> None:
    """Raise :class:`NotEnglishError` when ``text`` is clearly not English.

    A cheap heuristic, tuned to let short English sentences through and
    to stop paragraphs in other languages or scripts: the share of letters
    outside ASCII/Latin-1, and the share of words that are common English
    function words compared with common French, German and Spanish ones.
    Texts of fewer than about five words are not judged. Only a leading
    sample of long texts is examined.
    """
    if tokens is None:
        tokens = tokenize(text[:_SAMPLE_CHARS])
    words = [t.text.lower() for t in tokens if t.kind == "word"][:5000]
    sample = text[: max((t.end for t in tokens[:5000]), default=0)] or text[:_SAMPLE_CHARS]
    letters = [c for c in sample if c.isalpha()]
    if len(words) < _MIN_WORDS and len(letters) < _MIN_LETTERS:
        return
    if letters:
        non_latin = sum(1 for c in letters if ord(c) > 0xFF) / len(letters)
        # Scripts without spaces (Chinese, Japanese) give few word tokens, so
        # judge them on letters before the word-count gate below.
        if len(letters) >= _MIN_LETTERS and non_latin > _NON_LATIN_LIMIT:
            raise NotEnglishError(
                f"the text does not look like English ({non_latin:.0%} of its letters are outside "
                "the Latin alphabet); unspin only models English. "
                "Use --any-language to analyse it anyway"
            )
    if len(words) < _MIN_WORDS:
        return
    english = sum(1 for w in words if w in _ENGLISH) / len(words)
    language, foreign = _best_foreign(words)
    if foreign >= _FOREIGN_MIN_SHARE and foreign > english:
        raise NotEnglishError(
            f"the text looks like {language}, not English ({foreign:.0%} of its words are common "
            f"{language} words, {english:.0%} common English ones); unspin only models English. "
            "Use --any-language to analyse it anyway"
        )
    if len(words) >= _BARE_MIN_WORDS and english < _BARE_ENGLISH_MIN:
        raise NotEnglishError(
            f"the text does not look like English (only {english:.0%} of its words are common "
            "English words); unspin only models English. Use --any-language to analyse it anyway"
        )


def _best_foreign(words: list[str]) -> tuple[str, float]:
    best, share = "", 0.0
    for language, vocab in _FOREIGN.items():
        hits = sum(1 for w in words if w in vocab)
        if language == "French":
            hits += sum(1 for w in words if _FRENCH_ELISION.match(w))
        if hits / len(words) > share:
            best, share = language, hits / len(words)
    return best, share
