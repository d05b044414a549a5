// End-to-end: languages and writing directions. Two partners on one shared device, one reading
// Japanese and one Arabic, walk "feel-prefer-try"; then the pseudo-locales (en-XA: accented and
// about 40% longer; ar-XB: right to left) are walked at phone width to catch clipped or
// overflowing layouts. Debian's headless Chromium, against the real server binary.
//
//   node --test tests/browser/            (from the repository root)
//
// TANDEM_BIN          the server binary (default build/tandem)
// TANDEM_SCREENSHOTS  where screenshots go (default build/screenshots)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeBrowser,
  fill,
  launchBrowser,
  open,
  readArb,
  shot,
  nextInput,
} from './support.mjs';

// ---- Catalogs: what each partner must read, from the same files the server embeds ------------

const flowEn = readArb('en', 'feel-prefer-try');
const uiEn = readArb('en', 'ui');
const flowJa = { ...flowEn, ...readArb('ja', 'feel-prefer-try') };
const uiJa = { ...uiEn, ...readArb('ja', 'ui') };
const flowAr = { ...flowEn, ...readArb('ar', 'feel-prefer-try') };
const uiAr = { ...uiEn, ...readArb('ar', 'ui') };

/** The direction of a text by its first strong character, as the server decides it: 'rtl', 'ltr' or ''. */
function baseDirection(text) {
  for (const c of text) {
    if (/[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u.test(c)) return 'rtl';
    if (/\p{L}/u.test(c)) return 'ltr';
  }
  return '';
}

/**
 * A message as the server renders it for a reader: each argument whose direction differs from the
 * reader's is wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so that a Japanese name
 * in an Arabic sentence (or the other way round) can't reorder the words around it.
 */
function rendered(pattern, args, readerDir) {
  const isolated = {};
  for (const [name, value] of Object.entries(args)) {
    const dir = baseDirection(String(value));
    isolated[name] = dir && dir !== readerDir ? `\u2068${value}\u2069` : value;
  }
  return fill(pattern, isolated);
}

/**
 * The en-XA pseudo-translation of an English pattern with plain {name} arguments, as the server
 * makes it: in each literal run the letters a c e i n o s u y (and capitals) get accents, and
 * one "·" per 2.5 letters is added; the whole message is bracketed.
 */
function pseudoXA(pattern) {
  const plain = 'aceinosuyACEINOSUY';
  const fancy = 'àçéîñöšûýÀÇÉÎÑÖŠÛÝ';
  const literal = (text) => {
    const letters = [...text].filter((c) => /\p{L}/u.test(c)).length;
    return [...text].map((c) => (plain.includes(c) ? fancy[plain.indexOf(c)] : c)).join('')
      + '·'.repeat(Math.floor((letters * 2 + 4) / 5));
  };
  return `[${pattern.split(/(\{\w+\})/).map((part, i) => (i % 2 ? part : literal(part))).join('')}]`;
}

// ---- The browser ------------------------------------------------------------------------------

before(launchBrowser);
after(closeBrowser);

// ---- Page helpers -----------------------------------------------------------------------------


async function setUp(page, { names, locales, pageLocale = null }) {
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  if (pageLocale) {
    await page.selectOption('#page-locale', pageLocale);
    await page.waitForFunction((tag) => document.documentElement.lang === tag, pageLocale);
  }
  await page.fill('#name-a', names.a);
  await page.fill('#name-b', names.b);
  await page.selectOption('#locale-a', locales.a);
  await page.selectOption('#locale-b', locales.b);
  await page.check('input[name="flow"][value="feel-prefer-try"]');
}

async function start(page) {
  await page.click('#start-button');
  await page.waitForSelector('body[data-screen="chat"][data-state="idle"]');
}

async function choose(page, label) {
  await page.locator('#input-area').getByRole('button', { name: label, exact: true }).click();
}

async function type(page, text) {
  await page.fill('#answer-text', text);
  await page.click('#input-area button[type="submit"]');
}

/** The header buttons as shown. */
async function header(page) {
  return page.evaluate(() => ['pause-button', 'stop-button', 'quick-exit']
    .map((id) => document.getElementById(id).textContent.trim()));
}

/**
 * What overflows the width of the window: the page itself, any button whose text doesn't fit
 * inside it, and any visible element that reaches past either edge.
 */
async function overflow(page) {
  return page.evaluate(() => {
    const shown = (node) => node.getClientRects().length > 0 && !node.closest('.visually-hidden, [hidden]');
    const name = (node) => `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''}`
      + `${node.classList.length ? `.${[...node.classList].join('.')}` : ''} “${node.textContent.trim().slice(0, 40)}”`;
    const width = window.innerWidth;
    return {
      page: document.documentElement.scrollWidth - width,
      clipped: [...document.querySelectorAll('button, .button-link')].filter(shown)
        .filter((b) => b.scrollWidth > b.clientWidth + 1)
        .map((b) => `${name(b)}: ${b.scrollWidth} > ${b.clientWidth}`),
      outside: [...document.querySelectorAll('body *')].filter(shown).filter((node) => {
        const box = node.getBoundingClientRect();
        return box.width > 0 && (box.left < -1 || box.right > width + 1);
      }).map((node) => {
        const box = node.getBoundingClientRect();
        return `${name(node)}: ${Math.round(box.left)}…${Math.round(box.right)}`;
      }),
    };
  });
}

async function assertFits(page, where) {
  const found = await overflow(page);
  assert.ok(found.page <= 0, `${where}: the page is ${found.page} px wider than the window`);
  assert.deepEqual(found.clipped, [], `${where}: every button shows all of its text`);
  assert.deepEqual(found.outside, [], `${where}: nothing reaches past the edges of the window`);
}

/** A viewport screenshot at phone width with the question in view, then back to desktop width. */
async function phoneShot(page, name) {
  await page.setViewportSize({ width: 360, height: 780 });
  await page.locator('#input-area').scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollBy(0, window.innerHeight));
  await shot(page, name);
  await page.setViewportSize({ width: 900, height: 900 });
}

