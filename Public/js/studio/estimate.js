// What this request costs at today's prices (model, size, prompt and input images), and what
// is left of the tenant's monthly quota. Typing re-estimates after a pause; an answer that
// arrives after a newer question is dropped.
import { api } from "../api.js";
import { currentModel } from "./models.js";
import { $, state } from "./state.js";

let usage = null;
let estimateTimer = null;
let estimateAsked = 0;

export function scheduleEstimate() {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(refreshEstimate, 400);
}

export async function refreshEstimate() {
  clearTimeout(estimateTimer); // asked now: a pending ask is not needed
  const model = currentModel();
  if (!model) return;
  const asked = ++estimateAsked;
  const parts = [];
  const sizeSelect = $("image-size");
  try {
    const params = new URLSearchParams({
      modelId: model.id,
      promptChars: String($("prompt").value.length),
      inputImages: String(Math.min(state.attachments.length, model.capabilities.maxInputImages)),
    });
    if (!sizeSelect.disabled && sizeSelect.value) params.set("imageSize", sizeSelect.value);
    if ($("service-tier").value) params.set("serviceTier", $("service-tier").value);
    // Each variation is a call of its own, prompt and inputs included.
    const count = Number($("count").value) || 1;
    const estimate = await api("GET", `/api/v1/prices/estimate?${params}`);
    if (estimate.costUsd != null) {
      parts.push(`≈ $${(estimate.costUsd * count).toFixed(3)} for ${count === 1 ? "this image" : `these ${count} images`}`);
    } else if (estimate.serviceTier !== "standard") {
      parts.push(`No ${estimate.serviceTier} price set for this model`);
    }
  } catch {
    // An estimate is a courtesy; the form works without it.
  }
  if (asked !== estimateAsked) return;
  const left = [usage?.imagesLeft, usage?.userImagesLeft].filter((n) => n != null);
  if (left.length) parts.push(`${Math.min(...left)} images left this month`);
  $("estimate").textContent = parts.join(" · ");
}

export async function refreshUsage() {
  usage = (await api("GET", "/api/v1/me").catch(() => null))?.usage ?? usage;
  refreshEstimate();
}

export function initEstimate(me) {
  usage = me.usage;
  for (const id of ["image-size", "service-tier", "count"]) $(id).addEventListener("change", refreshEstimate);
  $("prompt").addEventListener("input", scheduleEstimate);
}
