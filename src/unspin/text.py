"""Tokens and sentences with exact character offsets into the input.

The tokenizer never normalises the input: every token is a slice of the
original string, so downstream spans can always be mapped back exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .langdata import STOPWORDS

# Order matters: abbreviations and numbers must win over plain words and
# punctuation so that "U.S." or "3.5%" stay one token.
_TOKEN_RE = re.compile(
    r"""
    (?P<abbr>(?:[A-Za-z]\.){2,}(?![A-Za-z]))              # U.S.  e.g.  a.m.
    |(?P<title>(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Gov|Sen|Rep|Lt|Col|Capt|Sgt|Mt|vs|etc|Inc|Ltd|Corp|Co|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)
    |(?P<number>[$€£]?\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|s|%|bn|m|k)?(?![\w]))
    |(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*)
    |(?P<alnum>\w+)
    |(?P<punct>\S)
    """,
    re.VERBOSE,
)

_SENT_END = {".", "!", "?"}
_CLOSERS = {'"', "'", "”", "’", ")", "]"}
_STRAIGHT_QUOTES = {'"', "'"}
# After these a capital letter may only mark the start of a sentence or quotation, not a name.
_OPENERS = {*_SENT_END, '"', "'", "“", "‘", "(", "[", ":", "-", "–", "—"}


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``text == source[start:end]``; ``kind`` is word, number or punct."""

    text: str
    start: int
    end: int
    kind: str

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.kind == "word"

    @property
    def is_capitalized(self) -> bool:
        return self.text[:1].isupper()


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens whose offsets index the exact input."""
    tokens = []
    for m in _TOKEN_RE.finditer(text):
        group = m.lastgroup or "punct"
        kind = {"abbr": "word", "title": "word", "alnum": "number"}.get(group, group)
        tokens.append(Token(m.group(), m.start(), m.end(), kind))
    return tokens


def sentences(tokens: list[Token]) -> list[tuple[int, int]]:
    """Group tokens into sentences, returned as half-open token index ranges.

    A sentence ends at ., ! or ? (plus any closing quotes or brackets) when
    the next token starts with a capital letter, a digit or an opening quote.
    Abbreviation tokens keep their dot, so "Mr. Smith" does not split.
    """
    bounds: list[tuple[int, int]] = []
    start = 0
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        if tok.kind == "punct" and tok.text in _SENT_END:
            j = i + 1
            # A straight quote closes only when it touches the punctuation; after a space it opens.
            while j < n and tokens[j].text in _CLOSERS and (
                tokens[j].text not in _STRAIGHT_QUOTES or tokens[j].start == tokens[j - 1].end
            ):
                j += 1
            nxt = tokens[j] if j < n else None
            if nxt is None or nxt.text[:1].isupper() or nxt.text[:1].isdigit() or nxt.text in {'"', "“", "("}:
                bounds.append((start, j))
                start = j
                i = j
                continue
        i += 1
    if start < n:
        bounds.append((start, n))
    return bounds


def case_mode(template: str) -> str:
    """The capitalisation pattern of ``template``: "upper", "title" or "lower"."""
    if len(template) > 1 and template.isupper():
        return "upper"
    return "title" if template[:1].isupper() else "lower"


def cased(word: str, mode: str) -> str:
    """``word`` in capitalisation ``mode``: "lower" (as it is), "title", "upper", or "name" (every
    word capitalised but the small function words after the first)."""
    if mode == "lower":
        return word
    if mode == "title":
        return word[:1].upper() + word[1:]
    if mode == "upper":
        return word.upper()
    parts = word.split(" ")
    return " ".join(p if k and p in STOPWORDS else p[:1].upper() + p[1:] for k, p in enumerate(parts))


def match_case(template: str, word: str) -> str:
    """Give ``word`` the capitalisation pattern of ``template`` (lower, Title or UPPER)."""
    return cased(word, case_mode(template))


def case_modes(tokens: Sequence[Token], i: int, j: int) -> tuple[str, str]:
    """The :func:`cased` modes of an original standing for ``tokens[i:j]``: one of one word, then one
    of several.

    Inside a name ("the Great Hall of the Individuals", "Winter Games") every
    word of a multi-word original is capitalised but the small function words,
    so "winter olympics" comes back as "Winter Olympics", not "Winter olympics".
    Elsewhere the original takes the first observed word's pattern.
    """
    single = case_mode(tokens[i].text)
    words = [t.text for t in tokens[i:j] if t.kind == "word" and t.text not in STOPWORDS]
    titled = bool(words) and all(w[:1].isupper() and not w.isupper() for w in words)
    sentence_start = i == 0 or tokens[i - 1].text in _OPENERS
    return single, single if not titled or (len(words) < 2 and sentence_start) else "name"


def restore_case(tokens: Sequence[Token], i: int, j: int, original: str) -> str:
    """``original`` cased to stand in for ``tokens[i:j]`` (see :func:`case_modes`)."""
    return cased(original, case_modes(tokens, i, j)[" " in original])


def leading_sentences(text: str, n_words: int) -> str:
    """The text up to the end of the first sentence at which ``n_words`` words are reached."""
    tokens = tokenize(text)
    count = 0
    for lo, hi in sentences(tokens):
        count += sum(1 for t in tokens[lo:hi] if t.kind == "word")
        if count >= n_words:
            return text[: tokens[hi - 1].end]
    return text
