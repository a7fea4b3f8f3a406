// Precis kiosk page: plain JavaScript, no build step. Talks only to /api/v1 on its own
// origin; live updates come as server-sent events from /api/v1/events.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { session: null, devices: [], assays: [], current: null, trace: [], events: null, results: [], detail: null,
                // the live plot of the current run: a strip's trace (state.trace), a plate's cycles, a sweep's points
                plate: null, sweep: { x: [], y: [] }, channels: null, spectra: [],
                // what the page drew, for whoever checks it (the browser tests): points on each canvas, and the
                // live plot's size after each redraw during the run
                drawn: { live: 0, liveDraws: 0, growth: [], result: 0, detail: 0 } };

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
  state.assays = assays;
  showDevices(devices);
}

const assayOf = (id) => state.assays.find((a) => a.id === id);
const familyOf = (run) => (assayOf(run.assay) || {}).family || "lfr";

// The form offers what the chosen instrument's family needs: its assays, a lot (a strip's comes from
// its cartridge), a plate's layout (its samples are in it: the sample id is then the plate's), and in
// training mode a simulator's options.
function showAssays() {
  const device = state.devices.find((d) => d.address === $("run-device").value);
  const chosen = $("run-assay").value;
  const usable = state.assays.filter((a) => device && a.family === device.family);
  $("run-assay").replaceChildren(...usable.map((a) => el("option", { value: a.id }, `${a.id.toUpperCase()} (${a.unitDisplay || a.unit})`)));
  if (usable.some((a) => a.id === chosen)) $("run-assay").value = chosen;
  $("run-sim-row").hidden = !(device && device.address.startsWith("sim:"));
  showAssayNeeds();
}

function showAssayNeeds() {
  const assay = assayOf($("run-assay").value);
  const lot = $("run-lot"), chosen = lot.value;
  const options = (assay ? assay.lots : []).map((l) => el("option", { value: l }, l));
  if (!assay || !assay.needsLot) options.unshift(el("option", { value: "" }, "from the cartridge"));
  lot.replaceChildren(...options);
  if ([...lot.options].some((o) => o.value === chosen)) lot.value = chosen;
  lot.required = !!(assay && assay.needsLot);
  $("run-lot-row").hidden = !!(assay && assay.takesNoLot);
  const plate = !!(assay && assay.needsLayout);
  $("run-layout-row").hidden = !plate;
  $("run-layout").required = plate;
  $("run-sample-label").textContent = plate ? "Plate id" : "Sample id";
}
$("run-device").addEventListener("change", showAssays);
$("run-assay").addEventListener("change", showAssayNeeds);

$("run-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("run-error").textContent = "";
  $("run-start").disabled = true;
  try {
    const assay = assayOf($("run-assay").value);
    const options = $("run-sim-row").hidden ? "" : $("run-sim").value.trim().replace(/^\?/, "");
    const body = { device: $("run-device").value + (options ? `?${options}` : ""), assay: $("run-assay").value,
                   sample: $("run-sample").value.trim() };
    if ($("run-lot").value) body.lot = $("run-lot").value;
    if (assay && assay.needsLayout) {
      const file = $("run-layout").files[0];
      if (!file) throw new Error("choose the plate's layout file (CSV: well,sample,type,…)");
      body.layout = await file.text();
    }
    resetLive();
    const run = await api("POST", "/api/v1/runs", body);
    $("run-sample").value = "";
    showRun(run);
  } catch (err) { $("run-error").textContent = err.message; }
  $("run-start").disabled = false;
});

$("run-step-done").addEventListener("click", async () => {
  if (!state.current) return;
  $("run-step-done").disabled = true;
  try {
    await api("POST", `/api/v1/runs/${state.current.ticket}/step`, { step: $("run-step-done").dataset.step });
    $("run-step").hidden = true;
  } catch (err) { $("run-error").textContent = err.message; }
  $("run-step-done").disabled = false;
});

