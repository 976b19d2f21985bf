// /console/knowledge: FAQs and products (browse, search, edit, popular), file imports
// with progress, canned responses, guided-selling flows, synonyms, category names, and
// "Ask the bot".

import { api, ApiError, byId, commas, cookie, formatDate, formatMoney, h, lines, percent, signIn, submitting, toast } from "./common.js";

const PAGE = 50;
const POLL_MS = 300;
const LOCALES = [["en", "English"], ["de", "Deutsch"]];

// What the editor dialog shows per kind; `type` says how a value is read and written.
const FIELDS = {
  faq: [
    { name: "id", label: "Id", required: true, key: true },
    { name: "question", label: "Question", required: true },
    { name: "answer", label: "Answer", type: "textarea", required: true },
    { name: "variants", label: "Other wordings shoppers use (one a line)", type: "lines" },
    { name: "tags", label: "Tags (comma-separated)", type: "commas" },
    { name: "locale", label: "Language", type: "select", options: LOCALES },
    { name: "url", label: "Link for more (optional)" },
    { name: "popular", label: "Popular: shown first by the widget and the bot", type: "checkbox" },
  ],
  product: [
    { name: "id", label: "Id (SKU)", required: true, key: true },
    { name: "title", label: "Title", required: true },
    { name: "description", label: "Description", type: "textarea" },
    { name: "price", label: "Price", type: "number", required: true },
    { name: "currency", label: "Currency", value: "EUR" },
    { name: "category", label: "Category path (e.g. Outdoor/Tents)" },
    { name: "brand", label: "Brand" },
    { name: "stock", label: "Stock", type: "integer" },
    { name: "rating", label: "Rating 0–5 (optional)", type: "number", optional: true },
    { name: "attributes", label: "Attributes (JSON object, e.g. {\"persons\": 2})", type: "json" },
    { name: "url", label: "Product page URL" },
    { name: "image_url", label: "Image URL" },
    { name: "popular", label: "Popular: shown first", type: "checkbox" },
  ],
};

// ---- the editor dialog --------------------------------------------------------

function input(field, value) {
  const common = { name: field.name, id: `f-${field.name}`, required: field.required || false };
  if (field.type === "textarea" || field.type === "lines" || field.type === "json") {
    const text = field.type === "lines" ? (value || []).join("\n") : field.type === "json" ? JSON.stringify(value || {}, null, 1) : value ?? "";
    return h("textarea", { ...common, rows: field.type === "textarea" ? 5 : 3 }, text);
  }
  if (field.type === "select") {
    const select = h("select", common, field.options.map(([v, label]) => h("option", { value: v, text: label })));
    select.value = value ?? field.options[0][0];
    return select;
  }
  if (field.type === "checkbox") return h("input", { ...common, type: "checkbox", checked: Boolean(value) });
  const type = field.type === "number" || field.type === "integer" ? "number" : "text";
  const shown = field.type === "commas" ? (value || []).join(", ") : value ?? field.value ?? "";
  return h("input", { ...common, type, step: field.type === "integer" ? "1" : "any", value: String(shown) });
}

function read(fields, form) {
  const item = {};
  for (const field of fields) {
    const element = form.elements[field.name];
    const raw = element.value;
    if (field.type === "checkbox") item[field.name] = element.checked;
    else if (field.type === "lines") item[field.name] = lines(raw);
    else if (field.type === "commas") item[field.name] = commas(raw);
    else if (field.type === "number" || field.type === "integer") {
      if (raw.trim() === "" && field.optional) item[field.name] = null;
      else if (raw.trim() !== "") item[field.name] = Number(raw);
    } else if (field.type === "json") {
      try {
        item[field.name] = raw.trim() ? JSON.parse(raw) : {};
      } catch {
        throw new ApiError(0, "invalid", `${field.name}: not valid JSON (${raw.slice(0, 40)}…)`);
      }
    } else item[field.name] = raw.trim();
  }
  return item;
}

