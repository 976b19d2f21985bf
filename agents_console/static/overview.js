// The supervisors' "All open" view (admins only; the hub refuses everyone else):
// every conversation with the bot, queued or assigned, with its status, team,
// assignee, how long the shopper waits and the last words.
//
// One request lists them all (GET /api/open-conversations); after it the hub's
// `conversation` and `queue` frames keep statuses, teams and assignees live (an
// admin gets them for every conversation), and `message` frames the last words of
// the conversations this console watches. The hub sends no frame for a new
// conversation with the bot nor for messages in unwatched ones: while the view is
// shown the list is fetched again every REFRESH_MS, and soon after a frame names
// a conversation the list does not know, never one request per conversation.

import { api } from "./api.js";
import { byId, formatWait, h, handoffReason } from "./dom.js";

const REFRESH_MS = 10000;
const SOON_MS = 1000;
const OPEN = new Set(["bot", "queued", "assigned"]);

export class AllOpen {
  // open(id): watch the conversation; assign(id, status): the Transfer dialog;
  // agentName(id), teamName(id), contactName(row), me: the signed-in admin.
  constructor({ open, assign, agentName, teamName, me, toast, onCount }) {
    Object.assign(this, { open, assign, agentName, teamName, me, toast, onCount });
    this.rows = new Map(); // conversation id -> row of the listing, kept live by frames
    this.gone = new Map(); // conversation id -> last_seq at which it was resolved
    this.loaded = false;
    this.shown = false;
    this.truncated = false;
    this.filter = "";
    this.loading = null;
    this.requestedAt = 0;
    this.again = false;
    this.timer = null;
    this.soonTimer = null;
    this.drawPending = false;
    byId("all-open-filter").addEventListener("change", (event) => {
      this.filter = event.target.value;
      this.draw();
    });
  }

