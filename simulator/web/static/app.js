// ecny-sim serve: the classroom, regulator and explorer pages. Plain script, nothing loaded from elsewhere.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const page = document.body.dataset.page;
const params = new URLSearchParams(location.search);
if (params.get("token")) {
  sessionStorage.setItem("ecny-token", params.get("token"));
  // Off the address bar at once: a projected page must not show the class the regulator's token.
  params.delete("token");
  history.replaceState(null, "", location.pathname + (params.size ? "?" + params : "") + location.hash);
}
const token = sessionStorage.getItem("ecny-token") || "";
let words = {};
let lang = params.get("lang") || localStorage.getItem("ecny-lang") || "";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function w(key) { return words[key] || key; }

function money(fen) {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, "0")}`;
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-Ecny-Token": token},
  };
  const response = await fetch(path, init);
  let data = {};
  try { data = await response.json(); } catch (e) { data = {message: response.statusText}; }
  return {status: response.status, data};
}

async function setLanguage(code) {
  lang = code;
  localStorage.setItem("ecny-lang", code);
  words = (await api(`/api/words?lang=${encodeURIComponent(code)}`)).data;
  for (const node of document.querySelectorAll("[data-w]")) node.textContent = w(node.dataset.w);
  if (view) view.redraw();
  document.documentElement.lang = code;  // last: the page is in this language now
}

// ---------------------------------------------------------------- the live run (classroom and regulator)

class LiveView {
  constructor() {
    this.reset();
    this.queue = [];
    this.drawing = false;
  }
  reset() {
    this.entries = [];
    this.wallets = new Map();  // name -> [free, locked]
    this.regulator = [];
    this.models = [];  // side by side: each supervision contract's parents' money
    this.alerts = [];
    this.actions = [];
    this.last = null;
    this.conserved = null;
    this.end = null;
    this.state = "waiting";
    this.start = null;
  }
  connect() {
    if (this.source) this.source.close();
    this.source = new EventSource("/api/stream");
    this.source.onmessage = (event) => this.receive(JSON.parse(event.data));
    this.source.addEventListener("reset", () => { this.reset(); this.redraw(); this.connect(); });
  }
  receive(entry) {
    this.queue.push(entry);
    if (!this.drawing) {
      this.drawing = true;
      requestAnimationFrame(() => this.flush());
    }
  }
  flush() {
    const fresh = this.queue.splice(0);
    this.drawing = false;
    for (const entry of fresh) this.fold(entry);
    this.draw(fresh);
  }
  fold(entry) {
    this.entries.push(entry);
    if (entry.kind === "start") { this.start = entry; this.state = entry.state; }
    if (entry.kind === "control") this.state = entry.state;
    if (entry.kind === "action") this.actions.push(entry);
    if (entry.kind === "end") { this.end = entry; this.state = "finished"; }
    if (entry.kind !== "step" && entry.kind !== "read") return;
    if (entry.kind === "step") this.last = entry;
    for (const [name, pair] of Object.entries(entry.wallets || {})) this.wallets.set(name, pair);
    if (entry.regulator) this.regulator = entry.regulator;
    if (entry.models) this.models = entry.models;
    if (entry.alerts) this.alerts.push(...entry.alerts);
    if ("conserved" in entry) this.conserved = entry.conserved;
  }
  redraw() {
    const narration = $("#narration");
    if (narration) narration.replaceChildren();
    this.draw(this.entries);
  }
  draw(fresh) {
    const state = $("#state");
    state.dataset.state = this.state;
    state.textContent = w(this.state);
    $("#count").textContent = `${this.entries.filter((e) => e.kind === "step").length}`;
    if (this.start) $("#title").textContent = `${this.start.scenario} · ${this.start.title}`;
    this.drawNarration(fresh);
    if ($("#wallets")) this.drawWallets();
    if ($("#models")) this.drawModels();
    if ($("#tx")) this.drawTransaction();
    if ($("#institutions")) this.drawRegulator();
    this.drawInvariants();
  }
  drawNarration(fresh) {
    const list = $("#narration");
    for (const entry of fresh) {
      let items = [];
      if (entry.kind === "step") {
        items = (entry.sentences[lang] || entry.sentences.en || []).map((text) =>
          el("li", {class: entry.status === 0 ? "refused" : entry.intervention ? "intervention" : ""},
             el("time", {}, entry.time), " ", text));
      } else if (entry.kind === "say") {
        items = [el("li", {class: "say"}, el("time", {}, entry.when), " ", entry.text)];
      } else if (entry.kind === "action") {
        items = [el("li", {class: "intervention"}, "⚖ ", entry.message)];
      }
      for (const item of items) list.append(item);
    }
    while (list.children.length > 300) list.firstElementChild.remove();
    if (fresh.length) list.lastElementChild?.scrollIntoView({block: "nearest"});
  }
  drawWallets() {
    const box = $("#wallets");
    const rows = [...this.wallets.entries()];
    const top = Math.max(1, ...rows.map(([, [free, locked]]) => free + locked));
    const shown = rows.slice(0, 60);
    box.replaceChildren(...shown.map(([name, [free, locked]]) => {
      const bar = el("div", {class: "bar"}, el("span", {class: "free"}), el("span", {class: "locked"}));
      bar.children[0].style.width = `${(100 * free) / top}%`;
      bar.children[1].style.width = `${(100 * locked) / top}%`;
      return el("div", {class: "wallet", "data-name": name, "data-free": free, "data-locked": locked},
                el("span", {class: "name"}, name), bar,
                el("span", {class: "amounts"}, `${money(free)} · ${money(locked)}`));
    }));
    if (rows.length > shown.length) box.append(el("p", {}, `+ ${rows.length - shown.length} ${w("more_wallets")}`));
  }
  drawModels() {
    // Side by side (edu_abscond's three models): each column its institution, its parents' free and locked money
    // as the run goes, and at the end what they paid in, what went to the school, what came back, what they lose.
    const several = this.models.length > 1;
    $("#side-by-side-label").hidden = !several;
    const box = $("#models-box");
    box.hidden = !several || !$("#side-by-side").checked;
    if (box.hidden) return;
    const compared = (this.end && this.end.comparison) || {};
    const top = Math.max(1, ...this.models.map((m) => m.free_fen + m.locked_fen));
    $("#models").replaceChildren(...this.models.map((m) => {
      const bar = el("div", {class: "bar"}, el("span", {class: "free"}), el("span", {class: "locked"}));
      bar.children[0].style.width = `${(100 * m.free_fen) / top}%`;
      bar.children[1].style.width = `${(100 * m.locked_fen) / top}%`;
      const end = compared[m.contract] || compared[m.model];
      const rows = [["parents_free", m.free_fen], ["parents_locked", m.locked_fen]];
      if (end) {
        rows.push(["paid_in", end.paid_in_fen], ["released_to_school", end.released_fen],
                  ["refunded", end.refunded_fen], ["parent_loss", end.parent_loss_fen]);
      }
      const figures = el("dl", {}, ...rows.flatMap(([key, fen]) =>
        [el("dt", {}, w(key)), el("dd", {class: key === "parent_loss" && fen > 0 ? "bad" : "", "data-fen": fen,
                                           "data-key": key}, money(fen))]));
      return el("div", {class: "model", "data-contract": m.contract},
                el("h3", {}, w(`model_${m.model}`)), el("p", {class: "schools"},
                `${m.institutions.join(", ")} · ${m.parents} ${w("parents")}`), bar, figures);
    }));
  }
  drawTransaction() {
    const box = $("#tx");
    const tx = this.last;
    if (!tx) return;
    const head = el("p", {class: tx.status === 0 ? "refused" : ""},
                    `${tx.time} · ${tx.actor} → ${tx.contract}.${tx.function}`);
    const body = tx.error ? [el("p", {class: "refused"}, `${w("refused")}: ${tx.error}`)]
      : [el("ul", {}, ...tx.events.map((e) => el("li", {}, `${e.contract}: ${e.text}`)))];
    box.replaceChildren(head, ...body);
  }
  drawInvariants() {
    const list = $("#invariants");
    const items = [];
    if (this.end) {
      for (const [name, holds] of Object.entries(this.end.invariants)) {
        items.push(el("li", {class: holds ? "ok" : "bad"}, `${holds ? "✔" : "✘"} ${name}`));
      }
      const checks = Object.entries(this.end.story_checks || {});
      $("#checks-box").hidden = checks.length === 0;
      $("#checks").replaceChildren(...checks.map(([name, holds]) =>
        el("li", {class: holds ? "ok" : "bad"}, `${holds ? "✔" : "✘"} ${name}`)));
      $("#outcome").textContent = this.end.outcome;
      $("#outcome").dataset.outcome = this.end.outcome;
      $("#outcome-message").textContent = [this.end.message, this.end.after_intervention].filter(Boolean).join(" · ");
      const link = $("#explore-run");
      if (link && this.end.run) { link.href = `/explorer#${encodeURIComponent(this.end.run)}`; link.hidden = false; }
    } else {
      $("#outcome").textContent = "–";
      delete $("#outcome").dataset.outcome;
      $("#outcome-message").textContent = "";
      $("#checks-box").hidden = true;
      if ($("#explore-run")) $("#explore-run").hidden = true;
      if (this.conserved !== null) {
        items.push(el("li", {class: this.conserved ? "ok live" : "bad live"},
                      `${this.conserved ? "✔" : "✘"} ${w("conserved")}`));
      }
    }
    list.replaceChildren(...items);
  }
  drawRegulator() {
    const body = $("#institutions tbody");
    const owner = Boolean(token);
    body.replaceChildren(...this.regulator.map((row) => {
      const disputed = el("td", {});
      for (const id of row.disputed) {
        const span = el("span", {class: "dispute"}, `#${id} `);
        if (owner && this.state !== "finished") {
          span.append(button(w("to_school"), {kind: "dispute", contract: row.contract, order_id: id, release: true}),
                      button(w("to_parent"), {kind: "dispute", contract: row.contract, order_id: id, release: false}));
        }
        disputed.append(span);
      }
      const actions = el("td", {class: "owner-only"});
      actions.hidden = !owner;
      if (owner && this.state !== "finished") {
        if (row.status !== "Frozen") {
          actions.append(button(w("freeze"), {kind: "freeze", contract: row.contract, institution: row.institution}));
        }
        actions.append(button(w("refund_run"), {kind: "refund", contract: row.contract, institution: row.institution}));
      }
      return el("tr", {"data-institution": row.institution, "data-contract": row.contract,
                       "data-supervised": row.supervised_fen, "data-status": row.status},
                el("td", {}, row.institution), el("td", {}, row.model), el("td", {class: "status"}, row.status),
                el("td", {class: "supervised"}, money(row.supervised_fen)), el("td", {}, row.orders), disputed, actions);
    }));
    $("#alerts").replaceChildren(...this.alerts.map((a) => el("li", {"data-kind": a.kind}, `${a.kind}: ${a.message}`)));
    $("#actions").replaceChildren(...this.actions.map((a) =>
      el("li", {class: a.ok === false ? "bad" : "ok"}, a.message)));
  }
}

