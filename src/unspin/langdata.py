"""English language data used by the spinner and the restorer, kept apart from code."""

from __future__ import annotations

#: Function words: spinners leave them alone, and so does the restorer.
STOPWORDS = frozenset(
    """
    a an the and or but nor so yet for of in on at by to from with without into onto upon about above
    below over under between among through during before after since until till against across along
    around behind beyond near off out up down than then as if because while although though whether
    that this these those which who whom whose what when where why how there here
    i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its
    itself we us our ours ourselves they them their theirs themselves one ones
    be am is are was were been being have has had having do does did doing done
    will would shall should can could may might must ought not no nor n't 's 'm 're 've 'd 'll
    all any both each few more most other some such only own same too very just also even still
    again ever never always often already almost rather quite
    """.split()
)

#: Words that spinners insert without replacing anything.
FILLERS = frozenset(
    "actually very essentially really basically truly certainly definitely simply quite literally".split()
)

_ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
_CARDINAL_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


#: Spelled-out number -> digits, both directions are spinner rewrites.
NUMBER_WORDS: dict[str, str] = {w: str(i) for i, w in enumerate(_CARDINAL_WORDS)}
NUMBER_WORDS.update({w: f"{i}{_ordinal_suffix(i)}" for i, w in enumerate(_ORDINAL_WORDS, start=1)})
#: Digits -> spelled-out number.
DIGIT_WORDS: dict[str, str] = {d: w for w, d in NUMBER_WORDS.items()}
