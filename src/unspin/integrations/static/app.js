// The unspin page: sends a text or a file to this server's API and shows the answer.
// Document text reaches the page only through text nodes and textContent, never innerHTML,
// so markup in a document is displayed as text and never run.
"use strict";

const $ = (id) => document.getElementById(id);

const KINDS = {
  synonym_swap: "synonym swap",
  phrase_swap: "phrase swap",
  numeral_swap: "numeral swap",
  inserted_filler: "inserted filler",
  suspicious: "suspicious word",
  source_swap: "differs from the traced source",
};

// What the shown result was made from, so downloads and the trace describe the same text.
// `settings` are the request fields the form sets: any_language, and min_score where one is chosen.
const state = { analysis: null, text: "", name: "", settings: {}, index: false };

function percent(p) {
  // A calibrated probability is never certainty, though it may round to it in floating point.
  if (p > 0.99) return "over 99%";
  if (p < 0.01) return "under 1%";
  return `${Math.round(p * 100)}%`;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// The API counts offsets in code points, JavaScript strings in UTF-16 units.
function utf16Offsets(text) {
  const at = [];
  let i = 0;
  for (const ch of text) {
    at.push(i);
    i += ch.length;
  }
  at.push(i);
  return at;
}

// The text cut at the spans, by the rules of the report and of the restored text:
// spans in order, a span overlapping the one before skipped, and (restoring) one
// without a suggested original left as it is.
function pieces(text, spans, restoring) {
  const at = utf16Offsets(text);
  const order = spans.map((span, i) => ({ span, i })).sort((a, b) => a.span.start - b.span.start);
  const out = [];
  let pos = 0;
  for (const { span, i } of order) {
    if (span.start < pos || (restoring && span.original === null)) continue;
    out.push({ text: text.slice(at[pos], at[span.start]) });
    out.push({ text: restoring ? span.original : text.slice(at[span.start], at[span.end]), span, i });
    pos = span.end;
  }
  out.push({ text: text.slice(at[pos]) });
  return out;
}

function describe(span, restoring) {
  const confidence = `confidence ${span.score.toFixed(2)}`;
  if (restoring) return `restored: the text had “${span.text}”, ${confidence}`;
  let original = `“${span.original}”`;
  if (span.original === null) original = "unknown";
  else if (span.original === "") original = "nothing: likely inserted";
  // != null: absent (an older analysis) or null (not estimated).
  if (span.original !== null && span.original_score != null) original += ` (${span.original_score.toFixed(2)})`;
  return `likely original ${original}, ${confidence}, ${KINDS[span.label] || span.label}`;
}

// Each swap is a focusable element described by a note kept outside the text, so the
// panel's text stays exactly the document's and screen readers still hear the original.
function fill(panel, text, spans, restoring) {
  const notes = $("notes");
  const fragment = document.createDocumentFragment();
  for (const piece of pieces(text, spans, restoring)) {
    if (!piece.span) {
      fragment.append(piece.text);
      continue;
    }
    const note = document.createElement("span");
    note.id = `${restoring ? "restored" : "marked"}-note-${piece.i}`;
    note.textContent = describe(piece.span, restoring);
    notes.append(note);
    const el = document.createElement(restoring ? "ins" : "mark");
    el.tabIndex = 0;
    el.textContent = piece.text;
    el.dataset.note = note.textContent;
    el.setAttribute("aria-describedby", note.id);
    fragment.append(el);
  }
  panel.replaceChildren(fragment);
}

function pageOf(pages, offset) {
  let page = 0;
  while (page + 1 < pages.length && pages[page + 1] <= offset) page += 1;
  return page + 1;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
}

function fillTable(analysis) {
  const pages = analysis.document && analysis.document.kind === "pdf" ? analysis.document.pages : null;
  const rows = analysis.spans.map((span) => {
    const row = document.createElement("tr");
    cell(row, span.text);
    cell(row, span.original === null ? "unknown" : span.original || "(remove)");
    cell(row, span.score.toFixed(2));
    cell(row, span.original_score == null ? "" : span.original_score.toFixed(2));
    cell(row, KINDS[span.label] || span.label);
    if (pages) cell(row, String(pageOf(pages, span.start)));
    return row;
  });
  $("swap-rows").replaceChildren(...rows);
  $("swaps").classList.toggle("with-pages", Boolean(pages));
  $("swaps").hidden = rows.length === 0;
}

function show() {
  const a = state.analysis;
  const status = $("status");
  status.textContent = `${a.is_spun ? "Likely spun" : "Not judged spun"}: probability ${percent(a.score)} ` +
    `(a text counts as spun from ${percent(a.threshold)}).`;
  if (a.in_doubt) {
    status.textContent += " More likely spun than not, but under the threshold: it may be lightly spun, " +
      "so only the swaps unspin is surest of are marked.";
  }
  if (a.stage === "fast") {
    // A server started with --deep-from: the fast analysis scored the text under the cut.
    status.textContent += " The fast analysis cleared it, so the neural model did not read it.";
  }
  status.className = `status ${a.is_spun ? "spun" : "clean"}`;
  let source = "";
  if (a.document) {
    const kind = a.document.kind === "pdf" ? `PDF, ${plural(a.document.pages.length, "page")}` : a.document.kind;
    source = ` from ${a.document.name} (${kind})`;
  }
  $("summary").textContent = a.spans.length
    ? `${plural(a.spans.length, "likely swap")} in ${plural(a.n_words, "word")}${source}. ` +
      "Point at a marked word, or move to it with the Tab key, to see its likely original."
    : `No likely swaps found in ${plural(a.n_words, "word")}${source}.`;
  hideTip();
  $("notes").replaceChildren();
  fill($("marked"), state.text, a.spans, false);
  fill($("restored"), state.text, a.spans, true);
  fillTable(a);
  $("results").hidden = false;
}

function hideError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

// An old result next to a new failure would read as the answer to the new request.
function fail(message) {
  $("error").textContent = message;
  $("error").hidden = false;
  $("status").textContent = "No result.";
  $("status").className = "status";
  $("results").hidden = true;
  hideTip();
}

// The API answers {"error", "message"}; FastAPI's own validation answers {"detail": [...]}.
async function problem(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page, say): the status code is all there is to say.
  }
  if (body && typeof body.message === "string") return body.message;
  if (body && Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
  return `the server answered ${response.status} ${response.statusText}`;
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new Error("The unspin server did not answer; check that `unspin serve` is still running.");
  }
  if (!response.ok) throw new Error(await problem(response));
  return response;
}