function button(label, action) {
  const node = el("button", {type: "button", "data-action": action.kind}, label);
  node.addEventListener("click", async () => {
    node.disabled = true;
    const {status, data} = await api("/api/act", action);
    $("#act-message").textContent = status === 200 ? "" : `${status}: ${data.message}`;
    node.disabled = false;
  });
  return node;
}

function wireControls() {
  for (const command of ["play", "pause", "step"]) {
    const node = $(`#${command}`);
    if (node) node.addEventListener("click", () => api("/api/control", {command, speed_ms: speed()}));
  }
  const select = $("#speed");
  if (select) select.addEventListener("change", () => api("/api/control", {command: "speed", speed_ms: speed()}));
}

function speed() {
  const select = $("#speed");
  return select ? Number(select.value) : undefined;
}

// ---------------------------------------------------------------- the form

async function showForm(name) {
  const {data} = await api(`/api/scenarios/${encodeURIComponent(name)}`);
  const fields = $("#fields");
  const test = $("#test-scale").checked;
  fields.replaceChildren(...(data.fields || []).filter((f) => f.name !== "start" || true).map((f) => {
    const value = test && f.test !== null && f.test !== undefined ? f.test : f.default;
    const input = el("input", {name: f.name, id: `field-${f.name}`,
                               value: typeof value === "object" && value !== null ? JSON.stringify(value) : value ?? ""});
    return el("div", {class: "field"},
              el("label", {htmlFor: `field-${f.name}`}, f.name), input,
              el("small", {}, `${f.kind}${f.bounds ? " · " + f.bounds : ""} · ${f.description}`),
              el("span", {class: "error", id: `error-${f.name}`}));
  }));
}

