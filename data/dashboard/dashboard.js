// hermes-svc web dashboard: the rows of `hermes status`, live.
//
// One request stays open: GET /api/events, read as Server-Sent Events
// through fetch() (EventSource cannot send the token header). It starts
// with a snapshot of every row and then carries each row the daemon draws
// again, pushed when the supervisor reports a change; nothing here asks
// again on a timer. An open Log panel is a second stream of the same kind,
// GET /api/gateways/NAME/log?follow=1 (the last lines, then each new one),
// aborted when the panel closes. Actions are POSTs with the token in
// X-Hermes-Token, which is what the server checks against cross-site requests.
'use strict';

const TOKEN_KEY = 'hermes-dashboard-token';
const LOG_LINES = 50; // the most lines an open Log panel shows: the oldest go

const rows = new Map(); // profile -> {row, logRow, data}
let token = null;

function takeToken() {
  // the URL of `hermes dashboard url` carries it in the fragment, never sent to a server
  const match = /(?:^#|&)token=([0-9a-f]+)/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (token) h['X-Hermes-Token'] = token;
  return h;
}

function notice(text) {
  const el = document.getElementById('notice');
  el.textContent = text || '';
  el.hidden = !text;
}

function setConnection(state, text) {
  const el = document.getElementById('connection');
  el.dataset.state = state;
  el.textContent = text;
}

function formatUptime(sinceUs) {
  if (!sinceUs || sinceUs <= 0) return '';
  let s = Math.max(0, Math.floor((Date.now() * 1000 - sinceUs) / 1e6));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function problemsCell(tr, gw) {
  const td = document.createElement('td');
  const problems = gw.problems || [];
  if (problems.length) {
    const ul = document.createElement('ul');
    ul.className = 'problems';
    for (const p of problems) {
      const li = document.createElement('li');
      li.textContent = p.text;
      if (p.fix) {
        const fix = document.createElement('span');
        fix.className = 'fix';
        fix.textContent = p.fix;
        li.appendChild(fix);
      }
      ul.appendChild(li);
    }
    td.appendChild(ul);
  }
  tr.appendChild(td);
}

function button(td, label, action, profile) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.action = action;
  b.addEventListener('click', () => act(profile, action, b));
  td.appendChild(b);
}

function fill(entry, gw) {
  const tr = entry.row;
  const profile = gw.profile;
  tr.replaceChildren();
  tr.dataset.profile = profile;
  tr.dataset.state = gw.state;
  tr.dataset.pid = gw.pid === undefined || gw.pid === null ? '' : String(gw.pid);
  cell(tr, profile, 'profile');
  const state = cell(tr, gw.state, 'state');
  state.dataset.state = gw.state;
  if (gw.reason && gw.reason.text) state.title = gw.reason.text;
  cell(tr, gw.desired_state || '', 'intent');
  // the cluster node that owns it (hermes-svcd in a cluster); the column shows only then
  cell(tr, gw.node || '', 'node');
  cell(tr, gw.pid > 0 ? gw.pid : '', 'num pid');
  const up = cell(tr, gw.state === 'up' ? formatUptime(gw.since_us) : '', 'uptime');
  if (gw.since_us > 0) up.title = 'since ' + new Date(gw.since_us / 1000).toLocaleString();
  cell(tr, gw.ready, 'ready');
  cell(tr, gw.restarts >= 0 ? gw.restarts : '', 'num restarts');
  cell(tr, gw.port || '', 'num port');
  problemsCell(tr, gw);
  const actions = document.createElement('td');
  actions.className = 'actions';
  button(actions, 'Start', 'start', profile);
  button(actions, 'Stop', 'stop', profile);
  button(actions, 'Restart', 'restart', profile);
  button(actions, 'Log', 'log', profile);
  tr.appendChild(actions);
  entry.data = gw;
  showNodeColumn();
  tr.classList.remove('flash');
  void tr.offsetWidth; // restart the highlight
  tr.classList.add('flash');
}

function showNodeColumn() {
  const any = [...rows.values()].some((e) => e.data && e.data.node);
  document.getElementById('gateways').classList.toggle('cluster', any);
}

function entryFor(profile) {
  let entry = rows.get(profile);
  if (entry) return entry;
  const tbody = document.getElementById('rows');
  const row = document.createElement('tr');
  row.className = 'gateway';
  const logRow = document.createElement('tr');
  logRow.className = 'log';
  logRow.hidden = true;
  const td = document.createElement('td');
  td.colSpan = 11;
  const pre = document.createElement('pre');
  td.appendChild(pre);
  logRow.appendChild(td);
  // keep the rows in profile order
  let before = null;
  for (const [name, other] of [...rows.entries()].sort()) {
    if (name > profile) { before = other.row; break; }
  }
  tbody.insertBefore(row, before);
  tbody.insertBefore(logRow, before);
  // log: the AbortController of the open panel's stream, null while it is closed
  entry = { row, logRow, pre, data: null, log: null };
  rows.set(profile, entry);
  return entry;
}

function show(profile, gw) {
  if (!gw) {
    const entry = rows.get(profile);
    if (entry) {
      closeLog(entry);
      entry.row.remove();
      entry.logRow.remove();
      rows.delete(profile);
    }
  } else {
    fill(entryFor(profile), gw);
  }
  document.getElementById('empty').hidden = rows.size > 0;
}

function snapshot(doc) {
  document.getElementById('backend').textContent = doc.manager.backend || '?';
  document.getElementById('mode').textContent = doc.manager.mode || '-';
  const seen = new Set();
  for (const gw of doc.gateways) {
    seen.add(gw.profile);
    show(gw.profile, gw);
  }
  for (const profile of [...rows.keys()]) if (!seen.has(profile)) show(profile, null);
  document.getElementById('empty').hidden = rows.size > 0;
}

async function act(profile, action, b) {
  if (action === 'log') {
    const entry = rows.get(profile);
    entry.logRow.hidden = !entry.logRow.hidden;
    if (entry.logRow.hidden) closeLog(entry);
    else openLog(profile, entry);
    return;
  }
  b.disabled = true;
  try {
    const r = await fetch(`/api/gateways/${encodeURIComponent(profile)}/${action}`, {
      method: 'POST',
      headers: headers(),
      cache: 'no-store',
    });
    const body = await r.json();
    if (!r.ok) notice(`${action} ${profile}: ${body.error ? body.error.message : r.status}`);
    else notice('');
  } catch (e) {
    notice(`${action} ${profile}: ${e}`);
  } finally {
    b.disabled = false;
  }
}

// the events of a text/event-stream response, as they arrive, until it ends
async function readEvents(r, onEvent) {
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(event, JSON.parse(data.join('\n')));
    }
  }
}

