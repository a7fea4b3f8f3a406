// Precis kiosk page: plain JavaScript, no build step. Talks only to /api/v1 on its own
// origin; live updates come as server-sent events from /api/v1/events.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { session: null, devices: [], current: null, trace: [], events: null, results: [], detail: null };

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.session && method !== "GET") headers["X-Precis-CSRF"] = state.session.csrf;
  const response = await fetch(path, { method, headers, credentials: "same-origin",
                                       body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (response.status === 401 && path !== "/api/v1/session") { signedOut(); }
  if (!response.ok) throw new Error(data && data.error ? data.error.message : response.statusText);
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}

// ---- sign-in -------------------------------------------------------------------------
$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("signin-error").textContent = "";
  try {
    const s = await api("POST", "/api/v1/session", { operator: $("signin-operator").value.trim(), pin: $("signin-pin").value });
    $("signin-pin").value = "";
    signedIn(s);
  } catch (err) { $("signin-error").textContent = err.message; }
});

$("signout").addEventListener("click", async () => {
  try { await api("DELETE", "/api/v1/session"); } catch (_) { /* already gone */ }
  signedOut();
});

function signedIn(session) {
  state.session = session;
  $("who").textContent = `${session.operator} · ${session.role}`;
  $("signout").hidden = false;
  $("signin").hidden = true;
  $("app").hidden = false;
  loadChoices();
  listen();
  $("run-sample").focus();
}

function signedOut() {
  state.session = null;
  if (state.events) { state.events.close(); state.events = null; }
  $("live").className = "live off";
  $("who").textContent = "";
  $("signout").hidden = true;
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-operator").focus();
}

// ---- tabs ----------------------------------------------------------------------------
for (const tab of document.querySelectorAll("nav .tab")) {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
}
function showTab(name) {
  for (const tab of document.querySelectorAll("nav .tab")) tab.classList.toggle("active", tab.dataset.tab === name);
  for (const view of document.querySelectorAll("main .view")) view.hidden = view.id !== `tab-${name}`;
  if (name === "results") loadResults();
}

// ---- starting a run ------------------------------------------------------------------
async function loadChoices() {
  const [devices, assays] = await Promise.all([api("GET", "/api/v1/devices"), api("GET", "/api/v1/assays")]);
  showDevices(devices);
  $("run-assay").replaceChildren(...assays.map((a) => el("option", { value: a.id }, `${a.id.toUpperCase()} (${a.unit})`)));
}

$("run-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("run-error").textContent = "";
  $("run-start").disabled = true;
  try {
    const run = await api("POST", "/api/v1/runs", { device: $("run-device").value, assay: $("run-assay").value,
                                                     sample: $("run-sample").value.trim() });
    $("run-sample").value = "";
    state.trace = [];
    showRun(run);
  } catch (err) { $("run-error").textContent = err.message; }
  $("run-start").disabled = false;
});

const phases = { "connecting": "Connecting", "waiting-for-cartridge": "Insert cartridge", "reading": "Reading strip",
                 "analysing": "Analysing", "finished": "Done", "failed": "Failed" };

function showRun(run) {
  if (state.current && state.current.ticket !== run.ticket && run.startedAt < state.current.startedAt) return;
  if (!state.current || state.current.ticket !== run.ticket) { state.trace = []; $("run-result").hidden = true; }
  state.current = run;
  $("run-title").textContent = `Sample ${run.sample} · ${run.assay.toUpperCase()}` + (run.runId ? ` · run ${run.runId}` : "");
  $("run-phase").textContent = phases[run.phase] || run.phase;
  $("run-phase").dataset.phase = run.phase;
  setProgress(run.received, run.total);
  if (run.phase === "failed") $("run-error").textContent = run.error || "the run failed";
  if (run.report) showReport(run.report);
  drawTrace();
}

function setProgress(received, total) {
  $("run-progress").style.width = total ? `${Math.min(100, (100 * received) / total)}%` : "0";
}

function showReport(report) {
  $("run-result").hidden = false;
  $("run-phase").textContent = report.status === "COMPLETED" ? "Done" : report.status;
  $("result-value").textContent = report.display || (report.status === "ABORTED" ? "Aborted" : "Invalid");
  $("result-flags").replaceChildren(...trainingChip(report), ...flagChips(report.flags, report.status));
  const lines = [...(report.interpretation || [])];
  if (report.error) lines.push(report.error.message + (report.error.hint ? ` — ${report.error.hint}` : ""));
  $("result-interpretation").textContent = lines.join(" ");
  $("result-range").textContent = report.referenceRange ? `Reference interval ${report.referenceRange}` : "";
  if (report.runId) drawResultPlot($("run-trace"), report.runId);
}

