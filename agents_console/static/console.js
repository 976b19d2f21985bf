// The console's main module: state, the websocket frames, the lists, the open
// conversation and its actions. See docs/subsystems/console.md.

import { Settings } from "./admin.js";
import { api } from "./api.js";
import { Composer } from "./composer.js";
import { byId, formatWait, h, handoffReason, toast as showToast } from "./dom.js";
import { renderMessage } from "./messages.js";
import { askForNotifications, beep, notificationsAllowed, notify, unlockSound } from "./notify.js";
import { AllOpen } from "./overview.js";
import { renderHandoff, renderProfile } from "./profile.js";
import { AgentSocket } from "./socket.js";

const WATCHED_KEY = "touchpoint.console.watched"; // sessionStorage: conversations open before a reload
const TYPING_SHOWN_MS = 6000;
const WAIT_REFRESH_MS = 15000;

const state = {
  me: null,
  agents: new Map(), // id -> agent from /api/agents, status from presence frames
  teams: [],
  queue: [], // waiting conversations, oldest first
  seenQueue: new Set(),
  contacts: new Map(), // contact id -> {id, name, email, identity_verified}
  convs: new Map(), // conversation id -> Conv
  active: null,
};

class Conv {
  constructor(conversation) {
    this.conversation = conversation;
    this.messages = new Map(); // seq -> message
    this.lastSeq = 0;
    this.readSeq = conversation.agent_read_seq || 0;
    this.unread = 0;
    this.handoffContext = null;
    this.profile = null;
    this.loaded = false;
    this.typingUntil = 0;
  }

  get id() {
    return this.conversation.id;
  }

  get mine() {
    return this.conversation.assignee_id === state.me.id && this.conversation.status === "assigned";
  }

  add(message) {
    if (this.messages.has(message.seq)) return false;
    this.messages.set(message.seq, message);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    return true;
  }

  ordered() {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }
}

const socket = new AgentSocket(() =>
  [...state.convs.values()].filter((c) => c.loaded).map((c) => ({ conversation_id: c.id, last_seq: c.lastSeq })),
);
let composer;
let allOpen = null; // admins: the "All open" view (overview.js)

// ---- helpers ---------------------------------------------------------------

// Over the first lines of what the middle column shows, just under its header: clear
// of the lists, the conversation's actions and the reply box.
function toast(text) {
  const header = byId("conversation").querySelector("section:not([hidden]) > .conv-header");
  byId("toasts").style.top = `${header ? header.offsetHeight : 0}px`;
  showToast(text);
}

function failed(what) {
  return (error) => toast(`${what}: ${error.message || error.code || "failed"}`);
}

function contactName(conversation) {
  const contact = state.contacts.get(conversation.contact_id);
  return contact?.name || contact?.email || `Visitor ${conversation.contact_id.slice(0, 6)}`;
}

function teamName(teamId) {
  return state.teams.find((t) => t.id === teamId)?.name || "";
}

function agentName(agentId) {
  return state.agents.get(agentId)?.name || `agent ${agentId}`;
}

function saveWatched() {
  const ids = [...state.convs.values()].filter((c) => !c.mine).map((c) => c.id);
  sessionStorage.setItem(WATCHED_KEY, JSON.stringify(ids));
}

function updateTitle() {
  const unread = [...state.convs.values()].reduce((sum, c) => sum + c.unread, 0);
  const waiting = state.queue.length;
  const count = unread + waiting;
  document.title = count ? `(${count}) Touchpoint console` : "Touchpoint console";
}

// ---- lists -------------------------------------------------------------------

function tag(className, text) {
  return h("span", { class: className, text, title: text });
}

