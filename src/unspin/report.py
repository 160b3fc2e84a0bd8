"""A self-contained HTML report of one analysis (``unspin check --html report.html``).

One file, no scripts and no outside assets, so it opens anywhere, offline,
and can be mailed or archived. Every piece of the analysed text goes
through :func:`html.escape`: a document containing ``<script>`` is shown,
never run. Each swap is a focusable ``<mark>`` whose ``title`` and
visually hidden note give its likely original and confidence, so mouse,
keyboard and screen-reader users get the same information.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from .result import IN_DOUBT_ADVICE, Analysis, Span

if TYPE_CHECKING:
    from .paper import PaperReport

_STYLE = """
body{font:16px/1.6 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
.verdict{padding:.6rem 1rem;border-radius:.4rem;font-weight:600}
.advice{color:#6b4e00}
.spun{background:#fde2e1;color:#7a1410}.clean{background:#dff3e3;color:#134d22}
.text{white-space:pre-wrap;border:1px solid #ccc;border-radius:.4rem;padding:1rem}
mark{background:#fff1a8;color:#1b1b1b;border-bottom:2px solid #b58900;padding:0 .1em}
mark:focus{outline:3px solid #1a56db}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table{border-collapse:collapse;margin-top:.5rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
footer{margin-top:2rem;color:#555;font-size:.85rem}
"""


def render_html(a: Analysis, title: str = "unspin report") -> str:
    """The analysis as one HTML document: verdict, the text with swaps marked, the restored text."""
    verdict = "Likely spun" if a.is_spun else "Not judged spun"
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>",
             "<meta name='viewport' content='width=device-width,initial-scale=1'>",
             f"<style>{_STYLE}</style></head><body><main>",
             f"<h1>{escape(title)}</h1>",
             f"<p class='verdict {'spun' if a.is_spun else 'clean'}' role='status'>{verdict}: "
             f"score {a.score:.2f} (threshold {a.threshold:.2f}), {len(a.spans)} likely "
             f"swap{'' if len(a.spans) == 1 else 's'} in {a.n_words} words</p>",
             f"<p class='advice'>{escape(IN_DOUBT_ADVICE)}</p>" if a.in_doubt else "",
             "<h2 id='marked'>Text, with likely swaps marked</h2>",
             f"<div class='text' aria-labelledby='marked'>{_marked(a.text, a.spans)}</div>"]
    if a.spans:
        parts.append("<h2 id='restored'>Restored text</h2>")
        parts.append(f"<div class='text' aria-labelledby='restored'>{escape(a.restored_text)}</div>")
        parts.append("<h2>Swaps</h2><table><thead><tr><th scope='col'>Found</th>"
                     "<th scope='col'>Likely original</th><th scope='col'>Confidence it was swapped</th>"
                     "<th scope='col'>Confidence in the original</th>"
                     "<th scope='col'>Kind</th></tr></thead><tbody>")
        for s in a.spans:
            sure = "" if s.original_score is None else f"{s.original_score:.2f}"
            parts.append(f"<tr><td>{escape(s.text)}</td><td>{escape(s.original or '?')}</td>"
                         f"<td>{s.score:.2f}</td><td>{sure}</td><td>{escape(s.label)}</td></tr>")
        parts.append("</tbody></table>")
    source = f" Traced to {escape(str(a.source['id']))}." if a.source else ""
    parts.append(f"<footer>Model: {escape(a.model)}; lexicon: {escape(a.lexicon_version)}.{source} "
                 "A score is a signal for a person to check, not proof.</footer></main></body></html>")
    return "".join(parts)


def _marked(text: str, spans: list[Span], noun: str = "likely original") -> str:
    out = []
    pos = 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < pos:
            continue
        out.append(escape(text[pos : s.start]))
        original = "unknown" if s.original is None else (s.original or "(delete)")
        if s.original_score is not None:
            original += f" ({s.original_score:.2f})"
        note = f"{noun}: {original}, confidence {s.score:.2f}"
        out.append(f"<mark tabindex='0' title='{escape(note, quote=True)}'>"
                   f"{escape(text[s.start : s.end])}<span class='sr'> ({escape(note)})</span></mark>")
        pos = s.end
    out.append(escape(text[pos:]))
    return "".join(out)


def render_paper_html(report: PaperReport) -> str:
    """A paper's tortured-phrase report as one HTML document: risk, findings by page, the marked text."""
    data = report.to_dict()
    title = f"unspin paper report: {report.name}"
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>",
             "<meta name='viewport' content='width=device-width,initial-scale=1'>",
             f"<style>{_STYLE}</style></head><body><main>", f"<h1>{escape(title)}</h1>",
             f"<p class='verdict {'clean' if data['risk'] == 'low' else 'spun'}' role='status'>"
             f"Risk {escape(data['risk'])}: {data['findings']} finding(s), {data['distinct']} distinct, "
             f"{data['per_1000_words']:.2f} per 1,000 words, in {data['n_words']} words on "
             f"{data['pages']} page(s)</p><ul>"]
    parts += [f"<li>{escape(r)}</li>" for r in data["reasons"]]
    parts.append("</ul>")
    if report.spans:
        parts.append("<h2>Findings</h2><table><thead><tr><th scope='col'>Page</th><th scope='col'>Found</th>"
                     "<th scope='col'>Expected</th><th scope='col'>Source</th><th scope='col'>Confidence</th>"
                     "</tr></thead><tbody>")
        for f in data["spans"]:
            parts.append(f"<tr><td>{f['page']}</td><td>{escape(f['text'])}</td>"
                         f"<td>{escape(f['original'] or '?')}</td><td>{escape(f['source'])}</td>"
                         f"<td>{f['score']:.2f}</td></tr>")
        parts.append("</tbody></table>")
    parts.append("<h2 id='marked'>Text, with findings marked</h2>")
    parts.append(f"<div class='text' aria-labelledby='marked'>"
                 f"{_marked(report.text, report.spans, 'expected phrase')}</div>")
    parts.append(f"<footer>Known list: {escape(report.list_name)} ({report.list_entries} entries, sha256 "
                 f"{escape(report.list_sha256[:16])}…), credited to the Problematic Paper Screener "
                 f"(Cabanac, Labbé &amp; Magazinov). {escape(data['note'])}</footer></main></body></html>")
    return "".join(parts)
