// The report's behaviour: filters, sums of mart rows, and the Plotly charts drawn from them.
"use strict";
const D = JSON.parse(document.getElementById("report-data").textContent);
const PLOT_CONFIG = { displaylogo: false, displayModeBar: false, responsive: true };
const byId = (id) => document.getElementById(id);
const state = { org: "", team: "" };

function money(sums) {
  // sums: {currency: amount}; one figure per currency, never added across currencies.
  const parts = Object.keys(sums).sort().map((currency) =>
    currency + " " + sums[currency].toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  return parts.length ? parts.join(" · ") : "none";
}
function amount(value, currency) {
  return value === null || value === undefined ? "" : money({ [currency]: value });
}
function sumBy(rows, field) {
  const sums = {};
  for (const row of rows) {
    if (row[field] === null || row[field] === undefined) continue;
    sums[row.currency] = (sums[row.currency] || 0) + row[field];
  }
  return sums;
}
function orgMatch(row) { return !state.org || row.org_id === state.org; }
function teamMatch(team) { return !state.team || team === state.team; }
function pct(value) { return value === null || value === undefined ? "" : value.toFixed(1) + " %"; }
function change(cost, previous) {
  if (!previous) return { text: "new", cls: "up" };
  const ratio = (cost - previous) / previous * 100;
  return { text: (ratio >= 0 ? "+" : "") + ratio.toFixed(1) + " %", cls: ratio >= 0 ? "up" : "down" };
}
function show(sectionId, visible) { byId(sectionId).hidden = !visible; }

function table(element, headers, rows) {
  // headers: [[title, "num"|""]]; rows: arrays of cells ({text, cls} or strings)
  const head = "<tr>" + headers.map(([title, kind]) => `<th class="${kind}">${escapeHtml(title)}</th>`).join("") + "</tr>";
  const body = rows.map((cells) => "<tr>" + cells.map((cell, i) => {
    const c = typeof cell === "object" && cell !== null ? cell : { text: cell };
    return `<td class="${headers[i][1]} ${c.cls || ""}">${escapeHtml(String(c.text ?? ""))}</td>`;
  }).join("") + "</tr>").join("");
  element.innerHTML = rows.length ? head + body : `<tr><td class="empty">No rows for this filter.</td></tr>`;
}
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch]));
}
function plot(element, traces, layout) {
  const points = traces.reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
  element.dataset.points = String(points);
  if (!points) {
    Plotly.purge(element);
    element.innerHTML = '<p class="empty">No data for this filter.</p>';
    return;
  }
  if (element.querySelector(".empty")) element.innerHTML = "";
  Plotly.react(element, traces, Object.assign({
    margin: { t: 30, r: 20, b: 40, l: 70 }, legend: { orientation: "h" },
    hovermode: "closest", paper_bgcolor: "#fff", plot_bgcolor: "#fff",
  }, layout), PLOT_CONFIG);
}

function latestCompleteMonth(rows) {
  const complete = rows.filter((r) => r.is_complete_month).map((r) => r.month).sort();
  return complete.length ? complete[complete.length - 1] : null;
}

function renderSummary() {
  const monthly = (D.monthly || []).filter(orgMatch);
  byId("kpi-total").textContent = money(sumBy(monthly, "cost"));
  const month = latestCompleteMonth(D.monthly || []);
  byId("kpi-month-label").textContent = "Latest complete month" + (month ? " (" + month + ")" : "");
  byId("kpi-month").textContent = money(sumBy(monthly.filter((r) => r.month === month), "cost"));
  byId("kpi-failed").textContent = money(sumBy(monthly, "failed_cost"));
  byId("kpi-anomalies").textContent = String(activeAnomalies().length);
}

