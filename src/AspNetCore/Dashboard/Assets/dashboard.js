// The DBOS dashboard: a page over the JSON API beside it (api/...). Views are chosen by the URL's hash; the open view
// asks for its data again every refresh interval while the tab is visible, with If-None-Match, and redraws only on change.
"use strict";

const STATUSES = ["PENDING", "ENQUEUED", "DELAYED", "SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"];
const state = { info: null, etags: new Map(), data: new Map(), timer: null, view: null, renderToken: 0 };

// ---- DOM helpers: text goes in as text, never as HTML.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const $ = (sel) => document.querySelector(sel);
// Replaces an element's children, skipping the absent ones (null for "nothing to show").
const fill = (el, ...children) => el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));

function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}
function fmtDuration(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return ms + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  if (ms < 3600000) return Math.floor(ms / 60000) + " min " + Math.round((ms % 60000) / 1000) + " s";
  return (ms / 3600000).toFixed(1) + " h";
}
const statusBadge = (s) => h("span", { class: "status " + s, dataset: { status: s } }, s);
const wfLink = (id) => h("a", { href: "#/workflow/" + encodeURIComponent(id), class: "mono" }, id);

function flash(message, isError) {
  const el = $("#flash");
  el.textContent = message;
  el.className = isError ? "error" : "";
  el.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { el.hidden = true; }, 8000);
}

// ---- API: GETs remember their ETag; a 304 means "unchanged" (null), so the view keeps what it shows.
async function get(path, { force } = {}) {
  const headers = { Accept: "application/json" };
  const known = state.etags.get(path);
  if (known && !force) headers["If-None-Match"] = known;
  const response = await fetch("api/" + path, { headers, cache: "no-store", credentials: "same-origin" });
  if (response.status === 304) return { changed: false, body: state.data.get(path) };
  if (!response.ok) throw new Error(await problem(response));
  const body = await response.json();
  state.etags.set(path, response.headers.get("ETag"));
  state.data.set(path, body);
  return { changed: true, body };
}
async function post(path, body) {
  const response = await fetch("api/" + path, {
    method: "POST", cache: "no-store", credentials: "same-origin",
    headers: { "X-Dbos-Dashboard": "1", "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body || {}),
  });
  if (!response.ok) throw new Error(await problem(response));
  return response.json();
}
async function problem(response) {
  const text = await response.text();
  try { return JSON.parse(text).error || text; } catch { return text || response.status + " " + response.statusText; }
}

// ---- A stored value: pretty JSON as the server sent it; a cut value offers the whole.
function valueBlock(value, loadWhole, isError) {
  if (!value) return h("span", { class: "muted" }, "—");
  const pre = h("pre", { class: "value" + (isError ? " error" : "") }, value.text);
  const box = h("div", { class: "value-box" }, pre);
  if (value.truncated) {
    const more = h("button", {
      class: "show-all", onclick: async () => {
        more.disabled = true;
        try { const whole = await loadWhole(); pre.textContent = whole ? whole.text : value.text; more.remove(); }
        catch (e) { flash(e.message, true); more.disabled = false; }
      }
    }, `Show all (${value.length.toLocaleString()} characters)`);
    box.append(h("div", { class: "muted" }, `Cut at ${value.text.length.toLocaleString()} characters. `, more));
  }
  return box;
}

// ---- Confirmation dialog: resolves true on Confirm.
function confirmAction(title, text, extra) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  const slot = $("#confirm-extra");
  fill(slot, ...(extra ? [extra] : []));
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    $("#confirm-cancel").focus();
  });
}

// ---- Routing.
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query] = raw.split("?");
  const parts = path.split("/").map(decodeURIComponent);
  return { name: parts[0] || "workflows", arg: parts.slice(1).join("/"), params: new URLSearchParams(query || "") };
}

const views = { workflows: workflowsView, workflow: workflowView, queues: queuesView, versions: versionsView, schedules: schedulesView };