function renderQueue() {
  byId("queue-count").textContent = String(state.queue.length);
  const now = Date.now();
  byId("queue").replaceChildren(
    ...state.queue.map((conversation) =>
      h(
        "li",
        { class: state.active === conversation.id ? "active" : "" },
        h(
          "button",
          { type: "button", class: "conv-link", onclick: () => openConversation(conversation.id) },
          h("span", { class: "name", text: contactName(conversation) }),
          h("span", { class: "small muted", text: `waiting ${formatWait(conversation.queued_at, now)}` }),
          h(
            "span",
            { class: "tags" },
            // One line each, cut with "…" in a narrow sidebar: the whole words are the title.
            conversation.handoff_reason ? tag("badge", handoffReason(conversation.handoff_reason)) : null,
            conversation.team_id ? tag("badge team", teamName(conversation.team_id)) : null,
            conversation.priority ? h("span", { class: "badge warn", text: `priority ${conversation.priority}` }) : null,
          ),
        ),
        h("button", {
          type: "button",
          class: "small-button take",
          text: "Take",
          "aria-label": `Take the conversation with ${contactName(conversation)}`,
          onclick: () => take(conversation.id),
        }),
      ),
    ),
  );
  updateTitle();
}

function switchOrder() {
  const convs = [...state.convs.values()];
  return [...convs.filter((c) => c.mine), ...convs.filter((c) => !c.mine)];
}

// The list's second line: the last thing said, by whom, so an agent with several
// chats sees which shopper waits for an answer without opening each.
function lastWords(conv) {
  const last = conv
    .ordered()
    .filter((m) => m.content_type !== "system_event" && !m.private)
    .pop();
  if (!last) return conv.conversation.status;
  const kind = last.sender?.kind;
  const text = last.text || (last.content_type === "product_cards" ? "[product cards]" : `[${last.content_type}]`);
  const who = kind === "agent" ? (String(last.sender?.id) === String(state.me.id) ? "You: " : `${last.sender?.name || "Agent"}: `) : kind === "bot" ? "Bot: " : "";
  return `${who}${text.replace(/\s+/g, " ")}`;
}

function convItem(conv, index) {
  const typing = conv.typingUntil > Date.now();
  const status = conv.conversation.status;
  return h(
    "li",
    { class: state.active === conv.id ? "active" : "" },
    h(
      "button",
      {
        type: "button",
        class: "conv-link",
        onclick: () => activate(conv.id),
        "aria-current": state.active === conv.id ? "true" : false,
        title: index < 9 ? `Alt+${index + 1}` : false,
      },
      h("span", { class: "name", text: contactName(conv.conversation) }),
      h("span", { class: "preview small muted", text: typing ? "typing…" : lastWords(conv) }),
      status !== "assigned" ? h("span", { class: `badge status-${status}`, text: status }) : null,
      conv.unread ? h("span", { class: "count unread", text: String(conv.unread), "aria-label": `${conv.unread} unread` }) : null,
    ),
  );
}

function renderLists() {
  const order = switchOrder();
  byId("mine").replaceChildren(...order.filter((c) => c.mine).map((c) => convItem(c, order.indexOf(c))));
  byId("watching").replaceChildren(...order.filter((c) => !c.mine).map((c) => convItem(c, order.indexOf(c))));
  updateTitle();
}

// ---- the open conversation ---------------------------------------------------

function actionButton(label, onclick, extra = {}) {
  return h("button", { type: "button", class: "small-button", text: label, onclick, ...extra });
}

// Waiting or with the bot: the agent may take it. Taking never steals one another
// agent is answering (the hub refuses); that takes a transfer.
function takeable(conv) {
  return ["queued", "bot"].includes(conv?.conversation.status);
}

// Why the agent may not answer this conversation; "" when they may.
function replyBlocked(conv) {
  if (conv.mine) return "";
  const { status, assignee_id: assignee } = conv.conversation;
  if (status === "resolved") return "Resolved: reopen the conversation to reply.";
  if (status === "assigned" && assignee) {
    return `${agentName(assignee)} is answering: ask them to transfer it to you to reply.`;
  }
  return "Not assigned to you: take the conversation to reply.";
}

