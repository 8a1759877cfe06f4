// The page's behaviour: plain DOM, no library. Every text from the service (translations,
// messages, names) is inserted with textContent, never as HTML.
"use strict";

const KEY_STORAGE = "mt-api-key"; // sessionStorage only: gone when the tab closes
const POLL_MS = 500;
const TOTALS_REFRESH_MS = 15000;

const REASONS = {
  low_score: "the model was unsure of its words",
  length_ratio: "the translation's length is unusual for the source",
  repetition: "the translation repeats itself",
  truncated: "the translation hit the model's length limit",
  unfamiliar_words: "the source's words are unlike the model's training text",
};

const STATUS_WORDS = {
  401: "This service needs an API key: enter it above.",
  403: "The API key was refused: check it and enter it again.",
  404: "Not found (a document job may have expired).",
  413: "Too large for this service.",
  415: "This file type is not supported.",
  429: "The service is busy: try again in a few seconds.",
  503: "The service is starting or not available right now.",
};

const $ = (id) => document.getElementById(id);

/** An element whose children are elements or plain strings (inserted as text). */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const money = new Intl.NumberFormat("en-US", {
  style: "currency", currency: "USD", maximumSignificantDigits: 3,
});
function usd(value) {
  return value === 0 ? "$0" : money.format(value);
}

const languageNames = (() => {
  try { return new Intl.DisplayNames(["en"], { type: "language" }); } catch { return null; }
})();
function languageName(code) {
  let name = null;
  try { name = languageNames ? languageNames.of(code) : null; } catch { name = null; }
  return name && name !== code ? `${name} (${code})` : code;
}

class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

/** The service's error envelope in words: its message, else what the status means. */
function errorWords(status, body) {
  const message = body && body.error && body.error.message;
  return message || STATUS_WORDS[status] || `The service answered with an error (HTTP ${status}).`;
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  let response;
  try {
    response = await fetch(path, { ...options, headers });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("The service cannot be reached: check the connection.", 0);
  }
  if (response.status === 401 || response.status === 403) $("key-panel").hidden = false;
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    throw new ApiError(errorWords(response.status, body), response.status);
  }
  return response;
}

async function apiJson(path, options) {
  return (await api(path, options)).json();
}

function showStatus(node, text, isError = false) {
  node.textContent = text;
  node.classList.toggle("error", isError);
}

// -- directions ---------------------------------------------------------------------------

const state = { directions: [], translateTimer: null, inFlight: null, sequence: 0 };

function targetsOf(source) {
  return state.directions.filter((d) => d.source === source).map((d) => d.target);
}

function fillSelect(select, codes, keep) {
  select.replaceChildren(...codes.map((code) => el("option", { value: code }, languageName(code))));
  if (codes.includes(keep)) select.value = keep;
}

function applyLanguages() {
  const source = $("source-lang").value;
  const target = $("target-lang").value;
  $("source-text").lang = source;
  $("result").lang = target;
  const reverse = state.directions.some((d) => d.source === target && d.target === source);
  $("swap").disabled = !reverse;
  $("swap").title = reverse ? "Swap languages" : "The reverse direction is not served";
}

function onSourceChange() {
  fillSelect($("target-lang"), targetsOf($("source-lang").value), $("target-lang").value);
  applyLanguages();
  scheduleTranslation(0);
}

async function loadDirections() {
  const data = await apiJson("/v1/languages");
  state.directions = data.directions;
  const sources = [...new Set(state.directions.map((d) => d.source))];
  fillSelect($("source-lang"), sources, "en");
  fillSelect($("target-lang"), targetsOf($("source-lang").value), null);
  applyLanguages();
  const count = state.directions.length;
  showStatus($("service-state"), `Ready: ${count} direction${count === 1 ? "" : "s"} served.`);
}

function swapLanguages() {
  const source = $("source-lang").value;
  const target = $("target-lang").value;
  const translation = $("result").textContent;
  fillSelect($("source-lang"), [...new Set(state.directions.map((d) => d.source))], target);
  fillSelect($("target-lang"), targetsOf(target), source);
  if (translation) $("source-text").value = translation;
  applyLanguages();
  updateCount();
  scheduleTranslation(0);
}

// -- text translation ---------------------------------------------------------------------

function debounceMs() {
  const meta = document.querySelector('meta[name="mt-debounce-ms"]');
  return Number(meta ? meta.content : 600);
}

function updateCount() {
  $("char-count").textContent = String([...$("source-text").value].length);
}

function scheduleTranslation(delay) {
  clearTimeout(state.translateTimer);
  if (!$("as-you-type").checked || debounceMs() === 0) return;
  state.translateTimer = setTimeout(translateText, delay === undefined ? debounceMs() : delay);
}

function clearResult() {
  $("result").textContent = "";
  $("result").classList.remove("low");
  $("quality").replaceChildren();
  $("copy").disabled = true;
}

