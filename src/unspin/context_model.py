"""The fast path's context model: which of a word's neighbours belongs in this window.

The trigram model judges a swap by the two words before it. This model
reads three words on each side and the document's topic (the mean of its
content words' vectors) and scores any word of its table for the gap, so
"summit" can beat "top" in a text about presidents though both read well
after "a second". Its word vectors began as SmolLM2's input embeddings,
shrunk by a learned projection and stored as int8 rows; the layers on top are
small, so a document's positions are read in a few matrix products, and
the model works without the deep extra. ``bench/train_context.py`` fits it.

A linear probe on the same reading (``probe_features``) gives each gap the
log-odds that its written word was swapped in, whatever the options: a word
that sits oddly in its window ("onslaught" where "attack" was written) is
suspect even where no listed option fits better.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from .array_cache import file_stamp, load_or_build, versioned_folder
from .channel import lemmas_of
from .errors import DataError
from .evidence import Evidence
from .langdata import STOPWORDS
from .lexicon import cache_dir
from .memo import BoundedMemo
from .options import Position
from .probe import Probe
from .text import Token

#: Words read on each side of the gap by the shipped model.
WINDOW = 3
SHIPPED = "context_model.npz"
#: Version of the unpacked arrays kept in the cache.
CACHE_VERSION = 1
#: Word forms outside the table whose rows (their lemma's, or none) are kept at once.
INFLECTED_MEMO = 100_000
_LAYERS = ("mix_w", "mix_b", "topic_w", "hidden_w", "hidden_b", "out_w", "out_b", "bias_w")


def content_positions(tokens: Sequence[Token]) -> list[int]:
    """Tokens the model was trained to fill: alphabetic words of three letters or more, not function words."""
    return [k for k, t in enumerate(tokens)
            if t.kind == "word" and len(t.text) > 2 and t.text.isalpha() and t.lower not in STOPWORDS]


def pack(words: Sequence[str], arrays: Mapping[str, np.ndarray],
         path: Path | None = None) -> dict[str, np.ndarray]:
    """The model's arrays as shipped: the word table as int8 rows with a scale each, the layers as float32.

    ``arrays["table"]`` has a zero row 0 for words it does not hold and then
    one row per word of ``words``. Written to ``path`` when given.
    """
    table = np.asarray(arrays["table"], dtype=np.float32)
    scale = np.abs(table).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    packed = {"words": np.array("\n".join(words)),
              "table": np.round(table / scale[:, None]).astype(np.int8),
              "scale": scale.astype(np.float32),
              **{k: np.asarray(arrays[k], dtype=np.float32) for k in _LAYERS}}
    if path is not None:
        buf = io.BytesIO()
        np.savez_compressed(buf, **packed)
        Path(path).write_bytes(buf.getvalue())
    return packed


def unpacked(packed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays the model reads, from those :func:`pack` writes: the table as float32, and each
    word's output vector and bias worked out once for the whole table."""
    try:
        table = packed["table"].astype(np.float32) * packed["scale"][:, None]
        layers = {k: np.asarray(packed[k], dtype=np.float32) for k in _LAYERS}
    except KeyError as exc:
        raise DataError(f"the context model lacks {exc}: reinstall unspin") from exc
    bias = table @ layers["bias_w"]
    bias[0] = 0.0
    return {"table": table, "out": table @ layers["out_w"] + layers["out_b"], "bias": bias,
            **{k: layers[k] for k in ("mix_w", "mix_b", "topic_w", "hidden_w", "hidden_b")}}


_UNPACKED = ("table", "out", "bias", "mix_w", "mix_b", "topic_w", "hidden_w", "hidden_b")