function renderHeader(conv) {
  const conversation = conv.conversation;
  byId("conv-title").textContent = contactName(conversation);
  const status = byId("conv-status");
  status.textContent = conversation.status;
  status.className = `badge status-${conversation.status}`;
  byId("conv-assignee").textContent = conversation.assignee_id
    ? `with ${conversation.assignee_id === state.me.id ? "you" : agentName(conversation.assignee_id)}`
    : conversation.team_id
      ? `team ${teamName(conversation.team_id)}`
      : "";
  const id = conversation.id;
  const actions = [];
  if (takeable(conv)) actions.push(actionButton("Take", () => take(id), { accesskey: "t" }));
  if (conversation.status !== "resolved") {
    actions.push(actionButton("Transfer…", () => openTransfer(id)));
    if (conversation.status !== "bot") actions.push(actionButton("Hand back to bot", () => command("release", id)));
    actions.push(actionButton("Resolve", () => command("resolve", id), { class: "small-button primary" }));
  } else {
    actions.push(actionButton("Reopen", () => command("reopen", id)));
  }
  if (!conv.mine) actions.push(actionButton("Close", () => closeConversation(id)));
  replaceKeepingFocus(byId("conv-actions"), actions);
  composer.lock(replyBlocked(conv));
}

// Redraws the action buttons without dropping a keyboard user's focus to the page:
// the same button again, else the first one new (Resolve gives way to Reopen), else the first.
function replaceKeepingFocus(box, buttons) {
  const focused = box.contains(document.activeElement) ? document.activeElement : null;
  const before = new Set([...box.children].map((button) => button.textContent));
  box.replaceChildren(...buttons);
  if (!focused || !buttons.length) return;
  const same = buttons.find((button) => button.textContent === focused.textContent);
  const fresh = buttons.find((button) => !before.has(button.textContent));
  (same || fresh || buttons[0]).focus();
}

const AT_END_PX = 48;

function timelineAtEnd(timeline) {
  return timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < AT_END_PX;
}

function scrollToEnd() {
  const timeline = byId("timeline");
  timeline.scrollTop = timeline.scrollHeight;
  byId("jump").hidden = true;
}

// A conversation just opened, or read to its end, follows new messages; one the agent
// scrolled back in stays where they are reading, and "New messages" takes them down.
function renderTimeline(conv, { follow = false } = {}) {
  const messages = conv.ordered();
  const lastSeen = messages.filter((m) => m.sender?.kind === "agent" && !m.private && m.seq <= conv.conversation.visitor_read_seq).pop();
  const timeline = byId("timeline");
  const switched = timeline.dataset.conversation !== String(conv.id);
  const stay = !switched && !follow && !timelineAtEnd(timeline);
  const top = timeline.scrollTop;
  const before = timeline.children.length;
  timeline.replaceChildren(...messages.map((m) => renderMessage(m, { seen: m === lastSeen })));
  timeline.dataset.conversation = String(conv.id);
  if (!stay) {
    scrollToEnd();
    return;
  }
  timeline.scrollTop = top;
  if (messages.length > before) byId("jump").hidden = false;
}

function renderTyping(conv) {
  byId("typing").textContent = conv && conv.typingUntil > Date.now() ? `${contactName(conv.conversation)} is typing…` : "";
}

function renderSide(conv) {
  byId("handoff").replaceChildren(renderHandoff(conv.conversation, conv.handoffContext, conv.ordered()));
  byId("profile-body").replaceChildren(
    conv.profile ? renderProfile(conv.profile, conv.id) : h("p", { class: "muted", text: "Loading the profile…" }),
  );
}

function renderActive({ follow = false } = {}) {
  const conv = state.convs.get(state.active);
  const overview = Boolean(allOpen?.shown);
  byId("empty").hidden = Boolean(conv) || overview;
  byId("conv-view").hidden = !conv || overview;
  if (!conv) {
    byId("handoff").replaceChildren();
    byId("profile-body").replaceChildren();
    return;
  }
  renderHeader(conv);
  renderTimeline(conv, { follow });
  renderTyping(conv);
  renderSide(conv);
}

function markRead(conv) {
  if (state.active !== conv.id || document.visibilityState !== "visible") return;
  conv.unread = 0;
  // Watching a conversation another agent answers reads it for nobody: the read mark
  // would clear their unread count and tell the shopper "seen".
  const { status, assignee_id: assignee } = conv.conversation;
  if (status === "assigned" && assignee !== state.me.id) return;
  if (conv.lastSeq > conv.readSeq) {
    conv.readSeq = conv.lastSeq;
    socket.read(conv.id, conv.lastSeq);
  }
}