function resetLive() {
  state.trace = [];
  state.plate = null;
  state.sweep = { x: [], y: [] };
  state.spectra = [];
  state.channels = null;
  state.occupancy = { x: [], y: [] };
  state.drawn.live = 0; state.drawn.liveDraws = 0; state.drawn.growth = []; state.drawn.result = 0;
  $("run-channels").hidden = true;
}

const readingPhase = { lfr: "Reading strip", qpcr: "Cycling plate", methodscript: "Sweeping", nps: "Sequencing", obp: "Reading spectrum" };
const phaseText = (run) => run.phase === "reading" ? (readingPhase[familyOf(run)] || "Reading")
  : run.phase === "operator-step" && run.step ? `Step ${run.step.number} of ${run.step.of}`
  : ({ "connecting": "Connecting", "waiting-for-cartridge": "Insert cartridge", "analysing": "Analysing", "finished": "Done",
       "failed": "Failed" })[run.phase] || run.phase;

function showRun(run) {
  if (state.current && state.current.ticket !== run.ticket && run.startedAt < state.current.startedAt) return;
  if (!state.current || state.current.ticket !== run.ticket) { resetLive(); $("run-result").hidden = true; }
  state.current = run;
  const plate = !!(assayOf(run.assay) || {}).needsLayout;
  $("run-title").textContent = `${plate ? "Plate" : "Sample"} ${run.sample} · ${run.assay.toUpperCase()}` + (run.runId ? ` · run ${run.runId}` : "");
  $("run-phase").textContent = phaseText(run);
  $("run-phase").dataset.phase = run.phase;
  setProgress(run.received, run.total);
  if (run.phase === "failed") $("run-error").textContent = run.error || "the run failed";
  // a step the operator must carry out (an absorbance run's dark, blank, sample), confirmed with the button
  $("run-step").hidden = !(run.phase === "operator-step" && run.step);
  if (run.step) { $("run-step-text").textContent = run.step.instruction; $("run-step-done").dataset.step = run.step.id; }
  if (run.report) showReport(run.report);
  else drawLive();
}

function setProgress(received, total) {
  $("run-progress").style.width = total ? `${Math.min(100, (100 * received) / total)}%` : "0";
}

function showReport(report) {
  $("run-result").hidden = false;
  $("run-phase").textContent = report.status === "COMPLETED" ? "Done" : report.status;
  const several = report.results || null;
  $("result-value").textContent = several && report.status !== "ABORTED" ? severalText(report.status, several)
    : report.display || (report.status === "ABORTED" ? "Aborted" : "Invalid");
  $("result-value").classList.toggle("small", !!several);
  $("result-flags").replaceChildren(...trainingChip(report), ...flagChips(report.flags, several ? null : report.status));
  showResultRows($("run-results"), several, report.assay);
  const lines = [...(report.interpretation || [])];
  if (report.sequencing) lines.unshift(yieldText(report.sequencing));
  if (report.error) lines.push(report.error.message + (report.error.hint ? ` — ${report.error.hint}` : ""));
  $("result-interpretation").textContent = lines.join(" ");
  $("result-range").textContent = report.referenceRange ? `Reference interval ${report.referenceRange}` : "";
  if (report.runId) drawResultPlot($("run-trace"), report.runId, "result");
}

// A sequencing run's yield in a line: estimated bases, read N50, pore occupancy, losses.
function yieldText(o) {
  const t = o.totals || {};
  return `${o.estimatedBases} estimated bases · read N50 ${o.readN50} b`
    + (o.poreOccupancy != null ? ` · pore occupancy ${(100 * o.poreOccupancy).toFixed(1)} %` : "")
    + ` · lost packets ${t.lostPackets ?? 0}.`;
}

function trainingChip(item) {
  return item && item.training ? [el("span", { class: "flag training" }, "TRAINING")] : [];
}

// A run of several results in a word: how many, or that the run is invalid.
function severalText(status, results) {
  if (status === "INVALID") return "Plate invalid";
  if (status !== "COMPLETED") return status;
  return `${results.length} result${results.length === 1 ? "" : "s"}`;
}

