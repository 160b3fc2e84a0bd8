"""The web page of `unspin serve`, end to end in a real headless browser (Debian's chromium, Playwright)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("fastapi", reason="the server needs the serve extra: pip install '.[serve]'")
httpx = pytest.importorskip("httpx", reason="the server needs the serve extra: pip install '.[serve]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright (the test extra)")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium: apt-get install chromium", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# The emoji is one code point but two UTF-16 units: the page must convert the API's offsets.
SPUN = "📈 " + (EXAMPLES / "spun_wikinews.txt").read_text(encoding="utf-8").strip()
HOSTILE = ("\n\n<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"
           "<b>bold?</b>")


@pytest.fixture(scope="module")
def server(live_server):
    return live_server("--workers", "1", "--time-limit", "120")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        # Playwright's own browser download is not used: CI installs Debian's chromium.
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that must ask nothing of any host but the local server and must raise no errors."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    urls: list[str] = []
    problems: list[str] = []
    pg.on("request", lambda r: urls.append(r.url))
    pg.on("pageerror", lambda exc: problems.append(str(exc)))
    pg.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    context.close()
    assert urls, "the page made no requests at all"
    assert [u for u in urls if urlsplit(u).scheme not in {"blob", "data"}
            and urlsplit(u).hostname != "127.0.0.1"] == []
    assert problems == []


def api(server: str, path: str, **kwargs) -> httpx.Response:
    r = httpx.post(f"{server}{path}", timeout=120, **kwargs)
    r.raise_for_status()
    return r


def shown(spans: list[dict]) -> list[dict]:
    """The spans the marked text shows: in order, each overlapping the one before left out."""
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s["start"]):
        if s["start"] >= pos:
            out.append(s)
            pos = s["end"]
    return out


def analyse_pasted(page, server: str, text: str) -> None:
    page.goto(server)
    page.get_by_label("Text to check").fill(text)
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#results")).to_be_visible()


def marks(page, panel: str) -> list[tuple[str, str]]:
    """Each swap's text and the text of the note that describes it."""
    return page.evaluate("""(panel) => [...document.querySelectorAll(`#${panel} mark, #${panel} ins`)].map(
        (m) => [m.textContent, document.getElementById(m.getAttribute('aria-describedby')).textContent])""",
                         panel)


def test_pasted_text_gets_verdict_marked_swaps_and_restored_text(page, server):
    expected = api(server, "/v1/analyze", json={"text": SPUN}).json()
    spans = shown(expected["spans"])
    assert expected["is_spun"] and len(spans) >= 5
    analyse_pasted(page, server, SPUN)

    status = page.get_by_role("status")
    expect(status).to_contain_text("Likely spun: probability over 99%")
    found = marks(page, "marked")
    assert [text for text, _ in found] == [s["text"] for s in spans]
    for (_, note), s in zip(found, spans, strict=True):
        # How sure the original is follows it, when the analysis estimates that.
        sure = "" if s["original_score"] is None else f" ({s['original_score']:.2f})"
        assert f"likely original “{s['original']}”{sure}, confidence {s['score']:.2f}" in note
    # The note is what assistive technology announces for the mark.
    expect(page.locator("#marked mark").first).to_have_accessible_description(
        re.compile(re.escape(f"“{spans[0]['original']}”")))
    assert page.text_content("#marked") == SPUN
    expect(page.locator("#trace")).to_be_hidden()  # this server has no index

    page.get_by_label("Restored in place").check()
    expect(page.locator("#marked")).to_be_hidden()
    expect(page.locator("#restored")).to_be_visible()
    assert page.text_content("#restored") == expected["restored_text"]
    assert [text for text, _ in marks(page, "restored")] == [s["original"] for s in spans]

    page.get_by_label("Side by side").check()
    left, right = page.locator("#marked").bounding_box(), page.locator("#restored").bounding_box()
    assert right["x"] > left["x"] + left["width"] / 2
    # On a phone the two texts stack, and nothing needs sideways scrolling.
    page.set_viewport_size({"width": 360, "height": 800})
    top, below = page.locator("#marked").bounding_box(), page.locator("#restored").bounding_box()
    assert below["y"] > top["y"] + top["height"] / 2
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_chosen_likelihood_keeps_only_the_surer_swaps_and_reaches_the_report(page, server):
    every = shown(api(server, "/v1/analyze", json={"text": SPUN}).json()["spans"])
    sure = api(server, "/v1/analyze", json={"text": SPUN, "min_score": 0.8}).json()
    assert 0 < len(shown(sure["spans"])) < len(every)
    page.goto(server)
    page.get_by_label("Text to check").fill(SPUN)
    page.get_by_label("Show the swaps").select_option(label="at least 80% likely")
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#results")).to_be_visible()
    assert [text for text, _ in marks(page, "marked")] == [s["text"] for s in shown(sure["spans"])]
    assert page.text_content("#restored") == sure["restored_text"]
    with page.expect_download() as info:
        page.get_by_role("button", name="Download HTML report").click()
    report = Path(info.value.path()).read_text(encoding="utf-8")
    wanted = {"text": SPUN, "min_score": 0.8, "title": "unspin report"}
    assert report == api(server, "/v1/report", json=wanted).text


