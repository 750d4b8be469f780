// Picket's dashboard: one document from GET /v1/overview, kept live by GET /v1/events.
// Every value from the server is put on the page as text (textContent), never parsed as HTML.
"use strict";

const POLL_MS = 5000;           // last checks and counts change with every probe: refresh this often
const MIN_REFRESH_MS = 250;     // events trigger a refresh at most this often, and never more than a
                                // fifth of the time goes to refreshing (a large fleet's document is big)
const FEED_LENGTH = 200;        // events kept in the feed; older ones are removed from the page

let token = null;               // the operator token: in this variable only, never stored
let overview = null;
let fetchedAt = 0;
let refreshing = false;
let refreshAgain = false;
let lastRefresh = 0;
let lastDuration = 0;
const rows = new Map();         // "app/backend" -> row elements
const buttons = new Map();      // "app/backend" -> its drain button
const sections = new Map();     // app -> section elements

const $ = (id) => document.getElementById(id);

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function duration(seconds) {
  if (!isFinite(seconds)) return "–";
  seconds = Math.max(0, Math.floor(seconds));
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds / 3600) % 24, m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

function ago(iso) {
  if (!iso) return "";
  return duration((Date.now() - Date.parse(iso)) / 1000) + " ago";
}

function elapsed() { return (Date.now() - fetchedAt) / 1000; }

// The row's colour: one class per state, as the legend shows them.
function stateClass(b) {
  const reason = b.rotation_reason;
  if (reason.startsWith("drained")) return "drained";
  if (reason === "ejected") return "ejected";
  if (reason.startsWith("recovery") || reason === "quarantined") return "recovery";
  if (b.phase === "pending") return "pending";
  if (b.in_rotation) return b.consecutive_failures > 0 ? "failing" : "serving";
  if (b.circuit === "open") return "open";
  if (b.consecutive_successes > 0) return "returning";
  return "down";
}

// Progress toward the next threshold, e.g. "1/2 passes to return" for a backend coming back.
function progress(b) {
  const t = b.thresholds;
  if (!t) return null;
  const s = b.consecutive_successes, f = b.consecutive_failures;
  if (b.phase === "pending") return f > 0 ? [f, t.failure, "failures to a first verdict"] : [s, t.success, "passes to a first verdict"];
  if (b.phase === "down" && s > 0) return [s, t.success, "passes to return"];
  if (b.phase === "up" && f > 0) return [f, t.failure, "failures to leave"];
  if (b.circuit === "closed" && f > 0) return [f, t.circuit, "failures to open the circuit"];
  return null;
}

function progressCell(b) {
  const p = progress(b);
  if (!p) return el("td", { class: "small" }, "–");
  const [count, of, what] = p;
  const fill = el("span");
  fill.style.width = `${Math.min(100, Math.round(100 * count / of))}%`;  // a property, not a style attribute: the CSP allows it
  return el("td", { class: "progress" }, el("span", { class: "bar" }, fill), `${count}/${of}`, el("div", { class: "small" }, what));
}

function checkCell(b) {
  const check = (b.last_checks || [])[0];
  if (!check) return el("td", { class: "small" }, "none yet");
  const words = check.passed ? "passed" : (check.failure_class || "failed");
  const details = [];
  if (check.status) details.push(String(check.status));
  if (check.latency_ms !== undefined && check.latency_ms !== null) details.push(`${check.latency_ms} ms`);
  return el("td", {}, el("span", { class: "chip" }, words), details.join(", "), " ",
    el("span", { class: "small", "data-at": check.at || "" }, ago(check.at)),
    check.passed || !check.message ? null : el("div", { class: "small" }, check.message));
}

function containerCell(b) {
  if (!b.container) return el("td", { class: "small" }, "–");
  const c = b.container;
  const recovery = b.recovery && b.recovery.phase !== "idle"
    ? el("div", { class: "small" }, `recovery: ${b.recovery.phase}` + (b.recovery.trigger ? ` (${b.recovery.trigger})` : ""))
    : null;
  return el("td", {}, `${c.name} `, el("span", { class: "chip" }, c.state + (c.health ? `, ${c.health}` : "")),
    el("div", { class: "small" }, `${b.recovery ? b.recovery.restarts_in_window : 0} restarts in window`), recovery);
}

function trafficCell(b) {
  const t = b.traffic;
  if (!t) return el("td", { class: "small" }, "–");
  const rate = Math.round(t.requests_per_second * 10) / 10;
  const errors = Math.round(t.server_error_rate * 1000) / 10;
  const p99 = t.p99_seconds === null || t.p99_seconds === undefined ? "" : `, p99 ${Math.round(t.p99_seconds * 10000) / 10} ms`;
  return el("td", { class: "num" }, `${rate} req/s`, el("div", { class: "small" }, `${errors} % 5xx${p99}`));
}

