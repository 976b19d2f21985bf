// /console/analytics: figures and charts of a period, CSV export, and the knowledge
// gaps with "draft an FAQ", "add to an FAQ" and "dismiss" for each cluster, and what
// the bot answers a gap with now where content added since answers it.

import { barChart, dailyChart } from "./charts.js";
import { api, byId, duration, formatDate, h, handoffReason, lines, percent, signIn, submitting, toast } from "./common.js";

const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
let draftTurns = [];

function isoDay(date) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function query() {
  return new URLSearchParams({ start: byId("start").value, end: byId("end").value, tz: timezone });
}

function card(label, value, detail) {
  return h("div", { class: "card" }, h("div", { class: "value", text: value }), h("div", { class: "label", text: label }),
    detail ? h("div", { class: "small muted", text: detail }) : null);
}

function render(report) {
  byId("cards").replaceChildren(
    card("Conversations", report.conversations, `${report.engaged} with a shopper message`),
    card("Bot containment", percent(report.containment_rate), `${report.contained} resolved without a person`),
    card("Handoff rate", percent(report.handoff_rate), `${report.handoffs} handed to agents`),
    card("First response (median)", duration(report.first_response_seconds.median), `p90 ${duration(report.first_response_seconds.p90)}`),
    card("Resolution time (median)", duration(report.resolution_seconds.median), `p90 ${duration(report.resolution_seconds.p90)}`),
    card("CSAT", report.csat.average ?? "—", `${report.csat.count} ratings`),
    card("Assisted add-to-cart", report.assisted_add_to_cart, "products added after the bot showed them"),
  );
  byId("chart-daily").replaceChildren(dailyChart(report.daily, "Conversations, contained conversations and handoffs per day"));
  byId("chart-reasons").replaceChildren(
    barChart(Object.entries(report.handoff_reasons).map(([reason, count]) => ({ label: handoffReason(reason), values: [count] })),
      { label: "Handoffs by reason" }),
  );
  byId("chart-csat").replaceChildren(
    barChart(Object.entries(report.csat.distribution).map(([score, count]) => ({ label: `${score} ★`, values: [count] })),
      { label: "Ratings by score", horizontal: false }),
  );
  byId("chart-faqs").replaceChildren(
    barChart(report.top_faqs.map((faq) => ({ label: faq.question || faq.faq_id, title: faq.faq_id, values: [faq.served] })),
      { label: "How often each FAQ answered a shopper" }),
  );
  byId("chart-products").replaceChildren(
    barChart(report.products.map((p) => ({ label: p.title || p.product_id, title: p.product_id, values: [p.recommended, p.clicked, p.added_to_cart] })),
      { label: "Products recommended, clicked and added to cart from chat", series: ["bar", "clicked", "carted"] }),
  );
}

function renderGaps(data) {
  const list = byId("gap-list");
  if (!data.clusters.length) {
    list.replaceChildren(h("li", { class: "muted", text: "No open knowledge gaps in this period." }));
    return;
  }
  list.replaceChildren(...data.clusters.map((cluster) => h(
    "li", { dataset: { key: cluster.key } },
    h("div", { class: "gap-head" },
      h("span", { class: "question", text: cluster.question }),
      h("span", { class: "badge", text: `${cluster.size}×` }),
      Object.entries(cluster.kinds).map(([kind, n]) => h("span", { class: "badge warn", text: `${kind} ${n}` })),
      h("span", { class: "small muted", text: `last ${formatDate(cluster.last_at)}` }),
      h("button", { type: "button", class: "small-button primary", text: "Draft FAQ", onclick: () => draft(cluster) }),
      h("button", { type: "button", class: "small-button", text: "Add to FAQ…", onclick: () => openJoin(cluster) }),
      h("button", {
        type: "button", class: "small-button", text: "Dismiss", title: "No content gap: remove these questions from the list",
        onclick: () => close(cluster, { faq_id: null }, "Dismissed"),
      })),
    h("ul", { class: "examples" }, cluster.examples.map((text) => h("li", { text }))),
    cluster.answered_with.length ? h("p", { class: "answered-with small muted",
      text: `The bot had answered with FAQ ${cluster.answered_with.join(", ")}, and the shopper asked for a person.` }) : null,
    answerNow(cluster),
    unknownWords(cluster.unknown_words || []),
  )));
}

// Content added since may answer a gap already: the editor checks the answer and closes it.
function answerNow(cluster) {
  const answer = cluster.answer_now;
  if (!answer) return null;
  const what = answer.action === "answer_faq"
    ? ["The bot answers this now with the FAQ ", h("q", { text: answer.faq_question || answer.faq_id })]
    : ["The bot shows products for this now: ", answer.products.join(", ")];
  return h("p", { class: "answer-now small" },
    h("span", { class: "badge ok", text: "answered now" }), " ", ...what, " ",
    h("button", {
      type: "button", class: "small-button", text: "Close gap",
      onclick: () => close(cluster, { faq_id: answer.faq_id ?? null }, "Closed"),
    }));
}

async function close(cluster, how, done) {
  try {
    const result = await api("POST", "/api/insights/gaps/close", { turn_ids: cluster.turn_ids, ...how });
    const added = result.variants_added.length;
    toast(`${done} ${result.closed} questions${added ? `; ${added} wordings added to FAQ ${result.faq.id}` : ""}`);
    await load();
  } catch (error) {
    toast(`Not closed: ${error.message}`);
  }
}