def test_keyboard_reaches_a_swap_and_its_tooltip(page, server):
    expected = shown(api(server, "/v1/analyze", json={"text": SPUN}).json()["spans"])
    page.goto(server)
    page.get_by_label("Text to check").fill(SPUN)
    page.get_by_role("button", name="Analyse").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Likely spun")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "MARK":
            break
    assert page.evaluate("document.activeElement.textContent") == expected[0]["text"]
    tip = page.locator("#tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(f"likely original “{expected[0]['original']}”")
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()


def test_uploaded_text_and_pdf_files_are_analysed(page, server):
    from test_documents import make_pdf

    plain = SPUN.removeprefix("📈 ")  # the PDF's core font has no emoji
    page.goto(server)
    for name, mime, data in [("spun.txt", "text/plain", SPUN.encode()),
                             ("spun.pdf", "application/pdf", make_pdf([plain]))]:
        expected = api(server, "/v1/analyze-file", files={"file": (name, data, mime)}).json()
        page.locator("#file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
        expect(page.locator("#summary")).to_contain_text(f"from {name}")
        expect(page.get_by_role("status")).to_contain_text("Likely spun")
        assert [text for text, _ in marks(page, "marked")] == [s["text"] for s in shown(expected["spans"])]
        assert page.text_content("#marked") == expected["document"]["text"]
    # The PDF's text is not the pasted text (lines are broken): the page shows the text the offsets index.
    assert expected["document"]["kind"] == "pdf" and expected["document"]["text"] != plain
    expect(page.locator("#summary")).to_contain_text("(PDF, 1 page)")
    page.get_by_label("Restored in place").check()
    assert page.text_content("#restored") == expected["restored_text"]


def test_markup_in_a_document_is_shown_not_run(page, server):
    analyse_pasted(page, server, SPUN + HOSTILE)
    expect(page.locator("#marked")).to_contain_text("<script>window.__pwned = 1</script><img src=x")
    page.locator("#file").set_input_files(
        files=[{"name": "hostile.txt", "mimeType": "text/plain", "buffer": (SPUN + HOSTILE).encode()}])
    expect(page.locator("#summary")).to_contain_text("hostile.txt")
    expect(page.locator("#marked")).to_contain_text("<b>bold?</b>")
    assert page.locator("#results script, #results img, #results b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_downloads_are_the_api_analysis_and_the_html_report(page, server):
    analyse_pasted(page, server, SPUN)
    expect(page.get_by_role("status")).to_contain_text("Likely spun")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download JSON").click()
    assert info.value.suggested_filename == "text.unspin.json"
    downloaded = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert downloaded == api(server, "/v1/analyze", json={"text": SPUN}).json()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download HTML report").click()
    report = Path(info.value.path()).read_text(encoding="utf-8")
    assert report == api(server, "/v1/report", json={"text": SPUN, "title": "unspin report"}).text
    assert "<mark tabindex='0'" in report


def test_unusable_input_gets_a_clear_message(page, server):
    page.goto(server)
    page.get_by_role("button", name="Analyse").click()
    expect(page.get_by_role("alert")).to_have_text("Paste a text first, or choose a file.")
    page.locator("#file").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)}])
    expect(page.get_by_role("alert")).to_contain_text("photo.png is not a supported type")
    expect(page.get_by_role("status")).to_have_text("No result.")
    # A good text afterwards clears the message.
    page.get_by_label("Text to check").fill(SPUN)
    page.get_by_role("button", name="Analyse").click()
    expect(page.get_by_role("status")).to_contain_text("Likely spun")
    expect(page.get_by_role("alert")).to_be_hidden()