function trainingChip(item) {
  return item && item.training ? [el("span", { class: "flag training" }, "TRAINING")] : [];
}

function flagChips(flags, status) {
  if (status && status !== "COMPLETED" && status !== "FINAL") return [el("span", { class: "flag bad" }, status)];
  if (!flags || flags.length === 0) return [el("span", { class: "flag ok" }, "No flags")];
  return flags.map((f) => el("span", { class: "flag" }, f));
}

// ---- plots ---------------------------------------------------------------------------
function plot(canvas, series, marks, axes) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 28;
  ctx.clearRect(0, 0, w, h);
  const xs = series.flatMap((s) => s.x), ys = series.flatMap((s) => s.y);
  if (xs.length < 2) return;
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (w - 2 * pad);
  const sy = (y) => h - pad - ((y - y0) / (y1 - y0 || 1)) * (h - 2 * pad);
  ctx.strokeStyle = "#c9d1d9"; ctx.lineWidth = 1; ctx.strokeRect(pad, pad / 2, w - 2 * pad, h - 1.5 * pad);
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 2; ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    s.x.forEach((x, i) => (i ? ctx.lineTo(sx(x), sy(s.y[i])) : ctx.moveTo(sx(x), sy(s.y[i]))));
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.font = "16px system-ui, sans-serif"; ctx.fillStyle = "#101418";
  if (axes) {
    ctx.fillText(`${x0.toFixed(0)}`, pad, h - 8);
    ctx.fillText(`${axes.x}`, w / 2 - 40, h - 8);
    ctx.fillText(`${x1.toFixed(0)} mm`, w - pad - 50, h - 8);
    ctx.fillText(axes.y, pad + 4, pad + 8);
  }
  for (const m of marks || []) {
    ctx.strokeStyle = m.color; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(sx(m.x), pad / 2); ctx.lineTo(sx(m.x), h - pad); ctx.stroke();
    ctx.fillText(m.label, sx(m.x) + 4, pad + 6);
  }
}

function drawTrace() {
  const t = state.trace;
  plot($("run-trace"), [{ x: t.map((p) => p[0] / 1000), y: t.map((p) => p[1]), color: "#0b5cad" }], [],
       { x: "position", y: "reflectance (raw counts)" });
}

async function drawResultPlot(canvas, runId) {
  try {
    const d = await api("GET", `/api/v1/results/${runId}`);
    const c = d.curves;
    if (!c) return;
    const marks = [];
    if (c.control) marks.push({ x: c.control.positionMM, label: "C", color: "#1b7a3a" });
    if (c.test) marks.push({ x: c.test.positionMM, label: "T", color: "#b3261e" });
    plot(canvas, [{ x: c.positionsMM, y: c.absorbance, color: "#8796a5", width: 1 },
                  { x: c.positionsMM, y: c.smoothed, color: "#0b5cad" },
                  { x: c.positionsMM, y: c.baseline, color: "#9a5b00", dash: [6, 4] }], marks,
         { x: "position", y: "absorbance" });
  } catch (_) { /* the plot is a nicety */ }
}

// ---- results, queue, QC, instruments -------------------------------------------------
async function loadResults() {
  state.results = await api("GET", "/api/v1/results?limit=30");
  $("results-list").replaceChildren(...state.results.map((r) => el("div", { class: "item clickable", onclick: () => openResult(r.runId) },
    el("span", { class: "grow" }, `Run ${r.runId} · ${r.sample} · ${r.assay.toUpperCase()}`),
    el("strong", {}, r.resultStatus === "VOID" ? "VOID" : (r.display || r.status)),
    ...trainingChip(r), ...flagChips(r.flags, r.resultStatus || r.status))));
}

async function openResult(runId) {
  const d = await api("GET", `/api/v1/results/${runId}`);
  state.detail = d;
  const s = d.summary;
  $("result-detail").hidden = false;
  $("detail-title").textContent = `Run ${s.runId} · sample ${s.sample} · ${s.startedAt.replace("T", " ").slice(0, 16)}`;
  $("detail-value").textContent = s.resultStatus === "VOID" ? "VOID" : (s.display || s.status);
  $("detail-flags").replaceChildren(...trainingChip(s), ...flagChips(s.flags, s.resultStatus || s.status));
  $("detail-interpretation").textContent = s.error ? s.error.message : "";
  $("detail-void").hidden = !(state.session.role === "supervisor" && s.resultId && s.resultStatus !== "VOID");
  drawResultPlot($("detail-plot"), runId);
}
$("detail-close").addEventListener("click", () => { $("result-detail").hidden = true; });
$("detail-void").addEventListener("click", async () => {
  const reason = await askReason(`Void the result of run ${state.detail.summary.runId}`);
  if (!reason) return;
  try { await api("POST", `/api/v1/results/${state.detail.summary.runId}/void`, { reason }); await openResult(state.detail.summary.runId); loadResults(); }
  catch (err) { alert(err.message); }
});

