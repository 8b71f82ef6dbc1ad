// The studio: pick a model, describe an image, attach inputs, generate, and keep editing the
// result in conversation. Progress comes over server-sent events; every text the model writes
// is shown as text, never as HTML.
import { ApiError, api, apiForm, requireSession } from "./api.js";
import { busy, errorText, formatDate, h, messageArea, renderShell } from "./ui.js";

const me = await requireSession();
if (!me.tenant) {
  // Platform admins belong to no tenant and generate nothing themselves.
  location.replace("/admin/models.html");
}
renderShell(me, "/studio.html");

const acceptedTypes = ["image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"];
const maxImageBytes = 15 * 1024 * 1024;
const terminal = new Set(["succeeded", "blocked", "failed", "canceled"]);

const $ = (id) => document.getElementById(id);
const form = $("composer");
const modelSelect = $("model");
const ratioSelect = $("aspect-ratio");
const sizeSelect = $("image-size");
const thinkingSelect = $("thinking");
const timeline = $("timeline");
const pageMessage = messageArea($("page-message"));
const composerMessage = messageArea($("composer-message"));

const state = {
  models: [],
  conversation: null, // {id, title}
  parent: null, // the turn to continue from, when the user picked one
  attachments: [], // {kind: "file", file, url} | {kind: "image", id, url}
  cards: new Map(), // generation id → {element, generation, seenAt}
  streams: new Map(), // generation id → EventSource
};

// ---------- models ----------

function currentModel() {
  return state.models.find((model) => model.id === modelSelect.value);
}

async function loadModels() {
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
function applyCapabilities() {
  const model = currentModel();
  if (!model) return;
  localStorage.setItem("easel.model", model.id);
  const caps = model.capabilities;
  $("model-description").textContent = model.notice ?? model.description ?? "";
  fillSelect(ratioSelect, caps.aspectRatios, caps.defaultAspectRatio);
  if (caps.imageSizes.length) {
    fillSelect(sizeSelect, caps.imageSizes, caps.defaultImageSize);
    sizeSelect.disabled = false;
  } else {
    sizeSelect.replaceChildren(h("option", { value: "" }, "Fixed"));
    sizeSelect.disabled = true;
  }
  $("thinking-field").hidden = caps.thinkingLevels.length === 0;
  fillSelect(thinkingSelect, caps.thinkingLevels, null);
  $("grounding-field").hidden = !caps.groundingAllowed;
  if (!caps.groundingAllowed) $("grounding").checked = false;
  $("attach-limit").textContent =
    caps.maxInputImages === 0 ? "This model takes no input images." : `Up to ${caps.maxInputImages} images, 15 MB each.`;
  renderAttachments();
  refreshEstimate();
}

// ---------- attachments ----------

function addFiles(files) {
  composerMessage.clear();
  for (const file of files) {
    if (!acceptedTypes.includes(file.type) && !/\.(heic|heif)$/i.test(file.name)) {
      composerMessage.show("error", `${file.name} is not a PNG, JPEG, WebP or HEIC image.`);
      continue;
    }
    if (file.size > maxImageBytes) {
      composerMessage.show("error", `${file.name} is larger than 15 MB.`);
      continue;
    }
    state.attachments.push({ kind: "file", file, url: URL.createObjectURL(file), name: file.name });
  }
  renderAttachments();
}

function attachImage(image, label) {
  if (state.attachments.some((item) => item.kind === "image" && item.id === image.id)) return;
  state.attachments.push({ kind: "image", id: image.id, url: image.previewUrl ?? `${image.url}/preview`, name: label });
  renderAttachments();
  $("prompt").focus();
}

function renderAttachments() {
  scheduleEstimate();
  const limit = currentModel()?.capabilities.maxInputImages ?? 0;
  $("attachments").replaceChildren(
    ...state.attachments.map((item, index) =>
      h(
        "li",
        { class: `attachment${index >= limit ? " over-limit" : ""}` },
        h("img", { src: item.url, alt: "" }),
        h("span", { class: "attachment-name" }, item.name),
        h(
          "button",
          {
            type: "button",
            class: "icon-button",
            "aria-label": `Remove ${item.name}`,
            onclick: () => {
              if (item.kind === "file") URL.revokeObjectURL(item.url);
              state.attachments.splice(state.attachments.indexOf(item), 1);
              renderAttachments();
            },
          },
          "×",
        ),
      ),
    ),
  );
}

const dropzone = $("dropzone");
$("file-input").addEventListener("change", (event) => {
  addFiles([...event.target.files]);
  event.target.value = "";
});
dropzone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropzone.classList.add("dragging");
});
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("dragging"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("dragging");
  addFiles([...event.dataTransfer.files]);
});
document.addEventListener("paste", (event) => {
  const files = [...(event.clipboardData?.files ?? [])];
  if (files.length) {
    event.preventDefault();
    addFiles(files);
  }
});