async function startRun(event) {
  event.preventDefault();
  const values = {};
  for (const input of $("#fields").querySelectorAll("input")) values[input.name] = input.value;
  for (const node of document.querySelectorAll(".field .error")) node.textContent = "";
  const {status, data} = await api("/api/run", {scenario: $("#scenario").value, values, seed: Number($("#seed").value),
                                                speed_ms: speed()});
  $("#form-message").textContent = status === 200 ? "" : data.message;
  for (const [name, message] of Object.entries(data.errors || {})) {
    const node = $(`#error-${name}`);
    if (node) node.textContent = message;
    $("#params-box").open = true;
  }
}

// ---------------------------------------------------------------- the explorer

let explored = null;

async function showRuns() {
  const {data} = await api("/api/runs");
  $("#runs").replaceChildren(...(data.runs || []).map((run) => {
    const link = el("a", {href: `#${encodeURIComponent(run.name)}`}, run.name);
    return el("li", {}, link);
  }));
  const first = decodeURIComponent(location.hash.slice(1)) || (data.runs && data.runs[0] && data.runs[0].name);
  if (first) await showRun(first);
}

async function showRun(name) {
  const {status, data} = await api(`/api/runs/${encodeURIComponent(name)}`);
  if (status !== 200) { $("#run-title").textContent = data.message; return; }
  explored = data;
  $("#run-title").textContent = `${data.name} · ${data.scenario} · seed ${data.seed}`;
  $("#run-summary").textContent = `${w("outcome")}: ${data.outcome || "–"} · ${data.transactions.length} ${w("transactions")}`;
  const report = $("#run-report");
  report.hidden = !data.report;
  report.href = `/runs/${encodeURIComponent(data.name)}/report.html`;
  $("#run-institutions tbody").replaceChildren(...data.institutions.map((i) =>
    el("tr", {}, el("td", {}, i.institution), el("td", {}, i.model), el("td", {}, i.status),
       el("td", {}, money(i.supervised_fen)))));
  $("#blocks tbody").replaceChildren(...data.blocks.map((b) =>
    el("tr", {}, el("td", {}, b.number), el("td", {}, b.time), el("td", {}, b.transactions), el("td", {}, b.gas_used))));
  const actors = Object.keys(data.actors).sort();
  $("#actor").replaceChildren(...actors.map((a) => el("option", {value: a}, a)));
  drawTransactions();
  drawStatement();
}

