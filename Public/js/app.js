// Landing page: shows whether the server and its database are ready.
const statusBox = document.getElementById("status");
const statusText = statusBox.querySelector(".status-text");
const databaseCell = document.getElementById("status-database");
const schemaCell = document.getElementById("status-schema");
const refreshButton = document.getElementById("status-refresh");

function show(state, text) {
  statusBox.className = `status status-${state}`;
  statusText.textContent = text;
}

async function checkReady() {
  show("loading", "Checking…");
  refreshButton.disabled = true;
  try {
    const response = await fetch("/ready", { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (response.ok && body) {
      show("ok", "Ready");
      databaseCell.textContent = "reachable";
      schemaCell.textContent = "current";
    } else {
      const code = body?.error?.code;
      show("error", code === "draining" ? "Shutting down" : "Not ready");
      databaseCell.textContent = code === "database_unavailable" ? "unreachable" : code ? "reachable" : `HTTP ${response.status}`;
      schemaCell.textContent = { migrations_pending: "migrations pending", schema_mismatch: "does not match this build" }[code] ?? "unknown";
    }
  } catch (error) {
    show("error", "Server unreachable");
    databaseCell.textContent = String(error.message ?? error);
    schemaCell.textContent = "unknown";
  } finally {
    refreshButton.disabled = false;
  }
}

refreshButton.addEventListener("click", checkReady);
checkReady();