// Each backend keeps one button across refreshes: a refresh that replaced it between the press and the
// release of the mouse would swallow the click.
function actionCell(b) {
  const key = `${b.app}/${b.address}`;
  let button = buttons.get(key);
  if (!button) {
    button = el("button", { class: "drain", type: "button" });
    button.addEventListener("click", () => act(b.app, b.address, button.dataset.action));
    buttons.set(key, button);
  }
  const drained = b.drain === "operator";
  button.dataset.action = drained ? "undrain" : "drain";
  button.textContent = drained ? "Undrain" : "Drain";
  button.disabled = b.drain === "config" || !token;
  button.title = b.drain === "config" ? "drained in the config file: change it there and send SIGHUP"
    : (token ? "" : "enter the operator token above to drain or undrain");
  return el("td", {}, button);
}

// Container and traffic columns appear only for apps that have such backends.
function columns(app) {
  return { container: app.backends.some((b) => b.container), traffic: app.backends.some((b) => b.traffic) };
}

// Flap damping and slow start, shown only while they hold the backend back.
function dampingChips(b) {
  const chips = [];
  if (b.flaps > 0) {
    chips.push(el("span", { class: "chip flaps", title: "re-ejected soon after returning: it must pass longer to return (circuit.hold_down)" },
      `${b.flaps} flap${b.flaps === 1 ? "" : "s"}`));
  }
  if (b.slow_start_step !== null && b.slow_start_step !== undefined) {
    chips.push(el("span", { class: "chip slow-start", title: "ramping up to its full weight after rejoining (slow_start)" },
      `slow start, step ${b.slow_start_step}`));
  }
  return chips;
}

function rowFor(b, shown) {
  const since = b.since_seconds;
  const rotation = b.in_rotation ? el("span", { class: "chip in" }, "in") : el("span", { class: "chip out" }, "out");
  return el("tr", { class: "backend " + stateClass(b), "data-backend": `${b.app}/${b.address}`, "data-rotation": b.in_rotation ? "in" : "out" },
    el("td", {}, b.address),
    el("td", { class: "state" }, rotation, el("span", { class: "chip" }, b.phase), el("span", { class: "chip" }, `circuit ${b.circuit.replace("_", "-")}`),
      ...dampingChips(b), el("div", { class: "small reason" }, b.rotation_reason)),
    el("td", { class: "num since", "data-since": String(since) }, duration(since + elapsed())),
    progressCell(b),
    checkCell(b),
    el("td", { class: "why" }, b.why),
    shown.container ? containerCell(b) : null,
    shown.traffic ? trafficCell(b) : null,
    actionCell(b));
}

// A section is built again when its columns or its header's facts change (a SIGHUP can change them).
function sectionFor(app, shown) {
  const layout = [shown.container, shown.traffic, app.context, app.balance, app.when_all_down, app.docker].join("/");
  let section = sections.get(app.name);
  if (!section || section.dataset.layout !== layout) {
    const head = el("div", { class: "head" }, el("h2", {}, app.name), el("span", { class: "small counts" }),
      el("span", { class: "small context" }, `nginx ${app.context} {}, balance ${app.balance}, when all down: ${app.when_all_down}` + (app.docker ? ", containers from Docker" : "")));
    const names = ["backend", "state", "in state for", "progress", "last check", "why"]
      .concat(shown.container ? ["container"] : [], shown.traffic ? ["live traffic"] : [], [""]);
    const table = el("table", {}, el("thead", {}, el("tr", {}, ...names.map((name) => el("th", {}, name)))), el("tbody"));
    section = el("section", { class: "app", "data-app": app.name, "data-layout": layout }, head, table);
    sections.set(app.name, section);
  }
  const serving = app.backends.filter((b) => b.in_rotation).length;
  section.querySelector(".counts").textContent = `${serving} of ${app.backends.length} in rotation`;
  return section;
}

function render() {
  const o = overview;
  $("version").textContent = `v${o.version}`;
  $("ready").textContent = o.ready ? "yes" : `no: ${o.readiness}`;
  $("ready").title = o.readiness;
  const apply = o.last_apply;
  $("last-apply").textContent = apply ? `${apply.result}${apply.app ? " (" + apply.app + ")" : ""}, ${duration(apply.age_seconds + elapsed())} ago` : "none yet";
  $("last-apply").title = apply && apply.error ? apply.error : (apply ? apply.at : "");
  $("reloads").textContent = String(o.reloads);
  $("checks").textContent = String(o.checks_per_second);
  tick();

  const main = $("apps");
  const seenApps = new Set();
  const seenRows = new Set();
  const ordered = [];
  for (const app of o.apps) {
    seenApps.add(app.name);
    const shown = columns(app);
    const section = sectionFor(app, shown);
    ordered.push(section);
    const body = section.querySelector("tbody");
    for (const b of app.backends) {
      const key = `${b.app}/${b.address}`;
      seenRows.add(key);
      const fresh = rowFor(b, shown);
      const old = rows.get(key);
      if (old && old.parentNode === body) body.replaceChild(fresh, old); else body.append(fresh);
      rows.set(key, fresh);
    }
  }
  for (const [key, row] of rows) if (!seenRows.has(key)) { row.remove(); rows.delete(key); buttons.delete(key); }
  for (const [name, section] of sections) if (!seenApps.has(name)) { section.remove(); sections.delete(name); }
  main.replaceChildren(...ordered);
}