// Opens the dialog with `fields`; `save(values)` runs on submit and may throw to keep it open.
function edit(title, body, save) {
  const dialog = byId("editor");
  const form = byId("editor-form");
  byId("editor-title").textContent = title;
  byId("editor-fields").replaceChildren(body);
  byId("editor-error").textContent = "";
  form.onsubmit = async (event) => {
    event.preventDefault();
    const result = await submitting(form, byId("editor-error"), () => save(form));
    if (result.ok) dialog.close();
  };
  dialog.showModal();
  form.querySelector("input:not([disabled]), textarea")?.focus();
}

function fieldList(fields, item, editing) {
  return h("div", {}, fields.map((field) => {
    const element = input(field, item ? item[field.name] : undefined);
    if (editing && field.key) element.disabled = true;
    if (field.type === "checkbox") return h("label", { class: "small field-check" }, element, ` ${field.label}`);
    return h("label", { class: "field" }, h("span", { text: field.label }), element);
  }));
}

// A table row's buttons on one line. The flex box is a wrapper in the cell: a cell that
// is itself a flex box stops being a table cell, and sat apart from its row's others.
function rowButtons(...buttons) {
  return h("td", {}, h("div", { class: "row-buttons" }, buttons));
}

// ---- FAQs and products ---------------------------------------------------------

class Catalog {
  constructor(kind) {
    this.kind = kind; // "faq" | "product"
    this.plural = `${kind}s`;
    this.offset = 0;
    this.query = "";
  }

  async view() {
    const name = this.kind === "faq" ? "FAQ" : "product";
    const search = h("input", { type: "search", value: this.query, "aria-label": `Search ${name}s`, placeholder: `Search ${name}s` });
    const form = h("form", { class: "toolbar", role: "search" }, search, h("button", { type: "submit", text: "Search" }),
      h("button", { type: "button", class: "small-button primary", text: `New ${name}`, onclick: () => this.open(null) }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.query = search.value.trim();
      this.offset = 0;
      show(this.plural);
    });
    const { items, total } = await this.load();
    const rows = items.map((item) => this.row(item));
    const pager = this.query ? null : h("div", { class: "pager small" },
      h("button", { type: "button", class: "small-button", text: "Previous", disabled: this.offset === 0, onclick: () => this.page(-PAGE) }),
      h("span", { text: `${total ? this.offset + 1 : 0}–${this.offset + items.length} of ${total}` }),
      h("button", { type: "button", class: "small-button", text: "Next", disabled: this.offset + PAGE >= total, onclick: () => this.page(PAGE) }));
    const head = this.kind === "faq" ? ["", "Id", "Question", "Language", "Wordings", ""] : ["", "Id", "Title", "Category", "Price", "Stock", ""];
    return h("div", {}, form,
      h("table", { class: "grid", "aria-label": this.plural }, h("thead", {}, h("tr", {}, head.map((t) => h("th", { text: t })))), h("tbody", {}, rows)),
      rows.length ? null : h("p", { class: "muted", text: this.query ? "Nothing matches." : `No ${this.plural} yet.` }),
      pager);
  }

  async load() {
    if (this.query) {
      const found = await api("POST", "/api/kb/search", { query: this.query, kind: this.plural, k: PAGE });
      return { items: found.items, total: found.total };
    }
    return api("GET", `/api/kb/${this.plural}?offset=${this.offset}&limit=${PAGE}`);
  }

  page(delta) {
    this.offset = Math.max(0, this.offset + delta);
    show(this.plural);
  }

  row(item) {
    const star = h("button", {
      type: "button", class: "small-button", "aria-pressed": String(item.popular),
      "aria-label": item.popular ? `${item.id} is popular; unmark` : `Mark ${item.id} popular`,
      title: "Popular items are shown first", text: item.popular ? "★" : "☆",
      onclick: () => this.save({ ...item, popular: !item.popular }, true),
    });
    const cells = this.kind === "faq"
      ? [item.id, item.question, item.locale, String(item.variants.length + 1)]
      : [item.id, item.title, item.category, formatMoney(item.price, item.currency), String(item.stock)];
    return h("tr", { dataset: { id: item.id } },
      h("td", {}, star),
      cells.map((text, i) => h("td", { class: i === 1 ? "clip" : undefined, text })),
      rowButtons(
        h("button", { type: "button", class: "small-button", text: "Edit", onclick: () => this.open(item) }),
        h("button", { type: "button", class: "small-button danger", text: "Delete", onclick: () => this.remove(item) })));
  }