// ---------- generating ----------

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

function formFor({ modelId, prompt, aspectRatio, imageSize, modalities, thinkingLevel, grounding, attachments, parentId, conversationId, fromStart }) {
  const data = new FormData();
  data.append("modelId", modelId);
  data.append("prompt", prompt);
  if (aspectRatio) data.append("aspectRatio", aspectRatio);
  if (imageSize) data.append("imageSize", imageSize);
  if (modalities) data.append("responseModalities", modalities);
  if (thinkingLevel) data.append("thinkingLevel", thinkingLevel);
  data.append("grounding", grounding ? "true" : "false");
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

async function submit(request) {
  composerMessage.clear();
  showFieldErrors(null);
  try {
    const generation = await apiForm("POST", "/api/v1/generations", formFor(request));
    if (state.conversation?.id !== generation.conversationId) {
      // A new conversation (the first turn, or after the old one was deleted elsewhere).
      resetConversation();
      timeline.replaceChildren();
      state.conversation = { id: generation.conversationId, title: request.prompt.split("\n")[0].slice(0, 80) || "Untitled" };
      renderConversationHeader();
      history.replaceState(null, "", `/studio.html?conversation=${generation.conversationId}`);
    }
    upsertCard(generation);
    follow(generation.id);
    return generation;
  } catch (error) {
    if (!(error instanceof ApiError) || !showFieldErrors(error)) composerMessage.show("error", errorText(error));
    return null;
  }
}

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
  await busy($("generate"), "Sending…", async () => {
    const sent = await submit({
      modelId: model.id,
      prompt,
      aspectRatio: ratioSelect.value,
      imageSize: sizeSelect.disabled ? "" : sizeSelect.value,
      modalities: $("modalities").value,
      thinkingLevel: $("thinking-field").hidden ? "" : thinkingSelect.value,
      grounding: $("grounding").checked,
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
modelSelect.addEventListener("change", applyCapabilities);
sizeSelect.addEventListener("change", refreshEstimate);
$("prompt").addEventListener("input", scheduleEstimate);

// What this request costs at today's prices (model, size, prompt and input images), and what
// is left of the tenant's monthly quota. Typing re-estimates after a pause; an answer that
// arrives after a newer question is dropped.
let usage = me.usage;
let estimateTimer = null;
let estimateAsked = 0;
function scheduleEstimate() {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(refreshEstimate, 400);
}
async function refreshEstimate() {
  clearTimeout(estimateTimer); // asked now: a pending ask is not needed
  const model = currentModel();
  if (!model) return;
  const asked = ++estimateAsked;
  const parts = [];
  try {
    const params = new URLSearchParams({
      modelId: model.id,
      promptChars: String($("prompt").value.length),
      inputImages: String(Math.min(state.attachments.length, model.capabilities.maxInputImages)),
    });
    if (!sizeSelect.disabled && sizeSelect.value) params.set("imageSize", sizeSelect.value);
    const estimate = await api("GET", `/api/v1/prices/estimate?${params}`);
    if (estimate.costUsd != null) {
      parts.push(`≈ $${estimate.costUsd.toFixed(3)} for this image`);
    }
  } catch {
    // An estimate is a courtesy; the form works without it.
  }
  if (asked !== estimateAsked) return;
  const left = [usage?.imagesLeft, usage?.userImagesLeft].filter((n) => n != null);
  if (left.length) parts.push(`${Math.min(...left)} images left this month`);
  $("estimate").textContent = parts.join(" · ");
}

async function refreshUsage() {
  usage = (await api("GET", "/api/v1/me").catch(() => null))?.usage ?? usage;
  refreshEstimate();
}

// Follows one generation over server-sent events until it ends; polls if the stream breaks.
function follow(id) {
  if (state.streams.has(id)) return;
  const source = new EventSource(`/api/v1/generations/${id}/events`);
  state.streams.set(id, source);
  const update = (event) => {
    const generation = JSON.parse(event.data);
    upsertCard(generation);
    if (terminal.has(generation.status)) {
      source.close();
      state.streams.delete(id);
      refreshGallery();
      refreshUsage();
    }
  };
  for (const name of ["queued", "running", "progress", ...terminal]) source.addEventListener(name, update);
  source.onerror = () => {
    source.close();
    state.streams.delete(id);
    poll(id);
  };
}

async function poll(id) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      const generation = await api("GET", `/api/v1/generations/${id}`);
      upsertCard(generation);
      if (terminal.has(generation.status)) return refreshGallery();
    } catch (error) {
      if (error.status === 404 || error.status === 401) return;
    }
  }
}

// ---------- the timeline ----------

const blockedWords = {
  SAFETY: "Google's safety filters blocked this request.",
  IMAGE_SAFETY: "Google's safety filters withheld the image.",
  PROHIBITED_CONTENT: "Google declined: the request asks for prohibited content.",
  BLOCKLIST: "Google declined: the prompt contains blocked terms.",
  RECITATION: "Google withheld the answer because it resembled existing material.",
  OTHER: "Google declined this request without giving a reason.",
};
const failedWords = {
  deadline_exceeded: "Gemini did not answer in time.",
  upstream_unreachable: "Easel could not reach Gemini.",
  no_image: "The model answered without an image. Try rephrasing the prompt.",
  model_missing: "The model of this generation is no longer available.",
};
const statusLabels = { queued: "Queued", running: "Generating", succeeded: "Done", blocked: "Blocked", failed: "Failed", canceled: "Canceled" };

function elapsedText(card) {
  const g = card.generation;
  if (terminal.has(g.status)) return g.latencyMs != null ? `${(g.latencyMs / 1000).toFixed(1)} s` : "";
  return `${((Date.now() - card.seenAt) / 1000).toFixed(1)} s`;
}

function upsertCard(generation) {
  let card = state.cards.get(generation.id);
  if (!card) {
    card = { element: h("li", { class: "turn" }), generation, seenAt: Date.now() };
    state.cards.set(generation.id, card);
    timeline.querySelector(".empty-state")?.remove();
    timeline.append(card.element);
    card.element.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
  card.generation = generation;
  renderCard(card);
  if (!terminal.has(generation.status)) follow(generation.id);
}

function renderCard(card) {
  const g = card.generation;
  const parentCard = g.parentId ? state.cards.get(g.parentId) : null;
  const previous = card.element.previousElementSibling;
  const isBranch = parentCard && previous && parentCard.element !== previous;
  const meta = [g.modelName, g.aspectRatio, g.imageSize, g.grounding ? "grounded" : null].filter(Boolean).join(" · ");

  const body = [];
  if (g.text) body.push(h("p", { class: "turn-text" }, g.text));
  if (g.images.length) {
    body.push(
      h(
        "div",
        { class: "results" },
        g.images.map((image, index) =>
          h(
            "figure",
            { class: "result" },
            h("a", { href: image.url, target: "_blank", rel: "noopener" }, h("img", { src: image.previewUrl, alt: `Result ${index + 1}: ${g.prompt}`, width: image.width, height: image.height, loading: "lazy" })),
            h(
              "figcaption",
              { class: "row" },
              h("span", { class: "muted small" }, image.width && image.height ? `${image.width}×${image.height}` : ""),
              h("a", { class: "button ghost small", href: image.url, download: `easel-${g.id.slice(0, 8)}-${index + 1}` }, "Download"),
              h("button", { type: "button", class: "button ghost small", onclick: () => attachImage(image, `Result ${index + 1}`) }, "Use as input"),
            ),
          ),
        ),
      ),
    );
  }
  if (g.status === "succeeded" && g.imageCount > g.images.length) {
    body.push(h("p", { class: "muted" }, "The images were removed after your organisation's retention period."));
  }
  if (g.status === "blocked") body.push(h("p", { class: "alert alert-error" }, blockedWords[g.blockReason] ?? g.error?.message ?? "Google blocked this request."));
  if (g.status === "failed") {
    body.push(h("p", { class: "alert alert-error" }, failedWords[g.error?.code] ?? g.error?.message ?? "The generation failed.", g.error?.code ? h("span", { class: "muted small" }, ` (${g.error.code})`) : null));
  }
  if (g.status === "canceled") body.push(h("p", { class: "muted" }, "Canceled."));
  if (!terminal.has(g.status) && !g.text) body.push(h("div", { class: "placeholder skeleton", "aria-hidden": "true" }));
  if (g.honoredImageConfig === false) {
    body.push(h("p", { class: "alert alert-info small" }, "The returned image does not have the requested aspect ratio or size: the route may have ignored the image settings."));
  }
  if (g.groundingSources?.sources?.length) {
    body.push(
      h(
        "div",
        { class: "sources" },
        h("span", { class: "muted small" }, "Sources"),
        h("ul", {}, g.groundingSources.sources.map((source) => h("li", {}, h("a", { href: source.uri, target: "_blank", rel: "noopener noreferrer" }, source.title || source.uri)))),
        g.groundingSources.webSearchQueries.length ? h("p", { class: "muted small" }, `Searched for: ${g.groundingSources.webSearchQueries.join(", ")}`) : null,
        g.groundingSources.searchEntryPointHtml
          ? h("iframe", { class: "search-entry", src: `/api/v1/generations/${g.id}/search-entry-point`, title: "Google Search suggestions", sandbox: "allow-popups allow-popups-to-escape-sandbox", loading: "lazy" })
          : null,
      ),
    );
  }

  const actions = [];
  if (!terminal.has(g.status)) {
    actions.push(h("button", { type: "button", class: "button ghost small", onclick: (event) => busy(event.target, "Canceling…", () => api("POST", `/api/v1/generations/${g.id}/cancel`).then(upsertCard).catch((error) => pageMessage.show("error", errorText(error)))) }, "Cancel"));
  }
  if (g.status === "succeeded") {
    actions.push(h("button", { type: "button", class: "button secondary small", onclick: () => setParent(g) }, "Continue editing"));
  }
  if (terminal.has(g.status)) {
    actions.push(h("button", { type: "button", class: "button ghost small", onclick: () => reuseSettings(g) }, "Reuse settings"));
    actions.push(rerunControl(g));
  }

  card.element.className = `turn turn-${g.status}`;
  card.element.dataset.id = g.id;
  card.element.replaceChildren(
    ...[
    isBranch ? h("p", { class: "branch-note small muted" }, `Branch from “${parentCard.generation.prompt.slice(0, 60)}”`) : null,
    h(
      "div",
      { class: "turn-head" },
      h("p", { class: "turn-prompt" }, g.prompt || h("span", { class: "muted" }, "(images only)")),
      h("span", { class: `badge badge-${g.status}` }, statusLabels[g.status] ?? g.status, " ", h("span", { class: "elapsed" }, elapsedText(card))),
    ),
    h("p", { class: "muted small" }, meta),
    g.inputImages.length ? h("div", { class: "inputs" }, g.inputImages.map((url) => h("img", { src: `${url}/preview`, alt: "Input image", loading: "lazy" }))) : null,
    ...body,
    actions.length ? h("div", { class: "row turn-actions" }, actions) : null,
    ].filter(Boolean),
  );
}

// Elapsed time of everything still running, ticking.
setInterval(() => {
  for (const card of state.cards.values()) {
    if (!terminal.has(card.generation.status)) {
      const slot = card.element.querySelector(".elapsed");
      if (slot) slot.textContent = elapsedText(card);
    }
  }
}, 250);

function rerunControl(g) {
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
        attachments: g.inputImageIds.map((id) => ({ kind: "image", id })),
        parentId: g.parentId,
        conversationId: g.conversationId,
        fromStart: !g.parentId,
      }),
    ),
  );
  return h("span", { class: "rerun" }, h("span", { class: "muted small" }, "Re-run on"), select, button);
}