function activate(id) {
  if (!state.convs.has(id)) return;
  hideAllOpen();
  state.active = id;
  composer.switchTo(id);
  const conv = state.convs.get(id);
  markRead(conv);
  renderActive({ follow: true }); // opened: at its newest message
  renderLists();
  renderQueue();
  composer.focus();
}

async function loadProfile(conv) {
  try {
    conv.profile = await api("GET", `/api/contacts/${encodeURIComponent(conv.conversation.contact_id)}`);
    if (conv.profile.name || conv.profile.email) state.contacts.set(conv.profile.id, conv.profile);
  } catch (error) {
    conv.profile = null;
    toast(`Profile not loaded: ${error.message}`);
  }
  if (state.active === conv.id) {
    renderSide(conv);
    renderHeader(conv);
  }
  renderLists();
}

// Watch a conversation: snapshot over the socket, then live messages.
async function openConversation(id, { focus = true } = {}) {
  let conv = state.convs.get(id);
  if (!conv || !conv.loaded) {
    let data;
    try {
      data = await socket.command("open", id);
    } catch (error) {
      toast(`Cannot open conversation ${id}: ${error.message}`);
      return;
    }
    conv = state.convs.get(id) || new Conv(data.conversation);
    conv.conversation = data.conversation;
    conv.handoffContext = data.handoff_context;
    if (data.contact) state.contacts.set(data.contact.id, data.contact);
    for (const message of data.messages || []) conv.add(message);
    conv.unread = conv.ordered().filter((m) => m.sender?.kind === "visitor" && m.seq > conv.readSeq).length;
    conv.loaded = true;
    state.convs.set(id, conv);
    saveWatched();
    loadProfile(conv);
  }
  // A supervisor looking at all open conversations stays there.
  if (focus || (state.active === null && !allOpen?.shown)) activate(id);
  else renderLists();
}

function closeConversation(id) {
  socket.command("close", id).catch(failed("Close"));
  state.convs.delete(id);
  composer.forget(id);
  if (state.active === id) state.active = null;
  saveWatched();
  renderActive();
  renderLists();
}

function command(name, id, args = {}) {
  return socket.command(name, id, args).catch(failed(name[0].toUpperCase() + name.slice(1)));
}

async function take(id) {
  await openConversation(id);
  await command("take", id);
}

// ---- all open (admins) ----------------------------------------------------------

function showAllOpen() {
  allOpen.show();
  document.querySelector(".app").classList.add("overview");
  byId("all-open-button").setAttribute("aria-pressed", "true");
  renderActive();
}

function hideAllOpen() {
  if (!allOpen?.shown) return;
  allOpen.hide();
  document.querySelector(".app").classList.remove("overview");
  byId("all-open-button").setAttribute("aria-pressed", "false");
  renderActive();
}

// From the list: watch it, read only (the reply box stays locked: it is not the admin's).
function watch(id) {
  openConversation(id);
}

// ---- transfer ------------------------------------------------------------------

function openTransfer(id) {
  const dialog = byId("transfer");
  const status = state.convs.get(id)?.conversation.status ?? allOpen?.rows.get(id)?.status;
  // A conversation nobody holds is assigned; the bot's cannot go to a team's queue.
  byId("transfer-title").textContent = status === "assigned" ? "Transfer conversation" : "Assign conversation";
  const submit = byId("transfer").querySelector("button[value=transfer]");
  submit.textContent = status === "assigned" ? "Transfer" : "Assign";
  // Someone offline would hold the conversation with nobody there to answer the
  // shopper: they are listed, but cannot be chosen; a team's queue reaches whoever comes.
  const others = [...state.agents.values()].filter((a) => a.id !== state.me.id && a.active !== false);
  const online = (a) => (a.status || "offline") !== "offline";
  others.sort((a, b) => Number(online(b)) - Number(online(a)) || a.name.localeCompare(b.name));
  byId("transfer-agent").replaceChildren(
    h("option", { value: "", text: "—" }),
    ...others.map((a) =>
      h("option", { value: String(a.id), text: `${a.name} (${a.status || "offline"})`, disabled: !online(a) }),
    ),
  );
  byId("transfer-team").replaceChildren(
    h("option", { value: "", text: "—" }),
    ...state.teams.map((t) => h("option", { value: String(t.id), text: t.name })),
  );
  byId("transfer-team").disabled = status === "bot";
  byId("transfer-error").textContent = "";
  dialog.dataset.conversation = String(id);
  dialog.showModal();
}

