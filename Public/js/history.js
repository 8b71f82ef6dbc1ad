// History browser: every generation the caller may see, filtered, with previews, the full
// metadata of one (never an upstream token: the API has none to give) and a CSV export.
import { api, requireSession } from "./api.js";
import { errorText, formatDate, h, messageArea, pagedTable, renderShell } from "./ui.js";

const me = await requireSession();
renderShell(me, "/admin/history.html");
const message = messageArea(document.getElementById("page-message"));
const filters = document.getElementById("filters");
const dialog = document.getElementById("detail");

// Percent-encoded (a space is %20): the API takes "+" as a plus sign, not a space.
function query() {
  const parts = [];
  for (const name of ["q", "status", "modelId", "userId", "from", "to"]) {
    const value = filters.elements[name]?.value;
    if (value) parts.push(`${name}=${encodeURIComponent(value)}`);
  }
  return parts.join("&");
}

const table = pagedTable({
  body: document.getElementById("history-body"),
  more: document.getElementById("more"),
  columns: 8,
  path: () => `/api/v1/generations?${query()}`,
  row,
  emptyText: "No generations match.",
});

const money = (usd) => (usd == null ? "—" : `$${usd.toFixed(4)}`);

function row(g) {
  const image = g.images[0];
  return h(
    "tr",
    {},
    h("td", {}, formatDate(g.createdAt)),
    h("td", {}, image ? h("img", { class: "thumb", src: image.previewUrl, alt: "", loading: "lazy" }) : h("span", { class: "muted" }, "—")),
    h("td", { class: "prompt-cell" }, g.prompt || h("span", { class: "muted" }, "(images only)")),
    h("td", {}, g.modelName),
    h("td", {}, g.userEmail),
    h("td", {}, h("span", { class: `badge badge-${g.status}` }, g.status)),
    h("td", {}, money(g.costUsd)),
    h("td", { class: "actions" }, h("button", { type: "button", class: "button ghost small", onclick: () => show(g) }, "Details")),
  );
}

function show(g) {
  const facts = [
    ["Id", g.id], ["Created", formatDate(g.createdAt)], ["Finished", formatDate(g.finishedAt)], ["User", g.userEmail],
    ["Model", g.modelName], ["Source", g.source], ["Status", g.status],
    ["Parameters", [g.aspectRatio, g.imageSize, g.responseModalities?.join("+"), g.thinkingLevel, g.grounding ? "grounded" : null].filter(Boolean).join(" · ") || "defaults"],
    ["Inputs", `${g.inputImageIds.length} image(s)`], ["Outputs", `${g.images.length} of ${g.imageCount} image(s) kept`],
    ["Tokens", `${g.usage.promptTokens ?? "—"} in · ${g.usage.outputTokens ?? "—"} out (${g.usage.imageTokens ?? 0} image) · ${g.usage.thoughtTokens ?? 0} thinking`],
    ["Cost", money(g.costUsd)], ["Latency", g.latencyMs == null ? "—" : `${g.latencyMs} ms`], ["Attempts", String(g.attempts)],
    ["Route", g.upstreamHost ?? "—"], ["Honoured size", g.honoredImageConfig == null ? "—" : g.honoredImageConfig ? "yes" : "no"],
    ["Outcome", g.error ? `${g.error.code}: ${g.error.message}` : g.finishReason ?? "—"],
  ];
  document.getElementById("detail-facts").replaceChildren(...facts.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value ?? "—")]));
  document.getElementById("detail-json").textContent = JSON.stringify(g, null, 2);
  dialog.showModal();
}
document.getElementById("detail-close").addEventListener("click", () => dialog.close());

function reload() {
  document.getElementById("csv-link").href = `/api/v1/generations.csv?${query()}`;
  table.reload();
}

let timer = null;
filters.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(reload, 250);
});
filters.addEventListener("submit", (event) => {
  event.preventDefault();
  reload();
});

try {
  const models = await api("GET", me.role === "member" ? "/api/v1/models" : "/api/v1/models?all=true");
  filters.elements.modelId.append(...models.items.map((model) => h("option", { value: model.id }, model.name)));
  if (me.tenant && me.role !== "member") {
    const users = await api("GET", `/api/v1/users?tenantId=${me.tenant.id}&limit=200`);
    filters.elements.userId.append(...users.items.map((user) => h("option", { value: user.id }, user.email)));
    document.getElementById("user-field").hidden = false;
  }
} catch (error) {
  message.show("error", errorText(error));
}
reload();
