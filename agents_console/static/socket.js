// The agent's websocket (/ws/agent, docs/protocol.md): hello with resume points,
// commands answered by id, messages resent with the same id until acked, and
// reconnection with backoff. Frames are re-dispatched as DOM events by type.

let counter = 0;
export function clientId(prefix = "c") {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

const COMMAND_TIMEOUT_MS = 15000;
const MAX_BACKOFF_MS = 15000;

export class AgentSocket extends EventTarget {
  // resumePoints(): [{conversation_id, last_seq}] for the conversations the console shows.
  constructor(resumePoints) {
    super();
    this.resumePoints = resumePoints;
    this.ws = null;
    this.ready = false;
    this.backoff = 500;
    this.pending = new Map(); // command id -> {resolve, reject, timer}
    this.outbox = new Map(); // message id -> frame, until acked
    this.stopped = false;
    this.retryTimer = null;
    this.onlineHooked = false;
  }

  connect() {
    if (!this.onlineHooked) {
      this.onlineHooked = true;
      window.addEventListener("online", () => this.retryNow());
      window.addEventListener("offline", () => this.abandon());
    }
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${window.location.host}/ws/agent`);
    this.ws = ws;
    // An abandoned socket's late events are not this connection's.
    ws.addEventListener("open", () => {
      if (this.ws === ws) ws.send(JSON.stringify({ type: "hello", v: 1, resume: this.resumePoints() }));
    });
    ws.addEventListener("message", (event) => this.ws === ws && this.receive(event.data));
    ws.addEventListener("close", (event) => this.ws === ws && this.closed(event));
  }

  // The agent's network is gone: drop the socket at once, as the widget does. A dead
  // link may take minutes to report its close, and the console said "Connected" all
  // along; "online" then reconnects without waiting out the backoff.
  abandon() {
    const ws = this.ws;
    if (this.stopped || !ws || ws.readyState === WebSocket.CLOSED) return;
    this.ws = null;
    ws.close();
    this.closed({ code: 1006 });
  }

  stop() {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type === "welcome") {
      this.ready = true;
      this.backoff = 500;
      // Unacked messages go again with their ids: the server drops duplicates.
      for (const pending of this.outbox.values()) this.ws.send(JSON.stringify(pending));
    } else if (frame.type === "ack") {
      this.outbox.delete(frame.id);
    } else if (frame.type === "result") {
      this.settle(frame.id, (entry) => entry.resolve(frame.data || {}));
    } else if (frame.type === "error" && frame.ref) {
      if (this.outbox.has(frame.ref) && frame.code !== "rate_limited") this.outbox.delete(frame.ref);
      this.settle(frame.ref, (entry) => entry.reject(frame));
    }
    this.dispatchEvent(new CustomEvent(frame.type, { detail: frame }));
  }

  settle(id, action) {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    action(entry);
  }

  closed(event) {
    this.ready = false;
    this.dispatchEvent(new CustomEvent("disconnected", { detail: { code: event.code } }));
    for (const id of [...this.pending.keys()]) {
      this.settle(id, (entry) =>
        entry.reject({ code: "disconnected", message: "the connection dropped; try again" }),
      );
    }
    if (this.stopped) return;
    if (event.code === 4401) {
      window.location.assign("/console/login");
      return;
    }
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  // The network is back: no need to sit out the rest of the backoff.
  retryNow() {
    if (!this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  send(frame) {
    if (!this.ready || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  command(name, conversationId, args = {}) {
    const id = clientId("cmd");
    const frame = { type: "command", id, name, args };
    if (conversationId) frame.conversation_id = conversationId;
    return new Promise((resolve, reject) => {
      if (!this.send(frame)) {
        reject({ code: "disconnected", message: "not connected to the hub; retrying" });
        return;
      }
      const timer = setTimeout(
        () => this.settle(id, (entry) => entry.reject({ code: "timeout", message: "no answer from the hub" })),
        COMMAND_TIMEOUT_MS,
      );
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  // Returns the message's client id; the frame is kept and resent until acked.
  message(conversationId, text, { contentType = "text", payload = null, isPrivate = false } = {}) {
    const frame = {
      type: "message",
      id: clientId("m"),
      conversation_id: conversationId,
      text,
      content_type: contentType,
      private: isPrivate,
    };
    if (payload) frame.payload = payload;
    this.outbox.set(frame.id, frame);
    this.send(frame);
    return frame.id;
  }

  typing(conversationId, on) {
    this.send({ type: "typing", conversation_id: conversationId, on });
  }

  read(conversationId, seq) {
    this.send({ type: "read", conversation_id: conversationId, seq });
  }
}