function renderMonthly() {
  const rows = (D.monthly || []).filter(orgMatch);
  const orgs = [...new Set(rows.map((r) => r.org))].sort();
  const traces = orgs.map((org) => {
    const mine = rows.filter((r) => r.org === org);
    return { type: "bar", name: org, x: mine.map((r) => r.month + "-01"), y: mine.map((r) => r.cost),
      marker: { opacity: mine.map((r) => (r.is_complete_month ? 1 : 0.45)) },
      customdata: mine.map((r) => r.currency), hovertemplate: "%{x|%b %Y}: %{customdata} %{y:,.2f}<extra>" + org + "</extra>" };
  });
  const changes = (D.price_changes || []).filter(orgMatch);
  const shapes = changes.map((c) => ({ type: "line", xref: "x", yref: "paper", x0: c.day, x1: c.day, y0: 0, y1: 1,
    line: { dash: "dash", color: "#d64545", width: 1.5 } }));
  const annotations = changes.map((c, i) => ({ x: c.day, y: 1 - (i % 3) * 0.08, xref: "x", yref: "paper", showarrow: false,
    xanchor: "left", font: { size: 11, color: "#d64545" },
    text: `${c.org}: ${c.currency} ${c.previous_price} → ${c.price}/credit` }));
  plot(byId("chart-monthly"), traces, { barmode: "stack", shapes, annotations,
    xaxis: { type: "date", tickformat: "%b %Y" }, yaxis: { title: { text: "cost" } } });
}

function renderBreakdown() {
  const rows = (D.breakdown || []).filter(orgMatch);
  const month = rows.length ? rows[0].month : "";
  byId("breakdown-note").textContent = month ? `Cost in ${month} (the latest complete month) against the month before.` : "";
  const container = byId("breakdown");
  container.innerHTML = "";
  // lay out every box first: a chart drawn before its neighbours exist would take their width
  const boxes = ["project", "workflow", "resource class"].map((dimension) => {
    const box = document.createElement("div");
    box.innerHTML = `<h3>${escapeHtml(dimension)}</h3>`;
    const chart = document.createElement("div");
    chart.className = "chart"; chart.id = "chart-top-" + dimension.replace(" ", "-");
    const tbl = document.createElement("table");
    tbl.id = "table-top-" + dimension.replace(" ", "-");
    box.append(chart, tbl); container.append(box);
    return { dimension, chart, tbl };
  });
  for (const { dimension, chart, tbl } of boxes) {
    const merged = {};
    for (const r of rows.filter((x) => x.dimension === dimension)) {
      const key = r.name + "\u0000" + r.currency;
      const m = merged[key] || (merged[key] = { name: r.name, currency: r.currency, cost: 0, previous_cost: 0 });
      m.cost += r.cost || 0; m.previous_cost += r.previous_cost || 0;
    }
    const top = Object.values(merged).sort((a, b) => b.cost - a.cost).slice(0, 10);
    const names = top.map((t) => t.name).reverse();
    plot(chart, [
      { type: "bar", orientation: "h", name: "month before", y: names, x: top.map((t) => t.previous_cost).reverse(), marker: { color: "#bcccdc" } },
      { type: "bar", orientation: "h", name: month, y: names, x: top.map((t) => t.cost).reverse(), marker: { color: "#2680c2" } },
    ], { barmode: "group", height: 360, margin: { t: 10, r: 20, b: 40, l: 180 } });
    table(tbl, [[dimension, ""], ["cost", "num"], ["month before", "num"], ["change", "num"]],
      top.map((t) => [t.name, amount(t.cost, t.currency), amount(t.previous_cost, t.currency), change(t.cost, t.previous_cost)]));
  }
}

function renderTeams() {
  const all = D.teams || [];
  const month = latestCompleteMonth(all);
  byId("teams-note").textContent = month ? `Chargeback for ${month}: direct cost, shares of split rules, and shared costs received (+) or given (−), with each team's budget.` : "";
  const rows = all.filter((r) => r.month === month && teamMatch(r.team));
  const teams = rows.map((r) => r.team);
  // shared_cost_given is negative in the mart: it stacks below zero
  const part = (field, name, color) => ({ type: "bar", name, x: teams, y: rows.map((r) => r[field] || 0), marker: { color } });
  const traces = [part("direct_cost", "direct", "#2680c2"), part("split_cost", "split", "#7cc1f2"),
    part("shared_cost_received", "shared received", "#f7c948"), part("shared_cost_given", "shared given", "#c5d2de")];
  const budgeted = rows.filter((r) => r.budget_amount !== null);
  if (budgeted.length) traces.push({ type: "scatter", mode: "markers", name: "budget", x: budgeted.map((r) => r.team),
    y: budgeted.map((r) => r.budget_amount), marker: { symbol: "line-ew-open", size: 28, color: "#d64545", line: { width: 3 } } });
  plot(byId("chart-teams"), traces, { barmode: "relative", yaxis: { title: { text: "cost" } } });
  table(byId("table-teams"), [["team", ""], ["direct", "num"], ["split", "num"], ["shared received", "num"], ["shared given", "num"],
    ["total", "num"], ["share of total", "num"], ["budget", "num"], ["budget used", "num"]],
  rows.map((r) => [r.team, amount(r.direct_cost, r.currency), amount(r.split_cost, r.currency), amount(r.shared_cost_received, r.currency),
    amount(r.shared_cost_given, r.currency), amount(r.total_cost, r.currency), pct(r.share_of_total_pct),
    amount(r.budget_amount, r.currency), pct(r.budget_used_pct)]));
}

