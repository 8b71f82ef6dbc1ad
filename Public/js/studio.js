// The studio: pick a model, describe an image, attach inputs, generate, and keep editing the
// result in conversation. Progress comes over server-sent events; every text the model writes
// is shown as text, never as HTML. Each part lives in a module of its own under studio/.
import { requireSession } from "./api.js";
import { renderShell } from "./ui.js";
import { initAttachments } from "./studio/attachments.js";
import { initComposer } from "./studio/composer.js";
import { initConversations, openConversation } from "./studio/conversations.js";
import { initEstimate } from "./studio/estimate.js";
import { initGallery } from "./studio/gallery.js";
import { initModels, loadModels } from "./studio/models.js";
import { initTimeline } from "./studio/timeline.js";

const me = await requireSession();
if (!me.tenant) {
  // Platform admins belong to no tenant and generate nothing themselves.
  location.replace("/admin/models.html");
}
renderShell(me, "/studio.html");

initEstimate(me);
initModels();
initAttachments();
initComposer();
initTimeline();
initConversations();
await loadModels();
initGallery();
const requested = new URLSearchParams(location.search).get("conversation");
if (requested) openConversation(requested);