class ContextModel:
    """Scores words for a gap from the words around it and the document's topic.

    ``words`` name the table's rows from 1 on; ``arrays`` are :func:`unpacked`'s.
    """

    def __init__(self, words: Sequence[str], arrays: Mapping[str, np.ndarray],
                 stamp: list[object] | None = None, name: str = "context-model") -> None:
        self.row = {w: i + 1 for i, w in enumerate(words)}
        #: How analyses record the model.
        self.name = name
        #: What the shipped file's cache entries are keyed by (None: a model kept in memory only).
        self.stamp = stamp
        # Bounded: a long scan meets new word forms without end.
        self._inflected: BoundedMemo[str, int] = BoundedMemo(INFLECTED_MEMO)
        self.table, self.out, self.bias = arrays["table"], arrays["out"], arrays["bias"]
        self.mix_w, self.mix_b = arrays["mix_w"], arrays["mix_b"]
        self.topic_w = arrays["topic_w"]
        self.hidden_w, self.hidden_b = arrays["hidden_w"], arrays["hidden_b"]
        #: Words read on each side, as the first layer's width says.
        self.window = self.mix_w.shape[0] // (2 * self.table.shape[1])

    @classmethod
    def from_packed(cls, packed: Mapping[str, np.ndarray]) -> ContextModel:
        """The model from :func:`pack`'s arrays."""
        return cls(str(packed["words"]).split("\n"), unpacked(packed))

    def rows(self, words: Sequence[str]) -> np.ndarray:
        """Table rows of lower-cased words; 0 for a word the table does not hold."""
        get = self.row_of
        return np.fromiter((get(w) for w in words), dtype=np.int64, count=len(words))

    def rows_with_none(self, vocabulary: Sequence[str]) -> np.ndarray:
        """:meth:`rows` of another model's ``vocabulary``, with a last entry 0 for its id -1.

        Kept in the user cache, keyed by the words, for the shipped model:
        reading every inflected form as its lemma takes a second.
        """
        def build() -> dict[str, np.ndarray]:
            return {"rows": np.append(self.rows(vocabulary), 0)}

        if self.stamp is None:
            return build()["rows"]
        inputs = [*self.stamp, hashlib.sha1("\n".join(vocabulary).encode()).hexdigest()]
        folder = versioned_folder(cache_dir(), "context-rows", CACHE_VERSION, inputs)
        return load_or_build(folder, ("rows",), build)["rows"]

    def row_of(self, word: str) -> int:
        """A lower-cased word's row; an inflected form the table lacks reads as its lemma (0: neither)."""
        found = self.row.get(word)
        if found is None:
            found = self._inflected.get(word)
            if found is None:
                lemma = next((r for r in map(self.row.get, lemmas_of(word)) if r), 0)
                found = self._inflected.remember(word, lemma)
        return found

    def queries(self, tokens: Sequence[Token], positions: Sequence[int],
                ends: Sequence[int] | None = None) -> np.ndarray:
        """The model's reading of each gap: one vector per position, to dot with output vectors.

        With ``ends``, gap n spans tokens ``positions[n]`` to ``ends[n]`` (exclusive), as a phrase
        the spinner wrote for one word does ("go to" for "visit"): the words around the span are read.
        """
        ids = self.rows([t.lower for t in tokens])
        content = ids[content_positions(tokens)]
        content = content[content > 0]
        total = self.table[content].sum(axis=0)
        at = np.asarray(positions, dtype=np.int64)
        # The topic leaves out the gap's own word, as in training.
        topic = (total - self.table[ids[at]]) / max(len(content) - 1, 1)
        w = self.window
        padded = np.concatenate([np.zeros(w, np.int64), ids, np.zeros(w, np.int64)])
        stop = at + 1 if ends is None else np.asarray(ends, dtype=np.int64)
        before, after = padded[at[:, None] + np.arange(w)], padded[stop[:, None] + w + np.arange(w)]
        window = np.concatenate([before, after], axis=1)
        x = self.table[window].reshape(len(at), -1)
        h = _gelu(x @ self.mix_w + self.mix_b + topic @ self.topic_w)
        return h @ self.hidden_w + self.hidden_b

    def probe_features(self, tokens: Sequence[Token], at: Sequence[int], q: np.ndarray,
                       own: np.ndarray) -> np.ndarray:
        """What the fast path's probe reads at each gap ``at[n]`` (read as ``q[n]``, written word
        ``own[n]``): the model's reading of the gap, the written word's row, the two multiplied
        through the word's output vector term by term (its score, spread out), the word's bias and
        whether it is capitalised."""
        capitalised = np.fromiter((tokens[k].text[:1].isupper() for k in at), dtype=np.float32, count=len(at))
        return np.concatenate([q, self.table[own], q * self.out[own], self.bias[own][:, None],
                               capitalised[:, None]], axis=1)

    def log_odds(self, tokens: Sequence[Token], asked: Mapping[int, Sequence[str]]) -> dict[int, np.ndarray]:
        """Per position: each asked word's log-odds of filling the gap against the word written there.

        A word the table does not hold, or a gap whose written word it does
        not hold, gets 0: no evidence either way.
        """
        positions = list(asked)
        if not positions:
            return {}
        own = self.rows([tokens[k].lower for k in positions])
        parts = [self.rows(asked[k]) if own[n] else np.zeros(len(asked[k]), dtype=np.int64)
                 for n, k in enumerate(positions)]
        sizes = [len(part) for part in parts]
        odds = self.against_written(self.queries(tokens, positions), own, np.concatenate(parts),
                                    np.repeat(np.arange(len(positions)), sizes))
        return dict(zip(positions, np.split(odds, np.cumsum(sizes)[:-1]), strict=True))

    def against_written(self, q: np.ndarray, own: np.ndarray, rows: np.ndarray,
                        which: np.ndarray) -> np.ndarray:
        """Each row's score for gap ``which`` (read as ``q[which]``) less that of the word written
        there (row ``own[which]``); 0 where the row is 0, a word the table does not hold."""
        written = np.einsum("ij,ij->i", self.out[own], q) + self.bias[own]
        scores = np.einsum("ij,ij->i", self.out[rows], q[which]) + self.bias[rows]
        return np.where(rows > 0, scores - written[which], 0.0)


