"""Word alignment of a spun copy with its candidate source: passages, substitutions, similarity.

The copy and the source are aligned word by word (difflib's longest
matching blocks, case-folded). Identical runs anchor the alignment; a gap
between two anchors is read as a substitution (spun words -> source words)
when it is short on both sides, which is what a spinner leaves. Anchors
and substitutions chained by such gaps form the aligned passages.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from .text import Token, tokenize

#: The longest gap (in words, on either side) still read as one substitution.
MAX_GAP = 5
#: Matching runs shorter than this are coincidences unless they sit between longer ones.
MIN_ANCHOR = 2
#: A passage shorter than this, or with fewer identical words than this share, is a coincidence
#: (unrelated texts share short runs such as "the end of the"); its substitutions go with it.
MIN_PASSAGE_WORDS = 8
MIN_IDENTICAL_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Substitution:
    """Copy words [start, end) stand where the source has ``source_text`` [source_start, source_end)."""

    start: int
    end: int
    text: str
    source_start: int
    source_end: int
    source_text: str


@dataclass(frozen=True, slots=True)
class Passage:
    """An aligned stretch: copy characters [start, end) came from source [source_start, source_end)."""

    start: int
    end: int
    source_start: int
    source_end: int
    words: int


@dataclass(slots=True)
class Alignment:
    """How much of the copy a source explains, and where."""

    #: Share of the copy's words inside aligned passages (identical or substituted).
    containment: float
    #: Share of the copy's words identical to the source inside the passages.
    identical: float
    passages: list[Passage]
    substitutions: list[Substitution]
    copy_words: int


def _words(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.kind != "punct"]


def align(copy: str, source: str) -> Alignment:
    """Align ``copy`` with ``source``; offsets are characters of the exact strings given."""
    cw, sw = _words(tokenize(copy)), _words(tokenize(source))
    matcher = SequenceMatcher(None, [t.lower for t in cw], [t.lower for t in sw], autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size >= MIN_ANCHOR]
    passages: list[Passage] = []
    subs: list[Substitution] = []
    identical = 0
    run: list = []  # anchors of the passage being built
    run_subs = 0  # substitutions before this passage's

    def close() -> None:
        nonlocal identical, run_subs
        if not run:
            return
        first, last = run[0], run[-1]
        a0, b0 = first.a, first.b
        a1, b1 = last.a + last.size - 1, last.b + last.size - 1
        words = a1 - a0 + 1
        same = sum(b.size for b in run)
        if words >= MIN_PASSAGE_WORDS and same >= MIN_IDENTICAL_SHARE * words:
            passages.append(Passage(cw[a0].start, cw[a1].end, sw[b0].start, sw[b1].end, words))
            identical += same
        else:
            del subs[run_subs:]
        run_subs = len(subs)
        run.clear()

    for block in blocks:
        if run:
            prev = run[-1]
            gap_a = block.a - (prev.a + prev.size)
            gap_b = block.b - (prev.b + prev.size)
            if 0 <= gap_a <= MAX_GAP and 0 <= gap_b <= MAX_GAP and (gap_a or gap_b):
                if gap_a:
                    # Copy words between anchors: swapped words, or (facing no source words) inserted ones.
                    a0, a1 = prev.a + prev.size, block.a - 1
                    b0, b1 = prev.b + prev.size, block.b - 1
                    s0 = sw[b0].start
                    s1 = sw[b1].end if gap_b else s0
                    subs.append(Substitution(cw[a0].start, cw[a1].end, copy[cw[a0].start : cw[a1].end],
                                             s0, s1, source[s0:s1]))
            elif not (gap_a == 0 and gap_b == 0):
                close()
        run.append(block)
    close()
    n = max(len(cw), 1)
    covered = sum(p.words for p in passages)
    return Alignment(covered / n, identical / n, passages, subs, len(cw))
