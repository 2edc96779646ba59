#!/usr/bin/env node
// The web dashboard in a real headless Chromium (Debian's /usr/bin/chromium,
// driven over the DevTools protocol by puppeteer-core; no browser download)
// against the real `hermes-svcd --http` on a private session bus, over the
// embedded s6 tree of a private HERMES_HOME, as the README sets it up:
//
//   - the page lists the gateways, and shows each row's pid, uptime, ready,
//     restarts, port and problems with their fix as the JSON API has them (a
//     port collision between two profiles' .env is planted for the problem);
//   - `kill -9` of a gateway updates its row within 1 s, without a reload;
//   - the page makes no request while nothing happens (no polling);
//   - a POST without the token, or with another Origin, is refused and
//     changes nothing;
//   - Stop with the token stops the gateway (its state file says stopped);
//   - Start with the token starts it again (state file running, row up);
//   - Restart with the token gives a new process (new pid, uptime from the
//     new start, restarts as the JSON has them);
//   - the log tail shows the gateway's log, and is live: a line written to
//     the gateway's s6-log `current` shows in the open panel within 2 s,
//     without a reload or another request; the panel keeps at most its 50
//     newest lines; closing it ends its stream;
//   - a screenshot is left in the build's meson-logs/.
//
// TAP on stdout, for meson. Environment: HERMES_TEST_HERMES, HERMES_TEST_SVCD,
// HERMES_TEST_BACKEND_DIRS, HERMES_TEST_S6_BIN_DIR, HERMES_TEST_DASHBOARD_DIR,
// HERMES_TEST_BUILD_ROOT, HERMES_TEST_CHROMIUM.
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run this through meson test)`);
  return value;
};

let puppeteer;
try {
  puppeteer = require('puppeteer-core');
} catch (e) {
  // a developer without `npm ci` here is told, CI (HERMES_TEST_BROWSER_REQUIRED=1) fails
  if (process.env.HERMES_TEST_BROWSER_REQUIRED === '1') throw e;
  console.log('1..0 # SKIP puppeteer-core is not installed: run `npm ci` in tests/browser');
  process.exit(0);
}

let n = 0;
let failed = 0;
function ok(cond, what, detail) {
  n++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
  if (!cond) {
    failed++;
    if (detail) console.log(`# ${String(detail).split("\n").join("\n# ")}`);
  }
  return cond;
}
const note = (text) => console.log(`# ${text}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hermes-browser-'));
const home = path.join(tmp, 'home');
fs.mkdirSync(home, { mode: 0o700 });
const childEnv = Object.assign({}, process.env, {
  HERMES_HOME: home,
  HERMES_BACKEND_PATH: env('HERMES_TEST_BACKEND_DIRS'),
  HERMES_CLI_PATH: env('HERMES_TEST_HERMES'),
  HERMES_S6_BIN_DIR: env('HERMES_TEST_S6_BIN_DIR'),
  HERMES_SERVICE_MANAGER: 's6',
  HERMES_DASHBOARD_DIR: env('HERMES_TEST_DASHBOARD_DIR'),
  NO_COLOR: '1',
});
delete childEnv.HERMES_S6_SCANDIR;
delete childEnv.S6_PROFILE_GATEWAY_SCANDIR;
delete childEnv.GATEWAY_MULTIPLEX_PROFILES;

function hermes(...args) {
  return execFileSync(env('HERMES_TEST_HERMES'), args, {
    env: childEnv,
    encoding: 'utf8',
    timeout: 60000,
  });
}

// a line as the gateway's s6-log writes it (`T`: local time, two spaces), to its `current`
function appendLog(profile, texts) {
  const pad = (v, w) => String(v).padStart(w, '0');
  const d = new Date();
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.` +
    `${pad(d.getMilliseconds(), 3)}000000`;
  const file = path.join(home, 'logs', 'gateways', profile, 'current');
  fs.appendFileSync(file, texts.map((t) => `${stamp}  ${t}\n`).join(''));
}