// Words of a gap that search does not know: each opens the Synonyms tab with it filled in,
// so the editor adds what the catalog calls it ("Hängematte, hammock").
function unknownWords(words) {
  if (!words.length) return null;
  return h("p", { class: "unknown-words small" },
    h("span", { class: "muted", text: "Words search does not know: " }),
    words.map((word) => h("a", {
      class: "badge", text: word, title: `Add a synonym for “${word}”`,
      href: `/console/knowledge?synonym=${encodeURIComponent(word)}#synonyms`,
    })));
}

async function load() {
  const params = query();
  byId("csv-link").href = `/api/insights/analytics.csv?${params}&table=${byId("csv-table").value}`;
  byId("period-note").textContent = `Days in ${timezone}`;
  try {
    const [report, gaps] = await Promise.all([
      api("GET", `/api/insights/analytics?${params}`),
      api("GET", `/api/insights/gaps?${params}`),
    ]);
    render(report);
    renderGaps(gaps);
  } catch (error) {
    toast(`Analytics not loaded: ${error.message}`);
  }
}

async function draft(cluster) {
  try {
    const faq = await api("POST", "/api/insights/gaps/draft", { turn_ids: cluster.turn_ids, question: cluster.question });
    const form = byId("draft-form");
    draftTurns = faq.turn_ids;
    form.elements.id.value = faq.id;
    form.elements.question.value = faq.question;
    form.elements.variants.value = faq.variants.join("\n");
    form.elements.answer.value = "";
    form.elements.locale.value = faq.locale;
    form.elements.popular.checked = false;
    byId("draft-error").textContent = "";
    byId("draft").showModal();
    form.elements.answer.focus();
  } catch (error) {
    toast(`No draft: ${error.message}`);
  }
}

// "Add to FAQ…": the gap's wordings join an FAQ that answers them; the FAQs whose
// wordings are closest to the question are offered first, a search finds others.
let joining = null;

async function openJoin(cluster) {
  joining = cluster;
  const form = byId("join-form");
  form.elements.find.value = "";
  byId("join-question").textContent = cluster.question;
  byId("join-error").textContent = "";
  byId("join").showModal();
  await findFaqs(cluster.question);
  form.elements.find.focus();
}

let searches = 0;

async function findFaqs(query) {
  const list = byId("join-faqs");
  const search = ++searches;
  try {
    const found = await api("POST", "/api/kb/search", { query, kind: "faqs", k: 8 });
    if (search !== searches) return; // a later search answers
    const faqs = found.items.filter((item) => "question" in item);
    // Nothing is chosen for the editor, unless the bot answers with that FAQ already.
    const answering = joining.answer_now?.faq_id;
    list.replaceChildren(...faqs.map((faq) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "faq", value: faq.id, checked: faq.id === answering }),
      h("span", { text: faq.question }), " ", h("span", { class: "small muted", text: faq.id }))));
    if (!faqs.length) list.replaceChildren(h("p", { class: "muted small", text: "No FAQ matches." }));
  } catch (error) {
    byId("join-error").textContent = error.message;
  }
}

async function join(event) {
  event.preventDefault();
  const form = byId("join-form");
  const faqId = form.querySelector("input[name=faq]:checked")?.value;
  if (!faqId) {
    byId("join-error").textContent = "Choose the FAQ that answers these questions.";
    return;
  }
  const result = await submitting(form, byId("join-error"), () =>
    api("POST", "/api/insights/gaps/close", { turn_ids: joining.turn_ids, faq_id: faqId, add_variants: true }));
  if (result.ok) {
    byId("join").close();
    const added = result.value.variants_added.length;
    toast(`Added ${added} wordings to FAQ ${faqId}; ${result.value.closed} questions closed`);
    await load();
  }
}

async function publish(event) {
  event.preventDefault();
  const form = byId("draft-form");
  const faq = {
    id: form.elements.id.value.trim(),
    question: form.elements.question.value.trim(),
    answer: form.elements.answer.value.trim(),
    variants: lines(form.elements.variants.value),
    locale: form.elements.locale.value,
    popular: form.elements.popular.checked,
  };
  const result = await submitting(form, byId("draft-error"), () =>
    api("POST", "/api/insights/gaps/publish", { faq, turn_ids: draftTurns }));
  if (result.ok) {
    byId("draft").close();
    toast(`Published FAQ ${faq.id}; ${result.value.closed} questions closed`);
    await load();
  }
}

async function main() {
  if (!(await signIn(["editor", "admin"], "Analytics"))) return;
  const today = new Date();
  byId("end").value = isoDay(today);
  byId("start").value = isoDay(new Date(today.getTime() - 29 * 86400000));
  byId("period").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  byId("csv-table").addEventListener("change", () => {
    byId("csv-link").href = `/api/insights/analytics.csv?${query()}&table=${byId("csv-table").value}`;
  });
  byId("draft-form").addEventListener("submit", publish);
  byId("draft-cancel").addEventListener("click", () => byId("draft").close());
  byId("join-form").addEventListener("submit", join);
  byId("join-cancel").addEventListener("click", () => byId("join").close());
  let searching = 0;
  byId("join-form").elements.find.addEventListener("input", (event) => {
    clearTimeout(searching);
    const query = event.target.value.trim() || joining.question;
    searching = setTimeout(() => findFaqs(query), 250);
  });
  await load();
}

main();
