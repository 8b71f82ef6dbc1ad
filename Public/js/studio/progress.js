// Follows generations until they end: server-sent events, or polling if the stream breaks.
import { api } from "../api.js";
import { refreshUsage } from "./estimate.js";
import { refreshGallery } from "./gallery.js";
import { state, terminal } from "./state.js";
import { upsertCard } from "./timeline.js";

export function follow(id) {
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
