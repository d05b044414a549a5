// End-to-end: every newer kind of question — several choices, a feeling, yes / maybe / no, a
// confirmation, a timed breathing step and a private yes / maybe / no list with its reveal —
// walked by two partners on one shared device, in Debian's headless Chromium, against the real
// server binary serving a test flow of its own (the shipped flows may not use all of these).
//
//   node --test tests/browser/            (from the repository root)
//
// TANDEM_BIN          the server binary (default build/tandem)
// TANDEM_SCREENSHOTS  where screenshots go (default build/screenshots)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BIN,
  ROOT,
  closeBrowser,
  fill,
  launchBrowser,
  open as openPage,
  readArb,
  shot,
  nextInput,
} from './support.mjs';

// ---- The test flow and its English catalog ---------------------------------------------------

const FLOW = {
  format: 1,
  id: 'kinds-demo',
  version: '1.0.0',
  title: 'title',
  description: 'description',
  minutes: 5,
  steps: [
    { id: 'welcome', kind: 'say', to: 'both', message: 'welcome', args: ['a', 'b'] },
    { id: 'topics', kind: 'ask', to: 'a', input: 'multi', prompt: 'topics.prompt', capture: 'topics', min: 2, max: 3,
      options: [
        { value: 'rest', label: 'topics.rest' }, { value: 'food', label: 'topics.food' },
        { value: 'friends', label: 'topics.friends' }, { value: 'money', label: 'topics.money' }] },
    { id: 'topics-heard', kind: 'say', to: 'both', message: 'topics_heard', args: ['a', 'topics'] },
    { id: 'feeling', kind: 'ask', to: 'b', input: 'feeling', prompt: 'feeling.prompt', args: ['b'], capture: 'feeling' },
    { id: 'ready', kind: 'ask', to: 'a', input: 'yes_maybe_no', prompt: 'ready.prompt', capture: 'ready' },
    { id: 'settle', kind: 'ask', to: 'b', input: 'confirm', prompt: 'settle.prompt', capture: 'settled' },
    { id: 'breathe', kind: 'timer', to: 'both', message: 'breathe', seconds: 5, pacing: 'box' },
    { id: 'wishes', kind: 'private', prompt: 'wishes.prompt', capture: 'wishes',
      items: ['item.walk', 'item.cook', 'item.dance', 'item.sing'],
      reveal: { shared: 'wishes.shared', none: 'wishes.none', maybes: 'wishes.maybes' } },
    { id: 'seen', kind: 'ask', to: 'both', input: 'confirm', prompt: 'seen.prompt', capture: 'seen' },
    { id: 'close', kind: 'end', to: 'both', message: 'close', args: ['a', 'b'] },
  ],
};

const MESSAGES = {
  title: 'Step kinds demo',
  description: 'A short walk through every kind of question.',
  welcome: 'Hello, {a} and {b}. This is a short practice run.',
  'topics.prompt': 'What would you like to talk about this week?',
  'topics.rest': 'Rest and sleep',
  'topics.food': 'Cooking and meals',
  'topics.friends': 'Time with friends',
  'topics.money': 'Money',
  topics_heard: '{a} chose: {topics}.',
  'feeling.prompt': '{b}, which word fits how you feel right now?',
  'ready.prompt': 'Would you like to try a short breathing exercise together?',
  'settle.prompt': 'Find a comfortable position. Tap the button when you’re ready.',
  breathe: 'Breathe with the circle: in for four, hold for four, out for four, rest for four.',
  'wishes.prompt': 'For each idea, what feels true for you right now?',
  'item.walk': 'An evening walk',
  'item.cook': 'Cooking a new recipe',
  'item.dance': 'Dancing in the kitchen',
  'item.sing': 'Singing in the car',
  'wishes.shared': 'You both said yes to: {items}.',
  'wishes.none': 'There’s nothing you both said yes to right now, and that’s okay.',
  'wishes.maybes': 'Some things are a maybe for now: {items}.',
  'seen.prompt': 'Take a moment with that. Tap the button when you’re ready to finish.',
  close: 'Thank you, {a} and {b}. That’s the end of the practice run.',
};

