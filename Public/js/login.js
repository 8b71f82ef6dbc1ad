import { api } from "./api.js";
import { busy, errorText, messageArea } from "./ui.js";

const form = document.getElementById("login-form");
const message = messageArea(document.getElementById("login-message"));
const params = new URLSearchParams(location.search);
if (params.get("expired")) message.show("info", "Your session has ended. Please log in again.");

// Only same-site paths, so a crafted link cannot send people elsewhere after logging in.
function nextPage() {
  const next = params.get("next") ?? "";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/studio.html";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const email = form.email.value.trim();
  const password = form.password.value;
  if (!email || !password) {
    message.show("error", "Enter your e-mail and password.");
    (email ? form.password : form.email).focus();
    return;
  }
  message.clear();
  await busy(document.getElementById("login-submit"), "Logging in…", async () => {
    try {
      await api("POST", "/api/v1/auth/login", { email, password });
      location.assign(nextPage());
    } catch (error) {
      message.show("error", errorText(error));
      form.password.select();
    }
  });
});