function reuseSettings(g) {
  if (state.models.some((model) => model.id === g.modelId)) {
    modelSelect.value = g.modelId;
    applyCapabilities();
  }
  $("prompt").value = g.prompt;
  ratioSelect.value = g.aspectRatio ?? "";
  if (!sizeSelect.disabled) sizeSelect.value = g.imageSize ?? "";
  $("modalities").value = g.responseModalities?.join(",") === "IMAGE" ? "IMAGE" : "TEXT,IMAGE";
  if (!$("thinking-field").hidden) thinkingSelect.value = g.thinkingLevel ?? "";
  $("grounding").checked = Boolean(g.grounding) && !$("grounding-field").hidden;
  state.attachments = g.inputImageIds.map((id, index) => ({ kind: "image", id, url: `/api/v1/images/${id}/preview`, name: `Input ${index + 1}` }));
  renderAttachments();
  $("prompt").focus();
}

function setParent(g) {
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

// ---------- conversations ----------

function renderConversationHeader() {
  $("timeline-title").textContent = state.conversation?.title ?? "New conversation";
  $("rename-conversation").hidden = !state.conversation;
  $("delete-conversation").hidden = !state.conversation;
}

function resetConversation() {
  for (const source of state.streams.values()) source.close();
  state.streams.clear();
  state.cards.clear();
  state.conversation = null;
  setParent(null);
  timeline.replaceChildren(h("li", { class: "empty-state" }, h("strong", {}, "Nothing here yet."), h("span", { class: "muted" }, "Pick a model, describe an image and press Generate. Each result can be edited further in conversation.")));
  renderConversationHeader();
  history.replaceState(null, "", "/studio.html");
}

async function openConversation(id) {
  resetConversation();
  timeline.replaceChildren(h("li", { class: "empty-state" }, h("span", { class: "muted" }, "Loading conversation…")));
  try {
    const conversation = await api("GET", `/api/v1/conversations/${id}`);
    state.conversation = { id: conversation.id, title: conversation.title };
    timeline.replaceChildren();
    for (const turn of conversation.turns) upsertCard(turn);
    renderConversationHeader();
    history.replaceState(null, "", `/studio.html?conversation=${conversation.id}`);
  } catch (error) {
    resetConversation();
    pageMessage.show("error", errorText(error));
  }
}

$("new-conversation").addEventListener("click", resetConversation);
document.addEventListener("keydown", (event) => {
  if (event.altKey && event.key.toLowerCase() === "n") {
    event.preventDefault();
    resetConversation();
    $("prompt").focus();
  }
});

$("rename-conversation").addEventListener("click", () => {
  const title = $("timeline-title");
  const input = h("input", { class: "title-input", value: state.conversation.title, maxlength: 200, "aria-label": "Conversation title" });
  const finish = async (save) => {
    if (save && input.value.trim() && input.value.trim() !== state.conversation.title) {
      try {
        const updated = await api("PATCH", `/api/v1/conversations/${state.conversation.id}`, { title: input.value.trim() });
        state.conversation.title = updated.title;
        refreshGallery();
      } catch (error) {
        pageMessage.show("error", errorText(error));
      }
    }
    input.replaceWith(title);
    renderConversationHeader();
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") finish(true);
    if (event.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(true), { once: true });
  title.replaceWith(input);
  input.select();
});

$("delete-conversation").addEventListener("click", async (event) => {
  if (!confirm(`Delete “${state.conversation.title}”? Its generations stay in your history.`)) return;
  await busy(event.target, "Deleting…", async () => {
    try {
      await api("DELETE", `/api/v1/conversations/${state.conversation.id}`);
      resetConversation();
      pageMessage.show("ok", "Conversation deleted.");
    } catch (error) {
      pageMessage.show("error", errorText(error));
    }
  });
});

// ---------- gallery ----------

const gallery = $("gallery");
const galleryMore = $("gallery-more");
let galleryCursor = null;

// Percent-encoded (a space is %20): the API takes "+" as a plus sign, not a space.
function galleryPath() {
  const parts = ["limit=24"];
  const q = $("gallery-q").value.trim();
  if (q) parts.push(`q=${encodeURIComponent(q)}`);
  if ($("gallery-status").value) parts.push(`status=${$("gallery-status").value}`);
  if ($("gallery-model").value) parts.push(`modelId=${$("gallery-model").value}`);
  return `/api/v1/generations?${parts.join("&")}`;
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

let galleryRequest = 0;
async function loadGallery(reset) {
  // Only the newest request fills the gallery: answers can arrive out of order while filters change.
  const ticket = reset ? ++galleryRequest : galleryRequest;
  try {
    const page = await api("GET", `${galleryPath()}${!reset && galleryCursor ? `&cursor=${galleryCursor}` : ""}`);
    if (ticket !== galleryRequest) return;
    galleryCursor = page.nextCursor;
    galleryMore.hidden = !galleryCursor;
    const items = page.items.map(galleryItem);
    if (reset) gallery.replaceChildren(...items);
    else gallery.append(...items);
    if (reset && items.length === 0) {
      const filtered = $("gallery-q").value || $("gallery-status").value || $("gallery-model").value;
      gallery.replaceChildren(h("li", { class: "empty" }, filtered ? "Nothing matches these filters." : "Your generations will appear here."));
    }
  } catch (error) {
    if (ticket !== galleryRequest) return;
    gallery.replaceChildren(h("li", { class: "empty error" }, errorText(error)));
  }
}

let galleryTimer = null;
function refreshGallery() {
  clearTimeout(galleryTimer);
  galleryTimer = setTimeout(() => loadGallery(true), 200);
}
$("gallery-filters").addEventListener("input", refreshGallery);
$("gallery-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  refreshGallery();
});
galleryMore.addEventListener("click", () => busy(galleryMore, "Loading…", () => loadGallery(false)));

// ---------- start ----------

await loadModels();
loadGallery(true);
const requested = new URLSearchParams(location.search).get("conversation");
if (requested) openConversation(requested);
