// Settings: admins manage agents (role, capacity, teams), teams and the chat's
// business hours; editors and admins manage canned responses. Every form shows the
// hub's error text, a 422's next to the fields it names.

import { api } from "./api.js";
import { byId, h, showFailure } from "./dom.js";

const ROLES = ["agent", "editor", "admin"];
const WEEKDAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];
// What GET /api/widget/config adds to the settings; PUT takes the settings alone.
const LIVE_FIELDS = ["site", "open_now", "agents_online"];

function field(label, input) {
  return h("label", { class: "field" }, h("span", { text: label }), input);
}

function errorLine() {
  return h("p", { class: "error", role: "alert" });
}

function teamChecks(teams, selected) {
  return h(
    "fieldset",
    { class: "checks" },
    h("legend", { text: "Teams" }),
    teams.map((team) =>
      h(
        "label",
        {},
        h("input", { type: "checkbox", name: "team", value: String(team.id), checked: selected.includes(team.id) }),
        ` ${team.name}`,
      ),
    ),
  );
}

function checkedTeams(form) {
  return [...form.querySelectorAll("input[name=team]:checked")].map((input) => Number(input.value));
}

async function submitting(form, error, action) {
  error.textContent = showFailure(form, null);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await action();
    return true;
  } catch (failure) {
    error.textContent = showFailure(form, failure);
    return false;
  } finally {
    button.disabled = false;
  }
}

export class Settings {
  constructor(me, { onCannedChanged }) {
    this.me = me;
    this.onCannedChanged = onCannedChanged;
    this.dialog = byId("settings");
    this.body = byId("settings-body");
    byId("settings-close").addEventListener("click", () => this.dialog.close());
    for (const tab of this.dialog.querySelectorAll("[data-tab]")) {
      tab.hidden = tab.dataset.tab !== "canned" && me.role !== "admin";
      tab.addEventListener("click", () => this.show(tab.dataset.tab));
    }
  }

  async open() {
    this.dialog.showModal();
    await this.show(this.me.role === "admin" ? "agents" : "canned");
  }

