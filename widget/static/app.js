/* Touchpoint chat widget app (docs/subsystems/widget.md; wire format: docs/protocol.md).
   Loaded by widget.js, which hands over the shadow root, storage and event hooks.
   Every text from shoppers, agents, the bot or the catalogue goes in with
   textContent, never as HTML; links and images must be http(s). */
(function () {
  "use strict";
  var CSS = __CSS__;
  var T = {
    en: {
      title: "Chat", messages: "Messages", close: "Close chat", menu: "More options", send: "Send",
      placeholder: "Write a message…", inputLabel: "Chat message",
      online: "We are online", offline: "Nobody is online – leave us a message",
      inQueue: "Waiting for an agent", withAgent: "Chatting with {name}",
      human: "Talk to a person", privacy: "Personalisation settings", otherLanguage: "Deutsch", end: "End chat",
      endConfirm: "End this chat? You can start a new one at any time.", endYes: "Yes, end it", cancel: "Cancel",
      consentText: "May we use your browsing and purchase history to personalise our answers and recommendations?",
      consentOn: "Personalisation is on.", consentOff: "Personalisation is off.",
      consentYes: "Yes, personalise", consentNo: "No, thanks", consentLink: "Privacy policy",
      reconnecting: "Connection lost. Reconnecting… Messages you write now are sent when the connection is back.",
      sending: "Sending…", waiting: "Waiting for connection", connecting: "Reconnecting…", sent: "Sent", read: "Read",
      failed: "Not sent: {error}", retry: "Retry",
      length: "{n} / {max}", tooLong: "{n} / {max}: too long to send. Please shorten the message.",
      typing: "{name} is typing…", assistant: "Assistant", agent: "Agent",
      queue: "You are number {n} in line.", wait: "Expected wait: about {m} min.",
      waitShort: "Expected wait: less than a minute.",
      noAgents: "Nobody is available right now.", leaveMessage: "Leave a message",
      sysQueued: "Waiting for the next free agent.", sysAssigned: "{name} joined the chat.",
      sysResolved: "The chat has ended.", sysBot: "You are chatting with our assistant again.",
      surveyTitle: "How was your chat?", surveyHint: "1 = poor, 5 = excellent", score: "{n} of 5",
      surveyComment: "What could we do better? (optional)", surveySend: "Send rating",
      surveyThanks: "Thank you for your feedback!", surveyPick: "Please choose a rating from 1 to 5.",
      offlineTitle: "Nobody is available right now. Leave your e-mail address and message and we will get back to you.",
      email: "E-mail", message: "Message for the team", offlineSend: "Send message",
      offlineThanks: "Thank you! We will reply to {email}.",
      offlineQueued: "We have your message and will reply by e-mail. Anything you add here reaches the team too.",
      badEmail: "Please enter a valid e-mail address.", required: "Please fill in this field.",
      view: "View product", addToCart: "Add to cart", added: "Added",
      inStock: "In stock", fewLeft: "Only {n} left", outOfStock: "Out of stock", rating: "Rated {r} out of 5",
      products: "Products", productCount: "{n} products.", productOne: "1 product.", slide: "{i} of {n}", prev: "Previous products", next: "Next products",
      suggested: "Suggested replies", offlineCommand: "You are offline. Please try again when the connection is back.",
      greetingFirst: "Hi! How can we help you today?", greetingReturning: "Welcome back! How can we help?"
    },
    de: {
      title: "Chat", messages: "Nachrichten", close: "Chat schließen", menu: "Weitere Optionen", send: "Senden",
      placeholder: "Nachricht schreiben…", inputLabel: "Chat-Nachricht",
      online: "Wir sind online", offline: "Gerade ist niemand da – Nachricht hinterlassen",
      inQueue: "Warten auf einen Mitarbeiter", withAgent: "Chat mit {name}",
      human: "Mit einem Menschen sprechen", privacy: "Einstellungen zur Personalisierung", otherLanguage: "English",
      end: "Chat beenden",
      endConfirm: "Chat beenden? Ein neuer Chat ist danach jederzeit möglich.", endYes: "Ja, beenden", cancel: "Abbrechen",
      consentText: "Dürfen wir den Browser- und Kaufverlauf nutzen, um Antworten und Empfehlungen zu personalisieren?",
      consentOn: "Personalisierung ist an.", consentOff: "Personalisierung ist aus.",
      consentYes: "Ja, personalisieren", consentNo: "Nein, danke", consentLink: "Datenschutz",
      reconnecting: "Verbindung unterbrochen. Neuer Versuch läuft… Neue Nachrichten werden gesendet, sobald die Verbindung steht.",
      sending: "Wird gesendet…", waiting: "Wartet auf Verbindung", connecting: "Verbindung wird wiederhergestellt…", sent: "Gesendet", read: "Gelesen",
      failed: "Nicht gesendet: {error}", retry: "Erneut senden",
      length: "{n} / {max}", tooLong: "{n} / {max}: zu lang zum Senden. Bitte die Nachricht kürzen.",
      typing: "{name} schreibt…", assistant: "Assistent", agent: "Mitarbeiter",
      queue: "Platz {n} in der Warteschlange.", wait: "Voraussichtliche Wartezeit: etwa {m} Min.",
      waitShort: "Voraussichtliche Wartezeit: unter einer Minute.",
      noAgents: "Gerade ist niemand erreichbar.", leaveMessage: "Nachricht hinterlassen",
      sysQueued: "Warten auf den nächsten freien Mitarbeiter.", sysAssigned: "{name} ist dem Chat beigetreten.",
      sysResolved: "Der Chat wurde beendet.", sysBot: "Wieder im Chat mit unserem Assistenten.",
      surveyTitle: "Wie war der Chat?", surveyHint: "1 = schlecht, 5 = ausgezeichnet", score: "{n} von 5",
      surveyComment: "Was können wir besser machen? (optional)", surveySend: "Bewertung senden",
      surveyThanks: "Vielen Dank für das Feedback!", surveyPick: "Bitte eine Bewertung von 1 bis 5 wählen.",
      offlineTitle: "Gerade ist niemand erreichbar. Mit E-Mail-Adresse und Nachricht melden wir uns so bald wie möglich.",
      email: "E-Mail", message: "Nachricht an das Team", offlineSend: "Nachricht senden",
      offlineThanks: "Danke! Wir antworten an {email}.",
      offlineQueued: "Die Nachricht ist angekommen; die Antwort kommt per E-Mail. Was hier noch dazukommt, liest das Team ebenfalls.",
      badEmail: "Bitte eine gültige E-Mail-Adresse eingeben.", required: "Bitte dieses Feld ausfüllen.",
      view: "Zum Produkt", addToCart: "In den Warenkorb", added: "Hinzugefügt",
      inStock: "Auf Lager", fewLeft: "Nur noch {n} Stück", outOfStock: "Ausverkauft", rating: "Bewertet mit {r} von 5",
      products: "Produkte", productCount: "{n} Produkte.", productOne: "1 Produkt.", slide: "{i} von {n}", prev: "Vorherige Produkte", next: "Nächste Produkte",
      suggested: "Antwortvorschläge", offlineCommand: "Keine Verbindung. Bitte noch einmal versuchen, wenn die Verbindung steht.",
      greetingFirst: "Hallo! Wie können wir helfen?", greetingReturning: "Willkommen zurück! Wie können wir helfen?"
    }
  };
  var ICONS = {
    menu: "M12 7a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm0 7a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm0 7a2 2 0 1 0 0-4 2 2 0 0 0 0 4z",
    close: "M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z",
    send: "M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z",
    picture: "M21 19V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2zM8.5 13.5l2.5 3 3.5-4.5 4.5 6H5z"
  };
  var EMAIL = /^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$/;
  var URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/g;
  var ACK_TIMEOUT = 10000;
  var PING_EVERY = 25000;
  var SILENCE_LIMIT = 60000;
  var QUEUE_POLL = 15000;
  var uid = 0;

  // ---- small DOM helpers: properties become attributes or text, never HTML --------

  function h(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function icon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var path = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  function safeUrl(value) {
    try {
      var url = new URL(String(value), document.baseURI);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  // Text with its http(s) links made clickable; everything else stays plain text. The
  // source of an FAQ's answer is named as the shop wrote it, often a path on the shop
  // ("/demo/help#returns"), resolved against the shop's page; one that is not http(s) stays text.
  function linkify(text, source) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    var found = source && typeof source === "string"
      ? new RegExp(URL_IN_TEXT.source + "|" + source.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g")
      : URL_IN_TEXT;
    text.replace(found, function (match, offset) {
      var link = match === source ? match : match.replace(/[.,;:!?)\]]+$/, "");
      var href = safeUrl(link);
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      fragment.appendChild(href
        ? h("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: link })
        : document.createTextNode(link));
      last = offset + link.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function randomId(prefix) {
    return prefix + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  function factory(ctx) {
    var store = ctx.store;
    var t = T[ctx.locale()];
    var wsUrl = ctx.base.replace(/^http/, "ws") + "ws/visitor";
    var s = {
      ws: null, connected: false, everConnected: false, stopped: false, attempts: 0,
      retryTimer: null, pingTimer: null, lastFrameAt: 0, holdUntil: 0,
      conversation: null, seen: {}, maxSeq: 0, agentReadSeq: 0, agentsOnline: ctx.config.agents_online || 0,
      inflight: null, inflightTimer: null, commands: {}, identity: ctx.identity, helloIdentity: null,
      maxTextBytes: 4096, open: false, unread: 0, typingSentAt: 0, typingTimer: null, peerTypingTimer: null, queueTimer: null, queue: null,
      returning: !!store.get("seen")
    };
    var outbox = (store.get("outbox") || []).map(function (item) {
      return item.state === "failed" ? item : Object.assign(item, { state: "queued" });
    });
    var ui = build();

    // ---- UI ----------------------------------------------------------------------

    function build() {
      var parts = {};
      parts.title = h("h2", { id: "tp-title", class: "tp-title" });
      parts.subtitle = h("p", { class: "tp-subtitle" });
      parts.end = h("button", { type: "button", class: "tp-end", hidden: true, onclick: askEnd });
      parts.menuButton = h("button", {
        type: "button", class: "tp-icon", "aria-expanded": "false", "aria-controls": "tp-menu", onclick: toggleMenu
      }, [icon("menu")]);
      parts.close = h("button", { type: "button", class: "tp-icon", onclick: function () { close(); } }, [icon("close")]);
      parts.human = h("button", { type: "button", onclick: requestHuman });
      parts.privacy = h("button", { type: "button", onclick: function () { toggleMenu(); renderConsent(true); } });
      parts.language = h("button", { type: "button", onclick: switchLanguage });
      parts.menu = h("div", { id: "tp-menu", class: "tp-menu", hidden: true }, [parts.human, parts.privacy, parts.language]);
      parts.confirm = h("div", { class: "tp-confirm", role: "group", "aria-labelledby": "tp-confirm-text", hidden: true });
      parts.consent = h("div", { class: "tp-consent", hidden: true });
      parts.banner = h("p", { class: "tp-banner", role: "status", hidden: true });
      parts.queue = h("div", { class: "tp-queue", role: "status", hidden: true });
      parts.greeting = h("div", { class: "tp-msg tp-from-bot tp-greeting" }, [h("div", { class: "tp-bubble" })]);
      // The list of messages is a region to read back at will; it is not live, or a screen
      // reader would read the whole history again on every reload or redraw. New messages
      // from others are read out once, from the announcer (announce()).
      parts.log = h("div", { class: "tp-log", role: "region", tabindex: "0" }, [parts.greeting]);
      parts.announcer = h("div", { class: "tp-sr tp-announcer", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
      parts.typing = h("p", { class: "tp-typing", hidden: true });
      parts.extra = h("div", { class: "tp-extra" });
      parts.inputLabel = h("label", { for: "tp-input", class: "tp-sr" });
      parts.input = h("textarea", { id: "tp-input", rows: "1", oninput: typed, onkeydown: composerKey });
      parts.send = h("button", { type: "submit", class: "tp-send" }, [icon("send")]);
      parts.length = lengthHint(parts.input, parts.send);
      parts.panel = h("section", {
        class: "tp-panel", role: "dialog", "aria-labelledby": "tp-title", tabindex: "-1", hidden: true, onkeydown: panelKey
      }, [
        h("header", { class: "tp-head" }, [
          h("div", { class: "tp-head-text" }, [parts.title, parts.subtitle]), parts.end, parts.menuButton, parts.close
        ]),
        parts.menu, parts.confirm, parts.consent, parts.banner, parts.queue, parts.log, parts.announcer, parts.typing, parts.extra, parts.length.node,
        h("form", { class: "tp-composer", onsubmit: composerSubmit }, [parts.inputLabel, parts.input, parts.send])
      ]);
      ctx.shadow.appendChild(h("style", { text: CSS }));
      ctx.root.appendChild(parts.panel);
      return parts;
    }

    function applyTexts() {
      var relang = ui.panel.getAttribute("lang") !== ctx.locale();
      t = T[ctx.locale()];
      var site = ctx.texts();
      ui.title.textContent = site.title || t.title;
      ui.end.textContent = t.end;
      ui.menuButton.setAttribute("aria-label", t.menu);
      ui.close.setAttribute("aria-label", t.close);
      ui.human.textContent = t.human;
      ui.privacy.textContent = t.privacy;
      ui.language.textContent = t.otherLanguage;
      ui.log.setAttribute("aria-label", t.messages);
      ui.inputLabel.textContent = t.inputLabel;
      ui.input.placeholder = t.placeholder;
      ui.send.setAttribute("aria-label", t.send);
      ui.greeting.firstChild.textContent = s.returning
        ? site.greeting_returning || t.greetingReturning
        : site.greeting_first || t.greetingFirst;
      ui.panel.setAttribute("lang", ctx.locale());
      renderHeader();
      renderBanner();
      renderOutbox();
      ui.length.check();
      if (!ui.consent.hidden) renderConsent(true);
      if (!ui.confirm.hidden) askEnd();
      if (!relang) return; // init() with new colours, say: what is on screen stays as it is
      redrawLog();
      if (s.queue && !ui.queue.hidden) renderQueue(s.queue);
      var form = ui.extra.querySelector("form");
      if (form) redrawForm(form);
    }

    // The messages on screen again, in the new language: names, status lines, cards, receipts.
    function redrawLog() {
      Array.prototype.forEach.call(ui.log.querySelectorAll(":scope > [data-seq]"), function (node) {
        var message = s.seen[node.getAttribute("data-seq")];
        var fresh = renderMessage(message);
        fresh.setAttribute("data-seq", message.seq);
        node.replaceWith(fresh);
      });
      renderReplies();
      renderReceipts();
    }

    // The survey or the offline form again, keeping what the shopper filled in.
    function redrawForm(form) {
      var fresh;
      if (form === ui.survey) {
        ui.survey = null;
        showSurvey(); // in place of the old one
        fresh = ui.survey;
      } else {
        fresh = offlineForm();
        form.replaceWith(fresh);
      }
      if (!fresh) return;
      Array.prototype.forEach.call(form.elements, function (control, index) {
        var twin = fresh.elements[index];
        if (control.type === "radio") twin.checked = control.checked;
        else if (control.tagName === "INPUT" || control.tagName === "TEXTAREA") {
          twin.value = control.value;
          twin.dispatchEvent(new Event("input")); // the length hint counts it again
        }
      });
    }

    function available() {
      return s.agentsOnline > 0 && ctx.config.open_now !== false;
    }

    function renderHeader() {
      var conversation = s.conversation;
      var status = conversation && conversation.status;
      // While the connection is down, who is online is not known: the header says so too.
      ui.subtitle.textContent = disconnected() ? t.connecting : status === "assigned" && conversation.assignee_name
        ? fill(t.withAgent, { name: conversation.assignee_name })
        : status === "queued" ? t.inQueue : available() ? t.online : t.offline;
      ui.end.hidden = !conversation || status === "resolved";
      if (ui.end.hidden) ui.confirm.hidden = true;
      ui.human.hidden = status === "queued" || status === "assigned";
    }

    function disconnected() {
      return !s.connected && (s.everConnected || outbox.length > 0);
    }

    function renderBanner() {
      ui.banner.textContent = t.reconnecting;
      ui.banner.hidden = !disconnected();
    }

    // On a phone the panel covers the visible part of the screen (widget.css), which is
    // smaller than the layout viewport on a page wider than the phone or under the on-screen
    // keyboard. Not when the shopper zoomed in: the chat's text must stay zoomable.
    function fitView() {
      var view = window.visualViewport;
      var fit = view && view.scale <= 1;
      var style = ui.panel.style;
      style.setProperty("--tp-view-x", fit ? view.offsetLeft + "px" : "0px");
      style.setProperty("--tp-view-y", fit ? view.offsetTop + "px" : "0px");
      style.setProperty("--tp-view-w", fit ? view.width + "px" : "100%");
      style.setProperty("--tp-view-h", fit ? view.height + "px" : "100%");
    }

    function nearBottom() {
      return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;
    }

    function scrollToEnd() {
      ui.log.scrollTop = ui.log.scrollHeight;
    }

    // On a phone the panel covers the whole screen (widget.css): it is modal there, and Tab
    // goes round inside it rather than into the shop page hidden under it. Beside the shop
    // on a wider screen it is not, and Tab goes on to the page.
    var COVERS = window.matchMedia ? window.matchMedia("(max-width: 480px)") : null;

    function modal() {
      var covers = !!(COVERS && COVERS.matches);
      ui.panel.setAttribute("aria-modal", String(covers));
      return covers;
    }

    function focusables() {
      var all = ui.panel.querySelectorAll("button, a[href], input, textarea, select, [tabindex]");
      return Array.prototype.filter.call(all, function (node) {
        return !node.disabled && node.tabIndex >= 0 && node.getClientRects().length > 0 &&
          !(node.type === "radio" && !node.checked && node.form && node.form.querySelector("input[name='" + node.name + "']:checked"));
      });
    }

    function keepFocusInside(event) {
      var list = focusables();
      if (!list.length) return;
      var first = list[0], last = list[list.length - 1], active = ctx.shadow.activeElement;
      if (event.shiftKey && (active === first || active === ui.panel || !ui.panel.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    }

    function panelKey(event) {
      if (event.key === "Tab" && modal()) keepFocusInside(event);
      if (event.key === "Escape") {
        event.stopPropagation();
        if (!ui.menu.hidden) toggleMenu();
        else if (!ui.confirm.hidden) cancelEnd();
        else close();
      }
    }

    function focusInPanel() {
      return ui.panel.contains(ctx.shadow.activeElement);
    }

    // A touch screen: focus on the message field pops up the on-screen keyboard over the chat.
    function touch() {
      return !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);
    }

    // A button the shopper used went away or was switched off, and the focus with it (to the
    // top of the page, for a keyboard or screen reader user): back to the message field. On a
    // touch screen to the list of messages instead, not to pop up the on-screen keyboard.
    function keepFocus(had) {
      var active = ctx.shadow.activeElement; // a switched-off button may hold it a moment longer
      if (!had || !s.open || (active && ui.panel.contains(active) && !active.disabled)) return;
      focusChat();
    }

    // The message field, or on a touch screen the list of messages: the field would pop up
    // the on-screen keyboard.
    function focusChat() {
      if (touch()) ui.log.focus({ preventScroll: true });
      else ui.input.focus();
    }

    function toggleMenu() {
      ui.menu.hidden = !ui.menu.hidden;
      ui.menuButton.setAttribute("aria-expanded", String(!ui.menu.hidden));
      if (!ui.menu.hidden) ui.human.focus();
      else ui.menuButton.focus();
    }

    function switchLanguage() {
      window.Touchpoint.setLocale(ctx.locale() === "de" ? "en" : "de");
      toggleMenu();
    }

    function open(byUser) {
      if (!s.open) {
        s.open = true;
        ui.panel.hidden = false;
        modal();
        fitView();
        ctx.root.setAttribute("data-open", "");
        ctx.launcher.setAttribute("aria-expanded", "true");
        ctx.applyLook();
        store.set("open", true);
        store.set("seen", true);
        ctx.emit("open");
      }
      s.unread = 0;
      ctx.setBadge(0);
      if (store.get("consent") === null) renderConsent(false);
      connect();
      markRead();
      scrollToEnd();
      // Opened by the shopper: the focus goes into the chat, so a screen reader reads it. On a
      // touch screen to the dialog itself, not the message field: the on-screen keyboard
      // would come up over the conversation before the shopper has read it.
      if (byUser && touch()) ui.panel.focus({ preventScroll: true });
      else if (byUser) ui.input.focus();
    }

    function close() {
      if (!s.open) return;
      var hadFocus = ui.panel.contains(ctx.shadow.activeElement);
      s.open = false;
      ui.panel.hidden = true;
      ctx.root.removeAttribute("data-open");
      ctx.launcher.setAttribute("aria-expanded", "false");
      ctx.applyLook();
      store.remove("open");
      ctx.emit("close");
      if (hadFocus) ctx.launcher.focus();
    }

    // ---- connection --------------------------------------------------------------

    function connect() {
      if (s.ws || s.stopped) return;
      clearTimeout(s.retryTimer);
      var ws;
      try {
        ws = new WebSocket(wsUrl);
      } catch (error) {
        scheduleReconnect();
        return;
      }
      s.ws = ws;
      ws.onopen = function () { send(hello()); };
      ws.onmessage = function (event) {
        s.lastFrameAt = Date.now();
        var frame;
        try { frame = JSON.parse(event.data); } catch (error) { return; }
        try { handle(frame); } catch (error) { ctx.warn(error); }
      };
      ws.onclose = function () { if (s.ws === ws) dropped(); };
    }

    // Forget the current socket at once (a dead link may take minutes to report its close).
    function abandon() {
      var ws = s.ws;
      if (!ws) return;
      ws.onclose = ws.onmessage = ws.onopen = null;
      try { ws.close(); } catch (error) { /* already closed */ }
      dropped();
    }

    function dropped() {
      s.ws = null;
      s.connected = false;
      clearTimeout(s.inflightTimer);
      clearInterval(s.pingTimer);
      if (s.inflight) setState(s.inflight, "queued");
      s.inflight = null;
      Object.keys(s.commands).forEach(function (id) {
        s.commands[id].reject({ code: "offline", message: t.offlineCommand });
      });
      s.commands = {};
      renderBanner();
      renderHeader();
      if (!s.stopped) scheduleReconnect();
    }

    function scheduleReconnect(seconds) {
      clearTimeout(s.retryTimer);
      var delay = seconds ? seconds * 1000 : Math.min(15000, 500 * Math.pow(2, s.attempts)) * (0.75 + Math.random() / 2);
      s.attempts += 1;
      s.retryTimer = setTimeout(connect, delay);
    }

    function reconnectNow() {
      s.attempts = 0;
      if (s.ws) abandon();
      clearTimeout(s.retryTimer);
      connect();
    }

    function send(frame) {
      if (!s.ws || s.ws.readyState !== 1) return false;
      s.ws.send(JSON.stringify(frame));
      return true;
    }

    function hello() {
      var conversationId = s.conversation ? s.conversation.id : store.get("conversation");
      s.helloIdentity = s.identity;
      return {
        type: "hello", v: 1, token: store.get("token") || undefined, site: ctx.site, locale: ctx.locale(),
        identity: s.identity || undefined,
        resume: conversationId ? [{ conversation_id: conversationId, last_seq: s.maxSeq }] : []
      };
    }

    function handle(frame) {
      switch (frame.type) {
        case "welcome": return welcomed(frame);
        case "ack": return acked(frame);
        case "message": return received(frame.message);
        case "conversation": return setConversation(frame.conversation);
        case "typing": return peerTyping(frame);
        case "read":
          if (frame.by === "agent") {
            s.agentReadSeq = Math.max(s.agentReadSeq, frame.seq);
            renderReceipts();
          }
          return;
        case "result": return settleCommand(frame.id, frame.ok !== false, frame.data);
        case "resync_required": return resync(frame);
        case "error": return failed(frame);
      }
    }

    function welcomed(welcome) {
      s.connected = s.everConnected = true;
      s.attempts = 0;
      if (welcome.visitor_token) store.set("token", welcome.visitor_token);
      s.agentsOnline = welcome.agents_online || 0;
      s.contactId = welcome.contact_id;
      if (welcome.limits && welcome.limits.max_text_bytes) s.maxTextBytes = welcome.limits.max_text_bytes;
      ui.length.check();
      var wanted = s.conversation ? s.conversation.id : store.get("conversation");
      var list = welcome.conversations || [];
      var current = list.filter(function (c) { return c.id === wanted; })[0] ||
        list.filter(function (c) { return c.status !== "resolved"; })[0];
      if (current) {
        setConversation(current);
        if (current.id !== wanted) send({ type: "resume", conversation_id: current.id, last_seq: 0 });
      } else if (wanted) {
        forgetConversation();
      }
      s.pingTimer = setInterval(heartbeat, PING_EVERY);
      syncConsent();
      flushEvents();
      renderBanner();
      renderHeader();
      pump();
      ctx.emit("ready", { contact_id: welcome.contact_id, identity_verified: !!welcome.identity_verified });
    }

    function heartbeat() {
      if (Date.now() - s.lastFrameAt > SILENCE_LIMIT) abandon();
      else send({ type: "ping" });
    }

    function failed(error) {
      if (error.ref && s.commands[error.ref]) return settleCommand(error.ref, false, error);
      if (error.ref && error.ref === s.inflight) return sendFailed(error);
      if (error.code === "bad_token" || error.code === "token_expired") {
        // The visit is gone (expired or erased): start a new one.
        store.remove("token");
        forgetConversation();
        return scheduleReconnect(0.2);
      }
      if (error.code === "bad_identity") s.identity = s.helloIdentity = null;
      if (error.code === "unsupported_version") s.stopped = true;
      if (error.code === "rate_limited" && error.fatal) return scheduleReconnect(error.retry_after || 5);
      ctx.emit("error", { code: error.code, message: error.message });
    }

    // ---- the conversation ----------------------------------------------------------

    function setConversation(conversation) {
      var previous = s.conversation;
      if (previous && previous.id !== conversation.id) {
        if (conversation.id < previous.id) return; // an older chat of this visitor changed
        resetLog();
      }
      var before = previous && previous.id === conversation.id ? previous.status : null;
      s.conversation = Object.assign({}, previous && previous.id === conversation.id ? previous : {}, conversation);
      s.agentReadSeq = Math.max(s.agentReadSeq, conversation.agent_read_seq || 0);
      store.set("conversation", conversation.id);
      store.set("active", conversation.status !== "resolved");
      // A conversation first seen in an ack has no status yet; its conversation frame follows.
      if (conversation.status && before !== conversation.status) statusChanged(conversation.status);
      renderHeader();
      renderReceipts();
    }

    function statusChanged(status) {
      ctx.emit("status", { conversation_id: s.conversation.id, status: status });
      clearTimeout(s.queueTimer);
      ui.queue.hidden = status !== "queued";
      if (status === "queued") pollQueue();
      if (status === "resolved") showSurvey();
      else if (ui.survey) hideExtra();
    }

    function forgetConversation() {
      s.conversation = null;
      store.remove("conversation");
      store.remove("active");
      resetLog();
      renderHeader();
    }

    function resetLog() {
      Array.prototype.slice.call(ui.log.querySelectorAll("[data-seq]")).forEach(function (node) { node.remove(); });
      s.seen = {};
      s.maxSeq = 0;
      s.agentReadSeq = 0;
      hideExtra();
    }

    function resync(frame) {
      if (!s.conversation || frame.conversation_id !== s.conversation.id) return;
      // Too far behind to replay everything: show the most recent part of the chat.
      var from = Math.max(0, (s.conversation.last_seq || 0) - 100);
      resetLog();
      send({ type: "resume", conversation_id: frame.conversation_id, last_seq: from });
    }

    function received(message) {
      if (!s.conversation || message.conversation_id > s.conversation.id) {
        setConversation({ id: message.conversation_id });
      } else if (message.conversation_id !== s.conversation.id) {
        return;
      }
      if (s.seen[message.seq]) return;
      var pending = message.client_id && findPending(message.client_id);
      if (pending) removePending(pending);
      show(message);
      if (message.sender.kind !== "visitor") {
        ui.typing.hidden = true;
        var fresh = message.seq > (s.conversation.visitor_read_seq || 0);
        if (fresh && !message.private) {
          announce(message);
          if (s.open && !document.hidden) markRead();
          else ctx.setBadge(++s.unread);
          ctx.emit("message", {
            conversation_id: message.conversation_id, seq: message.seq, sender: message.sender,
            content_type: message.content_type, text: message.text, payload: message.payload
          });
        }
        if (message.content_type === "form" && message.payload && message.payload.form === "csat") showSurvey();
      }
    }

    function show(message) {
      var stick = nearBottom();
      s.seen[message.seq] = message; // kept to draw it again in another language
      s.maxSeq = Math.max(s.maxSeq, message.seq);
      var node = renderMessage(message);
      node.setAttribute("data-seq", message.seq);
      // Keep the timeline in seq order; messages still being sent stay at the end.
      var after = Array.prototype.filter.call(ui.log.children, function (other) {
        return other.classList.contains("tp-pending") || Number(other.getAttribute("data-seq")) > message.seq;
      })[0];
      ui.log.insertBefore(node, after || null);
      renderReplies();
      renderReceipts();
      if (stick || message.sender.kind === "visitor") scrollToEnd();
    }

    // Read out once by a screen reader: who wrote, what, and what comes with it.
    function announce(message) {
      var payload = message.payload || {};
      var words = message.content_type === "system_event" ? systemText(message) : senderName(message.sender) + ": " + message.text;
      if (message.content_type === "product_cards" && payload.products) {
        var count = Math.min(payload.products.length, 10);
        words += " " + (count === 1 ? t.productOne : fill(t.productCount, { n: count }));
      }
      if (message.content_type === "quick_replies" && payload.options) {
        words += " " + t.suggested + ": " + payload.options.slice(0, 12).map(function (o) { return o.label; }).join(", ") + ".";
      }
      ui.announcer.appendChild(h("p", { text: words }));
      while (ui.announcer.childNodes.length > 3) ui.announcer.removeChild(ui.announcer.firstChild);
    }

    function senderName(sender) {
      // The bot speaks under the chat's title from the site configuration, in the
      // shopper's language, not under the hub's one internal name for it.
      if (sender.kind === "bot") return ctx.texts().title || t.assistant;
      return sender.name || t.agent;
    }

    function renderMessage(message) {
      var payload = message.payload || {};
      if (message.content_type === "system_event") return h("p", { class: "tp-system", text: systemText(message) });
      var kind = message.sender.kind;
      var node = h("div", { class: "tp-msg tp-from-" + kind }, [
        kind === "visitor" ? null : h("span", { class: "tp-name", text: senderName(message.sender) }),
        message.text ? h("div", { class: "tp-bubble" }, [linkify(message.text, payload.source_url)]) : null
      ]);
      if (message.created_at) node.title = new Date(message.created_at).toLocaleString(ctx.locale());
      if (message.content_type === "quick_replies") node.appendChild(renderQuickReplies(payload.options || []));
      if (message.content_type === "product_cards") node.appendChild(renderProducts(payload.products || []));
      if (message.content_type === "form" && payload.form !== "csat") node.appendChild(renderForm(payload));
      if (kind === "visitor") node.appendChild(h("span", { class: "tp-receipt" }));
      return node;
    }

    function systemText(message) {
      var change = message.payload || {};
      // Conversation frames carry the assignee's id only; the name comes with the status change.
      if (change.to === "assigned" && change.assignee && s.conversation) s.conversation.assignee_name = change.assignee.name;
      if (change.to === "queued") return t.sysQueued;
      if (change.to === "assigned") return fill(t.sysAssigned, { name: (change.assignee && change.assignee.name) || t.agent });
      if (change.to === "resolved") return t.sysResolved;
      if (change.to === "bot") return t.sysBot;
      return message.text;
    }

    function renderQuickReplies(options) {
      return h("div", { class: "tp-replies", role: "group", "aria-label": t.suggested }, options.slice(0, 12).map(function (option) {
        return h("button", {
          type: "button", class: "tp-reply", text: option.label,
          onclick: function () {
            var had = focusInPanel();
            submit(String(option.label), { reply: option.value }); // switches the buttons off
            keepFocus(had);
          }
        });
      }));
    }

    // Quick replies answer the latest message only; older ones are switched off.
    function renderReplies() {
      var groups = ui.log.querySelectorAll(".tp-replies");
      Array.prototype.forEach.call(groups, function (group) {
        var seq = Number(group.parentNode.getAttribute("data-seq"));
        var live = seq === s.maxSeq && !outbox.some(function (item) { return item.state !== "failed"; });
        Array.prototype.forEach.call(group.children, function (button) { button.disabled = !live; });
      });
    }

    function renderReceipts() {
      var mine = ui.log.querySelectorAll(".tp-from-visitor[data-seq]");
      Array.prototype.forEach.call(mine, function (node, index) {
        var receipt = node.querySelector(".tp-receipt");
        var seq = Number(node.getAttribute("data-seq"));
        receipt.textContent = index === mine.length - 1 ? (s.agentReadSeq >= seq ? t.read : t.sent) : "";
      });
    }

    function formatRating(rating) {
      // "4,5" in German, as the bot's replies write it.
      return new Intl.NumberFormat(ctx.locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(rating);
    }

    function formatPrice(price, currency) {
      if (price === null || price === undefined || price === "") return "";
      try {
        return new Intl.NumberFormat(ctx.locale(), { style: "currency", currency: currency || "EUR" }).format(Number(price));
      } catch (error) {
        return price + " " + (currency || "");
      }
    }

    // "out", "few" or "in": how the stock line looks, and whether the card sells.
    function stockLevel(stock) {
      if (typeof stock === "number") return stock <= 0 ? "out" : stock <= 5 ? "few" : "in";
      if (typeof stock === "boolean") return stock ? "in" : "out";
      return "";
    }

    function stockText(stock) {
      var level = stockLevel(stock);
      if (level) return level === "out" ? t.outOfStock : level === "few" ? fill(t.fewLeft, { n: stock }) : t.inStock;
      return stock ? String(stock) : "";
    }

    // The picture, or in its place (none given, or it does not load) a placeholder of the
    // same size: the cards in a row stay even and no broken-image sign shows.
    function cardMedia(image) {
      var media = h("div", { class: "tp-card-media" }, [icon("picture")]);
      if (image) {
        var img = h("img", { src: image, alt: "", loading: "lazy", width: "240", height: "180" });
        img.addEventListener("error", function () { img.remove(); });
        media.appendChild(img);
      }
      return media;
    }

    function renderCard(product, index, count) {
      var image = product.image_url && safeUrl(product.image_url);
      var link = product.url && safeUrl(product.url);
      var level = stockLevel(product.stock);
      var soldOut = level === "out";
      var canBuy = (ctx.handlers.add_to_cart || []).length;
      var rating = Number(product.rating);
      // Every card has the same two buttons: each names its product as its description, or
      // a screen reader's list of buttons shows a row of "Add to cart" none can tell apart.
      uid += 1;
      var titleId = "tp-card-title-" + uid;
      var stockId = "tp-card-stock-" + uid;
      // Sold out, the button stays in its place switched off (aria-disabled, so a keyboard
      // or screen reader still reaches it), and says why: its description ends in the stock line.
      var buy = canBuy && h("button", {
        type: "button", class: "tp-button tp-primary", text: t.addToCart,
        "aria-describedby": soldOut ? titleId + " " + stockId : titleId, "aria-disabled": soldOut ? "true" : null,
        onclick: function () {
          if (soldOut) return;
          ctx.emit("add_to_cart", { product: JSON.parse(JSON.stringify(product)) });
          buy.textContent = t.added;
        }
      });
      return h("div", {
        class: "tp-card" + (soldOut ? " tp-sold-out" : ""), role: "group", "aria-roledescription": count > 1 ? "slide" : null,
        "aria-label": (count > 1 ? fill(t.slide, { i: index + 1, n: count }) + ": " : "") + (product.title || "")
      }, [
        cardMedia(image),
        h("div", { class: "tp-card-body" }, [
          h("p", { id: titleId, class: "tp-card-title", title: product.title || null, text: product.title || "" }),
          h("p", { class: "tp-price", text: formatPrice(product.price, product.currency) }),
          h("p", { id: stockId, class: "tp-meta tp-stock" + (level ? " tp-stock-" + level : ""), text: stockText(product.stock) }),
          // An image of the rating, named in words: an aria-label on a plain paragraph is not read,
          // and "★ 4,5" alone is read as "black star 4,5".
          rating > 0 ? h("p", {
            class: "tp-meta", role: "img", text: "★ " + formatRating(rating), "aria-label": fill(t.rating, { r: formatRating(rating) })
          }) : null,
          h("div", { class: "tp-row" }, [
            link ? h("a", { class: "tp-button", href: link, text: t.view, "aria-describedby": titleId }) : null,
            buy
          ])
        ])
      ]);
    }

    function renderProducts(products) {
      var list = products.slice(0, 10);
      if (list.length === 1) return h("div", { class: "tp-single" }, [renderCard(list[0], 0, 1)]);
      var track = h("ul", { class: "tp-track", tabindex: "0", "aria-label": t.products }, list.map(function (product, index) {
        return h("li", null, [renderCard(product, index, list.length)]);
      }));
      function slide(direction) {
        track.scrollBy({ left: direction * track.clientWidth * 0.8 });
      }
      var prev = h("button", { type: "button", class: "tp-nav tp-prev", "aria-label": t.prev, text: "‹", onclick: function () { slide(-1); } });
      var next = h("button", { type: "button", class: "tp-nav tp-next", "aria-label": t.next, text: "›", onclick: function () { slide(1); } });
      function arrows() {
        prev.disabled = track.scrollLeft <= 2;
        next.disabled = track.scrollLeft + track.clientWidth >= track.scrollWidth - 2;
      }
      track.addEventListener("scroll", arrows, { passive: true });
      setTimeout(arrows);
      return h("div", { class: "tp-carousel", role: "region", "aria-roledescription": "carousel", "aria-label": t.products }, [prev, track, next]);
    }

    // ---- forms: offline message, satisfaction survey, anything else the bot asks --

    function field(label, control) {
      return h("label", null, [h("span", { text: label }), control]);
    }

    function formError() {
      return h("p", { class: "tp-error", role: "alert" });
    }

    function offlineForm() {
      uid += 1;
      var email = h("input", { type: "email", name: "email", autocomplete: "email", required: true, maxlength: "320" });
      var text = h("textarea", { name: "text", rows: "3", required: true });
      var error = formError();
      var button = h("button", { type: "submit", class: "tp-button tp-primary", text: t.offlineSend });
      var length = lengthHint(text, button);
      var form = h("form", { class: "tp-form tp-offline", novalidate: true }, [
        h("p", { text: t.offlineTitle }), field(t.email, email), field(t.message, text), length.node, error, button
      ]);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var address = email.value.trim();
        if (!EMAIL.test(address)) return invalid(email, error, t.badEmail);
        if (!text.value.trim()) return invalid(text, error, t.required);
        if (!length.check()) return text.focus();
        var open = s.conversation && s.conversation.status !== "resolved" ? s.conversation.id : undefined;
        command("offline_message", { email: address, text: text.value.trim() }, open).then(function (data) {
          if (data.conversation_id && !s.conversation) setConversation({ id: data.conversation_id });
          var had = focusInPanel();
          form.replaceWith(h("p", { class: "tp-done", role: "status", text: fill(t.offlineThanks, { email: address }) }));
          keepFocus(had);
        }, function (failure) { error.textContent = failure.message; });
      });
      return form;
    }

    // The hub refuses text over its limit (UTF-8 bytes, welcome.limits): say so near and
    // over the limit while the shopper writes, and keep it from being sent, not refused.
    function lengthHint(control, button) {
      uid += 1;
      var node = h("p", { id: "tp-length-" + uid, class: "tp-length", "aria-live": "polite", hidden: true });
      control.setAttribute("aria-describedby", node.id);
      function check() {
        var used = new TextEncoder().encode(control.value.trim()).length;
        var over = used > s.maxTextBytes;
        var numbers = { n: used.toLocaleString(ctx.locale()), max: s.maxTextBytes.toLocaleString(ctx.locale()) };
        node.textContent = fill(over ? t.tooLong : t.length, numbers);
        node.hidden = used < s.maxTextBytes * 0.9;
        node.classList.toggle("tp-over", over);
        button.disabled = over;
        if (over) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
        return !over;
      }
      control.addEventListener("input", check);
      return { node: node, check: check };
    }

    function invalid(control, error, message) {
      control.setAttribute("aria-invalid", "true");
      error.textContent = message;
      control.focus();
    }

    function renderForm(payload) {
      if (payload.form === "offline") return offlineForm();
      var controls = (payload.fields || []).slice(0, 10).map(function (spec) {
        var control = spec.type === "textarea"
          ? h("textarea", { name: spec.name, rows: "3", required: !!spec.required })
          : h("input", { type: spec.type === "email" ? "email" : "text", name: spec.name, required: !!spec.required });
        return { spec: spec, control: control };
      });
      var error = formError();
      var button = h("button", { type: "submit", class: "tp-button tp-primary", text: payload.submit_label || t.send });
      var form = h("form", { class: "tp-form", novalidate: true }, controls.map(function (c) {
        return field(c.spec.label || c.spec.name, c.control);
      }).concat([error, button]));
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var values = {};
        for (var i = 0; i < controls.length; i += 1) {
          var value = controls[i].control.value.trim();
          if (controls[i].spec.required && !value) return invalid(controls[i].control, error, t.required);
          values[controls[i].spec.name] = value;
        }
        var summary = controls.map(function (c) { return (c.spec.label || c.spec.name) + ": " + values[c.spec.name]; }).join("\n");
        submit(summary, { form: payload.form, values: values });
        button.disabled = true;
      });
      return form;
    }

    function hideExtra() {
      clear(ui.extra);
      ui.survey = null;
    }

    function showOfflineForm() {
      hideExtra();
      var form = offlineForm();
      ui.extra.appendChild(form);
      form.querySelector("input").focus();
    }

    function showSurvey() {
      var conversation = s.conversation;
      if (!conversation || ui.survey || store.get("rated") === conversation.id) return;
      hideExtra();
      uid += 1;
      var name = "tp-score-" + uid;
      var scores = [1, 2, 3, 4, 5].map(function (n) {
        return h("label", null, [
          h("input", { type: "radio", name: name, value: n, "aria-label": fill(t.score, { n: n }) }),
          h("span", { text: String(n), "aria-hidden": "true" })
        ]);
      });
      var comment = h("textarea", { name: "comment", rows: "2", maxlength: "2000" });
      var error = formError();
      var form = h("form", { class: "tp-form tp-survey", novalidate: true }, [
        h("fieldset", null, [
          h("legend", { text: t.surveyTitle }), h("div", { class: "tp-scores" }, scores), h("p", { class: "tp-hint", text: t.surveyHint })
        ]),
        field(t.surveyComment, comment), error,
        h("button", { type: "submit", class: "tp-button tp-primary", text: t.surveySend })
      ]);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var picked = form.querySelector("input:checked");
        if (!picked) return invalid(form.querySelector("input"), error, t.surveyPick);
        var args = { score: Number(picked.value) };
        if (comment.value.trim()) args.comment = comment.value.trim();
        command("rate", args, conversation.id).then(function () {
          store.set("rated", conversation.id);
          // The next page starts a fresh chat; this one keeps its history on screen.
          store.remove("conversation");
          var had = focusInPanel();
          form.replaceWith(h("p", { class: "tp-done", role: "status", text: t.surveyThanks }));
          keepFocus(had);
        }, function (failure) { error.textContent = failure.message; });
      });
      ui.survey = form;
      ui.extra.appendChild(form);
      if (s.focusSurvey && s.open && (!focusInPanel() || ctx.shadow.activeElement === ui.log)) scores[0].firstChild.focus();
      s.focusSurvey = false;
    }

    // ---- queue position ------------------------------------------------------------

    function pollQueue() {
      var conversation = s.conversation;
      if (!conversation || conversation.status !== "queued") return;
      var url = ctx.base + "api/widget/queue?conversation_id=" + conversation.id;
      window.fetch(url, { headers: { "X-Visitor-Token": store.get("token") || "" }, credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (queue) { if (queue && s.conversation === conversation) renderQueue(queue); })
        .catch(function () { /* shown again on the next poll */ })
        .then(function () {
          if (s.conversation === conversation && conversation.status === "queued") {
            s.queueTimer = setTimeout(pollQueue, QUEUE_POLL);
          }
        });
    }

    function renderQueue(queue) {
      s.queue = queue;
      clear(ui.queue);
      s.agentsOnline = queue.agents_online;
      if (!queue.agents_online && s.conversation.handoff_reason === "offline_message") {
        ui.queue.appendChild(h("p", { text: t.offlineQueued }));
      } else if (!queue.agents_online) {
        ui.queue.appendChild(h("p", { class: "tp-row" }, [
          document.createTextNode(t.noAgents),
          h("button", { type: "button", class: "tp-link-button", text: t.leaveMessage, onclick: showOfflineForm })
        ]));
      } else {
        var minutes = Math.round(queue.expected_wait_seconds / 60);
        ui.queue.appendChild(h("p", {
          text: fill(t.queue, { n: queue.position }) + " " + (minutes < 1 ? t.waitShort : fill(t.wait, { m: minutes }))
        }));
      }
      renderHeader();
    }

    // ---- sending: the outbox keeps order and survives reloads ---------------------

    function submit(text, payload) {
      text = text.trim();
      if (!text) return;
      var item = { id: randomId("w"), text: text, state: "queued" };
      if (payload) item.payload = payload;
      outbox.push(item);
      saveOutbox();
      store.set("active", true);
      ui.log.appendChild(renderPending(item));
      renderReplies();
      scrollToEnd();
      stopTyping();
      connect();
      pump();
    }

    function composerSubmit(event) {
      event.preventDefault();
      if (!ui.length.check()) return;
      submit(ui.input.value);
      ui.input.value = "";
      fitInput();
      ui.length.check();
    }

    function composerKey(event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) composerSubmit(event);
    }

    function saveOutbox() {
      store.set("outbox", outbox);
    }

    // One message in flight at a time: the next goes after the server stored this one.
    function pump() {
      if (!s.connected || s.inflight) return;
      var wait = s.holdUntil - Date.now();
      if (wait > 0) {
        setTimeout(pump, wait);
        return;
      }
      var item = outbox.filter(function (candidate) { return candidate.state === "queued"; })[0];
      if (!item) return;
      var frame = { type: "message", id: item.id, text: item.text };
      if (item.payload) frame.payload = item.payload;
      if (s.conversation) frame.conversation_id = s.conversation.id;
      if (!send(frame)) return;
      s.inflight = item.id;
      setState(item.id, "sending");
      s.inflightTimer = setTimeout(abandon, ACK_TIMEOUT);
    }

    function acked(ack) {
      if (!s.conversation || ack.conversation_id > s.conversation.id) setConversation({ id: ack.conversation_id });
      var item = findPending(ack.id);
      if (item) {
        removePending(item);
        if (!s.seen[ack.seq]) {
          show({
            conversation_id: ack.conversation_id, seq: ack.seq, client_id: item.id, sender: { kind: "visitor" },
            content_type: "text", text: item.text, payload: item.payload, created_at: new Date().toISOString()
          });
        }
      }
      if (s.inflight === ack.id) {
        clearTimeout(s.inflightTimer);
        s.inflight = null;
      }
      pump();
    }

    function sendFailed(error) {
      clearTimeout(s.inflightTimer);
      var id = s.inflight;
      s.inflight = null;
      if (error.code === "rate_limited" || error.code === "internal") {
        // Not stored: send the same message (same id) again a little later.
        s.holdUntil = Date.now() + 1000 * (error.retry_after || 2);
        setState(id, "queued");
      } else if (error.code === "not_found" && s.conversation) {
        // The conversation is gone (erased on request, say): the message starts a new one.
        forgetConversation();
        setState(id, "queued");
      } else {
        var item = findPending(id);
        if (item) item.error = error.message;
        setState(id, "failed");
      }
      pump();
    }

    function findPending(id) {
      return outbox.filter(function (item) { return item.id === id; })[0];
    }

    function removePending(item) {
      outbox = outbox.filter(function (other) { return other !== item; });
      saveOutbox();
      var node = pendingNode(item.id);
      if (node) node.remove();
      renderReplies();
      renderBanner();
    }

    function pendingNode(id) {
      return Array.prototype.filter.call(ui.log.children, function (node) { return node.getAttribute("data-client-id") === id; })[0];
    }

    function setState(id, state) {
      var item = findPending(id);
      if (!item) return;
      item.state = state;
      saveOutbox();
      var node = pendingNode(id);
      if (node) node.replaceWith(renderPending(item));
    }

    function renderPending(item) {
      var status = item.state === "failed"
        ? fill(t.failed, { error: item.error || "" })
        : item.state === "sending" || s.connected ? t.sending : t.waiting;
      return h("div", {
        class: "tp-msg tp-from-visitor tp-pending" + (item.state === "failed" ? " tp-failed" : ""),
        "data-client-id": item.id
      }, [
        h("div", { class: "tp-bubble", text: item.text }),
        h("span", { class: "tp-receipt" }, [
          document.createTextNode(status + " "),
          item.state === "failed" ? h("button", {
            type: "button", class: "tp-link-button", text: t.retry, onclick: function () { retry(item); }
          }) : null
        ])
      ]);
    }

    function renderOutbox() {
      outbox.forEach(function (item) {
        var node = pendingNode(item.id);
        if (node) node.replaceWith(renderPending(item));
        else ui.log.appendChild(renderPending(item));
      });
    }

    function retry(item) {
      // A retried message goes to the end of the line, after what was sent meanwhile.
      outbox = outbox.filter(function (other) { return other !== item; });
      item.state = "queued";
      delete item.error;
      outbox.push(item);
      saveOutbox();
      var node = pendingNode(item.id);
      if (node) node.remove();
      ui.log.appendChild(renderPending(item));
      connect();
      pump();
    }

    // ---- commands ------------------------------------------------------------------

    function command(name, args, conversationId) {
      return new Promise(function (resolve, reject) {
        var id = randomId("c");
        var frame = { type: "command", id: id, name: name, args: args || {} };
        if (conversationId) frame.conversation_id = conversationId;
        if (!s.connected || !send(frame)) return reject({ code: "offline", message: t.offlineCommand });
        s.commands[id] = { resolve: resolve, reject: reject };
      });
    }

    function settleCommand(id, ok, data) {
      var pending = s.commands[id];
      if (!pending) return;
      delete s.commands[id];
      if (ok) pending.resolve(data || {});
      else pending.reject({ code: data.code, message: data.message });
    }

    function report(failure) {
      ui.banner.textContent = failure.message;
      ui.banner.hidden = false;
    }

    // Ending cannot be undone (the next message starts a new chat): ask first. Only a
    // click (an event) moves the focus; a new language just redraws the question.
    function askEnd(event) {
      var cancel = h("button", { type: "button", class: "tp-button", text: t.cancel, onclick: cancelEnd });
      clear(ui.confirm);
      ui.confirm.appendChild(h("p", { id: "tp-confirm-text", text: t.endConfirm }));
      ui.confirm.appendChild(h("div", { class: "tp-row" }, [
        h("button", { type: "button", class: "tp-button tp-primary", text: t.endYes, onclick: endChat }), cancel
      ]));
      ui.confirm.hidden = false;
      if (event) cancel.focus();
    }

    function cancelEnd() {
      ui.confirm.hidden = true;
      ui.end.focus();
    }

    function endChat() {
      var had = focusInPanel();
      ui.confirm.hidden = true;
      if (!s.conversation) return;
      // The survey comes with the hub's answer: the focus waits in the list of messages.
      if (had) {
        ui.log.focus({ preventScroll: true });
        s.focusSurvey = true;
      }
      command("end", {}, s.conversation.id).catch(function (failure) {
        s.focusSurvey = false;
        report(failure);
      });
    }

    function requestHuman() {
      if (!ui.menu.hidden) toggleMenu();
      // Ask the hub who is online right now rather than trusting the page-load state.
      var url = ctx.base + "api/widget/config?site=" + encodeURIComponent(ctx.site);
      window.fetch(url, { credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; })
        .then(function (fresh) {
          if (fresh) {
            ctx.config = fresh;
            s.agentsOnline = fresh.agents_online;
          }
          if (!available()) return showOfflineForm();
          var open = s.conversation && s.conversation.status !== "resolved" ? s.conversation.id : undefined;
          return command("request_human", {}, open).then(function (data) {
            if (data.conversation_id && !s.conversation) setConversation({ id: data.conversation_id });
          });
        })
        .catch(report);
    }

    // ---- typing and read marks -------------------------------------------------------

    // The message field grows with the text, up to its max-height (widget.css), then scrolls:
    // a one-line box showed only the last line or two of a longer message.
    function fitInput() {
      var input = ui.input;
      input.style.height = "auto";
      if (!input.value) return input.style.removeProperty("height");
      input.style.height = input.scrollHeight + input.offsetHeight - input.clientHeight + "px";
    }

    function typed() {
      fitInput();
      if (!s.conversation || !s.connected) return;
      var now = Date.now();
      if (now - s.typingSentAt > 3000) {
        send({ type: "typing", conversation_id: s.conversation.id, on: true });
        s.typingSentAt = now;
      }
      clearTimeout(s.typingTimer);
      s.typingTimer = setTimeout(stopTyping, 4000);
    }

    function stopTyping() {
      clearTimeout(s.typingTimer);
      if (s.typingSentAt && s.conversation) send({ type: "typing", conversation_id: s.conversation.id, on: false });
      s.typingSentAt = 0;
    }

    function peerTyping(frame) {
      if (frame.sender.kind === "visitor") return;
      clearTimeout(s.peerTypingTimer);
      ui.typing.textContent = fill(t.typing, { name: senderName(frame.sender) });
      ui.typing.hidden = !frame.on;
      if (frame.on) s.peerTypingTimer = setTimeout(function () { ui.typing.hidden = true; }, 10000);
    }

    function markRead() {
      var conversation = s.conversation;
      if (!s.open || document.hidden || !conversation || !s.connected) return;
      if (s.maxSeq <= (conversation.visitor_read_seq || 0)) return;
      conversation.visitor_read_seq = s.maxSeq;
      send({ type: "read", conversation_id: conversation.id, seq: s.maxSeq });
    }

    // ---- consent and shopper events ---------------------------------------------------

    function renderConsent(force) {
      var choice = store.get("consent");
      clear(ui.consent);
      ui.consent.hidden = !force && choice !== null;
      if (ui.consent.hidden) return;
      var privacy = safeUrl(ctx.config.privacy_url || "");
      var state = choice === null ? "" : " " + (choice.granted ? t.consentOn : t.consentOff);
      // The link to the privacy page follows the question, the answers beside it on a phone (widget.css).
      ui.consent.appendChild(h("p", null, [
        document.createTextNode(t.consentText + state + (privacy ? " " : "")),
        privacy ? h("a", { href: privacy, target: "_blank", rel: "noopener", text: t.consentLink }) : null
      ]));
      ui.consent.appendChild(h("div", { class: "tp-row" }, [
        h("button", { type: "button", class: "tp-button tp-primary", text: t.consentYes, onclick: function () { choose(true); } }),
        h("button", { type: "button", class: "tp-button", text: t.consentNo, onclick: function () { choose(false); } })
      ]));
    }

    function choose(granted) {
      store.set("consent", { granted: granted, synced: false });
      ui.consent.hidden = true;
      focusChat(); // the answer went away with the notice
      syncConsent();
      flushEvents();
      ctx.emit("consent", { granted: granted });
    }

    function syncConsent() {
      var choice = store.get("consent");
      if (!choice || choice.synced || !s.connected) return;
      command("consent", { granted: choice.granted }).then(function () {
        store.set("consent", { granted: choice.granted, synced: true });
      }, ctx.warn);
    }

    function eventFrame(event) {
      var data = event.data || {};
      var frame = { type: "event", kind: event.kind, url: String(event.url).slice(0, 2048), data: data };
      if (data.product_id !== undefined && data.product_id !== null) frame.product_id = String(data.product_id).slice(0, 128);
      if (JSON.stringify(data).length > 4000) frame.data = { truncated: true };
      return frame;
    }

    // This page's events are the chat's context; earlier pages are browsing history,
    // which only goes to the hub once the shopper agreed to personalisation.
    function flushEvents() {
      if (!s.connected) return;
      var choice = store.get("consent");
      var kept = [];
      (store.get("events") || []).forEach(function (event) {
        if (event.page === ctx.pageLoad || (choice && choice.granted)) send(eventFrame(event));
        else if (!choice) kept.push(event);
      });
      store.set("events", kept);
    }

    // ---- the API the loader calls -------------------------------------------------------

    function identify(identity) {
      s.identity = identity;
      if (!s.connected || JSON.stringify(identity) === JSON.stringify(s.helloIdentity)) return;
      s.helloIdentity = identity;
      command("identify", identity).then(function (data) {
        if (data.visitor_token) store.set("token", data.visitor_token);
        // The visit is now another contact's: another customer's on a shared device
        // whose shop did not call reset() at log-out (the chat on screen is not theirs),
        // or the customer's own, whose page connected before identify() (the hub began
        // that visit anonymous, and their chat is not on screen). Start over on the token.
        var moved = data.contact_id && data.contact_id !== s.contactId;
        ctx.emit("identified", { identity_verified: !!data.identity_verified });
        if (moved) startOver();
      }, function (failure) { ctx.emit("error", failure); });
    }

    function reset() {
      s.identity = s.helloIdentity = null;
      startOver();
    }

    // A fresh connection with nothing of the chat before on screen or waiting to be sent.
    function startOver() {
      s.stopped = true;
      abandon();
      clearTimeout(s.retryTimer);
      clearTimeout(s.queueTimer);
      outbox = [];
      Array.prototype.slice.call(ui.log.querySelectorAll(".tp-pending")).forEach(function (node) { node.remove(); });
      s.conversation = null;
      s.everConnected = false;
      s.returning = false;
      resetLog();
      ui.queue.hidden = true;
      applyTexts();
      s.stopped = false;
      if (s.open) connect();
    }

    if (COVERS && COVERS.addEventListener) COVERS.addEventListener("change", modal);
    if (window.visualViewport) {
      window.visualViewport.addEventListener("resize", fitView);
      window.visualViewport.addEventListener("scroll", fitView);
    }
    window.addEventListener("online", reconnectNow);
    window.addEventListener("offline", abandon);
    document.addEventListener("visibilitychange", markRead);
    applyTexts();
    connect();

    return {
      open: open,
      close: close,
      identify: identify,
      track: function (kind, data) { ctx.buffer(kind, data); flushEvents(); },
      configure: function () {
        var locale = ui.panel.getAttribute("lang");
        applyTexts();
        if (locale !== ctx.locale() && s.ws) reconnectNow(); // the hub learns the locale in hello
      },
      reset: reset
    };
  }

  var me = document.currentScript;
  if (me) me.dispatchEvent(new CustomEvent("tp:app", { detail: factory }));
})();
