"""English language data shared by the spinner and the restorer, kept apart from code."""

from __future__ import annotations

#: Function words: spinners leave them alone, and so does the restorer.
STOPWORDS = frozenset(
    """
    a an the this that these those some any each every either neither no none all both half
    i me my mine myself you your yours yourself yourselves he him his himself she her hers herself
    it its itself we us our ours ourselves they them their theirs themselves one ones
    who whom whose which what whatever whoever when where why how whether there here
    and or but nor so yet for if then than because while although though unless until since as
    of in on at by to from with without into onto upon about above below over under between among
    through throughout during before after against across along around behind beyond near off out up
    down via per within toward towards
    be am is are was were been being have has had having do does did doing done
    will would shall should can could may might must ought
    not never very too also just only even still again ever already almost quite rather such
    more most less least much many few other another same own
    n't 's 'm 're 've 'd 'll
    """.split()
)

#: Words the reference spinner inserts ("very" only before adjectives).
SPINNER_FILLERS = ("actually", "really", "essentially", "basically")
#: Words the restorer may read as inserted padding.
FILLERS = frozenset((*SPINNER_FILLERS, "very", "truly", "certainly", "definitely", "simply", "literally"))

_CARDINALS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
_ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: Spelled-out number -> digits ("second" -> "2nd", "three" -> "3").
NUMBER_WORDS: dict[str, str] = {w: str(i) for i, w in enumerate(_CARDINALS)}
NUMBER_WORDS.update({w: _ordinal(i) for i, w in enumerate(_ORDINALS, start=1)})
#: Digits -> spelled-out number.
DIGIT_WORDS: dict[str, str] = {d: w for w, d in NUMBER_WORDS.items()}
#: Both directions: the rewrites a spinner makes to numerals.
NUMERALS: dict[str, str] = {**NUMBER_WORDS, **DIGIT_WORDS}

#: Auxiliaries after which a verb stands as a past participle ("has taken", "was taken"),
#: contracted ("wasn't") as the tokenizer keeps them, one token each.
PARTICIPLE_AUXILIARIES = frozenset(
    "have has had having be is are was were been being am 're "
    "haven't hasn't hadn't isn't aren't wasn't weren't".split()
)
#: Endings of a token that holds such an auxiliary contracted ("they've", "he'd", "it's").
PARTICIPLE_AUXILIARY_ENDINGS = ("'ve", "'d", "'s")
#: Words that may stand between such an auxiliary and its participle ("has not yet taken").
BETWEEN_AUXILIARY_AND_PARTICIPLE = frozenset(
    "not never ever also already just yet still now all both since recently long once only always often "
    "even so far been being".split()
)