async function translateText() {
  clearTimeout(state.translateTimer);
  const text = $("source-text").value;
  if (state.inFlight) state.inFlight.abort();
  if (!text.trim()) {
    clearResult();
    showStatus($("text-status"), "");
    return;
  }
  const sequence = ++state.sequence;
  const controller = new AbortController();
  state.inFlight = controller;
  showStatus($("text-status"), "Translating…");
  const body = { text, source: $("source-lang").value, target: $("target-lang").value };
  try {
    const data = await apiJson("/v1/translate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (sequence !== state.sequence) return; // a newer request is on its way
    showTranslation(data, body.source);
    showStatus($("text-status"), `Translated by ${data.model}.`);
    showLastCost(data.usage);
    refreshTotals();
  } catch (error) {
    if (error.name === "AbortError" || sequence !== state.sequence) return;
    showStatus($("text-status"), error.message, true);
  } finally {
    if (state.inFlight === controller) state.inFlight = null;
  }
}

function showTranslation(data, source) {
  $("result").textContent = data.translations[0];
  $("copy").disabled = false;
  const quality = data.quality && data.quality[0];
  $("result").classList.toggle("low", Boolean(quality && quality.low_confidence));
  $("quality").replaceChildren(...(quality ? qualityNotes(quality, source) : []));
}

/** Per-text confidence, and each sentence the student was unsure of (or the teacher took). */
function qualityNotes(quality, source) {
  const notes = [
    el("p", { class: "hint", id: "confidence" },
      `Confidence of the least sure sentence: ${Math.round(quality.confidence * 100)}%.`),
  ];
  if (quality.low_confidence) {
    notes.push(el("p", { class: "notice" },
      "This text looks unlike what the model was trained on: the translation is likely wrong."));
  }
  if (quality.flagged.length) {
    const items = quality.flagged.map((flag) => el("li", { class: "flagged" },
      el("q", { lang: source }, flag.sentence), " ",
      flag.escalated
        ? el("span", { class: "teacher-tag" }, "translated by the teacher model")
        : el("span", {}, "kept from the student"),
      `: ${flag.reasons.map((reason) => REASONS[reason] || reason).join("; ")}.`));
    const count = quality.flagged.length;
    notes.push(el("div", { class: "notice", id: "flagged" },
      `${count} sentence${count === 1 ? "" : "s"} to check:`, el("ul", {}, ...items)));
  }
  return notes;
}

async function copyTranslation() {
  const text = $("result").textContent;
  try {
    await navigator.clipboard.writeText(text);
    showStatus($("text-status"), "Translation copied.");
  } catch {
    const range = document.createRange();
    range.selectNodeContents($("result"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    showStatus($("text-status"), "Copying is blocked here: the translation is selected, press Ctrl+C.");
  }
}

// -- cost -----------------------------------------------------------------------------------

function costRow(label, value, note) {
  return el("tr", {}, el("th", { scope: "row" }, label), el("td", { class: "n" }, value),
    el("td", {}, note || ""));
}

function times(cost, base) {
  return base > 0 ? `${(cost / base).toFixed(cost / base < 10 ? 1 : 0)}× the student` : "";
}

function showLastCost(usage) {
  const paid = usage.blended_cost_usd;
  const rows = [costRow("This service (student)", usd(usage.student_cost_usd),
    `${usage.characters} characters, ${usage.sentences} sentences`)];
  if (usage.escalated_sentences > 0) {
    rows.push(costRow("Teacher, escalated sentences", usd(usage.escalation_cost_usd),
      `${usage.escalated_sentences} sentences`));
  }
  for (const [teacher, cost] of Object.entries(usage.teacher_equivalent_cost_usd)) {
    rows.push(costRow(`On ${teacher} instead`, usd(cost), times(cost, paid)));
  }
  $("cost-last").tBodies[0].replaceChildren(...rows);
}

function savingWords(saved, cost) {
  if (cost <= 0) return "";
  if (saved < 0) return `${usd(-saved)} more here`;
  return `saved ${usd(saved)} (${Math.round((100 * saved) / cost)}%)`;
}

function showTotals(totals) {
  const paid = totals.blended_cost_usd;
  const rows = [
    costRow("Requests", String(totals.requests), `${totals.characters} characters`),
    costRow("This service", usd(paid),
      totals.escalated_sentences ? `${totals.escalated_sentences} sentences escalated` : ""),
  ];
  for (const [teacher, cost] of Object.entries(totals.teacher_equivalent_cost_usd)) {
    const saved = totals.savings_usd[teacher];
    rows.push(costRow(`On ${teacher} instead`, usd(cost), savingWords(saved, cost)));
  }
  $("cost-total").tBodies[0].replaceChildren(...rows);
  $("cost-total").dataset.requests = String(totals.requests);
}

async function refreshTotals() {
  try {
    showTotals(await apiJson("/ui/costs"));
  } catch (error) {
    $("cost-total").tBodies[0].replaceChildren(el("tr", {}, el("td", {}, error.message)));
  }
}

// -- the model ------------------------------------------------------------------------------

function qualityTable(quality) {
  const head = el("tr", {}, el("th", { scope: "col" }, "Test set"),
    ...["Student BLEU", "Teacher BLEU", "Kept"].map(
      (name) => el("th", { scope: "col", class: "n" }, name)));
  const rows = quality.map((q) => el("tr", {},
    el("th", { scope: "row" }, `${q.test_set} (${q.sentences})`),
    el("td", { class: "n" }, q.student_bleu.toFixed(1)),
    el("td", { class: "n" }, q.teacher_bleu === null ? "–" : q.teacher_bleu.toFixed(1)),
    el("td", { class: "n" }, q.bleu_kept_percent === null ? "–" : `${q.bleu_kept_percent}%`)));
  const table = el("table", { class: "numbers" }, el("thead", {}, head), el("tbody", {}, ...rows));
  return el("div", { class: "scroll" }, table); // test set names may not break
}

function modelCard(model) {
  const card = el("article", { class: "model" },
    el("h3", {}, `${languageName(model.source)} → ${languageName(model.target)}`),
    el("p", {}, `Bundle ${model.name} ${model.version}, distilled from `,
      el("code", {}, model.teacher), ` (${model.teacher_family}).`));
  if (model.quality.length) card.append(qualityTable(model.quality));
  if (model.report_url) {
    card.append(el("p", {}, el("a", { href: model.report_url }, `Build report of ${model.name}`)));
  }
  return card;
}

async function loadModels() {
  try {
    const data = await apiJson("/ui/models");
    $("models").replaceChildren(...data.models.map(modelCard));
  } catch (error) {
    $("models").replaceChildren(el("p", {}, error.message));
  }
}

// -- documents ------------------------------------------------------------------------------

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function progressWords(job) {
  if (job.status === "queued") return `${job.filename}: waiting for a free worker…`;
  const remaining = job.seconds_remaining === null ? "" :
    `, about ${Math.max(1, Math.round(job.seconds_remaining))} s left`;
  return `${job.filename}: ${job.segments_done} of ${job.segments_total} segments translated${remaining}.`;
}

function showProgress(job) {
  const bar = $("doc-progress");
  bar.hidden = false;
  bar.max = Math.max(1, job.segments_total);
  bar.value = job.segments_done;
  showStatus($("doc-status"), progressWords(job));
}

function doneWords(job) {
  const notes = [];
  if (job.segments_untranslated) notes.push(`${job.segments_untranslated} segments kept in the source language`);
  if (job.segments_low_confidence) notes.push(`${job.segments_low_confidence} segments to check`);
  return `${job.filename} is translated${notes.length ? ` (${notes.join(", ")})` : ""}.`;
}

async function pollJob(id) {
  for (;;) {
    const job = await apiJson(`/v1/documents/${encodeURIComponent(id)}`);
    if (job.status === "error") throw new ApiError(job.error ? job.error.message : "The translation failed.", 0);
    showProgress(job);
    if (job.status === "done") return job;
    await sleep(POLL_MS);
  }
}

async function offerDownload(job) {
  const response = await api(`/v1/documents/${encodeURIComponent(job.id)}/result`);
  const link = $("doc-download");
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(await response.blob());
  link.download = job.filename;
  link.textContent = `Download ${job.filename}`;
  link.hidden = false;
  showStatus($("doc-status"), doneWords(job));
}

async function translateDocument(file) {
  $("doc-download").hidden = true;
  $("doc-progress").hidden = true;
  showStatus($("doc-status"), `Uploading ${file.name}…`);
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("source", $("source-lang").value);
  form.append("target", $("target-lang").value);
  form.append("mode", "async"); // always a job, so progress can be shown
  try {
    const created = await apiJson("/v1/documents", { method: "POST", body: form });
    await offerDownload(await pollJob(created.id));
    refreshTotals();
  } catch (error) {
    $("doc-progress").hidden = true;
    showStatus($("doc-status"), `${file.name}: ${error.message}`, true);
  }
}

function wireDropZone() {
  const zone = $("drop-zone");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) translateDocument(file);
  });
  $("document-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) translateDocument(file);
    event.target.value = "";
  });
}

// -- start ----------------------------------------------------------------------------------

function useKey() {
  sessionStorage.setItem(KEY_STORAGE, $("api-key").value.trim());
  $("api-key").value = "";
  $("key-panel").hidden = true;
  start();
}

function wire() {
  $("source-lang").addEventListener("change", onSourceChange);
  $("target-lang").addEventListener("change", () => { applyLanguages(); scheduleTranslation(0); });
  $("swap").addEventListener("click", swapLanguages);
  $("source-text").addEventListener("input", () => { updateCount(); scheduleTranslation(); });
  $("source-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      translateText();
    }
  });
  $("translate").addEventListener("click", translateText);
  $("copy").addEventListener("click", copyTranslation);
  $("use-key").addEventListener("click", useKey);
  $("api-key").addEventListener("keydown", (event) => {
    if (event.key === "Enter") useKey();
  });
  wireDropZone();
}

async function start() {
  try {
    await loadDirections();
  } catch (error) {
    showStatus($("service-state"), error.message, true);
    return;
  }
  loadModels();
  refreshTotals();
}

document.addEventListener("DOMContentLoaded", () => {
  wire();
  start();
  setInterval(() => { if (!document.hidden) refreshTotals(); }, TOTALS_REFRESH_MS);
});
