// What the studio's modules share: the page's state, its message areas and a few constants.
import { messageArea } from "../ui.js";

export const $ = (id) => document.getElementById(id);

export const terminal = new Set(["succeeded", "blocked", "failed", "canceled"]);
export const statusLabels = { queued: "Queued", running: "Generating", succeeded: "Done", blocked: "Blocked", failed: "Failed", canceled: "Canceled" };

export const pageMessage = messageArea($("page-message"));
export const composerMessage = messageArea($("composer-message"));

export const state = {
  models: [],
  conversation: null, // {id, title}
  parent: null, // the turn to continue from, when the user picked one
  attachments: [], // {kind: "file", file, url} | {kind: "image", id, url}
  cards: new Map(), // generation id → {element, generation, seenAt}
  batches: new Map(), // batch id → {element, grid}: the variations of one request, side by side
  streams: new Map(), // generation id → EventSource
};
