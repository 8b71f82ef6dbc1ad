import { api, requireSession } from "./api.js";
import { busy, errorText, formatDate, h, messageArea, pagedTable, renderShell } from "./ui.js";

const me = await requireSession();
renderShell(me, "/admin/tenants.html");
const message = messageArea(document.getElementById("page-message"));
const table = pagedTable({
  body: document.getElementById("tenants-body"),
  more: document.getElementById("more"),
  columns: 8,
  path: () => "/api/v1/tenants",
  row,
  emptyText: "No tenants yet. Create the first one above.",
});

if (me.role !== "platform_admin") {
  document.querySelectorAll(".card").forEach((card) => (card.hidden = true));
  message.show("error", "Only platform admins manage tenants.");
} else {
  await table.reload();
}

function limit(value) {
  return value === null ? "Unlimited" : value.toLocaleString();
}

function row(tenant) {
  const suspended = tenant.status === "suspended";
  const toggle = h("button", { class: `button small ${suspended ? "secondary" : "danger"}`, type: "button" }, suspended ? "Activate" : "Suspend");
  toggle.addEventListener("click", async () => {
    if (!suspended && !confirm(`Suspend ${tenant.name}? Its users and API keys are refused until it is activated again.`)) return;
    await busy(toggle, "Saving…", async () => {
      try {
        await api("PATCH", `/api/v1/tenants/${tenant.id}`, { status: suspended ? "active" : "suspended" });
        message.show("ok", `${tenant.name} is ${suspended ? "active" : "suspended"}.`);
        await table.reload();
      } catch (error) {
        message.show("error", errorText(error));
      }
    });
  });
  const edit = h("button", { class: "button small secondary", type: "button" }, "Edit");
  edit.addEventListener("click", () => openEditor(tenant));
  const users = h("a", { class: "button small ghost", href: `/admin/users.html?tenantId=${tenant.id}` }, "Users");
  return h(
    "tr",
    {},
    h("td", {}, tenant.name),
    h("td", {}, h("code", {}, tenant.slug)),
    h("td", {}, h("span", { class: `badge badge-${suspended ? "warn" : "ok"}` }, suspended ? "Suspended" : "Active")),
    h("td", {}, limit(tenant.limits.monthlyImageQuota)),
    h("td", {}, limit(tenant.limits.monthlyTokenBudget)),
    h("td", {}, limit(tenant.limits.maxConcurrentGenerations), tenant.limits.maxQueuedGenerations === null ? "" : h("span", { class: "muted small" }, ` + ${tenant.limits.maxQueuedGenerations} waiting`)),
    h("td", {}, formatDate(tenant.createdAt)),
    h("td", { class: "actions" }, users, edit, toggle),
  );
}

function number(input) {
  return input.value === "" ? null : Number(input.value);
}

const form = document.getElementById("tenant-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!form.name.value.trim()) {
    message.show("error", "A tenant needs a name.");
    form.name.focus();
    return;
  }
  const payload = { name: form.name.value.trim(), limits: { monthlyImageQuota: number(form.quota), maxConcurrentGenerations: number(form.concurrency) } };
  if (form.slug.value.trim()) payload.slug = form.slug.value.trim();
  await busy(form.querySelector("button"), "Creating…", async () => {
    try {
      const tenant = await api("POST", "/api/v1/tenants", payload);
      form.reset();
      message.show("ok", `Created ${tenant.name} (${tenant.slug}).`);
      await table.reload();
    } catch (error) {
      message.show("error", errorText(error));
    }
  });
});

const dialog = document.getElementById("edit-dialog");
const editForm = document.getElementById("edit-form");
const editMessage = messageArea(document.getElementById("edit-message"));
let editing = null;
function openEditor(tenant) {
  editing = tenant;
  editMessage.clear();
  editForm.name.value = tenant.name;
  editForm.quota.value = tenant.limits.monthlyImageQuota ?? "";
  editForm.budget.value = tenant.limits.monthlyTokenBudget ?? "";
  editForm.concurrency.value = tenant.limits.maxConcurrentGenerations ?? "";
  editForm.queued.value = tenant.limits.maxQueuedGenerations ?? "";
  editForm.perKey.value = tenant.limits.apiKeyRequestsPerMinute ?? "";
  editForm.perUser.value = tenant.limits.userRequestsPerMinute ?? "";
  editForm.imageless.checked = tenant.limits.quotaCountsImagelessResults;
  editForm.retention.value = tenant.limits.imageRetentionDays ?? "";
  dialog.showModal();
}
document.getElementById("edit-cancel").addEventListener("click", () => dialog.close());
editForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  await busy(document.getElementById("edit-save"), "Saving…", async () => {
    try {
      // Only what changed in the dialog, so a setting changed meanwhile elsewhere (a tenant
      // admin's image retention, say) is not overwritten with what the dialog was opened with.
      const wanted = {
        monthlyImageQuota: number(editForm.quota), monthlyTokenBudget: number(editForm.budget),
        maxConcurrentGenerations: number(editForm.concurrency), maxQueuedGenerations: number(editForm.queued),
        apiKeyRequestsPerMinute: number(editForm.perKey), userRequestsPerMinute: number(editForm.perUser),
        quotaCountsImagelessResults: editForm.imageless.checked, imageRetentionDays: number(editForm.retention),
      };
      const limits = Object.fromEntries(Object.entries(wanted).filter(([field, value]) => editing.limits[field] !== value));
      const payload = { limits };
      if (editForm.name.value !== editing.name) payload.name = editForm.name.value;
      if (Object.keys(limits).length === 0 && payload.name === undefined) {
        dialog.close();
        return;
      }
      await api("PATCH", `/api/v1/tenants/${editing.id}`, payload);
      dialog.close();
      message.show("ok", "Saved.");
      await table.reload();
    } catch (error) {
      editMessage.show("error", errorText(error));
    }
  });
});
