// Usage dashboard: totals, a per-day chart, and breakdowns by model, user (or tenant) and
// outcome for a date range, from GET /api/v1/usage.
import { api, requireSession } from "./api.js";
import { busy, errorText, h, messageArea, renderShell } from "./ui.js";

const me = await requireSession();
renderShell(me, "/admin/usage.html");
const message = messageArea(document.getElementById("page-message"));
const $ = (id) => document.getElementById(id);
const isPlatform = me.role === "platform_admin";
let measure = "requests";
let days = [];

// The range as the API wants it: `to` is exclusive, so the chosen last day is included.
function query(groupBy) {
  const to = new Date(`${$("to").value}T00:00:00Z`);
  to.setUTCDate(to.getUTCDate() + 1);
  const params = new URLSearchParams({ from: $("from").value, to: to.toISOString().slice(0, 10), groupBy });
  if (isPlatform && $("tenant").value) params.set("tenantId", $("tenant").value);
  return params.toString();
}

const money = (usd) => (usd >= 100 ? `$${usd.toFixed(0)}` : usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`);
const count = (n) => n.toLocaleString();
const duration = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

async function load() {
  message.clear();
  if (!$("from").value || !$("to").value || $("from").value > $("to").value) {
    message.show("error", "Choose a start date on or before the end date.");
    return;
  }
  $("csv-link").href = `/api/v1/usage.csv?${query("day")}`;
  try {
    const [byDay, byModel, byWho, byReason] = await Promise.all([
      api("GET", `/api/v1/usage?${query("day")}`),
      api("GET", `/api/v1/usage?${query("model")}`),
      api("GET", `/api/v1/usage?${query(isPlatform ? "tenant" : "user")}`),
      api("GET", `/api/v1/usage?${query("reason")}`),
    ]);
    const t = byDay.totals ?? { requests: 0, succeeded: 0, blocked: 0, failed: 0, canceled: 0, images: 0, promptTokens: 0, promptImageTokens: 0, outputTokens: 0, imageTokens: 0, thoughtTokens: 0, costUsd: 0, unpriced: 0 };
    for (const id of ["total-requests", "total-images", "total-cost", "total-latency"]) $(id).classList.remove("skeleton");
    $("total-requests").textContent = count(t.requests);
    $("total-outcomes").textContent = `${count(t.succeeded)} succeeded · ${count(t.blocked)} blocked · ${count(t.failed)} failed`;
    $("total-images").textContent = count(t.images);
    const of = (tokens, images) => (images ? `${count(tokens)} (${count(images)} image)` : count(tokens));
    $("total-tokens").textContent =
      `${of(t.promptTokens, t.promptImageTokens)} in · ${of(t.outputTokens, t.imageTokens)} out · ${count(t.thoughtTokens)} thinking tokens`;
    $("total-cost").textContent = money(t.costUsd);
    $("total-unpriced").textContent = t.unpriced ? `${count(t.unpriced)} generations without a price` : "at the prices of each day";
    $("total-latency").textContent = t.latencyP50Ms == null ? "—" : `${duration(t.latencyP50Ms)} / ${duration(t.latencyP95Ms)}`;
    days = byDay.groups;
    drawChart();
    fillTable($("by-model"), byModel.groups, "No generations in this range.");
    fillTable($("by-user"), byWho.groups, "No generations in this range.");
    $("by-reason").replaceChildren(
      ...(byReason.groups.length
        ? byReason.groups.map((g) => h("tr", {}, h("td", {}, g.label), h("td", {}, count(g.requests))))
        : [h("tr", {}, h("td", { colspan: 2, class: "empty" }, "No generations in this range."))]),
    );
  } catch (error) {
    message.show("error", errorText(error));
  }
}

function fillTable(body, groups, emptyText) {
  body.replaceChildren(
    ...(groups.length
      ? groups.map((g) =>
          h(
            "tr",
            {},
            h("td", {}, g.label),
            h("td", { class: "num" }, count(g.requests)),
            h("td", { class: "num" }, count(g.images)),
            h("td", { class: "num" }, money(g.costUsd)),
            h("td", { class: "num" }, g.latencyP50Ms == null ? "—" : `${duration(g.latencyP50Ms)} / ${duration(g.latencyP95Ms)}`),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 5, class: "empty" }, emptyText))]),
  );
}

// A bar per day of the range (days without generations at zero), drawn as SVG.
function drawChart() {
  const chart = $("chart");
  const byKey = new Map(days.map((g) => [g.key, g]));
  const start = new Date(`${$("from").value}T00:00:00Z`);
  const end = new Date(`${$("to").value}T00:00:00Z`);
  const series = [];
  for (let day = new Date(start); day <= end && series.length < 1100; day.setUTCDate(day.getUTCDate() + 1)) {
    const key = day.toISOString().slice(0, 10);
    series.push({ key, value: byKey.get(key)?.[measure] ?? 0 });
  }
  const label = { requests: "Requests", images: "Images", costUsd: "Cost" }[measure];
  chart.setAttribute("aria-label", `${label} per day`);
  if (!series.some((point) => point.value > 0)) {
    chart.replaceChildren(h("p", { class: "empty" }, "Nothing to chart in this range."));
    return;
  }
  const ns = "http://www.w3.org/2000/svg";
  const svg = (tag, attributes) => {
    const element = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
    return element;
  };
  const width = 720, height = 200, pad = 24;
  const max = Math.max(...series.map((point) => point.value));
  const step = (width - pad) / series.length;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height + 20}`, class: "chart-svg", preserveAspectRatio: "none" });
  root.append(svg("line", { x1: pad, y1: height, x2: width, y2: height, class: "chart-axis" }));
  series.forEach((point, index) => {
    const barHeight = max ? (point.value / max) * (height - 10) : 0;
    const bar = svg("rect", { x: pad + index * step + step * 0.15, y: height - barHeight, width: Math.max(1, step * 0.7), height: barHeight, class: "chart-bar" });
    const title = svg("title", {});
    title.textContent = `${point.key}: ${measure === "costUsd" ? money(point.value) : count(point.value)}`;
    bar.append(title);
    root.append(bar);
  });
  const top = svg("text", { x: 0, y: 12, class: "chart-label" });
  top.textContent = measure === "costUsd" ? money(max) : count(max);
  const first = svg("text", { x: pad, y: height + 16, class: "chart-label" });
  first.textContent = series[0].key;
  const last = svg("text", { x: width, y: height + 16, class: "chart-label", "text-anchor": "end" });
  last.textContent = series[series.length - 1].key;
  root.append(top, first, last);
  chart.replaceChildren(root);
}

