import { api, requireSession } from "./api.js";
import { busy, copyButton, errorText, formatDate, h, messageArea, renderShell, roleName } from "./ui.js";

const me = await requireSession();
renderShell(me, "/account.html");
const page = document.getElementById("account-page");
const pageMessage = messageArea(document.getElementById("page-message"));

function fill(id, text) {
  const element = document.getElementById(id);
  element.classList.remove("skeleton");
  element.textContent = text;
}
fill("profile-email", me.user.email);
fill("profile-role", roleName(me.role));
fill("profile-tenant", me.tenant ? me.tenant.name : "— (platform)");
page.setAttribute("aria-busy", "false");

document.getElementById("logout-all").addEventListener("click", async (event) => {
  if (!confirm("Log out of Easel on every device, this one included?")) return;
  await busy(event.currentTarget, "Logging out…", async () => {
    try {
      await api("POST", "/api/v1/auth/logout-all");
      location.assign("/login.html");
    } catch (error) {
      pageMessage.show("error", errorText(error));
    }
  });
});

// Password
const passwordForm = document.getElementById("password-form");
const passwordMessage = messageArea(document.getElementById("password-message"));
passwordForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = passwordForm.querySelector("button");
  await busy(button, "Saving…", async () => {
    try {
      await api("POST", "/api/v1/me/password", {
        currentPassword: passwordForm.current.value,
        newPassword: passwordForm.next.value,
      });
      passwordForm.reset();
      passwordMessage.show("ok", "Password changed. Your other sessions have ended.");
    } catch (error) {
      passwordMessage.show("error", errorText(error));
    }
  });
});

// API keys
const keysSection = document.getElementById("keys-section");
const keysBody = document.getElementById("keys-body");
const keysMessage = messageArea(document.getElementById("keys-message"));
const keyForm = document.getElementById("key-form");

if (!me.tenant) {
  keysSection.hidden = true;
} else {
  await loadKeys();
}

async function loadKeys() {
  try {
    const { items } = await api("GET", "/api/v1/keys");
    if (items.length === 0) {
      keysBody.replaceChildren(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No API keys yet. Create one above to call Easel from code.")));
      return;
    }
    keysBody.replaceChildren(...items.map(keyRow));
  } catch (error) {
    keysBody.replaceChildren(h("tr", {}, h("td", { colspan: 7, class: "empty error" }, errorText(error))));
  }
}

function keyRow(key) {
  const expired = key.expiresAt && new Date(key.expiresAt) <= new Date();
  const status = key.revokedAt ? ["revoked", "Revoked"] : expired ? ["warn", "Expired"] : ["ok", "Active"];
  const revoke = key.revokedAt
    ? ""
    : h("button", { class: "button danger small", type: "button", "aria-label": `Revoke ${key.name}` }, "Revoke");
  if (revoke) {
    revoke.addEventListener("click", async () => {
      if (!confirm(`Revoke the key "${key.name}"? Programs using it stop working at once.`)) return;
      await busy(revoke, "Revoking…", async () => {
        try {
          await api("DELETE", `/api/v1/keys/${key.id}`);
          keysMessage.show("ok", `Key "${key.name}" revoked.`);
          await loadKeys();
        } catch (error) {
          keysMessage.show("error", errorText(error));
        }
      });
    });
  }
  return h(
    "tr",
    {},
    h("td", {}, key.name),
    h("td", {}, h("code", {}, `${key.prefix}…`)),
    h("td", {}, formatDate(key.createdAt)),
    h("td", {}, formatDate(key.lastUsedAt)),
    h("td", {}, key.expiresAt ? formatDate(key.expiresAt) : "Never"),
    h("td", {}, h("span", { class: `badge badge-${status[0]}` }, status[1])),
    h("td", { class: "actions" }, revoke),
  );
}

keyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = keyForm.name.value.trim();
  if (!name) {
    keysMessage.show("error", "Give the key a name, so you can tell it apart later.");
    keyForm.name.focus();
    return;
  }
  const body = { name };
  if (keyForm.expires.value) body.expiresAt = new Date(`${keyForm.expires.value}T23:59:59`).toISOString();
  await busy(keyForm.querySelector("button"), "Creating…", async () => {
    try {
      const key = await api("POST", "/api/v1/keys", body);
      keyForm.reset();
      keysMessage.clear();
      document.getElementById("new-key-value").textContent = key.secret;
      document.getElementById("new-key").hidden = false;
      await loadKeys();
    } catch (error) {
      keysMessage.show("error", errorText(error));
    }
  });
});

copyButton(document.getElementById("copy-key"), document.getElementById("new-key-value"));
