// facetrail transparency portal: renders GET /hub/v1/portal. Builds the DOM with
// textContent only (agency names and notes are untrusted text) and draws plots as SVG.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function yesNo(b) {
  return el("span", { class: b ? "yes" : "no" }, b ? "published" : "not published");
}

// Whether the latest report is the node's own statement (verified under its node_key).
function reportCell(a) {
  if (!a.reports || a.reports.length === 0) return el("span", { class: "muted" }, "none");
  if (a.report_signed) {
    return el("span", { class: "yes", title: "verified under the agency's node key " + (a.node_key || "") },
              "signed by the node");
  }
  return el("span", { class: "no", title: "no node key registered: the hub cannot check who sent it" }, "unsigned");
}

function renderAlerts(alerts) {
  const ul = document.getElementById("alerts");
  document.getElementById("alerts-empty").hidden = alerts.length > 0;
  for (const a of alerts) {
    const li = el("li", { class: "alert " + a.kind, "data-kind": a.kind },
      el("strong", {}, a.kind.replace("_", " ")), " — ", a.agency, ": ", a.message,
      el("span", { class: "muted" }, " (" + a.raised_at + ")"));
    if (a.evidence && a.evidence.length) {
      const d = el("details", {}, el("summary", {}, "evidence: both signed notes"));
      a.evidence.forEach((n, i) => d.append(el("p", {}, "note " + (i + 1) + ":"), el("pre", {}, n)));
      li.append(d);
    }
    ul.append(li);
  }
}

function renderAgencies(agencies) {
  const body = document.querySelector("#agencies tbody");
  for (const a of agencies) {
    const rel = a.release
      ? el("span", { class: a.release.revoked ? "no" : "" }, a.release.release_id + (a.release.revoked ? " (revoked)" : ""))
      : el("span", { class: "muted" }, "unknown");
    const cp = a.checkpoint
      ? el("span", {}, "size " + a.checkpoint.size, el("br"), el("span", { class: "muted" }, a.checkpoint.witnessed_at))
      : el("span", { class: "muted" }, "never witnessed");
    body.append(el("tr", { "data-agency": a.id },
      el("td", {}, el("strong", {}, a.name), el("br"), el("code", {}, a.id)),
      el("td", {}, a.jurisdiction),
      el("td", {}, a.suspended ? el("span", { class: "no" }, "suspended" + (a.suspended_reason ? ": " + a.suspended_reason : "")) : "active"),
      el("td", {}, rel),
      el("td", {}, yesNo(a.policy_published)),
      el("td", {}, yesNo(a.disclosure_published)),
      el("td", {}, reportCell(a)),
      el("td", {}, cp)));
  }
}

// One line plot of total queries per report, with the latest split by purpose in the caption.
function plotAgency(a) {
  const W = 360, H = 180, P = 34;
  const pts = a.reports.map((r) => ({ t: Date.parse(r.received_at), v: r.total }));
  const s = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", class: "query-plot",
                         "aria-label": "queries over time for " + a.id });
  s.append(svg("title", {}, "Queries over time: " + a.name));
  s.append(svg("line", { x1: P, y1: H - P, x2: W - 8, y2: H - P, stroke: "#444" }));
  s.append(svg("line", { x1: P, y1: 8, x2: P, y2: H - P, stroke: "#444" }));
  const maxV = Math.max(1, ...pts.map((p) => p.v));
  const t0 = Math.min(...pts.map((p) => p.t)), t1 = Math.max(...pts.map((p) => p.t));
  const x = (t) => (t1 === t0 ? (P + W - 8) / 2 : P + ((t - t0) / (t1 - t0)) * (W - 8 - P));
  const y = (v) => H - P - (v / maxV) * (H - P - 8);
  s.append(svg("text", { x: 2, y: 14, "font-size": 10 }, String(maxV)));
  s.append(svg("text", { x: 2, y: H - P, "font-size": 10 }, "0"));
  s.append(svg("text", { x: P, y: H - 10, "font-size": 10 }, pts.length ? new Date(t0).toISOString().slice(0, 16) : ""));
  if (pts.length > 1) {
    s.append(svg("polyline", { fill: "none", stroke: "#1f5fa8", "stroke-width": 2,
                               points: pts.map((p) => `${x(p.t)},${y(p.v)}`).join(" ") }));
  }
  for (const p of pts) s.append(svg("circle", { cx: x(p.t), cy: y(p.v), r: 3, fill: "#1f5fa8" }));
  const last = a.reports[a.reports.length - 1];
  const split = (o) => Object.entries(o).map(([k, v]) => k + " " + v).join(", ");
  return el("figure", { class: "plot", "data-agency": a.id }, s,
    el("figcaption", {}, el("strong", {}, a.name), ": " + last.total + " queries",
      el("br"), "by purpose: " + split(last.by_purpose), el("br"), "by outcome: " + split(last.by_outcome)));
}

function renderPlots(agencies) {
  const div = document.getElementById("plots");
  const withReports = agencies.filter((a) => a.reports.length > 0);
  if (!withReports.length) div.append(el("p", { class: "muted" }, "No reports yet."));
  for (const a of withReports) div.append(plotAgency(a));
}

function renderRelease(p) {
  const r = p.latest_release;
  const div = document.getElementById("release");
  if (!r) {
    div.append(el("p", { class: "muted" }, "No release published."));
  } else {
    div.append(el("p", {}, "Latest release ", el("strong", {}, r.release_id), " issued " + r.issued_at +
      (r.revoked ? " — REVOKED" : "")));
    div.append(el("ul", {}, ...r.models.map((m) => el("li", {}, m.name + " (" + m.file + ") ", el("code", {}, m.sha256)))));
  }
  const l = p.revocations;
  const rv = document.getElementById("revocations");
  if (!l) {
    rv.append(el("p", { class: "muted" }, "No revocation list published."));
    return;
  }
  rv.append(el("p", {}, "Revocation list " + l.sequence + " issued " + l.issued_at + ": " +
    l.revoked_releases.length + " releases, " + l.revoked_models.length + " models, " +
    l.suspended_agencies.length + " agencies suspended."));
  const items = [...l.revoked_releases.map((x) => "release " + x), ...l.revoked_models.map((x) => "model " + x),
                 ...l.suspended_agencies.map((x) => "agency " + x)];
  if (items.length) rv.append(el("ul", { id: "revoked" }, ...items.map((t) => el("li", {}, t))));
}

async function main() {
  try {
    const res = await fetch("/hub/v1/portal", { cache: "no-store" });
    if (!res.ok) throw new Error("HTTP " + res.status);
    const p = await res.json();
    document.getElementById("generated").textContent = "Generated " + p.generated_at +
      ". Hub witness key: " + p.hub.witness_key;
    renderAlerts(p.alerts);
    renderAgencies(p.agencies);
    renderPlots(p.agencies);
    renderRelease(p);
    document.body.setAttribute("data-loaded", "true");
  } catch (e) {
    const err = document.getElementById("error");
    err.hidden = false;
    err.textContent = "Could not load the portal data: " + e.message;
  }
}

main();