def _gelu(x: np.ndarray) -> np.ndarray:
    # GELU's tanh form, as trained; x * x * x, since a float power is many times slower.
    return 0.5 * x * (1.0 + np.tanh(x * (0.7978845608028654 + 0.035677408136300125 * x * x)))


@cache
def shipped_context_model() -> ContextModel | None:
    """The model that ships in the package, or None where this build has none.

    Its unpacked arrays are kept in the user cache and memory-mapped after the
    first run: unpacking takes a quarter of a second, a start of ``unspin
    check`` about half a second in all.
    """
    path = Path(str(resources.files("unspin") / "data" / SHIPPED))
    if not path.is_file():
        return None
    try:
        with np.load(path) as npz:
            words = str(npz["words"]).split("\n")
            folder = versioned_folder(cache_dir(), "context-model", CACHE_VERSION, file_stamp(path))
            arrays = load_or_build(folder, _UNPACKED, lambda: unpacked(npz))
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"the context model at {path} cannot be read ({exc}): reinstall unspin") from exc
    dim = arrays["table"].shape[1]
    # The file's size tells one fitted model from another without reading it whole.
    return ContextModel(words, arrays, file_stamp(path), f"context:{dim}x{len(words)}:{path.stat().st_size}")


def option_log_odds(model: ContextModel, tokens: Sequence[Token], positions: Sequence[Position],
                    lm_rows: np.ndarray, probe: Probe | None = None) -> dict[int, Evidence]:
    """Per position index: the log-odds of each option (listed ones first, then swaps held as
    columns) against the written word, 0 for an option of several words; and, with a ``probe``,
    its log-odds that the written word was swapped in (else 0). A one-word option for a phrase
    is read in the gap the whole phrase leaves, against the phrase's first word read there.

    ``lm_rows`` maps the n-gram model's word ids to table rows, with a last entry 0 for id -1.
    All positions' options are scored in one pass: a document has thousands of them, and
    per-position array work would cost more than the scoring.
    """
    written = [(p, model.row_of(tokens[p.index].lower)) for p in positions]
    asked = [p for p, row in written if row]
    if not asked:
        return {}
    own = np.array([row for _, row in written if row], dtype=np.int64)
    at = np.array([p.index for p in asked], dtype=np.int64)
    listed: list[int] = []  # rows of options held as objects, in order, and where their spans end
    listed_ends: list[int] = []
    columns = [p.swaps for p in asked if p.swaps is not None]
    n_listed, n_swaps = [], []
    for pos in asked:
        for o in pos.listed:
            listed.append(model.row_of(o.words[0]) if len(o.words) == 1 else 0)
            listed_ends.append(o.j)
        n_listed.append(len(pos.listed))
        n_swaps.append(0 if pos.swaps is None else len(pos.swaps))
    if columns:
        firsts = np.concatenate([c.first_ids for c in columns])
        one = np.concatenate([c.n_words for c in columns]) == 1
        swapped = np.where(one, lm_rows[firsts], 0)
        swapped_ends = np.concatenate([c.ends for c in columns])
    else:
        swapped = swapped_ends = np.zeros(0, dtype=np.int64)
    # Each position's listed rows, then its swaps' rows.
    numbered = np.arange(len(asked))
    owner = np.concatenate([np.repeat(numbered, n_listed), np.repeat(numbered, n_swaps)])
    order = np.argsort(owner, kind="stable")
    owner = owner[order]
    rows = np.concatenate([np.array(listed, dtype=np.int64), swapped])[order]
    stops = np.concatenate([np.array(listed_ends, dtype=np.int64), swapped_ends])[order]
    # Without this, a phrase the spinner wrote ("go to" for "visit") got no evidence at all:
    # 150 of the 512 swaps the decoder missed on MyThes-spun tuning text were such phrases.
    phrase = (stops > at[owner] + 1) & (rows > 0)
    spans, inverse = np.unique(np.stack([owner[phrase], stops[phrase]]), axis=1, return_inverse=True)
    # Every gap is read in one pass: each position's own, then each phrase span's.
    gaps = np.concatenate([numbered, spans[0]])
    q = model.queries(tokens, at[gaps], np.concatenate([at + 1, spans[1]]))
    which = owner.copy()
    which[phrase] = len(asked) + inverse.ravel()
    odds = model.against_written(q, own[gaps], rows, which)
    ends = np.cumsum(np.add(n_listed, n_swaps))[:-1]
    priors = (probe.logits(model.probe_features(tokens, at, q[:len(asked)], own)).tolist()
              if probe is not None else [0.0] * len(at))
    return {k: Evidence(deltas, prior)
            for k, deltas, prior in zip(at.tolist(), np.split(odds, ends), priors, strict=True)}