  open(item) {
    const fields = FIELDS[this.kind];
    const name = this.kind === "faq" ? "FAQ" : "product";
    edit(item ? `Edit ${name} ${item.id}` : `New ${name}`, fieldList(fields, item, Boolean(item)), async (form) => {
      const values = read(fields, form);
      if (item) values.id = item.id;
      await this.save(values, Boolean(item));
    });
  }

  async save(values, exists) {
    const path = exists ? `/api/kb/${this.plural}/${encodeURIComponent(values.id)}` : `/api/kb/${this.plural}`;
    await api(exists ? "PUT" : "POST", path, values);
    toast(`Saved ${values.id}; the bot uses it now`);
    await show(this.plural);
  }

  async remove(item) {
    if (!window.confirm(`Delete ${item.id}? The bot stops using it at once.`)) return;
    try {
      await api("DELETE", `/api/kb/${this.plural}/${encodeURIComponent(item.id)}`);
      toast(`Deleted ${item.id}`);
      await show(this.plural);
    } catch (error) {
      toast(`Not deleted: ${error.message}`);
    }
  }
}

// ---- imports ---------------------------------------------------------------------

async function upload(form, progress, status, out) {
  const data = new FormData(form);
  const file = data.get("file");
  if (!file || !file.name) throw new ApiError(0, "invalid", "choose a file first");
  const params = new URLSearchParams({ replace: String(data.get("replace") === "on"), skip_invalid: String(data.get("skip_invalid") === "on") });
  const body = new FormData();
  body.append("file", file);
  const response = await fetch(`/api/kb/import/${data.get("kind")}?${params}`, {
    method: "POST", body, credentials: "same-origin", headers: { "X-CSRF-Token": cookie("tp_csrf"), Accept: "application/json" },
  });
  const started = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, "error", started?.detail?.message || `${response.status} ${response.statusText}`);
  progress.hidden = false;
  for (;;) {
    const job = await api("GET", started.status_url);
    progress.max = Math.max(job.total, 1);
    progress.value = job.processed;
    status.textContent = `${job.status}: ${job.processed} of ${job.total}`;
    if (job.status === "done" || job.status === "failed") {
      out.replaceChildren(importReport(job));
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function importReport(job) {
  const report = job.report || {};
  const invalid = report.invalid || [];
  return h("div", { class: "report-box", role: "status" },
    h("h3", { text: job.status === "done" ? `Imported ${job.filename}` : `Import of ${job.filename} failed` }),
    job.error ? h("p", { class: "error", text: job.error }) : null,
    h("p", { text: `${report.rows ?? 0} rows: ${report.created ?? 0} new, ${report.updated ?? 0} changed, ${report.unchanged ?? 0} unchanged, ${report.deleted ?? 0} deleted, ${invalid.length} invalid` }),
    invalid.length ? h("ul", { class: "plain small" }, invalid.slice(0, 50).map((e) =>
      h("li", { text: `${e.line ? `line ${e.line}` : e.file}${e.id ? ` (${e.id})` : ""}: ${e.reason}` }))) : null);
}

function importView() {
  const progress = h("progress", { value: "0", max: "1", hidden: true, "aria-label": "Import progress" });
  const status = h("p", { class: "small muted", role: "status" });
  const out = h("div");
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "upload", "aria-label": "Import a file" },
    h("label", { class: "field" }, h("span", { text: "What the file holds" }),
      h("select", { name: "kind" }, h("option", { value: "faqs", text: "FAQs" }), h("option", { value: "products", text: "Products (catalog)" }))),
    h("label", { class: "field" }, h("span", { text: "File (JSON, JSONL, CSV or a product feed)" }), h("input", { type: "file", name: "file", required: true })),
    h("label", { class: "small" }, h("input", { type: "checkbox", name: "skip_invalid" }), " Import the good rows, list the bad ones"),
    h("label", { class: "small" }, h("input", { type: "checkbox", name: "replace" }), " Delete what the file no longer has"),
    h("button", { type: "submit", text: "Upload" }), error, progress, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    out.replaceChildren();
    await submitting(form, error, () => upload(form, progress, status, out));
  });
  return h("div", {}, form, out);
}

// ---- canned responses --------------------------------------------------------------