// ---- Test 1: Japanese and Arabic on one device -----------------------------------------------

test('Japanese and Arabic partners share a device: language and direction follow the turn', async (t) => {
  const { page, foreign, problems } = await open(t);
  const names = { a: 'さくら', b: 'ليلى' };
  await setUp(page, { names, locales: { a: 'ja', b: 'ar' } });
  await start(page);

  // ---- Sakura's turn: the page is Japanese, left to right ------------------------------------
  let input = await nextInput(page, null);
  assert.deepEqual([input.step, input.type, input.viewer, input.lang, input.dir],
    ['good-time', 'choice', 'a', 'ja', 'ltr']);
  assert.deepEqual(await header(page), [uiJa['ui.header.pause'], uiJa['ui.header.stop'], uiJa['ui.quick_exit']]);
  assert.equal((await page.textContent('#flow-title')).trim(), flowJa.title);
  assert.equal(input.turn, fill(uiJa['ui.turn.yours'], { name: names.a }));
  assert.equal(input.prompt, flowJa['good_time.prompt']);
  assert.deepEqual(input.options, [flowJa['good_time.yes'], flowJa['good_time.later']]);
  let thread = await page.textContent('#thread');
  assert.ok(thread.includes(rendered(flowJa.welcome, names, 'ltr')), 'the welcome, in Japanese (Layla’s name isolated)');
  assert.ok(thread.includes(flowJa.not_therapy));
  await choose(page, flowJa['good_time.yes']);

  // ---- Layla's turn: the same page switches to Arabic, right to left ---------------------------
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer, input.lang, input.dir],
    ['good-time', 'choice', 'b', 'ar', 'rtl']);
  assert.deepEqual(await header(page), [uiAr['ui.header.pause'], uiAr['ui.header.stop'], uiAr['ui.quick_exit']]);
  assert.equal((await page.textContent('#flow-title')).trim(), flowAr.title);
  assert.equal(input.turn, fill(uiAr['ui.turn.yours'], { name: names.b }));
  assert.equal(input.handoff, fill(uiAr['ui.turn.handoff'], { name: names.b }), 'the device is to be passed to Layla');
  assert.equal(input.prompt, flowAr['good_time.prompt']);
  assert.deepEqual(input.options, [flowAr['good_time.yes'], flowAr['good_time.later']]);
  thread = await page.textContent('#thread');
  assert.ok(thread.includes(rendered(flowAr.welcome, names, 'rtl')), 'the welcome, in Arabic (Sakura’s name isolated)');
  assert.ok(!thread.includes(flowJa.not_therapy), 'nothing Japanese is left from Sakura’s view');
  await choose(page, flowAr['good_time.yes']);

  // ---- Sakura speaks, in Japanese ----------------------------------------------------------------
  const feeling = '少し寂しい';
  const situation = '夕食のあいだ二人ともスマホを見ている';
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer, input.lang, input.dir], ['feel', 'text', 'a', 'ja', 'ltr']);
  assert.equal(input.prompt, rendered(flowJa['feel.prompt'], { speaker: names.a }, 'ltr'));
  assert.ok((await page.textContent('#thread')).includes(rendered(flowJa.roles, { speaker: names.a, listener: names.b }, 'ltr')));
  assert.equal((await page.textContent('#input-area button[type="submit"]')).trim(), uiJa['ui.input.send']);
  await type(page, feeling);
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.viewer], ['when', 'a']);
  assert.equal(input.prompt, flowJa['when.prompt']);
  await type(page, situation);

  // ---- Layla mirrors, in Arabic, on an Arabic page that shows Sakura's Japanese answers ------------
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer, input.lang, input.dir], ['mirror', 'text', 'b', 'ar', 'rtl']);
  assert.equal(input.prompt, rendered(flowAr['mirror.prompt'], { listener: names.b, speaker: names.a }, 'rtl'));
  assert.ok((await page.textContent('#thread')).includes(
    rendered(flowAr.statement, { speaker: names.a, feeling, situation }, 'rtl')), 'the statement, in Arabic');
  const japanese = page.locator('#thread .entry-input.by-a .bubble', { hasText: feeling });
  assert.equal(await japanese.getAttribute('lang'), 'ja', 'Sakura’s answer keeps her language in Layla’s view');
  assert.equal(await japanese.evaluate((node) => getComputedStyle(node).direction), 'ltr',
    'and runs left to right inside the Arabic page');
  const mirrored = 'إن فهمتُكِ جيدًا، تشعرين ببعض الوحدة عندما ننظر إلى هاتفَينا أثناء العشاء.';
  await page.fill('#answer-text', mirrored);
  await shot(page, 'locale-ar.png', { fullPage: true });
  await phoneShot(page, 'locale-ar-360.png');
  await page.click('#input-area button[type="submit"]');

  // ---- Sakura checks, in Japanese; Layla's Arabic answer reads right to left --------------------------
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer, input.lang, input.dir], ['mirror', 'choice', 'a', 'ja', 'ltr']);
  assert.equal(input.prompt, rendered(flowJa['mirror.check'], { speaker: names.a, listener: names.b }, 'ltr'));
  assert.deepEqual(input.options, [flowJa['mirror.got_it'], flowJa['mirror.more']]);
  assert.equal(input.handoff, fill(uiJa['ui.turn.handoff'], { name: names.a }));
  const arabic = page.locator('#thread .entry-input.by-b .bubble', { hasText: mirrored });
  assert.equal((await arabic.textContent()), mirrored, 'exactly as Layla typed it');
  assert.equal(await arabic.getAttribute('lang'), 'ar');
  const shown = await arabic.evaluate((node) => ({
    direction: getComputedStyle(node).direction,
    rtl: node.matches(':dir(rtl)'),
    pageDir: getComputedStyle(document.body).direction,
  }));
  assert.deepEqual(shown, { direction: 'rtl', rtl: true, pageDir: 'ltr' },
    'the Arabic answer runs right to left inside the left-to-right Japanese page');
  // The server marks it so: typed, and right to left.
  const session = await page.evaluate(() => /#session=([^&]+)/.exec(location.hash)[1]);
  const viewA = await (await page.request.get(new URL(`/api/sessions/${session}?partner=a`, page.url()).href)).json();
  const entry = viewA.thread.find((item) => item.text === mirrored);
  assert.equal(viewA.locale, 'ja');
  assert.deepEqual([entry?.typed, entry?.text_dir, entry?.by], [true, 'rtl', 'b']);
  assert.deepEqual(viewA.thread.filter((item) => item.typed).map((item) => [item.text, item.text_dir]),
    [[feeling, 'ltr'], [situation, 'ltr'], [mirrored, 'rtl']]);
  await shot(page, 'locale-ja.png', { fullPage: true });

  // ---- Sakura stops: the end and the transcript read in Japanese ---------------------------------------
  await page.click('#stop-button');
  await page.waitForSelector('body[data-screen="ended"][data-state="idle"]');
  await page.waitForFunction(() => document.querySelectorAll('#transcript li').length > 0);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
  assert.equal((await page.textContent('#ended-title')).trim(), uiJa['ui.ended.stopped']);
  const stopped = rendered(uiJa['engine.stopped'], { name: names.a }, 'ltr');
  assert.equal((await page.textContent('#ended-message')).trim(), stopped);
  assert.equal(await page.getAttribute('#transcript', 'lang'), 'ja');
  let transcript = await page.textContent('#transcript');
  for (const text of [rendered(flowJa.welcome, names, 'ltr'), flowJa['good_time.prompt'],
    rendered(flowJa.statement, { speaker: names.a, feeling, situation }, 'ltr'), stopped, feeling, situation, mirrored]) {
    assert.ok(transcript.includes(text), `the Japanese transcript has “${text}”`);
  }
  assert.ok(!transcript.includes(flowAr['good_time.prompt']), 'no Arabic guide text in the Japanese transcript');
  assert.ok(transcript.includes(uiJa['ui.transcript.guide']));
  const arabicTurn = page.locator('#transcript .turn-text').getByText(mirrored, { exact: true });
  assert.equal(await arabicTurn.getAttribute('lang'), 'ar', 'Layla’s answer is marked as Arabic');
  assert.equal(await arabicTurn.evaluate((node) => getComputedStyle(node).direction), 'rtl',
    'and runs right to left in the Japanese transcript too');
  assert.match(await page.getAttribute('#download-link', 'href'), /\/transcript\.md\?locale=ja$/);

  // Layla may read it in Arabic: the page and the transcript switch.
  await page.selectOption('#transcript-locale', 'ar');
  await page.waitForFunction(() => document.getElementById('transcript').lang === 'ar'
    && document.documentElement.dir === 'rtl');
  assert.equal((await page.textContent('#ended-title')).trim(), uiAr['ui.ended.stopped']);
  transcript = await page.textContent('#transcript');
  assert.ok(transcript.includes(rendered(flowAr.welcome, names, 'rtl')), 'the Arabic transcript has the Arabic welcome');
  assert.ok(transcript.includes(feeling) && transcript.includes(mirrored), 'and both answers as typed');
  const japaneseTurn = page.locator('#transcript .turn-text').getByText(feeling, { exact: true });
  assert.equal(await japaneseTurn.getAttribute('lang'), 'ja');
  assert.equal(await japaneseTurn.evaluate((node) => getComputedStyle(node).direction), 'ltr',
    'Sakura’s answer runs left to right in the Arabic transcript');
  assert.match(await page.getAttribute('#download-link', 'href'), /\/transcript\.md\?locale=ar$/);

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

// ---- Test 2: en-XA, accented and longer, at phone width -------------------------------------------

test('pseudo-locale en-XA: longer, accented text fits at 360 px', async (t) => {
  const { page, foreign, problems } = await open(t, { serverArgs: ['--pseudo-locales'] });
  const names = { a: 'Ana', b: 'Ben' };
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  const offered = await page.locator('#locale-a option').evaluateAll((options) => options.map((o) => o.value));
  assert.ok(offered.includes('en-XA') && offered.includes('ar-XB'), `the pseudo-locales are offered: ${offered}`);

  // The setup screen itself, in en-XA, at phone width.
  await page.setViewportSize({ width: 360, height: 780 });
  await setUp(page, { names, locales: { a: 'en-XA', b: 'en-XA' }, pageLocale: 'en-XA' });
  assert.equal((await page.textContent('#setup-title')).trim(), pseudoXA(uiEn['ui.setup.title']));
  assert.equal((await page.textContent('#start-button')).trim(), pseudoXA(uiEn['ui.setup.start']));
  await assertFits(page, 'setup');
  await start(page);

  // Pseudo text everywhere: accented, padded with dots, longer than the English.
  let input = await nextInput(page, null);
  assert.deepEqual([input.step, input.viewer, input.lang, input.dir], ['good-time', 'a', 'en-XA', 'ltr']);
  assert.deepEqual(await header(page), ['ui.header.pause', 'ui.header.stop', 'ui.quick_exit'].map((k) => pseudoXA(uiEn[k])));
  assert.equal(input.prompt, pseudoXA(flowEn['good_time.prompt']));
  assert.deepEqual(input.options, [pseudoXA(flowEn['good_time.yes']), pseudoXA(flowEn['good_time.later'])]);
  assert.equal(input.turn, fill(pseudoXA(uiEn['ui.turn.yours']), { name: names.a }));
  const welcome = fill(pseudoXA(flowEn.welcome), names);
  const thread = await page.textContent('#thread');
  assert.ok(thread.includes(welcome), 'the pseudo welcome is shown');
  const english = fill(flowEn.welcome, names);
  assert.ok(/[àçéîñöšûý]/.test(welcome) && welcome.includes('·'), 'accented letters and padding dots');
  assert.ok(welcome.length > english.length * 1.3, `longer than the English (${welcome.length} vs ${english.length})`);
  assert.ok(!thread.includes(english), 'no plain English is left');
  await assertFits(page, 'good-time (Ana)');
  await choose(page, pseudoXA(flowEn['good_time.yes']));

  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.viewer], ['good-time', 'b']);
  assert.equal(input.handoff, fill(pseudoXA(uiEn['ui.turn.handoff']), { name: names.b }));
  await assertFits(page, 'good-time (Ben)');
  await choose(page, pseudoXA(flowEn['good_time.yes']));

  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer], ['feel', 'text', 'a']);
  assert.equal(input.prompt, fill(pseudoXA(flowEn['feel.prompt']), { speaker: names.a }));
  assert.equal((await page.textContent('#input-area button[type="submit"]')).trim(), pseudoXA(uiEn['ui.input.send']));
  await assertFits(page, 'feel');
  await type(page, 'a little lonely');

  input = await nextInput(page, input.key);
  assert.equal(input.step, 'when');
  await type(page, 'we both look at our phones during dinner');

  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer], ['mirror', 'text', 'b']);
  assert.equal(input.prompt, fill(pseudoXA(flowEn['mirror.prompt']), { listener: names.b, speaker: names.a }));
  await page.fill('#answer-text', 'If I got it, you feel a little lonely when we both look at our phones during dinner.');
  await assertFits(page, 'mirror');
  await page.locator('#input-area').scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollBy(0, window.innerHeight));
  await shot(page, 'pseudo-en-XA-360.png');
  await page.click('#input-area button[type="submit"]');

  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer], ['mirror', 'choice', 'a']);
  assert.deepEqual(input.options, [pseudoXA(flowEn['mirror.got_it']), pseudoXA(flowEn['mirror.more'])]);
  await assertFits(page, 'mirror check');

  // The same page at desktop width.
  await page.setViewportSize({ width: 900, height: 900 });
  await assertFits(page, 'mirror check, desktop');
  await shot(page, 'pseudo-en-XA.png', { fullPage: true });

  // The pause panel and the end, at phone width too.
  await page.setViewportSize({ width: 360, height: 780 });
  await page.click('#pause-button');
  await page.waitForSelector('#pause-panel:not([hidden])');
  await page.waitForSelector('body[data-state="idle"]');
  assert.equal((await page.textContent('#grounding')).trim(), pseudoXA(uiEn['engine.grounding']));
  await assertFits(page, 'paused');
  await page.click('#stop-button');
  await page.waitForSelector('body[data-screen="ended"][data-state="idle"]');
  await page.waitForFunction(() => document.querySelectorAll('#transcript li').length > 0);
  assert.equal((await page.textContent('#ended-title')).trim(), pseudoXA(uiEn['ui.ended.stopped']));
  assert.ok((await page.textContent('#transcript')).includes(welcome), 'the transcript is in en-XA');
  await assertFits(page, 'ended');

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