function stateFile(profile) {
  const file = path.join(home, 'profiles', profile, 'gateway_state.json');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

async function waitFor(what, predicate, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// a request as a script or another site would send it, outside the page
function request(method, url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const children = [];
function start(cmd, args, extraEnv) {
  const child = spawn(cmd, args, {
    env: Object.assign({}, childEnv, extraEnv || {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.output = '';
  child.stdout.on('data', (d) => { child.output += d; });
  child.stderr.on('data', (d) => { child.output += d; });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  children.push(child);
  return child;
}

async function startBus() {
  const bus = start('dbus-daemon', ['--session', '--nofork', '--nosyslog', '--print-address=1']);
  const address = await waitFor('the session bus', () => {
    const line = bus.output.split('\n')[0];
    return bus.output.includes('\n') && line ? line.trim() : null;
  }, 10000);
  return address;
}

async function rowOf(page, profile) {
  return page.evaluate((p) => {
    const tr = document.querySelector(`tr.gateway[data-profile="${p}"]`);
    if (!tr) return null;
    const text = (cls) => tr.querySelector(`td.${cls}`).textContent;
    return {
      state: tr.dataset.state,
      pid: tr.dataset.pid,
      intent: text('intent'),
      pidCell: text('pid'),
      uptime: text('uptime'),
      since: tr.querySelector('td.uptime').title,
      ready: text('ready'),
      restarts: text('restarts'),
      port: text('port'),
      // the problem's own line, then its fix, as two texts
      problems: [...tr.querySelectorAll('ul.problems > li')].map((li) => ({
        text: li.firstChild ? li.firstChild.textContent : '',
        fix: li.querySelector('.fix') ? li.querySelector('.fix').textContent : null,
      })),
    };
  }, profile);
}

// a real click on a row's button; each update draws the row's buttons again,
// so one found just before an update is gone: look it up again (puppeteer
// checks the node is attached before it clicks, so nothing is clicked twice)
async function press(page, profile, action) {
  const selector = `tr.gateway[data-profile="${profile}"] button[data-action="${action}"]`;
  for (let attempt = 0; ; attempt++) {
    try {
      await page.click(selector);
      return;
    } catch (e) {
      if (attempt >= 20 || !/detached|not clickable/.test(String(e))) throw e;
      await sleep(50);
    }
  }
}

// a TCP port nobody listens on right now, for a profile's API_SERVER_PORT
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// seconds in the page's uptime text (`42s`, `3m 5s`, `2h 1m`, `1d 4h`)
function uptimeSeconds(text) {
  const units = { d: 86400, h: 3600, m: 60, s: 1 };
  const parts = text.trim().split(/\s+/);
  let total = 0;
  for (const part of parts) {
    const m = /^(\d+)([dhms])$/.exec(part);
    if (!m) return NaN;
    total += Number(m[1]) * units[m[2]];
  }
  return parts.length ? total : NaN;
}

// the row of the JSON API, as a script reads it
async function apiRow(url, token, profile) {
  const reply = await request('GET', `${url}api/gateways/${profile}`, { 'X-Hermes-Token': token });
  if (reply.status !== 200) throw new Error(`GET ${profile}: ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body);
}

// each rendered field of a row against the JSON API's row of the same moment
async function checkRowFields(page, url, token, profile, port) {
  const row = await rowOf(page, profile);
  const gw = await apiRow(url, token, profile);
  ok(row.pidCell === String(gw.pid) && row.pid === String(gw.pid) && gw.pid > 0,
    `${profile}: the pid column shows the pid`, `${row.pidCell} vs ${gw.pid}`);
  const ageS = (Date.now() * 1000 - gw.since_us) / 1e6;
  const shown = uptimeSeconds(row.uptime);
  ok(gw.since_us > 0 && Math.abs(shown - ageS) <= 2 && row.since.startsWith('since '),
    `${profile}: the uptime column shows the time since it came up`,
    `'${row.uptime}' (${shown} s) vs ${ageS.toFixed(1)} s; title '${row.since}'`);
  ok(gw.ready !== undefined && gw.ready !== null && row.ready === String(gw.ready) && row.ready !== '',
    `${profile}: the ready column shows ready`, `'${row.ready}' vs ${JSON.stringify(gw.ready)}`);
  ok(gw.restarts >= 0 && row.restarts === String(gw.restarts),
    `${profile}: the restarts column shows the restarts`, `'${row.restarts}' vs ${gw.restarts}`);
  ok(gw.port > 0 && row.port === String(gw.port) && (port === undefined || gw.port === port),
    `${profile}: the port column shows the port`, `'${row.port}' vs ${gw.port} (want ${port})`);
  return { row, gw };
}

// the columns of each row, as the JSON API has them at the same moment, and
// the planted port collision in the problems column with its fix
async function checkColumns(page, url, token, clashPort) {
  await checkRowFields(page, url, token, 'demo', clashPort);
  const secondFields = await checkRowFields(page, url, token, 'second');
  ok(secondFields.gw.port !== clashPort && secondFields.row.problems.length === 0,
    'second: another port, no problem listed', JSON.stringify(secondFields.row.problems));
  const demoProblems = (await rowOf(page, 'demo')).problems;
  const collision = demoProblems.find((p) => p.text.startsWith('port collision'));
  ok(collision !== undefined &&
    collision.text === `port collision: profiles clash and demo both use port ${clashPort} (API_SERVER_PORT)`,
    'demo: the problem column shows the port collision', JSON.stringify(demoProblems));
  ok(collision !== undefined && collision.fix ===
    `set a free API_SERVER_PORT in ${path.join(home, 'profiles', 'demo')}/.env, then: hermes -p demo gateway restart`,
    'demo: with the command that fixes it', JSON.stringify(collision));
  const clashRow = await rowOf(page, 'clash');
  ok(clashRow !== null && clashRow.problems.some((p) => p.text.startsWith('port collision') &&
    p.fix && p.fix.includes('hermes -p clash gateway restart')),
    'clash, never started, shows the same collision with its own fix', JSON.stringify(clashRow));
}

// Start on the stopped second, then Restart on demo, with the page's own buttons
async function startAndRestart(page, url, token) {
  // Start with the token: the page's own button on the stopped gateway
  await press(page, 'second', 'start');
  const started = await waitFor('second up again in the page', async () => {
    const now = await rowOf(page, 'second');
    return now && now.state === 'up' && now.pid && now.intent === 'running' ? now : null;
  }, 20000);
  ok(true, 'Start with the token starts the gateway; its row shows it up');
  const running = stateFile('second');
  ok(running.desired_state === 'running', 'the state file says running', running.desired_state);
  ok(started.pidCell === started.pid && started.uptime !== '',
    'the started row shows its pid and uptime', JSON.stringify(started));

  // Restart with the token: a new process, its uptime from the new start
  const old = await rowOf(page, 'demo');
  const oldGw = await apiRow(url, token, 'demo');
  // the uptime's title has whole seconds: let one pass since the last start
  await sleep(Math.max(0, 1100 - (Date.now() - oldGw.since_us / 1000)));
  await press(page, 'demo', 'restart');
  const restarted = await waitFor('demo restarted in the page', async () => {
    const now = await rowOf(page, 'demo');
    return now && now.state === 'up' && now.pid && now.pid !== old.pid ? now : null;
  }, 20000);
  ok(restarted.pidCell === restarted.pid && restarted.pid !== old.pid,
    'Restart with the token: the row shows a new pid', `${old.pid} -> ${restarted.pid}`);
  const newGw = await apiRow(url, token, 'demo');
  ok(newGw.since_us > oldGw.since_us && restarted.since !== old.since,
    'the uptime counts from the new start', `${old.since} -> ${restarted.since}`);
  ok(uptimeSeconds(restarted.uptime) <= 2, 'and is short', restarted.uptime);
  note(`restarts column: ${old.restarts} before Restart, ${restarted.restarts} after`);
  ok(restarted.restarts === String(newGw.restarts) && Number(restarted.restarts) >= Number(old.restarts),
    'the restarts column follows the restart', `${old.restarts} -> ${restarted.restarts} vs ${newGw.restarts}`);
  ok(stateFile('demo').desired_state === 'running', 'demo still meant to run after Restart');
  const noticeShown = await page.$eval('#notice', (e) => (e.hidden ? '' : e.textContent));
  ok(noticeShown === '', 'Start and Restart leave no error notice', noticeShown);
}

// the open Log panel of demo follows its log: no reload, no request but its stream
async function liveLog(page, url, requests) {
  const pre = 'tr.gateway[data-profile="demo"] + tr.log pre';
  const logText = () => page.$eval(pre, (e) => e.textContent);
  const logRequests = () => requests.filter((r) => r.url.includes('/log')).map((r) => r.url);
  const opened = logRequests();
  ok(opened.length === 1 && opened[0].endsWith('/api/gateways/demo/log?n=50&follow=1'),
    'the open Log reads one follow stream', JSON.stringify(opened));
  const before = requests.length;
  const fresh = `a line written after the panel opened ${Date.now()}`;
  const t0 = Date.now();
  appendLog('demo', [fresh]);
  let latency = null;
  try {
    await waitFor('the new line in the panel', async () => (await logText()).includes(fresh), 2000);
    latency = Date.now() - t0;
  } catch (e) {
    note(await logText());
  }
  ok(latency !== null && latency <= 2000, 'a new log line shows in the open panel within 2 s',
    `latency ${latency}`);
  note(`log line latency: ${latency} ms`);
  ok(requests.length === before, 'without a reload or another request',
    JSON.stringify(requests.slice(before)));
  // a burst: the newest 50 lines stay, the oldest go
  const burst = Array.from({ length: 60 }, (_, i) => `burst line ${i}`);
  appendLog('demo', burst);
  const shown = await waitFor('the burst in the panel', async () => {
    const text = await logText();
    return text.includes('burst line 59') ? text : null;
  }, 5000).catch(() => null);
  const lines = shown ? shown.split('\n').filter((l) => l !== '') : [];
  ok(shown !== null && lines.length === 50 && lines[49].endsWith('burst line 59') &&
    !/burst line 9$/m.test(shown) && !shown.includes(fresh),
    'the panel keeps the newest 50 lines', shown);
  // closing the panel ends its stream; opening it again reads the lines anew
  await page.click('tr.gateway[data-profile="demo"] button[data-action="log"]');
  const hidden = await page.$eval('tr.gateway[data-profile="demo"] + tr.log', (e) => e.hidden);
  ok(hidden, 'Log again closes the panel');
  await page.click('tr.gateway[data-profile="demo"] button[data-action="log"]');
  const again = await waitFor('the panel open again', async () => {
    const text = await logText();
    return text.includes('burst line 59') ? text : null;
  }, 10000).catch(() => null);
  ok(again !== null && logRequests().length === 2, 'and Log opens it again with a new stream',
    JSON.stringify(logRequests()));
}

async function main() {
  let browser = null;
  let svcd = null;
  let url = null;
  let token = null;
  let clashPort = null;
  try {
    // demo and clash (never started) ask for the same API_SERVER_PORT: both
    // rows carry a port-collision problem with its fix; demo listens there
    clashPort = await freePort();
    for (const profile of ['demo', 'second', 'clash']) hermes('profile', 'create', profile);
    for (const profile of ['demo', 'clash']) {
      fs.appendFileSync(path.join(home, 'profiles', profile, '.env'), `API_SERVER_PORT=${clashPort}\n`);
    }
    for (const profile of ['demo', 'second']) hermes('-p', profile, 'gateway', 'start');
    const bus = await startBus();
    svcd = start(env('HERMES_TEST_SVCD'), ['--session', '--http', '127.0.0.1:0', '--verbose'], {
      DBUS_SESSION_BUS_ADDRESS: bus,
    });
    await waitFor('hermes-svcd to serve', () => fs.existsSync(path.join(home, 'dashboard.url')) &&
      svcd.output.includes('serving'), 20000);
    const printed = hermes('dashboard', 'url').trim();
    const match = /^(http:\/\/127\.0\.0\.1:\d+\/)#token=([0-9a-f]{64})$/.exec(printed);
    ok(match !== null, '`hermes dashboard url` prints the address with the token in the fragment', printed);
    url = match[1];
    token = match[2];
    const mode = fs.statSync(path.join(home, 'dashboard.token')).mode & 0o777;
    ok(mode === 0o600, 'the token file is 0600', mode.toString(8));

    const profileDir = path.join(tmp, 'chromium');
    browser = await puppeteer.launch({
      executablePath: process.env.HERMES_TEST_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      userDataDir: profileDir,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 600 });
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    const requests = [];
    page.on('request', (r) => requests.push({ t: Date.now(), url: r.url(), method: r.method() }));

    await page.goto(`${url}#token=${token}`, { waitUntil: 'domcontentloaded' });
    await waitFor('both rows up', async () => {
      const a = await rowOf(page, 'demo');
      const b = await rowOf(page, 'second');
      return a && b && a.state === 'up' && b.state === 'up' && a.pid && b.pid;
    }, 20000);
    ok(true, 'the page lists both gateways, up');
    const hash = await page.evaluate(() => window.location.hash);
    ok(hash === '', 'the token leaves the address bar once read', hash);
    const backend = await page.$eval('#backend', (e) => e.textContent);
    const modeText = await page.$eval('#mode', (e) => e.textContent);
    ok(backend === 's6' && modeText === 'embedded', 'the page names the backend and its mode', `${backend} ${modeText}`);

    await checkColumns(page, url, token, clashPort);

    // idle: the open event stream is the only request
    const before = requests.length;
    await sleep(2500);
    ok(requests.length === before, 'no request while nothing changes (no polling)',
      JSON.stringify(requests.slice(before)));

    // kill -9: the supervisor restarts it, the row follows without a reload
    const demo = await rowOf(page, 'demo');
    const navigations = requests.filter((r) => r.url === url).length;
    const t0 = Date.now();
    process.kill(Number(demo.pid), 'SIGKILL');
    let latency = null;
    try {
      await waitFor('the demo row to change', async () => {
        const now = await rowOf(page, 'demo');
        return now && (now.pid !== demo.pid || now.state !== 'up');
      }, 1000);
      latency = Date.now() - t0;
    } catch (e) {
      latency = null;
    }
    ok(latency !== null && latency <= 1000, 'kill -9 updates the row within 1 s', `latency ${latency}`);
    note(`row update latency after kill -9: ${latency} ms`);
    ok(requests.filter((r) => r.url === url).length === navigations, 'without a reload');
    await waitFor('demo up again', async () => {
      const now = await rowOf(page, 'demo');
      return now && now.state === 'up' && now.pid && now.pid !== demo.pid;
    }, 20000);
    ok(true, 'the row shows the new process up');
    const afterKill = await waitFor('demo restarts counted', async () => {
      const now = await rowOf(page, 'demo');
      return now && Number(now.restarts) >= 1 ? now : null;
    }, 5000).catch(() => null);
    ok(afterKill !== null, 'the restarts column counts the kill -9', afterKill && afterKill.restarts);

    // refusals: nothing changes
    const stopUrl = `${url}api/gateways/second/stop`;
    const noToken = await page.evaluate(async (u) => {
      const r = await fetch(u, { method: 'POST' });
      return r.status;
    }, stopUrl);
    ok(noToken === 401, 'a POST from the page without the token is refused (401)', noToken);
    const foreign = await request('POST', stopUrl, {
      'X-Hermes-Token': token,
      Origin: 'http://evil.example',
    });
    ok(foreign.status === 403, 'a POST with the token but another Origin is refused (403)', foreign.status);
    const crossSite = await request('POST', stopUrl, {
      'X-Hermes-Token': token,
      'Sec-Fetch-Site': 'cross-site',
    });
    ok(crossSite.status === 403, 'a POST a browser marks cross-site is refused (403)', crossSite.status);
    const wrongToken = await request('POST', stopUrl, { 'X-Hermes-Token': '0'.repeat(64) });
    ok(wrongToken.status === 401, 'a POST with a wrong token is refused (401)', wrongToken.status);
    const asGet = await request('GET', stopUrl, { 'X-Hermes-Token': token });
    ok(asGet.status === 405, 'an action as GET is refused (405)', asGet.status);
    await sleep(300);
    const still = stateFile('second');
    const row = await rowOf(page, 'second');
    ok(still.desired_state === 'running' && row.state === 'up',
      'after the refusals the gateway still runs (state file and row)',
      `${still.desired_state} ${row.state}`);

    // Stop with the token: the page's own button
    await page.click('tr.gateway[data-profile="second"] button[data-action="stop"]');
    await waitFor('second stopped in the page', async () => {
      const now = await rowOf(page, 'second');
      return now && now.state !== 'up' && now.intent === 'stopped';
    }, 20000);
    ok(true, 'Stop with the token stops the gateway; its row says so');
    const stopped = stateFile('second');
    ok(stopped.desired_state === 'stopped', 'the state file says stopped', stopped.desired_state);

    await startAndRestart(page, url, token);

    // the log tail
    await page.click('tr.gateway[data-profile="demo"] button[data-action="log"]');
    const logText = await waitFor('the log tail', async () => {
      const text = await page.$eval('tr.gateway[data-profile="demo"] + tr.log pre', (e) => e.textContent);
      return text.includes("profile 'demo'") ? text : null;
    }, 10000);
    ok(logText.includes('listening on 127.0.0.1:'), 'Log shows the gateway log', logText);
    await liveLog(page, url, requests);

    const logs = path.join(env('HERMES_TEST_BUILD_ROOT'), 'meson-logs');
    fs.mkdirSync(logs, { recursive: true });
    const shot = path.join(logs, 'dashboard-browser.png');
    await page.screenshot({ path: shot, fullPage: true });
    ok(fs.statSync(shot).size > 1000, `a screenshot is saved (${shot})`);
    ok(consoleErrors.filter((e) => !/401|Unauthorized/.test(e)).length === 0,
      'the page logs no error', consoleErrors.join('\n'));
  } catch (e) {
    ok(false, 'the run went through', e.stack);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (svcd) {
      svcd.kill('SIGTERM');
      const { code } = await svcd.exited;
      ok(code === 0, 'hermes-svcd exits 0 on SIGTERM', svcd.output);
      ok(!fs.existsSync(path.join(home, 'dashboard.url')), 'and forgets its address');
    }
    try { hermes('supervisor', 'stop'); } catch (e) { note(`supervisor stop: ${e}`); }
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

main();