async function cannedView() {
  const [canned, teams] = await Promise.all([api("GET", "/api/canned-responses"), api("GET", "/api/teams")]);
  const teamName = (id) => teams.find((t) => t.id === id)?.name || "everyone";
  const fields = (item) => h("div", {},
    h("label", { class: "field" }, h("span", { text: "Shortcut (agents type /shortcut)" }), h("input", { name: "shortcut", required: true, value: item?.shortcut || "" })),
    h("label", { class: "field" }, h("span", { text: "Title" }), h("input", { name: "title", required: true, value: item?.title || "" })),
    h("label", { class: "field" }, h("span", { text: "Text ({first_name}, {order_number}, {agent_name} are filled in; {first_name|there} when the name is unknown)" }), h("textarea", { name: "text", rows: 5, required: true }, item?.text || "")),
    h("label", { class: "field" }, h("span", { text: "For" }), (() => {
      const select = h("select", { name: "team_id" }, h("option", { value: "", text: "Every agent" }), teams.map((t) => h("option", { value: String(t.id), text: `Team ${t.name}` })));
      select.value = item?.team_id ? String(item.team_id) : "";
      return select;
    })()));
  const open = (item) => edit(item ? `Edit /${item.shortcut}` : "New canned response", fields(item), async (form) => {
    const body = {
      shortcut: form.elements.shortcut.value, title: form.elements.title.value, text: form.elements.text.value,
      team_id: form.elements.team_id.value ? Number(form.elements.team_id.value) : null,
    };
    await api(item ? "PUT" : "POST", item ? `/api/canned-responses/${item.id}` : "/api/canned-responses", body);
    toast("Canned response saved");
    await show("canned");
  });
  const remove = async (item) => {
    if (!window.confirm(`Delete /${item.shortcut}?`)) return;
    try {
      await api("DELETE", `/api/canned-responses/${item.id}`);
      await show("canned");
    } catch (error) {
      toast(`Not deleted: ${error.message}`);
    }
  };
  return h("div", {},
    h("div", { class: "toolbar" }, h("button", { type: "button", class: "small-button primary", text: "New canned response", onclick: () => open(null) })),
    h("table", { class: "grid", "aria-label": "Canned responses" },
      h("thead", {}, h("tr", {}, ["Shortcut", "Title", "Text", "For", ""].map((t) => h("th", { text: t })))),
      h("tbody", {}, canned.map((item) => h("tr", {},
        h("td", { text: `/${item.shortcut}` }), h("td", { text: item.title }), h("td", { class: "clip", text: item.text }), h("td", { text: teamName(item.team_id) }),
        rowButtons(
          h("button", { type: "button", class: "small-button", text: "Edit", onclick: () => open(item) }),
          h("button", { type: "button", class: "small-button danger", text: "Delete", onclick: () => remove(item) })))))));
}

// ---- guided-selling flows ---------------------------------------------------------

function questionRow(question) {
  const row = h("div", { class: "question-row" },
    h("label", { class: "small" }, "Facet", h("input", { name: "facet", value: question?.facet || "", placeholder: "attr.persons", required: true })),
    h("label", { class: "small" }, "Question (English)", h("input", { name: "ask_en", value: question?.ask?.en || "", required: true })),
    h("label", { class: "small" }, "Question (Deutsch)", h("input", { name: "ask_de", value: question?.ask?.de || "" })),
    h("button", { type: "button", class: "small-button danger", text: "Remove", onclick: () => row.remove() }));
  row.labels_ = question?.labels || {}; // button texts per value: kept as they are
  row.ask_ = question?.ask || {}; // wordings not edited here ("de-sie"): kept as they are
  return row;
}