/** A temporary dialogs/ with the test flow, and a copy of locales/ plus its English catalog. */
function makeFixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-kinds-'));
  fs.mkdirSync(path.join(dir, 'dialogs'));
  fs.writeFileSync(path.join(dir, 'dialogs', 'kinds-demo.json'), `${JSON.stringify(FLOW, null, 2)}\n`);
  fs.cpSync(path.join(ROOT, 'locales'), path.join(dir, 'locales'), { recursive: true });
  const arb = { '@@locale': 'en' };
  for (const [key, value] of Object.entries(MESSAGES)) {
    arb[key] = value;
    const names = [...value.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    arb[`@${key}`] = { description: 'Test fixture.',
      ...(names.length ? { placeholders: Object.fromEntries(names.map((n) => [n, { type: 'String' }])) } : {}) };
  }
  fs.writeFileSync(path.join(dir, 'locales', 'en', 'kinds-demo.arb'), `${JSON.stringify(arb, null, 2)}\n`);
  return dir;
}

// ---- Catalogs: what the UI must show, from the same files the server reads --------------------

const uiEn = readArb('en', 'ui');
const uiEs = { ...uiEn, ...readArb('es', 'ui') };

// ---- The browser ------------------------------------------------------------------------------

let fixture;
process.on('exit', () => {
  if (fixture) fs.rmSync(fixture, { recursive: true, force: true });
});

before(async () => {
  fixture = makeFixture();
  await launchBrowser();
});

after(async () => {
  await closeBrowser();
  if (fixture) fs.rmSync(fixture, { recursive: true, force: true });
  fixture = null;
});

/** A fresh server serving the test flow, and a page on it (see support.mjs). */
async function open(t) {
  return openPage(t, {
    serverArgs: ['--dialogs', path.join(fixture, 'dialogs'), '--locales', path.join(fixture, 'locales')],
    // Motion allowed, to see the breathing circle; reduced motion is switched on later.
    reducedMotion: 'no-preference',
  });
}

// ---- Page helpers -----------------------------------------------------------------------------


