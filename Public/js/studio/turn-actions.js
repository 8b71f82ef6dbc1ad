// What a turn offers: re-run on another model, reuse its settings, continue from it.
import { busy, h } from "../ui.js";
import { renderAttachments } from "./attachments.js";
import { submit } from "./composer.js";
import { applyCapabilities } from "./models.js";
import { $, state } from "./state.js";

export function rerunControl(g) {
  const others = state.models.filter((model) => model.id !== g.modelId);
  if (others.length === 0) return null;
  const select = h("select", { class: "compact-select", "aria-label": "Model to re-run on" }, others.map((model) => h("option", { value: model.id }, model.name)));
  const button = h("button", { type: "button", class: "button ghost small" }, "Re-run");
  button.addEventListener("click", () =>
    busy(button, "Sending…", () =>
      submit({
        modelId: select.value,
        prompt: g.prompt,
        aspectRatio: g.aspectRatio,
        imageSize: g.imageSize,
        modalities: g.responseModalities?.join(","),
        thinkingLevel: g.thinkingLevel,
        grounding: g.grounding,
        imageSearch: g.imageSearch,
        serviceTier: g.serviceTier,
        attachments: g.inputImageIds.map((id) => ({ kind: "image", id })),
        parentId: g.parentId,
        conversationId: g.conversationId,
        fromStart: !g.parentId,
      }),
    ),
  );
  return h("span", { class: "rerun" }, h("span", { class: "muted small" }, "Re-run on"), select, button);
}

export function reuseSettings(g) {
  if (state.models.some((model) => model.id === g.modelId)) {
    $("model").value = g.modelId;
    applyCapabilities();
  }
  $("prompt").value = g.prompt;
  $("aspect-ratio").value = g.aspectRatio ?? "";
  if (!$("image-size").disabled) $("image-size").value = g.imageSize ?? "";
  $("modalities").value = g.responseModalities?.join(",") === "IMAGE" ? "IMAGE" : "TEXT,IMAGE";
  if (!$("thinking-field").hidden) $("thinking").value = g.thinkingLevel ?? "";
  $("grounding").checked = Boolean(g.grounding) && !$("grounding-field").hidden;
  $("image-search").checked = Boolean(g.imageSearch) && !$("image-search-field").hidden;
  $("service-tier").value = g.serviceTier && g.serviceTier !== "standard" ? g.serviceTier : "";
  state.attachments = g.inputImageIds.map((id, index) => ({ kind: "image", id, url: `/api/v1/images/${id}/preview`, name: `Input ${index + 1}` }));
  renderAttachments();
  $("prompt").focus();
}

export function setParent(g) {
  state.parent = g;
  const note = $("continuing");
  if (!g) {
    note.hidden = true;
    return;
  }
  note.replaceChildren(
    h("span", {}, "Continuing from “", h("strong", {}, g.prompt.slice(0, 60) || "images"), "”"),
    h("button", { type: "button", class: "icon-button", "aria-label": "Continue from the latest turn instead", onclick: () => setParent(null) }, "×"),
  );
  note.hidden = false;
  $("prompt").focus();
}