function flowFields(flow) {
  const questions = h("div", { class: "questions" }, (flow?.questions || [null]).map(questionRow));
  return h("div", {},
    h("label", { class: "field" }, h("span", { text: "Catalog category (e.g. Outdoor/Tents)" }), h("input", { name: "category", required: true, value: flow?.category || "", disabled: Boolean(flow) })),
    h("label", { class: "field" }, h("span", { text: "Words that start it (comma-separated)" }), h("input", { name: "match", required: true, value: (flow?.match || []).join(", ") })),
    h("label", { class: "field" }, h("span", { text: "German words that also end a compound (e.g. zelt for Kuppelzelt)" }), h("input", { name: "heads", value: (flow?.heads || []).join(", ") })),
    h("label", { class: "field" }, h("span", { text: "Attribute that “for 4 people” means (e.g. seats)" }), h("input", { name: "persons", value: flow?.persons || "persons", pattern: "[a-z0-9_]{1,64}" })),
    h("div", { class: "two" },
      h("label", { class: "field" }, h("span", { text: "Name of the kind, plural (English, e.g. tents)" }), h("input", { name: "name_en", value: flow?.name?.en || "" })),
      h("label", { class: "field" }, h("span", { text: "Name of the kind, plural (Deutsch, z. B. Zelte)" }), h("input", { name: "name_de", value: flow?.name?.de || "" }))),
    h("div", { class: "two" },
      h("label", { class: "field" }, h("span", { text: "Intro (English)" }), h("input", { name: "intro_en", value: flow?.intro?.en || "" })),
      h("label", { class: "field" }, h("span", { text: "Intro (Deutsch)" }), h("input", { name: "intro_de", value: flow?.intro?.de || "" }))),
    h("h4", { text: "Questions, in the order the bot prefers them" }), questions,
    h("button", { type: "button", class: "small-button", text: "Add question", onclick: () => questions.append(questionRow(null)) }));
}

function flowBody(form, flow) {
  // English and German as edited here; other wordings ("de-sie") as they were, but
  // no German variant without the German text.
  const texts = (kept, en, de) => {
    const edited = { ...kept, en: en.trim(), de: de.trim() };
    return Object.fromEntries(Object.entries(edited).filter(([key, v]) => v && (edited.de || !key.startsWith("de-"))));
  };
  return {
    match: commas(form.elements.match.value),
    heads: commas(form.elements.heads.value),
    persons: form.elements.persons.value.trim() || "persons",
    name: texts(flow?.name || {}, form.elements.name_en.value, form.elements.name_de.value),
    intro: texts(flow?.intro || {}, form.elements.intro_en.value, form.elements.intro_de.value),
    questions: [...form.querySelectorAll(".question-row")].map((row) => ({
      facet: row.querySelector("[name=facet]").value.trim(),
      ask: texts(row.ask_, row.querySelector("[name=ask_en]").value, row.querySelector("[name=ask_de]").value),
      labels: row.labels_,
    })),
  };
}

const categoryPath = (category) => category.split("/").map(encodeURIComponent).join("/");

async function flowsView() {
  const flows = await api("GET", "/api/insights/flows");
  const open = (flow) => edit(flow ? `Selling flow: ${flow.category}` : "New selling flow", flowFields(flow), async (form) => {
    const category = flow ? flow.category : form.elements.category.value.trim();
    await api("PUT", `/api/insights/flows/${categoryPath(category)}`, flowBody(form, flow));
    toast(`Flow for ${category} saved; the bot asks these questions now`);
    await show("flows");
  });
  const revert = async (flow) => {
    try {
      await api("DELETE", `/api/insights/flows/${categoryPath(flow.category)}`);
      toast(`Edit of ${flow.category} removed`);
      await show("flows");
    } catch (error) {
      toast(`Not reverted: ${error.message}`);
    }
  };
  return h("div", {},
    h("p", { class: "small muted", text: "When a shopper looks for a product of a category, the bot narrows the choice with these questions, skipping those that would not split the candidates." }),
    h("div", { class: "toolbar" }, h("button", { type: "button", class: "small-button primary", text: "New flow", onclick: () => open(null) })),
    h("table", { class: "grid", "aria-label": "Selling flows" },
      h("thead", {}, h("tr", {}, ["Category", "Starts on", "Questions", "", ""].map((t) => h("th", { text: t })))),
      h("tbody", {}, flows.map((flow) => h("tr", {},
        h("td", { text: flow.category }), h("td", { text: flow.match.join(", ") }),
        h("td", { text: flow.questions.map((q) => q.ask.en).join(" · ") }),
        h("td", {}, h("span", { class: flow.source === "edited" ? "badge ok" : "badge", text: flow.source })),
        rowButtons(
          h("button", { type: "button", class: "small-button", text: "Edit", onclick: () => open(flow) }),
          flow.source === "edited" ? h("button", { type: "button", class: "small-button danger", text: "Revert", onclick: () => revert(flow) }) : null))))));
}