function postJSON(url, body) {
  return send(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

// `text` is what was pasted; a file's text comes back from the server with its analysis.
async function analyse(label, request, { name = "", text = "" }) {
  const button = $("analyse");
  hideError();
  button.disabled = true;
  $("results").setAttribute("aria-busy", "true");
  $("status").className = "status";
  $("status").textContent = `Analysing ${label}…`;
  const settings = { any_language: $("any-language").checked };
  if ($("min-score").value) settings.min_score = Number($("min-score").value);
  try {
    const analysis = await (await request(settings)).json();
    Object.assign(state, { analysis, name, settings, text: analysis.document ? analysis.document.text : text });
    show();
    if (state.index) trace();
  } catch (err) {
    fail(err.message);
  } finally {
    button.disabled = false;
    $("results").removeAttribute("aria-busy");
  }
}

function analyseText() {
  const text = $("text").value;
  if (!text.trim()) {
    fail("Paste a text first, or choose a file.");
    return;
  }
  analyse("the text", (settings) => postJSON("/v1/analyze", { text, ...settings }), { text });
}

function analyseFile(file) {
  if (!file) return;
  analyse(file.name, (settings) => {
    const form = new FormData();
    form.append("file", file);
    for (const [key, value] of Object.entries(settings)) form.append(key, String(value));
    return send("/v1/analyze-file", { method: "POST", body: form });
  }, { name: file.name });
}

async function trace() {
  const status = $("trace-status");
  const list = $("trace-matches");
  status.textContent = "Looking for the source in the index…";
  list.replaceChildren();
  try {
    const found = await (await postJSON("/v1/trace", { text: state.text, top: 3 })).json();
    status.textContent = {
      match: `Traced to ${found.matches.length ? found.matches[0].id : "a source"}.`,
      no_match: "No document in the index matches this text.",
      not_enough_evidence: "The text is too short to single out a source.",
    }[found.status] || found.status;
    list.replaceChildren(...found.matches.map((m) => {
      const item = document.createElement("li");
      item.textContent = `${m.id}: ${percent(m.similarity)} of the words align, ` +
        `${plural(m.substitutions.length, "substitution")}`;
      return item;
    }));
  } catch (err) {
    status.textContent = err.message;
  }
}

function baseName() {
  return (state.name.replace(/\.[^.]*$/, "") || "text").replace(/[^\w.-]+/g, "_");
}

function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function downloadReport() {
  hideError();
  try {
    const title = state.name ? `unspin report: ${state.name}` : "unspin report";
    const response = await postJSON("/v1/report", { text: state.text, ...state.settings, title });
    save(await response.blob(), `${baseName()}.unspin.html`);
  } catch (err) {
    fail(err.message);
  }
}

// One tooltip for every swap, shown on hover and on keyboard focus, dismissed with Escape,
// and kept next to its word when the page or the text panel scrolls.
const tip = $("tip");
let tipFor = null;

function showTip(el) {
  tipFor = el;
  tip.textContent = el.dataset.note;
  tip.hidden = false;
  placeTip();
}

function placeTip() {
  // Measured at the left edge: an absolute box near the right edge shrinks to fit what is left.
  tip.style.left = "0px";
  const box = tipFor.getBoundingClientRect();
  const width = document.documentElement.clientWidth;
  const left = Math.max(8, Math.min(box.left, width - tip.offsetWidth - 8));
  const below = box.bottom + 6 + tip.offsetHeight < window.innerHeight;
  const top = below ? box.bottom + 6 : box.top - 6 - tip.offsetHeight;
  tip.style.left = `${left + window.scrollX}px`;
  tip.style.top = `${top + window.scrollY}px`;
}

function hideTip() {
  tip.hidden = true;
  tipFor = null;
}

function swapAt(node) {
  return node instanceof Element ? node.closest("#panels mark, #panels ins") : null;
}

const panels = $("panels");
panels.addEventListener("mouseover", (e) => { const el = swapAt(e.target); if (el) showTip(el); });
panels.addEventListener("focusin", (e) => { const el = swapAt(e.target); if (el) showTip(el); });
panels.addEventListener("focusout", hideTip);
// The pointer leaving a word hands the tooltip back to the word that has keyboard focus, if any.
panels.addEventListener("mouseout", (e) => {
  if (!swapAt(e.target)) return;
  const focused = swapAt(document.activeElement);
  if (focused) showTip(focused);
  else hideTip();
});
document.addEventListener("keydown", (e) => { if (e.key === "Escape") hideTip(); });
document.addEventListener("scroll", () => { if (tipFor) placeTip(); }, true);
window.addEventListener("resize", () => { if (tipFor) placeTip(); });

for (const radio of document.querySelectorAll("input[name=view]")) {
  radio.addEventListener("change", () => { panels.dataset.view = radio.value; hideTip(); });
}

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  analyseText();
});
$("file").addEventListener("change", () => analyseFile($("file").files[0]));

// A file dropped anywhere on the form is analysed; dropped text still goes into the box.
const form = $("form");
const carriesFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");
form.addEventListener("dragover", (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  form.classList.add("dropping");
});
form.addEventListener("dragleave", () => form.classList.remove("dropping"));
form.addEventListener("drop", (e) => {
  form.classList.remove("dropping");
  if (!carriesFiles(e)) return;
  e.preventDefault();
  analyseFile(e.dataTransfer.files[0]);
});

$("download-json").addEventListener("click", () => {
  const json = JSON.stringify(state.analysis, null, 2);
  save(new Blob([json], { type: "application/json" }), `${baseName()}.unspin.json`);
});
$("download-html").addEventListener("click", downloadReport);

// The trace panel exists only when the server has an index to search.
send("/v1/health").then((r) => r.json()).then((health) => {
  state.index = health.index;
  $("trace").hidden = !health.index;
  const reads = { deep: ", reading in deep mode",
                  cascade: `, reading in deep mode what the fast analysis scores ${health.deep_from} or more` };
  $("version").textContent = `unspin ${health.version}${reads[health.mode] ?? ""}.`;
}).catch((err) => fail(err.message));
