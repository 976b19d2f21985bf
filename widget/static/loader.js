/* Touchpoint chat widget loader (docs/embedding.md, docs/subsystems/widget.md).
   Defines window.Touchpoint, draws the launcher inside a shadow root and loads the
   chat app (a versioned, immutable bundle) only when the shopper opens the chat or
   already has a conversation going. It adds no other global and never throws into
   the shop's page. */
(function () {
  "use strict";
  var stub = window.Touchpoint;
  if (stub && stub.version) return; // the tag is on the page twice

  var script = document.currentScript || document.querySelector("script[data-touchpoint-site]");
  if (!script) return;
  // Everything else lives next to widget.js, so a hub behind a path prefix works too.
  var base = script.src.replace(/widget\.js(?:[?#].*)?$/, "");
  var APP_URL = base + "__APP_PATH__";
  var MAX_BUFFERED_EVENTS = 20;
  var LAUNCHER_TEXT = { en: "Chat with us", de: "Zum Chat" };
  var LOAD_FAILED = {
    en: "The chat cannot be reached right now. Please try again in a moment.",
    de: "Der Chat ist gerade nicht erreichbar. Bitte gleich noch einmal versuchen."
  };
  // The badge's number in the launcher's accessible name: one, and more than one.
  var UNREAD_TEXT = { en: ["1 new message", " new messages"], de: ["1 neue Nachricht", " neue Nachrichten"] };
  // Inline !important beats any shop stylesheet; out of the page's flow, above its content.
  var HOST_STYLE = "all:initial!important;display:block!important;position:fixed!important;top:0!important;" +
    "left:0!important;width:0!important;height:0!important;z-index:2147483000!important;" +
    "visibility:visible!important;opacity:1!important;direction:ltr!important;unicode-bidi:normal!important";
  var LAUNCHER_CSS =
    ".tp{--tp-primary:#1f6feb;--tp-on-primary:#fff;--tp-bg:#fff;--tp-text:#1d2430;--tp-accent:#1f6feb;" +
    "font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:var(--tp-text);" +
    "text-align:left;letter-spacing:normal;text-transform:none}" +
    ".tp *,.tp *::before,.tp *::after{box-sizing:border-box}" +
    ".tp-launcher{position:fixed;bottom:20px;right:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;" +
    "min-height:48px;padding:0 18px 0 14px;border:0;border-radius:24px;background:var(--tp-primary);" +
    "color:var(--tp-on-primary);font:600 15px/1 inherit;font-family:inherit;cursor:pointer;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.25)}" +
    ".tp[data-position=bottom-left] .tp-launcher{right:auto;left:20px}" +
    // Two colours, whatever the page behind: the outline, and inside it the gap filled
    // with the panel's background (the shadow below stays).
    ".tp-launcher:focus-visible{outline:3px solid var(--tp-text);outline-offset:3px;" +
    "box-shadow:0 0 0 3px var(--tp-bg),0 4px 16px rgba(0,0,0,.25)}" +
    ".tp-launcher svg{width:22px;height:22px;fill:currentColor}" +
    ".tp-launcher[hidden]{display:none}" +
    ".tp-badge{min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d1242f;color:#fff;" +
    "font:700 12px/20px inherit;font-family:inherit;text-align:center}" +
    ".tp-badge[hidden]{display:none}" +
    ".tp-note{position:fixed;bottom:80px;right:20px;z-index:2147483000;max-width:280px;margin:0;padding:10px 14px;" +
    "border-radius:10px;background:var(--tp-bg);color:var(--tp-text);box-shadow:0 4px 16px rgba(0,0,0,.25)}" +
    ".tp[data-position=bottom-left] .tp-note{right:auto;left:20px}" +
    ".tp-note[hidden]{display:none}";

  var options = { site: script.getAttribute("data-touchpoint-site") || "", launcher: true };
  var handlers = {};
  var memory = {};
  var identity = null;
  var config = null;
  var configReady = null;
  var unread = 0;
  var app = null;
  var loading = null;
  var started = false;
  var openWhenLoaded = false;
  var pageLoad = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  var ui = {};

  function warn(error) {
    if (window.console) window.console.warn("Touchpoint:", error);
  }

  // Runs shop-facing code so that nothing the widget does can break the page.
  function guard(fn) {
    return function () {
      try {
        return fn.apply(null, arguments);
      } catch (error) {
        warn(error);
      }
    };
  }

  // Per-site storage; falls back to memory where localStorage is blocked.
  var store = {
    key: function (name) { return "tp." + options.site + "." + name; },
    get: function (name) {
      try {
        var raw = window.localStorage.getItem(store.key(name));
        return raw === null ? null : JSON.parse(raw);
      } catch (error) {
        return name in memory ? memory[name] : null;
      }
    },
    set: function (name, value) {
      memory[name] = value;
      try { window.localStorage.setItem(store.key(name), JSON.stringify(value)); } catch (error) { /* memory only */ }
    },
    remove: function (name) {
      delete memory[name];
      try { window.localStorage.removeItem(store.key(name)); } catch (error) { /* memory only */ }
    }
  };

  function emit(name, data) {
    (handlers[name] || []).slice().forEach(function (handler) {
      try { handler(data); } catch (error) { warn(error); }
    });
  }

  function locale() {
    if (options.locale === "de" || options.locale === "en") return options.locale;
    var lang = (document.documentElement.lang || navigator.language || "en").toLowerCase();
    return lang.indexOf("de") === 0 ? "de" : "en";
  }

  function texts() {
    var all = (config && config.texts) || {};
    return all[locale()] || all.en || {};
  }

  // WCAG 2.1 relative luminance and contrast of #rrggbb colours.
  function rgb(hex) {
    return [1, 3, 5].map(function (i) { return parseInt(hex.slice(i, i + 2), 16); });
  }

  function luminance(hex) {
    var c = rgb(hex).map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }

  function mix(a, b, share) {
    var x = rgb(a), y = rgb(b);
    return "#" + x.map(function (v, i) {
      return ("0" + Math.round(v + (y[i] - v) * share).toString(16)).slice(-2);
    }).join("");
  }

  // The shop's colours, made readable: text on the brand colour (launcher, header, the
  // shopper's bubbles) turns black or white when the chosen one is too faint on it (a
  // light brand colour with the default white), and text, links and focus rings in the
  // brand colour on the panel take a shade of it that reads on the background (4.5:1).
  function readable(colors) {
    var primary = colors.primary, on = colors.on_primary, bg = colors.background, text = colors.text;
    if (contrast(on, primary) < 4.5) on = contrast("#000000", primary) >= contrast("#ffffff", primary) ? "#000000" : "#ffffff";
    var accent = primary;
    for (var share = 0.1; contrast(accent, bg) < 4.5 && share <= 1; share += 0.1) accent = mix(primary, text, share);
    if (contrast(accent, bg) < 4.5) accent = contrast("#000000", bg) >= contrast("#ffffff", bg) ? "#000000" : "#ffffff";
    return { primary: primary, on_primary: on, background: bg, text: text, accent: accent };
  }

  function applyLook() {
    if (!ui.root) return;
    var colors = { primary: "#1f6feb", on_primary: "#ffffff", background: "#ffffff", text: "#1d2430" };
    [config && config.colors, options.colors].forEach(function (chosen) {
      Object.keys(colors).forEach(function (name) {
        if (chosen && /^#[0-9a-fA-F]{6}$/.test(chosen[name] || "")) colors[name] = chosen[name];
      });
    });
    colors = readable(colors);
    var names = {
      primary: "--tp-primary", on_primary: "--tp-on-primary", background: "--tp-bg", text: "--tp-text", accent: "--tp-accent"
    };
    Object.keys(names).forEach(function (name) { ui.root.style.setProperty(names[name], colors[name]); });
    ui.root.setAttribute("data-position", options.position || (config && config.position) || "bottom-right");
    ui.label.textContent = texts().launcher || LAUNCHER_TEXT[locale()];
    var news = UNREAD_TEXT[locale()];
    ui.launcher.setAttribute("aria-label", ui.label.textContent + (unread ? ", " + (unread === 1 ? news[0] : unread + news[1]) : ""));
    ui.launcher.hidden = options.launcher === false || ui.root.hasAttribute("data-open");
  }

  function icon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var path = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  function draw() {
    var host = document.createElement("touchpoint-widget");
    host.setAttribute("style", HOST_STYLE);
    var shadow = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = LAUNCHER_CSS;
    var root = document.createElement("div");
    root.className = "tp";
    var launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "tp-launcher";
    launcher.setAttribute("aria-haspopup", "dialog");
    launcher.setAttribute("aria-expanded", "false");
    launcher.appendChild(icon());
    var label = document.createElement("span");
    var badge = document.createElement("span");
    badge.className = "tp-badge";
    badge.hidden = true;
    launcher.appendChild(label);
    launcher.appendChild(badge);
    launcher.addEventListener("click", guard(function () {
      if (ui.root.hasAttribute("data-open")) api.close(); else api.open();
    }));
    root.appendChild(launcher);
    shadow.appendChild(style);
    shadow.appendChild(root);
    // Under <html>, not <body>: transforms or overflow rules on the shop's body cannot move it.
    document.documentElement.appendChild(host);
    ui = { host: host, shadow: shadow, root: root, launcher: launcher, label: label, badge: badge };
    applyLook();
  }

  // The shopper opened the chat, and its code could not be fetched (the hub restarting, the
  // network gone): say so by the button, instead of a click that does nothing.
  function loadFailed() {
    if (!ui.root) return;
    if (!ui.note) {
      ui.note = document.createElement("p");
      ui.note.className = "tp-note";
      ui.note.setAttribute("role", "alert");
      ui.root.appendChild(ui.note);
    }
    ui.note.textContent = LOAD_FAILED[locale()];
    ui.note.hidden = false;
    clearTimeout(ui.noteTimer);
    ui.noteTimer = setTimeout(function () { ui.note.hidden = true; }, 10000);
  }

  function setBadge(count) {
    unread = count;
    ui.badge.textContent = count > 9 ? "9+" : count ? String(count) : "";
    ui.badge.hidden = !count;
    applyLook();
  }

  function fetchConfig() {
    var url = base + "api/widget/config?site=" + encodeURIComponent(options.site);
    return window.fetch(url, { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; })
      .then(function (loaded) {
        config = loaded || { texts: {} };
        applyLook();
        return config;
      });
  }

  function buffer(kind, data) {
    var events = store.get("events") || [];
    events.push({ kind: kind, url: location.href, data: data || {}, page: pageLoad, at: Date.now() });
    store.set("events", events.slice(-MAX_BUFFERED_EVENTS));
  }

  function hasConversation() {
    return !!(store.get("active") || store.get("open") || (store.get("outbox") || []).length);
  }

  function load() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = APP_URL;
      tag.async = true;
      // The app hands its factory over on its own script element: no global needed.
      tag.addEventListener("tp:app", function (event) {
        configReady.then(function (loaded) {
          app = event.detail({
            base: base, site: options.site, options: options, config: loaded, store: store,
            shadow: ui.shadow, root: ui.root, launcher: ui.launcher, setBadge: setBadge,
            emit: emit, handlers: handlers, identity: identity, locale: locale, texts: texts,
            pageLoad: pageLoad, applyLook: applyLook, warn: warn, buffer: buffer
          });
          resolve(app);
        }).catch(reject);
      });
      tag.addEventListener("error", function () {
        loading = null;
        reject(new Error("could not load " + APP_URL));
      });
      (document.head || document.documentElement).appendChild(tag);
    });
    loading.catch(warn);
    return loading;
  }

  function start() {
    if (started || !options.site) return;
    started = true;
    draw();
    configReady = fetchConfig();
    buffer("page_view", { title: document.title, referrer: document.referrer });
    if (hasConversation()) {
      openWhenLoaded = !!store.get("open");
      load().then(function (loaded) { if (openWhenLoaded) loaded.open(false); });
    }
  }

  function whenReady(fn) {
    if (document.body) fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  var api = {
    version: "1",
    init: guard(function (settings) {
      settings = settings || {};
      Object.keys(settings).forEach(function (key) { options[key] = settings[key]; });
      if (started) {
        applyLook();
        if (app) app.configure();
      } else {
        whenReady(start);
      }
    }),
    open: guard(function () {
      openWhenLoaded = true;
      if (app) return app.open(true);
      if (started) {
        load().then(function (loaded) {
          if (ui.note) ui.note.hidden = true;
          if (openWhenLoaded) loaded.open(true);
        }, loadFailed);
      }
    }),
    close: guard(function () {
      openWhenLoaded = false;
      if (app) app.close();
    }),
    identify: guard(function (who) {
      if (!who || !who.customerId || !/^[0-9a-fA-F]{64}$/.test(who.hmac || "")) {
        throw new Error("identify() needs customerId and the 64-character hex hmac from your server");
      }
      identity = { customer_id: String(who.customerId), hmac: who.hmac.toLowerCase() };
      if (who.email) identity.email = String(who.email);
      if (who.name) identity.name = String(who.name);
      if (app) app.identify(identity);
    }),
    track: guard(function (kind, data) {
      if (["page_view", "product_view", "add_to_cart", "order"].indexOf(kind) < 0) {
        throw new Error("track() knows page_view, product_view, add_to_cart and order, not " + kind);
      }
      if (app) app.track(kind, data || {});
      else buffer(kind, data);
    }),
    setLocale: guard(function (code) {
      if (code !== "de" && code !== "en") throw new Error("setLocale() takes 'de' or 'en'");
      options.locale = code;
      if (started) applyLook();
      if (app) app.configure();
    }),
    on: guard(function (name, handler) {
      (handlers[name] = handlers[name] || []).push(handler);
      return function () {
        handlers[name] = (handlers[name] || []).filter(function (h) { return h !== handler; });
      };
    }),
    reset: guard(function () {
      identity = null;
      ["token", "conversation", "active", "open", "outbox", "events", "consent", "rated", "seen"].forEach(store.remove);
      if (app) app.reset();
      if (started) setBadge(0);
    })
  };

  window.Touchpoint = api;
  // Calls queued by the optional inline stub before this file arrived (docs/embedding.md).
  ((stub && stub.q) || []).forEach(function (call) {
    if (api[call[0]]) api[call[0]].apply(null, call[1]);
  });
  if (options.site) whenReady(start);
})();