// ---- synonyms --------------------------------------------------------------------

// A word the knowledge gaps found unknown (/console/knowledge?synonym=Hängematte#synonyms):
// the Synonyms tab opens with a new set holding it.
let wordForSynonyms = new URLSearchParams(location.search).get("synonym");

async function synonymsView() {
  const sets = await api("GET", "/api/kb/synonyms");
  const fields = (set, words = []) => h("div", {},
    h("label", { class: "field" }, h("span", { text: "Words that mean the same, separated by commas" }),
      h("input", { name: "terms", id: "f-terms", required: true, value: (set?.terms || words).join(", "), placeholder: "Hängematte, hammock" })));
  const open = (set, words) => edit(set ? `Edit synonyms: ${set.terms.join(", ")}` : "New synonyms", fields(set, words), async (form) => {
    const terms = commas(form.elements.terms.value);
    await api(set ? "PUT" : "POST", set ? `/api/kb/synonyms/${encodeURIComponent(set.id)}` : "/api/kb/synonyms", { terms });
    toast(`Synonyms saved: ${terms.join(", ")}`);
    await show("synonyms");
  });
  const remove = async (set) => {
    if (!window.confirm(`Delete the synonyms ${set.terms.join(", ")}? Search stops treating them as the same.`)) return;
    try {
      await api("DELETE", `/api/kb/synonyms/${encodeURIComponent(set.id)}`);
      toast(`Deleted the synonyms ${set.terms.join(", ")}`);
      await show("synonyms");
    } catch (error) {
      toast(`Not deleted: ${error.message}`);
    }
  };
  const changed = (set) => [set.updated_by, formatDate(set.updated_at)].filter(Boolean).join(", ") || "—";
  if (wordForSynonyms) {
    open(null, [wordForSynonyms, ""]);
    wordForSynonyms = null;
  }
  return h("div", {},
    h("p", { class: "small muted", text: "Words in one set count as the same in search, so a shopper who writes “Hängematte” or “Laterne” finds the catalog’s hammocks and lanterns." }),
    h("div", { class: "toolbar" }, h("button", { type: "button", class: "small-button primary", text: "Add synonyms", onclick: () => open(null) })),
    h("table", { class: "grid", "aria-label": "Synonyms" },
      h("thead", {}, h("tr", {}, ["Words that mean the same", "Last changed", ""].map((t) => h("th", { text: t })))),
      h("tbody", {}, sets.map((set) => h("tr", { dataset: { id: set.id } },
        h("td", { text: set.terms.join(", ") }), h("td", { text: changed(set) }),
        rowButtons(
          h("button", { type: "button", class: "small-button", text: "Edit", onclick: () => open(set) }),
          h("button", { type: "button", class: "small-button danger", text: "Delete", onclick: () => remove(set) })))))),
    sets.length ? null : h("p", { class: "muted", text: "No synonyms yet." }));
}

// ---- category names ----------------------------------------------------------------

// What the bot's buttons call each category per language ("Garden/Tools": "Gartengeräte"
// to German shoppers); an empty name leaves the catalog's own.
const NAMED_LANGUAGES = [["en", "English"], ["de", "German"]];

async function categoriesView() {
  const categories = await api("GET", "/api/kb/categories");
  const open = (category) => edit(`Names of ${category.path}`, h("div", {},
    NAMED_LANGUAGES.map(([language, label]) => h("label", { class: "field" },
      h("span", { text: `${label} name (empty: as its selling flow or the catalog names it)` }),
      h("input", { name: language, id: `f-name-${language}`, value: category.names[language] || "", maxlength: 80 })))),
  async (form) => {
    const names = Object.fromEntries(NAMED_LANGUAGES.map(([language]) => [language, form.elements[language].value]));
    await api("PUT", "/api/kb/categories", { path: category.path, names });
    toast(`Names of ${category.path} saved`);
    await show("categories");
  });
  const depth = (path) => path.split("/").length - 1;
  return h("div", {},
    h("p", { class: "small muted", text: "What the bot’s buttons call each category, per language: German shoppers of an English catalog choose from “Küche” and “Gartengeräte”. Selling flows name their own kinds; a name here wins." }),
    h("table", { class: "grid", "aria-label": "Categories" },
      h("thead", {}, h("tr", {}, ["Category", "Products", ...NAMED_LANGUAGES.map(([, label]) => label), ""].map((t) => h("th", { text: t })))),
      h("tbody", {}, categories.map((category) => h("tr", { dataset: { path: category.path } },
        h("td", { text: category.path, class: `depth-${Math.min(depth(category.path), 3)}` }),
        h("td", { text: category.products }),
        NAMED_LANGUAGES.map(([language]) => h("td", { text: category.names[language] || "—" })),
        rowButtons(h("button", { type: "button", class: "small-button", text: "Edit names", onclick: () => open(category) })))))),
    categories.length ? null : h("p", { class: "muted", text: "No categories yet: import products first." }));
}

