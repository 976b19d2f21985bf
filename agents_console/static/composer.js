// The reply box: Enter sends, Shift+Enter breaks the line, "/" searches canned
// responses (placeholders filled by the hub), a note toggle, typing signals and
// the knowledge base panel (FAQ answers into the box, products as cards).

import { api } from "./api.js";
import { byId, h, safeUrl } from "./dom.js";
import { productCard } from "./messages.js";

const TYPING_REPEAT_MS = 2500;
const TYPING_IDLE_MS = 3000;
const KB_LIMIT = 6;
const DRAFTS_KEY = "touchpoint.console.drafts"; // sessionStorage: unsent replies, per conversation

function storedDrafts() {
  try {
    return new Map(Object.entries(JSON.parse(sessionStorage.getItem(DRAFTS_KEY) || "{}")));
  } catch {
    return new Map();
  }
}

export class Composer {
  // actions: {conversationId(), send(text, isPrivate), sendProducts(products), typing(conversationId, on),
  // toast(text), shopperPage(): the page the open conversation's shopper is on, or null}
  constructor(actions) {
    this.actions = actions;
    this.input = byId("composer-input");
    this.note = byId("composer-note");
    this.popup = byId("canned-popup");
    this.hint = byId("composer-hint");
    this.fields = byId("composer-fields");
    this.placeholder = this.input.placeholder;
    this.locked = "";
    this.filling = false; // a canned response's placeholders are being filled in
    this.canned = [];
    this.matches = [];
    this.selected = 0;
    this.typingSentAt = 0;
    this.typingTimer = null;
    this.drafts = storedDrafts(); // conversation id -> {text, note}
    this.draftFor = null; // the conversation whose draft the box holds
    this.input.addEventListener("keydown", (event) => this.keydown(event));
    this.input.addEventListener("input", () => this.changed());
    byId("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.note.addEventListener("change", () => {
      this.input.classList.toggle("note-mode", this.note.checked);
      this.keepDraft();
    });
    byId("kb-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.searchKb();
    });
  }

  async loadCanned() {
    try {
      this.canned = await api("GET", "/api/canned-responses");
    } catch (error) {
      this.actions.toast(`Canned responses unavailable: ${error.message}`);
    }
  }

  focus() {
    this.input.focus();
  }

  clear() {
    this.input.value = "";
    this.hint.textContent = this.locked;
    this.closePopup();
    this.keepDraft();
  }

  // The agent moves to conversation `id`: what they were writing stays with the
  // conversation they leave (and a reload), and that of `id` comes back.
  switchTo(id) {
    if (id === this.draftFor) return;
    this.keepDraft();
    this.stopTyping();
    this.draftFor = id;
    const draft = this.drafts.get(String(id)) || { text: "", note: false };
    this.input.value = draft.text;
    this.note.checked = draft.note;
    this.input.classList.toggle("note-mode", draft.note);
    this.hint.textContent = this.locked;
    this.closePopup();
  }

  // The conversation is no longer shown (closed): its draft goes with it.
  forget(id) {
    this.drafts.delete(String(id));
    if (this.draftFor === id) this.draftFor = null;
    this.saveDrafts();
  }

  forgetAll() {
    this.drafts.clear();
    this.draftFor = null;
    sessionStorage.removeItem(DRAFTS_KEY);
  }

  keepDraft() {
    if (this.draftFor === null) return;
    const key = String(this.draftFor);
    if (this.input.value.trim() || this.note.checked) {
      this.drafts.set(key, { text: this.input.value, note: this.note.checked });
    } else this.drafts.delete(key);
    this.saveDrafts();
  }

  saveDrafts() {
    sessionStorage.setItem(DRAFTS_KEY, JSON.stringify(Object.fromEntries(this.drafts)));
  }

  // `reason` non-empty: the open conversation is not the agent's to answer (not
  // assigned to them, or resolved); the box is disabled and says why.
  lock(reason) {
    if (reason === this.locked) return;
    this.locked = reason;
    this.fields.disabled = Boolean(reason);
    this.input.placeholder = reason || this.placeholder;
    this.hint.textContent = reason;
    if (reason) this.closePopup();
  }

  keydown(event) {
    if (!this.popup.hidden) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        this.selected = (this.selected + step + this.matches.length) % this.matches.length;
        this.drawPopup();
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        this.useCanned(this.matches[this.selected]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        this.closePopup();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    }
  }

  changed() {
    this.keepDraft();
    const now = Date.now();
    if (now - this.typingSentAt > TYPING_REPEAT_MS && !this.note.checked) {
      this.typingSentAt = now;
      this.actions.typing(this.draftFor, true);
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
    const match = /^\/([\w-]*)$/.exec(this.input.value);
    if (match) this.openPopup(match[1].toLowerCase());
    else this.closePopup();
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingSentAt) {
      this.typingSentAt = 0;
      this.actions.typing(this.draftFor, false);
    }
  }

  openPopup(query) {
    const starts = this.canned.filter((c) => c.shortcut.startsWith(query));
    const contains = this.canned.filter(
      (c) => !c.shortcut.startsWith(query) && `${c.shortcut} ${c.title}`.toLowerCase().includes(query),
    );
    this.matches = [...starts, ...contains].slice(0, 8);
    this.selected = 0;
    if (!this.matches.length) {
      this.closePopup();
      return;
    }
    this.popup.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.drawPopup();
  }

  drawPopup() {
    this.popup.replaceChildren(
      ...this.matches.map((canned, index) =>
        h(
          "li",
          {
            role: "option",
            id: `canned-${canned.id}`,
            class: index === this.selected ? "selected" : "",
            "aria-selected": index === this.selected ? "true" : "false",
            onmousedown: (event) => {
              event.preventDefault();
              this.useCanned(canned);
            },
          },
          h("strong", { text: `/${canned.shortcut}` }),
          h("span", { text: ` ${canned.title}` }),
          h("div", { class: "small muted", text: canned.text }),
        ),
      ),
    );
    this.input.setAttribute("aria-activedescendant", `canned-${this.matches[this.selected].id}`);
  }

  closePopup() {
    this.popup.hidden = true;
    this.matches = [];
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  async useCanned(canned) {
    this.closePopup();
    const conversationId = this.actions.conversationId();
    let text = canned.text;
    let missing = canned.placeholders;
    if (conversationId) {
      // Until the filled-in text is in the box, Enter must not send the "/shortcut".
      this.filling = true;
      this.hint.textContent = "Filling in the placeholders…";
      try {
        const rendered = await api(
          "POST",
          `/api/canned-responses/${canned.id}/render?conversation_id=${conversationId}`,
        );
        ({ text, missing } = rendered);
      } catch (error) {
        this.actions.toast(`Placeholders not filled: ${error.message}`);
      } finally {
        this.filling = false;
      }
      // The agent moved on to another conversation meanwhile: not for that one.
      if (this.actions.conversationId() !== conversationId) return;
    }
    this.input.value = text;
    this.keepDraft();
    this.hint.textContent = missing.length
      ? `Fill in by hand: ${missing.map((name) => `{${name}}`).join(", ")}`
      : "";
    this.focus();
    const first = missing.length ? text.indexOf(`{${missing[0]}}`) : -1;
    if (first >= 0) this.input.setSelectionRange(first, first + missing[0].length + 2);
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || !this.actions.conversationId() || this.locked || this.filling) return;
    if (/\{(first_name|order_number|agent_name)(\|[^{}|]*)?\}/.test(text)) {
      this.hint.textContent = "Replace the {placeholders} before sending.";
      return;
    }
    this.actions.send(text, this.note.checked);
    this.stopTyping();
    this.clear();
  }

  // At the cursor, a space apart from the words around it; not into a box the agent
  // may not send from (the toast says why).
  insertText(text) {
    if (this.locked) {
      this.actions.toast(this.locked);
      return;
    }
    const { selectionStart, selectionEnd, value } = this.input;
    const before = value.slice(0, selectionStart);
    const after = value.slice(selectionEnd);
    const lead = before && !/\s$/.test(before) ? " " : "";
    const trail = after && !/^\s/.test(after) ? " " : "";
    this.input.value = before + lead + text + trail + after;
    const cursor = (before + lead + text).length;
    this.input.setSelectionRange(cursor, cursor);
    this.keepDraft();
    this.focus();
  }

  // A product's page as a full address the shopper's widget makes a link of: a
  // catalogue path ("/products/x") is on the shop's site, where the shopper is now.
  productLink(url) {
    const shopPage = safeUrl(this.actions.shopperPage?.() || "") || window.location.href;
    try {
      const link = new URL(url, shopPage);
      return ["http:", "https:"].includes(link.protocol) ? link.href : null;
    } catch {
      return null;
    }
  }

  async searchKb() {
    const query = byId("kb-query").value.trim();
    const kind = byId("kb-kind").value;
    const results = byId("kb-results");
    if (!query) return;
    results.replaceChildren(h("li", { class: "muted", text: "Searching…" }));
    try {
      const data = await api("POST", "/api/kb/search", { query, kind, k: KB_LIMIT });
      const items = data.items || [];
      results.replaceChildren(
        ...(items.length ? items.map((item) => this.kbEntry(item, kind)) : [h("li", { class: "muted", text: "Nothing found." })]),
      );
    } catch (error) {
      results.replaceChildren(h("li", { class: "error", text: error.message }));
    }
  }

  kbEntry(item, kind) {
    if (kind === "faqs") {
      return h(
        "li",
        { class: "kb-faq" },
        h("strong", { text: item.question }),
        h("p", { class: "small", text: item.answer }),
        h("button", { type: "button", class: "small-button", text: "Insert answer", onclick: () => this.insertText(item.answer) }),
      );
    }
    const card = {
      id: item.id,
      title: item.title,
      price: item.price,
      currency: item.currency,
      image_url: item.image_url,
      url: item.url,
      stock: item.stock,
      rating: item.rating,
    };
    const link = item.url ? this.productLink(item.url) : null;
    return h(
      "li",
      { class: "kb-product" },
      productCard(
        card,
        h(
          "div",
          { class: "inline" },
          h("button", {
            type: "button",
            class: "small-button",
            text: "Send card",
            onclick: () => (this.locked ? this.actions.toast(this.locked) : this.actions.sendProducts([card])),
          }),
          link
            ? h("button", {
                type: "button",
                class: "small-button",
                text: "Insert link",
                title: link,
                onclick: () => this.insertText(`${item.title}: ${this.productLink(item.url)}`),
              })
            : null,
        ),
      ),
    );
  }
}
