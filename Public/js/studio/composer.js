// The form: its fields as a request, field errors beside their inputs, sending.
import { ApiError, apiForm } from "../api.js";
import { busy, errorText } from "../ui.js";
import { renderAttachments } from "./attachments.js";
import { renderConversationHeader, resetConversation } from "./conversations.js";
import { currentModel } from "./models.js";
import { follow } from "./progress.js";
import { $, composerMessage, state } from "./state.js";
import { setParent, upsertCard } from "./timeline.js";

const form = $("composer");

function showFieldErrors(error) {
  for (const field of form.querySelectorAll("[data-field]")) {
    field.classList.remove("invalid");
    const slot = field.querySelector(".field-error");
    if (slot) slot.textContent = "";
  }
  if (!error?.field) return false;
  const name = error.field.replace(/\[\d+\]$/, "").replace("inputImageIds", "images");
  const field = form.querySelector(`[data-field="${name}"]`);
  if (!field) return false;
  field.classList.add("invalid");
  field.querySelector(".field-error").textContent = error.message;
  return true;
}

function formFor({ modelId, prompt, aspectRatio, imageSize, modalities, thinkingLevel, grounding, imageSearch, serviceTier, count, attachments, parentId, conversationId, fromStart }) {
  const data = new FormData();
  data.append("modelId", modelId);
  data.append("prompt", prompt);
  if (aspectRatio) data.append("aspectRatio", aspectRatio);
  if (imageSize) data.append("imageSize", imageSize);
  if (modalities) data.append("responseModalities", modalities);
  if (thinkingLevel) data.append("thinkingLevel", thinkingLevel);
  data.append("grounding", grounding ? "true" : "false");
  if (imageSearch) data.append("imageSearch", "true");
  if (serviceTier) data.append("serviceTier", serviceTier);
  if (count > 1) data.append("count", String(count));
  if (parentId) data.append("parentId", parentId);
  else if (conversationId) {
    data.append("conversationId", conversationId);
    if (fromStart) data.append("fromStart", "true");
  }
  for (const item of attachments) {
    if (item.kind === "image") data.append("inputImageIds", item.id);
    else data.append("images", item.file, item.file.name);
  }
  return data;
}

// Sends one request and shows its generations (one, or its variations) in the timeline; a
// new conversation when it started one.
export async function submit(request) {
  composerMessage.clear();
  showFieldErrors(null);
  try {
    const answer = await apiForm("POST", "/api/v1/generations", formFor(request));
    const generations = answer.items ?? [answer];
    const generation = generations[0];
    if (state.conversation?.id !== generation.conversationId) {
      // A new conversation (the first turn, or after the old one was deleted elsewhere).
      resetConversation();
      $("timeline").replaceChildren();
      state.conversation = { id: generation.conversationId, title: request.prompt.split("\n")[0].slice(0, 80) || "Untitled" };
      renderConversationHeader();
      history.replaceState(null, "", `/studio.html?conversation=${generation.conversationId}`);
    }
    for (const item of generations) {
      upsertCard(item);
      follow(item.id);
    }
    return generation;
  } catch (error) {
    if (!(error instanceof ApiError) || !showFieldErrors(error)) composerMessage.show("error", errorText(error));
    return null;
  }
}

export function initComposer() {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const model = currentModel();
    if (!model) return;
    const prompt = $("prompt").value.trim();
    if (!prompt && state.attachments.length === 0) {
      showFieldErrors({ field: "prompt", message: "Describe the image you want." });
      $("prompt").focus();
      return;
    }
    const sizeSelect = $("image-size");
    await busy($("generate"), "Sending…", async () => {
      const sent = await submit({
        modelId: model.id,
        prompt,
        aspectRatio: $("aspect-ratio").value,
        imageSize: sizeSelect.disabled ? "" : sizeSelect.value,
        modalities: $("modalities").value,
        thinkingLevel: $("thinking-field").hidden ? "" : $("thinking").value,
        grounding: $("grounding").checked,
        imageSearch: $("image-search").checked,
        serviceTier: $("service-tier").value,
        count: Number($("count").value),
        attachments: state.attachments,
        parentId: state.parent?.id,
        conversationId: state.conversation?.id,
      });
      if (sent) {
        $("prompt").value = "";
        state.attachments = [];
        renderAttachments();
        setParent(null);
      }
    });
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
