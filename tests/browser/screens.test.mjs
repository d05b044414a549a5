// End-to-end: the screens around the conversations — history (list, search, reading a transcript
// again, exports, deleting one and everything), the agreement and its versions, and settings
// (theme, text size, time zone, language, how long conversations are kept). Conversations are
// set up through the API (as the page itself would), then everything is done through the page.
// Debian's headless Chromium, against the real server binary.
//
//   node --test tests/browser/            (from the repository root)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiCall,
  closeBrowser,
  fill,
  launchBrowser,
  open,
  readArb,
  shot,
  walkSession,
} from './support.mjs';

const uiEn = readArb('en', 'ui');
const uiEs = { ...uiEn, ...readArb('es', 'ui') };
const fptEn = readArb('en', 'feel-prefer-try');
const agreementEn = readArb('en', 'agreement-review');

before(launchBrowser);
after(closeBrowser);

// ---- Helpers ----------------------------------------------------------------------------------

async function idle(page) {
  await page.waitForSelector('body[data-state="idle"]');
}

/** Goes to a section through the header's navigation, as a person would. */
async function go(page, section) {
  if (await page.locator('#nav-toggle').isVisible()) await page.click('#nav-toggle');
  await page.click(`#site-nav a[data-nav="${section}"]`);
  await page.waitForSelector(`body[data-screen="${section}"]`);
  await idle(page);
}

/** Answers for feel-prefer-try: what each partner types, marked so a search can find it. */
function feelAnswers(marker) {
  return (input, partner) => {
    if (input.type === 'text') return `${partner} ${marker} at ${input.step}`;
    if (input.options?.some((o) => o.value === 'yes')) return 'yes';
    return undefined;
  };
}

async function historyTitles(page) {
  return page.$$eval('#history-list .history-title', (nodes) => nodes.map((node) => node.textContent.trim()));
}

// ---- History: the list, reading again, exports, deleting ---------------------------------------

