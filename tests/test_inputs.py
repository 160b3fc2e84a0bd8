"""Input vetting: every unusable document gets its own error and a helpful message."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from unspin.errors import (
    BinaryInputError,
    EmptyInputError,
    EncodingInputError,
    InputError,
    NotEnglishError,
    TooLargeInputError,
)
from unspin.inputs import DEFAULT_MAX_BYTES, check_english, read_input

ENGLISH = "The Korean Central News Agency said the launch was a routine test of a new missile."


def write(tmp_path: Path, data: bytes, name: str = "doc.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_reads_plain_utf8(tmp_path: Path) -> None:
    assert read_input(write(tmp_path, ENGLISH.encode())) == ENGLISH


def test_accepts_str_path_and_keeps_line_endings(tmp_path: Path) -> None:
    text = "First line of text.\r\nSecond line café.\n"
    assert read_input(str(write(tmp_path, text.encode()))) == text


def test_default_limit_is_ten_megabytes() -> None:
    assert DEFAULT_MAX_BYTES == 10_000_000


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(EmptyInputError, match="empty"):
        read_input(write(tmp_path, b""))


def test_whitespace_only(tmp_path: Path) -> None:
    with pytest.raises(EmptyInputError, match="only whitespace"):
        read_input(write(tmp_path, b" \n\t\r\n  "))


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    with pytest.raises(BinaryInputError, match="NUL"):
        read_input(write(tmp_path, b"some text\x00\x01\x02 more text"))


def test_utf16_without_bom_gets_a_hint(tmp_path: Path) -> None:
    with pytest.raises(BinaryInputError, match="utf-16-le"):
        read_input(write(tmp_path, ENGLISH.encode("utf-16-le")))


def test_control_characters_are_binary(tmp_path: Path) -> None:
    data = bytes(range(1, 32)) * 20 + b"a few words"
    with pytest.raises(BinaryInputError, match="control characters"):
        read_input(write(tmp_path, data))


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04" + b"\x14\x00" * 10, "ZIP"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 10, "gzip"),
    ],
)
def test_binary_magic_numbers_are_named(tmp_path: Path, data: bytes, kind: str) -> None:
    with pytest.raises(BinaryInputError, match=kind):
        read_input(write(tmp_path, data))


def test_latin1_bytes_fail_with_offset_and_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "A café in the square.".encode("latin-1"))
    with pytest.raises(EncodingInputError) as info:
        read_input(path)
    assert "offset 5" in info.value.message
    assert "--encoding latin-1" in info.value.message


def test_latin1_with_explicit_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "A café in the square.".encode("latin-1"))
    assert read_input(path, encoding="latin-1") == "A café in the square."


def test_unknown_encoding_name(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown encoding"):
        read_input(write(tmp_path, b"hello there"), encoding="no-such-codec")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path: Path, codec: str) -> None:
    data = ENGLISH.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    assert read_input(write(tmp_path, data)) == ENGLISH


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    assert read_input(write(tmp_path, b"\xef\xbb\xbf" + ENGLISH.encode())) == ENGLISH


def test_utf8_bom_is_stripped_with_explicit_encoding(tmp_path: Path) -> None:
    assert read_input(write(tmp_path, b"\xef\xbb\xbf" + ENGLISH.encode()), encoding="UTF-8") == ENGLISH


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, b"word " * 100)
    with pytest.raises(TooLargeInputError) as info:
        read_input(path, max_bytes=100)
    assert "--max-bytes" in info.value.message
    assert "split" in info.value.message


def test_exactly_at_the_limit_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, b"x" * 100)
    assert read_input(path, max_bytes=100) == "x" * 100


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as info:
        read_input(tmp_path / "nope.txt")
    assert type(info.value) is InputError


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        read_input(tmp_path)


class _FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _FakeStdin(ENGLISH.encode()))
    assert read_input("-") == ENGLISH


def test_stdin_reads_no_more_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeStdin(b"y" * 1000)
    monkeypatch.setattr(sys, "stdin", fake)
    with pytest.raises(TooLargeInputError, match="standard input"):
        read_input("-", max_bytes=10)
    assert fake.buffer.tell() == 11


def test_errors_are_input_errors_with_exit_code_2(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_input(write(tmp_path, b""))
    assert info.value.exit_code == 2


# ---------------------------------------------------------------------------
# Language check

ENGLISH_TEXTS = [
    ENGLISH,
    "North Korea fired three ballistic missiles into the sea on Tuesday.",
    "Korean Central News Firm reports successful missile launch test near coast",
    "Scientists say global temperatures rose sharply last year, breaking records set decades ago.",
    "He said 'c'est la vie' and left the room with the others after dinner.",
    "Zoë and Renée visited the café in Zürich with their friend José last summer.",
]

FOREIGN_TEXTS = {
    "French": (
        "Le gouvernement a annoncé mardi de nouvelles mesures pour lutter contre l'inflation, "
        "qui reste élevée dans la plupart des pays européens. Les syndicats ont critiqué ce plan."
    ),
    "German": (
        "Die Bundesregierung hat am Montag neue Maßnahmen beschlossen, um die Inflation zu "
        "bekämpfen. Die Opposition kritisierte den Plan als unzureichend und forderte mehr Hilfe."
    ),
    "Spanish": (
        "El presidente del gobierno anunció ayer que las nuevas medidas entrarán en vigor la "
        "próxima semana, según fuentes oficiales consultadas por este periódico."
    ),
    "Chinese": "北韩周二向海上发射了三枚弹道导弹，日本和韩国政府对此表示强烈抗议并召开紧急会议。",
    "Russian": "Северная Корея во вторник запустила три баллистические ракеты в сторону Японского моря.",
}


@pytest.mark.parametrize("text", ENGLISH_TEXTS)
def test_english_passes(text: str) -> None:
    check_english(text)


@pytest.mark.parametrize("language", sorted(FOREIGN_TEXTS))
def test_other_languages_fail(language: str) -> None:
    with pytest.raises(NotEnglishError, match="--any-language"):
        check_english(FOREIGN_TEXTS[language])


@pytest.mark.parametrize("language", ["French", "German", "Spanish"])
def test_message_names_the_language(language: str) -> None:
    with pytest.raises(NotEnglishError, match=language):
        check_english(FOREIGN_TEXTS[language])


@pytest.mark.parametrize("text", ["Bonjour mes amis", "Guten Tag", "你好", "Hola"])
def test_very_short_texts_are_not_judged(text: str) -> None:
    check_english(text)


def test_accepts_precomputed_tokens() -> None:
    from unspin.text import tokenize

    text = FOREIGN_TEXTS["German"]
    with pytest.raises(NotEnglishError):
        check_english(text, tokenize(text))
    check_english(ENGLISH, tokenize(ENGLISH))


def test_long_text_without_english_function_words_fails() -> None:
    # Italian: none of the three named languages, but plainly not English either.
    italian = (
        "Il governo italiano ha approvato ieri sera il nuovo decreto sulle pensioni, dopo una "
        "lunga riunione del consiglio dei ministri. Secondo il ministro, le misure entreranno "
        "in vigore il prossimo mese e riguarderanno circa due milioni di lavoratori del settore "
        "pubblico e privato, con particolare attenzione alle donne e ai giovani precari."
    )
    with pytest.raises(NotEnglishError):
        check_english(italian)