function logText(l) {
  const t = l.time_us ? new Date(l.time_us / 1000).toLocaleTimeString() + ' ' : '';
  return t + l.text + '\n';
}

// one line at the end of the panel, the oldest dropped past LOG_LINES; the
// view stays at the bottom if it was there
function logAppend(entry, text, cls) {
  const pre = entry.pre;
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  if (pre.dataset.empty) {
    pre.replaceChildren();
    delete pre.dataset.empty;
  }
  const span = document.createElement('span');
  span.textContent = text;
  if (cls) span.className = cls;
  pre.appendChild(span);
  while (pre.childElementCount > LOG_LINES) pre.firstElementChild.remove();
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function logNote(entry, text) {
  entry.pre.replaceChildren(document.createTextNode(text));
  entry.pre.dataset.empty = '1';
}

function closeLog(entry) {
  if (entry.log) entry.log.abort();
  entry.log = null;
}

// the panel's stream: the last LOG_LINES lines, then each new one; a stream
// that drops while the panel is open is opened again, after a pause
async function openLog(profile, entry) {
  closeLog(entry);
  const control = new AbortController();
  entry.log = control;
  const url = `/api/gateways/${encodeURIComponent(profile)}/log?n=${LOG_LINES}&follow=1`;
  for (let delay = 1000; entry.log === control; delay = Math.min(delay * 2, 30000)) {
    let why = 'the log stream ended';
    try {
      logNote(entry, '(waiting for lines)');
      const r = await fetch(url, { headers: headers(), cache: 'no-store', signal: control.signal });
      if (!r.ok) {
        const body = await r.json().catch(() => ({}));
        const message = body.error ? body.error.message : `HTTP ${r.status}`;
        // 503: too many streams open right now; any other refusal will not change
        if (r.status !== 503) {
          logNote(entry, message);
          return;
        }
        why = message;
      } else {
        await readEvents(r, (event, payload) => {
          if (event === 'line') logAppend(entry, logText(payload));
          else if (event === 'end') why = payload.error ? payload.error.message : why;
        });
        delay = 1000;
      }
    } catch (e) {
      if (control.signal.aborted) return;
      why = String(e);
    }
    if (entry.log !== control) return;
    logAppend(entry, `(${why}; reconnecting…)\n`, 'note');
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function dispatch(event, payload) {
  if (event === 'snapshot') snapshot(payload);
  else if (event === 'gateway') show(payload.profile, payload.gateway);
}

async function follow() {
  setConnection('connecting', 'connecting…');
  const r = await fetch('/api/events', { headers: headers(), cache: 'no-store' });
  if (r.status === 401) {
    setConnection('down', 'not authorized');
    notice('This page needs the dashboard token: open the URL that `hermes dashboard url` prints.');
    return false;
  }
  if (!r.ok) throw new Error(`events: HTTP ${r.status}`);
  setConnection('live', 'live');
  await readEvents(r, dispatch);
  return true;
}

async function main() {
  token = takeToken();
  // a dropped stream (the daemon restarted) is opened again, after a pause
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30000)) {
    try {
      if (!(await follow())) return;
      delay = 1000;
    } catch (e) {
      console.warn(e);
    }
    setConnection('down', 'disconnected; reconnecting…');
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

document.addEventListener('DOMContentLoaded', main);
// the log streams end with the page, not when the browser gets round to it
window.addEventListener('pagehide', () => {
  for (const entry of rows.values()) closeLog(entry);
});
// back from the browser's page cache: the panels left open read again
window.addEventListener('pageshow', (e) => {
  if (!e.persisted) return;
  for (const [profile, entry] of rows) if (!entry.logRow.hidden) openLog(profile, entry);
});