function setupTransfer() {
  const dialog = byId("transfer");
  byId("transfer-form").addEventListener("submit", async (event) => {
    if (event.submitter?.value !== "transfer") return;
    event.preventDefault();
    const agentId = byId("transfer-agent").value;
    const teamId = byId("transfer-team").value;
    if (!agentId === !teamId) {
      byId("transfer-error").textContent = "Choose either an agent or a team.";
      return;
    }
    const args = agentId ? { agent_id: Number(agentId) } : { team_id: Number(teamId) };
    try {
      await socket.command("transfer", Number(dialog.dataset.conversation), args);
      dialog.close();
    } catch (error) {
      byId("transfer-error").textContent = error.message;
    }
  });
}

// ---- frames --------------------------------------------------------------------

function onWelcome({ detail }) {
  byId("connection").textContent = "Connected";
  byId("connection").className = "connection ok";
  const watched = JSON.parse(sessionStorage.getItem(WATCHED_KEY) || "[]");
  const ids = [...detail.conversations.map((c) => c.id), ...watched];
  for (const conversation of detail.conversations) {
    const conv = state.convs.get(conversation.id);
    if (conv) conv.conversation = conversation;
  }
  // What the console already shows was resumed by hello; the rest gets a snapshot.
  for (const id of new Set(ids)) {
    if (!state.convs.get(id)?.loaded) openConversation(id, { focus: false });
  }
  renderLists();
  // Frames missed while disconnected: the list again.
  if (allOpen?.loaded) allOpen.refresh();
}

async function onQueue({ detail }) {
  const fresh = detail.waiting.filter((c) => !state.seenQueue.has(c.id));
  state.queue = detail.waiting;
  for (const conversation of detail.waiting) {
    state.seenQueue.add(conversation.id);
    allOpen?.conversation(conversation);
  }
  if (detail.waiting.some((c) => !state.contacts.has(c.contact_id))) {
    try {
      const listed = await api("GET", "/api/conversations?status=queued");
      for (const item of listed) if (item.contact) state.contacts.set(item.contact.id, item.contact);
    } catch (error) {
      toast(`Queue details not loaded: ${error.message}`);
    }
  }
  renderQueue();
  if (fresh.length) {
    beep(660);
    notify("New conversation waiting", `${contactName(fresh[0])}: ${fresh[0].handoff_reason ? handoffReason(fresh[0].handoff_reason) : "asked for help"}`, () =>
      openConversation(fresh[0].id),
    );
  }
}

function onConversation({ detail }) {
  const conversation = detail.conversation;
  allOpen?.conversation(conversation);
  const conv = state.convs.get(conversation.id);
  const assignedToMe = conversation.status === "assigned" && conversation.assignee_id === state.me.id;
  if (conv) {
    const wasMine = conv.mine;
    conv.conversation = conversation;
    if (assignedToMe && !wasMine) {
      announceAssigned(conv);
      markRead(conv); // in view when it became theirs: now their reading counts
    }
    if (state.active === conv.id) renderActive();
  } else if (assignedToMe) {
    // It still gets the focus if nothing is open once it has loaded. Deciding that
    // here would let two assignments arriving together both take it, the later one
    // from the earlier.
    openConversation(conversation.id, { focus: false }).then(() => {
      const opened = state.convs.get(conversation.id);
      if (opened) announceAssigned(opened);
    });
  }
  saveWatched();
  renderLists();
}

function announceAssigned(conv) {
  beep(880);
  toast(`${contactName(conv.conversation)} is now yours`);
  notify("Conversation assigned to you", contactName(conv.conversation), () => activate(conv.id));
}

