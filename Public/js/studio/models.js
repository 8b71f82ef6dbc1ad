// The model select and what the chosen model allows: ratios, sizes, thinking, grounding.
import { api } from "../api.js";
import { errorText, h } from "../ui.js";
import { renderAttachments } from "./attachments.js";
import { refreshEstimate } from "./estimate.js";
import { $, pageMessage, state } from "./state.js";

const modelSelect = $("model");

export function currentModel() {
  return state.models.find((model) => model.id === modelSelect.value);
}

export async function loadModels() {
  try {
    const list = await api("GET", "/api/v1/models");
    state.models = list.items;
    if (list.items.length === 0) {
      modelSelect.replaceChildren(h("option", { value: "" }, "No models available"));
      modelSelect.disabled = true;
      $("generate").disabled = true;
      pageMessage.show("info", "No models are available to you yet. Ask an administrator to enable one.");
      return;
    }
    modelSelect.replaceChildren(
      ...list.groups.map((group) =>
        group.name
          ? h("optgroup", { label: group.name }, group.models.map((model) => h("option", { value: model.id }, model.name)))
          : group.models.map((model) => h("option", { value: model.id }, model.name)),
      ),
    );
    const remembered = localStorage.getItem("easel.model");
    if (remembered && state.models.some((model) => model.id === remembered)) modelSelect.value = remembered;
    $("gallery-model").append(...state.models.map((model) => h("option", { value: model.id }, model.name)));
    applyCapabilities();
  } catch (error) {
    modelSelect.replaceChildren(h("option", { value: "" }, "Models could not be loaded"));
    pageMessage.show("error", errorText(error));
  }
}

function fillSelect(select, values, defaultValue, labels = {}) {
  const previous = select.value;
  const defaultLabel = defaultValue ? `Default (${labels[defaultValue] ?? defaultValue})` : "Default";
  select.replaceChildren(h("option", { value: "" }, defaultLabel), ...values.map((value) => h("option", { value }, labels[value] ?? value)));
  if (values.includes(previous)) select.value = previous;
}

// Offers only what the chosen model supports.
export function applyCapabilities() {
  const model = currentModel();
  if (!model) return;
  localStorage.setItem("easel.model", model.id);
  const caps = model.capabilities;
  const sizeSelect = $("image-size");
  $("model-description").textContent = model.notice ?? model.description ?? "";
  fillSelect($("aspect-ratio"), caps.aspectRatios, caps.defaultAspectRatio);
  if (caps.imageSizes.length) {
    fillSelect(sizeSelect, caps.imageSizes, caps.defaultImageSize);
    sizeSelect.disabled = false;
  } else {
    sizeSelect.replaceChildren(h("option", { value: "" }, "Fixed"));
    sizeSelect.disabled = true;
  }
  $("thinking-field").hidden = caps.thinkingLevels.length === 0;
  fillSelect($("thinking"), caps.thinkingLevels, null);
  $("grounding-field").hidden = !caps.groundingAllowed;
  if (!caps.groundingAllowed) $("grounding").checked = false;
  $("image-search-field").hidden = !caps.imageSearchAllowed;
  if (!caps.imageSearchAllowed) $("image-search").checked = false;
  $("attach-limit").textContent =
    caps.maxInputImages === 0 ? "This model takes no input images." : `Up to ${caps.maxInputImages} images, 15 MB each.`;
  renderAttachments();
  refreshEstimate();
}

export function initModels() {
  modelSelect.addEventListener("change", applyCapabilities);
}
