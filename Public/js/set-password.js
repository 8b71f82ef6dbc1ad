import { api } from "./api.js";
import { busy, errorText, messageArea, h } from "./ui.js";

const form = document.getElementById("set-form");
const message = messageArea(document.getElementById("set-message"));
const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (!token) {
  message.show("error", "This link is incomplete. Open the whole link you were sent, or ask an admin for a new one.");
  form.hidden = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (form.password.value !== form.repeat.value) {
    message.show("error", "The two passwords differ.");
    form.repeat.focus();
    return;
  }
  await busy(document.getElementById("set-submit"), "Saving…", async () => {
    try {
      await api("POST", "/api/v1/auth/set-password", { token, password: form.password.value });
      history.replaceState(null, "", location.pathname);
      form.hidden = true;
      message.show("ok", "Your password is set.");
      document.querySelector(".auth-card").append(h("a", { class: "button wide", href: "/login.html" }, "Log in"));
    } catch (error) {
      message.show("error", errorText(error));
    }
  });
});