function onMessage({ detail }) {
  const message = detail.message;
  allOpen?.message(message);
  const conv = state.convs.get(message.conversation_id);
  if (!conv || !conv.add(message)) return;
  const change = message.content_type === "system_event" ? message.payload : null;
  if (change?.to && message.seq >= conv.conversation.last_seq) {
    // The hub sends no conversation frames for one moved out of this agent's teams;
    // its status changes still arrive in the timeline.
    conv.conversation = {
      ...conv.conversation,
      status: change.to,
      assignee_id: change.assignee?.id ?? null,
      team_id: change.team_id ?? conv.conversation.team_id,
      last_seq: message.seq,
    };
    saveWatched();
  }
  if (message.sender?.kind === "visitor") {
    conv.typingUntil = 0;
    const looking = state.active === conv.id && document.visibilityState === "visible";
    if (!looking) {
      conv.unread += 1;
      beep(990, 90);
      notify(contactName(conv.conversation), message.text, () => activate(conv.id));
    }
  }
  if (state.active === conv.id) {
    markRead(conv);
    const mine = message.sender?.kind === "agent" && String(message.sender.id) === String(state.me.id);
    renderTimeline(conv, { follow: mine });
    renderTyping(conv);
    if (message.content_type === "system_event") renderHeader(conv);
  }
  renderLists();
}

function onTyping({ detail }) {
  const conv = state.convs.get(detail.conversation_id);
  if (!conv || detail.sender?.kind !== "visitor") return;
  conv.typingUntil = detail.on ? Date.now() + TYPING_SHOWN_MS : 0;
  if (state.active === conv.id) renderTyping(conv);
  renderLists();
  if (detail.on) {
    setTimeout(() => {
      if (state.active === conv.id) renderTyping(conv);
      renderLists();
    }, TYPING_SHOWN_MS + 50);
  }
}

function onRead({ detail }) {
  const conv = state.convs.get(detail.conversation_id);
  if (!conv) return;
  if (detail.by === "visitor") {
    conv.conversation = { ...conv.conversation, visitor_read_seq: detail.seq };
    if (state.active === conv.id) renderTimeline(conv);
  } else {
    // Another agent (or this one in another tab) read it.
    conv.readSeq = Math.max(conv.readSeq, detail.seq);
    conv.unread = conv.ordered().filter((m) => m.sender?.kind === "visitor" && m.seq > conv.readSeq).length;
    renderLists();
  }
}

async function onResync({ detail }) {
  const conv = state.convs.get(detail.conversation_id);
  if (!conv) return;
  try {
    const messages = await api("GET", `/api/conversations/${conv.id}/messages?after_seq=${conv.lastSeq}&limit=1000`);
    for (const message of messages) conv.add(message);
    if (state.active === conv.id) renderTimeline(conv);
  } catch (error) {
    toast(`Could not reload conversation ${conv.id}: ${error.message}`);
  }
}

function onPresence({ detail }) {
  byId("agents-online").textContent = `${detail.agents_online} agent${detail.agents_online === 1 ? "" : "s"} online`;
  const statuses = new Map((detail.agents || []).map((a) => [a.id, a.status]));
  for (const agent of state.agents.values()) agent.status = statuses.get(agent.id) || "offline";
  // The hub restores the status the agent chose last (editors start away).
  const mine = statuses.get(state.me.id);
  if (mine) byId("status-select").value = mine;
  if (!state.agents.size || [...statuses.keys()].some((id) => !state.agents.has(id))) loadAgents();
}

function onError({ detail }) {
  if (!detail.ref) toast(detail.message);
}

function onDisconnected() {
  byId("connection").textContent = "Reconnecting…";
  byId("connection").className = "connection warn";
}

async function loadAgents() {
  try {
    for (const agent of await api("GET", "/api/agents")) state.agents.set(agent.id, agent);
  } catch (error) {
    toast(`Agents not loaded: ${error.message}`);
  }
}

// ---- keyboard ------------------------------------------------------------------

