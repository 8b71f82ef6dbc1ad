import { api, requireSession } from "./api.js";
import { busy, errorText, h, messageArea, renderShell } from "./ui.js";

const me = await requireSession();
renderShell(me, "/admin/models.html");
const message = messageArea(document.getElementById("page-message"));
const body = document.getElementById("models-body");
const dialog = document.getElementById("model-dialog");
const form = document.getElementById("model-form");
const formMessage = messageArea(document.getElementById("form-message"));
const isPlatform = me.role === "platform_admin";
let models = [];
let tenants = [];
let editing = null;

if (!["platform_admin", "owner", "admin"].includes(me.role)) {
  document.querySelector(".card").hidden = true;
  document.getElementById("new-model").hidden = true;
  message.show("error", "Only admins manage models.");
} else {
  if (isPlatform) tenants = (await api("GET", "/api/v1/tenants?limit=200")).items;
  else document.getElementById("models-intro").textContent = "Your organisation's own models (bring your own key), besides the ones the platform offers.";
  await load();
}

async function load() {
  try {
    const list = await api("GET", "/api/v1/models?all=true");
    models = list.items;
    document.getElementById("known-groups").replaceChildren(...list.groups.filter((g) => g.name).map((g) => h("option", { value: g.name })));
    if (models.length === 0) {
      body.replaceChildren(h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No models yet. Add one with “New model”.")));
      return;
    }
    const rows = [];
    for (const group of list.groups) {
      rows.push(h("tr", { class: "group-row" }, h("th", { colspan: 5, scope: "rowgroup" }, group.name || "No group")));
      rows.push(...group.models.map(row));
    }
    body.replaceChildren(...rows);
  } catch (error) {
    body.replaceChildren(h("tr", {}, h("td", { colspan: 5, class: "empty error" }, errorText(error))));
  }
}

async function save(model, change, done) {
  try {
    await api("PATCH", `/api/v1/models/${model.id}`, change);
    if (done) message.show("ok", done);
  } catch (error) {
    message.show("error", errorText(error));
  }
  await load();
}

function row(model) {
  const order = h("input", { class: "order-input", type: "number", min: 0, step: 1, value: model.sortOrder, "aria-label": `Sort order of ${model.name}` });
  order.addEventListener("change", () => save(model, { sortOrder: Number(order.value) }));
  const enabled = h("input", { type: "checkbox", class: "switch", checked: model.enabled, "aria-label": `${model.name} enabled` });
  enabled.addEventListener("change", () => save(model, { enabled: enabled.checked }, `${model.name} is ${enabled.checked ? "enabled" : "disabled"}.`));
  const test = h("button", { class: "button small secondary", type: "button" }, "Test");
  test.addEventListener("click", () => busy(test, "Testing…", () => runTest(model)));
  const edit = h("button", { class: "button small secondary", type: "button" }, "Edit");
  edit.addEventListener("click", () => openForm(model));
  const remove = h("button", { class: "button small danger", type: "button", "aria-label": `Delete ${model.name}` }, "Delete");
  remove.addEventListener("click", async () => {
    if (!confirm(`Delete ${model.name}? People can no longer pick it.`)) return;
    await busy(remove, "Deleting…", async () => {
      try {
        await api("DELETE", `/api/v1/models/${model.id}`);
        message.show("ok", `${model.name} deleted.`);
      } catch (error) {
        message.show("error", errorText(error));
      }
      await load();
    });
  });
  const route = model.baseUrl ? h("code", {}, model.baseUrl) : h("span", { class: "muted" }, "Platform default");
  return h(
    "tr",
    { "data-model": model.name },
    h("td", {}, order),
    h(
      "td",
      {},
      h(
        "div",
        { class: "stack" },
        h("strong", {}, model.name, " ", h("span", { class: `badge badge-${model.scope === "tenant" ? "info" : "revoked"}` }, model.scope === "tenant" ? "Tenant" : "Platform")),
        h("code", { class: "small" }, model.apiModel),
        model.notice ? h("span", { class: "badge badge-warn" }, model.notice) : null,
      ),
    ),
    h("td", {}, h("div", { class: "stack" }, route, model.hasToken ? h("span", { class: "muted small" }, `Token ••••${model.tokenHint}`) : null)),
    h("td", {}, enabled),
    h("td", { class: "actions" }, test, edit, remove),
  );
}

async function runTest(model) {
  try {
    const result = await api("POST", `/api/v1/models/${model.id}/test`);
    const where = `${result.host}, ${result.latencyMs} ms`;
    message.show(result.ok ? "ok" : "error", `${model.name}: ${result.message} (${where})`);
  } catch (error) {
    message.show("error", errorText(error));
  }
}

// ---------- the form ----------

const field = (name) => form.elements.namedItem(name);

function clearFieldErrors() {
  form.querySelectorAll(".field-error").forEach((e) => (e.textContent = ""));
  form.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
}

function showFieldError(error) {
  const box = error.field && form.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
  if (!box) return false;
  box.classList.add("invalid");
  const slot = box.querySelector(".field-error");
  if (slot) slot.textContent = error.message;
  box.querySelector("input, textarea, select")?.focus();
  return true;
}

function fillCapabilities(capabilities) {
  field("maxInputImages").value = capabilities.maxInputImages;
  field("aspectRatios").value = capabilities.aspectRatios.join(", ");
  form.querySelectorAll('input[name="size"]').forEach((box) => (box.checked = capabilities.imageSizes.includes(box.value)));
  form.querySelectorAll('input[name="thinking"]').forEach((box) => (box.checked = capabilities.thinkingLevels.includes(box.value)));
  field("defaultAspectRatio").value = capabilities.defaultAspectRatio ?? "";
  field("defaultImageSize").value = capabilities.defaultImageSize ?? "";
  field("groundingAllowed").checked = capabilities.groundingAllowed;
}

function readCapabilities() {
  return {
    maxInputImages: Number(field("maxInputImages").value || 0),
    aspectRatios: field("aspectRatios").value.split(",").map((s) => s.trim()).filter(Boolean),
    imageSizes: [...form.querySelectorAll('input[name="size"]:checked')].map((b) => b.value),
    thinkingLevels: [...form.querySelectorAll('input[name="thinking"]:checked')].map((b) => b.value),
    groundingAllowed: field("groundingAllowed").checked,
    defaultAspectRatio: field("defaultAspectRatio").value.trim() || null,
    defaultImageSize: field("defaultImageSize").value.trim() || null,
  };
}

function syncFamilyToggle() {
  document.getElementById("capabilities").hidden = !editing && field("useFamily").checked;
}
field("useFamily").addEventListener("change", syncFamilyToggle);

function openForm(model) {
  editing = model;
  form.reset();
  clearFieldErrors();
  formMessage.clear();
  document.getElementById("dialog-title").textContent = model ? `Edit ${model.name}` : "New model";
  document.getElementById("use-family-row").hidden = Boolean(model);
  document.getElementById("remove-token-row").hidden = !model?.hasToken;
  document.getElementById("token-hint").textContent = model?.hasToken ? `A token ending in ${model.tokenHint} is stored; leave empty to keep it.` : "";
  const successor = field("successorId");
  successor.replaceChildren(h("option", { value: "" }, "None"), ...models.filter((m) => m.id !== model?.id).map((m) => h("option", { value: m.id }, m.name)));
  document.getElementById("visibility").hidden = !isPlatform || model?.scope === "tenant";
  document.getElementById("tenant-choices").replaceChildren(
    ...tenants.map((t) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "tenant", value: t.id, checked: model?.tenantIds?.includes(t.id) }), ` ${t.name}`)),
  );
  if (model) {
    for (const name of ["name", "apiModel", "groupName", "sortOrder", "description", "systemInstruction"]) field(name).value = model[name] ?? "";
    field("baseUrl").value = model.baseUrl ?? "";
    field("enabled").checked = model.enabled;
    field("deprecationDate").value = model.deprecationDate ?? "";
    successor.value = model.successorId ?? "";
    field("visibleToAll").checked = model.visibleToAll !== false;
    fillCapabilities(model.capabilities);
  } else {
    const lastGroup = models.at(-1);
    field("groupName").value = lastGroup?.groupName ?? "";
    field("sortOrder").value = lastGroup ? lastGroup.sortOrder + 10 : 10;
  }
  syncFamilyToggle();
  dialog.showModal();
  field("name").focus();
}