function activeAnomalies() {
  return (D.anomalies || []).filter((a) => orgMatch(a) && teamMatch(a.team_name));
}

function renderAnomalies() {
  const container = byId("anomalies");
  container.innerHTML = "";
  const anomalies = activeAnomalies();
  if (!anomalies.length) { container.innerHTML = '<p class="empty">No active anomaly for this filter.</p>'; return; }
  for (const a of anomalies) {
    const series = (D.anomaly_series || []).filter((s) => s.anomaly_id === a.anomaly_id);
    const box = document.createElement("div");
    box.className = "anomaly";
    const driver = [a.driver_project_name, a.driver_workflow_name, a.driver_job_name].filter(Boolean).join(" / ");
    box.innerHTML = `<h3>${escapeHtml(a.scope_type)} ${escapeHtml(a.scope_name || "")}: ${escapeHtml(a.direction)} since ${a.first_day} (${escapeHtml(a.severity || "")})</h3>
      <p class="note">Impact ${escapeHtml(amount(a.impact_cost, a.currency))} (${pct(a.impact_pct)}); driver: ${escapeHtml(driver || "not attributed")}${a.driver_resource_class ? " on " + escapeHtml(a.driver_resource_class) : ""}. ${escapeHtml(a.description || "")}</p>`;
    const chart = document.createElement("div");
    chart.className = "chart";
    chart.id = "chart-anomaly-" + a.anomaly_id;
    box.append(chart); container.append(box);
    const days = series.map((s) => s.day);
    const flagged = series.filter((s) => s.is_anomaly);
    plot(chart, [
      { x: days, y: series.map((s) => s.lower_bound_cost), mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
      { x: days, y: series.map((s) => s.upper_bound_cost), mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(38,128,194,0.15)", name: "expected band" },
      { x: days, y: series.map((s) => s.expected_cost), mode: "lines", line: { dash: "dot", color: "#2680c2" }, name: "expected" },
      { x: days, y: series.map((s) => s.actual_cost), mode: "lines", line: { color: "#1f2933" }, name: "actual" },
      { x: flagged.map((s) => s.day), y: flagged.map((s) => s.actual_cost), mode: "markers", marker: { color: "#d64545", size: 8 }, name: "anomalous day" },
    ], { height: 280, xaxis: { type: "date" }, yaxis: { title: { text: a.currency } } });
  }
}

function budgetRows() {
  return (D.budgets || []).filter((b) =>
    (b.scope_type !== "team" || teamMatch(b.scope)) &&
    (b.scope_type !== "org" || !state.org || b.scope === state.org || b.scope === orgName(state.org)));
}
function orgName(orgId) {
  const row = (D.monthly || []).find((r) => r.org_id === orgId);
  return row ? row.org : orgId;
}

function renderBudgets() {
  // the chart burns the latest budget month; the table adds the month before, which is final
  const all = budgetRows();
  const month = all.map((b) => b.month).sort().pop() || "";
  const rows = all.filter((b) => b.month === month);
  const label = (b) => b.scope_type + ": " + b.scope;
  byId("budgets-note").textContent = month ? `${month}, as of ${rows[0].as_of_date}: cost to date and the forecast to month end against each budget; the table adds the month before.` : "";
  const labels = rows.map(label);
  plot(byId("chart-budgets"), [
    { type: "bar", orientation: "h", name: "forecast to month end", y: labels, x: rows.map((b) => b.forecast_cost), marker: { color: "#bcccdc" } },
    { type: "bar", orientation: "h", name: "cost to date", y: labels, x: rows.map((b) => b.cost_to_date), marker: { color: "#2680c2" }, width: 0.4 },
    { type: "scatter", mode: "markers", name: "budget", y: labels, x: rows.map((b) => b.budget_amount),
      marker: { symbol: "line-ns-open", size: 24, color: "#d64545", line: { width: 3 } } },
  ], { barmode: "overlay", height: 120 + 40 * rows.length, margin: { t: 10, r: 20, b: 40, l: 200 } });
  table(byId("table-budgets"), [["month", ""], ["scope", ""], ["budget", "num"], ["cost to date", "num"], ["forecast", "num"], ["forecast / budget", "num"], ["status", ""]],
    all.map((b) => [b.month, label(b), amount(b.budget_amount, b.currency), amount(b.cost_to_date, b.currency),
      amount(b.forecast_cost, b.currency), pct(b.forecast_pct), { text: b.status, cls: /over/.test(b.status) ? "up" : "" }]));
}

function renderFailed() {
  const rows = (D.monthly || []).filter(orgMatch);
  const orgs = [...new Set(rows.map((r) => r.org))].sort();
  plot(byId("chart-failed"), orgs.map((org) => {
    const mine = rows.filter((r) => r.org === org);
    return { type: "bar", name: org, x: mine.map((r) => r.month + "-01"), y: mine.map((r) => r.failed_cost) };
  }), { barmode: "stack", xaxis: { type: "date", tickformat: "%b %Y" }, yaxis: { title: { text: "cost of failed runs" } } });
  const month = latestCompleteMonth(D.monthly || []);
  const top = (D.failed || []).filter((r) => orgMatch(r) && r.month === month)
    .sort((a, b) => b.failed_cost - a.failed_cost).slice(0, 10);
  table(byId("table-failed"), [[`project (${month || ""})`, ""], ["failed runs cost", "num"], ["share of project cost", "num"]],
    top.map((r) => [r.project, amount(r.failed_cost, r.currency), pct(r.cost ? r.failed_cost / r.cost * 100 : null)]));
}

function renderFocus() {
  const rows = D.focus || [];
  const providers = [...new Set(rows.map((r) => r.provider))].sort();
  plot(byId("chart-focus"), providers.map((p) => {
    const mine = rows.filter((r) => r.provider === p);
    return { type: "bar", name: p, x: mine.map((r) => r.month + "-01"), y: mine.map((r) => r.cost) };
  }), { barmode: "stack", xaxis: { type: "date", tickformat: "%b %Y" } });
}

function renderRightsizing() {
  const r = D.rightsizing;
  table(byId("table-rightsizing"), r.columns.map((c) => [c.replaceAll("_", " "), typeof r.rows[0]?.[c] === "number" ? "num" : ""]),
    r.rows.map((row) => r.columns.map((c) => typeof row[c] === "number" ? row[c].toLocaleString("en-US", { maximumFractionDigits: 2 }) : row[c])));
}

const SECTIONS = [
  ["sec-summary", () => D.monthly, renderSummary],
  ["sec-monthly", () => D.monthly, renderMonthly],
  ["sec-breakdown", () => D.breakdown, renderBreakdown],
  ["sec-teams", () => D.teams, renderTeams],
  ["sec-anomalies", () => D.anomalies, renderAnomalies],
  ["sec-budgets", () => D.budgets, renderBudgets],
  ["sec-failed", () => D.monthly, renderFailed],
  ["sec-focus", () => D.focus, renderFocus],
  ["sec-rightsizing", () => D.rightsizing, renderRightsizing],
];

function renderAll() {
  for (const [id, source, render] of SECTIONS) {
    const present = source() !== null && source() !== undefined;
    show(id, present);
    if (present) render();
  }
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered || 0) + 1);
}

function fillFilters() {
  const orgs = new Map((D.monthly || []).map((r) => [r.org_id, r.org]));
  for (const [id, name] of [...orgs].sort((a, b) => a[1].localeCompare(b[1]))) byId("filter-org").add(new Option(name, id));
  const teams = [...new Set((D.teams || []).map((r) => r.team))].sort();
  for (const team of teams) byId("filter-team").add(new Option(team, team));
  byId("filter-org").addEventListener("change", (e) => { state.org = e.target.value; renderAll(); });
  byId("filter-team").addEventListener("change", (e) => { state.team = e.target.value; renderAll(); });
}

byId("provenance").textContent = `Published marts ${D.published.version} (${D.published.published_at}); report built in ${D.built_seconds} s. Amounts are in each row's currency.`;
fillFilters();
renderAll();