function eventText(e) {
  return `${e.contract}.${e.name}(${Object.entries(e.args).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")})`;
}

function drawTransactions() {
  const needle = $("#search").value.trim().toLowerCase();
  const rows = [];
  for (const t of explored.transactions) {
    const events = t.error ? `${w("refused")}: ${t.error.name}(${JSON.stringify(t.error.args)})`
      : t.events.map(eventText).join("; ");
    const text = `${t.line} ${t.block} ${t.time} ${t.actor} ${t.contract}.${t.function} ${events}`;
    if (needle && !text.toLowerCase().includes(needle)) continue;
    rows.push(el("tr", {class: t.status === 0 ? "refused" : "", "data-line": t.line},
                 el("td", {}, t.line), el("td", {}, t.block), el("td", {}, t.time), el("td", {}, t.actor),
                 el("td", {}, `${t.contract}.${t.function}`), el("td", {class: "events"}, events)));
    if (rows.length >= 500) break;
  }
  $("#txs tbody").replaceChildren(...rows);
}

function drawStatement() {
  const actor = explored.actors[$("#actor").value];
  $("#statement tbody").replaceChildren(...(actor ? actor.statement : []).map((s) =>
    el("tr", {}, el("td", {}, s.line), el("td", {}, s.time), el("td", {}, money(s.change_fen)),
       el("td", {}, money(s.balance_fen)), el("td", {}, s.what))));
}

