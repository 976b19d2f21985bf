// The side panel: the handoff packet and bot transcript first, then who the
// shopper is (GET /api/contacts/{id}), this visit, cart, orders and earlier chats.

import { api } from "./api.js";
import { describe, formatDate, formatMoney, formatTime, h, handoffReason, safeUrl } from "./dom.js";
import { renderMessage } from "./messages.js";

const SEGMENTS = {
  new: "New visitor",
  returning: "Returning",
  regular: "Regular buyer",
  high_value: "High-value customer",
};

// A status code as words: "return_received" reads "received".
function words(code) {
  return String(code ?? "").replace(/^return_/, "").replaceAll("_", " ");
}

function section(title, ...children) {
  return h("section", { class: "panel-section" }, h("h3", { text: title }), children);
}

function link(url, label) {
  const safe = safeUrl(url);
  return safe
    ? h("a", { href: safe, target: "_blank", rel: "noopener noreferrer", text: label || url })
    : h("span", { text: label || url || "" });
}

function emptyLine(text) {
  return h("p", { class: "muted", text });
}

// The bot's part of the conversation: everything before the first handoff.
function botTranscript(messages) {
  const before = [];
  for (const message of messages) {
    if (message.content_type === "system_event" && message.payload?.to === "queued") break;
    if (message.sender?.kind === "visitor" || message.sender?.kind === "bot") before.push(message);
  }
  return before;
}

export function renderHandoff(conversation, handoffContext, messages) {
  const transcript = botTranscript(messages);
  const { summary, ...everything } = handoffContext || {};
  // What the bot had nothing for (no slots, no products, no failed question) is left out.
  const packet = Object.fromEntries(
    Object.entries(everything).filter(
      ([, value]) =>
        value !== null &&
        value !== undefined &&
        value !== "" &&
        !(Array.isArray(value) && !value.length) &&
        !(typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length),
    ),
  );
  // Products the bot showed read as "title · price", not as a table per product.
  if (Array.isArray(packet.products_shown)) {
    packet.products_shown = packet.products_shown.map((p) =>
      p && typeof p === "object" && p.title
        ? [p.title, p.price != null ? formatMoney(p.price) : ""].filter(Boolean).join(" · ")
        : p,
    );
  }
  return h(
    "div",
    { class: "handoff" },
    section(
      "Handoff",
      h(
        "p",
        {},
        h("span", {
          class: "badge",
          text: conversation.handoff_reason ? handoffReason(conversation.handoff_reason) : "no handoff",
        }),
        conversation.queued_at ? ` queued at ${formatTime(conversation.queued_at)}` : "",
      ),
      summary ? h("p", { class: "summary", text: summary }) : null,
      handoffContext ? describe(packet) : emptyLine("The bot sent no context packet."),
    ),
    h(
      "details",
      { class: "panel-section transcript" },
      h("summary", { text: `Bot transcript (${transcript.length} message${transcript.length === 1 ? "" : "s"})` }),
      h("ol", { class: "timeline compact" }, transcript.map((m) => renderMessage(m))),
    ),
  );
}

function identity(profile) {
  return section(
    "Shopper",
    h(
      "dl",
      { class: "kv" },
      h("dt", { text: "name" }),
      h("dd", { text: profile.name || "anonymous visitor" }),
      h("dt", { text: "e-mail" }),
      h("dd", { text: profile.email || "—" }),
      h("dt", { text: "customer no." }),
      h("dd", { text: profile.customer_id || "—" }),
      h("dt", { text: "identity" }),
      h(
        "dd",
        {},
        profile.identity_verified
          ? h("span", { class: "badge ok", text: "verified by the shop" })
          : h("span", { class: "badge warn", text: "not verified" }),
      ),
      h("dt", { text: "language" }),
      h("dd", { text: profile.locale || "—" }),
      h("dt", { text: "segment" }),
      h("dd", {}, h("span", { class: `badge segment-${profile.segment}`, text: SEGMENTS[profile.segment] || profile.segment })),
      h("dt", { text: "first seen" }),
      h("dd", { text: formatDate(profile.created_at) }),
    ),
  );
}