def test_the_api_reference_lists_every_endpoint_of_the_schema(page, server):
    schema = httpx.get(f"{server}/openapi.json", timeout=30).json()
    wanted = sorted(f"{m.upper()} {p}" for p, ms in schema["paths"].items() for m in ms)
    page.goto(f"{server}/docs")
    expect(page.get_by_role("status")).to_contain_text(f"{len(wanted)} endpoints")
    assert sorted(page.locator(".endpoint h2").all_inner_texts()) == wanted
    analyse = page.get_by_role("region", name="POST /v1/analyze", exact=True)
    expect(analyse.get_by_role("cell", name="text", exact=True)).to_be_visible()


def test_screenshot_of_a_result_is_not_blank(page, server, tmp_path):
    image = pytest.importorskip("PIL.Image", reason="reading the screenshot needs Pillow")
    analyse_pasted(page, server, SPUN)
    expect(page.get_by_role("status")).to_contain_text("Likely spun")
    path = tmp_path / "page.png"
    page.screenshot(path=str(path), full_page=True)
    with image.open(path) as img:
        rgb = img.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text is antialiased: many shades, not a flat fill
    counts = {colour: n for n, colour in colours}
    pixels = rgb.width * rgb.height
    assert max(counts.values()) < 0.9 * pixels
    # The marks' yellow and the verdict's red are painted, not just present in the DOM.
    assert counts.get((0xFF, 0xF1, 0xA8), 0) > 500
    assert counts.get((0xFD, 0xE2, 0xE1), 0) > 500


def test_trace_panel_names_the_source_when_the_server_has_an_index(page, live_server, tmp_path):
    from unspin.index import Index

    path = tmp_path / "news.idx"
    with Index(path) as ix:
        ix.add([("wn-150433", (EXAMPLES / "original_wikinews.txt").read_text(encoding="utf-8"))])
    server = live_server("--workers", "1", "--index", str(path))
    analyse_pasted(page, server, SPUN)
    expect(page.locator("#trace")).to_be_visible()
    expect(page.locator("#trace-status")).to_have_text("Traced to wn-150433.")
    expect(page.locator("#trace-matches li")).to_contain_text(["wn-150433: "])


def test_a_text_in_doubt_says_it_may_be_lightly_spun(page, server):
    clean = (EXAMPLES / "original_wikinews.txt").read_text(encoding="utf-8").strip()
    body = api(server, "/v1/analyze", json={"text": clean}).json()
    # The page renders what the API says; a doubtful verdict is staged by answering for the API.
    doubtful = {**body, "score": 0.8, "threshold": 0.97, "is_spun": False, "in_doubt": True, "spans": [],
                "restored_text": clean}
    page.route("**/v1/analyze", lambda route: route.fulfill(json=doubtful))
    analyse_pasted(page, server, clean)
    expect(page.get_by_role("status")).to_contain_text("Not judged spun: probability 80%")
    expect(page.get_by_role("status")).to_contain_text("it may be lightly spun")
    page.unroute("**/v1/analyze")
    analyse_pasted(page, server, clean)
    expect(page.get_by_role("status")).not_to_contain_text("lightly spun")


def test_a_text_the_cascades_fast_analysis_cleared_says_so(page, server):
    clean = (EXAMPLES / "original_wikinews.txt").read_text(encoding="utf-8").strip()
    body = api(server, "/v1/analyze", json={"text": clean}).json()
    # As a server started with --deep-from answers for a text the fast analysis scores under the cut.
    page.route("**/v1/analyze", lambda route: route.fulfill(json={**body, "stage": "fast"}))
    analyse_pasted(page, server, clean)
    expect(page.get_by_role("status")).to_contain_text("The fast analysis cleared it")
    page.unroute("**/v1/analyze")
    analyse_pasted(page, server, clean)
    expect(page.get_by_role("status")).not_to_contain_text("cleared it")


@pytest.mark.parametrize(("mode", "deep_from", "reads"), [
    ("fast", None, ""),
    ("deep", None, ", reading in deep mode"),
    ("cascade", 0.05, ", reading in deep mode what the fast analysis scores 0.05 or more"),
])
def test_the_footer_says_how_the_server_reads(page, server, mode, deep_from, reads):
    health = httpx.get(f"{server}/v1/health").json()
    # As servers started plain, with --deep and with --deep-from 0.05 answer.
    answer = {**health, "mode": mode, "deep_from": deep_from}
    page.route("**/v1/health", lambda route: route.fulfill(json=answer))
    page.goto(server)
    expect(page.locator("#version")).to_have_text(f"unspin {health['version']}{reads}.")
