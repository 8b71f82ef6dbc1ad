import { api, requireSession } from "./api.js";
import { busy, copyButton, errorText, formatDate, h, messageArea, pagedTable, renderShell, roleName } from "./ui.js";

const me = await requireSession();
renderShell(me, "/admin/users.html");
const message = messageArea(document.getElementById("page-message"));
const form = document.getElementById("invite-form");
let tenantId = me.tenant?.id ?? new URLSearchParams(location.search).get("tenantId");
const table = pagedTable({
  body: document.getElementById("users-body"),
  more: document.getElementById("more"),
  columns: 6,
  path: () => `/api/v1/users?tenantId=${tenantId}`,
  row,
  emptyText: "No users yet. Invite the first one above.",
});
// Per-user monthly image limits (within the tenant's quota), by user id.
let limits = {};
async function load() {
  if (!tenantId) return;
  limits = (await api("GET", `/api/v1/users/limits?tenantId=${tenantId}`).catch(() => null))?.monthlyImageLimits ?? {};
  await table.reload();
}

const isAdmin = ["platform_admin", "owner", "admin"].includes(me.role);
if (!isAdmin) {
  document.querySelectorAll(".card").forEach((card) => (card.hidden = true));
  message.show("error", "Only your organisation's owners and admins manage users.");
} else {
  if (me.role === "admin") form.role.querySelector('option[value="owner"]').remove();
  if (me.role === "platform_admin") await setUpTenantPicker();
  await load();
}

async function setUpTenantPicker() {
  const select = document.getElementById("tenant-select");
  const { items } = await api("GET", "/api/v1/tenants?limit=200");
  if (items.length === 0) {
    document.querySelectorAll(".card").forEach((card) => (card.hidden = true));
    message.show("info", "There are no tenants yet. Create one on the Tenants page first.");
    return;
  }
  tenantId = items.some((t) => t.id === tenantId) ? tenantId : items[0].id;
  select.replaceChildren(...items.map((t) => h("option", { value: t.id, selected: t.id === tenantId }, t.name)));
  document.getElementById("tenant-picker").hidden = false;
  select.addEventListener("change", async () => {
    tenantId = select.value;
    history.replaceState(null, "", `?tenantId=${tenantId}`);
    await load();
  });
}

function showLink(text, url) {
  document.getElementById("link-text").textContent = text;
  document.getElementById("link-value").textContent = url;
  document.getElementById("link-box").hidden = false;
}
copyButton(document.getElementById("copy-link"), document.getElementById("link-value"));

async function patch(user, change, done) {
  try {
    await api("PATCH", `/api/v1/users/${user.id}`, change);
    message.show("ok", done);
    await load();
  } catch (error) {
    message.show("error", errorText(error));
    await load();
  }
}

function limitInput(user) {
  const input = h("input", {
    type: "number", min: 0, class: "limit-input", placeholder: "none", value: limits[user.id] ?? "",
    "aria-label": `Monthly image limit of ${user.email}`,
  });
  input.addEventListener("change", async () => {
    const value = input.value === "" ? null : Number(input.value);
    try {
      await api("PUT", `/api/v1/users/${user.id}/limits`, { monthlyImageLimit: value });
      message.show("ok", value == null ? `${user.email} has no limit of their own.` : `${user.email} may make ${value} images a month.`);
    } catch (error) {
      message.show("error", errorText(error));
      input.value = limits[user.id] ?? "";
    }
  });
  return input;
}

function row(user) {
  const self = user.id === me.user.id;
  const roles = me.role === "admin" && user.role !== "owner" ? ["member", "admin"] : ["member", "admin", "owner"];
  const roleSelect = h(
    "select",
    { "aria-label": `Role of ${user.email}`, disabled: self || (me.role === "admin" && user.role === "owner") },
    roles.map((r) => h("option", { value: r, selected: r === user.role }, roleName(r))),
  );
  roleSelect.addEventListener("change", () => patch(user, { role: roleSelect.value }, `${user.email} is now ${roleName(roleSelect.value)}.`));

  const actions = [];
  if (!self && user.status !== "invited") {
    const disabled = user.status === "disabled";
    const toggle = h("button", { class: `button small ${disabled ? "secondary" : "danger"}`, type: "button" }, disabled ? "Enable" : "Disable");
    toggle.addEventListener("click", async () => {
      if (!disabled && !confirm(`Disable ${user.email}? Their sessions and API keys stop working at once.`)) return;
      await busy(toggle, "Saving…", () => patch(user, { status: disabled ? "active" : "disabled" }, `${user.email} is ${disabled ? "enabled" : "disabled"}.`));
    });
    actions.push(toggle);
  }
  const reset = h("button", { class: "button small secondary", type: "button" }, user.status === "invited" ? "New invite link" : "Reset link");
  reset.addEventListener("click", () =>
    busy(reset, "…", async () => {
      try {
        const link = await api("POST", `/api/v1/users/${user.id}/reset-password`);
        showLink(`Send this one-time link to ${user.email}. It works once, until ${formatDate(link.setPasswordExpiresAt)}.`, link.setPasswordUrl);
      } catch (error) {
        message.show("error", errorText(error));
      }
    }),
  );
  if (!self) actions.push(reset);
  const status = { active: ["ok", "Active"], invited: ["info", "Invited"], disabled: ["warn", "Disabled"] }[user.status];
  return h(
    "tr",
    {},
    h("td", {}, h("div", { class: "stack" }, h("strong", {}, user.displayName || user.email), user.displayName ? h("span", { class: "muted small" }, user.email) : null)),
    h("td", {}, roleSelect),
    h("td", {}, h("span", { class: `badge badge-${status[0]}` }, status[1])),
    h("td", {}, formatDate(user.lastLoginAt)),
    h("td", {}, limitInput(user)),
    h("td", { class: "actions" }, actions),
  );
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const email = form.email.value.trim();
  if (!email) {
    message.show("error", "Enter the new user's e-mail.");
    form.email.focus();
    return;
  }
  await busy(form.querySelector("button"), "Inviting…", async () => {
    try {
      const created = await api("POST", "/api/v1/users", { email, displayName: form.displayName.value, role: form.role.value, tenantId });
      form.reset();
      message.clear();
      showLink(`${created.user.email} is invited. Send them this one-time link to set their password.`, created.setPasswordUrl);
      await load();
    } catch (error) {
      message.show("error", errorText(error));
    }
  });
});