function onKey(event) {
  unlockSound();
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  const key = event.key.toLowerCase();
  if (/^[1-9]$/.test(key)) {
    const conv = switchOrder()[Number(key) - 1];
    if (conv) activate(conv.id);
  } else if (key === "q") {
    byId("queue").querySelector("button")?.focus();
  } else if (key === "t") {
    const target = takeable(state.convs.get(state.active)) ? state.active : state.queue[0]?.id;
    if (target) take(target);
  } else if (key === "k") {
    byId("kb").open = true;
    byId("kb-query").focus();
  } else return;
  event.preventDefault();
}

// ---- start -----------------------------------------------------------------------

function setupAllOpen() {
  allOpen = new AllOpen({
    open: watch,
    assign: openTransfer,
    agentName,
    teamName: (id) => teamName(id) || `team ${id}`,
    me: state.me,
    toast,
    onCount: (count) => {
      byId("all-open-count").textContent = count === null ? "" : String(count);
    },
  });
  const button = byId("all-open-button");
  button.hidden = false;
  button.addEventListener("click", () => (allOpen.shown ? hideAllOpen() : showAllOpen()));
  allOpen.refresh(); // for the count beside the button
}

async function start() {
  state.me = await api("GET", "/api/auth/me");
  // The role gives way first on a narrow top bar (console.css).
  byId("me-name").replaceChildren(state.me.name, h("span", { class: "label", text: ` (${state.me.role})` }));
  byId("me-name").title = `${state.me.name} (${state.me.role})`;
  state.teams = await api("GET", "/api/teams");
  await loadAgents();

  composer = new Composer({
    conversationId: () => state.active,
    send: (text, isPrivate) => socket.message(state.active, text, { isPrivate }),
    sendProducts: (products) =>
      socket.message(state.active, "", { contentType: "product_cards", payload: { products } }),
    typing: (id, on) => id && socket.typing(id, on),
    shopperPage: () => state.convs.get(state.active)?.profile?.current_page || null,
    toast,
  });
  composer.loadCanned();
  setupTransfer();

  if (state.me.role !== "agent") {
    // Editors and admins also work on the content pages (agents_console/insights).
    byId("pages").hidden = false;
    for (const link of document.querySelectorAll("#pages [data-admin]")) {
      link.hidden = state.me.role !== "admin";
    }
    if (state.me.role === "admin") setupAllOpen();
    const settings = new Settings(state.me, { onCannedChanged: () => composer.loadCanned() });
    const button = byId("settings-button");
    button.hidden = false;
    button.addEventListener("click", () => settings.open());
  }
  byId("status-select").addEventListener("change", (event) =>
    command("status", null, { status: event.target.value }),
  );
  byId("alerts-button").addEventListener("click", async () => {
    unlockSound();
    const allowed = notificationsAllowed() || (await askForNotifications());
    const label = allowed ? "Alerts on" : "Sound only";
    byId("alerts-label").textContent = label;
    byId("alerts-button").title = label;
    beep();
  });
  byId("logout-button").addEventListener("click", async () => {
    socket.stop();
    await api("POST", "/api/auth/logout").catch(() => null);
    sessionStorage.removeItem(WATCHED_KEY);
    composer.forgetAll(); // unsent replies are not left for whoever signs in next
    window.location.assign("/console/login");
  });
  document.addEventListener("keydown", onKey);
  byId("jump").addEventListener("click", scrollToEnd);
  byId("timeline").addEventListener("scroll", (event) => {
    if (timelineAtEnd(event.target)) byId("jump").hidden = true;
  });
  document.addEventListener("pointerdown", unlockSound, { once: true });
  document.addEventListener("visibilitychange", () => {
    const conv = state.convs.get(state.active);
    if (conv) {
      markRead(conv);
      renderLists();
    }
  });
  setInterval(renderQueue, WAIT_REFRESH_MS);

  const handlers = {
    welcome: onWelcome,
    queue: onQueue,
    conversation: onConversation,
    message: onMessage,
    typing: onTyping,
    read: onRead,
    resync_required: onResync,
    presence: onPresence,
    error: onError,
    disconnected: onDisconnected,
  };
  for (const [type, handler] of Object.entries(handlers)) socket.addEventListener(type, handler);
  socket.connect();
}

start().catch((error) => {
  byId("connection").textContent = `Could not start: ${error.message}`;
});