// ---------------------------------------------------------------- a finished run's regulator view (serve --runs)

async function showFinishedRuns() {
  // Read-only: the institutions and alerts as the run ended, from its journal (the explorer's reading of it).
  const {data} = await api("/api/runs");
  const select = $("#finished-run");
  select.replaceChildren(...(data.runs || []).map((run) => el("option", {value: run.name}, run.name)));
  $("#finished-box").hidden = select.options.length === 0;
  select.addEventListener("change", () => showFinished(select.value));
  if (select.value) await showFinished(select.value);
}

async function showFinished(name) {
  const {status, data} = await api(`/api/runs/${encodeURIComponent(name)}`);
  if (status !== 200) { $("#finished-summary").textContent = data.message; return; }
  $("#finished-summary").textContent = `${data.scenario} · seed ${data.seed} · ${w("outcome")}: ${data.outcome || "–"}`;
  $("#finished-institutions tbody").replaceChildren(...data.institutions.map((i) => {
    const orders = Object.values(i.orders_by_state).reduce((a, b) => a + b, 0);
    return el("tr", {"data-institution": i.institution, "data-contract": i.contract, "data-status": i.status,
                     "data-supervised": i.supervised_fen},
              el("td", {}, i.institution), el("td", {}, i.model === i.contract ? i.model : `${i.contract} · ${i.model}`),
              el("td", {class: "status"}, i.status), el("td", {class: "supervised"}, money(i.supervised_fen)),
              el("td", {}, orders),
              el("td", {}, i.orders_by_state.Disputed || 0));
  }));
  const alerts = (data.summary && data.summary.alerts) || [];
  $("#finished-alerts").replaceChildren(...(alerts.length ? alerts.map((a) =>
    el("li", {"data-kind": a.kind}, `${a.kind}: ${a.message}`)) : [el("li", {class: "none"}, w("no_alerts"))]));
}

// ---------------------------------------------------------------- start

let view = null;

async function main() {
  const {data: config} = await api("/api/config");
  const select = $("#lang");
  select.replaceChildren(...config.langs.map((code) => el("option", {value: code}, code)));
  if (!config.langs.includes(lang)) lang = config.lang;
  select.value = lang;
  select.addEventListener("change", () => setLanguage(select.value));
  for (const node of document.querySelectorAll(".owner-only")) node.hidden = !token;
  if (page === "explorer") {
    await setLanguage(lang);
    $("#search").addEventListener("input", () => explored && drawTransactions());
    $("#actor").addEventListener("change", () => explored && drawStatement());
    window.addEventListener("hashchange", () => showRun(decodeURIComponent(location.hash.slice(1))));
    if (config.explorer) await showRuns();
    return;
  }
  view = new LiveView();
  await setLanguage(lang);
  if (page === "regulator" && config.runs_given) await showFinishedRuns();
  wireControls();
  if (page === "classroom" && token) {
    const scenario = $("#scenario");
    scenario.replaceChildren(...config.scenarios.map((s) => el("option", {value: s.name}, `${s.name} · ${s.title}`)));
    if (config.scenario) scenario.value = config.scenario;
    scenario.addEventListener("change", () => showForm(scenario.value));
    $("#test-scale").addEventListener("change", () => showForm(scenario.value));
    $("#form").addEventListener("submit", startRun);
    await showForm(scenario.value);
  }
  if (page === "classroom") $("#side-by-side").addEventListener("change", () => view.drawModels());
  view.connect();
}

main();