// ---- Ask the bot ----------------------------------------------------------------

function renderPreview(result) {
  const faq = result.faq;
  return h("div", {},
    h("p", {}, h("span", { class: "badge", text: result.action }), h("span", { class: "small muted", text: result.reason })),
    h("dl", { class: "kv small" },
      h("dt", { text: "Confidence" }), h("dd", { text: result.confidence === null ? "—" : `${percent(result.confidence)} (${result.band})` }),
      h("dt", { text: "Intent" }), h("dd", { text: result.intent || "—" }),
      result.handoff_reason ? [h("dt", { text: "Handoff" }), h("dd", { text: result.handoff_reason })] : null),
    faq ? h("div", { class: "matched" }, h("h4", { text: result.action === "answer_faq" ? "Answered with FAQ" : "Closest FAQ" }),
      h("p", { class: "small" }, h("strong", { text: faq.id }), ` ${faq.question}`),
      h("p", { class: "answer", text: faq.answer })) : null,
    result.suggestions.length ? [h("h4", { text: "Suggested" }), h("ul", { class: "plain small" }, result.suggestions.map((s) => h("li", { text: `${s.id}: ${s.question}` })))] : null,
    result.products.length ? [h("h4", { text: "Products" }), h("ul", { class: "plain small" }, result.products.map((p) => h("li", { text: `${p.title} (${formatMoney(p.price, p.currency)})` })))] : null,
    h("h4", { text: "The bot says" }),
    h("ul", { class: "plain small replies" }, result.replies.filter((r) => r.text).map((r) => h("li", { class: "answer", text: r.text }))));
}

function askPanel() {
  const form = byId("ask-form");
  const out = byId("ask-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = h("p", { class: "error", role: "alert" });
    out.replaceChildren(h("p", { class: "muted small", text: "Asking…" }));
    const result = await submitting(form, error, () =>
      api("POST", "/api/insights/preview", { text: byId("ask-text").value, locale: byId("ask-locale").value }));
    out.replaceChildren(result.ok ? renderPreview(result.value) : error);
  });
}

// ---- tabs -----------------------------------------------------------------------

const catalogs = { faqs: new Catalog("faq"), products: new Catalog("product") };
const VIEWS = {
  faqs: () => catalogs.faqs.view(),
  products: () => catalogs.products.view(),
  import: () => importView(),
  canned: () => cannedView(),
  flows: () => flowsView(),
  synonyms: () => synonymsView(),
  categories: () => categoriesView(),
};
let current = "faqs";

async function show(tab) {
  current = tab;
  for (const button of document.querySelectorAll("[data-tab]")) button.setAttribute("aria-selected", String(button.dataset.tab === tab));
  const body = byId("tab-body");
  let view;
  try {
    view = await VIEWS[tab]();
  } catch (error) {
    view = h("p", { class: "error", text: error.message });
  }
  if (current === tab) body.replaceChildren(view); // not a tab left while it loaded
}

async function main() {
  if (!(await signIn(["editor", "admin"], "The knowledge workspace"))) return;
  for (const button of document.querySelectorAll("[data-tab]")) button.addEventListener("click", () => show(button.dataset.tab));
  byId("editor-cancel").addEventListener("click", () => byId("editor").close());
  askPanel();
  const tab = location.hash.slice(1);
  await show(Object.hasOwn(VIEWS, tab) ? tab : "faqs");
}

main();
