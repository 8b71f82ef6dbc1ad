// The conversation as a timeline of cards: each turn's prompt, status, text, images, sources
// and what can be done with it.
import { api } from "../api.js";
import { busy, errorText, h } from "../ui.js";
import { attachImage } from "./attachments.js";
import { follow } from "./progress.js";
import { $, pageMessage, state, statusLabels, terminal } from "./state.js";
import { rerunControl, reuseSettings, setParent } from "./turn-actions.js";

export { setParent };

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

function elapsedText(card) {
  const g = card.generation;
  if (terminal.has(g.status)) return g.latencyMs != null ? `${(g.latencyMs / 1000).toFixed(1)} s` : "";
  return `${((Date.now() - card.seenAt) / 1000).toFixed(1)} s`;
}

function metaText(g) {
  const tier = g.serviceTier && g.serviceTier !== "standard" ? g.serviceTier : null;
  const grounded = g.imageSearch ? "grounded with images" : g.grounding ? "grounded" : null;
  return [g.modelName, g.aspectRatio, g.imageSize, grounded, tier].filter(Boolean).join(" · ");
}

// The timeline item of a generation's turn: its own card, or the batch of its variations.
function turnElement(g) {
  if (!g.batchId) return h("li", { class: "turn" });
  let batch = state.batches.get(g.batchId);
  if (!batch) {
    const grid = h("div", { class: "batch-grid" });
    const element = h(
      "li",
      { class: "batch", "data-batch": g.batchId },
      h("div", { class: "turn-head" }, h("p", { class: "turn-prompt" }, g.prompt || h("span", { class: "muted" }, "(images only)")), h("span", { class: "badge" }, "Variations")),
      h("p", { class: "muted small" }, metaText(g)),
      g.inputImages.length ? h("div", { class: "inputs" }, g.inputImages.map((url) => h("img", { src: `${url}/preview`, alt: "Input image", loading: "lazy" }))) : null,
      grid,
    );
    batch = { element, grid };
    state.batches.set(g.batchId, batch);
    $("timeline").append(element);
  }
  const card = h("div", { class: "turn", "data-index": String(g.batchIndex) });
  // In batch order, whatever order they are shown in.
  const after = [...batch.grid.children].find((other) => Number(other.dataset.index) > g.batchIndex);
  batch.grid.insertBefore(card, after ?? null);
  return card;
}

export function upsertCard(generation) {
  let card = state.cards.get(generation.id);
  if (!card) {
    const timeline = $("timeline");
    timeline.querySelector(".empty-state")?.remove();
    card = { element: turnElement(generation), generation, seenAt: Date.now() };
    state.cards.set(generation.id, card);
    if (!generation.batchId) timeline.append(card.element);
    card.element.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
  card.generation = generation;
  renderCard(card);
  if (!terminal.has(generation.status)) follow(generation.id);
}

function renderCard(card) {
  const g = card.generation;
  const inBatch = Boolean(g.batchId);
  const parentCard = g.parentId ? state.cards.get(g.parentId) : null;
  const item = inBatch ? state.batches.get(g.batchId).element : card.element;
  const previous = item.previousElementSibling;
  const parentItem = parentCard?.generation.batchId ? state.batches.get(parentCard.generation.batchId)?.element : parentCard?.element;
  const isBranch = parentCard && previous && parentItem !== previous;

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
    const searched = [...g.groundingSources.webSearchQueries, ...g.groundingSources.imageSearchQueries.map((query) => `${query} (images)`)];
    // An image source links to the page that holds it (Google's display rules), in one click.
    const sourceItem = (source) =>
      h(
        "li",
        {},
        source.kind === "image" ? h("span", { class: "muted small" }, "Image on ") : null,
        h("a", { href: source.uri, target: "_blank", rel: "noopener noreferrer" }, source.title || source.domain || source.uri),
        source.kind === "image" && source.domain && source.title ? h("span", { class: "muted small" }, ` · ${source.domain}`) : null,
      );
    body.push(
      h(
        "div",
        { class: "sources" },
        h("span", { class: "muted small" }, "Sources"),
        h("ul", {}, g.groundingSources.sources.map(sourceItem)),
        searched.length ? h("p", { class: "muted small" }, `Searched for: ${searched.join(", ")}`) : null,
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

  const branchNote = isBranch ? h("p", { class: "branch-note small muted" }, `Branch from “${parentCard.generation.prompt.slice(0, 60)}”`) : null;
  if (inBatch) {
    // The batch shows the prompt, settings and inputs once, above its variations.
    const batch = state.batches.get(g.batchId).element;
    batch.querySelector(".branch-note")?.remove();
    if (branchNote) batch.prepend(branchNote);
  }
  card.element.className = `turn turn-${g.status}`;
  card.element.dataset.id = g.id;
  card.element.replaceChildren(
    ...[
    inBatch ? null : branchNote,
    h(
      "div",
      { class: "turn-head" },
      inBatch ? h("p", { class: "turn-prompt" }, `Variation ${g.batchIndex + 1}`) : h("p", { class: "turn-prompt" }, g.prompt || h("span", { class: "muted" }, "(images only)")),
      h("span", { class: `badge badge-${g.status}` }, statusLabels[g.status] ?? g.status, " ", h("span", { class: "elapsed" }, elapsedText(card))),
    ),
    inBatch ? null : h("p", { class: "muted small" }, metaText(g)),
    !inBatch && g.inputImages.length ? h("div", { class: "inputs" }, g.inputImages.map((url) => h("img", { src: `${url}/preview`, alt: "Input image", loading: "lazy" }))) : null,
    ...body,
    actions.length ? h("div", { class: "row turn-actions" }, actions) : null,
    ].filter(Boolean),
  );
}

// Elapsed time of everything still running, ticking.
export function initTimeline() {
  setInterval(() => {
  for (const card of state.cards.values()) {
    if (!terminal.has(card.generation.status)) {
      const slot = card.element.querySelector(".elapsed");
      if (slot) slot.textContent = elapsedText(card);
    }
  }
}, 250);
}

