// synthguard review dashboard: vanilla JS, no dependencies, no CDN. Talks to /v1 with the key in
// sessionStorage. All server data is inserted as text (textContent), never as HTML.
"use strict";

const KEY = "synthguard.key";
const state = { me: null, objectUrls: [] };

function el(tag, attrs, ...children) {
  const svgTags = ["svg", "line", "polyline", "rect", "text", "g"];
  const node = svgTags.includes(tag)
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function fmtScore(s) { return s === null || s === undefined ? "n/a" : Number(s).toFixed(3); }
function fmtTime(t) { return t ? t.replace("T", " ").slice(0, 19) : ""; }
function pill(text) { return el("span", { class: "pill " + (text || "") }, text || "-"); }

async function api(path, options = {}) {
  const key = sessionStorage.getItem(KEY);
  const headers = Object.assign({ Authorization: "Bearer " + key }, options.headers || {});
  const resp = await fetch(path, Object.assign({}, options, { headers }));
  if (resp.status === 401) { logout("Your key was refused (invalid or revoked)."); throw new Error("401"); }
  if (!resp.ok) {
    let detail = resp.statusText;
    try { detail = (await resp.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(resp.status + ": " + (typeof detail === "string" ? detail : JSON.stringify(detail)));
  }
  return options.raw ? resp : resp.json();
}

async function blobUrl(path) {
  const resp = await api(path, { raw: true });
  const url = URL.createObjectURL(await resp.blob());
  state.objectUrls.push(url);
  return url;
}

function main() { return document.getElementById("main"); }
function show(...nodes) {
  state.objectUrls.forEach((u) => URL.revokeObjectURL(u));
  state.objectUrls = [];
  main().replaceChildren(...nodes);
}
function errorBox(e) { return el("p", { class: "error", id: "error" }, String(e.message || e)); }

function logout(message) {
  sessionStorage.removeItem(KEY);
  state.me = null;
  document.getElementById("nav").hidden = true;
  location.hash = "";
  renderLogin(message);
}

function renderLogin(message) {
  const input = el("input", { id: "api-key", type: "password", autocomplete: "off", required: true });
  const form = el("form", { id: "login-form" }, el("label", { for: "api-key" }, "API key "), input, " ",
    el("button", { type: "submit", id: "login-button", class: "primary" }, "Sign in"));
  const err = el("p", { id: "login-error", class: "error" }, message || "");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    try { await start(); } catch (e) { err.textContent = String(e.message || e); }
  });
  show(el("section", { id: "login" }, el("h1", {}, "Sign in"),
    el("p", {}, "Paste an API key with the moderator, auditor or admin role. It stays in this tab only."),
    form, err));
}

async function start() {
  const me = await api("/v1/me");
  if (me.role === "uploader") {
    sessionStorage.removeItem(KEY);
    throw new Error("An uploader key cannot open the review dashboard.");
  }
  state.me = me;
  document.getElementById("nav").hidden = false;
  document.getElementById("whoami").textContent = me.name + " (" + me.role + ")";
  document.getElementById("nav-audit").hidden = !["auditor", "admin"].includes(me.role);
  if (!location.hash || location.hash === "#/") location.hash = "#/queue";
  else route();
}

// ------------------------------------------------------------------ pages

function jobTable(items, emptyText) {
  if (!items.length) return el("p", { class: "muted", id: "empty" }, emptyText);
  const rows = items.map((j) => el("tr", { class: "row", "data-id": j.id, onclick: () => { location.hash = "#/item/" + j.id; } },
    el("td", {}, el("a", { href: "#/item/" + j.id }, j.id.slice(0, 12))),
    el("td", {}, j.media.name), el("td", {}, j.media.format),
    el("td", {}, pill(j.status)), el("td", {}, pill(j.decision)), el("td", {}, fmtScore(j.score)),
    el("td", {}, j.aigc_label || "-"), el("td", {}, pill(j.review.status)), el("td", {}, fmtTime(j.created_at))));
  return el("table", { id: "jobs" }, el("thead", {}, el("tr", {}, ["id", "file", "format", "status", "verdict",
    "score", "label", "review", "submitted"].map((h) => el("th", {}, h)))), el("tbody", {}, rows));
}

async function renderQueue(params) {
  const status = params.get("status") || "open";
  const label = params.get("label") || "";
  const select = el("select", { id: "queue-status", onchange: (e) => { location.hash = "#/queue?status=" + e.target.value + "&label=" + label; } },
    ["open", "pending", "escalated", "confirmed", "overturned", "all"].map((s) => el("option", { value: s, selected: s === status }, s)));
  const labelSel = el("select", { id: "queue-label", onchange: (e) => { location.hash = "#/queue?status=" + status + "&label=" + e.target.value; } },
    ["", "1", "2", "3"].map((s) => el("option", { value: s, selected: s === label }, s ? "label " + s : "any label")));
  const q = new URLSearchParams({ status, limit: "100" });
  if (label) q.set("aigc_label", label);
  try {
    const data = await api("/v1/reviews?" + q);
    show(el("h1", {}, "Review queue"), el("div", { class: "filters" }, "Status ", select, labelSel),
      jobTable(data.items, "Nothing waiting for review."));
  } catch (e) { show(el("h1", {}, "Review queue"), errorBox(e)); }
}

async function renderSearch(params) {
  const term = params.get("q") || "";
  const input = el("input", { id: "search-q", value: term, placeholder: "job id, sha256 or file name" });
  const form = el("form", { class: "filters", id: "search-form" }, input, el("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); location.hash = "#/search?q=" + encodeURIComponent(input.value); });
  let result = el("p", { class: "muted" }, "Search every scan by id, content hash or file name.");
  try {
    const data = await api("/v1/scans?" + new URLSearchParams({ q: term, limit: "100" }));
    result = jobTable(data.items, "No scans match.");
  } catch (e) { result = errorBox(e); }
  show(el("h1", {}, "Search"), form, result);
}

function chart(points, threshold, opts) {
  // points: [{x, y}] with y in [0, 1]; bars: [{x0, x1, y}] for segments.
  const W = 640, H = 160, P = 24;
  const xs = opts.bars ? points.flatMap((p) => [p.x0, p.x1]) : points.map((p) => p.x);
  const xmax = Math.max(1e-6, ...xs);
  const sx = (x) => P + (x / xmax) * (W - 2 * P);
  const sy = (y) => H - P - y * (H - 2 * P);
  const svg = el("svg", { class: "chart " + opts.kind, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": opts.title });
  svg.append(el("line", { x1: P, y1: sy(0), x2: W - P, y2: sy(0), stroke: "#999" }));
  svg.append(el("text", { x: 2, y: sy(1) + 4 }, "1"), el("text", { x: 2, y: sy(0) + 4 }, "0"),
    el("text", { x: W - P - 40, y: H - 6 }, xmax.toFixed(1) + " s"));
  if (opts.bars) {
    for (const p of points) {
      if (p.y === null) continue;
      svg.append(el("rect", { class: "bar", x: sx(p.x0), y: sy(p.y), width: Math.max(1, sx(p.x1) - sx(p.x0) - 1), height: sy(0) - sy(p.y) }));
    }
  } else {
    const pts = points.filter((p) => p.y !== null).map((p) => `${sx(p.x)},${sy(p.y)}`).join(" ");
    svg.append(el("polyline", { class: "line", points: pts }));
  }
  svg.append(el("line", { class: "thr", x1: P, x2: W - P, y1: sy(threshold), y2: sy(threshold) }));
  return svg;
}

function drawBoxes(img, canvas, regions) {
  const w = img.naturalWidth, h = img.naturalHeight;
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = Math.max(2, w / 200);
  ctx.font = Math.max(10, Math.round(w / 40)) + "px sans-serif";
  for (const r of regions) {
    ctx.strokeStyle = r.score !== null && r.score >= 0.5 ? "#b3261e" : "#1e7d32";
    ctx.strokeRect(r.x, r.y, r.width, r.height);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fillText(r.label + " " + fmtScore(r.score), r.x + 2, Math.max(12, r.y - 4));
  }
}

async function mediaPanel(job, regions) {
  const card = el("div", { class: "card", id: "media" }, el("h2", {}, "Media"));
  if (job.media.purged) { card.append(el("p", { class: "muted" }, "Media purged by the retention policy.")); return card; }
  try {
    const url = await blobUrl("/v1/scans/" + job.id + "/media");
    const kind = (job.report && job.report.media && job.report.media.kind) || "image";
    if (kind === "image") {
      const img = el("img", { src: url, alt: job.media.name, id: "media-img" });
      const canvas = el("canvas", { id: "boxes" });
      img.addEventListener("load", () => drawBoxes(img, canvas, regions));
      card.append(el("div", { class: "media-wrap" }, img, canvas));
    } else if (kind === "video") {
      card.append(el("video", { src: url, controls: true, id: "media-video", width: 480 }));
    } else {
      card.append(el("audio", { src: url, controls: true, id: "media-audio" }));
    }
  } catch (e) { card.append(errorBox(e)); }
  card.append(el("p", { class: "muted" }, job.media.name + " · " + job.media.format + " · " + job.media.size + " bytes · sha256 " + job.media.sha256.slice(0, 16) + "…"));
  return card;
}

async function evidencePanel(job) {
  const card = el("div", { class: "card", id: "evidence" }, el("h2", {}, "Evidence"));
  const report = job.report || { evidence: [] };
  for (const ev of report.evidence) {
    const box = el("div", { class: "evidence", "data-detector": ev.detector },
      el("h3", {}, ev.detector + " v" + ev.detector_version + " "), 
      el("p", {}, "score ", el("b", {}, fmtScore(ev.score)), " · threshold " + fmtScore(ev.threshold) + " · ", pill(ev.flagged ? "flagged" : "below threshold")));
    if (ev.notes.length) box.append(el("ul", {}, ev.notes.map((n) => el("li", { class: "muted" }, n))));
    if (ev.frames.length) {
      box.append(el("p", {}, "Per-frame scores"), chart(ev.frames.map((f) => ({ x: f.time, y: f.score })), ev.threshold, { kind: "frames", title: "frame scores" }));
    }
    if (ev.segments.length) {
      box.append(el("p", {}, "Per-segment scores"), chart(ev.segments.map((s) => ({ x0: s.start, x1: s.end, y: s.score })), ev.threshold, { kind: "segments", bars: true, title: "segment scores" }));
    }
    if (ev.regions.length) {
      box.append(el("p", {}, ev.regions.length + " region(s): " + ev.regions.map((r) => r.label + " " + fmtScore(r.score)).join(", ")));
    }
    for (const a of ev.artifacts) {
      if (!a.sha256) continue;
      if (a.media_type.startsWith("image/")) {
        try { box.append(el("img", { class: "heatmap", alt: a.name, title: a.name + " (" + a.kind + ")", src: await blobUrl("/v1/artifacts/" + a.sha256) })); }
        catch (e) { box.append(errorBox(e)); }
      } else {
        const link = el("a", { href: "#", onclick: async (e2) => { e2.preventDefault(); const r = await api("/v1/artifacts/" + a.sha256, { raw: true }); box.append(el("pre", {}, await r.text())); } }, a.name + " (" + a.kind + ")");
        box.append(el("p", {}, link));
      }
    }
    card.append(box);
  }
  if (!report.evidence.length) card.append(el("p", { class: "muted" }, "No detector evidence (yet)."));
  return card;
}

function decisionPanel(job, onDone) {
  const card = el("div", { class: "card", id: "decision" }, el("h2", {}, "Decision"));
  if (!["moderator", "admin"].includes(state.me.role)) {
    card.append(el("p", { class: "muted" }, "Read-only: your role cannot record decisions."));
    return card;
  }
  const reason = el("textarea", { id: "reason", placeholder: "Reason (required, goes to the audit log)" });
  const final = el("select", { id: "final-decision" }, ["", "pass", "label", "block"].map((d) => el("option", { value: d }, d || "default final decision")));
  const msg = el("p", { id: "decision-msg" });
  const send = async (action) => {
    if (!reason.value.trim()) { msg.className = "error"; msg.textContent = "Give a reason."; return; }
    try {
      await api("/v1/reviews/" + job.id + "/decision", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ action, reason: reason.value, decision: final.value || null }) });
      msg.className = "ok"; msg.textContent = "Recorded: " + action + ".";
      onDone();
    } catch (e) { msg.className = "error"; msg.textContent = String(e.message || e); }
  };
  card.append(reason, el("div", { class: "buttons" }, final,
    el("button", { type: "button", id: "btn-confirm", class: "primary", onclick: () => send("confirm") }, "Confirm"),
    el("button", { type: "button", id: "btn-overturn", onclick: () => send("overturn") }, "Overturn"),
    el("button", { type: "button", id: "btn-escalate", onclick: () => send("escalate") }, "Escalate")), msg);
  return card;
}

async function auditTable(params, id) {
  const data = await api("/v1/audit?" + params);
  const rows = data.items.map((a) => el("tr", { class: "audit-row", "data-action": a.action },
    el("td", {}, a.id), el("td", {}, fmtTime(a.at)), el("td", {}, a.action), el("td", {}, a.actor + " (" + a.role + ")"),
    el("td", {}, (a.source_ip || "") + (a.source_port ? ":" + a.source_port : "")),
    el("td", {}, a.job_id ? el("a", { href: "#/item/" + a.job_id }, a.job_id.slice(0, 12)) : ""),
    el("td", {}, el("code", {}, JSON.stringify(a.details))), el("td", {}, a.evidence_ids.join(" "))));
  return el("table", { id }, el("thead", {}, el("tr", {}, ["#", "when", "action", "who", "source", "job", "details", "evidence"].map((h) => el("th", {}, h)))), el("tbody", {}, rows));
}

async function renderItem(id) {
  let job;
  try { job = await api("/v1/scans/" + encodeURIComponent(id)); } catch (e) { show(el("h1", {}, "Item"), errorBox(e)); return; }
  const report = job.report || {};
  const verdict = report.verdict || {};
  const regions = (report.evidence || []).flatMap((e) => e.regions.filter((r) => r.frame_index === null));
  const summary = el("div", { class: "card", id: "verdict" }, el("h2", {}, "Verdict"),
    el("p", {}, "Status ", pill(job.status), " · verdict ", pill(job.decision), " · score ", el("b", { id: "verdict-score" }, fmtScore(job.score)),
      " · AIGC label ", el("b", {}, job.aigc_label || "none"), " · review ", pill(job.review.status),
      job.review.final_decision ? [" · final ", pill(job.review.final_decision)] : []),
    job.error ? el("p", { class: "error" }, job.error) : null,
    el("ul", {}, (verdict.reasons || []).map((r) => el("li", {}, r))),
    el("p", { class: "muted" }, "policy " + (verdict.policy_version || "-") + " · declared AI by uploader: " + (job.declared_ai ? "yes" : "no") + " · attempts " + job.attempts),
    el("h3", {}, "Provenance and labels"), el("pre", { id: "provenance" }, JSON.stringify(report.provenance || null, null, 2)),
    el("h3", {}, "Uploader context"), el("pre", {}, JSON.stringify(job.context, null, 2)));
  const history = el("div", { class: "card", id: "history" }, el("h2", {}, "Review history"),
    job.review.history.length ? el("ul", {}, job.review.history.map((h) => el("li", {}, fmtTime(h.created_at) + " · " + h.action + (h.decision ? " → " + h.decision : "") + " · " + h.reviewer + ": " + h.reason)))
      : el("p", { class: "muted" }, "No decisions yet."));
  const left = el("div", {}, await mediaPanel(job, regions), summary);
  const right = el("div", {}, decisionPanel(job, () => renderItem(id)), history, await evidencePanel(job));
  const nodes = [el("h1", {}, "Item " + job.id), el("div", { class: "grid" }, left, right)];
  if (["auditor", "admin"].includes(state.me.role)) {
    try { nodes.push(el("h2", {}, "Audit trail"), await auditTable(new URLSearchParams({ job_id: job.id }), "item-audit")); }
    catch (e) { nodes.push(errorBox(e)); }
  }
  show(...nodes);
}

async function renderOverview() {
  try {
    const s = await api("/v1/stats");
    const stat = (label, value, id) => el("div", { class: "stat", id }, el("b", {}, value), label);
    const lat = s.review_latency_seconds;
    const bars = [["label 1", s.labels["1"]], ["label 2", s.labels["2"]], ["label 3", s.labels["3"]]];
    const max = Math.max(1, ...bars.map((b) => b[1]));
    const svg = el("svg", { class: "chart", viewBox: "0 0 640 160", id: "labels-chart" });
    bars.forEach(([name, n], i) => {
      const h = (n / max) * 110;
      svg.append(el("rect", { class: "bar", x: 40 + i * 190, y: 130 - h, width: 120, height: h }),
        el("text", { x: 40 + i * 190, y: 148 }, name + ": " + n));
    });
    show(el("h1", {}, "Overview"), el("div", { class: "stats" },
      stat("scans", s.total, "stat-total"),
      stat("flagged rate", s.flagged_rate === null ? "n/a" : (100 * s.flagged_rate).toFixed(1) + " %", "stat-flagged"),
      stat("open reviews", (s.review.pending || 0) + (s.review.escalated || 0), "stat-open"),
      stat("median review latency", lat.median === null ? "n/a" : lat.median.toFixed(1) + " s", "stat-latency"),
      stat("audit records", s.audit_records, "stat-audit")),
      el("h2", {}, "AIGC labels (GB 45438)"), svg,
      el("h2", {}, "Jobs"), el("pre", {}, JSON.stringify({ jobs: s.jobs, decisions: s.decisions, review: s.review }, null, 2)));
  } catch (e) { show(el("h1", {}, "Overview"), errorBox(e)); }
}

async function renderAudit(params) {
  const action = params.get("action") || "";
  const input = el("input", { id: "audit-action", value: action, placeholder: "action, e.g. review.decision" });
  const form = el("form", { class: "filters" }, input, el("button", { type: "submit" }, "Filter"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); location.hash = "#/audit?action=" + encodeURIComponent(input.value); });
  const verifyMsg = el("span", { id: "verify-msg" });
  const verify = el("button", { type: "button", id: "verify", onclick: async () => {
    const r = await api("/v1/audit/verify"); verifyMsg.textContent = (r.ok ? "chain OK: " : "chain BROKEN: ") + r.message; } }, "Verify hash chain");
  try {
    const q = new URLSearchParams({ limit: "200" });
    if (action) q.set("action", action);
    show(el("h1", {}, "Audit log"), form, el("p", {}, verify, " ", verifyMsg), await auditTable(q, "audit"));
  } catch (e) { show(el("h1", {}, "Audit log"), errorBox(e)); }
}

function route() {
  if (!state.me) return;
  const [path, query] = location.hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", location.hash.startsWith(a.getAttribute("href"))));
  if (path.startsWith("/item/")) return renderItem(decodeURIComponent(path.slice(6)));
  if (path === "/search") return renderSearch(params);
  if (path === "/overview") return renderOverview();
  if (path === "/audit") return renderAudit(params);
  return renderQueue(params);
}

window.addEventListener("hashchange", route);
document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("logout").addEventListener("click", () => logout(""));
  if (sessionStorage.getItem(KEY)) start().catch((e) => renderLogin(String(e.message || e)));
  else renderLogin("");
});