// A run of several results (a plate): a row each, with its sample, its value or coded value, its unit
// and its flags (an INVALID one with its reason).
function showResultRows(table, results, assayID) {
  table.hidden = !results;
  const unit = (assayOf(assayID) || {}).unitDisplay || "";
  table.tBodies[0].replaceChildren(...(results || []).map((r) => {
    let value = "", shownUnit = "";
    if (r.status === "INVALID") value = "INVALID";
    else if (r.coded) value = r.coded.display;
    else if (r.display) {
      value = unit && r.display.endsWith(` ${unit}`) ? r.display.slice(0, -(unit.length + 1)) : r.display;
      shownUnit = value === r.display ? "" : unit;
    } else value = r.status;
    return el("tr", { "data-sample": r.sample, "data-result-id": String(r.resultId), "data-status": r.status },
      el("td", {}, r.sample), el("td", { class: "result-value" }, value), el("td", { class: "result-unit" }, shownUnit),
      el("td", { class: "result-flags" }, ...flagChips(r.flags, null, true).map(readable),
         r.reason && r.status === "INVALID" ? el("span", { class: "reason" }, r.reason) : ""));
  }));
}

// A flag chip that wraps in a narrow column: PLATE CONTROL FAILED, the code kept in data-flag.
function readable(chip) {
  chip.dataset.flag = chip.textContent;
  chip.textContent = chip.textContent.replaceAll("_", " ");
  return chip;
}

function flagChips(flags, status, quiet) {
  if (status && status !== "COMPLETED" && status !== "FINAL") return [el("span", { class: "flag bad" }, status)];
  if (!flags || flags.length === 0) return quiet ? [] : [el("span", { class: "flag ok" }, "No flags")];
  return flags.map((f) => el("span", { class: "flag" }, f));
}

