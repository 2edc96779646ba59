// hermes-svc web dashboard: the rows of `hermes status`, live.
//
// One request stays open: GET /api/events, read as Server-Sent Events
// through fetch() (EventSource cannot send the token header). It starts
// with a snapshot of every row and then carries each row the daemon draws
// again, pushed when the supervisor reports a change; nothing here asks
// again on a timer. Actions are POSTs with the token in X-Hermes-Token,
// which is what the server checks against cross-site requests.
'use strict';

const TOKEN_KEY = 'hermes-dashboard-token';
const LOG_LINES = 50;

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
  tr.classList.remove('flash');
  void tr.offsetWidth; // restart the highlight
  tr.classList.add('flash');
  if (!entry.logRow.hidden) loadLog(profile);
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
  td.colSpan = 10;
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
  entry = { row, logRow, pre, data: null };
  rows.set(profile, entry);
  return entry;
}

function show(profile, gw) {
  if (!gw) {
    const entry = rows.get(profile);
    if (entry) {
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
    if (!entry.logRow.hidden) loadLog(profile);
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

async function loadLog(profile) {
  const entry = rows.get(profile);
  if (!entry) return;
  try {
    const r = await fetch(`/api/gateways/${encodeURIComponent(profile)}/log?n=${LOG_LINES}`, {
      headers: headers(),
      cache: 'no-store',
    });
    const body = await r.json();
    if (!r.ok) {
      entry.pre.textContent = body.error ? body.error.message : String(r.status);
      return;
    }
    entry.pre.textContent = body.lines.map((l) => {
      const t = l.time_us ? new Date(l.time_us / 1000).toLocaleTimeString() + ' ' : '';
      return t + l.text;
    }).join('\n') || '(empty)';
  } catch (e) {
    entry.pre.textContent = String(e);
  }
}

function dispatch(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (!data.length) return;
  const payload = JSON.parse(data.join('\n'));
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
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
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
