// Safe DOM building: every piece of data becomes a text node or a checked
// attribute, never markup. Nothing in the console uses innerHTML.

const SAFE_PROTOCOLS = new Set(["http:", "https:"]);

// An absolute http(s) URL, or null: "javascript:", "data:" and the like never reach a link.
export function safeUrl(value) {
  if (typeof value !== "string" || !value.trim()) return null;
  try {
    const url = new URL(value, window.location.href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/g;
const TRAILING = /[.,;:!?)\]}'"]+$/;

// Text with its http(s) addresses as links (new tab, no referrer), the rest text
// nodes; punctuation ending a sentence stays out of the link.
export function linkify(text) {
  const parts = [];
  let done = 0;
  for (const match of String(text).matchAll(URL_IN_TEXT)) {
    const address = match[0].replace(TRAILING, "");
    const url = safeUrl(address);
    if (!url) continue;
    parts.push(text.slice(done, match.index));
    parts.push(h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", text: address }));
    done = match.index + address.length;
  }
  parts.push(text.slice(done));
  return parts.filter((part) => part !== "");
}

// h("a", {href, class, text, onclick}, ...children): props are written by our
// code; values may be data. href/src go through safeUrl, on* props become listeners.
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "href" || key === "src") {
      const url = safeUrl(value);
      if (url) node.setAttribute(key, url);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

const TOAST_MS = 6000;

// A passing message in the page's #toasts box (a live region): gone after 6 s, or at
// once on a click or, the newest first, on Escape (not one a dialog or the canned
// list took). Where the box sits is the page's (console.css, insights.css).
export function toast(text) {
  const item = h("div", { class: "toast", text, title: "Click or press Escape to dismiss", onclick: () => item.remove() });
  byId("toasts").append(item);
  setTimeout(() => item.remove(), TOAST_MS);
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) return;
  byId("toasts")?.lastElementChild?.remove();
});

let fieldErrors = 0;

// A failed submit of `form`: each of a 422's field messages goes next to its input,
// which is marked invalid. The input is the one named by the path's last part that
// names one ("variants.2": "variants"). Returns the text for the form's own error
// line. `failure` null only clears the marks.
export function showFailure(form, failure) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const marked of form.querySelectorAll("[aria-invalid]")) {
    marked.removeAttribute("aria-invalid");
    marked.removeAttribute("aria-describedby");
  }
  if (!failure) return "";
  const unplaced = [];
  let first = null;
  for (const { field, message } of failure.fields || []) {
    const input = String(field).split(".").reverse().map((name) => form.elements.namedItem(name)).find(Boolean);
    const target = input instanceof RadioNodeList ? input[0] : input;
    if (!target) {
      unplaced.push(field ? `${field}: ${message}` : message);
      continue;
    }
    fieldErrors += 1;
    const note = h("span", { class: "field-error", id: `field-error-${fieldErrors}`, text: message });
    // After the label, not in it: the message must not become part of the field's name.
    (target.closest("label") || target).after(note);
    target.setAttribute("aria-invalid", "true");
    target.setAttribute("aria-describedby", note.id);
    first ||= target;
  }
  first?.focus();
  // The form's alert line still names the first problem (or those no input took).
  return unplaced.length ? unplaced.join("; ") : failure.message;
}

function formatWith(iso, options) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString([], options);
}

export const formatTime = (iso) => formatWith(iso, { hour: "2-digit", minute: "2-digit" });
export const formatDate = (iso) => formatWith(iso, { dateStyle: "medium", timeStyle: "short" });

// "45 s", "3 min", "2 h 5 min": how long someone has waited.
export function formatWait(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

// Why a conversation came to the agents, in words (codes of the bot and of the core).
const HANDOFF_REASONS = {
  asked: "asked for a person", no_answer: "bot had no answer", frustration: "frustrated",
  high_value: "high-value cart", visitor_request: "clicked talk to a person", offline_message: "left a message",
};

export function handoffReason(code) {
  return HANDOFF_REASONS[code] || String(code).replaceAll("_", " ");
}

export function formatMoney(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return "";
  try {
    return new Intl.NumberFormat([], { style: "currency", currency: currency || "EUR" }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency || ""}`.trim();
  }
}

// A key/value object as a definition list, nested objects indented; all text.
export function describe(data, depth = 0) {
  if (data === null || data === undefined) return h("span", { class: "muted", text: "—" });
  if (Array.isArray(data)) {
    if (!data.length) return h("span", { class: "muted", text: "none" });
    return h("ul", { class: "plain" }, data.map((item) => h("li", {}, describe(item, depth + 1))));
  }
  if (typeof data === "object") {
    const entries = Object.entries(data);
    if (!entries.length) return h("span", { class: "muted", text: "none" });
    if (depth > 3) return h("span", { text: JSON.stringify(data) });
    return h(
      "dl",
      { class: "kv" },
      entries.map(([key, value]) => [
        h("dt", { text: key.replaceAll("_", " ") }),
        h("dd", {}, describe(value, depth + 1)),
      ]),
    );
  }
  return h("span", { text: String(data) });
}
