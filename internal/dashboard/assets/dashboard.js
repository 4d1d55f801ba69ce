// Fledgling cost dashboard: reads GET /v1/dashboard/costs and draws it.
// Money arrives as integer micro-USD and is formatted here only.
(function () {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const KEY_STORE = "fledgling.adminKey";
  const RANGES = { "24h": 24, "7d": 24 * 7, "30d": 24 * 30, "90d": 24 * 90 };
  const PALETTE = ["#2e5bff", "#f79009", "#12b76a", "#ee46bc", "#7a5af8", "#06aed4", "#f04438", "#84adff", "#667085"];
  const MAX_SERIES = 8;
  let charts = [];

  // usd formats integer micro-USD with integer arithmetic (rounded half up):
  // 2 decimals, or 4 below one dollar.
  function usd(micros) {
    const a = Math.abs(micros), d = a !== 0 && a < 1e6 ? 4 : 2;
    const unit = d === 4 ? 100 : 10000, scale = d === 4 ? 1e4 : 1e2;
    const q = Math.floor((a + unit / 2) / unit);
    return (micros < 0 ? "-" : "") + "$" + Math.floor(q / scale).toLocaleString("en-US") + "." + String(q % scale).padStart(d, "0");
  }
  const count = (n) => n.toLocaleString("en-US");
  const pct = (x) => (x * 100).toFixed(1) + "%";

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  function sourceURL() {
    const q = new URLSearchParams(location.search);
    for (const id of ["range", "group_by", "interval"]) if (q.has(id)) $("#" + id).value = q.get(id);
    const hours = RANGES[$("#range").value] || 24 * 7;
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3600e3);
    const p = new URLSearchParams({ from: from.toISOString().replace(/\.\d+Z$/, "Z"), to: to.toISOString().replace(/\.\d+Z$/, "Z"), group_by: $("#group_by").value });
    if ($("#interval").value) p.set("interval", $("#interval").value);
    return "/v1/dashboard/costs?" + p.toString();
  }

  async function load() {
    document.body.dataset.state = "loading";
    const url = sourceURL();
    document.body.dataset.sourceUrl = url;
    const headers = {};
    const key = localStorage.getItem(KEY_STORE);
    if (key) headers.Authorization = "Bearer " + key;
    $("#status").textContent = "";
    try {
      const res = await fetch(url, { headers });
      if (res.status === 401 || res.status === 403) {
        $("#status").textContent = "The admin API needs a key: enter an admin key above and refresh.";
        document.body.dataset.state = "auth";
        return;
      }
      const body = await res.json();
      if (!res.ok) throw new Error((body.error && body.error.message) || res.statusText);
      render(body);
      document.body.dataset.state = "ready";
    } catch (err) {
      $("#status").textContent = "Could not load costs: " + err.message;
      document.body.dataset.state = "error";
    }
  }

  function render(r) {
    renderKPIs(r.totals);
    renderCharts(r);
    renderRoutes(r.routes);
    renderUnpriced(r.unpriced_models);
    renderHistory(r.history);
    const warn = r.warnings.length ? " · " + r.warnings.join(" · ") : "";
    $("#footer").textContent = `${r.from} → ${r.to} (UTC, ${r.interval} buckets) · prices: catalogue ${r.catalogue_date || "?"}${warn}`;
  }

  function renderKPIs(t) {
    for (const k of document.querySelectorAll("[data-kpi]")) {
      const v = t[k.dataset.kpi];
      const out = k.querySelector(".value");
      out.textContent = k.dataset.format === "count" ? count(v) : usd(v);
      out.classList.toggle("negative", v < 0);
    }
    $("#calls-note").textContent = `${count(t.errors)} errors · ${count(t.unpriced_calls + t.unknown_usage_calls)} unpriced`;
  }

  function labels(r) {
    return r.buckets.map((b) => {
      const d = new Date(b), iso = d.toISOString();
      return r.interval === "hour" ? iso.slice(5, 10) + " " + iso.slice(11, 13) + "h" : iso.slice(5, 10);
    });
  }

  // topSeries keeps the costliest series and folds the rest into "other".
  function topSeries(series, n) {
    if (series.length <= MAX_SERIES) return series;
    const top = series.slice(0, MAX_SERIES - 1);
    const other = { key: "other", cost_micros: new Array(n).fill(0) };
    for (const s of series.slice(MAX_SERIES - 1)) s.cost_micros.forEach((v, i) => (other.cost_micros[i] += v));
    return top.concat([other]);
  }

  function renderCharts(r) {
    charts.forEach((c) => c.destroy());
    charts = [];
    $("#group-label").textContent = r.group_by;
    const x = labels(r), toUSD = (a) => a.map((m) => m / 1e6);
    const spend = topSeries(r.series, x.length).map((s, i) => ({
      label: s.key || "(none)", data: toUSD(s.cost_micros), backgroundColor: PALETTE[i % PALETTE.length], stack: "spend",
    }));
    const money = { ticks: { callback: (v) => "$" + Number(v).toLocaleString("en-US") } };
    const tooltip = { callbacks: { label: (c) => `${c.dataset.label}: ${usd(Math.round(c.parsed.y * 1e6))}` } };
    const common = { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: "index", intersect: false } };
    charts.push(new Chart($("#spend-chart"), {
      type: "bar", data: { labels: x, datasets: spend },
      options: { ...common, plugins: { tooltip, legend: { position: "bottom" } }, scales: { x: { stacked: true }, y: { stacked: true, ...money } } },
    }));
    charts.push(new Chart($("#savings-chart"), {
      type: "bar",
      data: { labels: x, datasets: [
        { type: "bar", label: "Realized savings", data: toUSD(r.savings.realized_savings_micros), backgroundColor: "#12b76a", order: 2 },
        { type: "line", label: "Actual cost", data: toUSD(r.savings.cost_micros), borderColor: "#2e5bff", backgroundColor: "#2e5bff", pointRadius: 0, tension: 0.2, order: 1 },
        { type: "line", label: "At primary prices", data: toUSD(r.savings.counterfactual_micros), borderColor: "#f79009", backgroundColor: "#f79009", borderDash: [6, 4], pointRadius: 0, tension: 0.2, order: 1 },
      ] },
      options: { ...common, plugins: { tooltip, legend: { position: "bottom" } }, scales: { y: money } },
    }));
  }

  function money(field, v) {
    const cls = "num" + (field.includes("savings") ? (v > 0 ? " pos" : v < 0 ? " neg" : "") : "");
    return el("td", { class: cls, "data-field": field }, usd(v));
  }

  function renderRoutes(routes) {
    const tb = $("#routes tbody");
    tb.replaceChildren();
    if (!routes.length) tb.append(el("tr", {}, el("td", { colspan: 9, class: "note" }, "No traffic in this range.")));
    for (const r of routes) {
      tb.append(el("tr", { "data-route": r.route },
        routeCell(r), el("td", {}, r.primary || "–"),
        el("td", { class: "num", "data-field": "calls" }, count(r.calls)),
        money("spend_micros", r.spend_micros), money("counterfactual_micros", r.counterfactual_micros),
        money("realized_savings_micros", r.realized_savings_micros), money("shadow_overhead_micros", r.shadow_overhead_micros),
        money("projected_savings_micros", r.projected_savings_micros), money("net_savings_micros", r.net_savings_micros)));
      for (const c of r.candidates) tb.append(candidateRow(r, c));
    }
  }

  function routeCell(r) {
    const td = el("td", {}, el("strong", {}, r.route || "(no route)"));
    const unpriced = r.unpriced_calls + r.unknown_usage_calls;
    if (unpriced) td.append(el("br"), el("span", { class: "note warn" }, `${count(unpriced)} calls unpriced`));
    if (r.failed_attempts) td.append(el("br"), el("span", { class: "note" }, `${count(r.failed_attempts)} failed attempts (${usd(r.failed_attempt_micros)})`));
    return td;
  }

  function candidateRow(r, c) {
    const evals = el("td", { colspan: 3 });
    for (const e of c.evaluators) {
      evals.append(el("span", { class: "eval", "data-evaluator": e.name }, `${e.name} ${pct(e.pass_rate)} [${pct(e.lower)}–${pct(e.upper)}] n=${count(e.n)}`));
    }
    if (!c.evaluators.length) evals.append("no scored pairs yet");
    return el("tr", { class: "candidate", "data-route": r.route, "data-candidate": c.model + "@" + c.version },
      el("td", {}, `↳ ${c.model}@${c.version}`),
      el("td", {}, el("span", { class: "stage " + c.stage }, c.stage), ` ${pct(c.traffic_share)} traffic`),
      el("td", { class: "num" }, `${count(c.pairs)} pairs`, el("br"),
        el("span", { class: "note", title: "candidate vs primary cost on the shadowed requests" }, `${usd(c.candidate_cost_micros)} vs ${usd(c.primary_cost_micros)}`)),
      evals,
      money("shadow_overhead_micros", c.overhead_micros),
      money("projected_savings_micros", c.projected_savings_micros),
      el("td", {}));
  }

  function renderUnpriced(list) {
    const ul = $("#unpriced");
    ul.replaceChildren();
    if (!list.length) ul.append(el("li", { class: "note" }, "Every call in this range was priced."));
    for (const m of list) {
      ul.append(el("li", { "data-model": m.model }, el("strong", {}, m.model || "(unknown model)"),
        ` — ${count(m.unpriced_calls)} without a price, ${count(m.unknown_usage_calls)} without usage`));
    }
  }

  function renderHistory(list) {
    const ul = $("#history");
    ul.replaceChildren();
    if (!list.length) ul.append(el("li", { class: "note" }, "No promotion changes in this range."));
    for (const h of list) {
      ul.append(el("li", { "data-transition": h.route }, `${h.time.slice(0, 16).replace("T", " ")} · ${h.route}: ${h.model}@${h.version} `,
        el("span", { class: "stage " + h.from }, h.from), " → ", el("span", { class: "stage " + h.to }, h.to), ` — ${h.reason}`));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#admin_key").value = localStorage.getItem(KEY_STORE) || "";
    $("#controls").addEventListener("submit", (e) => {
      e.preventDefault();
      const k = $("#admin_key").value.trim();
      if (k) localStorage.setItem(KEY_STORE, k); else localStorage.removeItem(KEY_STORE);
      load();
    });
    for (const id of ["range", "group_by", "interval"]) $("#" + id).addEventListener("change", load);
    load();
  });
})();
