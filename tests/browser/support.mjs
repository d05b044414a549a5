// Shared support for the browser tests: the real server binary, Debian's headless Chromium,
// the catalogs and screenshots. Not a test file itself (the runner only picks up *.test.mjs).
//
// TANDEM_BIN          the server binary (default build/tandem)
// TANDEM_SCREENSHOTS  where screenshots go (default build/screenshots)
// CHROMIUM_BIN        the browser (default /usr/bin/chromium)
//
// A test file launches the browser once and closes it at the end:
//
//   before(launchBrowser);
//   after(closeBrowser);
//
// and each test takes a fresh server and page with `await open(t)`.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The server binary under test. */
export const BIN = path.resolve(process.env.TANDEM_BIN || path.join(ROOT, 'build', 'tandem'));
/** Where screenshots go. */
export const SHOTS = path.resolve(process.env.TANDEM_SCREENSHOTS || path.join(ROOT, 'build', 'screenshots'));
/** The Chromium executable. */
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
/** How long the server may take to print its address. */
export const STARTUP_MS = 20_000;
/** The default timeout of every page action and wait. */
export const STEP_MS = 10_000;

// ---- Catalogs ---------------------------------------------------------------------------------

/** The catalog locales/<locale>/<name>.arb as an object; {} when there is no such file. */
export function readArb(locale, name) {
  const file = path.join(ROOT, 'locales', locale, `${name}.arb`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
}

/** Simple {name} substitution; enough for the messages checked here (no plurals). */
export function fill(pattern, args = {}) {
  assert.equal(typeof pattern, 'string', 'message missing from the catalog');
  return pattern.replace(/''/g, "'").replace(/\{(\w+)\}/g, (_, name) => String(args[name] ?? ''));
}

// ---- The server -------------------------------------------------------------------------------

/**
 * Starts `tandem serve --port 0 --data <fresh temporary folder> ...extraArgs` and waits for the
 * address it prints. Returns { url, origin, stop, kill, output }: `stop` ends the server (SIGTERM,
 * then SIGKILL after 5 s) and removes its data folder; `kill` is the abrupt SIGKILL; `output` is
 * everything the server has printed so far.
 */
export async function startServer(extraArgs = []) {
  assert.ok(fs.existsSync(BIN), `server binary not found at ${BIN} (build it, or set TANDEM_BIN)`);
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-browser-'));
  const child = spawn(BIN, ['serve', '--port', '0', '--data', data, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${STARTUP_MS} ms:\n${output}`));
    }, STARTUP_MS);
    const look = (chunk) => {
      output += chunk;
      // Only whole lines: a chunk may end in the middle of the address.
      const match = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(output.slice(0, output.lastIndexOf('\n') + 1));
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', look);
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(data, { recursive: true, force: true });
  };
  const kill = () => child.kill('SIGKILL');
  return { url, origin: new URL(url).origin, stop, kill, output: () => output };
}

// ---- The browser ------------------------------------------------------------------------------

let browser;
/** Servers started by open() and not yet stopped. */
const running = new Set();
// Should the runner exit abruptly, leave no server behind.
process.on('exit', () => {
  for (const server of running) server.kill();
});

/** Creates the screenshot folder and launches headless Chromium; for `before`. */
export async function launchBrowser() {
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Closes the browser and stops every server still running (a test that failed half-way); for `after`. */
export async function closeBrowser() {
  await browser?.close();
  for (const server of running) await server.stop();
}

/**
 * A fresh server (started with `serverArgs`) and a page on it, both closed when test `t` ends,
 * pass or fail. Returns { server, page, foreign, problems, inputs, views }:
 *   foreign   every request the page made to anywhere but that server (should stay empty);
 *   problems  page errors and Content Security Policy violations (should stay empty);
 *   inputs    the JSON body of every answer POSTed to …/input, in order;
 *   views     the address of every partner's view the page asked for (GET /api/sessions/{id}).
 * `locale` is the browser's language (Accept-Language, so the page's suggested language).
 * `reducedMotion` is 'reduce' unless a test wants to see motion ('no-preference'): reduced motion
 * means no smooth scrolling or fades half-way through a screenshot.
 */
export async function open(t, { serverArgs = [], reducedMotion = 'reduce', locale = 'en-US',
  viewport = { width: 900, height: 900 } } = {}) {
  assert.ok(browser, 'launchBrowser() must run first (in `before`)');
  const server = await startServer(serverArgs);
  running.add(server);
  const context = await browser.newContext({ viewport, locale, reducedMotion });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const foreign = [];
  const problems = [];
  const inputs = [];
  const views = [];
  page.on('request', (request) => {
    const url = request.url();
    if (url === 'about:blank') return;
    if (new URL(url).origin !== server.origin) foreign.push(url);
    if (request.method() === 'POST' && /\/input$/.test(new URL(url).pathname)) inputs.push(request.postDataJSON());
    if (request.method() === 'GET' && /^\/api\/sessions\/[^/]+$/.test(new URL(url).pathname)) views.push(url);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (process.env.DEBUG_CONSOLE) console.log(message.text());
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`CSP: ${message.text()}`);
    }
  });
  t.after(async () => {
    await context.close();
    await server.stop();
    running.delete(server);
  });
  await page.goto(server.url);
  return { server, page, foreign, problems, inputs, views };
}

/** A screenshot into SHOTS; with `fullPage`, taken from the top of the page. */
export async function shot(page, name, options = {}) {
  // A full-page capture with a sticky header comes out right only from the top of the page.
  if (options.fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, name), ...options });
}

/**
 * Waits until the page is idle and shows a new question (a different input key than
 * `previousKey`) or another screen than the chat; with `orPause`, also when the pause panel opens.
 */
export async function waitForQuestion(page, previousKey, { orPause = false } = {}) {
  await page.waitForFunction(
    ([key, pause]) => {
      const body = document.body;
      if (body.dataset.state !== 'idle') return false;
      if (body.dataset.screen !== 'chat') return true;
      if (pause && !document.getElementById('pause-panel').hidden) return true;
      const current = document.getElementById('input-area').dataset.key;
      return Boolean(current) && current !== key;
    },
    [previousKey, orPause],
  );
}

/** What the page is asking right now: screen, question, whose turn, language and direction. */
export async function describeInput(page) {
  return page.evaluate(() => {
    const area = document.getElementById('input-area');
    const handoff = document.getElementById('handoff');
    return {
      screen: document.body.dataset.screen,
      key: area.dataset.key ?? null,
      step: area.dataset.step ?? null,
      type: area.dataset.type ?? null,
      viewer: area.dataset.viewer ?? null,
      speaker: area.dataset.speaker ?? null,
      lang: document.documentElement.lang,
      dir: document.documentElement.dir,
      prompt: area.querySelector('.prompt')?.textContent ?? null,
      options: [...area.querySelectorAll('button.choice')].map((b) => b.textContent),
      turn: document.getElementById('turn-label')?.textContent.trim() ?? null,
      handoff: !handoff || handoff.hidden ? null : handoff.textContent.trim(),
      focusInside: area.contains(document.activeElement),
    };
  });
}

/** Waits for the next question (see waitForQuestion) and describes it. */
export async function nextInput(page, previousKey) {
  await waitForQuestion(page, previousKey);
  return describeInput(page);
}

// ---- More browsers on the same server (a second device) ---------------------------------------

/**
 * Another browser context on a server that open() started: a separate browser, sharing no
 * cookies or storage with the first, that opens `url` (e.g. a pairing link). Closed when test
 * `t` ends. Returns { context, page, foreign, problems }.
 */
export async function openAnother(t, server, url, { locale = 'en-US', reducedMotion = 'reduce',
  viewport = { width: 900, height: 900 } } = {}) {
  assert.ok(browser, 'launchBrowser() must run first (in `before`)');
  const context = await browser.newContext({ viewport, locale, reducedMotion });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const foreign = [];
  const problems = [];
  page.on('request', (request) => {
    const address = request.url();
    if (address !== 'about:blank' && new URL(address).origin !== server.origin) foreign.push(address);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`CSP: ${message.text()}`);
    }
  });
  t.after(() => context.close());
  await page.goto(url);
  return { context, page, foreign, problems };
}

// ---- The API, from inside a signed-in page ----------------------------------------------------

/**
 * One API call made by the page itself (its cookie, its origin), with the CSRF token and a
 * fresh Idempotency-Key on a POST. Returns { status, body }.
 */
export async function apiCall(page, method, path, body = undefined) {
  return page.evaluate(async ([verb, address, payload]) => {
    const headers = { Accept: 'application/json' };
    if (verb === 'POST') {
      const csrf = await (await fetch('/api/csrf')).json();
      Object.assign(headers, { 'Content-Type': 'application/json', 'X-Tandem-CSRF': csrf.csrf,
        'Idempotency-Key': crypto.randomUUID() });
    }
    const response = await fetch(address, { method: verb, headers,
      body: payload === undefined ? undefined : JSON.stringify(payload) });
    const text = await response.text();
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  }, [method, path, body]);
}

/**
 * Starts a session through the API and answers for both partners until it ends (or until
 * `stopWhen(view)` is true). `answerFor(input, partner, view)` gives a value, or undefined
 * for the defaults: the first option, the top of a scale, "yes" to every item of a list, and
 * `typed text (step, partner)` for text. Returns the last view seen.
 */
export async function walkSession(page, { flow, partners, answerFor = () => undefined, stopWhen = () => false,
  sessionId = null }) {
  let view;
  if (sessionId) {
    view = (await apiCall(page, 'GET', `/api/sessions/${sessionId}?partner=a`)).body;
  } else {
    const started = await apiCall(page, 'POST', '/api/sessions', { flow, partners });
    assert.equal(started.status, 201, `session started: ${JSON.stringify(started.body)}`);
    view = started.body;
  }
  for (let turn = 0; turn < 200; turn++) {
    if (view.status !== 'active' || stopWhen(view)) return view;
    const partner = view.awaiting?.[0];
    assert.ok(partner, `someone is awaited at step ${view.progress?.step}`);
    if (view.viewer !== partner) view = (await apiCall(page, 'GET', `/api/sessions/${view.id}?partner=${partner}`)).body;
    if (stopWhen(view)) return view;
    const input = view.input;
    let value = answerFor(input, partner, view);
    if (value === undefined) {
      if (input.type === 'text') value = `typed text (${input.step}, ${partner})`;
      else if (input.type === 'scale') value = input.max;
      else if (input.type === 'list') value = input.items.map(() => 'yes');
      else if (input.type === 'multi') value = input.options.slice(0, Math.max(1, input.min)).map((o) => o.value);
      else value = input.options[0].value;
    }
    const answered = await apiCall(page, 'POST', `/api/sessions/${view.id}/input`,
      { partner, value, seq: view.seq });
    assert.equal(answered.status, 200, `answer at ${input.step}: ${JSON.stringify(answered.body)}`);
    view = answered.body;
  }
  assert.fail('the session did not end within 200 answers');
}

// ---- Accessibility ----------------------------------------------------------------------------

const AXE = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', 'axe-core',
  'axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.x A and AA rules, plus best practices) on what the page shows now and
 * returns the serious and critical violations, each as "rule: target (summary)". axe is
 * evaluated through the DevTools protocol, which the page's Content Security Policy doesn't
 * apply to; the page itself never loads it.
 */
export async function axeViolations(page) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.target.join(' ')} (${node.failureSummary?.split('\n')[1]?.trim() ?? v.help})`));
  });
}