  async show(tab) {
    for (const button of this.dialog.querySelectorAll("[data-tab]")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    this.body.replaceChildren(h("p", { class: "muted", text: "Loading…" }));
    // A tab clicked while another still loads wins: the slower answer must not
    // replace it (opening shows "Agents", whose two requests may finish last).
    this.current = tab;
    let view;
    try {
      view = await { agents: () => this.agents(), teams: () => this.teams(), hours: () => this.hours(), canned: () => this.cannedView() }[tab]();
    } catch (error) {
      view = h("p", { class: "error", text: error.message });
    }
    if (this.current === tab) this.body.replaceChildren(view);
  }

  async agents() {
    const [agents, teams] = await Promise.all([api("GET", "/api/agents"), api("GET", "/api/teams")]);
    const rows = agents.map((agent) => this.agentRow(agent, teams));
    const error = errorLine();
    const form = h(
      "form",
      { class: "settings-form", "aria-label": "New agent" },
      h("h3", { text: "New agent" }),
      field("Name", h("input", { name: "name", required: true, maxlength: "200" })),
      field("E-mail", h("input", { name: "email", type: "email", required: true })),
      field("Password", h("input", { name: "password", type: "password", required: true, minlength: "10", autocomplete: "new-password" })),
      field("Role", h("select", { name: "role" }, ROLES.map((r) => h("option", { value: r, text: r })))),
      field("Max. chats at once", h("input", { name: "max_concurrent", type: "number", min: "1", max: "50", value: "5" })),
      teamChecks(teams, []),
      error,
      h("button", { type: "submit", text: "Create agent" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const ok = await submitting(form, error, () =>
        api("POST", "/api/agents", {
          name: data.get("name"),
          email: data.get("email"),
          password: data.get("password"),
          role: data.get("role"),
          max_concurrent: Number(data.get("max_concurrent")),
          team_ids: checkedTeams(form),
        }),
      );
      if (ok) this.show("agents");
    });
    return h(
      "div",
      {},
      h(
        "table",
        { class: "grid" },
        h("thead", {}, h("tr", {}, ["Agent", "Role", "Max. chats", "Teams", "Status", ""].map((t) => h("th", { text: t })))),
        h("tbody", {}, rows),
      ),
      form,
    );
  }

  agentRow(agent, teams) {
    const error = errorLine();
    // Role and capacity sit in their own cells but belong to the row's form (its
    // checks, and the hub's field errors, reach them).
    const formId = `agent-form-${agent.id}`;
    const role = h("select", { name: "role", form: formId, "aria-label": `Role of ${agent.name}` }, ROLES.map((r) => h("option", { value: r, text: r, selected: r === agent.role })));
    const capacity = h("input", { name: "max_concurrent", form: formId, type: "number", min: "1", max: "50", value: String(agent.max_concurrent), "aria-label": `Max. chats of ${agent.name}` });
    const checks = teamChecks(teams, agent.teams.map((t) => t.id));
    const form = h("form", { class: "inline", id: formId }, checks, error, h("button", { type: "submit", text: "Save" }));
    const save = async (body) => {
      if (await submitting(form, error, () => api("PATCH", `/api/agents/${agent.id}`, body))) this.show("agents");
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save({ role: role.value, max_concurrent: Number(capacity.value), team_ids: checkedTeams(form) });
    });
    const toggle = h("button", {
      type: "button",
      class: "small-button",
      text: agent.active ? "Deactivate" : "Activate",
      onclick: () => save({ active: !agent.active }),
    });
    return h(
      "tr",
      { class: agent.active ? "" : "inactive" },
      h("td", {}, h("strong", { text: agent.name }), h("div", { class: "small muted", text: agent.email })),
      h("td", {}, role),
      h("td", {}, capacity),
      h("td", {}, form),
      h("td", { text: agent.active ? `${agent.status} · ${agent.load} open` : "deactivated" }),
      h("td", {}, toggle),
    );
  }

  async teams() {
    const teams = await api("GET", "/api/teams");
    const error = errorLine();
    const rows = teams.map((team) => {
      const name = h("input", { value: team.name, "aria-label": `Name of team ${team.name}`, maxlength: "100" });
      const rowError = errorLine();
      const form = h("form", { class: "inline" }, name, h("button", { type: "submit", text: "Rename" }), rowError);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (await submitting(form, rowError, () => api("PATCH", `/api/teams/${team.id}`, { name: name.value }))) this.show("teams");
      });
      const remove = h("button", {
        type: "button",
        class: "small-button danger",
        text: "Delete",
        onclick: async () => {
          if (!window.confirm(`Delete the team ${team.name}?`)) return;
          if (await submitting(form, rowError, () => api("DELETE", `/api/teams/${team.id}`))) this.show("teams");
        },
      });
      return h("tr", {}, h("td", {}, form), h("td", { text: `${team.agent_ids.length} agents` }), h("td", {}, remove));
    });
    const form = h(
      "form",
      { class: "settings-form", "aria-label": "New team" },
      field("New team", h("input", { name: "name", required: true, maxlength: "100" })),
      error,
      h("button", { type: "submit", text: "Create team" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = new FormData(form).get("name");
      if (await submitting(form, error, () => api("POST", "/api/teams", { name }))) this.show("teams");
    });
    return h("div", {}, h("table", { class: "grid" }, h("tbody", {}, rows)), form);
  }