// ---- Test 3: ar-XB, right to left -----------------------------------------------------------------

test('pseudo-locale ar-XB: the page runs right to left', async (t) => {
  const { page, foreign, problems } = await open(t, { serverArgs: ['--pseudo-locales'] });
  const names = { a: 'Ana', b: 'Ben' };
  await setUp(page, { names, locales: { a: 'ar-XB', b: 'ar-XB' } });
  await start(page);

  let input = await nextInput(page, null);
  assert.deepEqual([input.step, input.viewer, input.lang, input.dir], ['good-time', 'a', 'ar-XB', 'rtl']);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  // Each literal run is forced right to left (RIGHT-TO-LEFT OVERRIDE … POP DIRECTIONAL FORMATTING).
  assert.equal(input.prompt, `\u202E${flowEn['good_time.prompt']}\u202C`);
  assert.deepEqual(await header(page), ['ui.header.pause', 'ui.header.stop', 'ui.quick_exit']
    .map((k) => `\u202E${uiEn[k]}\u202C`));
  assert.equal(await page.locator('#input-area').evaluate((node) => getComputedStyle(node).direction), 'rtl');
  await assertFits(page, 'good-time, desktop');
  await choose(page, `\u202E${flowEn['good_time.yes']}\u202C`);
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.viewer, input.dir], ['good-time', 'b', 'rtl']);
  await shot(page, 'pseudo-ar-XB.png', { fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  await assertFits(page, 'good-time, 360 px');

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

// ---- Test 4: the header on a phone, in the longest languages -----------------------------------

/** How many rows the header's top line and its conversation line take (boxes side by side share a row). */
async function headerRows(page) {
  return page.evaluate(() => {
    const rows = (nodes) => {
      const boxes = nodes.filter((node) => node.getClientRects().length > 0 && !node.closest('[hidden], .visually-hidden'))
        .map((node) => node.getBoundingClientRect()).sort((x, y) => x.top - y.top);
      let count = 0;
      let bottom = -Infinity;
      for (const box of boxes) {
        if (box.top >= bottom - 1) count++;
        bottom = Math.max(bottom, box.bottom);
      }
      return count;
    };
    return {
      top: rows([...document.querySelectorAll('.topbar-inner > *')]),
      session: rows([...document.querySelectorAll('.session-bar > .progress, .session-actions > *')]),
    };
  });
}

test('at 360 px the header keeps to one row, with Pause and Stop on the next, in de, ru, hi and en-XA', async (t) => {
  const { page, foreign, problems } = await open(t, { serverArgs: ['--pseudo-locales'],
    viewport: { width: 360, height: 740 } });
  for (const locale of ['de', 'ru', 'hi', 'en-XA']) {
    await page.goto(new URL('/#start', page.url()).href);
    await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
    await setUp(page, { names: { a: 'Ana', b: 'Ben' }, locales: { a: locale, b: locale }, pageLocale: locale });
    assert.deepEqual((await headerRows(page)).top, 1, `${locale}: Menu and Quick exit share one row`);
    await assertFits(page, `setup (${locale})`);
    await start(page);
    await nextInput(page, null);
    assert.equal(await page.getAttribute('html', 'lang'), locale);
    await shot(page, `header-${locale}-360.png`);
    assert.deepEqual(await headerRows(page), { top: 1, session: 1 },
      `${locale}: one row for Menu and Quick exit, one for progress, Pause and Stop`);
    await assertFits(page, `chat (${locale})`);
    await shot(page, `header-${locale}-360.png`);
  }
  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});
