// /console/privacy (admins): find a contact, see its consent, export or erase it;
// the retention purge; the audit log of admin actions.

import { api, byId, formatDate, h, signIn, submitting, toast } from "./common.js";

const AUDIT_PAGE = 50;
let agentNames = new Map();
let oldestAudit = null;
let chosen = null;

function consentText(value) {
  if (value === true) return "personalisation allowed";
  if (value === false) return "personalisation refused";
  return "not asked";
}

async function find(event) {
  event.preventDefault();
  const list = byId("find-results");
  try {
    const hits = await api("GET", `/api/privacy/contacts?q=${encodeURIComponent(byId("find-query").value)}`);
    list.replaceChildren(...(hits.length ? hits.map((c) => h("li", {},
      h("button", { type: "button", onclick: () => showContact(c.id), text: `${c.name || "(no name)"} · ${c.email || "no e-mail"}` }),
      h("span", { class: "small muted", text: ` ${c.customer_id ? `customer ${c.customer_id} · ` : ""}last seen ${formatDate(c.last_seen_at)}` })))
      : [h("li", { class: "muted", text: "No contact matches." })]));
  } catch (error) {
    list.replaceChildren(h("li", { class: "error", text: error.message }));
  }
}

async function showContact(id) {
  const box = byId("contact");
  try {
    const profile = await api("GET", `/api/contacts/${encodeURIComponent(id)}`);
    chosen = profile;
    box.replaceChildren(
      h("h3", { text: profile.name || profile.email || `Contact ${profile.id}` }),
      h("dl", { class: "kv" },
        h("dt", { text: "Contact id" }), h("dd", { text: profile.id }),
        h("dt", { text: "E-mail" }), h("dd", { text: profile.email || "—" }),
        h("dt", { text: "Customer" }), h("dd", { text: profile.customer_id ? `${profile.customer_id} (verified)` : "anonymous" }),
        h("dt", { text: "Consent" }), h("dd", { text: consentText(profile.consent_personalisation) }),
        h("dt", { text: "Conversations" }), h("dd", { text: String(profile.conversations.length) })),
      h("h4", { text: "Consent records" }),
      profile.consent_records.length
        ? h("table", { class: "grid", "aria-label": "Consent records" },
          h("thead", {}, h("tr", {}, ["When", "What", "Answer", "Where"].map((t) => h("th", { text: t })))),
          h("tbody", {}, profile.consent_records.map((r) => h("tr", {},
            h("td", { text: formatDate(r.at) }), h("td", { text: r.purpose }), h("td", { text: r.granted ? "granted" : "refused" }), h("td", { text: r.source })))))
        : h("p", { class: "muted small", text: "No consent asked or given yet." }),
      h("div", { class: "actions" },
        h("a", { class: "button-link", href: `/api/privacy/contacts/${encodeURIComponent(profile.id)}/export`, download: `contact-${profile.id}.json`, text: "Download export (JSON)", onclick: () => setTimeout(loadAudit, 1500) }),
        h("button", { type: "button", class: "danger-button", text: "Erase contact…", onclick: openErase })));
  } catch (error) {
    box.replaceChildren(h("p", { class: "error", text: error.message }));
  }
}

function openErase() {
  byId("erase-confirm").value = "";
  byId("erase-force").checked = false;
  byId("erase-error").textContent = "";
  byId("erase").showModal();
}

async function erase(event) {
  event.preventDefault();
  const form = byId("erase-form");
  const error = byId("erase-error");
  if (byId("erase-confirm").value.trim() !== "ERASE") {
    error.textContent = "type ERASE to confirm";
    return;
  }
  const force = byId("erase-force").checked;
  const result = await submitting(form, error, () =>
    api("DELETE", `/api/privacy/contacts/${encodeURIComponent(chosen.id)}?force=${force}`));
  if (!result.ok) return;
  byId("erase").close();
  const r = result.value;
  byId("contact").replaceChildren(h("p", { role: "status", text:
    `Erased: ${r.conversations} conversations, ${r.messages} messages, ${r.events} events, ${r.consent_records} consent records, ${r.orders} orders, ${Object.values(r.other).reduce((a, b) => a + b, 0)} analytics rows.` }));
  byId("find-results").replaceChildren();
  chosen = null;
  await loadAudit();
}

async function retention() {
  const settings = await api("GET", "/api/privacy/retention");
  byId("retention-note").textContent = settings.days
    ? `Conversations without activity and shopper events older than ${settings.days} days are deleted automatically (checked every ${Math.round(settings.interval_seconds / 60)} min).`
    : "No retention period is set (TOUCHPOINT_RETENTION_DAYS): data is kept until erased.";
  byId("purge-button").disabled = !settings.days;
}

async function purge() {
  const button = byId("purge-button");
  button.disabled = true;
  try {
    const r = await api("POST", "/api/privacy/purge", {});
    byId("purge-result").textContent = `Deleted ${r.conversations} conversations, ${r.messages} messages, ${r.events} events, ${r.contacts} contacts older than ${formatDate(r.before)}.`;
    await loadAudit();
  } catch (error) {
    toast(`Purge failed: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

function actorName(actor) {
  const match = /^agent:(\d+)$/.exec(actor);
  return match && agentNames.has(Number(match[1])) ? agentNames.get(Number(match[1])) : actor;
}

async function loadAudit(more = false) {
  const params = new URLSearchParams({ limit: String(AUDIT_PAGE) });
  const action = byId("audit-action").value;
  if (action) params.set("action", action);
  if (more && oldestAudit) params.set("before_id", String(oldestAudit));
  const entries = await api("GET", `/api/privacy/audit?${params}`);
  const rows = entries.map((e) => h("tr", {},
    h("td", { text: formatDate(e.created_at) }), h("td", { text: actorName(e.actor) }), h("td", { text: e.action }),
    h("td", { text: e.target }), h("td", { class: "small", text: Object.entries(e.details).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ") })));
  if (more) byId("audit-rows").append(...rows);
  else byId("audit-rows").replaceChildren(...rows);
  oldestAudit = entries.length ? entries[entries.length - 1].id : oldestAudit;
  byId("audit-more").hidden = entries.length < AUDIT_PAGE;
}

async function main() {
  if (!(await signIn(["admin"], "The privacy page"))) return;
  agentNames = new Map((await api("GET", "/api/agents")).map((a) => [a.id, `${a.name} (${a.email})`]));
  byId("find-form").addEventListener("submit", find);
  byId("erase-form").addEventListener("submit", erase);
  byId("erase-cancel").addEventListener("click", () => byId("erase").close());
  byId("purge-button").addEventListener("click", purge);
  byId("audit-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadAudit();
  });
  byId("audit-more").addEventListener("click", () => loadAudit(true));
  await Promise.all([retention(), loadAudit()]);
}

main();
