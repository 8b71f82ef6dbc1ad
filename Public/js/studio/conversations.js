// The conversation on show: its header, opening one, starting anew, renaming, deleting.
import { api } from "../api.js";
import { busy, errorText, h } from "../ui.js";
import { refreshGallery } from "./gallery.js";
import { $, pageMessage, state } from "./state.js";
import { setParent, upsertCard } from "./timeline.js";

export function renderConversationHeader() {
  $("timeline-title").textContent = state.conversation?.title ?? "New conversation";
  $("rename-conversation").hidden = !state.conversation;
  $("delete-conversation").hidden = !state.conversation;
}

export function resetConversation() {
  for (const source of state.streams.values()) source.close();
  state.streams.clear();
  state.cards.clear();
  state.batches.clear();
  state.conversation = null;
  setParent(null);
  $("timeline").replaceChildren(h("li", { class: "empty-state" }, h("strong", {}, "Nothing here yet."), h("span", { class: "muted" }, "Pick a model, describe an image and press Generate. Each result can be edited further in conversation.")));
  renderConversationHeader();
  history.replaceState(null, "", "/studio.html");
}

export async function openConversation(id) {
  resetConversation();
  $("timeline").replaceChildren(h("li", { class: "empty-state" }, h("span", { class: "muted" }, "Loading conversation…")));
  try {
    const conversation = await api("GET", `/api/v1/conversations/${id}`);
    state.conversation = { id: conversation.id, title: conversation.title };
    $("timeline").replaceChildren();
    for (const turn of conversation.turns) upsertCard(turn);
    renderConversationHeader();
    history.replaceState(null, "", `/studio.html?conversation=${conversation.id}`);
  } catch (error) {
    resetConversation();
    pageMessage.show("error", errorText(error));
  }
}

export function initConversations() {
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
}