function consent(profile) {
  const state = profile.consent_personalisation;
  const label = state === true ? "granted" : state === false ? "refused" : "not asked";
  return section(
    "Consent",
    h("p", {}, "Personalisation: ", h("span", { class: `badge consent-${label.replace(" ", "-")}`, text: label })),
    profile.consent_records?.length
      ? h(
          "ul",
          { class: "plain small" },
          profile.consent_records.map((r) =>
            h("li", { text: `${formatDate(r.at)}: ${r.purpose} ${r.granted ? "granted" : "refused"} (${r.source})` }),
          ),
        )
      : null,
  );
}

function visit(profile) {
  return section(
    "This visit",
    h("p", {}, "Now on: ", profile.current_page ? link(profile.current_page) : h("span", { class: "muted", text: "unknown" })),
    profile.browsing_hidden
      ? h("p", { class: "muted small", text: "Pages and products viewed are hidden: the shopper has not consented to personalisation." })
      : null,
    h("h4", { text: "Pages" }),
    profile.pages?.length
      ? h("ol", { class: "plain small" }, profile.pages.map((p) => h("li", {}, link(p.url, p.title || p.url), ` ${formatTime(p.at)}`)))
      : emptyLine("No pages recorded."),
    h("h4", { text: "Products viewed" }),
    profile.products_viewed?.length
      ? h(
          "ul",
          { class: "plain small" },
          profile.products_viewed.map((p) => h("li", { text: `${p.title || p.name || p.product_id} ${formatTime(p.at)}` })),
        )
      : emptyLine("No products viewed."),
  );
}

function cart(profile) {
  const items = profile.cart || [];
  return section(
    "Cart",
    items.length
      ? h(
          "ul",
          { class: "plain small" },
          items.map((item) =>
            h("li", {
              text: [
                item.quantity ? `${item.quantity} ×` : "",
                item.title || item.name || item.product_id,
                item.price !== undefined ? formatMoney(item.price, item.currency) : "",
              ]
                .filter(Boolean)
                .join(" "),
            }),
          ),
        )
      : emptyLine("The cart is empty."),
  );
}

function orders(profile) {
  if (!profile.identity_verified) {
    return section("Orders", emptyLine("Orders are shown for shoppers the shop has verified."));
  }
  const list = profile.orders || [];
  return section(
    "Orders",
    list.length
      ? h(
          "ul",
          { class: "plain orders" },
          list.map((order) =>
            h(
              "li",
              {},
              h("strong", { text: order.id }),
              " ",
              h("span", { class: "badge", text: words(order.status) }),
              order.return_status ? h("span", { class: "badge warn", text: `return: ${words(order.return_status)}` }) : null,
              h("div", { class: "small", text: `${formatMoney(order.total, order.currency)} · ${formatDate(order.placed_at)}` }),
              order.tracking_url ? h("div", { class: "small" }, link(order.tracking_url, "tracking")) : null,
            ),
          ),
        )
      : emptyLine("No orders."),
  );
}

async function loadTranscript(conversationId, target) {
  try {
    const messages = await api("GET", `/api/conversations/${conversationId}/messages?limit=500`);
    target.replaceChildren(h("ol", { class: "timeline compact" }, messages.map((m) => renderMessage(m))));
  } catch (error) {
    target.replaceChildren(emptyLine(error.message));
  }
}

function history(profile, currentId) {
  const earlier = (profile.conversations || []).filter((c) => c.id !== currentId);
  return section(
    "Previous conversations",
    earlier.length
      ? h(
          "ul",
          { class: "plain" },
          earlier.map((c) => {
            const body = h("div", { class: "muted small", text: "Loading…" });
            const details = h(
              "details",
              {
                ontoggle: () => {
                  if (details.open && !details.dataset.loaded) {
                    details.dataset.loaded = "1";
                    loadTranscript(c.id, body);
                  }
                },
              },
              h("summary", { text: `#${c.id} · ${c.status} · ${formatDate(c.created_at)}` }),
              body,
            );
            return h("li", {}, details);
          }),
        )
      : emptyLine("This is the first conversation."),
  );
}

export function renderProfile(profile, currentConversationId) {
  return h(
    "div",
    { class: "profile" },
    identity(profile),
    consent(profile),
    Object.keys(profile.attributes || {}).length ? section("Attributes", describe(profile.attributes)) : null,
    visit(profile),
    cart(profile),
    orders(profile),
    history(profile, currentConversationId),
  );
}
