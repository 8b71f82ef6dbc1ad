// Input images: files picked, dropped or pasted, and earlier images used again.
import { h } from "../ui.js";
import { scheduleEstimate } from "./estimate.js";
import { currentModel } from "./models.js";
import { $, composerMessage, state } from "./state.js";

const acceptedTypes = ["image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"];
const maxImageBytes = 15 * 1024 * 1024;

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

export function attachImage(image, label) {
  if (state.attachments.some((item) => item.kind === "image" && item.id === image.id)) return;
  state.attachments.push({ kind: "image", id: image.id, url: image.previewUrl ?? `${image.url}/preview`, name: label });
  renderAttachments();
  $("prompt").focus();
}

export function renderAttachments() {
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

export function initAttachments() {
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
}