async function show() {
  const route = parseHash();
  const view = views[route.name] || workflowsView;
  const token = ++state.renderToken;
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("active", a.dataset.view === (route.name === "workflow" ? "workflows" : route.name));
  }
  state.view = { route, view, token, refresh: null };
  // A message outlives the navigation only when an action navigated (fork, delete).
  if (!state.keepFlash) $("#flash").hidden = true;
  state.keepFlash = false;
  const main = $("#main");
  try {
    await view(route, main, token);
  } catch (e) {
    if (token === state.renderToken) fill(main, h("div", { class: "empty error" }, "Could not load this view: " + e.message));
  }
}

// Re-runs the open view's refresh (each view sets it) while the page is visible.
function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    const live = $("#live");
    if (!document.hidden && state.view && state.view.refresh) {
      try { await state.view.refresh(); live.classList.remove("stale"); live.textContent = "live · " + new Date().toLocaleTimeString(); }
      catch (e) { live.classList.add("stale"); live.textContent = "not updating: " + e.message; }
    }
    schedule();
  }, state.info ? state.info.refreshIntervalMs : 3000);
}

// ---- Workflows list.
async function workflowsView(route, main, token) {
  const p = route.params;
  const limit = Number(p.get("limit") || 50);
  const offset = Number(p.get("offset") || 0);
  const query = new URLSearchParams();
  for (const key of ["status", "name", "queue", "prefix", "from", "to", "user", "version", "executor", "app", "parent"]) {
    if (p.get(key)) query.set(key, key === "from" || key === "to" ? new Date(p.get(key)).toISOString() : p.get(key));
  }
  query.set("limit", limit);
  query.set("offset", offset);
  const path = "workflows?" + query.toString();

  const statusSelect = h("select", { name: "status", multiple: true, id: "filter-status" },
    STATUSES.map((s) => h("option", { value: s, selected: (p.get("status") || "").split(",").includes(s) }, s)));
  const field = (label, name, type) => h("label", {}, label, h("input", { name, id: "filter-" + name, type: type || "text", value: p.get(name) || "" }));
  const form = h("form", {
    class: "filters", id: "filters", onsubmit: (e) => {
      e.preventDefault();
      const next = new URLSearchParams();
      const chosen = [...statusSelect.selectedOptions].map((o) => o.value);
      if (chosen.length) next.set("status", chosen.join(","));
      for (const input of form.querySelectorAll("input")) if (input.value.trim()) next.set(input.name, input.value.trim());
      location.hash = "#/workflows?" + next.toString();
    }
  },
    h("label", {}, "Status", statusSelect),
    field("Workflow ID prefix", "prefix"), field("Name", "name"), field("Queue", "queue"),
    field("Created from", "from", "datetime-local"), field("Created to", "to", "datetime-local"),
    field("User", "user"), field("Version", "version"), field("Executor", "executor"), field("Application", "app"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "filter-apply" }, "Filter"),
      h("button", { type: "button", onclick: () => { location.hash = "#/workflows"; } }, "Clear")));

  const tableSlot = h("div", { id: "workflow-table" }, h("p", { class: "muted" }, "Loading…"));
  fill(main, h("h2", {}, "Workflows"), form, tableSlot);

  const draw = (page) => {
    if (!page.workflows.length) {
      fill(tableSlot, h("div", { class: "empty" }, offset ? "No more workflows." : "No workflow matches these filters."));
      return;
    }
    const rows = page.workflows.map((w) => h("tr", { dataset: { workflowId: w.workflowId }, class: w.otherVersion ? "highlight" : null },
      h("td", {}, wfLink(w.workflowId), w.parentWorkflowId ? h("span", { class: "tag" }, "child") : null, w.forkedFrom ? h("span", { class: "tag" }, "fork") : null),
      h("td", {}, statusBadge(w.status), w.otherVersion ? h("span", { class: "tag warn", title: "Another application version runs it" }, "other version") : null),
      h("td", {}, w.name || "—", w.className ? h("div", { class: "muted" }, w.className) : null),
      h("td", {}, w.queueName || "—"),
      h("td", { class: "mono" }, fmtTime(w.createdAt)),
      h("td", {}, fmtDuration(w.durationMs)),
      h("td", {}, w.authenticatedUser || "—"),
      h("td", { class: "mono" }, w.executorId || "—", h("div", { class: "muted" }, w.applicationVersion || ""))));
    const table = h("table", { id: "workflows" },
      h("thead", {}, h("tr", {}, ["ID", "Status", "Workflow", "Queue", "Created (UTC)", "Duration", "User", "Executor / version"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows));
    const pageLink = (label, nextOffset, enabled) => h("button", {
      disabled: !enabled, onclick: () => { const q = new URLSearchParams(p); q.set("offset", nextOffset); location.hash = "#/workflows?" + q; }
    }, label);
    fill(tableSlot, table, h("div", { class: "pager" },
      pageLink("← Newer", Math.max(0, offset - limit), offset > 0),
      h("span", { class: "muted" }, `${offset + 1}–${offset + page.workflows.length}`),
      pageLink("Older →", offset + limit, page.hasMore)));
  };

  const refresh = async () => {
    const { changed, body } = await get(path);
    if (token === state.renderToken && (changed || !tableSlot.querySelector("table, .empty"))) draw(body);
  };
  state.view.refresh = refresh;
  await refresh();
}

// ---- One workflow.
async function workflowView(route, main, token) {
  const id = route.arg;
  const enc = encodeURIComponent(id);
  fill(main, h("p", {}, h("a", { href: "#/workflows" }, "← Workflows")), h("div", { id: "workflow-detail" }, h("p", { class: "muted" }, "Loading…")));
  const slot = $("#workflow-detail");
  let last = null;

  const act = async (action, title, text, extra, body) => {
    if (!(await confirmAction(title, text, extra))) return;
    try {
      const result = await post(`workflows/${enc}/${action}${body && body.children ? "?children=true" : ""}`, body && body.fork);
      flash(result.message + (result.status ? ` Status: ${result.status}.` : ""));
      if (action === "delete") { state.keepFlash = true; location.hash = "#/workflows"; return; }
      if (action === "fork" && result.newWorkflowId) { state.keepFlash = true; location.hash = "#/workflow/" + encodeURIComponent(result.newWorkflowId); return; }
      await refresh(true);
    } catch (e) { flash(`Could not ${action} ${id}: ${e.message}`, true); }
  };

  const draw = (detail, steps, events) => {
    const w = detail.workflow;
    const childBox = (label) => h("label", {}, h("input", { type: "checkbox", id: "confirm-children" }), " " + label);
    const stepChoice = h("select", { id: "fork-step" }, steps.map((s) => h("option", { value: s.functionId }, `${s.functionId}: ${s.name}`)),
      h("option", { value: steps.length }, `${steps.length}: (after the last recorded step)`));
    const actions = h("div", { class: "actions" },
      h("button", {
        id: "action-cancel", disabled: !detail.canCancel, onclick: () => {
          const extra = childBox("Cancel its child workflows too");
          act("cancel", "Cancel workflow", `Cancel ${id}? It stops at its next step and leaves its queue; you can resume it later.`, extra,
            { get children() { return extra.querySelector("input").checked; } });
        }
      }, "Cancel"),
      h("button", {
        id: "action-resume", disabled: !detail.canResume, onclick: () =>
          act("resume", "Resume workflow", `Resume ${id}? It is enqueued and runs again from its last completed step.`)
      }, "Resume"),
      h("button", {
        id: "action-fork", onclick: () => {
          const extra = h("div", {}, h("label", {}, "Run anew from step ", stepChoice),
            h("label", {}, "Application version (optional) ", h("input", { id: "fork-version", placeholder: state.info.applicationVersion })));
          act("fork", "Fork workflow", `Start a new workflow from ${id}: the steps before the chosen one replay their recorded results.`, extra,
            { get fork() { return { startStep: Number(stepChoice.value), applicationVersion: extra.querySelector("#fork-version").value || null }; } });
        }
      }, "Fork…"),
      h("button", {
        id: "action-delete", class: "danger", onclick: () => {
          const extra = childBox("Delete its child workflows too");
          act("delete", "Delete workflow", `Delete ${id} and all its rows (inputs, outputs, steps, events, messages)? This cannot be undone.`, extra,
            { get children() { return extra.querySelector("input").checked; } });
        }
      }, "Delete…"));

    const props = h("dl", { class: "props" }, [
      ["Status", h("span", { id: "wf-status" }, statusBadge(w.status), w.otherVersion ? h("span", { class: "tag warn" }, "other version") : null)],
      ["Workflow", `${w.className ? w.className + "." : ""}${w.name || "?"}`],
      ["Queue", w.queueName || "—"], ["Executor", w.executorId || "—"], ["Application version", w.applicationVersion || "—"],
      ["Created", fmtTime(w.createdAt)], ["Dequeued", fmtTime(detail.dequeuedAt)], ["Completed", fmtTime(w.completedAt)],
      ["Duration", fmtDuration(w.durationMs)], ["Recovery attempts", w.recoveryAttempts],
      ["User", (w.authenticatedUser || "—") + (w.assumedRole ? ` as ${w.assumedRole}` : "") + (detail.authenticatedRoles.length ? ` (roles: ${detail.authenticatedRoles.join(", ")})` : "")],
      ["Timeout", detail.timeoutMs ? fmtDuration(detail.timeoutMs) + (detail.deadline ? ` (deadline ${fmtTime(detail.deadline)})` : "") : "—"],
      ["Priority / partition", `${detail.priority}${detail.partitionKey ? " / " + detail.partitionKey : ""}`],
      ["Deduplication ID", detail.deduplicationId || "—"],
      ["Parent", w.parentWorkflowId ? wfLink(w.parentWorkflowId) : "—"],
      ["Forked from", w.forkedFrom ? wfLink(w.forkedFrom) : "—"],
      ["Serialization", detail.serialization || "—"],
    ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));

    const whole = async (pick) => { const r = await get(`workflows/${enc}?full=true`, { force: true }); return pick(r.body); };
    const wholeStep = (fid, kind) => async () => {
      const r = await get(`workflows/${enc}/steps?full=true`, { force: true });
      return (r.body.find((s) => s.functionId === fid) || {})[kind];
    };
    const wholeEvent = (pick) => async () => pick((await get(`workflows/${enc}/events?full=true`, { force: true })).body);

    const start = new Date(w.createdAt).getTime();
    const end = Math.max(...steps.map((s) => s.completedAt ? new Date(s.completedAt).getTime() : 0), w.completedAt ? new Date(w.completedAt).getTime() : 0, start + 1);
    const stepRows = steps.map((s) => {
      const bar = h("div", { class: "bar" });
      if (s.startedAt) {
        const span = h("span", { class: s.error ? "error" : "" });
        const from = new Date(s.startedAt).getTime();
        const to = s.completedAt ? new Date(s.completedAt).getTime() : from;
        span.style.left = ((from - start) / (end - start) * 100).toFixed(2) + "%";
        span.style.width = Math.max(0.5, (to - from) / (end - start) * 100).toFixed(2) + "%";
        bar.append(span);
      }
      return h("tr", { dataset: { functionId: s.functionId } },
        h("td", {}, s.functionId), h("td", {}, s.name, s.childWorkflowId ? h("div", {}, "child ", wfLink(s.childWorkflowId)) : null),
        h("td", { class: "mono" }, s.startedAt ? "+" + fmtDuration(new Date(s.startedAt).getTime() - start) : "—"),
        h("td", {}, fmtDuration(s.durationMs)), h("td", {}, bar),
        h("td", {}, s.error ? valueBlock(s.error, wholeStep(s.functionId, "error"), true) : valueBlock(s.output, wholeStep(s.functionId, "output"))));
    });

    const related = (title, list) => list.length ? h("div", {}, h("h3", {}, title),
      h("table", {}, h("tbody", {}, list.map((c) => h("tr", {}, h("td", {}, wfLink(c.workflowId)), h("td", {}, statusBadge(c.status)), h("td", {}, c.name || "—"), h("td", { class: "mono" }, fmtTime(c.createdAt))))))) : null;

    fill(slot, 
      h("h2", {}, "Workflow ", h("span", { class: "mono", id: "wf-id" }, w.workflowId)),
      actions,
      h("div", { class: "grid2" },
        h("div", { class: "card" }, props),
        h("div", { class: "card" },
          h("h3", {}, "Input"), valueBlock(detail.input, () => whole((d) => d.input)),
          h("h3", {}, detail.error ? "Error" : "Output"),
          detail.error ? valueBlock(detail.error, () => whole((d) => d.error), true) : valueBlock(detail.output, () => whole((d) => d.output)))),
      h("h3", {}, `Steps (${steps.length})`),
      steps.length ? h("table", { id: "steps" }, h("thead", {}, h("tr", {}, ["#", "Name", "Started", "Duration", "Timeline", "Output / error"].map((t) => h("th", {}, t)))), h("tbody", {}, stepRows))
        : h("div", { class: "empty" }, "No recorded steps yet."),
      related(`Children (${detail.children.length})`, detail.children),
      related(`Forks (${detail.forks.length})`, detail.forks),
      h("h3", {}, `Events (${events.events.length})`),
      events.events.length ? h("table", { id: "events" }, h("tbody", {}, events.events.map((e) => h("tr", {}, h("td", { class: "mono" }, e.key),
        h("td", {}, valueBlock(e.value, wholeEvent((b) => (b.events.find((x) => x.key === e.key) || {}).value))))))) : h("div", { class: "empty" }, "No events."),
      h("h3", {}, `Messages (${events.messages.length}${events.moreMessages ? "+" : ""})`),
      events.messages.length ? h("table", { id: "messages" }, h("tbody", {}, events.messages.map((m) => h("tr", {},
        h("td", { class: "mono" }, m.topic || "(no topic)"), h("td", { class: "mono" }, fmtTime(m.sentAt)), h("td", {}, m.consumed ? "received" : "waiting"),
        h("td", {}, valueBlock(m.value, wholeEvent((b) => (b.messages.find((x) => x.messageId === m.messageId) || {}).value))))))) : h("div", { class: "empty" }, "No messages."));
  };

  const refresh = async (force) => {
    const [d, s, e] = await Promise.all([get(`workflows/${enc}`, { force }), get(`workflows/${enc}/steps`, { force }), get(`workflows/${enc}/events`, { force })]);
    if (token !== state.renderToken) return;
    if (d.changed || s.changed || e.changed || !last || force) {
      last = [d.body, s.body, e.body];
      draw(...last);
    }
  };
  state.view.refresh = refresh;
  await refresh(true);
}

// ---- Queues.
async function queuesView(route, main, token) {
  fill(main, h("h2", {}, "Queues"), h("div", { id: "queues-slot" }));
  const slot = $("#queues-slot");
  const limit = (v) => v === null || v === undefined ? "—" : v;
  const refresh = async () => {
    const { changed, body } = await get("queues");
    if (token !== state.renderToken || (!changed && slot.firstChild)) return;
    fill(slot, h("table", { id: "queues" },
      h("thead", {}, h("tr", {}, ["Queue", "Enqueued", "Delayed", "Running", "Concurrency", "Per worker", "Rate limit", "Per partition"].map((t) => h("th", {}, t)))),
      h("tbody", {}, body.map((q) => h("tr", { dataset: { queue: q.name } },
        h("td", {}, h("a", { href: "#/workflows?queue=" + encodeURIComponent(q.name) + "&status=ENQUEUED,PENDING,DELAYED" }, q.name),
          q.internal ? h("span", { class: "tag" }, "internal") : null, q.registered ? null : h("span", { class: "tag warn", title: "Not registered in this process" }, "other process")),
        h("td", {}, q.enqueued), h("td", {}, q.delayed), h("td", {}, q.pending),
        h("td", {}, limit(q.concurrency)), h("td", {}, limit(q.workerConcurrency)),
        h("td", {}, q.rateLimit ? `${q.rateLimit.limit} / ${q.rateLimit.periodSeconds} s` : "—"), h("td", {}, limit(q.partitionConcurrency)))))));
  };
  state.view.refresh = refresh;
  await refresh();
}

// ---- Application versions and executors.
async function versionsView(route, main, token) {
  fill(main, h("h2", {}, "Application versions"), h("div", { id: "versions-slot" }), h("h2", {}, "Executors with running workflows"), h("div", { id: "executors-slot" }));
  const refresh = async () => {
    const { changed, body } = await get("versions");
    if (token !== state.renderToken || (!changed && $("#versions-slot").firstChild)) return;
    fill($("#versions-slot"), body.versions.length ? h("table", { id: "versions" },
      h("thead", {}, h("tr", {}, ["Version", "", "Registered", "Latest since", "Pending", "Enqueued"].map((t) => h("th", {}, t)))),
      h("tbody", {}, body.versions.map((v) => h("tr", { class: !v.current && v.pending + v.enqueued > 0 ? "highlight" : null, dataset: { version: v.versionName } },
        h("td", { class: "mono" }, h("a", { href: "#/workflows?version=" + encodeURIComponent(v.versionName) }, v.versionName)),
        h("td", {}, v.current ? h("span", { class: "tag" }, "this process") : null, v.latest ? h("span", { class: "tag" }, "latest") : null,
          v.registered ? null : h("span", { class: "tag", title: "Named by unfinished workflows; no process of it registered here" }, "not registered"),
          !v.current && v.pending + v.enqueued > 0 ? h("span", { class: "tag warn", title: "This process does not run them: keep a process of this version running, or fork them" }, "unfinished work") : null),
        h("td", { class: "mono" }, fmtTime(v.createdAt)), h("td", { class: "mono" }, fmtTime(v.timestamp)),
        h("td", {}, v.current ? "—" : v.pending), h("td", {}, v.current ? "—" : v.enqueued))))) : h("div", { class: "empty" }, "No versions registered."));
    fill($("#executors-slot"), body.executors.length ? h("table", { id: "executors" },
      h("thead", {}, h("tr", {}, ["Executor", "Version", "Pending workflows"].map((t) => h("th", {}, t)))),
      h("tbody", {}, body.executors.map((e) => h("tr", { class: e.otherVersion ? "highlight" : null },
        h("td", { class: "mono" }, h("a", { href: "#/workflows?status=PENDING&executor=" + encodeURIComponent(e.executorId || "") }, e.executorId || "(none)"), e.thisProcess ? h("span", { class: "tag" }, "this process") : null),
        h("td", { class: "mono" }, e.applicationVersion || "—", e.otherVersion ? h("span", { class: "tag warn" }, "other version") : null),
        h("td", {}, e.pending))))) : h("div", { class: "empty" }, "No workflow is running."));
  };
  state.view.refresh = refresh;
  await refresh();
}

// ---- Schedules.
async function schedulesView(route, main, token) {
  fill(main, h("h2", {}, "Schedules"), h("div", { id: "schedules-slot" }));
  const slot = $("#schedules-slot");
  const refresh = async () => {
    const { changed, body } = await get("schedules");
    if (token !== state.renderToken || (!changed && slot.firstChild)) return;
    fill(slot, body.length ? h("table", { id: "schedules" },
      h("thead", {}, h("tr", {}, ["Schedule", "Workflow", "Cron", "Status", "Last fired", "Queue", "Backfill"].map((t) => h("th", {}, t)))),
      h("tbody", {}, body.map((s) => h("tr", {},
        h("td", { class: "mono" }, s.scheduleName), h("td", {}, h("a", { href: "#/workflows?name=" + encodeURIComponent(s.workflowName) }, s.workflowName), s.workflowClassName ? h("div", { class: "muted" }, s.workflowClassName) : null),
        h("td", { class: "mono" }, s.cron + (s.timeZone ? ` (${s.timeZone})` : "")), h("td", {}, statusBadge(s.status)),
        h("td", { class: "mono" }, fmtTime(s.lastFiredAt)), h("td", {}, s.queue || "—"), h("td", {}, s.automaticBackfill ? "automatic" : "—"))))) : h("div", { class: "empty" }, "No schedules."));
  };
  state.view.refresh = refresh;
  await refresh();
}

// ---- Start.
window.addEventListener("hashchange", show);
document.addEventListener("visibilitychange", () => { if (!document.hidden && state.view && state.view.refresh) state.view.refresh().catch(() => {}); });
(async () => {
  try {
    state.info = (await get("info")).body;
    $("#whoami").textContent = `${state.info.user} · ${state.info.applicationName || "application"} · version ${state.info.applicationVersion} · executor ${state.info.executorId}`;
  } catch (e) {
    fill($("#main"), h("div", { class: "empty error" }, "The dashboard's API refused or failed: " + e.message));
    return;
  }
  await show();
  schedule();
})();