/** Watches for the hand-off screen and records, the moment it appears, what the page still holds. */
async function watchHandoff(page, labels) {
  await page.evaluate((itemLabels) => {
    // Form controls outside the setup form (whose conversation radio stays checked) and the
    // settings (theme, text size): the ones that could hold an answer.
    const answerControls = (selector) => [...document.querySelectorAll(selector)]
      .filter((node) => !node.closest('#setup-screen, #settings-screen'));
    window.__handoff = null;
    const observer = new MutationObserver(() => {
      if (document.body.dataset.screen !== 'handoff' || window.__handoff) return;
      const html = document.documentElement.outerHTML;
      window.__handoff = {
        privateEntries: document.querySelectorAll('[data-private="true"]').length,
        lists: document.querySelectorAll('.answer-list').length,
        radios: answerControls('input[type="radio"]').length,
        checked: answerControls('input:checked').length,
        threadEntries: document.querySelectorAll('#thread > *').length,
        labelsInPage: itemLabels.filter((label) => html.includes(label)),
      };
      observer.disconnect();
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-screen'] });
  }, labels);
}

/** Everything in the page, hidden parts included: markup and the values of form controls. */
async function wholePage(page) {
  return page.evaluate(() => ({
    html: document.documentElement.outerHTML,
    text: document.body.innerText,
    privateEntries: document.querySelectorAll('[data-private="true"]').length,
    checked: [...document.querySelectorAll('input:checked')]
      .filter((node) => !node.closest('#setup-screen, #settings-screen')).length,
  }));
}

async function markList(page, answers) {
  for (const [index, value] of answers.entries()) {
    await page.check(`#list-${index}-${value}`);
  }
}

// ---- The test ---------------------------------------------------------------------------------

test('the fixture flow is valid (only translations are missing)', () => {
  const result = spawnSync(BIN, ['lint', path.join(fixture, 'dialogs')], { encoding: 'utf8' });
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter(Boolean);
  // (A UI string added in English before its translations is a missing translation too.)
  const other = lines.filter((line) => !/is missing in locale|has no message "(ui|error)\.|problems? found|No problems/.test(line));
  assert.deepEqual(other, [], 'lint finds nothing wrong with the test flow beyond missing translations');
});

test('multi, feeling, yes/maybe/no, confirm, timer and a private list on one shared device', async (t) => {
  const { page, foreign, problems, inputs } = await open(t);
  const items = ['item.walk', 'item.cook', 'item.dance', 'item.sing'].map((key) => MESSAGES[key]);
  const [walk, cook, dance, sing] = items;
  const answerMarkers = items.map((label) => `${label}: `); // how a private entry lists each answer

  // ---- Setup: Ana reads English, Ben Spanish; the test flow is offered -------------------------
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  await page.fill('#name-a', 'Ana');
  await page.fill('#name-b', 'Ben');
  await page.selectOption('#locale-a', 'en');
  await page.selectOption('#locale-b', 'es');
  await page.check('input[name="flow"][value="kinds-demo"]');
  await page.click('#start-button');
  await page.waitForSelector('body[data-screen="chat"][data-state="idle"]');

  // ---- Several choices: at least 2, at most 3 ----------------------------------------------------
  let input = await nextInput(page, null);
  assert.deepEqual([input.step, input.type, input.viewer], ['topics', 'multi', 'a']);
  const send = page.locator('#input-area button[type="submit"]');
  assert.equal((await page.textContent('#multi-hint')).trim(), fill(uiEn['ui.multi.hint_range'], { min: 2, max: 3 }));
  assert.equal(await page.locator('#input-area input[type="checkbox"]').count(), 4);
  assert.ok(await send.isDisabled(), 'nothing chosen: Send waits');
  await page.check('#multi-0');
  assert.ok(await send.isDisabled(), 'one of at least two: Send still waits');
  assert.equal((await page.textContent('#multi-count')).trim(), fill(uiEn['ui.multi.count'], { count: 1 }));
  // Even a forced submit sends nothing while fewer than min are chosen.
  await page.evaluate(() => document.querySelector('#input-area form').requestSubmit());
  await page.waitForTimeout(200);
  assert.equal(inputs.length, 0, 'no answer was sent with one choice');
  await page.check('#multi-1');
  assert.ok(await send.isEnabled(), 'two chosen: Send is available');
  await page.check('#multi-2');
  assert.ok(await page.locator('#multi-3').isDisabled(), 'at the maximum, the last option waits');
  assert.equal((await page.textContent('#multi-full')).trim(), uiEn['ui.multi.at_max']);
  await shot(page, 'kinds-multi.png');
  await page.uncheck('#multi-2');
  assert.ok(await page.locator('#multi-3').isEnabled());
  await send.click();

  // ---- A feeling, for Ben, from the Spanish vocabulary -----------------------------------------
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer], ['feeling', 'feeling', 'b']);
  assert.deepEqual(inputs.at(-1).value, ['rest', 'food'], 'the choices are sent as a list, in option order');
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  assert.equal((await page.textContent('#handoff')).trim(), fill(uiEs['ui.turn.handoff'], { name: 'Ben' }),
    'an ordinary step passes the turn with the light line, not the hand-off screen');
  const chips = page.locator('#input-area input[name="feeling"]');
  assert.ok(await chips.count() > 1, 'the feelings vocabulary is offered');
  assert.ok(await send.isDisabled(), 'no feeling chosen yet');
  const feeling = await chips.nth(1).getAttribute('value');
  await chips.nth(1).check();
  await shot(page, 'kinds-feeling.png');
  await send.click();

  // ---- Yes / maybe / no, for Ana ------------------------------------------------------------------
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer], ['ready', 'yes_maybe_no', 'a']);
  assert.equal(inputs.at(-1).value, feeling);
  assert.ok((await page.textContent('#thread')).includes(feeling), 'the feeling shows in the thread');
  const ymn = await page.locator('#input-area button.choice').allTextContents();
  assert.deepEqual(ymn.map((s) => s.trim()), [uiEn['answer.yes'], uiEn['answer.maybe'], uiEn['answer.no']]);
  await page.click('#input-area button[data-value="yes"]');

  // ---- A confirmation, for Ben ----------------------------------------------------------------------
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer], ['settle', 'confirm', 'b']);
  assert.equal(inputs.at(-1).value, 'yes');
  assert.equal(await page.locator('#input-area button.choice').count(), 1);
  assert.equal((await page.textContent('#input-area button.choice')).trim(), uiEs['answer.confirm']);
  await page.click('#input-area button[data-value="ok"]');

  // ---- The timer: a breathing circle, then text cues with reduced motion ---------------------------
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer], ['breathe', 'confirm', 'a']);
  assert.equal(inputs.at(-1).value, 'ok');
  await page.waitForSelector('.answer-timer .breath[data-mode="motion"] .breath-circle');
  assert.equal(await page.getAttribute('.breath', 'data-pacing'), 'box');
  const clock = (await page.textContent('.countdown')).trim();
  assert.ok([5, 4].some((n) => clock === fill(uiEn['ui.timer.remaining'], { time: `0:0${n}` })), `countdown: ${clock}`);
  const done = page.locator('.timer-done');
  assert.ok(await done.isEnabled(), 'the button can be pressed at any time');
  assert.equal(await done.evaluate((b) => b.classList.contains('time-up')), false);
  assert.equal((await page.textContent('.breath-cue')).trim(), uiEn['ui.breath.in'], 'the first phase breathes in');
  const size = () => page.locator('.breath-circle').evaluate((c) => c.getBoundingClientRect().width);
  const early = await size();
  await page.waitForTimeout(1500);
  const later = await size();
  assert.ok(later > early + 5, `the circle grows on the in-breath (${early} → ${later})`);
  await shot(page, 'kinds-timer.png');

  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.waitForSelector('.breath[data-mode="text"] .breath-cue-only');
  assert.equal(await page.locator('.breath-circle').count(), 0, 'no circle with reduced motion');
  const cues = ['in', 'hold', 'out', 'rest', 'free'].map((phase) => uiEn[`ui.breath.${phase}`]);
  assert.ok(cues.includes((await page.textContent('.breath-cue-only')).trim()), 'a text cue instead of motion');
  await shot(page, 'kinds-timer-reduced.png');

  // Time up: the button is gently highlighted and a status line says so.
  await page.waitForSelector('.timer-done.time-up');
  assert.equal((await page.textContent('.timer-status')).trim(), uiEn['ui.timer.done']);
  assert.equal((await page.textContent('.countdown')).trim(), fill(uiEn['ui.timer.remaining'], { time: '0:00' }));
  await shot(page, 'kinds-timer-done.png');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  await done.click();

  // ---- The private list: Ana first ------------------------------------------------------------------
  input = await nextInput(page, input.key);
  assert.deepEqual([input.step, input.type, input.viewer], ['wishes', 'list', 'a']);
  assert.equal(inputs.at(-1).value, 'done');
  assert.equal((await page.textContent('.private-notice')).trim(), uiEn['ui.private.notice']);
  assert.equal(await page.locator('.list-row').count(), 4);
  assert.ok(await send.isDisabled());
  await markList(page, ['yes', 'yes']);
  assert.ok(await send.isDisabled(), 'half the list: Send waits');
  assert.ok(await page.locator('#list-incomplete').isVisible());
  assert.equal((await page.textContent('#list-progress')).trim(),
    fill(uiEn['ui.private.progress'], { count: 2, total: 4 }));
  await page.evaluate(() => document.querySelector('#input-area form').requestSubmit());
  await page.waitForTimeout(200);
  assert.equal(inputs.at(-1).value, 'done', 'a half-filled list is never sent');
  // Ana: yes to the walk and cooking, no to dancing, maybe to singing.
  await markList(page, ['yes', 'yes', 'no', 'maybe']);
  assert.ok(await send.isEnabled());
  assert.ok(await page.locator('#list-incomplete').isHidden());
  await shot(page, 'kinds-private-list.png', { fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  await page.locator('.answer-list').scrollIntoViewIfNeeded();
  await shot(page, 'kinds-private-list-360.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300); // let the colour transitions finish
  await shot(page, 'kinds-private-list-360-dark.png');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 900, height: 900 });

  // ---- Hand-off: Ana's answers leave the page before the screen asks for the device -------------
  await watchHandoff(page, items);
  await send.click();
  await page.waitForSelector('body[data-screen="handoff"][data-state="idle"]');
  assert.deepEqual(inputs.at(-1).value, ['yes', 'yes', 'no', 'maybe'], 'one answer per item, in item order');
  const atHandoff = await page.evaluate(() => window.__handoff);
  assert.deepEqual(atHandoff, { privateEntries: 0, lists: 0, radios: 0, checked: 0, threadEntries: 0, labelsInPage: [] },
    'when the hand-off screen appears, nothing of Ana’s view is left in the page');
  let whole = await wholePage(page);
  for (const marker of answerMarkers) assert.ok(!whole.html.includes(marker), `“${marker}” is not in the page`);
  assert.equal((await page.textContent('#handoff-title')).trim(), fill(uiEn['ui.handoff.title'], { name: 'Ben' }));
  const handoffButton = page.locator('#handoff-continue');
  await page.waitForFunction(() => document.getElementById('handoff-continue').lang === 'es');
  // innerText: as rendered (a flex button once dropped the space before the name).
  assert.equal((await handoffButton.innerText()).trim(), fill(uiEs['ui.handoff.continue'], { name: 'Ben' }),
    'the button speaks to Ben, in Ben’s language');
  assert.ok(await page.locator('#pause-button').isVisible(), 'Pause stays in reach');
  assert.ok(await page.locator('#stop-button').isVisible(), 'Stop stays in reach');
  await shot(page, 'kinds-handoff.png');

  // ---- Ben's turn: nothing of Ana's answers, a fresh list ------------------------------------------
  await handoffButton.click();
  await page.waitForSelector('body[data-screen="chat"][data-state="idle"]');
  input = await nextInput(page, null);
  assert.deepEqual([input.step, input.type, input.viewer], ['wishes', 'list', 'b']);
  whole = await wholePage(page);
  assert.equal(whole.privateEntries, 0, 'Ben’s view has no private entries');
  assert.equal(whole.checked, 0, 'Ben’s list starts empty');
  for (const marker of answerMarkers) assert.ok(!whole.html.includes(marker), `Ben never sees “${marker}”`);
  // The server agrees: Ben's view holds nothing private.
  const session = await page.evaluate(() => /#session=([^&]+)/.exec(location.hash)[1]);
  const benView = await (await page.request.get(new URL(`/api/sessions/${session}?partner=b`, page.url()).href)).json();
  assert.ok(!benView.thread.some((entry) => entry.private), 'the server sends Ben nothing private');

  // Ben: yes to the walk, no to cooking, yes to dancing, maybe to singing.
  await watchHandoff(page, items);
  await markList(page, ['yes', 'no', 'yes', 'maybe']);
  await send.click();

  // ---- Both have answered: hand-off back to Ana, then the reveal -----------------------------------
  await page.waitForSelector('body[data-screen="handoff"][data-state="idle"]');
  assert.deepEqual(await page.evaluate(() => window.__handoff),
    { privateEntries: 0, lists: 0, radios: 0, checked: 0, threadEntries: 0, labelsInPage: [] },
    'Ben’s answers leave the page before the hand-off screen appears');
  assert.equal((await page.textContent('#handoff-title')).trim(), fill(uiEs['ui.handoff.title'], { name: 'Ana' }));
  await page.click('#handoff-continue');
  await page.waitForSelector('body[data-screen="chat"][data-state="idle"]');
  input = await nextInput(page, null);
  assert.deepEqual([input.step, input.type, input.viewer], ['seen', 'confirm', 'a']);

  const shared = fill(MESSAGES['wishes.shared'], { items: walk });
  const maybes = fill(MESSAGES['wishes.maybes'], { items: sing });
  const noItems = [cook, dance]; // each marked no by one of them
  const checkReveal = async (who) => {
    const page_ = await wholePage(page);
    assert.ok(page_.text.includes(shared), `${who}: the shared yes is shown`);
    assert.ok(page_.text.includes(maybes), `${who}: the shared maybe is shown`);
    for (const item of noItems) assert.ok(!page_.html.includes(item), `${who}: “${item}” (a no) is nowhere in the page`);
    return page_;
  };
  whole = await checkReveal('Ana');
  assert.equal(whole.privateEntries, 1, 'Ana’s own private entry is in her view, folded away');
  const own = page.locator('[data-private="true"]');
  assert.ok(await own.evaluate((node) => node.classList.contains('by-a')));
  assert.equal((await own.locator('.private-head').textContent()).trim(), uiEn['ui.private.entry']);
  assert.equal(await own.locator('.private-toggle').getAttribute('aria-expanded'), 'false');
  assert.equal(await own.locator('.private-body').evaluate((body) => body.childNodes.length), 0);
  await shot(page, 'kinds-reveal.png', { fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await own.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await shot(page, 'kinds-reveal-dark.png');
  await page.emulateMedia({ colorScheme: 'light' });

  // Ana may look at her own answers; hiding them takes them out of the page again.
  await own.locator('.private-toggle').click();
  const ownText = await own.locator('.private-text').textContent();
  assert.ok(ownText.includes(`${walk}: ${uiEn['answer.yes']}`), 'her own answers, on request');
  await own.locator('.private-toggle').click();
  assert.equal(await own.locator('.private-body').evaluate((body) => body.childNodes.length), 0);
  await checkReveal('Ana, after hiding');

  // ---- Ana confirms; Ben (ordinary step: the light line) ---------------------------------------------
  await page.click('#input-area button[data-value="ok"]');
  input = await nextInput(page, input.key);
  assert.deepEqual([input.screen, input.step, input.viewer], ['chat', 'seen', 'b']);
  whole = await checkReveal('Ben');
  assert.equal(whole.privateEntries, 1, 'only Ben’s own entry');
  assert.ok(await page.locator('[data-private="true"]').evaluate((node) => node.classList.contains('by-b')));
  await page.click('#input-area button[data-value="ok"]');

  // ---- The end: the transcript shows the reveal and nothing private ----------------------------------
  await page.waitForSelector('body[data-screen="ended"][data-state="idle"]');
  await page.waitForFunction(() => document.querySelectorAll('#transcript li').length > 0);
  whole = await wholePage(page);
  assert.ok(whole.text.includes(shared));
  for (const item of noItems) assert.ok(!whole.html.includes(item), `the end: “${item}” is nowhere in the page`);
  assert.equal(whole.privateEntries, 0);
  assert.equal(whole.checked, 0);
  await shot(page, 'kinds-ended.png', { fullPage: true });

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

test('right to left: Arabic walk-through, ending the timer early, private list and hand-off', async (t) => {
  const { page, foreign, problems, inputs } = await open(t);
  const uiAr = { ...uiEn, ...readArb('ar', 'ui') };
  await page.waitForSelector('body[data-screen="setup"][data-state="idle"]');
  await page.fill('#name-a', 'ليلى');
  await page.fill('#name-b', 'Sam');
  await page.selectOption('#locale-a', 'ar');
  await page.selectOption('#locale-b', 'ar');
  await page.check('input[name="flow"][value="kinds-demo"]');
  await page.click('#start-button');
  await page.waitForSelector('body[data-screen="chat"][data-state="idle"]');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');

  let input = await nextInput(page, null);
  assert.equal(input.type, 'multi');
  await page.check('#multi-0');
  await page.check('#multi-3');
  await page.click('#input-area button[type="submit"]');

  input = await nextInput(page, input.key);
  assert.equal(input.type, 'feeling');
  if (await page.locator('#input-area input[name="feeling"]').count() > 0) {
    await page.locator('#input-area input[name="feeling"]').first().check();
  } else {
    // No vocabulary for this language: the feeling is typed.
    assert.equal((await page.textContent('#answer-hint')).trim(), uiAr['ui.feeling.own_words']);
    await page.fill('#answer-text', 'هدوء');
  }
  await page.click('#input-area button[type="submit"]');

  input = await nextInput(page, input.key);
  assert.equal(input.type, 'yes_maybe_no');
  await page.click('#input-area button[data-value="maybe"]');

  input = await nextInput(page, input.key);
  assert.equal(input.type, 'confirm');
  await page.click('#input-area button[data-value="ok"]');

  // The timer can be ended early: Done works before the time is up.
  input = await nextInput(page, input.key);
  await page.waitForSelector('.answer-timer .breath-circle');
  assert.equal((await page.textContent('.breath-cue')).trim(), uiAr['ui.breath.in']);
  await shot(page, 'kinds-timer-ar.png');
  assert.equal(await page.locator('.timer-done.time-up').count(), 0);
  await page.click('.timer-done');

  input = await nextInput(page, input.key);
  assert.deepEqual([input.type, input.viewer], ['list', 'a']);
  assert.equal(inputs.at(-1).value, 'done', 'the timer ended early');
  assert.equal((await page.textContent('.private-notice')).trim(), uiAr['ui.private.notice']);
  await page.check('#list-0-yes');
  await page.check('#list-1-maybe');
  await shot(page, 'kinds-private-list-ar.png');
  await page.check('#list-2-no');
  await page.check('#list-3-yes');
  await page.click('#input-area button[type="submit"]');
  await page.waitForSelector('body[data-screen="handoff"][data-state="idle"]');
  assert.equal((await page.innerText('#handoff-title')).trim(), fill(uiAr['ui.handoff.title'], { name: 'Sam' }));
  assert.equal((await page.innerText('#handoff-continue')).trim(), fill(uiAr['ui.handoff.continue'], { name: 'Sam' }));
  await shot(page, 'kinds-handoff-ar.png');

  // Stop from the hand-off screen: it always works, and ends kindly.
  await page.click('#stop-button');
  await page.waitForSelector('body[data-screen="ended"][data-state="idle"]');
  assert.equal((await page.textContent('#ended-title')).trim(), uiAr['ui.ended.stopped']);
  const whole = await wholePage(page);
  assert.equal(whole.privateEntries, 0);
  assert.equal(whole.checked, 0);

  assert.deepEqual(foreign, [], 'no request left the Tandem server');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});
