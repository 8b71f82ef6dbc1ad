// The console's one way to call the JSON API: JSON in and out, the CSRF token on every
// state-changing request, and errors as ApiError with the API's code and message.

export class ApiError extends Error {
  constructor(status, code, message, requestId, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.field = field;
  }
}

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token;
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return send(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
}

// Sends a FormData body as multipart/form-data (the browser sets the boundary).
export async function apiForm(method, path, formData) {
  return send(method, path, { Accept: "application/json" }, formData);
}

async function send(method, path, headers, body) {
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(0, "network", "Easel could not be reached. Check your connection and try again.");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = data?.error ?? {};
    throw new ApiError(
      response.status,
      detail.code ?? `http_${response.status}`,
      detail.message ?? `The request failed (HTTP ${response.status}).`,
      detail.requestId,
      detail.field,
    );
  }
  return data;
}

// The current user, or a redirect to the log-in page when there is none.
export async function requireSession() {
  try {
    const me = await api("GET", "/api/v1/me");
    setCsrfToken(me.csrfToken);
    return me;
  } catch (error) {
    if (error.status === 401) {
      const next = encodeURIComponent(location.pathname + location.search);
      const reason = error.code === "session_expired" ? "&expired=1" : "";
      location.replace(`/login.html?next=${next}${reason}`);
      return new Promise(() => {});
    }
    throw error;
  }
}
