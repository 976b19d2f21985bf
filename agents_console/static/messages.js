// One timeline entry as DOM. Shopper text is data: it only ever becomes text
// nodes, and links and images only take http(s) URLs (dom.js#safeUrl); the
// http(s) addresses in a text become links (dom.js#linkify).

import { formatMoney, formatTime, h, linkify, safeUrl } from "./dom.js";

const SENDER_LABELS = { visitor: "Shopper", bot: "Assistant", agent: "Agent", system: "" };

export function productCard(product, extra = null) {
  const title = product.title || product.id || "Product";
  const stock = product.stock === undefined || product.stock === null ? null : Number(product.stock);
  const image = safeUrl(product.image_url);
  const link = safeUrl(product.url);
  return h(
    "article",
    { class: "product" },
    image ? h("img", { src: image, alt: "", loading: "lazy" }) : null,
    h(
      "div",
      { class: "product-body" },
      link
        ? h("a", { href: link, target: "_blank", rel: "noopener noreferrer", text: title })
        : h("strong", { text: title }),
      h(
        "div",
        { class: "product-meta" },
        product.price !== undefined && product.price !== null
          ? h("span", { class: "price", text: formatMoney(product.price, product.currency) })
          : null,
        stock === null ? null : h("span", { text: stock > 0 ? `${stock} in stock` : "out of stock" }),
        product.rating ? h("span", { text: `★ ${Number(product.rating).toFixed(1)}` }) : null,
      ),
      extra,
    ),
  );
}

function body(message) {
  const payload = message.payload || {};
  const text = message.text ? h("p", { class: "text" }, linkify(message.text)) : null;
  switch (message.content_type) {
    case "quick_replies":
      return [
        text,
        h(
          "ul",
          { class: "chips", "aria-label": "Quick replies offered" },
          (payload.options || []).map((option) => h("li", { text: option.label ?? "" })),
        ),
      ];
    case "product_cards":
      return [text, h("div", { class: "products" }, (payload.products || []).map((p) => productCard(p)))];
    case "form":
      return [
        text,
        h(
          "div",
          { class: "form-summary" },
          h("strong", { text: `Form: ${payload.form || "form"}` }),
          h("ul", { class: "plain" }, (payload.fields || []).map((f) => h("li", { text: f.label || f.name }))),
        ),
      ];
    default:
      return [text];
  }
}

export function renderMessage(message, { seen = false } = {}) {
  const kind = message.sender?.kind || "system";
  if (message.content_type === "system_event") {
    return h(
      "li",
      { class: "msg system", dataset: { seq: String(message.seq) } },
      h("span", { text: message.text || `status: ${message.payload?.to ?? ""}` }),
      h("time", { datetime: message.created_at, text: formatTime(message.created_at) }),
    );
  }
  const classes = ["msg", kind];
  if (message.private) classes.push("note");
  const who = message.sender?.name || SENDER_LABELS[kind] || kind;
  return h(
    "li",
    { class: classes.join(" "), dataset: { seq: String(message.seq) } },
    h(
      "div",
      { class: "meta" },
      h("span", { class: "who", text: who }),
      message.private ? h("span", { class: "badge note-badge", text: "Private note" }) : null,
      h("time", { datetime: message.created_at, text: formatTime(message.created_at) }),
      seen ? h("span", { class: "seen", text: "Seen" }) : null,
    ),
    h("div", { class: "bubble" }, body(message)),
  );
}