function showQueue(items) {
  $("queue-count").textContent = items.length ? String(items.length) : "";
  $("queue-empty").hidden = items.length > 0;
  $("queue-table").tBodies[0].replaceChildren(...items.map((q) => el("tr", { "data-sample": q.sample },
    el("td", {}, q.sample + (q.training ? " · training" : "")), el("td", {}, q.destination), el("td", {}, q.state + (q.lastError ? ` — ${q.lastError}` : "")),
    el("td", {}, String(q.attempts)),
    el("td", {}, q.state === "failed" ? el("button", { onclick: () => retry(q.id) }, "Retry") : ""))));
}
async function retry(id) { try { await api("POST", `/api/v1/queue/${id}/retry`, {}); } catch (err) { alert(err.message); } }

function showQC(status) {
  const held = status.lockouts || [];
  $("qc-count").textContent = held.length ? String(held.length) : "";
  $("qc-empty").hidden = held.length > 0;
  $("qc-list").replaceChildren(...held.map((l) => el("div", { class: "item" },
    el("span", { class: "grow" }, `${l.assay.toUpperCase()} on ${l.instrumentID}: rules ${l.rules.join(", ")} since ${l.createdAt.slice(0, 16)}`),
    state.session && state.session.role === "supervisor"
      ? el("button", { onclick: () => acknowledge(l.id) }, "Acknowledge…") : el("span", { class: "muted" }, "supervisor only"))));
}
async function acknowledge(id) {
  const reason = await askReason(`Lift QC lockout ${id}`);
  if (!reason) return;
  try { await api("POST", `/api/v1/qc/lockouts/${id}/acknowledge`, { reason }); } catch (err) { alert(err.message); }
}

function showDevices(devices) {
  state.devices = devices;
  const chosen = $("run-device").value;
  const usable = devices.filter((d) => d.family === "lfr");
  $("run-device").replaceChildren(...usable.map((d) => el("option", { value: d.address }, d.address)));
  if (usable.some((d) => d.address === chosen)) $("run-device").value = chosen;
  $("device-list").replaceChildren(...devices.map((d) => el("div", { class: "item" },
    el("strong", {}, d.address), el("span", { class: "grow" }, `${d.description} · ${d.serial || ""} ${d.firmware ? "fw " + d.firmware : ""}`),
    el("span", { class: d.state === "ready" ? "flag ok" : "flag bad" }, d.state))));
}

function askReason(title) {
  return new Promise((resolve) => {
    $("reason-title").textContent = title;
    $("reason-text").value = "";
    const dialog = $("reason-dialog");
    dialog.onclose = () => resolve(dialog.returnValue === "ok" ? $("reason-text").value.trim() : null);
    dialog.showModal();
  });
}

// ---- live updates --------------------------------------------------------------------
function listen() {
  if (state.events) state.events.close();
  const source = new EventSource("/api/v1/events");
  state.events = source;
  source.onopen = () => { $("live").className = "live on"; };
  source.onerror = () => {
    $("live").className = "live off";
    // a stream refused or ended for good: the session is probably over (idle timeout)
    if (source.readyState === EventSource.CLOSED) api("GET", "/api/v1/session").then(listen).catch(() => {});
  };
  const on = (name, f) => source.addEventListener(name, (e) => f(JSON.parse(e.data)));
  on("snapshot", (s) => { showDevices(s.devices); showQueue(s.queue); showQC(s.qc); if (s.runs.length) restore(s.runs[0]); });
  on("devices", (c) => showDevices(c.devices));
  on("run", showRun);
  on("trace", (b) => {
    if (!state.current || b.ticket !== state.current.ticket) return;
    b.positionsUM.forEach((x, i) => state.trace.push([x, b.reflectance[i]]));
    setProgress(b.received, b.total);
    drawTrace();
  });
  on("result", (r) => { if (state.current && r.runId === state.current.runId) showReport(r); });
  on("queue", showQueue);
  on("qc", showQC);
}

function restore(run) {
  state.current = null;
  showRun(run);
  state.trace = run.positionsUM.map((x, i) => [x, run.reflectance[i]]);
  drawTrace();
}

setInterval(() => { $("clock").textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }, 1000);

api("GET", "/api/v1/session").then(signedIn).catch(() => signedOut());
