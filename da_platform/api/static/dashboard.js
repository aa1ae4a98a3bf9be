// DatAlive dashboard: reads the API of the environment that serves it, draws with plotly.js (served locally).
"use strict";

// `datalive serve` prints a link with a short-lived key in the fragment (#key=..., which browsers never
// send to a server): keep the key for this tab, then take it out of the address bar and the history.
function keyFromLink() {
  const match = /^#key=([A-Za-z0-9_.\-]+)$/.exec(window.location.hash);
  if (!match) return false;
  sessionStorage.setItem("datalive-key", match[1]);
  history.replaceState(null, "", window.location.pathname + window.location.search);
  return true;
}
keyFromLink();

const state = { key: sessionStorage.getItem("datalive-key") || "", catalog: null };
const $ = (id) => document.getElementById(id);
const layoutBase = { margin: { t: 10, r: 50, b: 40, l: 60 }, legend: { orientation: "h" } };
const config = { displaylogo: false, responsive: true };

function setStatus(text) { $("status").textContent = text; }

async function api(path, options = {}) {
  const headers = Object.assign({ "X-API-Key": state.key }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const problem = new Error(body.detail || body.title || response.statusText);
    problem.status = response.status;
    throw problem;
  }
  return body;
}

async function insightsAll(params) {
  const rows = [];
  for (let page = 1; page <= 50; page += 1) {
    const query = new URLSearchParams(Object.assign({}, params, { page, page_size: 1000 }));
    const body = await api(`/insights?${query}`);
    rows.push(...body.items);
    if (rows.length >= body.total || body.items.length === 0) break;
  }
  return rows;
}

function byKey(rows, key) {
  const groups = new Map();
  for (const row of rows) {
    if (!groups.has(row[key])) groups.set(row[key], []);
    groups.get(row[key]).push(row);
  }
  return groups;
}

function filters() {
  const params = {};
  if ($("field").value) params.field = $("field").value;
  if ($("start").value) params.start = $("start").value;
  if ($("end").value) params.end = $("end").value;
  return params;
}