document.getElementById("new-model").addEventListener("click", () => openForm(null));
document.getElementById("dialog-cancel").addEventListener("click", () => dialog.close());

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors();
  formMessage.clear();
  const payload = {
    name: field("name").value,
    apiModel: field("apiModel").value,
    groupName: field("groupName").value,
    sortOrder: Number(field("sortOrder").value || 0),
    description: field("description").value,
    systemInstruction: field("systemInstruction").value,
    baseUrl: field("baseUrl").value.trim() || null,
    enabled: field("enabled").checked,
    deprecationDate: field("deprecationDate").value || null,
    successorId: field("successorId").value || null,
  };
  if (field("token").value) payload.token = field("token").value;
  if (editing && field("removeToken").checked) payload.removeToken = true;
  if (editing || !field("useFamily").checked) payload.capabilities = readCapabilities();
  if (isPlatform && editing?.scope !== "tenant") {
    payload.visibleToAll = field("visibleToAll").checked;
    payload.tenantIds = [...form.querySelectorAll('input[name="tenant"]:checked')].map((b) => b.value);
  }
  await busy(document.getElementById("dialog-save"), "Saving…", async () => {
    try {
      const saved = editing
        ? await api("PATCH", `/api/v1/models/${editing.id}`, payload)
        : await api("POST", "/api/v1/models", payload);
      dialog.close();
      message.show("ok", `${saved.name} saved.`);
      await load();
    } catch (error) {
      if (!showFieldError(error)) formMessage.show("error", errorText(error));
    }
  });
});