test('history: the list, a transcript read again, exports, deleting one and everything', async (t) => {
  const { page, foreign, problems } = await open(t);
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  const first = await walkSession(page, { flow: 'feel-prefer-try', answerFor: feelAnswers('lantern'),
    partners: [{ name: 'Ana', locale: 'en' }, { name: 'Ben', locale: 'es' }] });
  const second = await walkSession(page, { flow: 'feel-prefer-try', answerFor: feelAnswers('harbour'),
    partners: [{ name: 'Lía', locale: 'en' }, { name: 'نور', locale: 'ar' }],
    stopWhen: (view) => view.input?.step === 'when' });
  assert.equal(first.status, 'completed');
  assert.equal(second.status, 'active');

  await go(page, 'history');
  assert.equal((await page.textContent('#history-title')).trim(), uiEn['ui.history.title']);
  assert.equal(await page.locator('#history-list > li').count(), 2);
  // Newest first: the unfinished one, which can be continued.
  const items = page.locator('#history-list > li');
  assert.equal(await items.nth(0).getAttribute('data-session'), second.id);
  assert.equal(await items.nth(1).getAttribute('data-session'), first.id);
  assert.deepEqual(await historyTitles(page), [fptEn.title, fptEn.title]);
  assert.equal((await items.nth(1).locator('.history-names').textContent()).trim(),
    fill(uiEn['ui.history.names'], { a: 'Ana', b: 'Ben' }));
  assert.equal(await items.nth(0).locator('.history-names bdi').nth(1).textContent(), 'نور', 'names are isolated');
  assert.equal((await items.nth(0).locator('.status-badge').textContent()).trim(), uiEn['ui.status.active']);
  assert.equal((await items.nth(1).locator('.status-badge').textContent()).trim(), uiEn['ui.status.completed']);
  assert.ok((await items.nth(1).locator('time').textContent()).trim(), 'when it started');
  assert.equal(await items.nth(1).getByRole('button', { name: uiEn['ui.history.continue'] }).count(), 0,
    'only an unfinished conversation can be continued');
  await shot(page, 'history.png', { fullPage: true });

  // The exports of the finished one: Markdown and text download, JSON, a printable page.
  await items.nth(1).locator('summary').click();
  const links = Object.fromEntries(await items.nth(1).locator('.export-list a').evaluateAll((anchors) =>
    anchors.map((a) => [a.textContent.trim(), { href: a.getAttribute('href'), download: a.getAttribute('download'),
      target: a.getAttribute('target') }])));
  const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const expected = { md: uiEn['ui.export.markdown'], txt: uiEn['ui.export.text'], '': uiEn['ui.export.json'],
    html: uiEn['ui.export.print'] };
  for (const [format, label] of Object.entries(expected)) {
    const link = links[label];
    assert.ok(link, `a “${label}” link`);
    const url = new URL(link.href, page.url());
    assert.equal(url.pathname, `/api/sessions/${first.id}/transcript${format ? `.${format}` : ''}`);
    assert.equal(url.searchParams.get('locale'), 'en');
    assert.equal(url.searchParams.get('tz'), tz);
    assert.equal(url.searchParams.get('partner'), null, 'never a partner’s own (private) transcript');
    const answer = await page.request.get(url.href);
    assert.equal(answer.status(), 200, `${label} answers`);
    const body = await answer.text();
    assert.ok(body.includes('lantern at feel'), `${label} has what was typed`);
    if (format === 'html') assert.equal(link.target, '_blank', 'the printable page opens in a new tab');
    else assert.ok(link.download, `${label} downloads`);
  }

  // Reading it again, in another language.
  await items.nth(1).getByRole('button', { name: uiEn['ui.history.read'] }).click();
  await page.waitForSelector('body[data-screen="record"]');
  await page.waitForFunction(() => document.querySelectorAll('#record-transcript li').length > 0);
  assert.equal((await page.textContent('#record-title')).trim(), fptEn.title);
  assert.ok((await page.textContent('#record-transcript')).includes('lantern at feel'));
  assert.match(page.url(), new RegExp(`#record=${first.id}$`));
  await shot(page, 'history-record.png', { fullPage: true });
  await page.selectOption('#record-locale', 'es');
  await page.waitForFunction(() => document.getElementById('record-transcript').lang === 'es');
  assert.ok((await page.textContent('#record-transcript')).includes('lantern at when'), 'typed text as typed');
  await page.click('#record-back');
  await page.waitForSelector('body[data-screen="history"]');
  await idle(page);

  // Continue the unfinished one from the list.
  await items.nth(0).getByRole('button', { name: uiEn['ui.history.continue'] }).click();
  await page.waitForSelector('body[data-screen="chat"][data-state="idle"]');
  assert.equal(await page.locator('#input-area').getAttribute('data-step'), 'when');
  await go(page, 'history');

  // Deleting one: a dialog says it can't be undone; "Keep it" is where focus starts.
  const removeFirst = items.nth(1).getByRole('button', { name: uiEn['ui.history.delete'] });
  await removeFirst.click();
  await page.waitForSelector('#delete-dialog[open]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'delete-cancel');
  assert.ok((await page.textContent('#delete-dialog')).includes(uiEn['ui.delete.cannot_undo']));
  assert.ok((await page.textContent('#delete-dialog-text')).includes('Ana'));
  await shot(page, 'history-delete-dialog.png');
  await page.click('#delete-cancel');
  await page.waitForSelector('#delete-dialog:not([open])', { state: 'attached' });
  assert.equal(await page.locator('#history-list > li').count(), 2, 'nothing deleted on “Keep it”');
  await removeFirst.click();
  await page.click('#delete-confirm');
  await page.waitForFunction(() => document.querySelectorAll('#history-list > li').length === 1);
  assert.ok((await page.textContent('#history-status')).includes(uiEn['ui.history.deleted']));
  assert.equal((await apiCall(page, 'GET', `/api/sessions/${first.id}?partner=a`)).status, 404, 'gone on the server');

  // Deleting everything needs a second, explicit step.
  await page.click('#delete-all-button');
  await page.waitForSelector('#delete-all-dialog[open]');
  assert.ok(await page.locator('#delete-all-confirm').isDisabled(), 'not until “I understand” is ticked');
  await page.check('#delete-all-understood');
  assert.ok(await page.locator('#delete-all-confirm').isEnabled());
  const request = page.waitForRequest((r) => r.url().endsWith('/api/delete-everything'));
  await page.click('#delete-all-confirm');
  assert.deepEqual((await request).postDataJSON(), { confirm: 'delete everything' });
  await page.waitForFunction(() => document.querySelectorAll('#history-list > li').length === 0);
  assert.ok((await page.textContent('#history-status')).includes(uiEn['ui.history.deleted_all']));
  assert.ok((await page.textContent('#history-status')).includes(uiEn['ui.history.empty']));
  assert.equal((await apiCall(page, 'GET', '/api/sessions')).body.sessions.length, 0);
  assert.ok(await page.locator('#nav-chat-item').isHidden(), 'no conversation to go back to');
  const left = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('tandem.session.')));
  assert.deepEqual(left, [], 'nothing about them is left in this browser either');

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

// ---- History: search -------------------------------------------------------------------------------

test('history: searching what was written, with the matching words shown', async (t) => {
  const { page, foreign, problems } = await open(t);
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  await walkSession(page, { flow: 'feel-prefer-try', answerFor: feelAnswers('lantern'),
    partners: [{ name: 'Ana', locale: 'en' }, { name: 'Ben', locale: 'en' }] });
  const other = await walkSession(page, { flow: 'feel-prefer-try', answerFor: feelAnswers('Hafenstraße'),
    partners: [{ name: 'Lía', locale: 'en' }, { name: 'Noor', locale: 'en' }] });
  await go(page, 'history');
  assert.equal(await page.locator('#history-list > li').count(), 2);

  // Typing waits for a pause, then asks the server (case- and accent-insensitive there).
  const searched = page.waitForRequest((r) => /\/api\/sessions\?/.test(r.url()) && new URL(r.url()).searchParams.get('q'));
  await page.fill('#history-query', 'hafenstrasse');
  const url = new URL((await searched).url());
  assert.equal(url.searchParams.get('q'), 'hafenstrasse');
  assert.ok(url.searchParams.get('tz'), 'with the time zone');
  await page.waitForFunction(() => document.querySelectorAll('#history-list > li').length === 1);
  await idle(page);
  assert.equal(await page.locator('#history-list > li').getAttribute('data-session'), other.id);
  assert.equal((await page.textContent('#history-status')).trim(), fill(uiEn['ui.history.results'], { query: 'hafenstrasse' }));
  const matches = await page.$$eval('#history-list .matches li', (nodes) => nodes.map((node) => node.textContent));
  assert.ok(matches.length >= 1 && matches.length <= 3, `up to three excerpts: ${matches}`);
  assert.ok(matches.every((text) => text.includes('Hafenstraße')), 'the answers that matched, as typed');
  await shot(page, 'history-search.png', { fullPage: true });

  await page.fill('#history-query', 'nothing like this');
  await page.waitForFunction(() => document.querySelectorAll('#history-list > li').length === 0);
  assert.equal((await page.textContent('#history-status')).trim(),
    fill(uiEn['ui.history.no_results'], { query: 'nothing like this' }));
  await page.fill('#history-query', '');
  await page.waitForFunction(() => document.querySelectorAll('#history-list > li').length === 2);
  assert.equal(await page.locator('#history-list .matches').count(), 0, 'no excerpts without a search');

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

// ---- The agreement ------------------------------------------------------------------------------

test('agreement: what it says now, each version and where it came from, printable', async (t) => {
  const { page, foreign, problems } = await open(t);
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  await go(page, 'agreement');
  assert.ok(await page.locator('#agreement-empty').isVisible(), 'no agreement yet, said kindly');
  assert.ok(await page.locator('#agreement-print').isHidden());

  const words = { 'pause-word': 'kiwi', 'pause-sign': 'a hand on the heart' };
  const review = (pauseWord) => (input, partner) => {
    if (input.type === 'list') return input.items.map((item, i) => (i < 2 || (partner === 'a' && i === 3) ? 'yes' : 'no'));
    if (input.type === 'text') return input.step === 'pause-word' ? pauseWord : words[input.step] ?? `${partner}: ${input.step}`;
    return undefined;
  };
  const v1 = await walkSession(page, { flow: 'agreement-review', answerFor: review('kiwi'),
    partners: [{ name: 'Ana', locale: 'en' }, { name: 'Ben', locale: 'en' }] });
  const v2 = await walkSession(page, { flow: 'agreement-review', answerFor: review('mango'),
    partners: [{ name: 'Ana', locale: 'en' }, { name: 'Ben', locale: 'en' }] });
  assert.equal(v2.status, 'completed');

  await go(page, 'history');
  await go(page, 'agreement');
  await page.waitForFunction(() => document.querySelectorAll('#agreement-fields .agreement-field').length > 0);
  assert.ok((await page.textContent('#agreement-version')).startsWith('Version 2'));
  const field = (name) => page.locator(`#agreement-fields [data-field="${name}"]`);
  assert.equal((await field('pause_word').locator('dt').textContent()).trim(), uiEn['ui.agreement.field.pause_word']);
  assert.equal((await field('pause_word').locator('dd').textContent()).trim(), 'mango');
  assert.equal((await field('pause_sign').locator('dd').textContent()).trim(), 'a hand on the heart');
  const sharedYes = await field('shared_yes').locator('li').allTextContents();
  assert.deepEqual(sharedYes, [uiEn['ui.agreement.item.hold_hands'], uiEn['ui.agreement.item.cuddle']],
    'list items in words, only what both said yes to');
  assert.equal(uiEn['ui.agreement.item.hold_hands'], agreementEn['item.hold_hands'], 'the same words as the flow');
  assert.equal((await field('soft_no_a').locator('dt').textContent()).trim(),
    fill(uiEn['ui.agreement.field.soft_no'], { name: 'Ana' }), 'a partner’s own part says whose it is');
  const checkin = (await field('checkin_a').locator('dd').textContent()).trim();
  assert.ok(Object.keys(uiEn).some((key) => key.startsWith('ui.agreement.checkin.') && uiEn[key] === checkin),
    `a choice in words: “${checkin}”`);

  // Both versions, newest first, each with when and where; the second says what changed.
  const versions = page.locator('#agreement-history > li');
  assert.equal(await versions.count(), 2);
  assert.equal(await versions.nth(0).getAttribute('data-version'), '2');
  assert.ok((await versions.nth(0).locator('.version-changed').textContent()).includes(uiEn['ui.agreement.field.pause_word']));
  assert.ok((await versions.nth(1).textContent()).includes('Ana') && (await versions.nth(1).locator('time').textContent()).trim());
  await versions.nth(1).locator('summary').click();
  assert.equal((await versions.nth(1).locator('[data-field="pause_word"] dd').textContent()).trim(), 'kiwi');
  await shot(page, 'agreement.png', { fullPage: true });

  // Printable: the button prints; on paper only the agreement shows.
  await page.evaluate(() => { window.print = () => { window.__printed = (window.__printed ?? 0) + 1; }; });
  await page.click('#agreement-print');
  assert.equal(await page.evaluate(() => window.__printed), 1);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.topbar').evaluate((node) => getComputedStyle(node).display), 'none');
  assert.equal(await page.locator('#agreement-print').evaluate((node) => getComputedStyle(node).display), 'none');
  assert.ok(await page.locator('#agreement-fields').isVisible());
  await shot(page, 'agreement-print.png', { fullPage: true });
  await page.emulateMedia({ media: 'screen' });

  // "Read that conversation" opens the one that saved version 1; once deleted, the version says so.
  await versions.nth(1).getByRole('link', { name: uiEn['ui.agreement.read'] }).click();
  await page.waitForSelector('body[data-screen="record"]');
  assert.match(page.url(), new RegExp(`#record=${v1.id}$`));
  assert.equal((await apiCall(page, 'POST', `/api/sessions/${v1.id}/delete`, {})).status, 200);
  await go(page, 'agreement');
  await page.waitForFunction(() => document.querySelectorAll('#agreement-history > li').length === 2);
  assert.equal((await versions.nth(1).locator('.version-from').textContent()).trim(), uiEn['ui.agreement.from_deleted']);

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

// ---- Settings in this browser -------------------------------------------------------------------

test('settings: theme, text size, time zone and language are remembered in this browser', async (t) => {
  const { page, foreign, problems } = await open(t);
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  await go(page, 'settings');
  const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const light = await background();

  // Dark, whatever the device prefers; then back to following the device.
  await page.check('input[name="theme"][value="dark"]');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  const dark = await background();
  assert.notEqual(dark, light);
  assert.equal(dark, 'rgb(27, 28, 31)');
  await shot(page, 'settings-dark.png', { fullPage: true });

  // Larger text: the whole page grows with the root font size.
  await page.check('input[name="text-size"][value="larger"]');
  assert.ok(await page.evaluate(() => document.documentElement.classList.contains('text-larger')));
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '20px');

  // A time zone of one's own.
  await page.selectOption('#settings-tz', 'Asia/Tokyo');

  // Reloaded: applied again before the modules have run (early.js), and shown as chosen.
  await page.reload({ waitUntil: 'domcontentloaded' });
  assert.deepEqual(await page.evaluate(() => [document.documentElement.dataset.theme,
    document.documentElement.classList.contains('text-larger')]), ['dark', true]);
  await page.waitForSelector('body[data-screen="settings"][data-state="idle"]');
  assert.equal(await page.inputValue('#settings-tz'), 'Asia/Tokyo');
  assert.ok(await page.isChecked('input[name="theme"][value="dark"]'));
  assert.ok(await page.isChecked('input[name="text-size"][value="larger"]'));
  const listed = page.waitForRequest((r) => /\/api\/sessions\?/.test(r.url()));
  await go(page, 'history');
  assert.equal(new URL((await listed).url()).searchParams.get('tz'), 'Asia/Tokyo', 'history asks in that time zone');

  // "Same as this device": the device's own dark or light.
  await go(page, 'settings');
  await page.check('input[name="theme"][value="system"]');
  assert.equal(await page.getAttribute('html', 'data-theme'), null);
  assert.equal(await background(), light);
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.equal(await background(), dark);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.check('input[name="text-size"][value="normal"]');
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '16px');

  // The interface's language, here and on every screen after a reload.
  await page.selectOption('#settings-locale', 'es');
  await page.waitForFunction(() => document.documentElement.lang === 'es');
  assert.equal((await page.textContent('#quick-exit')).trim(), uiEs['ui.quick_exit']);
  await page.goto(new URL('/', page.url()).href);
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  assert.equal((await page.textContent('#setup-title')).trim(), uiEs['ui.setup.title']);
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('tandem.prefs')));
  assert.deepEqual(saved, { locale: 'es', dir: 'ltr', timeZone: 'Asia/Tokyo', theme: 'system', textSize: 'normal' });

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

// ---- Settings on the server: how long conversations are kept ------------------------------------

test('settings: how long conversations are kept is saved on the server', async (t) => {
  const { page, foreign, problems } = await open(t);
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  await go(page, 'settings');
  await page.waitForFunction(() => !document.getElementById('retention-save').disabled);
  assert.equal(await page.inputValue('#settings-retention'), '', 'kept until deleted, at first');
  assert.ok((await page.textContent('#settings-retention-hint')).includes('deleted for real'));

  const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/settings'));
  await page.selectOption('#settings-retention', '30');
  await page.click('#retention-save');
  const request = await posted;
  assert.deepEqual(request.postDataJSON(), { retention_days: 30 });
  assert.ok(request.headers()['idempotency-key'] && request.headers()['x-tandem-csrf']);
  await page.waitForFunction(() => document.getElementById('retention-status').textContent !== '');
  assert.equal((await page.textContent('#retention-status')).trim(), uiEn['ui.settings.retention_saved']);
  assert.deepEqual((await apiCall(page, 'GET', '/api/settings')).body, { retention_days: 30 });

  await page.reload();
  await page.waitForSelector('body[data-screen="settings"][data-state="idle"]');
  await page.waitForFunction(() => document.getElementById('settings-retention').value === '30');

  const off = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/settings'));
  await page.selectOption('#settings-retention', '');
  await page.click('#retention-save');
  assert.deepEqual((await off).postDataJSON(), { retention_days: null });
  await page.waitForFunction(() => document.getElementById('retention-status').textContent !== '');
  assert.equal((await page.textContent('#retention-status')).trim(), uiEn['ui.settings.retention_saved_off']);

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});