async function loadCatalog() {
  state.catalog = await api("/catalog");
  const fields = state.catalog.fields;
  $("field").innerHTML = fields.map((f) => `<option>${escapeHtml(f)}</option>`).join("");
  const last = state.catalog.last_date;
  if (last && !$("end").value) {
    $("end").value = last;
    const start = new Date(last);
    start.setDate(start.getDate() - 89);
    const first = state.catalog.first_date;
    const iso = start.toISOString().slice(0, 10);
    $("start").value = first && iso < first ? first : iso;
  }
  const producers = state.catalog.wells.filter((w) => w.first_production_date && w.well_type !== "WI");
  $("forecast-well").innerHTML = producers.map((w) => `<option>${escapeHtml(w.well_id)}</option>`).join("");
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Text plotly draws (trace names in legends and hovers, category labels) is markup to plotly: <a href popup=…>,
// <b>, <br> are interpreted. Numeric character references are the escape plotly decodes back to plain text.
function plotText(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function drawField() {
  const rows = await insightsAll(Object.assign({ level: "field", product: "oil" }, filters()));
  const traces = [];
  for (const [field, points] of byKey(rows, "field_id")) {
    traces.push({ x: points.map((r) => r.production_date), y: points.map((r) => r.volume_sm3), name: `${plotText(field)} oil`, mode: "lines" });
    traces.push({ x: points.map((r) => r.production_date), y: points.map((r) => r.plan_sm3), name: `${plotText(field)} plan (reported month / day)`, mode: "lines", line: { dash: "dot" } });
  }
  await Plotly.react("chart-field", traces, Object.assign({}, layoutBase, { yaxis: { title: { text: "Sm3/d" } } }), config);
  const uptime = [];
  for (const [field, points] of byKey(rows, "field_id")) {
    uptime.push({ x: points.map((r) => r.production_date), y: points.map((r) => r.uptime), name: `${plotText(field)} uptime`, mode: "lines" });
    uptime.push({ x: points.map((r) => r.production_date), y: points.map((r) => r.water_cut), name: `${plotText(field)} water cut`, mode: "lines", yaxis: "y2" });
  }
  await Plotly.react("chart-uptime", uptime, Object.assign({}, layoutBase, {
    yaxis: { title: { text: "uptime" }, range: [0, 1.05], tickformat: ".0%" },
    yaxis2: { title: { text: "water cut" }, overlaying: "y", side: "right", range: [0, 1.05], tickformat: ".0%" },
  }), config);
  return rows.length;
}

async function drawWells() {
  const rows = await insightsAll(Object.assign({ level: "well", product: "oil" }, filters()));
  const traces = [];
  for (const [well, points] of byKey(rows, "well_id")) {
    traces.push({ x: points.map((r) => r.production_date), y: points.map((r) => r.volume_sm3), name: plotText(well), mode: "lines", stackgroup: "wells" });
  }
  await Plotly.react("chart-wells", traces, Object.assign({}, layoutBase, { yaxis: { title: { text: "Sm3/d" } } }), config);
  // Causes come from the operator events landed with the reports; downtime no event covers is "unspecified".
  const deferment = (await api(`/deferment?${new URLSearchParams(filters())}`)).items;
  await Plotly.react("chart-deferment", [
    { type: "bar", offsetgroup: "hours", name: "downtime hours", x: deferment.map((d) => plotText(d.cause)), y: deferment.map((d) => d.downtime_hrs) },
    { type: "bar", offsetgroup: "oil", name: "deferred oil (est., Sm3)", x: deferment.map((d) => plotText(d.cause)), y: deferment.map((d) => d.deferred_oil_sm3), yaxis: "y2" },
  ], Object.assign({}, layoutBase, {
    barmode: "group",
    yaxis: { title: { text: "hours down" } },
    yaxis2: { title: { text: "Sm3" }, overlaying: "y", side: "right" },
  }), config);
  return rows.length;
}

async function drawForecast() {
  const well = $("forecast-well").value;
  if (!well) return 0;
  const params = Object.assign({ level: "well", product: "oil", well }, filters());
  delete params.field;
  const history = await insightsAll(params);
  const hist = history.filter((r) => r.volume_sm3 !== null);
  let forecast;
  try {
    forecast = await api(`/forecasts?${new URLSearchParams({ well, product: "oil", horizon_days: 90 })}`);
  } catch (error) {
    $("forecast-meta").textContent = `No forecast: ${error.message}`;
    await Plotly.react("chart-forecast", [{ x: hist.map((r) => r.production_date), y: hist.map((r) => r.volume_sm3), name: "history", mode: "lines" }], layoutBase, config);
    return 0;
  }
  const dates = forecast.points.map((p) => p.date);
  const traces = [
    { x: hist.map((r) => r.production_date), y: hist.map((r) => r.volume_sm3), name: "history (Sm3/d)", mode: "lines", line: { color: "#12324a" } },
    { x: dates, y: forecast.points.map((p) => p.p90), name: "P90", mode: "lines", line: { width: 0 }, showlegend: false },
    { x: dates, y: forecast.points.map((p) => p.p10), name: "P10–P90", mode: "lines", fill: "tonexty", fillcolor: "rgba(230,126,34,0.25)", line: { width: 0 } },
    { x: dates, y: forecast.points.map((p) => p.p50), name: "P50", mode: "lines", line: { color: "#e67e22" } },
  ];
  await Plotly.react("chart-forecast", traces, Object.assign({}, layoutBase, { yaxis: { title: { text: "Sm3/d (rate on producing days)" } } }), config);
  const model = forecast.models[well] || "?";
  $("forecast-meta").textContent = `model ${model} (${forecast.statuses[well] || "?"}), policy version ${forecast.model_version ?? "none promoted"}, from ${forecast.origin}`;
  return forecast.points.length;
}

async function loadAll() {
  if (!state.key) { setStatus("Enter an API key of this environment to load the data."); return; }
  setStatus("Loading…");
  try {
    if (!state.catalog) await loadCatalog();
    const [fieldRows, wellRows, forecastPoints] = await Promise.all([drawField(), drawWells(), drawForecast()]);
    setStatus(`Loaded ${fieldRows} field-days, ${wellRows} well-days, ${forecastPoints} forecast days.`);
    document.body.dataset.loaded = "true";
  } catch (error) {
    setStatus(error.status === 401 || error.status === 403 ? `Key refused: ${error.message}` : `Could not load: ${error.message}`);
  }
}

function sourceLink(source) {
  if (/^https?:\/\//.test(source)) return `<a href="${escapeHtml(source)}" rel="noopener" target="_blank">${escapeHtml(source)}</a>`;
  return `<a href="#source-${encodeURIComponent(source)}" title="source document">${escapeHtml(source)}</a>`;
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  const answer = $("answer");
  $("citations").innerHTML = "";
  $("answer-kind").textContent = "";
  answer.className = "";
  answer.textContent = "Thinking…";
  try {
    const result = await api("/rag/explain", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question }),
    });
    answer.textContent = result.refused ? `Refused: ${result.reason || "no grounded answer"}` : result.answer;
    if (result.refused) answer.className = "refused";
    // The kind and period the engine answered (textContent: nothing from the response becomes markup).
    const q = result.query;
    $("answer-kind").textContent = q ? `${q.kind}${q.metric ? " · " + q.metric : ""}${q.period ? " · " + q.period.label : ""}` : "";
    $("citations").innerHTML = result.citations
      .map((c) => `<li id="citation-${escapeHtml(c.id)}">[${escapeHtml(c.id)}] ${sourceLink(c.source)} — “${escapeHtml(c.quote)}”</li>`)
      .join("");
  } catch (error) {
    answer.textContent = `No answer: ${error.message}`;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("api-key").value = state.key;
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.key = $("api-key").value.trim();
    sessionStorage.setItem("datalive-key", state.key);
    loadAll();
  });
  $("forecast-well").addEventListener("change", () => drawForecast().catch((e) => setStatus(`Forecast: ${e.message}`)));
  $("ask-form").addEventListener("submit", ask);
  // The link pasted into a tab already showing the dashboard changes only the fragment: no reload.
  window.addEventListener("hashchange", () => {
    if (!keyFromLink()) return;
    state.key = $("api-key").value = sessionStorage.getItem("datalive-key");
    state.catalog = null;
    loadAll();
  });
  loadAll();
});