  show() {
    this.shown = true;
    byId("all-open").hidden = false;
    this.draw();
    this.refresh();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  hide() {
    this.shown = false;
    byId("all-open").hidden = true;
    clearInterval(this.timer);
    this.timer = null;
  }

  // One request for the whole list; a call while one is on its way asks for one more after it.
  refresh() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      const requestedAt = Date.now();
      try {
        const listing = await api("GET", "/api/open-conversations");
        this.merge(listing, requestedAt);
      } catch (error) {
        this.toast(`Open conversations not loaded: ${error.message}`);
      } finally {
        this.loading = null;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      }
    })();
    return this.loading;
  }

  soon() {
    if (this.soonTimer || !this.loaded) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.refresh();
    }, SOON_MS);
  }

  // The listing replaces the rows, except what frames told of after it was read:
  // a conversation's `last_seq` counts every status change, so the higher one is newer.
  merge(listing, requestedAt) {
    const rows = new Map();
    for (const row of listing.conversations) {
      const known = this.rows.get(row.id);
      if ((this.gone.get(row.id) ?? -1) >= row.last_seq) continue;
      if (known && known.last_seq > row.last_seq) {
        rows.set(row.id, { ...row, ...pick(known, ["status", "team_id", "assignee_id", "priority", "queued_at", "last_seq"]) });
      } else rows.set(row.id, row);
    }
    // Frames about conversations the listing may have been read too early to hold.
    for (const [id, known] of this.rows) {
      if (!rows.has(id) && known.frameAt >= requestedAt && !listing.truncated) rows.set(id, known);
    }
    this.rows = rows;
    this.gone.clear();
    this.truncated = listing.truncated;
    this.loaded = true;
    this.draw();
  }

  // A `conversation` frame, or one entry of a `queue` frame.
  conversation(conversation) {
    if (!this.loaded) return;
    const known = this.rows.get(conversation.id);
    if (known && known.last_seq > conversation.last_seq) return;
    if (!OPEN.has(conversation.status)) {
      this.rows.delete(conversation.id);
      this.gone.set(conversation.id, conversation.last_seq);
    } else if (known) {
      const row = { ...known, ...pick(conversation, ["status", "team_id", "assignee_id", "priority", "queued_at", "last_seq"]) };
      if (known.status !== "queued" && conversation.status === "queued" && !row.waiting_since) row.waiting_since = conversation.queued_at;
      this.rows.set(conversation.id, row);
    } else {
      this.rows.set(conversation.id, {
        ...conversation,
        contact_name: null,
        contact_email: null,
        waiting_since: conversation.status === "queued" ? conversation.queued_at : null,
        last_message: null,
        frameAt: Date.now(),
      });
      this.soon(); // its shopper's name and last words
    }
    this.draw();
  }

  // A message in a conversation this console watches: its last words, who waits.
  message(message) {
    const row = this.rows.get(message.conversation_id);
    if (!row || message.private || message.content_type === "system_event") return;
    if (row.last_message && row.last_message.seq >= message.seq) return;
    const kind = message.sender?.kind;
    row.last_message = {
      seq: message.seq,
      sender_kind: kind,
      sender_id: message.sender?.id ?? null,
      content_type: message.content_type,
      text: message.text || "",
      created_at: message.created_at,
    };
    if (kind === "visitor") row.waiting_since ||= message.created_at;
    else if (kind === "agent" || (kind === "bot" && row.status === "bot")) row.waiting_since = null;
    this.draw();
  }

  // Many frames in a burst draw once.
  draw() {
    this.onCount(this.loaded ? this.rows.size : null);
    if (!this.shown || this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.render();
    });
  }

  ordered() {
    const waitingSince = (row) => (row.waiting_since ? new Date(row.waiting_since).getTime() : Infinity);
    return [...this.rows.values()]
      .filter((row) => !this.filter || row.status === this.filter)
      .sort((a, b) => waitingSince(a) - waitingSince(b) || b.priority - a.priority || a.id - b.id);
  }

  render() {
    const now = Date.now();
    const rows = this.ordered();
    const counts = { bot: 0, queued: 0, assigned: 0 };
    for (const row of this.rows.values()) counts[row.status] += 1;
    byId("all-open-summary").textContent = this.loaded
      ? `${this.rows.size} open: ${counts.queued} queued, ${counts.assigned} assigned, ${counts.bot} with the bot` +
        (this.truncated ? " (only the oldest are listed)" : "")
      : "Loading…";
    byId("all-open-rows").replaceChildren(...rows.map((row) => this.item(row, now)));
  }

  item(row, now) {
    const name = contactLabel(row);
    const assigned = row.status === "assigned";
    return h(
      "tr",
      { dataset: { id: String(row.id), status: row.status } },
      h(
        "td",
        { class: "who" },
        h("button", {
          type: "button",
          class: "link-button",
          text: name,
          title: "Watch this conversation (read only)",
          onclick: () => this.open(row.id),
        }),
        row.handoff_reason ? h("span", { class: "badge", text: handoffReason(row.handoff_reason) }) : null,
        row.priority ? h("span", { class: "badge warn", text: `priority ${row.priority}` }) : null,
      ),
      h("td", { class: "status" }, h("span", { class: `badge status-${row.status}`, text: row.status })),
      h("td", { class: "team", text: row.team_id ? this.teamName(row.team_id) : "—" }),
      h("td", { class: "assignee", text: row.assignee_id ? this.agentName(row.assignee_id) : "—" }),
      h("td", { class: "waiting", text: row.waiting_since ? formatWait(row.waiting_since, now) : "" }),
      h("td", { class: "preview", text: this.lastWords(row) }),
      h(
        "td",
        {},
        h("button", {
          type: "button",
          class: "small-button",
          text: assigned ? "Transfer…" : "Assign…",
          "aria-label": `${assigned ? "Transfer" : "Assign"} the conversation with ${name}`,
          onclick: () => this.assign(row.id, row.status),
        }),
      ),
    );
  }

  lastWords(row) {
    const last = row.last_message;
    if (!last) return "";
    const text = last.text || (last.content_type === "product_cards" ? "[product cards]" : `[${last.content_type}]`);
    const who =
      last.sender_kind === "agent"
        ? String(last.sender_id) === String(this.me.id)
          ? "You: "
          : `${this.agentName(Number(last.sender_id))}: `
        : last.sender_kind === "bot"
          ? "Bot: "
          : "";
    return `${who}${text.replace(/\s+/g, " ")}`;
  }
}

function pick(source, keys) {
  return Object.fromEntries(keys.filter((key) => key in source).map((key) => [key, source[key]]));
}

export function contactLabel(row) {
  return row.contact_name || row.contact_email || `Visitor ${String(row.contact_id).slice(0, 6)}`;
}