  // The widget site's business hours (the hub's own site): the widget's header and
  // "talk to a person", and the bot's handoff, all go by them.
  async hours() {
    let config;
    try {
      config = await api("GET", "/api/widget/config");
    } catch (error) {
      // A hub started without the widget plugin has no sites, so no hours to set.
      if (error.status === 404) return h("p", { class: "muted", text: "This hub runs without the widget plugin: there are no chat hours to set." });
      throw error;
    }
    const settings = Object.fromEntries(Object.entries(config).filter(([key]) => !LIVE_FIELDS.includes(key)));
    const hours = settings.business_hours;
    const error = errorLine();
    const always = h("input", { type: "checkbox", name: "always", checked: !hours });
    const zone = h("input", { name: "timezone", required: true, value: hours?.timezone || "Europe/Berlin" });
    const days = WEEKDAYS.map(([day, name]) =>
      field(name, h("input", { name: day, value: (hours?.days?.[day] || []).join(", "), placeholder: "closed", "aria-label": `Hours on ${name}` })),
    );
    const week = h("fieldset", { class: "hours", disabled: !hours }, field("Time zone", zone), days);
    always.addEventListener("change", () => { week.disabled = always.checked; });
    const form = h(
      "form",
      { class: "settings-form", "aria-label": "Business hours" },
      h("p", { class: "small muted", text: `${config.open_now ? "Open" : "Closed"} now. Ranges like 09:00-18:00, several separated by commas; an empty day is closed. Outside these hours the widget and the bot offer an e-mail form instead of a person.` }),
      h("label", { class: "check" }, always, h("span", { text: "Agents answer at any time" })),
      week,
      error,
      h("button", { type: "submit", text: "Save hours" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const ranges = (day) => String(data.get(day) || "").split(",").map((range) => range.trim()).filter(Boolean);
      const business_hours = always.checked
        ? null
        : { timezone: zone.value.trim(), days: Object.fromEntries(WEEKDAYS.map(([day]) => [day, ranges(day)]).filter(([, list]) => list.length)) };
      if (await submitting(form, error, () => api("PUT", "/api/widget/config", { ...settings, business_hours }))) this.show("hours");
    });
    return form;
  }

  async cannedView() {
    const [canned, teams] = await Promise.all([api("GET", "/api/canned-responses"), api("GET", "/api/teams")]);
    return h(
      "div",
      {},
      h("p", { class: "small muted", text: "Placeholders: {first_name}, {order_number}, {agent_name}; {first_name|there} writes \"there\" when the name is unknown. Agents type /shortcut in the reply box." }),
      canned.map((item) => this.cannedForm(item, teams)),
      this.cannedForm(null, teams),
    );
  }

  cannedForm(item, teams) {
    const error = errorLine();
    const team = h(
      "select",
      { name: "team_id" },
      h("option", { value: "", text: "Everyone" }),
      teams.map((t) => h("option", { value: String(t.id), text: t.name, selected: item?.team_id === t.id })),
    );
    const form = h(
      "form",
      { class: "settings-form canned-form", "aria-label": item ? `Canned response /${item.shortcut}` : "New canned response" },
      h("h3", { text: item ? `/${item.shortcut}` : "New canned response" }),
      field("Shortcut", h("input", { name: "shortcut", required: true, value: item?.shortcut || "", pattern: "/?[a-z0-9][a-z0-9_\\-]*" })),
      field("Title", h("input", { name: "title", required: true, value: item?.title || "" })),
      field("Text", h("textarea", { name: "text", required: true, rows: "3", text: item?.text || "" })),
      field("Visible to", team),
      error,
      h("button", { type: "submit", text: item ? "Save" : "Add" }),
      item
        ? h("button", {
            type: "button",
            class: "small-button danger",
            text: "Delete",
            onclick: async () => {
              if (!window.confirm(`Delete /${item.shortcut}?`)) return;
              if (await submitting(form, error, () => api("DELETE", `/api/canned-responses/${item.id}`))) this.cannedChanged();
            },
          })
        : null,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const body = {
        shortcut: data.get("shortcut"),
        title: data.get("title"),
        text: data.get("text"),
        team_id: data.get("team_id") ? Number(data.get("team_id")) : null,
      };
      const ok = await submitting(form, error, () =>
        item ? api("PUT", `/api/canned-responses/${item.id}`, body) : api("POST", "/api/canned-responses", body),
      );
      if (ok) this.cannedChanged();
    });
    return form;
  }

  cannedChanged() {
    this.onCannedChanged();
    this.show("canned");
  }
}
