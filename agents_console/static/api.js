// REST calls with the session cookie and the CSRF double-submit header.

export class ApiError extends Error {
  // fields: a 422's [{field, message}], for showFailure (dom.js) to put next to the inputs.
  constructor(status, code, message, fields = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

// FastAPI answers {"detail": {"code", "message"}}, or a list of field errors (422).
function explain(status, data, fallback) {
  const detail = data && data.detail;
  if (detail && typeof detail === "object" && !Array.isArray(detail) && detail.message) {
    // Validation errors list the fields: name the first, that is what to fix.
    const fields = (Array.isArray(detail.fields) ? detail.fields : []).map((f) => ({ field: f.field || "", message: String(f.message) }));
    const first = fields[0];
    const message = first ? `${first.field || "request"}: ${first.message}` : detail.message;
    return new ApiError(status, detail.code || "error", message, fields);
  }
  if (Array.isArray(detail) && detail.length) {
    const fields = detail.map((f) => ({ field: (f.loc || []).filter((part) => part !== "body").join("."), message: String(f.msg) }));
    const first = fields[0];
    return new ApiError(status, "invalid", first.field ? `${first.field}: ${first.message}` : first.message, fields);
  }
  if (typeof detail === "string") return new ApiError(status, "error", detail);
  return new ApiError(status, "error", fallback);
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = cookie("tp_csrf");
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "offline", "the hub cannot be reached; check the connection");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = explain(response.status, data, `${response.status} ${response.statusText}`);
    if (response.status === 401 && !path.startsWith("/api/auth/login")) {
      window.location.assign("/console/login");
    }
    throw error;
  }
  return data;
}
