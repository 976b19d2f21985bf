// What the insights pages share: the console's modules (loaded from the console's
// versioned asset folder named in the page), sign-in and role check, toasts.

const consoleAssets = document.querySelector('meta[name="tp-console-assets"]').content;
const apiModule = await import(`${consoleAssets}/api.js`);
const domModule = await import(`${consoleAssets}/dom.js`);

export const { api, ApiError, cookie } = apiModule;
export const { h, byId, append, formatDate, formatMoney, describe, handoffReason, showFailure, toast } = domModule;

// The signed-in agent if their role may use this page; otherwise the page says why.
export async function signIn(roles, what) {
  const me = await api("GET", "/api/auth/me");
  byId("me-name").textContent = me.name;
  for (const link of document.querySelectorAll("[data-admin]")) link.hidden = me.role !== "admin";
  byId("logout-button").addEventListener("click", async () => {
    try {
      await api("POST", "/api/auth/logout");
    } finally {
      window.location.assign("/console/login");
    }
  });
  if (!roles.includes(me.role)) {
    const gate = byId("gate");
    gate.textContent = `${what} is for the roles ${roles.join(" and ")}; you are signed in as ${me.role}. An admin can change your role.`;
    gate.hidden = false;
    return null;
  }
  byId("page").hidden = false;
  return me;
}

// Runs `action` with the form's submit button disabled; shows a failure in `error`,
// a 422's field messages next to their fields.
export async function submitting(form, error, action) {
  error.textContent = showFailure(form, null);
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    return { ok: true, value: await action() };
  } catch (failure) {
    error.textContent = showFailure(form, failure);
    return { ok: false };
  } finally {
    if (button) button.disabled = false;
  }
}

export function lines(text) {
  return String(text || "").split("\n").map((line) => line.trim()).filter(Boolean);
}

export function commas(text) {
  return String(text || "").split(",").map((word) => word.trim()).filter(Boolean);
}

export function percent(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10} %`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}
