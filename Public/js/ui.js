// Small DOM helpers: elements built with text only (never HTML strings), the shared top bar,
// status messages, dates.
import { api } from "./api.js";

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const roleNames = { platform_admin: "Platform admin", owner: "Owner", admin: "Admin", member: "Member" };
export const roleName = (role) => roleNames[role] ?? role;

export function formatDate(value) {
  if (!value) return "—";
  const date = new Date(value);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// The top bar: brand, the pages this user may open, who is logged in, log out.
export function renderShell(me, current) {
  const links = me.tenant ? [["/studio.html", "Studio"], ["/account.html", "Account"]] : [["/account.html", "Account"]];
  if (me.role === "platform_admin" || me.role === "owner" || me.role === "admin") {
    links.push(["/admin/users.html", "Users"], ["/admin/models.html", "Models"], ["/admin/usage.html", "Usage"], ["/admin/history.html", "History"]);
  }
  if (me.role === "platform_admin") links.push(["/admin/tenants.html", "Tenants"]);
  const nav = h(
    "nav",
    { class: "nav", "aria-label": "Main" },
    links.map(([href, label]) => h("a", { href, class: href === current ? "active" : null, "aria-current": href === current ? "page" : null }, label)),
  );
  const logout = h("button", { class: "button ghost", type: "button" }, "Log out");
  logout.addEventListener("click", async () => {
    logout.disabled = true;
    await api("POST", "/api/v1/auth/logout").catch(() => {});
    location.assign("/login.html");
  });
  const who = h("span", { class: "who" }, me.user.email, me.tenant ? h("span", { class: "muted" }, ` · ${me.tenant.name}`) : null);
  const bar = document.querySelector(".topbar");
  bar.replaceChildren(
    h("a", { class: "brand", href: "/" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Easel"),
    nav,
    h("div", { class: "topbar-end" }, who, logout),
  );
}

// A message area: show("error", text) / show("ok", text) / clear().
export function messageArea(element) {
  return {
    show(kind, text) {
      element.className = `alert alert-${kind}`;
      element.textContent = text;
      element.hidden = false;
    },
    clear() {
      element.hidden = true;
      element.textContent = "";
    },
  };
}

// Runs an async action with the button disabled and a busy label.
export async function busy(button, label, action) {
  const original = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.textContent = original;
  }
}

export function errorText(error) {
  return error.requestId ? `${error.message} (request ${error.requestId})` : error.message;
}

// A list filled from a paginated endpoint, with a "Load more" button: by default a table body
// of `columns` columns, whose `row(item)` builds a <tr>; `emptyItem(text, isError)` builds the
// empty and error placeholders of any other list (a gallery grid, say). `path()` gives the list
// URL without limit or cursor; `emptyText` may be a function, asked when the list is empty.
export function pagedTable({ body, more, columns, path, row, emptyText, limit = 50, emptyItem }) {
  const placeholder =
    emptyItem ?? ((text, isError) => h("tr", {}, h("td", { colspan: columns, class: isError ? "empty error" : "empty" }, text)));
  let cursor = null;
  let latest = 0;
  async function load(reset) {
    // Only the newest request may fill the list: answers can arrive out of order while filters change.
    const ticket = reset ? ++latest : latest;
    try {
      const separator = path().includes("?") ? "&" : "?";
      const page = await api("GET", `${path()}${separator}limit=${limit}${!reset && cursor ? `&cursor=${cursor}` : ""}`);
      if (ticket !== latest) return;
      cursor = page.nextCursor;
      more.hidden = !cursor;
      const rows = page.items.map(row);
      if (reset) body.replaceChildren(...rows);
      else body.append(...rows);
      if (reset && rows.length === 0) body.replaceChildren(placeholder(typeof emptyText === "function" ? emptyText() : emptyText, false));
    } catch (error) {
      if (ticket !== latest) return;
      body.replaceChildren(placeholder(errorText(error), true));
    }
  }
  more.addEventListener("click", () => busy(more, "Loading…", () => load(false)));
  return { reload: () => load(true) };
}

// A "Copy" button for the text of `source`; selects the text where the clipboard is refused.
export function copyButton(button, source) {
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = "Copied";
    } catch {
      getSelection().selectAllChildren(source);
    }
  });
}