// Times that move on their own between refreshes.
function tick() {
  if (!overview) return;
  $("uptime").textContent = duration(overview.uptime_seconds + elapsed());
  for (const cell of document.querySelectorAll("td.since")) cell.textContent = duration(Number(cell.dataset.since) + elapsed());
  for (const span of document.querySelectorAll("[data-at]")) span.textContent = ago(span.dataset.at);
}

async function refresh() {
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  try {
    const wait = lastRefresh + Math.max(MIN_REFRESH_MS, 4 * lastDuration) - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastRefresh = Date.now();
    const response = await fetch("v1/overview", { cache: "no-store" });
    if (!response.ok) throw new Error(`overview answered ${response.status}`);
    overview = await response.json();
    fetchedAt = Date.now();
    render();
    lastDuration = Date.now() - lastRefresh;
  } catch (error) {
    notice(`Picket did not answer: ${error.message}`, true);
  } finally {
    refreshing = false;
    if (refreshAgain) { refreshAgain = false; refresh(); }
  }
}

// A rotation change is shown at once, before the refresh that follows it brings the rest.
function applyEvent(data) {
  if (!data.app || !data.backend) return;
  const row = rows.get(`${data.app}/${data.backend}`);
  if (!row) return;
  if (data.event === "rotation_left" || data.event === "rotation_joined") {
    const inRotation = data.event === "rotation_joined";
    row.dataset.rotation = inRotation ? "in" : "out";
    const chip = row.querySelector("td.state .chip");
    chip.className = "chip " + (inRotation ? "in" : "out");
    chip.textContent = inRotation ? "in" : "out";
    row.querySelector("td.state .reason").textContent = data.reason || "";
  }
}

function feed(data) {
  if (data.event === "upstream_change") return;  // the apply event lists its changes
  const time = data.ts ? new Date(data.ts).toLocaleTimeString() : "";
  const item = el("li", { class: data.level || "info", "data-event": data.event || "" },
    el("div", { class: "meta" }, `${time} · ${data.event || "event"}`), el("div", {}, data.msg || ""));
  if (Array.isArray(data.upstream_changes)) {
    item.append(el("ul", {}, ...data.upstream_changes.map((c) =>
      el("li", {}, `${c.change === "added" ? "+" : "-"} ${c.app} ${c.backend} (${c.reason})`))));
  }
  const list = $("events");
  list.prepend(item);
  while (list.children.length > FEED_LENGTH) list.lastElementChild.remove();
}

// Follows GET /v1/events with fetch rather than EventSource, so that every event name reaches one
// handler; reconnects after a break with Last-Event-ID, as EventSource would.
async function follow() {
  let lastId = null;
  for (;;) {
    try {
      const headers = lastId ? { "Last-Event-ID": lastId } : {};
      const response = await fetch("v1/events", { headers, cache: "no-store" });
      if (!response.ok) throw new Error(`events answered ${response.status}`);
      live(true);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = {};
          for (const line of block.split("\n")) {
            const colon = line.indexOf(":");
            if (colon <= 0) continue;
            fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, "");
          }
          if (fields.id) lastId = fields.id;
          if (fields.data) handle(fields.event, fields.data);
        }
      }
    } catch (error) {
      // refused (at the client limit) or broken: shown, and tried again below
    }
    live(false);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function live(on) {
  $("live").textContent = on ? "live" : "reconnecting";
  $("live").classList.toggle("off", !on);
}

function handle(name, text) {
  let data;
  try { data = JSON.parse(text); } catch { return; }
  if (name === "dropped") notice(data.msg, false);
  feed(data);
  applyEvent(data);
  if (data.app || name === "apply" || name === "dropped" || name === "config_reloaded") refresh();
}

function notice(text, isError) {
  const box = $("notice");
  box.textContent = text;
  box.className = isError ? "error" : "";
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { box.hidden = true; }, 8000);
}

async function act(app, backend, action) {
  if (!token) return;
  const path = `v1/apps/${encodeURIComponent(app)}/backends/${encodeURIComponent(backend)}/${action}`;
  try {
    const response = await fetch(path, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      notice(`${action}ed ${app}/${backend}: ${body.why || ""}`, false);
    } else {
      notice(`${action} ${app}/${backend} refused (${response.status}): ${body.error ? body.error.message : ""}`, true);
    }
  } catch (error) {
    notice(`${action} ${app}/${backend} failed: ${error.message}`, true);
  }
  refresh();
}

function setToken(value) {
  token = value || null;
  $("forget-token").disabled = !token;
  $("token-state").textContent = token ? "token set for this page (not stored)" : "drain and undrain need the token; it stays in this page only";
  if (overview) render();
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setToken($("token").value.trim());
  $("token").value = "";
});
$("forget-token").addEventListener("click", () => setToken(null));

refresh();
follow();
setInterval(() => { if (document.visibilityState === "visible") refresh(); }, POLL_MS);
setInterval(tick, 1000);
