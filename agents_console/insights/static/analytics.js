// /console/analytics: figures and charts of a period, CSV export, and the knowledge
// gaps with "draft an FAQ" for each cluster.

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
      h("button", { type: "button", class: "small-button primary", text: "Draft FAQ", onclick: () => draft(cluster) })),
    h("ul", { class: "examples" }, cluster.examples.map((text) => h("li", { text }))),
    unknownWords(cluster.unknown_words || []),
  )));
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
  await load();
}

main();
