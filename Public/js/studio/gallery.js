// The gallery: this user's generations, newest first, with the history API's filters, on the
// console's shared paginated list.
import { formatDate, h, pagedTable } from "../ui.js";
import { openConversation, resetConversation } from "./conversations.js";
import { $, statusLabels } from "./state.js";
import { upsertCard } from "./timeline.js";

let list = null;
let galleryTimer = null;

// Percent-encoded (a space is %20): the API takes "+" as a plus sign, not a space.
function galleryPath() {
  const parts = [];
  const q = $("gallery-q").value.trim();
  if (q) parts.push(`q=${encodeURIComponent(q)}`);
  if ($("gallery-status").value) parts.push(`status=${$("gallery-status").value}`);
  if ($("gallery-model").value) parts.push(`modelId=${$("gallery-model").value}`);
  return `/api/v1/generations${parts.length ? `?${parts.join("&")}` : ""}`;
}

function galleryItem(g) {
  const image = g.images[0];
  const open = () => (g.conversationId ? openConversation(g.conversationId) : (resetConversation(), upsertCard(g)));
  return h(
    "li",
    {},
    h(
      "button",
      { type: "button", class: "gallery-item", onclick: open, title: g.prompt },
      image
        ? h("img", { src: image.previewUrl, alt: g.prompt || "Generated image", loading: "lazy" })
        : h("span", { class: `gallery-placeholder badge-${g.status}` }, statusLabels[g.status] ?? g.status),
      h("span", { class: "gallery-caption" }, g.prompt || "(images only)"),
      h("span", { class: "muted small" }, `${g.modelName} · ${formatDate(g.createdAt)}`),
    ),
  );
}

export function refreshGallery() {
  clearTimeout(galleryTimer);
  galleryTimer = setTimeout(() => list?.reload(), 200);
}

export function initGallery() {
  list = pagedTable({
    body: $("gallery"),
    more: $("gallery-more"),
    path: galleryPath,
    row: galleryItem,
    limit: 24,
    emptyText: () =>
      $("gallery-q").value || $("gallery-status").value || $("gallery-model").value
        ? "Nothing matches these filters."
        : "Your generations will appear here.",
    emptyItem: (text, isError) => h("li", { class: isError ? "empty error" : "empty" }, text),
  });
  $("gallery-filters").addEventListener("input", refreshGallery);
  $("gallery-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    refreshGallery();
  });
  return list.reload();
}