// ---- plots ---------------------------------------------------------------------------
// Draws `series` ({x, y, color}) and vertical `marks` on `canvas`; returns how many points it drew
// (kept on the canvas as data-points).
function plot(canvas, series, marks, axes) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 28;
  ctx.clearRect(0, 0, w, h);
  canvas.dataset.points = "0";
  const xs = series.flatMap((s) => s.x), ys = series.flatMap((s) => s.y).filter(Number.isFinite);
  if (xs.length < 2 || ys.length < 1) return 0;
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (w - 2 * pad);
  const sy = (y) => h - pad - ((y - y0) / (y1 - y0 || 1)) * (h - 2 * pad);
  ctx.strokeStyle = "#c9d1d9"; ctx.lineWidth = 1; ctx.strokeRect(pad, pad / 2, w - 2 * pad, h - 1.5 * pad);
  let drawn = 0;
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 2; ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let started = false;
    s.x.forEach((x, i) => {
      if (!Number.isFinite(s.y[i])) return;
      if (started) ctx.lineTo(sx(x), sy(s.y[i])); else { ctx.moveTo(sx(x), sy(s.y[i])); started = true; }
      drawn += 1;
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.font = "16px system-ui, sans-serif"; ctx.fillStyle = "#101418";
  if (axes) {
    const d = axes.decimals || 0;
    ctx.fillText(`${x0.toFixed(d)}`, pad, h - 8);
    ctx.fillText(`${axes.x}`, w / 2 - 40, h - 8);
    ctx.fillText(`${x1.toFixed(d)} ${axes.unit ?? "mm"}`, w - pad - 70, h - 8);
    ctx.fillText(axes.y, pad + 4, pad + 8);
  }
  for (const m of marks || []) {
    ctx.strokeStyle = m.color; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(sx(m.x), pad / 2); ctx.lineTo(sx(m.x), h - pad); ctx.stroke();
    ctx.fillText(m.label, sx(m.x) + 4, pad + 6);
  }
  canvas.dataset.points = String(drawn);
  return drawn;
}

// An absorbance run's spectra: the dark grey, the blank (reference) amber, the sample blue.
const spectrumColors = { dark: "#4a5560", reference: "#9a5b00", sample: "#0b5cad" };

// A plate's wells coloured by their type in the layout.
const wellColors = { std: "#8796a5", ntc: "#1b7a3a", pos: "#9a5b00", unkn: "#0b5cad" };

// The current run's live plot: the strip's trace, the plate's curves cycle by cycle, or the sweep.
function drawLive() {
  const canvas = $("run-trace");
  let drawn;
  if (state.plate) {
    const p = state.plate;
    drawn = plot(canvas, p.wells.map((well, i) => ({ x: p.cycles.map((c) => c), y: p.values.map((v) => v[i]),
                                                     color: wellColors[p.types[i]] || "#0b5cad", width: 1.5 })), [],
                 { x: "cycle", y: `${p.dye} fluorescence (raw)`, unit: "" });
  } else if (state.occupancy && state.occupancy.x.length) {
    const o = state.occupancy;
    drawn = plot(canvas, [{ x: o.x, y: o.y, color: "#0b5cad" }], [],
                 { x: "signal time", y: "channels with a strand, of those with a pore (%)", unit: "s", decimals: 0 });
  } else if (state.spectra.length) {
    // an absorbance run's spectra as they are taken: counts over wavelength
    drawn = plot(canvas, state.spectra.map((s) => ({ x: s.wavelengthsNM, y: s.counts, color: spectrumColors[s.role] || "#0b5cad",
                                                     width: 1.5 })), [],
                 { x: `wavelength · ${state.spectra.map((s) => s.role).join(", ")} (counts)`, y: "counts", unit: "nm" });
  } else if (state.sweep.x.length) {
    drawn = plot(canvas, [{ x: state.sweep.x, y: state.sweep.y.map((i) => i * 1e6), color: "#0b5cad" }], [],
                 { x: "potential", y: "current (µA)", unit: "V", decimals: 2 });
  } else {
    const t = state.trace;
    drawn = plot(canvas, [{ x: t.map((p) => p[0] / 1000), y: t.map((p) => p[1]), color: "#0b5cad" }], [],
                 { x: "position", y: "reflectance (raw counts)" });
  }
  return drawn;
}

// Counts a redraw of the live plot as its events arrive.
function liveDrawn(drawn) {
  if (drawn <= 0) return;
  state.drawn.live = drawn;
  state.drawn.liveDraws += 1;
  state.drawn.growth.push(drawn);
  $("run-trace").dataset.livePoints = String(drawn);
}

function addCycle(b) {
  if (!state.plate || state.plate.wells.join() !== b.wells.join()) {
    state.plate = { dye: b.dye, wells: b.wells, types: b.types, cycles: [], values: [] };
  }
  const p = state.plate, at = p.cycles.indexOf(b.cycle);
  if (at >= 0) p.values[at] = b.fluorescence;     // a cycle fetched again after a lost frame
  else {
    const i = p.cycles.findIndex((c) => c > b.cycle);
    const k = i < 0 ? p.cycles.length : i;
    p.cycles.splice(k, 0, b.cycle);
    p.values.splice(k, 0, b.fluorescence);
  }
}

function addSweep(b) {
  state.sweep.x.splice(b.first, b.potentials.length, ...b.potentials);
  state.sweep.y.splice(b.first, b.currents.length, ...b.currents);
}

// A sequencing run's channels: a bar of the channel states and the reads so far.
const channelColors = { strand: "#0b5cad", pore: "#1b7a3a", "no-pore": "#8796a5", other: "#4a5560", unknown: "#c9d1d9", adapter: "#6a3fb5", unavailable: "#8796a5", saturated: "#b3261e",
                        zero: "#c9d1d9", multiple: "#9a5b00" };
function showChannels(event) {
  const snap = event.snapshot || event;
  state.channels = snap;
  const strand = (snap.states || {}).strand || 0, pore = (snap.states || {}).pore || 0;
  if (strand + pore > 0 && Number.isFinite(snap.seconds)) {
    state.occupancy.x.push(snap.seconds);
    state.occupancy.y.push((100 * strand) / (strand + pore));
    liveDrawn(drawLive());
  }
  const states = Object.entries(snap.states || {}).filter(([, n]) => n > 0);
  const total = states.reduce((a, [, n]) => a + n, 0) || 1;
  $("run-channels").hidden = false;
  $("channels-bar").replaceChildren(...states.map(([name, n]) => el("span", {
    class: "channel-state", "data-state": name, title: `${name}: ${n}`,
    style: `flex-grow: ${n / total}; background: ${channelColors[name] || "#4a5560"}` }, n / total > 0.08 ? name : "")));
  const totals = snap.totals || {};
  $("channels-text").textContent = `${totals.reads ?? 0} reads so far · ${states.map(([k, n]) => `${k} ${n}`).join(" · ")}`
    + (snap.seconds !== undefined ? ` · ${Number(snap.seconds).toFixed(0)} s` : "");
}

// The stored run drawn from its raw data: a strip's lines, a plate's curves, the voltammogram.
async function drawResultPlot(canvas, runId, which) {
  try {
    const d = await api("GET", `/api/v1/results/${runId}`);
    let drawn = 0, series = [];
    if (d.amplification && d.amplification.length) {
      const target = d.amplification.filter((c) => !d.targetDye || c.dye === d.targetDye);
      series = target.map((c) => `${c.well}:${c.dye}`);
      drawn = plot(canvas, target.map((c) => ({ x: c.corrected.map((_, i) => i + 1), y: c.corrected,
                                                color: wellColors[c.sampleType] || "#0b5cad", width: 1.5 })), [],
                   { x: "cycle", y: `${d.targetDye || "target"} fluorescence (baseline-corrected)`, unit: "" });
    } else if (d.summary && d.summary.sequencing && d.summary.sequencing.lengthHistogram) {
      // the reads' length distribution, as a step line over log-spaced bins
      const bins = d.summary.sequencing.lengthHistogram;
      const x = [], y = [];
      bins.forEach(([start, n], i) => {
        const next = i + 1 < bins.length ? bins[i + 1][0] : Math.round(start * Math.SQRT2);
        x.push(Math.log10(Math.max(start, 50)), Math.log10(next)); y.push(n, n);
      });
      const n50 = d.summary.sequencing.readN50;
      const marks = n50 ? [{ x: Math.log10(n50), label: "N50", color: "#b3261e" }] : [];
      drawn = plot(canvas, [{ x, y, color: "#0b5cad" }], marks, { x: "read length (log10 estimated bases)", y: "reads", unit: "", decimals: 1 });
    } else if (d.absorbance && d.absorbance.wavelengthsNM.length) {
      // the sample's absorbance over wavelength, the assay's analytical and baseline wavelengths marked
      const a = d.absorbance, readable = a.absorbance.filter(Number.isFinite);
      const marks = [{ x: a.analyticalNM, label: `${a.analyticalNM} nm`, color: "#b3261e" },
                     { x: a.baselineNM, label: `${a.baselineNM} nm`, color: "#9a5b00" }];
      drawn = readable.length
        ? plot(canvas, [{ x: a.wavelengthsNM, y: a.absorbance.map((v) => (v === null || v > 3 ? NaN : v)), color: "#0b5cad" }], marks,
               { x: "wavelength", y: "absorbance (AU)", unit: "nm" })
        : plot(canvas, ["reference", "sample", "dark"].filter((k) => a[k]).map((k) => ({ x: a.wavelengthsNM, y: a[k], color: spectrumColors[k] })),
               marks, { x: "wavelength", y: "counts (no absorbance could be computed)", unit: "nm" });
    } else if (d.voltammogram && d.voltammogram.length) {
      const marks = d.stripping && d.stripping.peak ? [{ x: d.stripping.peak.potential, label: "Pb", color: "#b3261e" }] : [];
      drawn = plot(canvas, [{ x: d.voltammogram.map((p) => p[0]), y: d.voltammogram.map((p) => p[1] * 1e6), color: "#0b5cad" }],
                   marks, { x: "potential", y: "current (µA)", unit: "V", decimals: 2 });
    } else if (d.curves) {
      const c = d.curves;
      const marks = [];
      if (c.control) marks.push({ x: c.control.positionMM, label: "C", color: "#1b7a3a" });
      if (c.test) marks.push({ x: c.test.positionMM, label: "T", color: "#b3261e" });
      drawn = plot(canvas, [{ x: c.positionsMM, y: c.absorbance, color: "#8796a5", width: 1 },
                            { x: c.positionsMM, y: c.smoothed, color: "#0b5cad" },
                            { x: c.positionsMM, y: c.baseline, color: "#9a5b00", dash: [6, 4] }], marks,
                   { x: "position", y: "absorbance" });
    }
    state.drawn[which] = drawn;
    state.drawn[`${which}Series`] = series;
    canvas.dataset.resultPoints = String(drawn);
  } catch (_) { /* the plot is a nicety */ }
}

// ---- results, queue, QC, instruments -------------------------------------------------
async function loadResults() {
  state.results = await api("GET", "/api/v1/results?limit=30");
  $("results-list").replaceChildren(...state.results.map((r) => el("div", { class: "item clickable", onclick: () => openResult(r.runId) },
    el("span", { class: "grow" }, `Run ${r.runId} · ${r.sample} · ${r.assay.toUpperCase()}`),
    el("strong", {}, r.resultStatus === "VOID" ? "VOID" : (r.display || (r.results ? severalText(r.status, r.results) : r.status))),
    ...trainingChip(r), ...flagChips(r.flags, r.resultStatus || r.status))));
}

async function openResult(runId) {
  const d = await api("GET", `/api/v1/results/${runId}`);
  state.detail = d;
  const s = d.summary;
  $("result-detail").hidden = false;
  $("detail-title").textContent = `Run ${s.runId} · sample ${s.sample} · ${s.startedAt.replace("T", " ").slice(0, 16)}`;
  $("detail-value").textContent = s.resultStatus === "VOID" ? "VOID" : (s.display || (s.results ? severalText(s.status, s.results) : s.status));
  $("detail-value").classList.toggle("small", !!s.results);
  $("detail-flags").replaceChildren(...trainingChip(s), ...flagChips(s.flags, s.resultStatus || s.status));
  $("detail-interpretation").textContent = [s.sequencing ? yieldText(s.sequencing) : "", s.error ? s.error.message : ""].join(" ").trim();
  $("detail-void").hidden = !(state.session.role === "supervisor" && s.resultId && s.resultStatus !== "VOID");
  showResultRows($("detail-results"), s.results || null, s.assay);
  drawResultPlot($("detail-plot"), runId, "detail");
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
  $("queue-table").tBodies[0].replaceChildren(...items.map((q) => el("tr", { "data-sample": q.sample, "data-run-id": String(q.runId) },
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
  // the instruments of a family with an assay to run
  const families = new Set(state.assays.map((a) => a.family));
  const usable = devices.filter((d) => families.has(d.family));
  $("run-device").replaceChildren(...usable.map((d) => el("option", { value: d.address }, `${d.address} · ${d.description}`)));
  if (usable.some((d) => d.address === chosen)) $("run-device").value = chosen;
  showAssays();
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
  const live = (f) => (b) => {
    if (!state.current || b.ticket !== state.current.ticket) return;
    f(b);
    setProgress(b.received, b.total);
    liveDrawn(drawLive());
  };
  on("trace", live((b) => b.positionsUM.forEach((x, i) => state.trace.push([x, b.reflectance[i]]))));
  on("plate-cycle", live(addCycle));
  on("voltammogram", live(addSweep));
  on("spectrum", live((b) => { state.spectra.push(b.spectrum); }));
  on("channels", (c) => { if (!c.ticket || (state.current && c.ticket === state.current.ticket)) showChannels(c); });
  on("result", (r) => { if (state.current && r.runId === state.current.runId) showReport(r); });
  on("queue", showQueue);
  on("qc", showQC);
}

function restore(run) {
  state.current = null;
  showRun(run);
  if (run.report) return;
  state.trace = run.positionsUM.map((x, i) => [x, run.reflectance[i]]);
  for (const c of run.plateCycles || []) addCycle(c);
  if ((run.potentials || []).length) addSweep({ first: 0, potentials: run.potentials, currents: run.currents });
  state.spectra = [...(run.spectra || [])];
  drawLive();
}

setInterval(() => { $("clock").textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }, 1000);

api("GET", "/api/v1/session").then(signedIn).catch(() => signedOut());