// The tenant's limits, usage against them (both from `/me`), and its image retention (tenant
// admins only: the platform admin sets limits on the Tenants page).
function showLimits(limits, usage) {
  const against = (used, allowed, unit) => (allowed == null ? `${count(used)} ${unit}, no limit` : `${count(used)} of ${count(allowed)} ${unit}`);
  const rate = (value) => (value == null ? "server default" : value === 0 ? "no limit" : `${count(value)} per minute`);
  const facts = [
    ["Images", against(usage.monthlyImages ?? 0, limits.monthlyImageQuota, "images")],
    ["Tokens", against(usage.monthlyTokens ?? 0, limits.monthlyTokenBudget, "tokens")],
    ["Resets", usage.resetsAt ? new Date(usage.resetsAt).toUTCString().replace(" GMT", " UTC") : "—"],
    ["Blocked or image-less results", limits.quotaCountsImagelessResults ? "count as one image each, with their tokens" : "do not count"],
    ["Running at once", limits.maxConcurrentGenerations == null ? "no limit" : count(limits.maxConcurrentGenerations)],
    ["Waiting beyond that", limits.maxQueuedGenerations == null ? "no limit" : count(limits.maxQueuedGenerations)],
    ["Requests per API key", rate(limits.apiKeyRequestsPerMinute)],
    ["Requests per user", rate(limits.userRequestsPerMinute)],
  ];
  $("limits-facts").replaceChildren(...facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
  $("retention-form").retention.value = limits.imageRetentionDays ?? "";
  $("limits-card").hidden = false;
}

const retentionMessage = messageArea($("retention-message"));
$("retention-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  retentionMessage.clear();
  const input = event.target.retention;
  const days = input.value === "" ? null : Number(input.value);
  if (days !== null && !(Number.isInteger(days) && days >= 1 && days <= 36500)) {
    retentionMessage.show("error", "Keep images for 1 to 36500 days, or leave the field empty to keep them for good.");
    input.focus();
    return;
  }
  await busy(event.submitter ?? event.target.querySelector("button"), "Saving…", async () => {
    try {
      const tenant = await api("PATCH", `/api/v1/tenants/${me.tenant.id}`, { limits: { imageRetentionDays: days } });
      retentionMessage.show("ok", days === null ? "Images are kept for good." : `Images older than ${count(days)} days will be deleted.`);
      showLimits(tenant.limits, me.usage ?? {});
    } catch (error) {
      retentionMessage.show("error", errorText(error));
    }
  });
});

// ---------- start ----------

if (!["platform_admin", "owner", "admin"].includes(me.role)) {
  document.querySelectorAll(".card, .stat-grid, #range-form").forEach((element) => (element.hidden = true));
  message.show("error", "Usage figures are for your organisation's owners and admins.");
} else {
  const today = new Date();
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  $("from").value = first.toISOString().slice(0, 10);
  $("to").value = today.toISOString().slice(0, 10);
  if (isPlatform) {
    $("tenant-field").hidden = false;
    $("who-column").textContent = "Tenant";
    $("users-title").textContent = "By tenant";
    const tenants = await api("GET", "/api/v1/tenants?limit=200").catch(() => ({ items: [] }));
    $("tenant").append(...tenants.items.map((tenant) => h("option", { value: tenant.id }, tenant.name)));
  }
  $("range-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  for (const button of document.querySelectorAll("[data-measure]")) {
    button.addEventListener("click", () => {
      measure = button.dataset.measure;
      for (const other of document.querySelectorAll("[data-measure]")) {
        other.setAttribute("aria-pressed", String(other === button));
        other.className = `button small ${other === button ? "secondary" : "ghost"}`;
      }
      drawChart();
    });
  }
  await load();
  if (!isPlatform) showLimits(me.limits, me.usage ?? {});
}
